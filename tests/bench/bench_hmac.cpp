// HMAC cost of one Aliyun signing: alimqtt's own HMAC vs OpenSSL's, on the
// signed content of vector V1 (93 bytes) with a 32-byte DeviceSecret.
#include <benchmark/benchmark.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <array>
#include <cstring>
#include <string_view>
#include <type_traits>

#include "alimqtt/aliyun/hmac.hpp"
#include "alimqtt/aliyun/signer.hpp"

namespace {

using namespace alimqtt::aliyun;

constexpr std::string_view secret = "0123456789abcdef0123456789abcdef";
constexpr std::string_view content =
    "clientIda1B2c3D4e5F.pico-w-001deviceNamepico-w-001productKeya1B2c3D4e5Ftimestamp1700000000000";

const EVP_MD* openssl_md(std::string_view name) {
    if (name == "SHA256") return EVP_sha256();
    if (name == "SHA1") return EVP_sha1();
    return EVP_md5();
}

/// alimqtt: key setup + MAC of the content, as sign() does per signing.
template <class Hash>
void BM_alimqtt_hmac(benchmark::State& state) {
    // Refuse to time anything if the two implementations disagree.
    unsigned char theirs[EVP_MAX_MD_SIZE];
    unsigned len = 0;
    HMAC(openssl_md(std::is_same_v<Hash, Sha256> ? "SHA256" : std::is_same_v<Hash, Sha1> ? "SHA1" : "MD5"),
         secret.data(), static_cast<int>(secret.size()), reinterpret_cast<const unsigned char*>(content.data()),
         content.size(), theirs, &len);
    const auto ours = Hmac<Hash>::mac(secret, content);
    if (len != ours.size() || std::memcmp(theirs, ours.data(), len) != 0) {
        state.SkipWithError("alimqtt and OpenSSL disagree");
        return;
    }
    for (auto _ : state) {
        Hmac<Hash> mac(secret);
        mac.update(content);
        auto d = mac.final();
        benchmark::DoNotOptimize(d);
    }
}

/// OpenSSL's one-shot HMAC() (what a typical C caller writes).
void BM_openssl_HMAC_oneshot(benchmark::State& state, const char* md_name) {
    const EVP_MD* md = openssl_md(md_name);
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned len = 0;
    for (auto _ : state) {
        HMAC(md, secret.data(), static_cast<int>(secret.size()),
             reinterpret_cast<const unsigned char*>(content.data()), content.size(), out, &len);
        benchmark::DoNotOptimize(out);
    }
}

/// OpenSSL 3 EVP_MAC with the algorithm fetched and the context created
/// once; keyed per signing (its fastest fair form).
void BM_openssl_EVP_MAC_reused(benchmark::State& state, const char* md_name) {
    EVP_MAC* mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
    EVP_MAC_CTX* ctx = EVP_MAC_CTX_new(mac);
    char digest_name[16];
    std::strncpy(digest_name, md_name, sizeof digest_name - 1);
    digest_name[sizeof digest_name - 1] = '\0';
    const OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string("digest", digest_name, 0), OSSL_PARAM_END};
    unsigned char out[EVP_MAX_MD_SIZE];
    std::size_t len = 0;
    for (auto _ : state) {
        EVP_MAC_init(ctx, reinterpret_cast<const unsigned char*>(secret.data()), secret.size(), params);
        EVP_MAC_update(ctx, reinterpret_cast<const unsigned char*>(content.data()), content.size());
        EVP_MAC_final(ctx, out, &len, sizeof out);
        benchmark::DoNotOptimize(out);
    }
    EVP_MAC_CTX_free(ctx);
    EVP_MAC_free(mac);
}

/// The whole signer: clientId, username, HMAC-SHA256 and hex.
void BM_alimqtt_sign_full(benchmark::State& state) {
    const DeviceCredentials device{"a1B2c3D4e5F", "pico-w-001", secret};
    const SignOptions options{.timestamp = Timestamp::at_ms(1700000000000)};
    for (auto _ : state) {
        auto c = sign(device, options);
        benchmark::DoNotOptimize(c);
    }
}

} // namespace

BENCHMARK(BM_alimqtt_hmac<Sha256>)->Name("hmac_sha256/alimqtt");
BENCHMARK_CAPTURE(BM_openssl_HMAC_oneshot, sha256, "SHA256")->Name("hmac_sha256/openssl_HMAC_oneshot");
BENCHMARK_CAPTURE(BM_openssl_EVP_MAC_reused, sha256, "SHA256")->Name("hmac_sha256/openssl_EVP_MAC_reused_ctx");
BENCHMARK(BM_alimqtt_hmac<Sha1>)->Name("hmac_sha1/alimqtt");
BENCHMARK_CAPTURE(BM_openssl_HMAC_oneshot, sha1, "SHA1")->Name("hmac_sha1/openssl_HMAC_oneshot");
BENCHMARK(BM_alimqtt_hmac<Md5>)->Name("hmac_md5/alimqtt");
BENCHMARK_CAPTURE(BM_openssl_HMAC_oneshot, md5, "MD5")->Name("hmac_md5/openssl_HMAC_oneshot");
BENCHMARK(BM_alimqtt_sign_full)->Name("sign_full_hmacsha256/alimqtt");

