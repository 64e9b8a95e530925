// Helpers shared by the codec tests: byte vectors from hex-ish literals,
// encode-to-vector, and printable hex for failure messages.
#pragma once

#include <alimqtt/codec.hpp>

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

namespace codec_test {

using ByteVec = std::vector<std::byte>;

inline ByteVec bytes(std::initializer_list<unsigned> values) {
    ByteVec v;
    for (unsigned x : values) v.push_back(static_cast<std::byte>(x));
    return v;
}

inline ByteVec bytes_of(std::string_view s) {
    ByteVec v;
    for (char c : s) v.push_back(static_cast<std::byte>(c));
    return v;
}

inline ByteVec concat(std::initializer_list<ByteVec> parts) {
    ByteVec v;
    for (const auto& p : parts) v.insert(v.end(), p.begin(), p.end());
    return v;
}

inline std::string hex(alimqtt::Bytes b) {
    static const char* digits = "0123456789abcdef";
    std::string s;
    for (std::byte x : b) {
        const auto u = std::to_integer<unsigned>(x);
        s += digits[u >> 4];
        s += digits[u & 15];
    }
    return s;
}
inline std::string hex(const ByteVec& v) { return hex(alimqtt::Bytes(v)); }

/// Encodes with the SpanWriter into an exactly sized vector; empty on error.
template <class P>
ByteVec encode_vec(const P& p, alimqtt::Error* error = nullptr) {
    ByteVec out(alimqtt::encoded_size(p) + 16);
    auto n = alimqtt::encode_to(std::span<std::byte>(out), p);
    if (!n) {
        if (error) *error = n.error();
        return {};
    }
    out.resize(*n);
    return out;
}

template <class P>
alimqtt::Error encode_error(const P& p) {
    alimqtt::CountingSink c;
    auto s = alimqtt::encode(c, p);
    return s ? alimqtt::Error{} : s.error();
}

inline alimqtt::Error decode_error(const ByteVec& frame) {
    auto r = alimqtt::decode_packet(frame);
    return r ? alimqtt::Error{} : r.error();
}

template <class P>
const P* decoded_as(const alimqtt::Result<alimqtt::Packet>& r) {
    return r ? std::get_if<P>(&*r) : nullptr;
}

inline std::string_view as_sv(alimqtt::Bytes b) {
    return {reinterpret_cast<const char*>(b.data()), b.size()};
}

} // namespace codec_test
