#!/usr/bin/env bash
# vvm test driver.  Usually run by `make check`; by hand:
#   B=build bash tests/run.sh                 all suites, then the ASan pass
#   TESTS=programs,bad bash tests/run.sh      only these suites
#   TESTS_NO_ASAN=1 bash tests/run.sh         skip the ASan pass
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
#   $TEST_TIMEOUT_SCALE  multiply guest timeouts by this (2 under ASan)
# and these functions:
#   pass NAME            fail NAME [WHY]            skip NAME WHY
#   run_to SECONDS CMD...   run CMD with a time limit; status 124 = timed out
#   show FILE|- [N]      print up to N (8) lines of FILE (- = stdin) indented,
#                        as detail after a FAIL
#   scaled SECONDS       SECONDS times $TEST_TIMEOUT_SCALE
# A suite must finish with status 0; it is rerun in the ASan pass only if it
# has a line "# asan-pass: yes".  Test names are printed as given; in the
# ASan pass they are prefixed "asan:".

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

# run_pass PREFIX BUILD_DIR SANITIZE_PASS SUITE...
run_pass() {
	export PREFIX=$1
	local bdir=$2 sp=$3
	shift 3
	local s name st
	for s in "$@"; do
		name=$(basename "$(dirname "$s")")
		(
			export B=$bdir VVM=$bdir/vvm B_GUEST=$B_MAIN SANITIZE_PASS=$sp
			export TMP=$bdir/tests-tmp/$name
			rm -rf "$TMP" && mkdir -p "$TMP"
			cd "$ROOT" || exit 2
			# shellcheck disable=SC1090
			source "$s"
		) </dev/null
		st=$?
		[ $st -eq 0 ] || fail "$name/suite" "suite script exited with status $st"
	done
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
run_pass "" "$B" 0 "${suites[@]}"

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
			run_pass "asan:" "$ROOT/build-san" 1 "${san[@]}"
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
