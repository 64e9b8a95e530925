// Published vectors for SHA-1, SHA-256 (FIPS 180), MD5 (RFC 1321) and HMAC
// (RFC 2202, RFC 4231), plus incremental feeding and compile-time use.
#include <array>
#include <cstddef>
#include <span>
#include <string>
#include <string_view>

#include "alimqtt/aliyun/hex.hpp"
#include "alimqtt/aliyun/hmac.hpp"
#include "catch.hpp"

using namespace alimqtt::aliyun;

namespace {
std::string repeat(unsigned char byte, std::size_t n) { return std::string(n, static_cast<char>(byte)); }
std::string counting(unsigned char first, unsigned char last) {
    std::string s;
    for (unsigned c = first; c <= last; ++c) s.push_back(static_cast<char>(c));
    return s;
}
template <class Digest>
std::string hex(const Digest& d) { return std::string(to_hex(d).view()); }
} // namespace

// Usable in constant expressions: the digests below are computed by the compiler.
static_assert(to_hex(sha256("abc")) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
static_assert(to_hex(sha1("abc")) == "a9993e364706816aba3e25717850c26c9cd0d89d");
static_assert(to_hex(md5("abc")) == "900150983cd24fb0d6963f7d28e17f72");
static_assert(to_hex(hmac_sha256("Jefe", "what do ya want for nothing?")) ==
              "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");

// At compile time the hashes cannot reinterpret pointers, so char and
// std::byte input go through their own feed(), including its whole-block loop
// when one update holds 64 bytes or more. These inputs take that loop
// (digests from Python's hashlib and RFC 4231 test case 6).
constexpr std::string_view fips_112 = "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmn"
                                      "hijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu";
static_assert(fips_112.size() == 112);
static_assert(to_hex(sha256(fips_112)) == "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");
static_assert(to_hex(sha1(fips_112)) == "a49b2446a02c645bf419f995b67091253a04a259");
static_assert(to_hex(md5(fips_112)) == "03dd8807a93175fb062dfb55dc7d359c");
constexpr Sha256::Digest sha256_as_bytes(std::string_view text) {
    std::array<std::byte, 112> bytes{};
    for (std::size_t i = 0; i < text.size(); ++i) bytes[i] = static_cast<std::byte>(text[i]);
    Sha256 h;
    h.update(std::span<const std::byte>(bytes.data(), text.size()));
    return h.final();
}
static_assert(sha256_as_bytes(fips_112) == sha256(fips_112));
constexpr Sha256::Digest hmac_with_131_byte_key() {
    std::array<char, 131> key{};
    for (char& c : key) c = static_cast<char>(0xaa);
    return hmac_sha256(std::string_view(key.data(), key.size()), "Test Using Larger Than Block-Size Key - Hash Key First");
}
static_assert(to_hex(hmac_with_131_byte_key()) == "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");

TEST_CASE("SHA-1 matches the FIPS 180 examples") {
    CHECK(hex(sha1("abc")) == "a9993e364706816aba3e25717850c26c9cd0d89d");
    CHECK(hex(sha1("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")) ==
          "84983e441c3bd26ebaae4aa1f95129e5e54670f1");
    CHECK(hex(sha1(repeat('a', 1000000))) == "34aa973cd4c4daa4f61eeb2bdbad27316534016f");
}

TEST_CASE("SHA-256 matches the FIPS 180 examples") {
    CHECK(hex(sha256("abc")) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    CHECK(hex(sha256("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")) ==
          "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    CHECK(hex(sha256(repeat('a', 1000000))) ==
          "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST_CASE("MD5 matches the RFC 1321 test suite") {
    CHECK(hex(md5("")) == "d41d8cd98f00b204e9800998ecf8427e");
    CHECK(hex(md5("a")) == "0cc175b9c0f1b6a831c399e269772661");
    CHECK(hex(md5("abc")) == "900150983cd24fb0d6963f7d28e17f72");
    CHECK(hex(md5("message digest")) == "f96b697d7cb7938d525a2f31aaf161d0");
    CHECK(hex(md5("abcdefghijklmnopqrstuvwxyz")) == "c3fcd3d76192e4007dfb496cca67e13b");
    CHECK(hex(md5("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")) ==
          "d174ab98d277d9f5a5611c2c9f419d9f");
    CHECK(hex(md5("12345678901234567890123456789012345678901234567890123456789012345678901234567890")) ==
          "57edf4a22be3c955ac49da2e2107b67a");
}

TEST_CASE("HMAC-MD5 matches RFC 2202, including 80-byte keys longer than a block") {
    CHECK(hex(hmac_md5(repeat(0x0b, 16), "Hi There")) == "9294727a3638bb1c13f48ef8158bfc9d");
    CHECK(hex(hmac_md5("Jefe", "what do ya want for nothing?")) == "750c783e6ab0b503eaa86e310a5db738");
    CHECK(hex(hmac_md5(repeat(0xaa, 16), repeat(0xdd, 50))) == "56be34521d144c88dbb8c733f0e8b3f6");
    CHECK(hex(hmac_md5(counting(1, 25), repeat(0xcd, 50))) == "697eaf0aca3a3aea3a75164746ffaa79");
    CHECK(hex(hmac_md5(repeat(0x0c, 16), "Test With Truncation")) == "56461ef2342edc00f9bab995690efd4c");
    CHECK(hex(hmac_md5(repeat(0xaa, 80), "Test Using Larger Than Block-Size Key - Hash Key First")) ==
          "6b1ab7fe4bd7bf8f0b62e6ce61b9d0cd");
    CHECK(hex(hmac_md5(repeat(0xaa, 80),
                       "Test Using Larger Than Block-Size Key and Larger Than One Block-Size Data")) ==
          "6f630fad67cda0ee1fb1f562db3aa53e");
}

TEST_CASE("HMAC-SHA1 matches RFC 2202, including 80-byte keys longer than a block") {
    CHECK(hex(hmac_sha1(repeat(0x0b, 20), "Hi There")) == "b617318655057264e28bc0b6fb378c8ef146be00");
    CHECK(hex(hmac_sha1("Jefe", "what do ya want for nothing?")) == "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79");
    CHECK(hex(hmac_sha1(repeat(0xaa, 20), repeat(0xdd, 50))) == "125d7342b9ac11cd91a39af48aa17b4f63f175d3");
    CHECK(hex(hmac_sha1(counting(1, 25), repeat(0xcd, 50))) == "4c9007f4026250c6bc8414f9bf50c86c2d7235da");
    CHECK(hex(hmac_sha1(repeat(0x0c, 20), "Test With Truncation")) == "4c1a03424b55e07fe7f27be1d58bb9324a9a5a04");
    CHECK(hex(hmac_sha1(repeat(0xaa, 80), "Test Using Larger Than Block-Size Key - Hash Key First")) ==
          "aa4ae5e15272d00e95705637ce8a3b55ed402112");
    CHECK(hex(hmac_sha1(repeat(0xaa, 80),
                        "Test Using Larger Than Block-Size Key and Larger Than One Block-Size Data")) ==
          "e8e99d0f45237d786d6bbaa7965c7808bbff1a91");
}

TEST_CASE("HMAC-SHA256 matches RFC 4231, including 131-byte keys longer than a block") {
    CHECK(hex(hmac_sha256(repeat(0x0b, 20), "Hi There")) ==
          "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
    CHECK(hex(hmac_sha256("Jefe", "what do ya want for nothing?")) ==
          "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    CHECK(hex(hmac_sha256(repeat(0xaa, 20), repeat(0xdd, 50))) ==
          "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe");
    CHECK(hex(hmac_sha256(counting(1, 25), repeat(0xcd, 50))) ==
          "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b");
    // Test case 5 publishes only the first 128 bits.
    CHECK(hex(hmac_sha256(repeat(0x0c, 20), "Test With Truncation")).substr(0, 32) ==
          "a3b6167473100ee06e0c796c2955552b");
    CHECK(hex(hmac_sha256(repeat(0xaa, 131), "Test Using Larger Than Block-Size Key - Hash Key First")) ==
          "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
    CHECK(hex(hmac_sha256(repeat(0xaa, 131),
                          "This is a test using a larger than block-size key and a larger than block-size data. "
                          "The key needs to be hashed before being used by the HMAC algorithm.")) ==
          "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2");
}

TEST_CASE("Feeding a message in pieces gives the one-shot digest") {
    const std::string msg = repeat('x', 200) + "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    for (std::size_t split = 0; split <= msg.size(); split += 7) {
        Sha256 h;
        h.update(std::string_view(msg).substr(0, split));
        h.update(std::string_view(msg).substr(split));
        CHECK(h.final() == sha256(msg));
        HmacMd5 m("key");
        m.update(std::string_view(msg).substr(0, split));
        m.update(std::string_view(msg).substr(split));
        CHECK(m.final() == hmac_md5("key", msg));
    }
}

TEST_CASE("final() resets the hasher and the HMAC for the next message under the same key") {
    Sha1 h;
    h.update("garbage");
    (void)h.final();
    h.update("abc");
    CHECK(hex(h.final()) == "a9993e364706816aba3e25717850c26c9cd0d89d");
    HmacSha256 m("Jefe");
    m.update("something else");
    (void)m.final();
    m.update("what do ya want for nothing?");
    CHECK(hex(m.final()) == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST_CASE("Hex output is lower case by default and upper case on request") {
    CHECK(to_hex(md5("abc"), HexCase::upper) == "900150983CD24FB0D6963F7D28E17F72");
    CHECK(to_hex(md5("abc")) == "900150983cd24fb0d6963f7d28e17f72");
}
