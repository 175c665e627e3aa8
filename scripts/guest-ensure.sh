#!/usr/bin/env bash
# make check's guest step: make sure the rv64-virt guest (scripts/guest-linux.sh)
# is built for the current inputs, building it when it is not, so that the
# suites that boot it (tests/guest, tests/virt) run instead of skipping.
#
#   scripts/guest-ensure.sh           reuse the cached guest, or install the guest
#                                     packages and build it (about 5 minutes on 2 cores)
#   scripts/guest-ensure.sh reason    print why the guest is not there (for a suite's skip line)
#
# It always exits 0: a build that cannot happen (no network to the Debian
# mirror, a failed compile) is printed, and its first error line is kept in
# ${XDG_CACHE_HOME:-$HOME/.cache}/vvm/guest/last-error, which the suites' skip
# lines quote; a good build removes it.  VVM_GUEST_BUILD=0 turns the build
# off (the suites then skip, saying so).  The cache is outside the clone and
# keyed by every input, so a second make check builds nothing.
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CACHE=${XDG_CACHE_HOME:-$HOME/.cache}/vvm/guest
ERRF=$CACHE/last-error

say() { echo "guest-ensure: $*"; }

if [ "${1:-}" = reason ]; then
	if [ "${VVM_GUEST_BUILD:-1}" = 0 ]; then
		echo "guest not built and VVM_GUEST_BUILD=0 (make guest builds it, about 5 minutes)"
	elif [ -s "$ERRF" ]; then
		echo "the guest build failed: $(head -n 1 "$ERRF" | cut -c1-200) (make guest retries)"
	else
		echo "guest artifacts not built: run make guest (about 5 minutes)"
	fi
	exit 0
fi

if bash "$ROOT/scripts/guest-linux.sh" dir >/dev/null 2>&1; then
	say "guest cached: $(bash "$ROOT/scripts/guest-linux.sh" dir)"
	exit 0
fi
if [ "${VVM_GUEST_BUILD:-1}" = 0 ]; then
	say "VVM_GUEST_BUILD=0: not building the guest; its boot tests will be skipped"
	exit 0
fi

mkdir -p "$CACHE"
log=$(mktemp "${TMPDIR:-/tmp}/vvm-guest-ensure.XXXXXX")
trap 'rm -f "$log"' EXIT
t0=$SECONDS
say "the guest (Linux 6.1 + busybox for riscv64) is not built for these inputs: building it (about 5 minutes on 2 cores, once; cached in $CACHE)"
# fail WHAT: print the step's output, keep its most telling line for the skip reasons
fail() {
	# (the build's own guest-linux: lines are on the terminal already)
	grep -v '^guest-linux: ' "$log" | tail -n 20 | sed 's/^/    /'
	local why
	why=$(grep -E '^(guest-linux|install-deps): ' "$log" | tail -n 1)
	[ -n "$why" ] || why=$(grep -Ei 'err|fail|could not|unable' "$log" | tail -n 1)
	[ -n "$why" ] || why=$(tail -n 1 "$log")
	echo "$1: ${why:-no output}" >"$ERRF"
	say "$1 (after $((SECONDS - t0))s): the guest boot tests will be skipped: $(head -n 1 "$ERRF")"
	exit 0
}
bash "$ROOT/scripts/install-deps.sh" guest </dev/null >"$log" 2>&1 || fail "scripts/install-deps.sh guest failed"
tail -n 1 "$log"
# its progress lines as they come (the compilers' output stays in its logs)
bash "$ROOT/scripts/guest-linux.sh" build </dev/null 2>&1 | tee "$log" | grep --line-buffered -E '^guest-linux: ' | sed -u 's/^/    /'
[ "${PIPESTATUS[0]}" = 0 ] || fail "scripts/guest-linux.sh build failed"
rm -f "$ERRF"
say "guest built in $((SECONDS - t0))s: $(bash "$ROOT/scripts/guest-linux.sh" dir)"
