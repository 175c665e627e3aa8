#!/usr/bin/env bash
# vvm test driver.  Usually run by `make check`; by hand:
#   B=build bash tests/run.sh                 all suites, then the ASan pass
#   TESTS=programs,bad bash tests/run.sh      only these suites
#   TESTS_NO_ASAN=1 bash tests/run.sh         skip the ASan pass
#   ENGINES=jit TESTS=programs bash tests/run.sh   the guest suites under one engine
#
# Engines.  The suites that run rv64 guests say so with a line
# "# engines: yes"; they run once per engine of ENGINES (default
# "interp jit auto"), with VVM_ENGINE set to it in their environment, so every
# `vvm run` and every embedded machine uses that tier.  The first engine's
# pass keeps the plain test names; later ones are prefixed "ENGINE:"
# ("jit:programs/hello-static").  Each engine is probed first (a tiny guest
# under `--engine E` and VVM_ENGINE=E, and VVM_ENGINE=bogus must be refused):
# an engine vvm does not offer is skipped with the reason, once, counted as
# one skip.  The other suites run once, with VVM_ENGINE unset.  The ASan
# pass runs its guest suites under ASAN_ENGINES (default "jit": the
# translator is the code ASan has most to find in; the interpreter is
# checked under ASan by tests/jit/lockstep and tests/engine/rtl_diff), or
# under interp when the sanitized vvm does not offer jit.
#
# Every tests/*/suite.sh is sourced, in sorted order, each in its own
# subshell (so a suite's cd, set -e or exit cannot disturb the others).
# A suite sees:
#   $VVM    absolute path of the vvm binary under test ($B/vvm)
#   $B      absolute build directory of that binary
#   $ROOT   absolute repository root
#   $TMP    a fresh scratch directory for this suite (under $B/tests-tmp)
#   $B_GUEST  where to build guest-side artifacts (cross-compiled programs);
#           it is the normal build dir in both passes, so the ASan pass
#           reuses what the normal pass built
#   $SANITIZE_PASS  1 in the extra ASan pass (a suite may run a reduced set)
#   $SANITIZED      1 whenever $VVM is an ASan/UBSan build
#   $REPEAT_PASS    1 when an earlier pass of this run built the guest
#           programs and ran the oracles (qemu, the host): build nothing,
#           run no oracle, only vvm
#   $VVM_ENGINE     the engine of this pass, in a suite with "# engines: yes"
#   $TEST_TIMEOUT_SCALE  multiply guest timeouts by this (2 under ASan)
# and these functions:
#   pass NAME            fail NAME [WHY]            skip NAME WHY
#   run_to SECONDS CMD...   run CMD with a time limit; status 124 = timed out
#   show FILE|- [N]      print up to N (8) lines of FILE (- = stdin) indented,
#                        as detail after a FAIL
#   scaled SECONDS       SECONDS times $TEST_TIMEOUT_SCALE
# A suite must finish with status 0; it is rerun in the ASan pass only if it
# has a line "# asan-pass: yes".  Test names are printed as given; in the
# ASan pass they are prefixed "asan:", in an engine pass "ENGINE:".

set -u
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT" || exit 2
B=${B:-build}
mkdir -p "$B"
B=$(cd "$B" && pwd)
SANITIZE=${SANITIZE:-0}
export ROOT SANITIZE

RESULTS=$(mktemp "${TMPDIR:-/tmp}/vvm-results.XXXXXX")
trap 'rm -f "$RESULTS"' EXIT
export RESULTS

PREFIX=""
pass() {
	echo "PASS $PREFIX$1"
	echo "PASS" >>"$RESULTS"
}
fail() {
	echo "FAIL $PREFIX$1: ${2:-failed}"
	echo "FAIL $PREFIX$1" >>"$RESULTS"
}
skip() {
	if [ -z "${2:-}" ]; then
		fail "$1" "skipped without saying why"
		return
	fi
	echo "SKIP $PREFIX$1: $2"
	echo "SKIP" >>"$RESULTS"
}
scaled() {
	echo $(($1 * TEST_TIMEOUT_SCALE))
}
# The command's own stdout/stderr are untouched; only bash's "Segmentation
# fault" job report is kept out of the log.  The guest and everything it
# forks is in timeout's process group, so all of it is killed on expiry.
run_to() {
	local secs=$1
	shift
	{ timeout -k 5 "$secs" "$@" 2>&3 3>&-; } 3>&2 2>/dev/null
}
show() {
	local f=${1:--}
	[ "$f" = - ] || [ -s "$f" ] || return 0
	head -n "${2:-8}" -- "$f" | cut -c1-200 | sed 's/^/    /'
}
export -f pass fail skip scaled run_to show

suites=()
for s in "$ROOT"/tests/*/suite.sh; do
	[ -f "$s" ] || continue
	name=$(basename "$(dirname "$s")")
	if [ -n "${TESTS:-}" ] && [[ ",$TESTS," != *",$name,"* ]]; then
		continue
	fi
	suites+=("$s")
done

# engine_marked SUITE: the suite runs rv64 guests ("# engines: yes")
engine_marked() { grep -Eq '^#[[:space:]]*engines:[[:space:]]*yes' "$1"; }

# run_pass BASE ENGINE BUILD_DIR SANITIZE_PASS SUITE...
# A suite marked "# engines: yes" runs with VVM_ENGINE=ENGINE (unless ENGINE
# is empty) and its names prefixed BASE, then "ENGINE:" for an engine other
# than interp; the others with VVM_ENGINE unset, names prefixed BASE.
run_pass() {
	local base=$1 engine=$2 bdir=$3 sp=$4
	shift 4
	local s name st
	for s in "$@"; do
		name=$(basename "$(dirname "$s")")
		export PREFIX=$base
		local e=""
		if [ -n "$engine" ] && engine_marked "$s"; then
			e=$engine
			[ "$e" = interp ] || PREFIX=$base$e:
		fi
		(
			export B=$bdir VVM=$bdir/vvm B_GUEST=$B_MAIN SANITIZE_PASS=$sp
			export TMP=$bdir/tests-tmp/$name
			[ -z "$e" ] || [ "$e" = interp ] || TMP=$bdir/tests-tmp/$e-$name
			if [ -n "$e" ]; then export VVM_ENGINE=$e; else unset VVM_ENGINE; fi
			rm -rf "$TMP" && mkdir -p "$TMP"
			cd "$ROOT" || exit 2
			# shellcheck disable=SC1090
			source "$s"
		) </dev/null
		st=$?
		[ $st -eq 0 ] || fail "$name/suite" "suite script exited with status $st"
	done
}

# engine_probe VVM ENGINE: 0 when VVM runs a guest under ENGINE, both by
# --engine and by VVM_ENGINE, and reads VVM_ENGINE at all; else prints why not.
engine_probe() {
	local vvm=$1 e=$2 d=$B_MAIN/tests-tmp/engine-probe out st
	mkdir -p "$d"
	if [ ! -x "$d/exit0" ]; then
		printf '.globl _start\n_start:\n\tli a0, 0\n\tli a7, 93\n\tecall\n' >"$d/exit0.S"
		riscv64-linux-gnu-gcc -nostdlib -static -o "$d/exit0" "$d/exit0.S" >"$d/build.log" 2>&1 ||
			{ echo "cannot build the probe guest (riscv64-linux-gnu-gcc: make deps)"; return 1; }
	fi
	out=$(env -u VVM_ENGINE timeout 20 "$vvm" run --engine "$e" "$d/exit0" 2>&1); st=$?
	[ $st -eq 0 ] || { echo "vvm run --engine $e: exit $st: $(echo "$out" | head -n 1 | cut -c1-160)"; return 1; }
	out=$(VVM_ENGINE=$e timeout 20 "$vvm" run "$d/exit0" 2>&1); st=$?
	[ $st -eq 0 ] || { echo "VVM_ENGINE=$e vvm run: exit $st: $(echo "$out" | head -n 1 | cut -c1-160)"; return 1; }
	if VVM_ENGINE=no-such-engine timeout 20 "$vvm" run "$d/exit0" >/dev/null 2>&1; then
		echo "this vvm does not read VVM_ENGINE (VVM_ENGINE=no-such-engine runs)"
		return 1
	fi
	return 0
}

# engine_passes BASE ENGINES BUILD_DIR SANITIZE_PASS SUITE...: every suite in
# the first engine's pass, in order; the marked ones again under each later
# engine.  An engine the vvm does not offer is one skip (the first pass's
# interp runs all the same, under vvm's default engine, with a note).
engine_passes() {
	local base=$1 engines=$2 bdir=$3 sp=$4
	shift 4
	local s e why rp=${REPEAT_PASS:-} done=0 marked=() unmarked=()
	for s in "$@"; do
		if engine_marked "$s"; then marked+=("$s"); else unmarked+=("$s"); fi
	done
	for e in $engines; do
		if [ ${#marked[@]} -gt 0 ] && ! why=$(engine_probe "$bdir/vvm" "$e"); then
			if [ $done = 0 ] && [ "$e" = interp ]; then
				echo "note: $why; the interp pass runs vvm's default engine"
			else
				PREFIX="" skip "$base$e:*" "$why"
				continue
			fi
		fi
		if [ $done = 0 ]; then
			export REPEAT_PASS=$rp
			run_pass "$base" "$e" "$bdir" "$sp" "$@"
		elif [ ${#marked[@]} -gt 0 ]; then
			export REPEAT_PASS=1
			run_pass "$base" "$e" "$bdir" "$sp" "${marked[@]}"
		fi
		done=1
	done
	export REPEAT_PASS=$rp
	[ $done = 1 ] || [ ${#unmarked[@]} -eq 0 ] || run_pass "$base" "" "$bdir" "$sp" "${unmarked[@]}"
}

export B_MAIN=$B
if [ "$SANITIZE" = 1 ]; then
	export SANITIZED=1 TEST_TIMEOUT_SCALE=2
else
	export SANITIZED=0 TEST_TIMEOUT_SCALE=1
fi
# Leak detection is off for the plain pass (a gcc build has no LeakSanitizer
# anyway) and on for the ASan pass where LeakSanitizer works (see below).
ASAN_USER=${ASAN_OPTIONS:-}
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0:abort_on_error=1:print_summary=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1:abort_on_error=1}
[ -x "$B/vvm" ] || echo "note: $B/vvm does not exist; its tests will fail"
start=$SECONDS
export REPEAT_PASS=
engine_passes "" "${ENGINES:-interp jit auto}" "$B" 0 "${suites[@]}"

# The ASan pass: rebuild with sanitizers and rerun the suites that ask for it.
if [ "$SANITIZE" != 1 ] && [ -z "${TESTS_NO_ASAN:-}" ]; then
	san=()
	for s in "${suites[@]}"; do
		grep -Eq '^#[[:space:]]*asan-pass:[[:space:]]*yes' "$s" && san+=("$s")
	done
	if [ ${#san[@]} -gt 0 ]; then
		echo "--- ASan pass: make SANITIZE=1 all (${#san[@]} suites)"
		log=$ROOT/build-san/build.log
		mkdir -p "$ROOT/build-san"
		# B is in the environment (make check sets it): name build-san
		# explicitly, or make would relink $B/vvm with sanitizers.
		if env -u B make -C "$ROOT" -j2 SANITIZE=1 B=build-san all >"$log" 2>&1; then
			export SANITIZED=1 TEST_TIMEOUT_SCALE=2
			# LeakSanitizer stops the process's threads with ptrace at exit;
			# where the machine forbids that it cannot run, so look first.
			if [ -z "$ASAN_USER" ]; then
				if ASAN_OPTIONS=detect_leaks=1 "$ROOT/build-san/vvm" info >/dev/null 2>"$ROOT/build-san/lsan-probe.log"; then
					export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:print_summary=1
				else
					echo "note: LeakSanitizer does not run on this machine ($(head -c 200 "$ROOT/build-san/lsan-probe.log" | tr '\n' ' ')); the ASan pass checks without leak detection"
				fi
			fi
			# the guest suites under jit; under interp when this vvm has no jit
			asan_eng=${ASAN_ENGINES:-jit}
			if [ -z "${ASAN_ENGINES:-}" ] && ! why=$(engine_probe "$ROOT/build-san/vvm" jit); then
				echo "note: the ASan pass runs the interpreter: $why"
				asan_eng=interp
			fi
			export REPEAT_PASS=1
			engine_passes "asan:" "$asan_eng" "$ROOT/build-san" 1 "${san[@]}"
		else
			PREFIX=""
			fail "asan:build" "make SANITIZE=1 all failed (log: build-san/build.log)"
			tail -n 8 "$log" | sed 's/^/    /'
		fi
	fi
fi

np=$(grep -c '^PASS' "$RESULTS")
nf=$(grep -c '^FAIL' "$RESULTS")
ns=$(grep -c '^SKIP' "$RESULTS")
if [ "$nf" -gt 0 ]; then
	echo "failed:$(grep '^FAIL' "$RESULTS" | cut -c5- | head -n 40 | tr '\n' ' ')"
fi
echo "tests took $((SECONDS - start))s"
echo "$np passed, $nf failed, $ns skipped"
[ "$nf" -eq 0 ]
