#!/usr/bin/env bash
# `make fuzz`: builds the libFuzzer targets (fuzz/build.sh) and runs each for
# FUZZ_SECONDS (300) seconds, growing a corpus kept in build-fuzz/corpus/,
# then the system-call fuzzer as long.
# A crash, leak or input running longer than FUZZ_TIMEOUT (25) seconds leaves
# its input in build-fuzz/crashes/ and fails the run.
#   B=build FUZZ_SECONDS=60 bash fuzz/run.sh [TARGET...]
# TARGETs (fuzz/fuzz_TARGET.c): decode, elf, vml_read, vml_compile, rtl, lockstep, dtb, virtq, state; and
# sysfuzz: the system-call fuzzer (tests/hostile/fuzz/sysfuzz.c) as a guest
# of $B/vvm through tests/hostile/sysfuzz.sh, for FUZZ_SECONDS, with a seed
# from the clock (SYSFUZZ_SEED to replay one) printed first.
set -u
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
B=${B:-build}
mkdir -p "$ROOT/$B" 2>/dev/null || mkdir -p "$B"
FB=$(cd "$(cd "$ROOT" && cd "$B" && pwd)/.." && pwd)/build-fuzz
# shellcheck source=fuzz/build.sh
source "$ROOT/fuzz/build.sh"
secs=${FUZZ_SECONDS:-300}
targets=${*:-$FUZZ_TARGETS sysfuzz}

# sysfuzz_run: the system-call fuzzer under vvm for $secs seconds
sysfuzz_run() {
	local seed=${SYSFUZZ_SEED:-$(date +%s)} log=$FB/sysfuzz.log
	echo "fuzz: sysfuzz for ${secs}s, seed $seed (again: SYSFUZZ_SEED=$seed FUZZ_SECONDS=$secs bash fuzz/run.sh sysfuzz)"
	if ! env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -C "$ROOT" -j2 B="$B" all >"$FB/sysfuzz-build.log" 2>&1; then
		echo "fuzz: sysfuzz: building vvm failed (log: $FB/sysfuzz-build.log)" >&2
		return 1
	fi
	(cd "$ROOT" && B=$B TESTS=hostile TESTS_NO_ASAN=1 ELFMUT=0 SYSFUZZ_SEED=$seed SYSFUZZ_SECONDS=$secs \
		bash tests/run.sh) >"$log" 2>&1
	if grep -q '^PASS hostile/sysfuzz$' "$log"; then
		grep -A1 '^PASS hostile/sysfuzz$' "$log" | tail -n 1
		return 0
	fi
	echo "fuzz: sysfuzz FAILED (seed $seed, log $log):" >&2
	sed -n '/^FAIL hostile\/sysfuzz/,/^[A-Z]/p' "$log" | head -n 24 >&2
	return 1
}

mkdir -p "$FB"
if [ -n "$(echo " $targets " | sed 's/ sysfuzz / /g' | tr -d ' ')" ]; then
	echo "fuzz: building in $FB"
	if ! fuzz_build; then
		echo "fuzz: build failed (log: $FB/build.log)" >&2
		tail -n 20 "$FB/build.log" >&2
		exit 1
	fi
	fuzz_seeds
fi
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
st=0
for t in $targets; do
	if [ "$t" = sysfuzz ]; then
		sysfuzz_run || st=1
		continue
	fi
	mkdir -p "$FB/corpus/$t" "$FB/crashes/$t"
	echo "fuzz: $t for ${secs}s"
	if ! "$FB/fuzz_$t" -max_total_time="$secs" -timeout="${FUZZ_TIMEOUT:-25}" -print_final_stats=1 -artifact_prefix="$FB/crashes/$t/" \
		"$FB/corpus/$t" "$FB/seeds/$t" >"$FB/$t.log" 2>&1; then
		echo "fuzz: $t FAILED: $(grep -m1 -E 'ERROR|SUMMARY|Assertion|runtime error|timeout' "$FB/$t.log")" >&2
		echo "      log $FB/$t.log, inputs in $FB/crashes/$t/" >&2
		st=1
	else
		grep -E '^stat::number_of_executed_units|^stat::average_exec_per_sec|^stat::new_units_added' "$FB/$t.log" | sed 's/^/      /'
	fi
done
exit $st
