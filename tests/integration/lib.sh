# tests/integration/lib.sh — shared by the integration test scripts: a temp dir
# removed on exit, a broker from mock_aliyun_broker.sh stopped by pid, checks.
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$here/../../examples/posix/mock_aliyun_broker.sh"

# Missing tools: exit 77, which ctest reports as SKIPPED.
require_tools() {
    local t
    for t in "$@"; do
        command -v "$t" >/dev/null 2>&1 || { echo "SKIPPED: $t not installed"; exit 77; }
    done
}

T=$(mktemp -d /tmp/alimqtt-it-XXXXXX)
chmod 755 "$T"
declare -a CLEANUP_PIDS=()
_cleanup() {
    local p
    for p in "${CLEANUP_PIDS[@]}"; do kill "$p" 2>/dev/null; done
    for d in "$T"/broker*; do [[ -d $d ]] && mb_stop "$d"; done
    rm -rf "$T"
}
trap _cleanup EXIT

failures=0
pass() { echo "ok   - $*"; }
fail() { echo "FAIL - $*"; failures=$((failures + 1)); }
check() { # check "description" command...
    local what=$1; shift
    if "$@"; then pass "$what"; else fail "$what"; fi
}
finish() {
    if ((failures)); then echo "$failures check(s) failed"; exit 1; fi
    echo "all checks passed"; exit 0
}

# The demo identity every test uses (not a real Aliyun device).
PK=a1AliDemo01
DN=demo-device
DS=5f2c1b8e9d0a4c7e8f1a2b3c4d5e6f70
TS=2524608000000
CID="$PK.$DN"
