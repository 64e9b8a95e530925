// alimqtt/codec.hpp — umbrella include for the MQTT 3.1.1 codec: packet types,
// encoders, decoders, the stream framer and topic rules.
#pragma once

#include "codec/decode.hpp"
#include "codec/encode.hpp"
#include "codec/framer.hpp"
#include "codec/packets.hpp"
#include "codec/server_packet.hpp"
#include "codec/utf8.hpp"
#include "codec/writer.hpp"
#include "topic.hpp"
