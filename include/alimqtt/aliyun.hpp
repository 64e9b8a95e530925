// alimqtt/aliyun.hpp — the whole Aliyun IoT profile in one include:
// crypto, signer, endpoints, console JSON, connect rules, topics, Alink.
#pragma once

#include "alimqtt/aliyun/alink.hpp"
#include "alimqtt/aliyun/connect.hpp"
#include "alimqtt/aliyun/console_json.hpp"
#include "alimqtt/aliyun/endpoint.hpp"
#include "alimqtt/aliyun/fixed_string.hpp"
#include "alimqtt/aliyun/hex.hpp"
#include "alimqtt/aliyun/hmac.hpp"
#include "alimqtt/aliyun/json.hpp"
#include "alimqtt/aliyun/md5.hpp"
#include "alimqtt/aliyun/ntp.hpp"
#include "alimqtt/aliyun/sha1.hpp"
#include "alimqtt/aliyun/sha256.hpp"
#include "alimqtt/aliyun/signer.hpp"
#include "alimqtt/aliyun/topics.hpp"
