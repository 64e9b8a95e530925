// alimqtt/aliyun/thing.hpp — ThingModel: the Alink thing model on top of a
// Client (property post with reply matching, property set, RRPC), no heap.
#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <type_traits>

#include "alimqtt/aliyun/alink.hpp"
#include "alimqtt/aliyun/fixed_string.hpp"
#include "alimqtt/aliyun/topics.hpp"
#include "alimqtt/client.hpp"
#include "alimqtt/error.hpp"
#include "alimqtt/inplace_function.hpp"

namespace alimqtt::aliyun {

/// The platform's bound on an RRPC answer: a response later than this is lost.
inline constexpr std::chrono::milliseconds rrpc_time_limit{8000};

/// Outcome of one property post. `error` is Error{} on a reply with code 200,
/// aliyun_reply_error on any other code (see `code` and `message`), timeout
/// when no reply came before the deadline, or why the post could not be sent.
struct PostResult {
    std::uint32_t id = 0;          ///< the Alink id of the post
    Error error = Error::timeout;  ///< Error{} on success
    std::int64_t code = 0;         ///< the reply's "code" (0 when no reply)
    FixedString<64> message;       ///< the reply's "message" (cut at 64 chars)
    /// True when the platform answered with code 200.
    constexpr bool ok() const noexcept { return error == Error{}; }
};

/// Counters of what the helper saw and dropped (never a crash).
struct ThingStats {
    std::uint32_t unknown_reply_ids = 0;  ///< post_reply whose id is not pending
    std::uint32_t malformed_replies = 0;  ///< post_reply that is not valid Alink JSON
    std::uint32_t malformed_requests = 0; ///< property set that is not valid Alink JSON
    std::uint32_t rrpc_late = 0;          ///< RRPC handler took longer than 8 s
    std::uint32_t send_failures = 0;      ///< a reply/response could not be queued
};

/// The Alink thing model of one device over `ClientT` (an alimqtt::Client).
/// Keeps up to `MaxPending` property posts awaiting their post_reply and
/// builds payloads in `BufferSize` bytes of its own. Not copyable; it must
/// outlive the client's subscription (its handlers point at it).
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
    /// RRPC handler: gets the request payload and messageId, writes the
    /// response into `out` and returns the view of what to send.
    using RrpcHandler = InplaceFunction<std::string_view(std::string_view request, std::string_view message_id,
                                                          std::span<char> out),
                                        2 * sizeof(void*)>;
    /// Observer of every resolved post (reply or timeout).
    using ResultHandler = InplaceFunction<void(const PostResult&), 2 * sizeof(void*)>;
    /// Observer called when an RRPC handler overran the platform's 8 s.
    using LateHandler = InplaceFunction<void(std::string_view message_id, milliseconds took), 2 * sizeof(void*)>;

    /// Binds to `client` (and the clock it runs on) for `device`; both must outlive it.
    ThingModel(ClientT& client, ClockType& clock, DeviceId device) noexcept
        : client_(&client), clock_(&clock), device_(device) {}
    ThingModel(const ThingModel&) = delete;
    ThingModel& operator=(const ThingModel&) = delete;

    /// Handles thing.service.property.set; install before start().
    void on_property_set(SetHandler h) noexcept { set_handler_ = h; }
    /// Handles RRPC requests; install before start() to subscribe rrpc/request/+.
    void on_rrpc(RrpcHandler h) noexcept { rrpc_handler_ = h; }
    /// Observes every resolved post (also those started with start_post_properties).
    void on_post_result(ResultHandler h) noexcept { result_handler_ = h; }
    /// Observes RRPC answers that came later than 8 s.
    void on_rrpc_late(LateHandler h) noexcept { late_handler_ = h; }

    /// Subscribes with one SUBSCRIBE to property/post_reply, property/set and,
    /// if an RRPC handler is set, rrpc/request/+. A refused filter gives
    /// Error::subscription_refused and refused_filter() names it.
    Status start(milliseconds timeout = std::chrono::seconds(10)) noexcept {
        refused_.clear();
        auto reply = property_post_reply_topic(device_);
        if (!reply) return reply.error();
        auto set = property_set_topic(device_);
        if (!set) return set.error();
        auto rrpc = rrpc_request_filter(device_);
        if (!rrpc) return rrpc.error();
        post_reply_topic_ = *reply;
        set_topic_ = *set;
        rrpc_filter_ = *rrpc;
        const std::array<TopicSubscription, 3> filters{{{post_reply_topic_.view(), QoS::at_least_once},
                                                        {set_topic_.view(), QoS::at_least_once},
                                                        {rrpc_filter_.view(), QoS::at_most_once}}};
        const std::size_t count = rrpc_handler_ ? 3 : 2;
        std::array<SubscribeOutcome, 3> out{};
        typename ClientT::Handler handler = [this](const Publish& m) { on_message(m); };
        if (auto s = client_->subscribe(std::span<const TopicSubscription>(filters.data(), count), handler,
                                        std::span<SubscribeOutcome>(out.data(), count), timeout);
            !s)
            return s;
        for (std::size_t i = 0; i < count; ++i) {
            if (!out[i].ok()) {
                if (!refused_.append(filters[i].filter)) refused_.clear();
                return out[i].error;
            }
        }
        return {};
    }

    /// The filter the broker refused (or timed out) in the last start(); empty if none.
    std::string_view refused_filter() const noexcept { return refused_.view(); }

    /// Publishes (QoS 1, no wait) a thing.event.property.post whose params are
    /// `params_json` (one JSON object) and remembers it until its post_reply or
    /// `timeout`. Returns the Alink id. Errors: json_syntax / json_wrong_type
    /// (params not an object), in_flight_full (MaxPending posts pending),
    /// buffer_too_small, and the client's publish errors.
    Result<std::uint32_t> start_post_properties(std::string_view params_json,
                                                milliseconds timeout = std::chrono::seconds(10)) noexcept {
        const auto doc = json::parse(params_json);
        if (!doc) return doc.error();
        if (!doc->is_object()) return Error::json_wrong_type;
        return start_post(timeout, [&](std::span<char> buf, std::uint32_t id) -> Result<std::string_view> {
            detail::JsonOut w(buf);
            w.raw("{\"id\":\"");
            w.integer(id);
            w.raw("\",\"version\":\"1.0\",\"params\":");
            w.raw(params_json);
            w.raw(",\"method\":");
            w.quoted(property_post_method);
            w.ch('}');
            if (w.overflow()) return Error::buffer_too_small;
            return w.text();
        });
    }

    /// Same, with params added by `build(AlinkRequestWriter&)`, e.g.
    /// `[](auto& w) { w.add_int("PowerSwitch_1", 1); }`.
    template <class Build>
        requires std::is_invocable_v<Build&, AlinkRequestWriter&>
    Result<std::uint32_t> start_post_properties(Build&& build,
                                                milliseconds timeout = std::chrono::seconds(10)) noexcept {
        return start_post(timeout, [&](std::span<char> buf, std::uint32_t id) -> Result<std::string_view> {
            AlinkRequestWriter w(buf, id);
            build(w);
            return w.finish();
        });
    }

    /// Posts properties and pumps the client until the post_reply with the
    /// same id or `timeout`. `params` is a JSON object text or a builder as
    /// for start_post_properties. Not callable from a handler.
    template <class Params>
    PostResult post_properties(Params&& params, milliseconds timeout = std::chrono::seconds(10)) noexcept {
        PostResult r;
        auto id = start_post_properties(std::forward<Params>(params), timeout);
        if (!id) {
            r.error = id.error();
            return r;
        }
        r.id = *id;
        waiting_ = true;
        waiting_id_ = *id;
        waited_done_ = false;
        while (!waited_done_) {
            // Short slices: the client has no "until" hook, so poll in steps.
            const Status s = client_->run_for(poll_slice_);
            check_deadlines();
            if (!s && !waited_done_) {
                forget(waiting_id_);
                waited_.id = waiting_id_;
                waited_.error = s.error();
                break;
            }
        }
        waiting_ = false;
        return waited_;
    }

    /// Resolves pending posts whose deadline passed as timeouts (call it
    /// after Client::poll() when using start_post_properties).
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
    }

    /// Posts awaiting a reply.
    std::size_t pending_posts() const noexcept {
        std::size_t n = 0;
        for (const Pending& p : pending_) n += p.used ? 1 : 0;
        return n;
    }
    /// What was seen and dropped so far.
    const ThingStats& stats() const noexcept { return stats_; }
    /// How long post_properties() pumps the client between deadline checks.
    void set_poll_slice(milliseconds slice) noexcept { poll_slice_ = slice; }

private:
    struct Pending {
        bool used = false;
        std::uint32_t id = 0;
        time_point deadline{};
    };

    template <class Write>
    Result<std::uint32_t> start_post(milliseconds timeout, Write&& write) noexcept {
        Pending* slot = nullptr;
        for (Pending& p : pending_)
            if (!p.used) {
                slot = &p;
                break;
            }
        if (slot == nullptr) return Error::in_flight_full;
        auto topic = property_post_topic(device_);
        if (!topic) return topic.error();
        const std::uint32_t id = next_id_++;
        auto payload = write(std::span<char>(buffer_), id);
        if (!payload) return payload.error();
        PublishOptions opt;
        opt.qos = QoS::at_least_once;
        opt.timeout = timeout;
        if (auto p = client_->publish(topic->view(), *payload, opt); !p) return p.error();
        *slot = Pending{true, id, clock_->now() + std::chrono::duration_cast<typename ClockType::duration>(timeout)};
        return id;
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

    void on_message(const Publish& m) noexcept {
        const std::string_view payload(reinterpret_cast<const char*>(m.payload.data()), m.payload.size());
        if (m.topic == post_reply_topic_.view()) return on_post_reply(payload);
        if (m.topic == set_topic_.view()) return on_property_set_message(payload);
        const std::string_view msg_id = rrpc_message_id(m.topic);
        if (!msg_id.empty() && rrpc_handler_) return on_rrpc_request(payload, msg_id);
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
        r.error = r.code == 200 ? Error{} : Error::aliyun_reply_error;
        if (auto text = msg->message.template decode<64>()) r.message = *text;
        else
            for (char c : msg->message.raw().substr(0, 64)) (void)r.message.push_back(c);
        resolve(r);
    }

    void on_property_set_message(std::string_view payload) noexcept {
        const auto msg = read_alink(payload);
        if (!msg) {
            ++stats_.malformed_requests;
            return;
        }
        const int code = set_handler_ ? set_handler_(*msg) : 200;
        auto topic = property_set_reply_topic(device_);
        if (!topic) return;
        auto reply = write_alink_reply(std::span<char>(buffer_), msg->id.raw(), code,
                                       code == 200 ? std::string_view("success") : std::string_view("failed"));
        if (!reply || !client_->publish(topic->view(), *reply)) ++stats_.send_failures;
    }

    void on_rrpc_request(std::string_view payload, std::string_view msg_id) noexcept {
        const time_point began = clock_->now();
        const std::string_view response = rrpc_handler_(payload, msg_id, std::span<char>(buffer_));
        const auto took = std::chrono::duration_cast<milliseconds>(clock_->now() - began);
        if (took > rrpc_time_limit) {
            ++stats_.rrpc_late;
            if (late_handler_) late_handler_(msg_id, took);
        }
        auto topic = rrpc_response_topic(device_, msg_id);
        if (!topic || !client_->publish(topic->view(), response)) ++stats_.send_failures;
    }

    ClientT* client_;
    ClockType* clock_;
    DeviceId device_;
    SetHandler set_handler_;
    RrpcHandler rrpc_handler_;
    ResultHandler result_handler_;
    LateHandler late_handler_;
    Topic post_reply_topic_;
    Topic set_topic_;
    Topic rrpc_filter_;
    FixedString<128> refused_;
    std::array<Pending, MaxPending> pending_{};
    std::array<char, BufferSize> buffer_{};
    std::uint32_t next_id_ = 1;
    bool waiting_ = false;
    bool waited_done_ = false;
    std::uint32_t waiting_id_ = 0;
    PostResult waited_;
    milliseconds poll_slice_{10};
    ThingStats stats_;
};

} // namespace alimqtt::aliyun
