// alimqtt/topic.hpp — MQTT 3.1.1 topic names and topic filters (section 4.7):
// validation of '+'/'#' placement and UTF-8, and matching a filter to a topic.
#pragma once

#include <cstddef>
#include <string_view>

#include "codec/utf8.hpp"
#include "error.hpp"

namespace alimqtt {

/// Longest UTF-8 string MQTT can carry: a 2-byte length prefix (1.5.3).
inline constexpr std::size_t max_string_length = 65535;

/// A topic name as used in PUBLISH (4.7.3): at least one character, at most
/// 65,535 bytes, valid UTF-8 and no wildcard '+' or '#' [MQTT-3.3.2-2].
constexpr Status validate_topic_name(std::string_view topic) noexcept {
    if (topic.empty()) return Error::invalid_topic_name; // [MQTT-4.7.3-1]
    if (topic.size() > max_string_length) return Error::string_too_long;
    if (auto s = validate_utf8(topic); !s) return s;
    for (char c : topic)
        if (c == '+' || c == '#') return Error::invalid_topic_name;
    return {};
}

/// A topic filter as used in SUBSCRIBE/UNSUBSCRIBE (4.7.1): non-empty, valid
/// UTF-8, '#' only as the whole last level [MQTT-4.7.1-2], '+' only as a
/// whole level [MQTT-4.7.1-3].
constexpr Status validate_topic_filter(std::string_view filter) noexcept {
    if (filter.empty()) return Error::invalid_topic_filter; // [MQTT-4.7.3-1]
    if (filter.size() > max_string_length) return Error::string_too_long;
    if (auto s = validate_utf8(filter); !s) return s;
    const std::size_t n = filter.size();
    for (std::size_t i = 0; i < n; ++i) {
        const bool level_starts = i == 0 || filter[i - 1] == '/';
        if (filter[i] == '+') {
            const bool level_ends = i + 1 == n || filter[i + 1] == '/';
            if (!level_starts || !level_ends) return Error::invalid_topic_filter;
        } else if (filter[i] == '#') {
            if (!level_starts || i + 1 != n) return Error::invalid_topic_filter;
        }
    }
    return {};
}

/// True when the (valid) `filter` matches the (valid) topic name `topic`
/// (4.7): '+' matches exactly one level (possibly empty), '#' matches the
/// parent level and any number of child levels, and a filter starting with
/// a wildcard does not match a topic starting with '$' [MQTT-4.7.2-1].
constexpr bool topic_matches(std::string_view filter, std::string_view topic) noexcept {
    // Byte loops rather than string_view::find/compare: on a Cortex-M0+ those
    // pull in memchr, memcmp and strlen for the "#" and "+" literals.
    const std::size_t fn = filter.size(), tn = topic.size();
    if (tn > 0 && topic[0] == '$' && fn > 0 && (filter[0] == '+' || filter[0] == '#')) return false;
    std::size_t fi = 0, ti = 0;
    bool topic_done = false;
    for (;;) {
        std::size_t fe = fi;
        while (fe < fn && filter[fe] != '/') ++fe;
        const bool one_char = fe - fi == 1;
        if (one_char && filter[fi] == '#') return true; // also matches the parent: "a/#" matches "a"
        if (topic_done) return false;
        std::size_t te = ti;
        while (te < tn && topic[te] != '/') ++te;
        if (!(one_char && filter[fi] == '+')) { // a literal level must equal the topic's
            if (te - ti != fe - fi) return false;
            for (std::size_t k = 0; k < fe - fi; ++k)
                if (filter[fi + k] != topic[ti + k]) return false;
        }
        if (fe == fn) return te == tn;
        fi = fe + 1;
        if (te == tn) topic_done = true;
        else ti = te + 1;
    }
}

} // namespace alimqtt
