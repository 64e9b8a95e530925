// alimqtt/aliyun/thing.hpp — ThingModel: the Alink thing model on top of a
// Client (property/event posts with reply matching, property set, services, RRPC, NTP), no heap.
#pragma once

#include <algorithm>
#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <type_traits>
#include <utility>

#include "alimqtt/aliyun/alink.hpp"
#include "alimqtt/aliyun/fixed_string.hpp"
#include "alimqtt/aliyun/ntp.hpp"
#include "alimqtt/aliyun/topics.hpp"
#include "alimqtt/client.hpp"
#include "alimqtt/error.hpp"
#include "alimqtt/inplace_function.hpp"

namespace alimqtt::aliyun {

/// The platform's bound on an RRPC answer: a response later than this is lost.
inline constexpr std::chrono::milliseconds rrpc_time_limit{8000};

/// Alink code of a successful reply.
inline constexpr int alink_code_success = 200;
/// Code ThingModel replies with to a property set or service call that is
/// JSON with an "id" but not a valid Alink request (e.g. params not an
/// object): the platform's own "request parameter error".
inline constexpr int alink_code_bad_request = 460;
/// Code ThingModel replies with to a service call when no service handler is
/// installed. The platform leaves service codes to the device; alimqtt's choice.
inline constexpr int alink_code_no_service = 404;
/// Code ThingModel replies with when a service handler's output could not be
/// written (buffer too small, invalid add_raw JSON). alimqtt's choice.
inline constexpr int alink_code_device_error = 500;

/// Outcome of one property or event post. `error` is Error{} on a reply with
/// code 200, aliyun_reply_error on any other code (see `code` and `message`),
/// timeout when no reply came before the deadline, or why the post could not be sent.
struct PostResult {
    std::uint32_t id = 0;          ///< the Alink id of the post
    Error error = Error::timeout;  ///< Error{} on success
    std::int64_t code = 0;         ///< the reply's "code" (0 when no reply)
    FixedString<64> message;       ///< the reply's "message" (cut at 64 chars)
    /// True when the platform answered with code 200.
    constexpr bool ok() const noexcept { return error == Error{}; }
};

/// Outcome of one NTP request. On success `utc_ms` is the Unix time in ms at
/// the moment the device's Clock read `device_recv_ms` (both device times are
/// the Clock's time since its epoch, in ms), so `utc_ms - device_recv_ms` is
/// the offset to add to the Clock. Otherwise `error` says why (timeout, a
/// publish error, subscription_refused, invalid_argument for a clock that ran backwards).
struct NtpResult {
    Error error = Error::timeout;    ///< Error{} on success
    std::uint64_t utc_ms = 0;        ///< Unix ms at device_recv_ms
    std::uint64_t device_send_ms = 0; ///< the request's deviceSendTime
    std::uint64_t device_recv_ms = 0; ///< the Clock when the response arrived
    /// True when the time was computed.
    constexpr bool ok() const noexcept { return error == Error{}; }
};

/// Counters of what the helper saw and dropped (never a crash).
struct ThingStats {
    std::uint32_t unknown_reply_ids = 0;  ///< post_reply whose id is not pending
    std::uint32_t malformed_replies = 0;  ///< post_reply or NTP response that is not valid JSON of its kind
    std::uint32_t malformed_requests = 0; ///< property set or service call that is not a valid Alink request
    std::uint32_t rrpc_late = 0;          ///< RRPC handler took longer than 8 s
    std::uint32_t send_failures = 0;      ///< a reply/response could not be built or queued
    std::uint32_t ntp_unmatched = 0;      ///< NTP response whose deviceSendTime is not the pending request's
    std::uint32_t unknown_services = 0;   ///< service call answered with alink_code_no_service
};

/// The Alink thing model of one device over `ClientT` (an alimqtt::Client).
/// Keeps up to `MaxPending` property/event posts awaiting their post_reply
/// and one NTP request, and builds payloads in `BufferSize` bytes of its own.
/// Not copyable; it must outlive the client's subscriptions (its handlers
/// point at it). Handlers run inside the client's poll or blocking calls:
/// from them use the Client's non-blocking publish, not ThingModel's posts
/// (they share the payload buffer with the reply being written).
template <class ClientT, std::size_t MaxPending = 4, std::size_t BufferSize = 512>
class ThingModel {
public:
    /// Time point of the client's Clock (deadlines, RRPC timing).
    using time_point = typename ClientT::time_point;
    /// The client's Clock type.
    using ClockType = typename time_point::clock;
    /// Unit of every timeout this helper takes.
    using milliseconds = std::chrono::milliseconds;
    /// Property set handler: gets the parsed message, returns the reply code (200 = success).
    using SetHandler = InplaceFunction<int(const AlinkMessage&), 2 * sizeof(void*)>;
    /// Service call handler: gets the service identifier (the topic's last
    /// level) and the parsed call, adds output parameters to `output` (they
    /// become the reply's "data") and returns the reply code (200 = success).
    using ServiceHandler =
        InplaceFunction<int(std::string_view service_id, const AlinkMessage& call, AlinkReplyWriter& output),
                        2 * sizeof(void*)>;
    /// RRPC handler: gets the request payload and messageId, writes the
    /// response into `out` and returns the view of what to send.
    using RrpcHandler = InplaceFunction<std::string_view(std::string_view request, std::string_view message_id,
                                                          std::span<char> out),
                                        2 * sizeof(void*)>;
    /// Observer of every resolved post (reply or timeout).
    using ResultHandler = InplaceFunction<void(const PostResult&), 2 * sizeof(void*)>;
    /// Observer of every resolved NTP request (time or timeout).
    using NtpHandler = InplaceFunction<void(const NtpResult&), 2 * sizeof(void*)>;
    /// Observer called when an RRPC handler overran the platform's 8 s.
    using LateHandler = InplaceFunction<void(std::string_view message_id, milliseconds took), 2 * sizeof(void*)>;

    /// Binds to `client` (and the clock it runs on) for `device`; both must outlive it.
    ThingModel(ClientT& client, ClockType& clock, DeviceId device) noexcept
        : client_(&client), clock_(&clock), device_(device) {}
    ThingModel(const ThingModel&) = delete;
    ThingModel& operator=(const ThingModel&) = delete;

    /// Handles thing.service.property.set.
    void on_property_set(SetHandler h) noexcept { set_handler_ = h; }
    /// Handles service calls on `thing/service/<serviceId>`; without one, calls
    /// are answered with alink_code_no_service.
    void on_service(ServiceHandler h) noexcept { service_handler_ = h; }
    /// Handles RRPC requests; install before start() to subscribe rrpc/request/+.
    void on_rrpc(RrpcHandler h) noexcept { rrpc_handler_ = h; }
    /// Observes every resolved post (also those started with start_post_*).
    void on_post_result(ResultHandler h) noexcept { result_handler_ = h; }
    /// Observes every resolved NTP request (also those started with start_ntp).
    void on_ntp(NtpHandler h) noexcept { ntp_handler_ = h; }
    /// Observes RRPC answers that came later than 8 s.
    void on_rrpc_late(LateHandler h) noexcept { late_handler_ = h; }

    /// Subscribes with one SUBSCRIBE to thing/event/+/post_reply (property and
    /// event replies), thing/service/property/set, thing/service/+ (service
    /// calls) and, if an RRPC handler is set, rrpc/request/+. A refused filter
    /// gives Error::subscription_refused and refused_filter() names it.
    Status start(milliseconds timeout = std::chrono::seconds(10)) noexcept {
        auto reply = event_post_reply_filter(device_);
        if (!reply) return reply.error();
        // The device id was checked above: the other /sys/ topics cannot fail.
        const Topic set = *property_set_topic(device_);
        const Topic service = *service_filter(device_);
        const Topic rrpc = *rrpc_request_filter(device_);
        const std::array<TopicSubscription, 4> filters{{{reply->view(), QoS::at_least_once},
                                                        {set.view(), QoS::at_least_once},
                                                        {service.view(), QoS::at_least_once},
                                                        {rrpc.view(), QoS::at_most_once}}};
        return subscribe(std::span<const TopicSubscription>(filters.data(), rrpc_handler_ ? 4 : 3), timeout);
    }

    /// The filter the broker refused (or timed out) in the last start() or
    /// subscribe_ntp(); empty if none.
    std::string_view refused_filter() const noexcept { return refused_.view(); }

    // ------------------------------------------------------------ posts

    /// Publishes (QoS 1, no wait) a thing.event.property.post and remembers it
    /// until its post_reply or `timeout`. `params` is either JSON text (one
    /// object, copied as is) or a builder `[](AlinkRequestWriter& w) {...}`
    /// that adds the members. Returns the Alink id. Errors: json_syntax /
    /// json_wrong_type (text that is not one object), in_flight_full
    /// (MaxPending posts pending), buffer_too_small, the client's publish errors.
    template <class Params>
    Result<std::uint32_t> start_post_properties(Params&& params,
                                                milliseconds timeout = std::chrono::seconds(10)) noexcept {
        static_assert(is_params<Params>, "params: JSON object text or a callable taking AlinkRequestWriter&");
        const auto topic = property_post_topic(device_);
        if (!topic) return topic.error();
        return start_post(*topic, property_post_method, params, timeout);
    }

    /// Same for an event: publishes `thing.event.<event_id>.post` on
    /// `thing/event/<event_id>/post` (QoS 1); its reply is matched by id like a
    /// property post's. Also aliyun_empty_field / aliyun_forbidden_character
    /// for a bad `event_id`, aliyun_topic_too_long.
    template <class Params>
    Result<std::uint32_t> start_post_event(std::string_view event_id, Params&& params,
                                           milliseconds timeout = std::chrono::seconds(10)) noexcept {
        static_assert(is_params<Params>, "params: JSON object text or a callable taking AlinkRequestWriter&");
        const auto topic = event_post_topic(device_, event_id);
        if (!topic) return topic.error();
        // event_id is shorter than the 128-char topic that holds it, so this fits.
        FixedString<128> method;
        (void)method.append("thing.event.");
        (void)method.append(event_id);
        (void)method.append(".post");
        return start_post(*topic, method.view(), params, timeout);
    }

    /// Posts properties (as start_post_properties) and pumps the client until
    /// the post_reply with the same id or `timeout`. Not callable from a handler.
    template <class Params>
    PostResult post_properties(Params&& params, milliseconds timeout = std::chrono::seconds(10)) noexcept {
        return wait_post(start_post_properties(params, timeout));
    }

    /// Posts an event (as start_post_event) and pumps the client until the
    /// post_reply with the same id or `timeout`. Not callable from a handler.
    template <class Params>
    PostResult post_event(std::string_view event_id, Params&& params,
                          milliseconds timeout = std::chrono::seconds(10)) noexcept {
        return wait_post(start_post_event(event_id, params, timeout));
    }

    // ------------------------------------------------------------ NTP

    /// Subscribes to `/ext/ntp/<pk>/<dn>/response` (QoS 0) and waits for the
    /// SUBACK; needed once before start_ntp() (ntp_time() does it itself).
    /// A refusal is subscription_refused and refused_filter() names it.
    Status subscribe_ntp(milliseconds timeout = std::chrono::seconds(10)) noexcept {
        const auto topic = ntp_response_topic(device_);
        if (!topic) return topic.error();
        const TopicSubscription filter{topic->view(), QoS::at_most_once};
        const Status s = subscribe(std::span<const TopicSubscription>(&filter, 1), timeout);
        ntp_subscribed_ = s.ok();
        return s;
    }

    /// Publishes (QoS 0, no wait) `{"deviceSendTime":"<Clock ms>"}` on
    /// `/ext/ntp/<pk>/<dn>/request`. The result arrives through on_ntp() and
    /// last_ntp() when the response with that deviceSendTime comes, or as a
    /// timeout from check_deadlines() after `timeout`. Errors: in_flight_full
    /// (a request is already pending), buffer_too_small, publish errors.
    Status start_ntp(milliseconds timeout = std::chrono::seconds(10)) noexcept {
        if (ntp_pending_) return Error::in_flight_full;
        const auto topic = ntp_request_topic(device_);
        if (!topic) return topic.error();
        const time_point now = clock_->now();
        const std::uint64_t sent = device_ms(now);
        const auto payload = write_ntp_request(std::span<char>(buffer_), sent);
        if (!payload) return payload.error();
        if (auto p = client_->publish(topic->view(), *payload); !p) return p.error();
        ntp_pending_ = true;
        ntp_sent_ms_ = sent;
        ntp_deadline_ = now + to_clock(timeout);
        return {};
    }

    /// Asks the platform for the time and pumps the client until the answer
    /// or `timeout` (which also bounds the SUBACK wait of the first call).
    /// Not callable from a handler.
    NtpResult ntp_time(milliseconds timeout = std::chrono::seconds(10)) noexcept {
        const time_point deadline = clock_->now() + to_clock(timeout);
        NtpResult r;
        if (!ntp_subscribed_)
            if (const Status s = subscribe_ntp(timeout); !s) {
                r.error = s.error();
                return r;
            }
        const auto left = std::chrono::duration_cast<milliseconds>(deadline - clock_->now());
        if (const Status s = start_ntp(std::max(left, milliseconds(0))); !s) {
            r.error = s.error();
            return r;
        }
        const Status s = client_->run_until(ntp_deadline_, [this] { return !ntp_pending_; });
        check_deadlines();
        if (ntp_pending_) { // the connection dropped (or a reentrant call)
            ntp_pending_ = false;
            last_ntp_ = NtpResult{};
            last_ntp_.error = s.error();
            last_ntp_.device_send_ms = ntp_sent_ms_;
        }
        return last_ntp_;
    }

    /// The last resolved NTP request (error timeout before any).
    const NtpResult& last_ntp() const noexcept { return last_ntp_; }
    /// True while an NTP request awaits its response.
    bool ntp_pending() const noexcept { return ntp_pending_; }

    // ------------------------------------------------------------ polling

    /// Resolves pending posts and the NTP request whose deadline passed as
    /// timeouts (call it after Client::poll() when using the start_* forms).
    void check_deadlines() noexcept {
        const time_point now = clock_->now();
        for (Pending& p : pending_) {
            if (p.used && now >= p.deadline) {
                PostResult r;
                r.id = p.id;
                r.error = Error::timeout;
                p.used = false;
                resolve(r);
            }
        }
        if (ntp_pending_ && now >= ntp_deadline_) {
            NtpResult r;
            r.device_send_ms = ntp_sent_ms_;
            resolve_ntp(r);
        }
    }

    /// Posts awaiting a reply.
    std::size_t pending_posts() const noexcept {
        std::size_t n = 0;
        for (const Pending& p : pending_) n += p.used ? 1 : 0;
        return n;
    }
    /// What was seen and dropped so far.
    const ThingStats& stats() const noexcept { return stats_; }

private:
    struct Pending {
        bool used = false;
        std::uint32_t id = 0;
        time_point deadline{};
    };

    template <class Params>
    static constexpr bool is_params = std::is_convertible_v<Params, std::string_view> ||
                                      std::is_invocable_v<std::remove_reference_t<Params>&, AlinkRequestWriter&>;

    static typename ClockType::duration to_clock(milliseconds d) noexcept {
        return std::chrono::duration_cast<typename ClockType::duration>(d);
    }
    static std::uint64_t device_ms(time_point t) noexcept {
        const auto ms = std::chrono::duration_cast<milliseconds>(t.time_since_epoch()).count();
        return static_cast<std::uint64_t>(std::max<decltype(ms)>(ms, 0));
    }

    /// One SUBSCRIBE for `filters`; names the first refused one.
    Status subscribe(std::span<const TopicSubscription> filters, milliseconds timeout) noexcept {
        refused_.clear();
        std::array<SubscribeOutcome, 4> out{};
        typename ClientT::Handler handler = [this](const Publish& m) { on_message(m); };
        if (auto s = client_->subscribe(filters, handler, std::span<SubscribeOutcome>(out.data(), filters.size()),
                                        timeout);
            !s)
            return s;
        for (std::size_t i = 0; i < filters.size(); ++i) {
            if (!out[i].ok()) {
                (void)refused_.append(filters[i].filter); // filters are at most 128 chars
                return out[i].error;
            }
        }
        return {};
    }

    /// Writes the request (raw params object or builder) with the next id,
    /// publishes it at QoS 1 and takes a pending slot.
    template <class Params>
    Result<std::uint32_t> start_post(const Topic& topic, std::string_view method, Params& params,
                                     milliseconds timeout) noexcept {
        Pending* slot = nullptr;
        for (Pending& p : pending_)
            if (!p.used) {
                slot = &p;
                break;
            }
        if (slot == nullptr) return Error::in_flight_full;
        const std::uint32_t id = next_id_;
        Result<std::string_view> payload = Error::invalid_argument;
        if constexpr (std::is_convertible_v<Params&, std::string_view>) {
            const std::string_view text = params;
            const auto doc = json::parse(text);
            if (!doc) return doc.error();
            if (!doc->is_object()) return Error::json_wrong_type;
            detail::JsonOut w{std::span<char>(buffer_)};
            w.raw("{\"id\":\"");
            w.integer(id);
            w.raw("\",\"version\":\"1.0\",\"params\":");
            w.raw(text);
            w.raw(",\"method\":");
            w.quoted(method);
            w.ch('}');
            if (w.overflow()) return Error::buffer_too_small;
            payload = w.text();
        } else {
            AlinkRequestWriter w(std::span<char>(buffer_), id, method);
            params(w);
            payload = w.finish();
            if (!payload) return payload.error();
        }
        PublishOptions opt;
        opt.qos = QoS::at_least_once;
        opt.timeout = timeout;
        if (auto p = client_->publish(topic.view(), *payload, opt); !p) return p.error();
        ++next_id_;
        *slot = Pending{true, id, clock_->now() + to_clock(timeout)};
        return id;
    }

    /// Pumps the client until post `id` resolves (reply, deadline or a dropped connection).
    PostResult wait_post(Result<std::uint32_t> id) noexcept {
        PostResult r;
        if (!id) {
            r.error = id.error();
            return r;
        }
        time_point deadline{};
        for (const Pending& p : pending_)
            if (p.used && p.id == *id) deadline = p.deadline;
        waiting_ = true;
        waiting_id_ = *id;
        waited_done_ = false;
        const Status s = client_->run_until(deadline, [this] { return waited_done_; });
        check_deadlines();
        waiting_ = false;
        if (waited_done_) return waited_;
        // Not resolved, so run_until did not finish: the connection dropped
        // (or the call came from a handler). The reply can no longer be waited for.
        forget(*id);
        r.id = *id;
        r.error = s.error();
        return r;
    }

    void forget(std::uint32_t id) noexcept {
        for (Pending& p : pending_)
            if (p.used && p.id == id) p.used = false;
    }

    void resolve(const PostResult& r) noexcept {
        if (waiting_ && r.id == waiting_id_) {
            waited_ = r;
            waited_done_ = true;
        }
        if (result_handler_) result_handler_(r);
    }

    void resolve_ntp(const NtpResult& r) noexcept {
        ntp_pending_ = false;
        last_ntp_ = r;
        if (ntp_handler_) ntp_handler_(r);
    }

    /// Removes `prefix` from the front of `s`; false (s unchanged) if absent.
    static bool strip(std::string_view& s, std::string_view prefix) noexcept {
        if (!s.starts_with(prefix)) return false;
        s.remove_prefix(prefix.size());
        return true;
    }

    /// Routes a message by its topic. Only topics matching this helper's own
    /// filters arrive here (the session dispatches by filter), so the device
    /// part need not be checked again: `/ext/ntp/<pk>/<dn>/response` or
    /// `/sys/<pk>/<dn>/` followed by property set, event post_reply, service
    /// call or RRPC request. A `+` level may be empty (MQTT 3.1.1 section 4.7.1.3).
    void on_message(const Publish& m) noexcept {
        const std::string_view payload(reinterpret_cast<const char*>(m.payload.data()), m.payload.size());
        if (m.topic.starts_with("/ext/")) return on_ntp_response(payload);
        const std::size_t prefix = 5 + device_.product_key.size() + 1 + device_.device_name.size() + 1;
        std::string_view tail = detail::slice(m.topic, prefix);
        if (tail == "thing/service/property/set") return on_property_set_message(payload);
        if (strip(tail, "thing/event/")) return on_post_reply(payload); // <eventId>/post_reply
        if (strip(tail, "thing/service/")) {
            // Our own <serviceId>_reply comes back through the same filter on
            // a broker that echoes (MQTT 3.1.1 has no no-local): not a call.
            if (!tail.ends_with("_reply")) on_service_call(tail, payload);
            return;
        }
        // What is left is rrpc/request/<messageId> (13 + id characters); the
        // handler may have been removed after start().
        if (rrpc_handler_) on_rrpc_request(payload, detail::slice(tail, 13));
    }

    void on_post_reply(std::string_view payload) noexcept {
        const auto msg = read_alink(payload);
        if (!msg) {
            ++stats_.malformed_replies;
            return;
        }
        const auto id = msg->id_number();
        Pending* slot = nullptr;
        if (id)
            for (Pending& p : pending_)
                if (p.used && p.id == *id) slot = &p;
        if (slot == nullptr) {
            ++stats_.unknown_reply_ids;
            return;
        }
        slot->used = false;
        PostResult r;
        r.id = *id;
        r.code = msg->code.value_or(0);
        r.error = r.code == alink_code_success ? Error{} : Error::aliyun_reply_error;
        if (auto text = msg->message.template decode<64>()) r.message = *text;
        else
            for (char c : detail::slice(msg->message.raw(), 0, 64)) (void)r.message.push_back(c);
        resolve(r);
    }

    void on_ntp_response(std::string_view payload) noexcept {
        const auto times = read_ntp_times(payload);
        if (!times) {
            ++stats_.malformed_replies;
            return;
        }
        // Only the pending request's echo counts: a late answer to an earlier
        // (timed out) request or a stranger's would give a wrong time.
        if (!ntp_pending_ || times->device_send != ntp_sent_ms_) {
            ++stats_.ntp_unmatched;
            return;
        }
        NtpResult r;
        r.device_send_ms = ntp_sent_ms_;
        r.device_recv_ms = device_ms(clock_->now());
        const auto utc = ntp_utc_ms(*times, r.device_recv_ms);
        r.error = utc.error();
        r.utc_ms = utc.ok() ? *utc : 0;
        resolve_ntp(r);
    }

    /// The "id" of a request that parsed as JSON but is not valid Alink, so
    /// it can still get an error reply; empty if there is none.
    static std::string_view salvage_id(std::string_view payload) noexcept {
        const auto doc = json::parse(payload);
        if (!doc) return {};
        const auto id = doc->find("id");
        if (!id || !(id->is_string() || id->is_number())) return {};
        return id->is_string() ? id->as_string()->raw() : id->raw();
    }

    /// Sends `reply` on `topic`, or counts why it could not be sent.
    void send_reply(const Result<Topic>& topic, const Result<std::string_view>& reply) noexcept {
        if (!topic || !reply || !client_->publish(topic->view(), *reply)) ++stats_.send_failures;
    }

    /// Handles a request that read_alink() refused: counted, and answered
    /// with alink_code_bad_request when it has an id to answer.
    void on_malformed_request(const Result<Topic>& reply_topic, std::string_view payload) noexcept {
        ++stats_.malformed_requests;
        const std::string_view id = salvage_id(payload);
        if (id.empty()) return;
        send_reply(reply_topic, write_alink_reply(std::span<char>(buffer_), id, alink_code_bad_request,
                                                  "request parameter error"));
    }

    void on_property_set_message(std::string_view payload) noexcept {
        const auto topic = property_set_reply_topic(device_);
        const auto msg = read_alink(payload);
        if (!msg) return on_malformed_request(topic, payload);
        const int code = set_handler_ ? set_handler_(*msg) : alink_code_success;
        send_reply(topic, write_alink_reply(std::span<char>(buffer_), msg->id.raw(), code,
                                            code == alink_code_success ? std::string_view("success")
                                                                       : std::string_view("failed")));
    }

    void on_service_call(std::string_view service_id, std::string_view payload) noexcept {
        const auto topic = service_reply_topic(device_, service_id);
        const auto msg = read_alink(payload);
        if (!msg) return on_malformed_request(topic, payload);
        const std::span<char> buf(buffer_);
        if (!service_handler_) {
            ++stats_.unknown_services;
            return send_reply(topic, AlinkReplyWriter(buf, msg->id.raw())
                                         .message("no handler for this service")
                                         .finish(alink_code_no_service));
        }
        AlinkReplyWriter out(buf, msg->id.raw());
        const int code = service_handler_(service_id, *msg, out);
        auto reply = out.finish(code);
        if (!reply) // the handler's output did not fit or was not JSON: say so, without data
            reply = AlinkReplyWriter(buf, msg->id.raw()).message("device reply error").finish(alink_code_device_error);
        send_reply(topic, reply);
    }

    void on_rrpc_request(std::string_view payload, std::string_view msg_id) noexcept {
        const time_point began = clock_->now();
        const std::string_view response = rrpc_handler_(payload, msg_id, std::span<char>(buffer_));
        const auto took = std::chrono::duration_cast<milliseconds>(clock_->now() - began);
        if (took > rrpc_time_limit) {
            ++stats_.rrpc_late;
            if (late_handler_) late_handler_(msg_id, took);
        }
        send_reply(rrpc_response_topic(device_, msg_id), response);
    }

    ClientT* client_;
    ClockType* clock_;
    DeviceId device_;
    SetHandler set_handler_;
    ServiceHandler service_handler_;
    RrpcHandler rrpc_handler_;
    ResultHandler result_handler_;
    NtpHandler ntp_handler_;
    LateHandler late_handler_;
    FixedString<128> refused_;
    std::array<Pending, MaxPending> pending_{};
    std::array<char, BufferSize> buffer_{};
    std::uint32_t next_id_ = 1;
    bool waiting_ = false;
    bool waited_done_ = false;
    std::uint32_t waiting_id_ = 0;
    PostResult waited_;
    bool ntp_subscribed_ = false;
    bool ntp_pending_ = false;
    std::uint64_t ntp_sent_ms_ = 0;
    time_point ntp_deadline_{};
    NtpResult last_ntp_;
    ThingStats stats_;
};

} // namespace alimqtt::aliyun
