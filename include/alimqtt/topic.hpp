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
    if (!topic.empty() && topic.front() == '$' && !filter.empty() &&
        (filter.front() == '+' || filter.front() == '#'))
        return false;
    std::size_t fi = 0, ti = 0;
    bool topic_done = false;
    for (;;) {
        std::size_t fe = filter.find('/', fi);
        if (fe == std::string_view::npos) fe = filter.size();
        const std::string_view flevel(filter.data() + fi, fe - fi); // not substr(): no throw path on -fno-exceptions targets
        if (flevel == "#") return true; // also matches the parent: "a/#" matches "a"
        if (topic_done) return false;
        std::size_t te = topic.find('/', ti);
        if (te == std::string_view::npos) te = topic.size();
        const std::string_view tlevel(topic.data() + ti, te - ti);
        if (flevel != "+" && flevel != tlevel) return false;
        const bool filter_last = fe == filter.size();
        const bool topic_last = te == topic.size();
        if (filter_last) return topic_last;
        fi = fe + 1;
        if (topic_last) topic_done = true;
        else ti = te + 1;
    }
}

} // namespace alimqtt
