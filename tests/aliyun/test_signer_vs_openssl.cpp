// The signer against `openssl dgst -<md> -hmac <secret>` run as a subprocess
// on random device triples, clientIds, methods and timestamps.
#include <cstdio>
#include <random>
#include <string>

#include "alimqtt/aliyun/dynreg.hpp"
#include "alimqtt/aliyun/signer.hpp"
#include "catch.hpp"

using namespace alimqtt::aliyun;

namespace {
std::string random_text(std::mt19937& rng, std::size_t min, std::size_t max, std::string_view alphabet) {
    std::string s(min + rng() % (max - min + 1), ' ');
    for (auto& c : s) c = alphabet[rng() % alphabet.size()];
    return s;
}

/// hex HMAC of `content` as openssl computes it (inputs are shell-safe).
std::string openssl_hmac(std::string_view md, const std::string& key, const std::string& content) {
    const std::string cmd = "printf '%s' '" + content + "' | openssl dgst -" + std::string(md) + " -hmac '" + key + "'";
    FILE* p = popen(cmd.c_str(), "r");
    REQUIRE(p != nullptr);
    char line[512]{};
    const bool got = std::fgets(line, sizeof line, p) != nullptr;
    REQUIRE(pclose(p) == 0);
    REQUIRE(got);
    std::string out(line);
    out = out.substr(out.rfind(' ') + 1); // "HMAC-SHA2-256(stdin)= <hex>"
    while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
    return out;
}
} // namespace

TEST_CASE("Random credentials sign exactly as openssl dgst -hmac computes over the documented content") {
    constexpr std::string_view alnum = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    constexpr std::string_view name_chars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_@.:";
    std::mt19937 rng(4242);
    for (int i = 0; i < 40; ++i) {
        const std::string pk = random_text(rng, 11, 11, alnum);
        const std::string dn = random_text(rng, 4, 32, name_chars);
        const std::string secret = random_text(rng, 1, 64, alnum);
        const std::string id = rng() % 2 ? "" : random_text(rng, 1, 64, name_chars);
        const SignMethod method = static_cast<SignMethod>(rng() % 3);
        const bool with_ts = rng() % 4 != 0;
        const std::uint64_t ts = (std::uint64_t{rng()} << 20) ^ rng();
        SignOptions o{.client_id = id, .sign_method = method};
        o.timestamp = with_ts ? Timestamp::at_ms(ts) : Timestamp::none();
        INFO("pk=" << pk << " dn=" << dn << " secret=" << secret << " id=" << id << " method="
                   << to_string(method) << " ts=" << (with_ts ? std::to_string(ts) : "none"));
        const auto c = sign({pk, dn, secret}, o);
        REQUIRE(c.ok());
        const std::string used_id = id.empty() ? pk + "." + dn : id;
        std::string content = "clientId" + used_id + "deviceName" + dn + "productKey" + pk;
        if (with_ts) content += "timestamp" + std::to_string(ts);
        const std::string_view md = method == SignMethod::hmacsha256 ? "sha256"
                                    : method == SignMethod::hmacsha1 ? "sha1"
                                                                     : "md5";
        CHECK(std::string(c->password.view()) == openssl_hmac(md, secret, content));
        CHECK(c->client_id.view().starts_with(used_id + "|securemode=2,signmethod=" + std::string(to_string(method))));
    }
}

TEST_CASE("Dynamic registration signs deviceName, productKey and random with the ProductSecret as openssl does") {
    constexpr std::string_view alnum = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    constexpr std::string_view name_chars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_@.:";
    std::mt19937 rng(2468);
    for (int i = 0; i < 20; ++i) {
        const std::string pk = random_text(rng, 11, 11, alnum);
        const std::string dn = random_text(rng, 4, 32, name_chars);
        const std::string product_secret = random_text(rng, 16, 64, alnum);
        const std::string random = random_text(rng, 1, 20, alnum);
        DynregOptions o;
        o.flow = rng() % 2 ? DynregFlow::preregistered : DynregFlow::whitelist_free;
        o.random = random;
        INFO("pk=" << pk << " dn=" << dn << " ps=" << product_secret << " random=" << random);
        const auto c = sign_dynreg({pk, dn, product_secret}, o);
        REQUIRE(c.ok());
        CHECK(std::string(c->password.view()) ==
              openssl_hmac("sha256", product_secret, "deviceName" + dn + "productKey" + pk + "random" + random));
        CHECK(std::string(c->client_id.view()) == dn + "." + pk + "|random=" + random + ",authType=" +
                                                       std::string(auth_type(o.flow)) +
                                                       ",securemode=2,signmethod=hmacsha256|");
    }
}
