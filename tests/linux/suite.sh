# Linux system calls: self-checking riscv64 programs (files, io, net, misc),
# each built static and dynamic, run under `vvm run` and under qemu-riscv64
# (the oracle).  A test passes when the program reports success ("all ok",
# status 0) under vvm and qemu prints the same and exits the same way.
# Plus --strace output checks.
# Sourced by tests/run.sh (see there for $VVM, $B, $TMP, pass/fail/...).
# asan-pass: yes
# engines: yes

L_SRC=$ROOT/tests/linux
L_OUT=${B_GUEST:-$B}/tests/linux
SYSROOT=/usr/riscv64-linux-gnu
mkdir -p "$L_OUT"

if [ -z "${REPEAT_PASS:-}" ]; then
	if make -k -C "$L_SRC" O="$L_OUT" all >"$L_OUT/build.log" 2>&1; then
		: # a build is not a test: only its failure is reported
	else
		fail linux/build "see $L_OUT/build.log"
		grep -E 'error|Error' "$L_OUT/build.log" | show -
	fi
fi

have_qemu=0
command -v qemu-riscv64 >/dev/null && have_qemu=1
l_timeout=$(scaled 30)

for prog in files io net misc; do
	for kind in static dynamic; do
		name=linux/$prog-$kind
		exe=$L_OUT/$prog-$kind
		if [ ! -x "$exe" ]; then
			fail "$name" "$(basename "$exe") not built"
			continue
		fi
		out=$TMP/$prog-$kind.vvm.out
		err=$TMP/$prog-$kind.vvm.err
		run_to "$l_timeout" "$VVM" run -L "$SYSROOT" "$exe" >"$out" 2>"$err"
		st=$?
		if [ $st -ne 0 ] || [ "$(tail -n1 "$out")" != "all ok" ]; then
			if [ $st -eq 124 ]; then
				fail "$name" "timed out after ${l_timeout}s"
			else
				fail "$name" "exit $st under vvm"
			fi
			grep -v '^ok ' "$out" | show -
			show "$err" 4
			continue
		fi
		if [ $have_qemu = 0 ]; then
			pass "$name"
			continue
		fi
		qout=$TMP/$prog-$kind.qemu.out
		run_to "$l_timeout" qemu-riscv64 -L "$SYSROOT" "$exe" >"$qout" 2>/dev/null
		qst=$?
		if [ $qst -ne $st ] || ! cmp -s "$out" "$qout"; then
			fail "$name" "vvm and qemu differ (vvm exit $st, qemu exit $qst)"
			diff "$qout" "$out" | show - 6
			continue
		fi
		pass "$name"
	done
done

# --strace: the lines strace(1) would print, for a static and a dynamic guest
strace_check() { # strace_check NAME FILE PATTERN WHAT
	if grep -qE -e "$3" "$2"; then
		return 0
	fi
	fail "$1" "no $4 line in the --strace output"
	show "$2" 6
	return 1
}
printf 'input\n' >"$TMP/strace-input"
for kind in static dynamic; do
	name=linux/strace-$kind
	exe=$L_OUT/strace_prog-$kind
	if [ ! -x "$exe" ]; then
		fail "$name" "$(basename "$exe") not built"
		continue
	fi
	out=$TMP/strace-$kind.out
	err=$TMP/strace-$kind.err
	run_to "$l_timeout" "$VVM" run --strace -L "$SYSROOT" "$exe" "$TMP/strace-input" >"$out" 2>"$err"
	st=$?
	if [ $st -ne 0 ]; then
		fail "$name" "exit $st"
		show "$err" 6
		continue
	fi
	if [ "$(cat "$out")" != hello ]; then
		fail "$name" "guest stdout is not \"hello\""
		show "$out" 3
		continue
	fi
	strace_check "$name" "$err" "^openat\(AT_FDCWD, \"$TMP/strace-input\", O_RDONLY\) = 3$" openat || continue
	strace_check "$name" "$err" '^newfstatat\(3, "", \{st_mode=S_IFREG\|0[0-7]+, st_size=6, \.\.\.\}, AT_EMPTY_PATH\) = 0$' fstat || continue
	strace_check "$name" "$err" '^fcntl\(3, F_GETFD' fcntl || continue
	strace_check "$name" "$err" '^close\(3\) = 0$' close || continue
	strace_check "$name" "$err" '^write\(1, "hello\\n", 6\) = 6$' write || continue
	strace_check "$name" "$err" '^syscall_450\(0x1, 0x2, 0x3\) = -1 ENOSYS' unknown-syscall || continue
	strace_check "$name" "$err" '^exit_group\(0\)' exit_group || continue
	pass "$name"
done

# The vDSO (os/linux/vdso.c): vdso.c checks itself under vvm only (Debian's
# qemu-riscv64 7.2 gives riscv64 guests no vDSO to compare with); with
# --strace, reading the clocks makes no system call.
for kind in static dynamic; do
	name=linux/vdso-$kind
	exe=$L_OUT/vdso-$kind
	if [ ! -x "$exe" ]; then
		fail "$name" "$(basename "$exe") not built"
		continue
	fi
	out=$TMP/vdso-$kind.out
	run_to "$l_timeout" "$VVM" run -L "$SYSROOT" "$exe" >"$out" 2>"$out.err"
	st=$?
	if [ $st -ne 0 ] || [ "$(tail -n1 "$out")" != "all ok" ]; then
		fail "$name" "exit $st under vvm"
		grep -v '^ok ' "$out" | show -
		show "$out.err" 4
	else
		pass "$name"
	fi
	name=linux/vdso-strace-$kind
	run_to "$l_timeout" "$VVM" run --strace -L "$SYSROOT" "$exe" strace >"$out" 2>"$out.err"
	st=$?
	if [ $st -ne 0 ] || ! grep -q '^exit_group(0)' "$out.err"; then
		fail "$name" "exit $st under vvm --strace"
		show "$out.err" 6
	elif grep -qE '^(clock_gettime|gettimeofday)\(' "$out.err"; then
		fail "$name" "reading the clocks made system calls"
		grep -E '^(clock_gettime|gettimeofday)\(' "$out.err" | show - 4
	else
		pass "$name"
	fi
done
