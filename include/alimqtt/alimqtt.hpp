// alimqtt/alimqtt.hpp — the umbrella include: everything a firmware or host
// application needs, in one line. (alimqtt/fmt.hpp is separate: it needs fmt.)
#pragma once

#include <alimqtt/aliyun.hpp>
#include <alimqtt/codec.hpp>
#include <alimqtt/concepts.hpp>
#include <alimqtt/error.hpp>
#include <alimqtt/topic.hpp>
#include <alimqtt/inplace_function.hpp>
#include <alimqtt/session.hpp>
#include <alimqtt/client.hpp>
#include <alimqtt/backoff.hpp>
