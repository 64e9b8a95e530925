// The small core types at their edges: every Error's log text, Result's
// self-assignment, Backoff's clamps, InplaceFunction's empty and self cases,
// and the decoded/caller list type of SUBSCRIBE/SUBACK/UNSUBSCRIBE.
#include "catch.hpp"

#include <alimqtt/backoff.hpp>
#include <alimqtt/codec.hpp>
#include <alimqtt/error.hpp>
#include <alimqtt/inplace_function.hpp>

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <utility>

#include "fake_clock.hpp"

using namespace alimqtt;
using namespace std::chrono_literals;

namespace {

/// Hides a value from the compiler so constexpr functions really run (and
/// are counted by gcov) instead of being folded at compile time.
template <class T>
T at_runtime(T v) {
    volatile T copy = v;
    return copy;
}

/// Every Error enumerator with a word its log text must contain, written
/// from the enum's comments, not from to_string().
struct Named {
    Error error;
    std::string_view must_mention;
};
constexpr Named all_errors[] = {
    {Error::buffer_too_small, "buffer"},
    {Error::need_more_data, "more data"},
    {Error::malformed_remaining_length, "remaining length"},
    {Error::packet_too_large, "too large"},
    {Error::bad_packet_type, "packet type"},
    {Error::bad_fixed_header_flags, "flags"},
    {Error::bad_remaining_length, "remaining length"},
    {Error::bad_qos, "QoS"},
    {Error::zero_packet_id, "packet id 0"},
    {Error::truncated, "past the end"},
    {Error::malformed_utf8, "UTF-8"},
    {Error::utf8_null_character, "U+0000"},
    {Error::string_too_long, "65535"},
    {Error::empty_subscribe, "SUBSCRIBE"},
    {Error::empty_unsubscribe, "UNSUBSCRIBE"},
    {Error::bad_protocol_name, "protocol name"},
    {Error::bad_protocol_level, "protocol level"},
    {Error::bad_connect_flags, "CONNECT flags"},
    {Error::connack_reserved_bits, "reserved"},
    {Error::bad_connack_code, "CONNACK"},
    {Error::bad_suback_code, "SUBACK"},
    {Error::invalid_topic_name, "topic name"},
    {Error::invalid_topic_filter, "topic filter"},
    {Error::trailing_bytes, "after the last field"},
    {Error::remaining_length_too_large, "268435455"},
    {Error::client_id_requires_clean_session, "clean session"},
    {Error::subscribe_reserved_bits, "reserved"},
    {Error::connack_refused_session_present, "Session Present"},
    {Error::would_block, "block"},
    {Error::connection_closed, "closed"},
    {Error::transport_error, "transport"},
    {Error::timeout, "timed out"},
    {Error::not_connected, "not connected"},
    {Error::already_connected, "already connected"},
    {Error::connack_timeout, "CONNACK"},
    {Error::refused_protocol_version, "CONNACK 1"},
    {Error::refused_identifier_rejected, "CONNACK 2"},
    {Error::refused_server_unavailable, "CONNACK 3"},
    {Error::refused_bad_credentials, "CONNACK 4"},
    {Error::refused_not_authorized, "CONNACK 5"},
    {Error::subscription_refused, "0x80"},
    {Error::subscription_timeout, "SUBACK"},
    {Error::unsubscribe_timeout, "UNSUBACK"},
    {Error::ack_timeout, "acknowledgement"},
    {Error::keepalive_timeout, "keepalive"},
    {Error::unexpected_packet, "server must not send"},
    {Error::unknown_packet_id, "unknown packet id"},
    {Error::suback_count_mismatch, "count"},
    {Error::protocol_error, "protocol error"},
    {Error::in_flight_full, "in-flight"},
    {Error::subscriptions_full, "subscription table"},
    {Error::send_buffer_full, "send buffer"},
    {Error::reentrant_call, "handler"},
    {Error::not_subscribed, "not subscribed"},
    {Error::topic_too_long, "topic longer"},
    {Error::qos2_disabled, "max_qos"},
    {Error::aliyun_keepalive_out_of_range, "30..1200"},
    {Error::aliyun_qos2_not_supported, "QoS 0 and 1"},
    {Error::aliyun_will_not_supported, "will"},
    {Error::aliyun_topic_too_long, "128"},
    {Error::invalid_argument, "invalid argument"},
    {Error::json_syntax, "JSON"},
    {Error::json_missing_field, "missing"},
    {Error::json_wrong_type, "wrong type"},
    {Error::json_trailing_garbage, "after the end"},
    {Error::port_out_of_range, "port"},
    {Error::aliyun_empty_field, "empty"},
    {Error::aliyun_forbidden_character, "character"},
    {Error::aliyun_client_id_too_long, "64"},
    {Error::aliyun_field_too_long, "fixed storage"},
    {Error::aliyun_retain_not_supported, "retained"},
    {Error::json_too_deep, "nested"},
    {Error::aliyun_reply_error, "200"},
    {Error::dynreg_refused, "registration refused"},
    {Error::dynreg_timeout, "no reply"},
    {Error::dynreg_malformed_reply, "malformed"},
    {Error::json_invalid_utf8, "UTF-8"},
};

} // namespace

TEST_CASE("every Error has its own non-empty log text that names what went wrong") {
    std::set<std::string_view> seen;
    for (const Named& n : all_errors) {
        CAPTURE(static_cast<int>(n.error), n.must_mention);
        const std::string_view text = to_string(at_runtime(n.error));
        CHECK_FALSE(text.empty());
        CHECK(text != "unknown error");
        CHECK(text.find(n.must_mention) != std::string_view::npos);
        CHECK(seen.insert(text).second); // no two errors share a text
    }
    CHECK(seen.size() == std::size(all_errors));
}

TEST_CASE("the Error list above is complete: every other byte value is an unknown error") {
    std::set<int> listed;
    for (const Named& n : all_errors) listed.insert(static_cast<int>(n.error));
    int named = 0;
    for (int v = 0; v < 256; ++v) {
        const std::string_view text = to_string(static_cast<Error>(at_runtime(v)));
        CAPTURE(v);
        if (listed.count(v) != 0) {
            ++named;
        } else {
            CHECK(text == "unknown error");
        }
    }
    CHECK(named == static_cast<int>(std::size(all_errors)));
    CHECK(to_string(Error{}) == "unknown error"); // 0 is "no error", never a failure
}

TEST_CASE("a Result assigned to itself keeps its value or its error") {
    Result<std::string> value = std::string("kept");
    Result<std::string>& alias = value;
    value = alias;
    REQUIRE(value.ok());
    CHECK(*value == "kept");
    Result<std::string> failure = Error::timeout;
    Result<std::string>& failure_alias = failure;
    failure = failure_alias;
    CHECK(failure.error() == Error::timeout);
}

TEST_CASE("a successful Status and Result report no error") {
    const Status ok{};
    CHECK(ok.error() == Error{});
    const Result<int> value = at_runtime(5);
    CHECK(value.error() == Error{});
}

TEST_CASE("Backoff with a cap below the initial delay uses the initial delay every time") {
    test::FakeClock clock;
    Backoff<test::FakeClock> b(clock, at_runtime(5000) * 1ms, at_runtime(1000) * 1ms, 7);
    for (int i = 0; i < 5; ++i) {
        const auto d = b.failed();
        CHECK(d >= 2500ms);
        CHECK(d <= 5000ms);
    }
}

TEST_CASE("Backoff with a 1 ms initial delay waits exactly 1 ms (no room for jitter)") {
    test::FakeClock clock;
    Backoff<test::FakeClock> b(clock, 1ms, 1ms, at_runtime(3u));
    CHECK(b.failed() == 1ms);
    CHECK(b.failed() == 1ms);
    CHECK(b.failures() == 2);
    clock.advance(1ms);
    CHECK(b.ready());
}

TEST_CASE("Backoff stops counting failures at 62 and keeps waiting the cap") {
    test::FakeClock clock;
    Backoff<test::FakeClock> b(clock, 10ms, 640ms, 1);
    for (int i = 0; i < 100; ++i) (void)b.failed();
    CHECK(b.failures() == 62);
    const auto d = b.failed();
    CHECK(d >= 320ms);
    CHECK(d <= 640ms);
    b.succeeded();
    CHECK(b.failures() == 0);
    CHECK(b.ready());
}

TEST_CASE("XorShift32 maps a run-time seed 0 to the fixed non-zero seed") {
    XorShift32 zero(at_runtime(0u));
    XorShift32 fixed(0x9E3779B9u);
    for (int i = 0; i < 4; ++i) CHECK(zero.next() == fixed.next());
    CHECK(zero.up_to(at_runtime<std::uint64_t>(0)) == 0);
}

TEST_CASE("InplaceFunction copied or moved from an empty one stays empty") {
    InplaceFunction<int(int)> empty;
    InplaceFunction<int(int)> copy = empty;
    CHECK_FALSE(copy);
    InplaceFunction<int(int)> moved = std::move(empty);
    CHECK_FALSE(moved);
    InplaceFunction<int(int)> from_null = nullptr;
    CHECK_FALSE(from_null);
}

TEST_CASE("InplaceFunction assigned to itself keeps its callable") {
    int calls = 0;
    InplaceFunction<int(int)> f = [&calls](int x) { return calls += x; };
    InplaceFunction<int(int)>& alias = f;
    f = alias;
    REQUIRE(f);
    CHECK(f(2) == 2);
    f = std::move(alias);
    REQUIRE(f);
    CHECK(f(3) == 5);
}

TEST_CASE("InplaceFunction moves a stored callable into a new one") {
    int calls = 0;
    InplaceFunction<void()> f = [&calls] { ++calls; };
    InplaceFunction<void()> g = std::move(f);
    g();
    CHECK(calls == 1);
    InplaceFunction<void()> h;
    h = g;
    h();
    CHECK(calls == 2);
}

TEST_CASE("TopicSubscription equality needs the same filter and the same QoS") {
    const TopicSubscription a{"a/b", QoS::at_least_once};
    CHECK(a == TopicSubscription{"a/b", QoS::at_least_once});
    CHECK_FALSE(a == TopicSubscription{at_runtime<const char*>("a/c"), QoS::at_least_once});
    CHECK_FALSE(a == TopicSubscription{"a/b", at_runtime(QoS::at_most_once)});
}

TEST_CASE("list equality compares the count first, then each entry in order") {
    const std::array<TopicSubscription, 2> two{{{"a", QoS::at_most_once}, {"b", QoS::at_least_once}}};
    const std::array<TopicSubscription, 1> one{{{"a", QoS::at_most_once}}};
    const std::array<TopicSubscription, 2> other{{{"a", QoS::at_most_once}, {"c", QoS::at_least_once}}};
    const TopicSubscriptionList l2(two), l1(one), lo(other);
    CHECK(l2 == TopicSubscriptionList(two));
    CHECK_FALSE(l2 == l1);
    CHECK_FALSE(l2 == lo);
}

TEST_CASE("indexing a caller's list reads the caller's entries") {
    const std::array<std::string_view, 3> filters{"x/#", "y/+", "z"};
    const TopicFilterList list(filters);
    CHECK(list[at_runtime<std::size_t>(0)] == "x/#");
    CHECK(list[at_runtime<std::size_t>(2)] == "z");
    const std::array<SubackCode, 2> codes{SubackCode::granted_qos1, SubackCode::failure};
    const SubackCodeList codes_list(codes);
    CHECK(codes_list[at_runtime<std::size_t>(1)] == SubackCode::failure);
    CHECK(list.wire_bytes().empty());
}
