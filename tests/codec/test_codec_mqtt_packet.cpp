// Differential test against npm's mqtt-packet, an independent MQTT codec.
// Forward: mqtt-packet generates random valid packets; we decode each to the
// same fields and re-encode it to the same bytes. Reverse: our encoder's
// random packets are parsed (and regenerated) by mqtt-packet. SKIPPED (exit
// 77) when node or the npm package is not available.
#define CATCH_CONFIG_RUNNER
#include "catch.hpp"

#include "codec_test_util.hpp"

#include <cstdio>
#include <cstdlib>
#include <deque>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>

using namespace alimqtt;
using namespace codec_test;

namespace {

const std::string node = ALIMQTT_NODE;
const std::string npm_prefix = ALIMQTT_NPM_PREFIX;
const std::string oracle = ALIMQTT_ORACLE_SCRIPT;
const std::string work_dir = ALIMQTT_ORACLE_WORK_DIR;

std::string hex_sv(std::string_view s) { return hex(Bytes(reinterpret_cast<const std::byte*>(s.data()), s.size())); }
const char* flag(bool b) { return b ? "1" : "0"; }

/// The same field description as describe() in mqtt_packet_oracle.js, key order included.
std::string describe(const Packet& packet) {
    std::string f;
    auto add = [&](std::string_view k, const std::string& v) {
        if (!f.empty()) f += ' ';
        f += k;
        f += '=';
        f += v;
    };
    auto id = [](PacketId i) { return std::to_string(i); };
    auto q = [](QoS x) { return std::to_string(static_cast<unsigned>(x)); };
    visit_packet(packet, [&](const auto& p) {
        using P = std::decay_t<decltype(p)>;
        if constexpr (std::is_same_v<P, Connect>) {
            add("cmd", "connect");
            add("client", hex_sv(p.client_id));
            add("keepalive", std::to_string(p.keepalive_s));
            add("clean", flag(p.clean_session));
            if (p.will) {
                add("will_topic", hex_sv(p.will->topic));
                add("will_payload", hex(p.will->payload));
                add("will_qos", q(p.will->qos));
                add("will_retain", flag(p.will->retain));
            }
            if (p.username) add("username", hex_sv(*p.username));
            if (p.password) add("password", hex(*p.password));
        } else if constexpr (std::is_same_v<P, Connack>) {
            add("cmd", "connack");
            add("session_present", flag(p.session_present));
            add("code", std::to_string(static_cast<unsigned>(p.code)));
        } else if constexpr (std::is_same_v<P, Publish>) {
            add("cmd", "publish");
            add("topic", hex_sv(p.topic));
            add("payload", hex(p.payload));
            add("qos", q(p.qos));
            add("dup", flag(p.dup));
            add("retain", flag(p.retain));
            if (p.qos != QoS::at_most_once) add("id", id(p.packet_id));
        } else if constexpr (std::is_same_v<P, Subscribe>) {
            add("cmd", "subscribe");
            add("id", id(p.packet_id));
            std::string filters, qoss;
            for (TopicSubscription s : p.filters) {
                if (!filters.empty()) filters += ',', qoss += ',';
                filters += hex_sv(s.filter);
                qoss += q(s.qos);
            }
            add("filters", filters);
            add("qoss", qoss);
        } else if constexpr (std::is_same_v<P, Suback>) {
            add("cmd", "suback");
            add("id", id(p.packet_id));
            std::string codes;
            for (SubackCode c : p.codes) {
                if (!codes.empty()) codes += ',';
                codes += std::to_string(static_cast<unsigned>(c));
            }
            add("codes", codes);
        } else if constexpr (std::is_same_v<P, Unsubscribe>) {
            add("cmd", "unsubscribe");
            add("id", id(p.packet_id));
            std::string filters;
            for (std::string_view s : p.filters) {
                if (!filters.empty()) filters += ',';
                filters += hex_sv(s);
            }
            add("filters", filters);
        } else if constexpr (std::is_same_v<P, Puback>) {
            add("cmd", "puback"), add("id", id(p.packet_id));
        } else if constexpr (std::is_same_v<P, Pubrec>) {
            add("cmd", "pubrec"), add("id", id(p.packet_id));
        } else if constexpr (std::is_same_v<P, Pubrel>) {
            add("cmd", "pubrel"), add("id", id(p.packet_id));
        } else if constexpr (std::is_same_v<P, Pubcomp>) {
            add("cmd", "pubcomp"), add("id", id(p.packet_id));
        } else if constexpr (std::is_same_v<P, Unsuback>) {
            add("cmd", "unsuback"), add("id", id(p.packet_id));
        } else if constexpr (std::is_same_v<P, Pingreq>) {
            add("cmd", "pingreq");
        } else if constexpr (std::is_same_v<P, Pingresp>) {
            add("cmd", "pingresp");
        } else if constexpr (std::is_same_v<P, Disconnect>) {
            add("cmd", "disconnect");
        }
    });
    return f;
}

ByteVec unhex(std::string_view h) {
    ByteVec v(h.size() / 2);
    auto nib = [](char c) { return static_cast<unsigned>(c <= '9' ? c - '0' : c - 'a' + 10); };
    for (std::size_t i = 0; i < v.size(); ++i) v[i] = static_cast<std::byte>(nib(h[2 * i]) << 4 | nib(h[2 * i + 1]));
    return v;
}

bool read_line(std::FILE* f, std::string& line) {
    line.clear();
    char chunk[65536];
    while (std::fgets(chunk, sizeof chunk, f)) {
        line += chunk;
        if (!line.empty() && line.back() == '\n') {
            line.pop_back();
            return true;
        }
    }
    return !line.empty();
}

/// Random valid packets from our side, strings kept alive in `store`.
class OurGenerator {
public:
    explicit OurGenerator(std::uint32_t seed) : rng_(seed) {}

    Packet next(std::size_t index) {
        store_.clear();
        switch (int_(0, 15)) {
        case 0: {
            Connect c;
            c.client_id = keep(word(30));
            c.keepalive_s = static_cast<std::uint16_t>(int_(0, 65535));
            c.clean_session = c.client_id.empty() || coin();
            if (coin()) c.will = Will{keep(topic_name()), keep_bytes(60), qos(), coin()};
            if (coin()) {
                c.username = keep(word(20));
                if (coin()) c.password = keep_bytes(40);
            }
            return c;
        }
        case 1: {
            const auto code = static_cast<ConnackCode>(coin() ? 0 : int_(0, 5));
            return Connack{code == ConnackCode::accepted && coin(), code};
        }
        case 2: case 3: case 4: {
            Publish p;
            p.topic = keep(topic_name());
            std::size_t size = int_(0, 300);
            if (index % 500 == 499) size = int_(16384, 40000);
            if (index == 4321) size = 2100000;
            p.payload = keep_bytes(size, size);
            p.qos = qos();
            p.retain = coin();
            p.dup = p.qos != QoS::at_most_once && coin();
            if (p.qos != QoS::at_most_once) p.packet_id = id();
            return p;
        }
        case 5: return Puback{id()};
        case 6: return Pubrec{id()};
        case 7: return Pubrel{id()};
        case 8: return Pubcomp{id()};
        case 9: {
            auto& subs = subs_.emplace_back();
            subs.clear();
            const auto n = int_(1, 5);
            for (unsigned i = 0; i < n; ++i) subs.push_back({keep(topic_filter()), qos()});
            return Subscribe{id(), std::span<const TopicSubscription>(subs)};
        }
        case 10: {
            auto& codes = codes_.emplace_back();
            const auto n = int_(1, 8);
            const SubackCode all[] = {SubackCode::granted_qos0, SubackCode::granted_qos1, SubackCode::granted_qos2,
                                      SubackCode::failure};
            for (unsigned i = 0; i < n; ++i) codes.push_back(all[int_(0, 3)]);
            return Suback{id(), std::span<const SubackCode>(codes)};
        }
        case 11: {
            auto& filters = filters_.emplace_back();
            const auto n = int_(1, 5);
            for (unsigned i = 0; i < n; ++i) filters.push_back(keep(topic_filter()));
            return Unsubscribe{id(), std::span<const std::string_view>(filters)};
        }
        case 12: return Unsuback{id()};
        case 13: return Pingreq{};
        case 14: return Pingresp{};
        default: return Disconnect{};
        }
    }
    void reset_lists() {
        subs_.clear();
        codes_.clear();
        filters_.clear();
    }

private:
    unsigned int_(unsigned lo, unsigned hi) { return std::uniform_int_distribution<unsigned>(lo, hi)(rng_); }
    bool coin() { return int_(0, 1) == 1; }
    QoS qos() { return static_cast<QoS>(int_(0, 2)); }
    PacketId id() { return static_cast<PacketId>(int_(1, 65535)); }
    std::string word(unsigned max) {
        static const char* alphabet[] = {"a", "b", "z", "A", "Q", "0", "9", "_", "-", ".", " ", "|", "&", "=", ",",
                                         "\xC3\xA9", "\xC3\x9F", "\xD0\x96", "\xE4\xB8\xAD", "\xE2\x82\xAC",
                                         "\xF0\x9F\x98\x80", "\x7F", "\xEF\xBF\xBF", "\xF4\x8F\xBF\xBF"};
        std::string s;
        const auto n = int_(0, max);
        for (unsigned i = 0; i < n; ++i) s += alphabet[int_(0, std::size(alphabet) - 1)];
        return s;
    }
    std::string topic_name() {
        std::string t;
        const auto levels = int_(1, 5);
        for (unsigned i = 0; i < levels; ++i) {
            if (i) t += '/';
            t += (i == 0 && int_(0, 9) == 0) ? std::string("$SYS") : word(8);
        }
        return t.empty() ? "x" : t;
    }
    std::string topic_filter() {
        std::string f;
        const auto levels = int_(1, 5);
        for (unsigned i = 0; i < levels; ++i) {
            if (i) f += '/';
            f += int_(0, 4) == 0 ? std::string("+") : word(6);
        }
        if (int_(0, 9) < 3) f += "/#";
        return f.empty() ? "#" : f;
    }
    std::string_view keep(std::string s) { return store_.emplace_back(std::move(s)); }
    Bytes keep_bytes(unsigned max, unsigned exact = ~0u) {
        const std::size_t n = exact == ~0u ? int_(0, max) : exact;
        std::string b(n, '\0');
        for (std::size_t i = 0; i < std::min<std::size_t>(n, 4096); ++i) b[i] = static_cast<char>(int_(0, 255));
        const std::string& s = store_.emplace_back(std::move(b));
        return Bytes(reinterpret_cast<const std::byte*>(s.data()), s.size());
    }

    std::mt19937 rng_;
    std::deque<std::string> store_;
    std::deque<std::vector<TopicSubscription>> subs_;
    std::deque<std::vector<SubackCode>> codes_;
    std::deque<std::vector<std::string_view>> filters_;
};

constexpr unsigned seeds[] = {1, 2, 3};
constexpr unsigned per_seed = 4000; // 12,000 packets each way

} // namespace

TEST_CASE("Every packet mqtt-packet generates decodes to the same fields and re-encodes to the same bytes") {
    std::size_t total = 0;
    for (unsigned seed : seeds) {
        const std::string cmd = node + " " + oracle + " " + npm_prefix + " generate " + std::to_string(seed) + " " +
                                std::to_string(per_seed);
        std::FILE* pipe = popen(cmd.c_str(), "r");
        REQUIRE(pipe != nullptr);
        std::string line;
        std::size_t index = 0;
        while (read_line(pipe, line)) {
            const auto space = line.find(' ');
            REQUIRE(line.rfind("hex=", 0) == 0);
            const ByteVec wire = unhex(std::string_view(line).substr(4, space - 4));
            const std::string fields = line.substr(space + 1);
            auto decoded = decode_packet(wire);
            INFO("seed " << seed << " index " << index << " fields " << fields.substr(0, 300));
            if (!decoded) FAIL_CHECK("decode error: " << to_string(decoded.error()));
            REQUIRE(decoded.ok());
            CHECK(describe(*decoded) == fields);
            CHECK(hex(encode_vec(*decoded)) == hex(wire));
            ++index;
        }
        CHECK(pclose(pipe) == 0);
        CHECK(index == per_seed);
        total += index;
    }
    CHECK(total >= 10000);
}

TEST_CASE("Every packet our encoder generates is parsed by mqtt-packet into the same fields and the same bytes") {
    std::filesystem::create_directories(work_dir);
    std::size_t total = 0;
    for (unsigned seed : seeds) {
        const std::string path = work_dir + "/ours_seed" + std::to_string(seed) + ".txt";
        {
            std::ofstream out(path, std::ios::trunc);
            OurGenerator gen(seed);
            for (unsigned i = 0; i < per_seed; ++i) {
                const Packet p = gen.next(i);
                Error err{};
                const ByteVec wire = encode_vec(p, &err);
                INFO("seed " << seed << " index " << i << " " << describe(p).substr(0, 300));
                REQUIRE(err == Error{});
                REQUIRE_FALSE(wire.empty());
                out << "hex=" << hex(wire) << ' ' << describe(p) << '\n';
                gen.reset_lists();
                ++total;
            }
        }
        const std::string cmd = node + " " + oracle + " " + npm_prefix + " check " + path;
        INFO(cmd);
        CHECK(std::system(cmd.c_str()) == 0);
    }
    CHECK(total >= 10000);
}

int main(int argc, char* argv[]) {
    namespace fs = std::filesystem;
    if (node.empty() || node.find("NOTFOUND") != std::string::npos || !fs::exists(node)) {
        std::puts("SKIPPED: node not found (apt-get install nodejs npm)");
        return 77;
    }
    if (!fs::exists(npm_prefix + "/node_modules/mqtt-packet/package.json")) {
        std::printf("SKIPPED: mqtt-packet not installed under %s (npm install failed or npm missing)\n",
                    npm_prefix.c_str());
        return 77;
    }
    return Catch::Session().run(argc, argv);
}
