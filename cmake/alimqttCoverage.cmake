# ALIMQTT_COVERAGE: build every test and example with gcov instrumentation so
# tests/run.sh can report line and branch coverage of include/ with gcovr.
# Used by the `coverage` preset (build/coverage), which has no sanitizers: ASan
# and UBSan add branches of their own that gcov would count against include/.
# -fprofile-update=atomic: several tests run the client on more than one thread
# (the fake brokers, the POSIX transports); plain counters race there and gcov
# then reports inconsistent, even negative, branch counts.
if(ALIMQTT_COVERAGE)
    if(NOT CMAKE_CXX_COMPILER_ID MATCHES "GNU|Clang")
        message(FATAL_ERROR "ALIMQTT_COVERAGE needs GCC or Clang (gcov format)")
    endif()
    if(ALIMQTT_SANITIZE)
        message(WARNING "ALIMQTT_COVERAGE with ALIMQTT_SANITIZE=${ALIMQTT_SANITIZE}: "
                        "the sanitizers' checks are counted as branches of include/")
    endif()
    add_compile_options(--coverage -fprofile-update=atomic)
    add_link_options(--coverage)
endif()
