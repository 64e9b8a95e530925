// Differential test: every message length 0..300 and key length 0..200, for
// MD5, SHA-1, SHA-256 and their HMACs, against OpenSSL's libcrypto.
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <array>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "alimqtt/aliyun/hmac.hpp"
#include "catch.hpp"

using namespace alimqtt::aliyun;

namespace {
std::vector<std::uint8_t> random_bytes(std::mt19937& rng, std::size_t n) {
    std::vector<std::uint8_t> v(n);
    for (auto& b : v) b = static_cast<std::uint8_t>(rng());
    return v;
}
std::vector<std::uint8_t> openssl_digest(const EVP_MD* md, const std::vector<std::uint8_t>& m) {
    std::vector<std::uint8_t> out(EVP_MAX_MD_SIZE);
    unsigned len = 0;
    REQUIRE(EVP_Digest(m.data(), m.size(), out.data(), &len, md, nullptr) == 1);
    out.resize(len);
    return out;
}
std::vector<std::uint8_t> openssl_hmac(const EVP_MD* md, const std::vector<std::uint8_t>& k,
                                       const std::vector<std::uint8_t>& m) {
    std::vector<std::uint8_t> out(EVP_MAX_MD_SIZE);
    unsigned len = 0;
    static const std::uint8_t empty = 0;
    REQUIRE(HMAC(md, k.empty() ? &empty : k.data(), static_cast<int>(k.size()), m.data(), m.size(), out.data(),
                 &len) != nullptr);
    out.resize(len);
    return out;
}
template <std::size_t N>
std::vector<std::uint8_t> vec(const std::array<std::uint8_t, N>& a) { return {a.begin(), a.end()}; }

template <class Hash>
void compare_all(const EVP_MD* md) {
    std::mt19937 rng(20261126);
    for (std::size_t len = 0; len <= 300; ++len) {
        const auto msg = random_bytes(rng, len);
        const auto key = random_bytes(rng, rng() % 201);
        INFO("message length " << len << ", key length " << key.size());
        Hash h;
        h.update(std::span<const std::uint8_t>(msg));
        CHECK(vec(h.final()) == openssl_digest(md, msg));
        Hmac<Hash> mac{std::span<const std::uint8_t>(key)};
        // Fed in two random pieces, to cross block boundaries at odd places.
        const std::size_t split = len == 0 ? 0 : rng() % (len + 1);
        mac.update(std::span<const std::uint8_t>(msg).first(split));
        mac.update(std::span<const std::uint8_t>(msg).subspan(split));
        CHECK(vec(mac.final()) == openssl_hmac(md, key, msg));
    }
    // Every key length 0..200 with one fixed-length message.
    const auto msg = random_bytes(rng, 93);
    for (std::size_t klen = 0; klen <= 200; ++klen) {
        const auto key = random_bytes(rng, klen);
        INFO("key length " << klen);
        Hmac<Hash> mac{std::span<const std::uint8_t>(key)};
        mac.update(std::span<const std::uint8_t>(msg));
        CHECK(vec(mac.final()) == openssl_hmac(md, key, msg));
    }
}
} // namespace

TEST_CASE("SHA-256 and HMAC-SHA256 agree with OpenSSL on random inputs of every length") {
    compare_all<Sha256>(EVP_sha256());
}
TEST_CASE("SHA-1 and HMAC-SHA1 agree with OpenSSL on random inputs of every length") {
    compare_all<Sha1>(EVP_sha1());
}
TEST_CASE("MD5 and HMAC-MD5 agree with OpenSSL on random inputs of every length") {
    compare_all<Md5>(EVP_md5());
}
