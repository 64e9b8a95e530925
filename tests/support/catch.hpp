// Include this instead of Catch2 directly: it picks v3 or v2, whichever is installed.
#pragma once
#if defined(ALIMQTT_CATCH_V3)
#include <catch2/catch_all.hpp>
#else
#include <catch2/catch.hpp>
#endif
