#!/usr/bin/env bash
# Runs every alimqtt test on a Debian 12 machine. Usage: ./tests/run.sh
#  1. installs the Debian packages that are missing (as root; otherwise prints
#     the one apt-get line to run and exits 1),
#  2. configures the `dev` preset (Debug, -Werror, ASan+UBSan) with gcov
#     instrumentation, builds everything (tests, examples, benchmarks) and runs ctest,
#  3. reports line and branch coverage of include/ with lcov -> build/dev/coverage.txt,
#  4. builds the doxygen reference (cmake --build build/dev --target docs),
#  5. builds the libFuzzer targets with clang++ (preset `fuzz`, build/fuzz) and
#     runs each for ALIMQTT_FUZZ_SECONDS (60) on a copy of its seed corpus,
#  6. builds the hostile-broker suite without sanitizers (preset `valgrind`,
#     build/valgrind) and runs it under valgrind memcheck (ALIMQTT_VALGRIND=0 skips it).
# Exit status is non-zero when ctest, a fuzzer, memcheck or the doxygen build
# (any warning) fails; ALIMQTT_DOCS_ENFORCE=0 turns the last into a report only.
# Coverage thresholds fail the run only with ALIMQTT_COVERAGE_ENFORCE=1.
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
          libclang-rt-14-dev lcov doxygen python3 iproute2 openssl valgrind)
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
step "configure $build (preset coverage = dev + gcov)"
cmake --preset coverage -B "$build"
step "build $build (-j$jobs)"
cmake --build "$build" -j"$jobs"
find "$build" -name '*.gcda' -delete # coverage counts from this run only
step "ctest"
junit=$build_abs/ctest-junit.xml
ctest_rc=0
ctest --test-dir "$build" --output-on-failure -j"$jobs" --output-junit "$junit" || ctest_rc=$?
((ctest_rc == 0)) || failures+=("ctest")

# --- 3. coverage ----------------------------------------------------------------
step "coverage of include/ (lcov)"
cov_enforce=${ALIMQTT_COVERAGE_ENFORCE:-0}
lcov_rc=(--rc lcov_branch_coverage=1 --rc geninfo_no_exception_branch=1)
info=$build/coverage.info
summary=$build/coverage.txt
# pct <info> <lines|branches>: the percentage lcov reports, or "n/a"
pct() {
    { lcov "${lcov_rc[@]}" --summary "$1" 2>/dev/null || true; } |
        awk -v what="$2" '$1 ~ "^"what"\\.+:" { sub("%", "", $2); print $2; found=1 } END { if (!found) print "n/a" }'
}
counts() {
    { lcov "${lcov_rc[@]}" --summary "$1" 2>/dev/null || true; } |
        awk -v what="$2" '$1 ~ "^"what"\\.+:" { gsub(/[()]/, ""); print $3 "/" $5 }'
}
below() { [[ $1 == n/a ]] || awk -v v="$1" -v t="$2" 'BEGIN { exit !(v < t) }'; }
cov_failed=()
if lcov "${lcov_rc[@]}" --quiet --capture --directory "$build" --include "$root/include/*" \
        --output-file "$info" 2>"$build/lcov.log"; then
    {
        echo "alimqtt coverage of include/ by the dev test suite (lcov, gcov; exception branches excluded)"
        printf '%-34s %8s %14s %9s %14s\n' scope lines "" branches ""
        for scope in include/ include/alimqtt/session.hpp include/alimqtt/client.hpp; do
            file=$info
            if [[ $scope != include/ ]]; then
                file=$build/coverage.$(basename "$scope" .hpp).info
                lcov "${lcov_rc[@]}" --quiet --extract "$info" "$root/$scope" --output-file "$file" 2>/dev/null || : >"$file"
            fi
            l=$(pct "$file" lines) b=$(pct "$file" branches)
            if [[ $l == n/a ]]; then
                [[ -f $root/$scope ]] && note="no data: no test includes it" || note="not in the tree yet"
                printf '%-34s %s\n' "$scope" "$note"
            else
                printf '%-34s %7s%% %14s %8s%% %14s\n' "$scope" "$l" "($(counts "$file" lines))" "$b" "($(counts "$file" branches))"
            fi
            # Thresholds (issues 3 and 7): include/ >= 95 % lines and >= 90 % branches;
            # session.hpp and client.hpp >= 95 % lines. A header with no data counts as 0 %.
            if [[ $scope == include/ ]]; then
                below "$l" 95 && cov_failed+=("$scope lines $l% < 95%")
                below "$b" 90 && cov_failed+=("$scope branches $b% < 90%")
            elif [[ -f $root/$scope ]]; then
                [[ $l == n/a ]] && l=0
                below "$l" 95 && cov_failed+=("$scope lines $l% < 95%")
            fi
        done
        echo "thresholds: include/ >= 95% lines, >= 90% branches; session.hpp, client.hpp >= 95% lines"
        if ((${#cov_failed[@]})); then
            printf 'below threshold: %s\n' "${cov_failed[@]}"
        else
            echo "all thresholds met"
        fi
        echo "per-file: lcov --rc lcov_branch_coverage=1 --list $info"
    } | tee "$summary"
    if ((${#cov_failed[@]})) && [[ $cov_enforce == 1 ]]; then
        failures+=("coverage")
    elif ((${#cov_failed[@]})); then
        echo "(not enforced: set ALIMQTT_COVERAGE_ENFORCE=1 to fail on this)"
    fi
else
    cat "$build/lcov.log" >&2
    echo "coverage: lcov failed (log above)" | tee "$summary"
    [[ $cov_enforce == 1 ]] && failures+=("coverage")
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
        step "fuzz $name for ${fuzz_seconds}s ($(find "$work/corpus" -type f | wc -l) seeds from $seeds)"
        rc=0
        "$bin" -max_total_time="$fuzz_seconds" -timeout=25 -rss_limit_mb=2048 -print_final_stats=1 \
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
[[ -f $summary ]] && sed -n '2,5p' "$summary"
echo "fuzz: $fuzz_passed target(s) ran ${fuzz_seconds}s without a finding, $fuzz_failed failed"
echo "valgrind: $vg_passed passed, $vg_failed failed, $vg_skipped skipped (hostile-broker suite under memcheck)"
echo "time: $((SECONDS - started))s"
if ((${#failures[@]})); then
    echo "FAILED: ${failures[*]}"
fi
echo "alimqtt: $((t_passed + fuzz_passed + vg_passed)) passed, $((t_failed + fuzz_failed + vg_failed)) failed, $((t_skipped + vg_skipped)) skipped"
((${#failures[@]} == 0))
