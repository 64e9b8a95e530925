#!/usr/bin/env bash
# Compiles every public header under include/ (except alimqtt/fmt.hpp, which
# needs fmt) as its own translation unit, included twice, with the compiler and
# flags given: compile_headers.sh <include-dir> <compiler> <flags...>
# Exit 77 (ctest SKIP_RETURN_CODE) when the compiler is not installed.
set -uo pipefail
include_dir=$1 compiler=$2
shift 2
if ! command -v "$compiler" >/dev/null 2>&1; then
    echo "SKIPPED: $compiler is not installed"
    exit 77
fi
mapfile -t headers < <(cd "$include_dir" && find . -name '*.hpp' ! -path ./alimqtt/fmt.hpp | sed 's|^\./||' | sort)
if ((${#headers[@]} == 0)); then
    echo "no headers found under $include_dir" >&2
    exit 1
fi
failed=()
for header in "${headers[@]}"; do
    if ! printf '#include <%s>\n#include <%s>\n' "$header" "$header" |
            "$compiler" -x c++ -I"$include_dir" "$@" -; then
        failed+=("$header")
    fi
done
echo "$compiler: ${#headers[@]} header(s), ${#failed[@]} failed"
if ((${#failed[@]})); then
    printf '  FAILED: %s\n' "${failed[@]}" >&2
    exit 1
fi
