# ALIMQTT_COVERAGE: build every test and example with gcov instrumentation so
# tests/run.sh can report line and branch coverage of include/ with lcov.
# It rides on the dev build (ASan+UBSan and --coverage work together with GCC),
# so coverage costs no second build.
if(ALIMQTT_COVERAGE)
    if(NOT CMAKE_CXX_COMPILER_ID MATCHES "GNU|Clang")
        message(FATAL_ERROR "ALIMQTT_COVERAGE needs GCC or Clang (gcov format)")
    endif()
    add_compile_options(--coverage)
    add_link_options(--coverage)
endif()
