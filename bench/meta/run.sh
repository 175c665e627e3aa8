#!/usr/bin/env bash
# The meta language against Debian's lua5.4: each program in bench/meta/
# written in both, run side by side; prints CPU seconds (best of $REPEAT)
# and the ratio vvm/lua (below 1: vvm is faster).
#   B=build bash bench/meta/run.sh [NAME...]
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
B=${B:-build}
case "$B" in /*) ;; *) B="$ROOT/$B" ;; esac
VVM="$B/vvm"
REPEAT=${REPEAT:-3}
cpu() {
    local best="" t tf
    tf=$(mktemp)
    for _ in $(seq "$REPEAT"); do
        /usr/bin/time -f '%U %S' -o "$tf" "$@" >/dev/null 2>&1 || { echo FAIL; rm -f "$tf"; return; }
        t=$(awk '{printf "%.3f", $1 + $2}' "$tf")
        if [ -z "$best" ] || awk -v a="$t" -v b="$best" 'BEGIN{exit !(a < b)}'; then best=$t; fi
    done
    rm -f "$tf"
    echo "$best"
}
names=("$@")
[ ${#names[@]} -gt 0 ] || names=(fib tak floats strings sort hash closures)
printf '%-10s %8s %8s %7s\n' program vvm lua5.4 ratio
for n in "${names[@]}"; do
    v=$(cpu "$VVM" run "$ROOT/bench/meta/$n.vml")
    l=$(cpu lua5.4 "$ROOT/bench/meta/$n.lua")
    r=$(awk -v a="$v" -v b="$l" 'BEGIN{ if (b > 0 && a != "FAIL") printf "%.2f", a / b; else print "-" }')
    printf '%-10s %8s %8s %7s\n' "$n" "$v" "$l" "$r"
done
