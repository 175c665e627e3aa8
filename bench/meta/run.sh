#!/usr/bin/env bash
# The meta language against Debian's lua5.4 and guile-3.0: each program in
# bench/meta/ is written three times (NAME.vml, NAME.lua, NAME.scm: the same
# algorithm, sizes and output); this runs them side by side and prints CPU
# seconds (user+sys, best of $REPEAT) and the ratios vvm/lua and vvm/guile
# (below 1: vvm is faster).
#   B=build bash bench/meta/run.sh [NAME...]
#   REPEAT=3 GUILE=guile-3.0 LUA=lua5.4 ...
#
# Guile: Debian's guile-3.0 package has no `guild` (that is in guile-3.0-dev),
# so each NAME.scm is compiled ahead, outside the timed runs, with the same
# compiler guild uses -- (compile-file ...) from (system base compile), at
# Guile's default optimisation level, as auto-compilation would -- into a
# temporary directory, and the timed runs execute that object code with
# `guile-3.0 --no-auto-compile -c '(load-compiled "X.go")'`: no compilation
# and nothing written to ~/.cache.  All three columns include the
# interpreter's start-up (guile-3.0 about 10 ms, the other two a few ms).
#
# Before timing, each program runs once under each implementation and the
# outputs are compared (numbers with a decimal point are compared to 12
# significant digits, since lua prints floats with %.14g and the others print
# the shortest round-trip form); a mismatch prints "OUTPUT DIFFERS: NAME".
# If guile-3.0 (or lua5.4) is not installed its column shows "-".
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
B=${B:-build}
case "$B" in /*) ;; *) B="$ROOT/$B" ;; esac
VVM="$B/vvm"
REPEAT=${REPEAT:-3}
LUA=${LUA:-lua5.4}
GUILE=${GUILE:-guile-3.0}
have_lua=1; command -v "$LUA" >/dev/null 2>&1 || have_lua=0
have_guile=1; command -v "$GUILE" >/dev/null 2>&1 || have_guile=0
TMP=$(mktemp -d "${TMPDIR:-/tmp}/vvm-meta.XXXXXX")
trap 'rm -rf "$TMP"' EXIT

cc -std=gnu11 -O2 -o "$TMP/cputime" "$ROOT/bench/cputime.c" || exit 1   # CPU time to the microsecond
# CPU seconds of one run, or FAIL
once() {
    "$TMP/cputime" -o "$TMP/time" "$@" >/dev/null 2>&1 || { echo FAIL; return; }
    awk '{printf "%.3f\n", $1 + $2}' "$TMP/time"
}
. "$ROOT/bench/lib.sh"   # minof
ratio() {
    awk -v a="$1" -v b="$2" 'BEGIN{ if (a !~ /^[0-9.]+$/ || b !~ /^[0-9.]+$/) print "-";
        else if (b > 0) printf "%.2f", a / b; else print "-" }'
}
# stdout of one run, floats rounded to 12 significant digits; "FAIL" on error
output() {
    local out
    out=$("$@" 2>/dev/null) || { echo "FAIL (exit $?)"; return; }
    printf '%s\n' "$out" | awk '{ for (i = 1; i <= NF; i++) if ($i ~ /^[-+]?[0-9]*\.[0-9]+([eE][-+]?[0-9]+)?$/) $i = sprintf("%.12g", $i); print }'
}
guile_compile() { # NAME.scm -> $TMP/NAME.go
    "$GUILE" --no-auto-compile -c "(use-modules (system base compile))
        (compile-file \"$1\" #:output-file \"$2\")" >/dev/null 2>&1
}

names=("$@")
[ ${#names[@]} -gt 0 ] || names=(fib tak floats strings sort hash closures)
warnings=()
printf '%-10s %8s %8s %9s %8s %9s\n' program vvm lua5.4 guile-3.0 vvm/lua vvm/guile
nprog=0; nfaster=0; worst=""; worstname=""
for n in "${names[@]}"; do
    src="$ROOT/bench/meta/$n"
    vrun=("$VVM" run "$src.vml")
    lrun=("$LUA" "$src.lua")
    grun=("$GUILE" --no-auto-compile -c "(load-compiled \"$TMP/$n.go\")")
    gok=$have_guile
    if [ "$gok" = 1 ] && ! guile_compile "$src.scm" "$TMP/$n.go"; then
        gok=0; warnings+=("GUILE COMPILE FAILED: $n")
    fi
    # correctness check, untimed (it is also the warm-up run)
    ov=$(output "${vrun[@]}")
    [ "$have_lua" = 1 ] && { ol=$(output "${lrun[@]}"); [ "$ol" = "$ov" ] || warnings+=("OUTPUT DIFFERS: $n (vvm: $ov; lua5.4: $ol)"); }
    [ "$gok" = 1 ] && { og=$(output "${grun[@]}"); [ "$og" = "$ov" ] || warnings+=("OUTPUT DIFFERS: $n (vvm: $ov; guile-3.0: $og)"); }
    # the three in turn, REPEAT rounds, best of each: a slow spell of the
    # shared machine falls on all of them
    v="" l=- g=-
    [ "$have_lua" = 1 ] && l=""
    [ "$have_guile" = 1 ] && g=FAIL   # found, but its compile failed
    [ "$gok" = 1 ] && g=""
    for _ in $(seq "$REPEAT"); do
        v=$(minof "$v" "$(once "${vrun[@]}")")
        [ "$have_lua" = 1 ] && l=$(minof "$l" "$(once "${lrun[@]}")")
        [ "$gok" = 1 ] && g=$(minof "$g" "$(once "${grun[@]}")")
    done
    rl=$(ratio "$v" "$l"); rg=$(ratio "$v" "$g")
    printf '%-10s %8s %8s %9s %8s %9s\n' "$n" "$v" "$l" "$g" "$rl" "$rg"
    if [ "$rl" != - ]; then
        nprog=$((nprog + 1)); r=${rl#>}
        awk -v r="$r" 'BEGIN{exit !(r < 1)}' && nfaster=$((nfaster + 1))
        if [ -z "$worst" ] || awk -v a="$r" -v b="${worst#>}" 'BEGIN{exit !(a + 0 > b + 0)}'; then worst=$rl; worstname=$n; fi
    fi
done
[ "$have_guile" = 1 ] || echo "note: $GUILE not found (Debian package guile-3.0), its column shows -"
[ "$have_lua" = 1 ] || echo "note: $LUA not found (Debian package lua5.4), its column shows -"
for w in ${warnings[@]+"${warnings[@]}"}; do echo "$w"; done
if [ "$nprog" -gt 0 ]; then
    within=yes; awk -v r="${worst#>}" 'BEGIN{exit !(r <= 2)}' || within=no
    half=yes; [ $((2 * nfaster)) -ge "$nprog" ] || half=no
    echo "summary: vvm faster than lua5.4 on $nfaster of $nprog programs (target: at least half: $half);" \
         "worst vvm/lua $worst ($worstname) (target: within 2x on every program: $within)"
fi
