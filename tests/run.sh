#!/usr/bin/env bash
# Runs every alimqtt test on a Debian 12 machine. Usage: ./tests/run.sh
#  1. installs the Debian packages that are missing (as root; otherwise prints
#     the one apt-get line to run and exits 1),
#  2. configures the `dev` preset (Debug, -Werror, ASan+UBSan), builds everything
#     (tests, examples, benchmarks) and runs ctest: the correctness gate,
#  3. builds the `coverage` preset (build/coverage: Debug, gcov, no sanitizers,
#     no benchmarks), runs ctest there again and reports line and branch
#     coverage of include/ -> build/coverage/coverage.txt,
#  4. builds the doxygen reference (cmake --build build/dev --target docs),
#  5. builds the libFuzzer targets with clang++ (preset `fuzz`, build/fuzz) and
#     runs each for ALIMQTT_FUZZ_SECONDS (60) on a copy of its seed corpus;
#     fuzz_session and fuzz_session_qos1 (one harness, QoS 2 on / compiled out)
#     get half of that each,
#  6. builds the hostile-broker suite without sanitizers (preset `valgrind`,
#     build/valgrind) and runs it under valgrind memcheck (ALIMQTT_VALGRIND=0 skips it).
# Exit status is non-zero when ctest (either build), a fuzzer, memcheck, the
# coverage thresholds or the doxygen build (any warning) fails;
# ALIMQTT_COVERAGE_ENFORCE=0 and ALIMQTT_DOCS_ENFORCE=0 make those two reports only.
# ALIMQTT_FUZZ_SECONDS=0 skips the fuzz runs.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
started=$SECONDS

step() { printf '\n== [%3ds] %s\n' $((SECONDS - started)) "$*"; }

# --- 1. packages ----------------------------------------------------------------
packages=(cmake g++ clang catch2 libfmt-dev libbenchmark-dev libssl-dev
          mosquitto mosquitto-clients libmosquitto-dev liblwip-dev
          gcc-arm-none-eabi libnewlib-arm-none-eabi libstdc++-arm-none-eabi-newlib
          libclang-rt-14-dev gcovr doxygen python3 iproute2 openssl valgrind)
missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# node and npm may come from outside Debian (e.g. a nodesource build that ships
# npm inside nodejs): only ask apt for them when the commands are missing.
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v npm >/dev/null 2>&1 || missing+=(npm)
if ((${#missing[@]})); then
    if [[ $(id -u) -eq 0 ]]; then
        step "installing: ${missing[*]}"
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    else
        echo "Missing packages. Run as root, then run ./tests/run.sh again:" >&2
        echo "  apt-get install -y --no-install-recommends ${missing[*]}" >&2
        exit 1
    fi
fi

jobs=$(nproc)
build=${ALIMQTT_BUILD_DIR:-build/dev}
build_abs=$(realpath -m "$build")
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:strict_string_checks=1:detect_stack_use_after_return=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
failures=()

# --- 2. dev build + ctest -------------------------------------------------------
step "configure $build (preset dev: Debug, -Werror, ASan+UBSan)"
cmake --preset dev -B "$build"
step "build $build (-j$jobs)"
cmake --build "$build" -j"$jobs"
step "ctest"
junit=$build_abs/ctest-junit.xml
ctest_rc=0
ctest --test-dir "$build" --output-on-failure -j"$jobs" --output-junit "$junit" || ctest_rc=$?
((ctest_rc == 0)) || failures+=("ctest")

# --- 3. coverage ----------------------------------------------------------------
# Coverage is measured on a build of its own (preset `coverage`, build/coverage):
# Debug with gcov, NO sanitizers (ASan/UBSan add checks of their own that gcov
# counts as branches of include/) and -fprofile-update=atomic (several tests run
# threads; plain counters race and gcov then reports inconsistent, even
# negative, branch counts). Benchmarks are not built there (never run as tests);
# the examples are, because the integration tests run aliyun_device and
# alimqtt-sign. The whole ctest suite runs again there except the labels
# `cross` and `consumer`, which only run compilers and CMake on their own
# builds and execute no instrumented code. A failure there fails the run and
# counts in the "failed" total; its passes are not added to the "passed" total
# (the same tests already passed once above).
#
# What the figures count (tests/gcov_json.py, reading `gcov --json-format`):
#  - every line of include/ that gcov gives a count, except a never-run line
#    that is only a brace, `else` or a comment;
#  - every branch, EXCEPT exception edges (gcov marks them `throw`: calls that
#    could throw, into Catch2, {fmt} or the standard library). include/ is
#    written for and checked with -fno-exceptions, so those edges do not exist
#    in the library as shipped; only the tests need exceptions, for Catch2;
#  - a branch once per place in the source: its copies in template
#    instantiations (and in lambdas inside them) and in the test binaries are
#    merged, and it counts as taken when any copy took it;
#  - branches on lines holding only a brace are kept (gcovr's
#    --exclude-unreachable-branches is not applied): without sanitizers or
#    optimisation the ones GCC puts there are loop back-edges, real control flow.
# No line or branch of include/ is excluded by a marker (LCOV_EXCL/GCOVR_EXCL).
# gcovr 5.2 runs on the same data as a cross-check and is held to the same
# include/ thresholds, so the gate never rests on gcov_json.py alone. Its
# branch figure is lower: it parses GCC 12's text output, which drops the
# branches of some template instantiations and keeps the exception edges of
# never-run code, and it does not merge the copies of a lambda in a template.
cov_build=${ALIMQTT_COVERAGE_BUILD_DIR:-build/coverage}
cov_build_abs=$(realpath -m "$cov_build")
cov_enforce=${ALIMQTT_COVERAGE_ENFORCE:-1}
summary=$cov_build/coverage.txt
cov_junit=$cov_build_abs/ctest-junit.xml
cov_ok=1
step "configure $cov_build (preset coverage: Debug, gcov, no sanitizers)"
if cmake --preset coverage -B "$cov_build" && { step "build $cov_build (-j$jobs)"; cmake --build "$cov_build" -j"$jobs"; }; then
    find "$cov_build" -name '*.gcda' -delete # counts from this run only
    rm -f "$cov_junit"
    step "ctest on $cov_build (for coverage; without the labels cross and consumer)"
    cov_ctest_rc=0
    ctest --test-dir "$cov_build" --output-on-failure -j"$jobs" -LE '^(cross|consumer)$' \
        --output-junit "$cov_junit" || cov_ctest_rc=$?
    ((cov_ctest_rc == 0)) || failures+=("ctest (coverage build)")
    step "coverage of include/ (gcov JSON; gcovr as a cross-check)"
    gcovr --root "$root" --object-directory "$cov_build" --filter "$root/include/" \
        --exclude-throw-branches -j"$jobs" --json-summary "$cov_build/gcovr-summary.json" \
        "$cov_build" >/dev/null 2>"$cov_build/gcovr.log" || rm -f "$cov_build/gcovr-summary.json"
    report_rc=0
    { python3 tests/gcov_json.py "$root" "$cov_build" "$cov_build/coverage-summary.json" \
        "$cov_build/coverage-full.json" "$jobs" &&
        python3 tests/coverage_report.py "$root" "$cov_build/coverage-summary.json" \
            "$cov_build/coverage-full.json" "$cov_build/gcovr-summary.json"; } >"$summary" || report_rc=$?
    cat "$summary"
    ((report_rc == 0)) || cov_ok=0
else
    echo "coverage: the coverage build failed" | tee "$summary"
    failures+=("coverage build")
    cov_ok=0
fi
if ((cov_ok == 0)); then
    if [[ $cov_enforce == 1 ]]; then
        failures+=("coverage")
    else
        echo "(coverage not enforced because ALIMQTT_COVERAGE_ENFORCE=0)"
    fi
fi

# --- 4. API reference -----------------------------------------------------------
step "doxygen (target docs)"
if cmake --build "$build" --target docs; then
    echo "docs: $build/docs/html/index.html, no warnings"
else
    if [[ ${ALIMQTT_DOCS_ENFORCE:-1} == 1 ]]; then
        failures+=("docs")
    else
        echo "docs: doxygen warnings (not enforced because ALIMQTT_DOCS_ENFORCE=0)"
    fi
fi

# --- 5. fuzzing -----------------------------------------------------------------
fuzz_seconds=${ALIMQTT_FUZZ_SECONDS:-60}
fuzz_passed=0 fuzz_failed=0
if ((fuzz_seconds > 0)); then
    step "fuzz build (preset fuzz, clang++ + libFuzzer + ASan/UBSan)"
    cmake --preset fuzz
    cmake --build build/fuzz -j"$jobs"
    mapfile -t fuzzers < <(find build/fuzz -type f -perm -u+x -name 'fuzz_*' ! -path '*/CMakeFiles/*' | sort)
    ((${#fuzzers[@]})) || echo "no fuzz targets (tests/fuzz/fuzz_*.cpp) yet"
    mkdir -p build/fuzz/artifacts
    for bin in "${fuzzers[@]}"; do
        name=$(basename "$bin")
        work=$(mktemp -d)
        mkdir -p "$work/corpus"
        seeds=tests/fuzz/corpus/${name#fuzz_}
        [[ -d $seeds ]] && cp -R "$seeds/." "$work/corpus/" # the repo's corpus is never written
        seconds=$fuzz_seconds
        # The two builds of fuzz_session.cpp share one target's time, so the
        # QoS-1-only variant does not lengthen CI.
        [[ $name == fuzz_session || $name == fuzz_session_qos1 ]] && seconds=$(((fuzz_seconds + 1) / 2))
        step "fuzz $name for ${seconds}s ($(find "$work/corpus" -type f | wc -l) seeds from $seeds)"
        rc=0
        "$bin" -max_total_time="$seconds" -timeout=25 -rss_limit_mb=2048 -print_final_stats=1 \
            -artifact_prefix="$work/" "$work/corpus" >"$work/log" 2>&1 || rc=$?
        grep -E '^(Done|stat::number_of_executed_units|stat::peak_rss_mb|#[0-9]+.*DONE)' "$work/log" || true
        if ((rc != 0)); then
            fuzz_failed=$((fuzz_failed + 1))
            failures+=("$name")
            tail -n 60 "$work/log"
            for artifact in "$work"/crash-* "$work"/leak-* "$work"/timeout-* "$work"/oom-*; do
                [[ -e $artifact ]] || continue
                cp "$artifact" "build/fuzz/artifacts/$name-$(basename "$artifact")"
                echo "reproducer: build/fuzz/artifacts/$name-$(basename "$artifact") (run: $bin <file>)"
            done
        else
            fuzz_passed=$((fuzz_passed + 1))
            echo "$name: no finding"
        fi
        rm -rf "$work"
    done
else
    step "fuzz runs skipped (ALIMQTT_FUZZ_SECONDS=0)"
fi

# --- 6. valgrind ---------------------------------------------------------------
# Valgrind cannot run ASan binaries, so memcheck gets its own build: no
# sanitizers, -O1 -g, only the hostile-broker suite (the real Client and POSIX
# transport against a scripted broker over real sockets). Counts as one test.
vg_passed=0 vg_failed=0 vg_skipped=0
if [[ ${ALIMQTT_VALGRIND:-1} == 0 ]]; then
    step "valgrind skipped (ALIMQTT_VALGRIND=0)"
    vg_skipped=1
elif ! command -v valgrind >/dev/null 2>&1; then
    step "valgrind: SKIPPED (valgrind is not installed)"
    vg_skipped=1
else
    step "valgrind build (preset valgrind, build/valgrind: no sanitizers, -O1 -g)"
    vg_log=build/valgrind/memcheck.log
    vg_rc=0
    { cmake --preset valgrind && cmake --build build/valgrind -j"$jobs" --target test_hostile_broker; } || vg_rc=$?
    if ((vg_rc == 0)); then
        step "valgrind memcheck: test_hostile_broker"
        valgrind --tool=memcheck --error-exitcode=99 --leak-check=full \
            --errors-for-leak-kinds=definite,indirect \
            build/valgrind/tests/reliability/test_hostile_broker --order rand >"$vg_log" 2>&1 || vg_rc=$?
        grep -E 'test cases|ERROR SUMMARY|in use at exit|total heap usage' "$vg_log" || true
    fi
    if ((vg_rc == 0)); then
        vg_passed=1
        echo "valgrind: no memcheck error, no definite or indirect leak"
    else
        vg_failed=1
        failures+=("valgrind")
        [[ -f $vg_log ]] && tail -n 60 "$vg_log"
        echo "valgrind: failed (exit $vg_rc; 99 = memcheck found errors); log: $vg_log"
    fi
fi

# --- summary --------------------------------------------------------------------
step "summary"
read -r t_total t_failed t_skipped < <(python3 - "$junit" <<'EOF' || echo "0 0 0"
import sys, xml.etree.ElementTree as ET
s = ET.parse(sys.argv[1]).getroot()
print(s.get("tests", "0"), int(s.get("failures", "0")) + int(s.get("errors", "0")), s.get("skipped", "0"))
EOF
)
t_passed=$((t_total - t_failed - t_skipped))
c_total=0 c_failed=0 c_skipped=0
if [[ -f ${cov_junit:-} ]]; then
    read -r c_total c_failed c_skipped < <(python3 - "$cov_junit" <<'EOF' || echo "0 0 0"
import sys, xml.etree.ElementTree as ET
s = ET.parse(sys.argv[1]).getroot()
print(s.get("tests", "0"), int(s.get("failures", "0")) + int(s.get("errors", "0")), s.get("skipped", "0"))
EOF
)
fi
[[ -f $summary ]] && awk '/^$/ { exit } NR > 3 || /^coverage:/' "$summary" # totals, thresholds, cross-check
echo "ctest on the coverage build: $((c_total - c_failed - c_skipped)) passed, $c_failed failed, $c_skipped skipped (its failures count in the total below, its passes do not)"
echo "fuzz: $fuzz_passed target(s) ran ${fuzz_seconds}s (fuzz_session and fuzz_session_qos1 half each) without a finding, $fuzz_failed failed"
echo "valgrind: $vg_passed passed, $vg_failed failed, $vg_skipped skipped (hostile-broker suite under memcheck)"
echo "time: $((SECONDS - started))s"
if ((${#failures[@]})); then
    echo "FAILED: ${failures[*]}"
fi
echo "alimqtt: $((t_passed + fuzz_passed + vg_passed)) passed, $((t_failed + c_failed + fuzz_failed + vg_failed)) failed, $((t_skipped + vg_skipped)) skipped"
((${#failures[@]} == 0))
