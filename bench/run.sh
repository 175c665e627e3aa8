#!/usr/bin/env bash
# make bench: each program natively, under Debian's qemu-riscv64 and under
# vvm, side by side in one run; prints the times and the ratios to native.
#   B=build bash bench/run.sh [NAME...]     (default: all)
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
printf '| program (CPU s, best of %s rounds) | native | qemu | vvm |' "$REPEAT"
printf ' qemu/native | vvm/native | vvm/qemu |\n'
printf '|---|---:|---:|---:|---:|---:|---:|\n'
names=("$@")
[ ${#names[@]} -gt 0 ] || names=(int_arith branchy memchase fp strings gofmt)
# The three run in turn, $REPEAT rounds, so that a slow spell of the machine
# falls on all of them; the native program, whose short times move the
# ratios most, runs three times a round.
for n in "${names[@]}"; do
    args=()
    [ "$n" = gofmt ] && args=("$GOFILE")
    nat="" qem="" vv=""
    for _ in $(seq "$REPEAT"); do
        for _ in 1 2 3; do nat=$(minof "$nat" "$(once "$OUT/$n.native" "${args[@]}")"); done
        qem=$(minof "$qem" "$(once $QEMU "$OUT/$n.rv64" "${args[@]}")")
        vv=$(minof "$vv" "$(once "$VVM" run "$OUT/$n.rv64" "${args[@]}")")
    done
    ns=${nat%% *}; qs=${qem%% *}; vs=${vv%% *}
    printf '| %s | %s | %s | %s | %s | %s | %s |\n' "$n" "$ns" "$qs" "$vs" "$(ratio "$qs" "$ns")" "$(ratio "$vs" "$ns")" "$(ratio "$vs" "$qs")"
done

# join points with no advice woven cost nothing: the normal build against one
# with the weaving compiled out (-DVVM_JOINPOINTS=0)
make -s -C "$ROOT" B="$OUT/nojp" CFLAGS=-DVVM_JOINPOINTS=0 "$OUT/nojp/vvm" >/dev/null 2>&1 || echo "bench: nojp build failed"
printf '\n| join points, nothing woven | vvm s | vvm without join points s | ratio |\n|---|---:|---:|---:|\n'
for n in int_arith branchy; do
    a="" c=""
    for _ in $(seq "$REPEAT"); do
        a=$(minof "$a" "$(once "$VVM" run "$OUT/$n.rv64")")
        c=$(minof "$c" "$(once "$OUT/nojp/vvm" run "$OUT/$n.rv64")")
    done
    printf '| %s | %s | %s | %s |\n' "$n" "${a%% *}" "${c%% *}" "$(ratio "${a%% *}" "${c%% *}")"
done

# start-up: a static hello world, 200 times each
startup() {
    local t0 t1
    t0=$(date +%s%N)
    for _ in $(seq 200); do "$@" >/dev/null 2>&1; done
    t1=$(date +%s%N)
    awk -v d=$((t1 - t0)) 'BEGIN { printf "%.2f", d / 200 / 1e6 }'
}
sn=$(startup "$OUT/hello.native"); sq=$(startup $QEMU "$OUT/hello.rv64"); sv=$(startup "$VVM" run "$OUT/hello.rv64")
printf '\n| start-up (static hello) | native ms | qemu ms | vvm ms |\n|---|---:|---:|---:|\n| | %s | %s | %s |\n' "$sn" "$sq" "$sv"
rq=$(measure $QEMU "$OUT/hello.rv64"); rv=$(measure "$VVM" run "$OUT/hello.rv64"); rn=$(measure "$OUT/hello.native")
printf '\n| peak RSS (static hello) | native KiB | qemu KiB | vvm KiB |\n|---|---:|---:|---:|\n| | %s | %s | %s |\n' "${rn#* }" "${rq#* }" "${rv#* }"

# the meta language against Lua 5.4 (issue 3)
if [ -x "$B/vvm" ] && [ -f "$ROOT/bench/meta/run.sh" ]; then
    printf '\n### meta language vs lua5.4 and guile-3.0 (CPU s)\n\n```\n'
    B="$B" bash "$ROOT/bench/meta/run.sh"
    printf '```\n'
fi
