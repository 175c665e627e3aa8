#!/usr/bin/env bash
# make bench: each program natively, under Debian's qemu-riscv64 and under
# vvm's engines (--engine interp, jit, and auto, the default), side by side in one run;
# prints the times and the ratios to native.
#   B=build bash bench/run.sh [NAME...]     (default: all)
# While vvm refuses --engine jit (the translation tier not built), the jit
# column says so instead of numbers.
# Translation statistics: when vvm reads VVM_JIT_STATS (its binary names
# it) or `vvm run --help` lists --jit-stats (or JIT_STATS names the option or
# VAR=VALUE that turns them on), each program runs once more under jit with
# it and what vvm prints on stderr is shown after the tables.
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
B=${B:-build}
case "$B" in /*) ;; *) B="$ROOT/$B" ;; esac
VVM="$B/vvm"
OUT="$B/bench"
mkdir -p "$OUT"
RVCC=riscv64-linux-gnu-gcc
QEMU=qemu-riscv64
SYSROOT=/usr/riscv64-linux-gnu
export GOCACHE="$OUT/gocache" GOPATH="$OUT/gopath" GOFLAGS=-mod=mod GO111MODULE=off

build() {
    for src in "$ROOT"/bench/src/*.c; do
        n=$(basename "$src" .c)
        [ "$OUT/$n.native" -nt "$src" ] || gcc -O2 -o "$OUT/$n.native" "$src" -lm
        [ "$OUT/$n.rv64" -nt "$src" ] || $RVCC -O2 -static -o "$OUT/$n.rv64" "$src" -lm
    done
    [ "$OUT/sysloop.rv64" -nt "$ROOT/bench/syscall/sysloop.c" ] || $RVCC -O2 -static -o "$OUT/sysloop.rv64" "$ROOT/bench/syscall/sysloop.c"
    [ "$OUT/sysloop.native" -nt "$ROOT/bench/syscall/sysloop.c" ] || gcc -O2 -o "$OUT/sysloop.native" "$ROOT/bench/syscall/sysloop.c"
    [ "$OUT/hello.rv64" -nt "$ROOT/bench/hello/hello.c" ] || $RVCC -O2 -static -o "$OUT/hello.rv64" "$ROOT/bench/hello/hello.c"
    gcc -O2 -o "$OUT/hello.native" "$ROOT/bench/hello/hello.c"
    if [ ! -x "$OUT/gofmt.rv64" ]; then
        GOARCH=riscv64 GOOS=linux CGO_ENABLED=0 go build -o "$OUT/gofmt.rv64" cmd/gofmt || return 1
        CGO_ENABLED=0 go build -o "$OUT/gofmt.native" cmd/gofmt || return 1
    fi
}

# CPU seconds (user+sys, all threads) and peak RSS (KiB) of one run: prints
# "SECONDS KIB", or "FAIL".  CPU time rather than elapsed time keeps the
# ratios steady on a machine shared with other work.
REPEAT=${REPEAT:-2}
cc -std=gnu11 -O2 -o "$OUT/cputime" "$ROOT/bench/cputime.c" || exit 1   # microsecond CPU times
TF=$(mktemp)
trap 'rm -f "$TF"' EXIT
once() {
    if "$OUT/cputime" -o "$TF" "$@" >"$OUT/last.out" 2>"$OUT/last.err"; then
        awk '{ printf "%.3f %s\n", $1 + $2, $3 }' "$TF"
    else
        echo FAIL
    fi
}
. "$ROOT/bench/lib.sh"   # minof
# the best of $REPEAT runs
measure() {
    local best="" _
    for _ in $(seq "$REPEAT"); do best=$(minof "$best" "$(once "$@")"); done
    echo "$best"
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "FAIL" || b == "FAIL" || b == 0) print "-"; else printf "%.1fx", a / b }'; }

build || { echo "bench: build failed"; exit 1; }

GOFILE=/usr/lib/go/src/cmd/compile/internal/ssa/rewriteAMD64.go
# The jit engine: refused (the reason is shown) or measured.
JIT_WHY=""
if ! "$VVM" run --engine jit "$OUT/hello.rv64" >/dev/null 2>"$OUT/jit-probe.err"; then
    JIT_WHY=$(head -n 1 "$OUT/jit-probe.err" | cut -c1-200)
    [ -n "$JIT_WHY" ] || JIT_WHY="vvm run --engine jit failed"
fi
NOJIT="refused"
# jitcol RESULT: a time, or what stands for it while jit is refused
jitcol() { if [ -n "$JIT_WHY" ]; then echo "$NOJIT"; else echo "$1"; fi; }
jitratio() { if [ -n "$JIT_WHY" ]; then echo "-"; else ratio "$1" "$2"; fi; }

printf '| program (CPU s, best of %s rounds) | native | qemu | vvm interp | vvm jit | vvm auto |' "$REPEAT"
printf ' qemu/native | interp/native | jit/native | auto/native | interp/qemu | jit/qemu | auto/qemu |\n'
printf '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n'
names=("$@")
[ ${#names[@]} -gt 0 ] || names=(int_arith branchy memchase fp strings atomics gofmt)
declare -A jit_s   # each program's best jit CPU seconds, for the share spent translating
# They run in turn, $REPEAT rounds, so that a slow spell of the machine
# falls on all of them; the native program, whose short times move the
# ratios most, runs three times a round.
for n in "${names[@]}"; do
    args=()
    [ "$n" = gofmt ] && args=("$GOFILE")
    nat="" qem="" vv="" vj="" va=""
    for _ in $(seq "$REPEAT"); do
        for _ in 1 2 3; do nat=$(minof "$nat" "$(once "$OUT/$n.native" "${args[@]}")"); done
        qem=$(minof "$qem" "$(once $QEMU "$OUT/$n.rv64" "${args[@]}")")
        vv=$(minof "$vv" "$(once "$VVM" run --engine interp "$OUT/$n.rv64" "${args[@]}")")
        [ -n "$JIT_WHY" ] || vj=$(minof "$vj" "$(once "$VVM" run --engine jit "$OUT/$n.rv64" "${args[@]}")")
        # the default engine: staged, translating what runs often
        [ -n "$JIT_WHY" ] || va=$(minof "$va" "$(once "$VVM" run --engine auto "$OUT/$n.rv64" "${args[@]}")")
    done
    ns=${nat%% *}; qs=${qem%% *}; vs=${vv%% *}; js=${vj%% *}; as=${va%% *}
    jit_s[$n]=$js
    printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' "$n" "$ns" "$qs" "$vs" "$(jitcol "$js")" \
        "$(jitcol "$as")" "$(ratio "$qs" "$ns")" "$(ratio "$vs" "$ns")" "$(jitratio "$js" "$ns")" "$(jitratio "$as" "$ns")" \
        "$(ratio "$vs" "$qs")" "$(jitratio "$js" "$qs")" "$(jitratio "$as" "$qs")"
done
[ -z "$JIT_WHY" ] || printf '\nvvm jit: refused: %s\n' "$JIT_WHY"

# join points with no advice woven cost nothing: the normal build against one
# with the weaving compiled out (-DVVM_JOINPOINTS=0), under each engine
make -s -C "$ROOT" B="$OUT/nojp" CFLAGS=-DVVM_JOINPOINTS=0 "$OUT/nojp/vvm" >/dev/null 2>&1 || echo "bench: nojp build failed"
printf '\n| join points, nothing woven | vvm s | vvm without join points s | ratio |\n|---|---:|---:|---:|\n'
for eng in interp jit; do
    [ "$eng" = jit ] && [ -n "$JIT_WHY" ] && { printf '| (jit) | %s | %s | - |\n' "$NOJIT" "$NOJIT"; continue; }
    for n in int_arith branchy; do
        a="" c=""
        for _ in $(seq "$REPEAT"); do
            a=$(minof "$a" "$(once "$VVM" run --engine $eng "$OUT/$n.rv64")")
            c=$(minof "$c" "$(once "$OUT/nojp/vvm" run --engine $eng "$OUT/$n.rv64")")
        done
        printf '| %s (%s) | %s | %s | %s |\n' "$n" "$eng" "${a%% *}" "${c%% *}" "$(ratio "${a%% *}" "${c%% *}")"
    done
done

# the meta level at system calls: a million getppid calls natively, under
# vvm, and under vvm with .vml advice at syscall-entry (--load
# bench/syscall/advice.vml); the advice's cost per call in microseconds
sn="" sv="" sa=""
for _ in $(seq "$REPEAT"); do
    sn=$(minof "$sn" "$(once "$OUT/sysloop.native")")
    sv=$(minof "$sv" "$(once "$VVM" run "$OUT/sysloop.rv64")")
    sa=$(minof "$sa" "$(once "$VVM" run --load "$ROOT/bench/syscall/advice.vml" "$OUT/sysloop.rv64")")
done
printf '
| 10^6 system calls (getppid) | native s | vvm s | vvm, syscall-entry advice s | advice per call |
|---|---:|---:|---:|---:|
'
printf '| | %s | %s | %s | %s |
' "${sn%% *}" "${sv%% *}" "${sa%% *}" \
    "$(awk -v a="${sa%% *}" -v b="${sv%% *}" 'BEGIN { if (a == "FAIL" || b == "FAIL") print "-"; else printf "%.2f us", (a - b) }')"

# start-up: a static hello world, 200 times each
startup() {
    local t0 t1
    t0=$(date +%s%N)
    for _ in $(seq 200); do "$@" >/dev/null 2>&1; done
    t1=$(date +%s%N)
    awk -v d=$((t1 - t0)) 'BEGIN { printf "%.2f", d / 200 / 1e6 }'
}
sn=$(startup "$OUT/hello.native"); sq=$(startup $QEMU "$OUT/hello.rv64")
sv=$(startup "$VVM" run --engine interp "$OUT/hello.rv64")
sj=$NOJIT; [ -n "$JIT_WHY" ] || sj=$(startup "$VVM" run --engine jit "$OUT/hello.rv64")
printf '\n| start-up (static hello) | native ms | qemu ms | vvm interp ms | vvm jit ms |\n|---|---:|---:|---:|---:|\n'
printf '| | %s | %s | %s | %s |\n' "$sn" "$sq" "$sv" "$sj"
rq=$(measure $QEMU "$OUT/hello.rv64"); rv=$(measure "$VVM" run --engine interp "$OUT/hello.rv64"); rn=$(measure "$OUT/hello.native")
rj=$NOJIT; [ -n "$JIT_WHY" ] || { rj=$(measure "$VVM" run --engine jit "$OUT/hello.rv64"); rj=${rj#* }; }
printf '\n| peak RSS (static hello) | native KiB | qemu KiB | vvm interp KiB | vvm jit KiB |\n|---|---:|---:|---:|---:|\n'
printf '| | %s | %s | %s | %s |\n' "${rn#* }" "${rq#* }" "${rv#* }" "$rj"

# Translation statistics (the hook: see the top of this file).  JIT_STATS is
# an option of `vvm run` ("--jit-stats") or an environment assignment
# ("VVM_JIT_STATS=1"); by default VVM_JIT_STATS=1 when the vvm binary reads
# that variable, else --jit-stats when vvm run --help lists it.
stats=${JIT_STATS:-}
if [ -z "$stats" ] && grep -aq VVM_JIT_STATS "$VVM"; then stats=VVM_JIT_STATS=1; fi
if [ -z "$stats" ] && "$VVM" run --help 2>&1 | grep -q -- '--jit-stats'; then stats=--jit-stats; fi
if [ -n "$JIT_WHY" ]; then
    printf '\ntranslation statistics: none (vvm jit refused)\n'
elif [ -z "$stats" ]; then
    printf '\ntranslation statistics: none (vvm reads no VVM_JIT_STATS, run --help lists no --jit-stats; JIT_STATS=OPTION or JIT_STATS=VAR=VALUE names the switch)\n'
else
    printf '\n### translation statistics (vvm run --engine jit, %s)\n' "$stats"
    for n in "${names[@]}"; do
        args=()
        [ "$n" = gofmt ] && args=("$GOFILE")
        case $stats in
        *=*) env "$stats" "$VVM" run --engine jit "$OUT/$n.rv64" "${args[@]}" >/dev/null 2>"$OUT/$n.jitstats" ;;
        *) "$VVM" run --engine jit "$stats" "$OUT/$n.rv64" "${args[@]}" >/dev/null 2>"$OUT/$n.jitstats" ;;
        esac
        printf '\n%s:\n```\n' "$n"
        tail -n 20 "$OUT/$n.jitstats"
        printf '```\n'
        # "... translated in MS ms ...": that time against the best jit run's CPU time
        ms=$(sed -n 's/.* translated in \([0-9.]*\) ms.*/\1/p' "$OUT/$n.jitstats" | tail -n 1)
        [ -z "$ms" ] || [ -z "${jit_s[$n]:-}" ] ||
            awk -v ms="$ms" -v s="${jit_s[$n]}" 'BEGIN { if (s > 0) printf "translating: %.1f%% of the jit run (%.1f ms of %.3f s)\n", 100 * ms / 1000 / s, ms, s }'
    done
fi

# the meta language against Lua 5.4 (issue 3)
if [ -x "$B/vvm" ] && [ -f "$ROOT/bench/meta/run.sh" ]; then
    printf '\n### meta language vs lua5.4 and guile-3.0 (CPU s)\n\n```\n'
    B="$B" bash "$ROOT/bench/meta/run.sh"
    printf '```\n'
fi
