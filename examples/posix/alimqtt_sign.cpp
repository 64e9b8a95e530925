// alimqtt-sign — prints the Aliyun MQTT connection parameters for a device as
// one line of the console's JSON, signed with alimqtt's own HMAC.
#include <fmt/core.h>

#include <charconv>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "alimqtt/aliyun.hpp"

namespace {

namespace aliyun = alimqtt::aliyun;

constexpr std::string_view usage = R"(Usage: alimqtt-sign --product-key PK --device-name DN --device-secret DS [options]

Prints the MQTT connection parameters of an Alibaba Cloud IoT device as one
line of JSON, in the form the console copies:
  {"clientId":"...","username":"...","mqttHostUrl":"...","passwd":"...","port":N}

Required:
  --product-key PK        the product's ProductKey
  --device-name DN        the device's DeviceName
  --device-secret DS      the device's DeviceSecret (the HMAC key; never sent)

Options:
  --client-id ID          clientId prefix, at most 64 characters (default: PK.DN)
  --signmethod M          hmacsha256 (default), hmacsha1 or hmacmd5
  --securemode N          2 = TLS (default), 3 = plain TCP
  --timestamp MS          timestamp to sign, Unix milliseconds (default: now)
  --no-timestamp          sign without a timestamp
  --region REGION         host PK.iot-as-mqtt.REGION.aliyuncs.com (default: cn-shanghai)
  --instance-id ID        host ID.mqtt.iothub.aliyuncs.com (instead of --region)
  --port N                port to print, 1..65535 (default: 1883)
  --uppercase             upper-case hex password (as the C SDKs send it)
  --help                  this text

Options take their value as the next argument or after '='.
Exit status: 0 on success, 2 on bad arguments (with a message on stderr).
)";

/// Reports a bad argument and returns the exit status for it.
int bad(std::string_view message) {
    fmt::print(stderr, "alimqtt-sign: {}\nTry 'alimqtt-sign --help'.\n", message);
    return 2;
}

template <class T>
std::optional<T> parse_number(std::string_view s) {
    T v{};
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (s.empty() || ec != std::errc{} || end != s.data() + s.size()) return std::nullopt;
    return v;
}

/// A JSON string literal.
std::string quoted(std::string_view s) {
    std::string out = "\"";
    for (char c : s) {
        const auto u = static_cast<unsigned char>(c);
        if (c == '"' || c == '\\') {
            out += '\\';
            out += c;
        } else if (u < 0x20) {
            out += fmt::format("\\u{:04x}", u);
        } else {
            out += c;
        }
    }
    return out + "\"";
}

} // namespace

int main(int argc, char** argv) {
    std::optional<std::string_view> product_key, device_name, device_secret, client_id, region, instance_id,
        timestamp;
    aliyun::SignOptions options;
    bool no_timestamp = false;
    std::uint16_t port = 1883;

    for (int i = 1; i < argc; ++i) {
        std::string_view arg = argv[i];
        std::optional<std::string_view> inline_value;
        if (const auto eq = arg.find('='); arg.starts_with("--") && eq != std::string_view::npos) {
            inline_value = arg.substr(eq + 1);
            arg = arg.substr(0, eq);
        }
        const auto flag = [&](std::string_view name) {
            return arg == name && !inline_value;
        };
        if (flag("--help") || flag("-h")) {
            fmt::print("{}", usage);
            return 0;
        }
        if (flag("--no-timestamp")) {
            no_timestamp = true;
            continue;
        }
        if (flag("--uppercase")) {
            options.hex_case = aliyun::HexCase::upper;
            continue;
        }
        std::optional<std::string_view>* target = nullptr;
        if (arg == "--product-key") target = &product_key;
        else if (arg == "--device-name") target = &device_name;
        else if (arg == "--device-secret") target = &device_secret;
        else if (arg == "--client-id") target = &client_id;
        else if (arg == "--region") target = &region;
        else if (arg == "--instance-id") target = &instance_id;
        else if (arg == "--timestamp") target = &timestamp;
        const bool valued = target != nullptr || arg == "--signmethod" || arg == "--securemode" || arg == "--port";
        if (!valued) return bad(fmt::format("unknown option '{}'", argv[i]));
        std::string_view value;
        if (inline_value) value = *inline_value;
        else if (i + 1 < argc) value = argv[++i];
        else return bad(fmt::format("option '{}' needs a value", arg));

        if (target != nullptr) {
            if (*target) return bad(fmt::format("option '{}' given twice", arg));
            *target = value;
        } else if (arg == "--signmethod") {
            const auto m = aliyun::parse_sign_method(value);
            if (!m) return bad(fmt::format("--signmethod must be hmacsha256, hmacsha1 or hmacmd5, not '{}'", value));
            options.sign_method = *m;
        } else if (arg == "--securemode") {
            if (value == "2") options.secure_mode = aliyun::SecureMode::tls;
            else if (value == "3") options.secure_mode = aliyun::SecureMode::tcp;
            else return bad(fmt::format("--securemode must be 2 (TLS) or 3 (TCP), not '{}'", value));
        } else { // --port
            const auto p = parse_number<unsigned>(value);
            if (!p || *p < 1 || *p > 65535) return bad(fmt::format("--port must be 1..65535, not '{}'", value));
            port = static_cast<std::uint16_t>(*p);
        }
    }

    if (!product_key) return bad("--product-key is required");
    if (!device_name) return bad("--device-name is required");
    if (!device_secret) return bad("--device-secret is required");
    if (region && instance_id) return bad("--region and --instance-id exclude each other");
    if (timestamp && no_timestamp) return bad("--timestamp and --no-timestamp exclude each other");
    if (client_id) {
        if (client_id->empty()) return bad("--client-id must not be empty");
        options.client_id = *client_id;
    }

    const aliyun::DeviceCredentials device{*product_key, *device_name, *device_secret};
    alimqtt::Result<aliyun::Credentials> credentials = alimqtt::Error::invalid_argument;
    if (no_timestamp) {
        options.timestamp = aliyun::Timestamp::none();
        credentials = aliyun::sign(device, options);
    } else if (timestamp) {
        const auto ms = parse_number<std::uint64_t>(*timestamp);
        if (!ms) return bad(fmt::format("--timestamp must be milliseconds since 1970 (digits), not '{}'", *timestamp));
        options.timestamp = aliyun::Timestamp::at_ms(*ms);
        credentials = aliyun::sign(device, options);
    } else {
        credentials = aliyun::sign(device, options, std::chrono::system_clock{});
    }
    if (!credentials) return bad(fmt::format("cannot sign: {}", alimqtt::to_string(credentials.error())));

    const auto endpoint = instance_id ? aliyun::instance_endpoint(*instance_id, port, options.secure_mode)
                                      : aliyun::region_endpoint(*product_key, region.value_or("cn-shanghai"), port,
                                                                options.secure_mode);
    if (!endpoint)
        return bad(fmt::format("cannot build the host name: {}", alimqtt::to_string(endpoint.error())));

    fmt::print("{{\"clientId\":{},\"username\":{},\"mqttHostUrl\":{},\"passwd\":{},\"port\":{}}}\n",
               quoted(credentials->client_id.view()), quoted(credentials->username.view()),
               quoted(endpoint->host.view()), quoted(credentials->password.view()), endpoint->port);
    return 0;
}
