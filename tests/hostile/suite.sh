# Hostile guests (docs/security.md): riscv64 programs that try what a hostile
# guest would (naming vvm's own /proc files, forging fault signals, truncating
# mapped files under system calls, racing code and system calls on a page,
# old ioctls, ...) and check that the outcome is the one Linux gives.  Each
# tests/hostile/NAME.c prints "PASS x", "FAIL x: why" or "SKIP x: why" lines
# (hostile.h), each reported here as hostile/NAME/x, and ends with "done".
# vvm itself must exit with the program's status 0, never crash, never print
# "internal error" and draw no sanitizer report.
#
# The same programs are built for the host and run natively once (not in the
# ASan pass): hostile/NAME/native passes when every check passes or skips on
# real Linux, so a test cannot assert what Linux does not do.
#
# The programs run confined: as user nobody, with no new privileges, in a
# scratch directory of their own under /tmp, in a pid and mount namespace of
# their own where the machine allows it (tests run as root; a hostile guest
# must not be able to change the machine).
#
# Other kinds of test live here too, each a *.sh file sourced after the
# programs (the system-call fuzzer, the ELF mutation check).
# Sourced by tests/run.sh (see there for $VVM, $B, $TMP, pass/fail/...).
# asan-pass: yes
# engines: yes

HO_SRC=$ROOT/tests/hostile
HO_OUT=${B_GUEST:-$B}/tests/hostile
HO_CC=${RV_CC:-riscv64-linux-gnu-gcc}
mkdir -p "$HO_OUT"

if ! command -v "$HO_CC" >/dev/null 2>&1; then
	skip hostile "$HO_CC not installed (make deps)"
	return 0 2>/dev/null || exit 0
fi

# ho_build CC OUT SRC: (re)builds OUT when SRC or hostile.h is newer
ho_build() {
	local cc=$1 exe=$2 src=$3
	if [ -x "$exe" ] && [ "$exe" -nt "$src" ] && [ "$exe" -nt "$HO_SRC/hostile.h" ]; then
		return 0
	fi
	"$cc" -O1 -g -Wall -D_GNU_SOURCE -pthread -static -o "$exe.tmp" "$src" >"$exe.build.log" 2>&1 &&
		mv "$exe.tmp" "$exe"
}

# The confinement.  The scratch directory is world-writable and outside the
# build tree (which may sit under a directory user nobody cannot enter); vvm
# and the programs are copied there.
HO_SCRATCH=$(mktemp -d /tmp/vvm-hostile.XXXXXX)
chmod 755 "$HO_SCRATCH"
mkdir -m 1777 "$HO_SCRATCH/work"
cp "$VVM" "$HO_SCRATCH/vvm"
HO_VVM=$HO_SCRATCH/vvm
trap 'rm -rf "$HO_SCRATCH"' EXIT
ho_confine=()
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null 2>&1; then
	ho_user=(setpriv --reuid=65534 --regid=65534 --clear-groups --no-new-privs)
	if unshare --pid --fork --mount-proc --mount true 2>/dev/null; then
		ho_confine=(unshare --pid --fork --kill-child --mount-proc --mount "${ho_user[@]}")
	else
		ho_confine=("${ho_user[@]}")
	fi
elif [ "$(id -u)" = 0 ]; then
	echo "note: setpriv is missing: the hostile programs run as root in a scratch directory"
fi
export HO_SCRATCH HO_VVM
# ho_run SECS CMD...: runs CMD confined, in the scratch directory
ho_run() {
	local secs=$1
	shift
	(cd "$HO_SCRATCH/work" && run_to "$secs" "${ho_confine[@]}" "$@")
}

# ho_report PREFIX OUT: a test per PASS/FAIL/SKIP line of OUT
ho_report() {
	local prefix=$1 out=$2 kind name why
	while IFS= read -r line; do
		case $line in
		PASS\ *) pass "$prefix/${line#PASS }" ;;
		FAIL\ *)
			name=${line#FAIL }
			why=${name#*: }
			name=${name%%: *}
			fail "$prefix/$name" "$why"
			;;
		SKIP\ *)
			name=${line#SKIP }
			why=${name#*: }
			name=${name%%: *}
			skip "$prefix/$name" "$why"
			;;
		esac
	done <"$out"
}

# what vvm prints when it dies itself (grep -E): a test fails on any of it
HO_CRASH='internal error|ERROR: AddressSanitizer|runtime error:|LeakSanitizer'
ho_timeout=$(scaled 60)
for src in "$HO_SRC"/*.c; do
	[ -f "$src" ] || continue
	name=$(basename "$src" .c)
	exe=$HO_OUT/$name
	if [ -z "${REPEAT_PASS:-}" ]; then
		if ! ho_build "$HO_CC" "$exe" "$src"; then
			fail "hostile/$name" "build failed"
			show "$exe.build.log"
			continue
		fi
		# the oracle: the same checks on the host's own Linux
		if ho_build cc "$exe.native" "$src"; then
			cp "$exe.native" "$HO_SCRATCH/$name.native"
			ho_run "$ho_timeout" "$HO_SCRATCH/$name.native" >"$TMP/$name.native.out" 2>&1
			st=$?
			if [ $st -eq 0 ] && [ "$(tail -n 1 "$TMP/$name.native.out")" = done ] &&
				! grep -q '^FAIL ' "$TMP/$name.native.out"; then
				pass "hostile/$name/native"
			else
				fail "hostile/$name/native" "on the host's Linux: exit $st"
				grep '^FAIL ' "$TMP/$name.native.out" | show - || show "$TMP/$name.native.out"
			fi
		else
			fail "hostile/$name/native" "host build failed"
			show "$exe.native.build.log"
		fi
	fi
	if [ ! -x "$exe" ]; then
		fail "hostile/$name" "not built"
		continue
	fi
	cp "$exe" "$HO_SCRATCH/$name"
	out=$TMP/$name.out
	err=$TMP/$name.err
	ho_run "$ho_timeout" "$HO_VVM" run "$HO_SCRATCH/$name" >"$out" 2>"$err"
	st=$?
	ho_report "hostile/$name" "$out"
	if [ $st -eq 124 ] || [ $st -eq 137 ]; then
		fail "hostile/$name" "hung: timed out after ${ho_timeout}s"
	elif grep -qE "$HO_CRASH" "$err"; then
		fail "hostile/$name" "vvm crashed or drew a sanitizer report (exit $st)"
		grep -m3 -E "$HO_CRASH|^ +#[0-9]+ " "$err" | show -
	elif [ $st -ne 0 ] || [ "$(tail -n 1 "$out")" != done ]; then
		fail "hostile/$name" "exit $st before the program said done"
		show "$err" 4
	else
		pass "hostile/$name"
	fi
done

for t in "$HO_SRC"/*.sh; do
	[ "$(basename "$t")" = suite.sh ] && continue
	[ -f "$t" ] || continue
	# shellcheck disable=SC1090
	source "$t"
done
