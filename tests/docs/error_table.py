#!/usr/bin/env python3
"""Error reference tables of README.md / README.zh-CN.md, generated from
include/alimqtt/error.hpp.

  error_table.py --write   rewrite the tables between the markers
                           <!-- errors:begin --> and <!-- errors:end -->
  error_table.py --check   exit 1 if an Error value of error.hpp is missing
                           from either README (run by ctest: docs_readme_lists_every_error)

The meaning column comes from the `///<` comment in error.hpp; what to do comes
from ADVICE below (English, Chinese). A value without advice gets none (and
--write says so): add one here, then run --write.
"""
import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]
ERROR_HPP = ROOT / "include/alimqtt/error.hpp"
READMES = {"en": ROOT / "README.md", "zh": ROOT / "README.zh-CN.md"}
BEGIN, END = "<!-- errors:begin -->", "<!-- errors:end -->"

# name -> (what to do, 中文含义, 中文处理办法)
ADVICE = {
    # codec
    "buffer_too_small": ("Give the encoder a bigger span (`encoded_size()` is exact); in the client raise `tx_buffer_size` / `in_flight_arena_size`.",
                         "输出缓冲区放不下要编码的报文", "给编码函数更大的缓冲区（`encoded_size()` 给出精确大小）；用 Client 时调大 `tx_buffer_size` / `in_flight_arena_size`。"),
    "need_more_data": ("Not a failure: feed the framer more bytes (the client does this for you).",
                       "分帧器：报文还没收全（不是错误）", "继续喂数据即可，Client 会自动处理。"),
    "malformed_remaining_length": ("The peer is not speaking MQTT on this port (often TLS vs plain TCP mixed up); the connection is closed.",
                                   "剩余长度编码非法（第 5 个续位字节或非最短编码）", "对端在这个端口上说的不是 MQTT（常见：TLS 和明文 TCP 端口弄混了）；连接会被关闭。"),
    "packet_too_large": ("Raise `Config::rx_buffer_size`; the client reports `oversize_packet`, skips the packet and keeps the stream.",
                         "收到的报文超过接收缓冲区", "调大 `Config::rx_buffer_size`；Client 会上报 `oversize_packet` 事件、跳过该报文，数据流不受影响。"),
    "bad_packet_type": ("The peer is not an MQTT 3.1.1 broker (wrong port, or TLS/plain mismatch); the connection is closed.",
                        "报文类型为 0 或 15（保留值）", "对端不是 MQTT 3.1.1 服务器（端口不对，或 TLS/明文不匹配）；连接会被关闭。"),
    "bad_fixed_header_flags": ("A broker bug or a corrupt stream; the connection is closed. Capture it with a Tracer.",
                               "固定报头的保留标志位不符合 2.2.2", "服务器实现有误或数据流已损坏；连接会被关闭。可用 Tracer 抓包。"),
    "bad_remaining_length": ("A broker bug or a corrupt stream; the connection is closed.",
                             "剩余长度与报文类型不符（如 PUBACK 不等于 2）", "服务器实现有误或数据流已损坏；连接会被关闭。"),
    "bad_qos": ("Use QoS 0, 1 or 2 (on Aliyun: 0 or 1). From the network: a broker bug.",
                "QoS 为 3（非法）", "只用 QoS 0、1、2（阿里云只支持 0 和 1）。如果来自网络，是服务器的问题。"),
    "zero_packet_id": ("Let the client allocate ids; from the network it is a broker bug.",
                       "需要非零报文标识符的地方出现了 0", "报文标识符交给 Client 分配；如果来自网络，是服务器的问题。"),
    "truncated": ("A corrupt packet from the peer; the connection is closed.",
                  "报文内部的长度字段超出了报文末尾", "对端发来的报文已损坏；连接会被关闭。"),
    "malformed_utf8": ("Make the topic / client id valid UTF-8 (save sources as UTF-8).",
                       "UTF-8 编码不合法或含代理码点", "主题、clientId 必须是合法的 UTF-8（源文件请存为 UTF-8）。"),
    "utf8_null_character": ("Remove the U+0000 from the string.",
                            "UTF-8 字符串里有 U+0000", "去掉字符串里的 U+0000（`\\0`）。"),
    "string_too_long": ("Shorten the string or binary field to 65,535 bytes or less.",
                        "字符串或二进制字段超过 65,535 字节", "把该字段缩短到 65,535 字节以内。"),
    "empty_subscribe": ("Pass at least one topic filter.",
                        "SUBSCRIBE 一个主题过滤器都没有", "至少传入一个主题过滤器。"),
    "empty_unsubscribe": ("Pass at least one topic filter.",
                          "UNSUBSCRIBE 一个主题过滤器都没有", "至少传入一个主题过滤器。"),
    "bad_protocol_name": ("Only seen when decoding a CONNECT: the peer speaks MQTT 3.1 (`MQIsdp`) or something else.",
                          "CONNECT 的协议名不是 \"MQTT\"", "只在解码 CONNECT 时出现：对端用的是 MQTT 3.1（`MQIsdp`）或别的协议。"),
    "bad_protocol_level": ("Only seen when decoding a CONNECT: the peer is not an MQTT 3.1.1 client.",
                           "CONNECT 的协议级别不是 4", "只在解码 CONNECT 时出现：对端不是 MQTT 3.1.1 客户端。"),
    "bad_connect_flags": ("Set a username whenever you set a password; keep the will fields consistent.",
                          "CONNECT 标志位不合法（保留位、遗嘱或用户名/密码标志不一致）", "设置密码时必须同时设置用户名；遗嘱相关字段要一致。"),
    "connack_reserved_bits": ("A broker bug; the connection is closed.",
                              "CONNACK 确认标志的保留位不为 0", "服务器实现有误；连接会被关闭。"),
    "bad_connack_code": ("The server answered with an MQTT 5 reason code: make sure it accepts MQTT 3.1.1.",
                         "CONNACK 返回码大于 5", "服务器回了 MQTT 5 的原因码：确认它支持 MQTT 3.1.1。"),
    "bad_suback_code": ("The server answered with an MQTT 5 reason code or is buggy; the connection is closed.",
                        "SUBACK 返回码不是 0x00/0x01/0x02/0x80", "服务器回了 MQTT 5 的原因码或实现有误；连接会被关闭。"),
    "invalid_topic_name": ("Publish to a concrete topic: not empty, no `+` or `#`.",
                           "主题名不合法：为空、含通配符或过长", "发布时用具体的主题：不能为空，不能含 `+` 或 `#`。"),
    "invalid_topic_filter": ("`#` only as the whole last level, `+` only as a whole level; not empty.",
                             "主题过滤器不合法：`+`/`#` 位置不对或为空", "`#` 只能单独占最后一级，`+` 只能单独占一级；不能为空。"),
    "trailing_bytes": ("A corrupt packet from the peer; the connection is closed.",
                       "报文最后一个字段之后还有多余字节", "对端发来的报文已损坏；连接会被关闭。"),
    "remaining_length_too_large": ("MQTT cannot carry more than 256 MB in one packet: split the message.",
                                   "报文体超过 268,435,455 字节（4 字节长度编码的上限）", "一个 MQTT 报文装不下这么多数据：请拆分消息。"),
    "client_id_requires_clean_session": ("Give a client id, or connect with clean session 1.",
                                         "clientId 为空时必须用 clean session", "设置 clientId，或者用 clean session = 1 连接。"),
    "subscribe_reserved_bits": ("Only seen when decoding a SUBSCRIBE: a peer bug.",
                                "SUBSCRIBE 请求 QoS 字节的保留位被置位", "只在解码 SUBSCRIBE 时出现：对端实现有误。"),
    "connack_refused_session_present": ("A broker bug: a refusal must not claim a kept session. The connection is closed; the refusal code is not trusted.",
                                        "CONNACK 拒绝连接（返回码 1..5）却置了 Session Present（MQTT-3.2.2-4）",
                                        "服务器实现有误：拒绝连接时不能声称保留了会话。连接会被关闭，返回码不予采信。"),
    # transport and session
    "would_block": ("Not a failure: try again after `wait()` (the client does this).",
                    "调用现在无法不阻塞地完成", "不是错误：`wait()` 之后再试（Client 会自动处理）。"),
    "connection_closed": ("The broker hung up: see Troubleshooting (keepalive, plain TCP, duplicate login); reconnect with `Backoff`.",
                          "对端关闭了连接", "服务器断开了连接：见“排错”表（keepalive、明文 TCP、重复登录）；用 `Backoff` 退避后重连。"),
    "transport_error": ("Socket or TLS failure: the transport's `last_error()` / `last_transport_error()` says which.",
                        "传输层报告 I/O 错误", "套接字或 TLS 出错：用传输层的 `last_error()` 或 `last_transport_error()` 查看原因。"),
    "timeout": ("The deadline passed: check the link, or allow more time.",
                "操作在截止时间前没有完成", "超时：检查网络，或放宽超时时间。"),
    "not_connected": ("Call `connect()` first (again after a drop).",
                      "该调用需要已建立的 MQTT 连接", "先调用 `connect()`（断线后要重新连接）。"),
    "already_connected": ("Do not connect twice; `disconnect()` first.",
                          "连接已建立或正在建立时又调用了 connect()", "不要重复连接；需要时先 `disconnect()`。"),
    "connack_timeout": ("No answer to CONNECT: wrong host for the instance type, TLS vs plain port, firewall, or a keepalive Aliyun rejects.",
                        "截止时间前没收到 CONNACK", "CONNECT 没有回应：实例类型对应的域名不对、TLS/明文端口弄混、防火墙，或 keepalive 不被阿里云接受。"),
    "refused_protocol_version": ("The broker does not accept MQTT 3.1.1.",
                                 "CONNACK 1：不接受的协议版本", "服务器不接受 MQTT 3.1.1。"),
    "refused_identifier_rejected": ("The clientId is refused: check its `id|securemode=..,signmethod=..|` form and the 64-character limit.",
                                    "CONNACK 2：clientId 被拒绝", "clientId 被拒：检查 `id|securemode=..,signmethod=..|` 格式和 64 字符上限。"),
    "refused_server_unavailable": ("The service is busy: retry with `Backoff`.",
                                   "CONNACK 3：服务不可用", "服务暂时不可用：用 `Backoff` 退避后重试。"),
    "refused_bad_credentials": ("CONNACK 4: wrong DeviceSecret, a JSON from another device, or a signmethod/timestamp that differs from what was signed. Copy the triple or the JSON again.",
                                "CONNACK 4：用户名或密码错误", "DeviceSecret 不对、用了别的设备的 JSON，或 signmethod/timestamp 与签名时不一致。重新从控制台复制三元组或 JSON。"),
    "refused_not_authorized": ("CONNACK 5: the device is disabled or deleted, or belongs to another instance. (The local mock broker answers a wrong password with 5.)",
                               "CONNACK 5：未授权", "设备被禁用、被删除，或属于另一个实例。（本地模拟服务器对错误密码也回 5。）"),
    "subscription_refused": ("SUBACK 0x80: add the topic to the product's topic list with *Subscribe* permission; it must be this device's topic.",
                             "SUBACK 0x80：服务器拒绝了该订阅", "在产品的 Topic 类列表中添加该主题并给“订阅”权限；只能订阅本设备的主题。"),
    "subscription_timeout": ("No SUBACK in time: check the link; subscribe again.",
                             "截止时间前没收到 SUBACK", "没等到 SUBACK：检查网络，然后重新订阅。"),
    "unsubscribe_timeout": ("No UNSUBACK in time; the filter is forgotten anyway.",
                            "截止时间前没收到 UNSUBACK", "没等到 UNSUBACK；该过滤器已照常移除。"),
    "ack_timeout": ("No PUBACK/PUBCOMP in time; the message stays in flight and is resent with DUP after a reconnect.",
                    "截止时间前没收到 PUBACK/PUBCOMP", "没等到确认；消息仍在飞行表中，重连后会带 DUP 重发。"),
    "keepalive_timeout": ("Dead link (no traffic for 1.5 x keepalive): reconnect with `Backoff`; check Wi-Fi / NAT.",
                          "链路已断：在 keepalive 界限内没有 PINGRESP 或任何数据", "链路已断（1.5 倍 keepalive 内没有任何数据）：用 `Backoff` 重连；检查 Wi-Fi / NAT。"),
    "unexpected_packet": ("The server sent a client-only packet (CONNECT, SUBSCRIBE, PINGREQ...): not an MQTT broker, or a bug.",
                          "收到了服务器不该发的报文（CONNECT、SUBSCRIBE、PINGREQ 等）", "服务器发了只有客户端才发的报文：对端不是 MQTT 服务器，或有 bug。"),
    "unknown_packet_id": ("An ack for an id not in flight (e.g. a stray SUBACK): the connection is closed; reconnect.",
                          "确认报文的报文标识符不在飞行表中", "收到未知标识符的确认（比如多余的 SUBACK）：连接会被关闭，重连即可。"),
    "suback_count_mismatch": ("A broker bug: it answered a different number of filters.",
                              "SUBACK 返回码个数与 SUBSCRIBE 的过滤器个数不同", "服务器实现有误：回复的过滤器个数不对。"),
    "protocol_error": ("Another protocol violation by the peer; the connection is closed. Capture it with a Tracer.",
                       "对端的其他协议违规", "对端违反了协议；连接会被关闭。可用 Tracer 抓包。"),
    "in_flight_full": ("Raise `max_in_flight` / `in_flight_arena_size`, or wait for acks (`wait_for_ack`).",
                       "飞行表没有空位（Config）", "调大 `max_in_flight` / `in_flight_arena_size`，或者等确认（`wait_for_ack`）。"),
    "subscriptions_full": ("Raise `Config::max_subscriptions`.",
                           "订阅表没有空位（Config）", "调大 `Config::max_subscriptions`。"),
    "send_buffer_full": ("Raise `tx_buffer_size`, or call `poll()` more often on a slow link.",
                         "发送缓冲区暂时放不下该报文", "调大 `tx_buffer_size`，或在慢速链路上更频繁地调用 `poll()`。"),
    "reentrant_call": ("Do not block inside a handler: publish without `wait_for_ack`, or set a flag and act after `poll()`.",
                       "在消息回调里调用了阻塞接口", "不要在回调里阻塞：不带 `wait_for_ack` 发布，或者设个标志，`poll()` 返回后再处理。"),
    "not_subscribed": ("Unsubscribe with exactly the filter string you subscribed with.",
                       "要退订的过滤器不在订阅表里", "退订时用与订阅时完全相同的过滤器字符串。"),
    "topic_too_long": ("Raise `Config::max_topic_length` (Aliyun topics are at most 128 characters anyway).",
                       "主题长度超过 Config 的上限", "调大 `Config::max_topic_length`（阿里云主题本来最长 128 字符）。"),
    # aliyun
    "aliyun_keepalive_out_of_range": ("Use a keepalive of 30..1200 s (60 is the default). umqtt.simple's 0 is what makes Aliyun refuse.",
                                      "keepalive 不在 30..1200 秒内，阿里云会拒绝连接", "把 keepalive 设为 30..1200 秒（默认 60）。umqtt.simple 默认的 0 正是阿里云拒连的原因。"),
    "aliyun_qos2_not_supported": ("Use QoS 1.",
                                  "阿里云只支持 QoS 0 和 1", "改用 QoS 1。"),
    "aliyun_will_not_supported": ("Drop the will; use the platform's online/offline status instead.",
                                  "阿里云不支持遗嘱消息", "去掉遗嘱消息；改用平台自带的设备上下线状态。"),
    "aliyun_topic_too_long": ("Shorten the topic to 128 characters or less.",
                              "阿里云主题最长 128 字符", "把主题缩短到 128 字符以内。"),
    "invalid_argument": ("An argument breaks a format (e.g. `/`, `+`, `#` in a topic part, or fewer outcome slots than filters): see the call's doc comment.",
                         "参数会破坏格式（为空、含禁用字符等）", "参数不合法（比如主题片段里有 `/`、`+`、`#`，或结果数组比过滤器少）：请看该函数的注释。"),
    "json_syntax": ("The pasted JSON is broken: copy it again; in a shell keep it in single quotes.",
                    "JSON 语法错误", "粘贴的 JSON 不完整或被改坏：重新复制；在 shell 里用单引号括起来。"),
    "json_missing_field": ("Copy the whole *MQTT connection parameters* object (clientId, username, mqttHostUrl, passwd, port).",
                           "缺少必需的 JSON 字段", "完整复制控制台的“MQTT 连接参数”（clientId、username、mqttHostUrl、passwd、port）。"),
    "json_wrong_type": ("A field has the wrong type, e.g. the port in quotes: it must be a number.",
                        "JSON 字段类型不对", "字段类型不对，比如端口加了引号：端口必须是数字。"),
    "json_trailing_garbage": ("Remove what follows the closing `}`.",
                              "JSON 对象结束后还有多余内容", "删掉右花括号 `}` 之后的内容。"),
    "port_out_of_range": ("Use a port in 1..65535 (Aliyun: 1883, 443 or 8883).",
                          "端口不在 1..65535 内", "端口应在 1..65535 内（阿里云用 1883、443 或 8883）。"),
    "aliyun_empty_field": ("Fill in ProductKey, DeviceName and DeviceSecret (and the region or instance id).",
                           "ProductKey、DeviceName、DeviceSecret、clientId 或域名片段为空", "填写 ProductKey、DeviceName、DeviceSecret（以及地域或实例 ID）。"),
    "aliyun_forbidden_character": ("Remove `|`, `,` or `&` from the ids (and non-host characters from a region or instance id).",
                                   "字段含有会破坏阿里云格式的字符（`|`、`,`、`&`）", "去掉标识里的 `|`、`,`、`&`（地域或实例 ID 里只能有域名字符）。"),
    "aliyun_client_id_too_long": ("Use a clientId prefix of 64 characters or less.",
                                  "clientId 前缀超过 64 字符", "clientId 前缀不能超过 64 字符。"),
    "aliyun_field_too_long": ("A field is longer than its storage (e.g. a 200-character DeviceName): check that you pasted the right value.",
                              "字段超过固定存储的长度", "字段太长（比如 200 个字符的 DeviceName）：检查是否粘贴错了。"),
    "aliyun_retain_not_supported": ("Publish with `retain = false`.",
                                    "阿里云 MQTT 3.1.1 不支持保留消息", "发布时设 `retain = false`。"),
    "json_too_deep": ("The JSON nests deeper than the reader allows: flatten the Alink params.",
                      "JSON 嵌套层数超过解析器上限", "JSON 嵌套太深：把 Alink 的 params 扁平化。"),
    "aliyun_reply_error": ("Read `PostResult::code` / `message` (e.g. 460 = bad params: check the property identifiers and types against the thing model).",
                           "平台对 Alink 请求回复了非 200 的 code", "查看 `PostResult::code` / `message`（例如 460 表示参数错误：对照物模型检查属性标识符和类型）。"),
    "dynreg_refused": ("`DynregDiagnostics::detail` holds the CONNACK code. Check ProductKey, DeviceName and ProductSecret, that dynamic registration is on for the product, and (register flow) that the device was added in the console and is not yet activated.",
                       "动态注册：平台拒绝了 CONNECT", "`DynregDiagnostics::detail` 给出 CONNACK 返回码。检查 ProductKey、DeviceName、ProductSecret，确认产品已开启动态注册；预注册方式下还要确认设备已在控制台添加且尚未激活。"),
    "dynreg_timeout": ("The platform sent nothing on /ext/register or /ext/regnwl: check the flow (register vs regnwl) matches the product, and that the connection is TLS; then retry with a new random.",
                       "动态注册：截止时间前没有收到 /ext/register 或 /ext/regnwl 的回复", "确认注册方式（register / regnwl）与产品设置一致、连接使用 TLS，然后换一个新的 random 重试。"),
    "dynreg_malformed_reply": ("`DynregDiagnostics::detail` says what was wrong (JSON syntax, missing deviceSecret / clientId / deviceToken, too long). Nothing was stored; retry.",
                               "动态注册：平台回复不是 JSON 或缺少 deviceSecret / clientId、deviceToken", "`DynregDiagnostics::detail` 说明具体原因（JSON 语法、缺字段、过长）。没有保存任何内容，重试即可。"),
    "json_invalid_utf8": ("The JSON text is not UTF-8 (RFC 8259 requires it): save or send it as UTF-8, not GBK or Latin-1. A message from the platform with such bytes is treated as malformed JSON.",
                          "JSON 字符串里有不合法的 UTF-8 字节（RFC 8259 8.1）",
                          "JSON 文本必须是 UTF-8（RFC 8259 的要求）：请以 UTF-8 而不是 GBK、Latin-1 保存或发送。平台发来的消息若含这种字节，按格式错误的 JSON 处理。"),
}

SECTION_TITLES = {
    "codec": ("Codec: framing and encoding (MQTT 3.1.1 ch. 2 and 3)", "编解码：分帧与编码（MQTT 3.1.1 第 2、3 章）"),
    "transport": ("Transport and session (client, session)", "传输与会话（Client、Session）"),
    "aliyun": ("Aliyun profile", "阿里云配置"),
}


def parse_errors():
    """[(section, name, comment)] in declaration order."""
    text = ERROR_HPP.read_text(encoding="utf-8")
    body = text[text.index("enum class Error"):]
    body = body[body.index("{") + 1:body.index("};")]
    section = "codec"
    out = []
    for line in body.splitlines():
        s = line.strip()
        m = re.match(r"//\s*---\s*(\w+)", s)
        if m:
            section = m.group(1).lower()
            continue
        m = re.match(r"([a-z_0-9]+)\s*(=\s*\d+)?\s*,?\s*(///<\s*(.*))?$", s)
        if m:
            out.append((section, m.group(1), (m.group(4) or "").strip()))
    return out


def table(errors, lang):
    lines = []
    current = None
    for section, name, comment in errors:
        if section != current:
            current = section
            title = SECTION_TITLES.get(section, (section, section))
            if lines:
                lines.append("")
            lines.append(f"**{title[0] if lang == 'en' else title[1]}**")
            lines.append("")
            lines.append("| Error | meaning | what to do |" if lang == "en" else "| 错误值 | 含义 | 怎么办 |")
            lines.append("|---|---|---|")
        advice = ADVICE.get(name)
        if lang == "en":
            meaning = comment.replace("|", "\\|")
            todo = advice[0] if advice else ""
        else:
            meaning = advice[1] if advice else comment
            todo = advice[2] if advice else ""
        lines.append(f"| `{name}` | {meaning} | {todo} |")
    return "\n".join(lines)


def main(argv):
    errors = parse_errors()
    if len(errors) < 10:
        print(f"error_table.py: parsed only {len(errors)} values from {ERROR_HPP}", file=sys.stderr)
        return 1
    if "--write" in argv:
        missing = [n for _, n, _ in errors if n not in ADVICE]
        for n in missing:
            print(f"error_table.py: no advice for `{n}` yet (add it to ADVICE)", file=sys.stderr)
        for lang, path in READMES.items():
            text = path.read_text(encoding="utf-8")
            if BEGIN not in text or END not in text:
                print(f"error_table.py: {path.name} has no {BEGIN} ... {END} markers", file=sys.stderr)
                return 1
            head, rest = text.split(BEGIN, 1)
            _, tail = rest.split(END, 1)
            path.write_text(head + BEGIN + "\n" + table(errors, lang) + "\n" + END + tail, encoding="utf-8")
        return 0
    # --check (default): every value is documented in both READMEs.
    failed = False
    for lang, path in READMES.items():
        text = path.read_text(encoding="utf-8") if path.exists() else ""
        for _, name, _ in errors:
            if f"`{name}`" not in text:
                print(f"{path.name}: Error::{name} (include/alimqtt/error.hpp) is not documented; "
                      f"add its row to the error reference (tests/docs/error_table.py --write)", file=sys.stderr)
                failed = True
    if not failed:
        print(f"all {len(errors)} Error values are documented in README.md and README.zh-CN.md")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
