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
# the translation tier takes no descriptor a guest would get (its code
# cache once kept a memfd open: the guest's first open() returned 4)
exe=$L_OUT/strace_prog-static
if [ -x "$exe" ]; then
	err=$TMP/strace-jit.err
	run_to "$l_timeout" "$VVM" run --engine jit --strace "$exe" "$TMP/strace-input" >"$TMP/strace-jit.out" 2>"$err"
	strace_check linux/strace-jit-fd "$err" "^openat\(AT_FDCWD, \"$TMP/strace-input\", O_RDONLY\) = 3$" openat &&
		pass linux/strace-jit-fd
fi

# --trace translate shows each translated guest instruction with the x86-64
# capstone made of its host code (an addi: an x86 add or lea), and --perfmap
# names translated code in /tmp/perf-PID.map, a forked child in its own
# file; both under jit and auto (explicit: once, in the first pass), and
# under interp --perfmap has nothing to write.
# jt_trace NAME FILE: FILE holds a translated block whose addi became add/lea
jt_trace() {
	awk '
		/^translate 0x[0-9a-f]+ to x86-64: [0-9]+ instructions, [0-9]+ bytes at 0x/ { blocks++; cur = ""; next }
		/^    \(/ { cur = ""; next }
		/^    0x[0-9a-f]+: [0-9a-f]+  / { t = $0; sub(/^    0x[0-9a-f]+: [0-9a-f]+  /, "", t); split(t, m, /[ \t]/); cur = m[1]; next }
		/^        0x[0-9a-f]+:  / { host++; if ($0 ~ /ptr \[/) mem++
			if (cur ~ /^(c\.)?addi?$/ && $2 ~ /^(add|lea)$/) found++ }
		END { exit !(blocks && host && mem && found) }' "$2" && return 0
	fail "$1" "no translated addi shown with capstone's x86 add/lea"
	grep -m1 -A12 'to x86-64' "$2" | show - 14
	return 1
}
# jt_perfmap NAME PID [FUNC]: /tmp/perf-PID.map is well-formed, names main
# (and FUNC: a shared object's function), and its ranges lie within one code
# cache (32M, the default)
jt_perfmap() {
	local f=/tmp/perf-$2.map want=${3:-main}
	if [ ! -s "$f" ]; then
		fail "$1" "no $f"
		return 1
	fi
	if ! awk -v want="$want" '
		!/^[0-9a-f]+ [0-9a-f]+ guest:[^ ]+$/ { bad = NR ": " $0; exit 1 }
		function hex(x,  v, i) { v = 0; for (i = 1; i <= length(x); i++) v = v * 16 + index("0123456789abcdef", substr(x, i, 1)) - 1; return v }
		{ a = hex($1); e = a + hex($2)
		  if (!lo || a < lo) lo = a; if (e > hi) hi = e }
		/ guest:main\+0x[0-9a-f]+$/ { main++ }
		$3 ~ "^guest:" want "\\+0x[0-9a-f]+$" { wanted++ }
		END { if (bad || !main || !wanted || hi - lo > 32 * 1024 * 1024) { print bad ? bad : !main ? "no main" : !wanted ? "no " want : "span " hi - lo; exit 1 } }' \
		"$f" >"$TMP/perfmap.why"; then
		fail "$1" "$f: $(cat "$TMP/perfmap.why")"
		show "$f" 4
		return 1
	fi
	# no address names two pieces of code (perf would name the first one
	# for both): the ranges do not overlap, though the cache was flushed
	# once to pin other registers after the first 256 blocks
	if ! awk 'function hex(x,  v, i) { v = 0; for (i = 1; i <= length(x); i++) v = v * 16 + index("0123456789abcdef", substr(x, i, 1)) - 1; return v }
		{ printf "%.0f %.0f\n", hex($1), hex($1) + hex($2) }' "$f" | sort -n |
		awk 'NR > 1 && $1 < end { printf "a range at %.0f starts inside the one before (ending at %.0f)\n", $1, end; exit 1 } { end = $2 }' \
		>"$TMP/perfmap.why"; then
		fail "$1" "$f: $(cat "$TMP/perfmap.why")"
		return 1
	fi
	return 0
}
if [ -z "${REPEAT_PASS:-}" ]; then
	for kind in static dynamic; do
		exe=$L_OUT/jittrace_prog-$kind
		if [ ! -x "$exe" ]; then
			fail linux/jittrace-$kind "$(basename "$exe") not built"
			continue
		fi
		for e in jit auto; do
			name=linux/trace-translate-$e-$kind
			err=$TMP/jt-$e-$kind.err
			if run_to "$l_timeout" env -u VVM_ENGINE "$VVM" run --engine $e --trace translate -L "$SYSROOT" "$exe" single \
				>/dev/null 2>"$err"; then
				jt_trace "$name" "$err" && pass "$name"
			else
				fail "$name" "exit $?"
				show "$err"
			fi
			name=linux/perfmap-$e-$kind
			out=$TMP/jt-$e-$kind.out
			if run_to "$l_timeout" env -u VVM_ENGINE "$VVM" run --engine $e --perfmap -L "$SYSROOT" "$exe" \
				>"$out" 2>"$TMP/jt.err"; then
				parent=$(sed -n 's/^parent //p' "$out")
				child=$(sed -n 's/^child //p' "$out")
				# a dynamic program's C library is named from its own symbols
				# (under jit, which translates its start-up code)
				fn=main
				[ $kind = dynamic ] && [ $e = jit ] && fn=__libc_start_main
				jt_perfmap "$name" "$parent" $fn && jt_perfmap "$name/child" "$child" && pass "$name"
				rm -f "/tmp/perf-$parent.map" "/tmp/perf-$child.map"
			else
				fail "$name" "exit $?"
				show "$TMP/jt.err"
			fi
		done
		name=linux/perfmap-interp-$kind
		if run_to "$l_timeout" env -u VVM_ENGINE "$VVM" run --engine interp --perfmap -L "$SYSROOT" "$exe" \
			>"$TMP/jt.out" 2>"$TMP/jt.err"; then
			parent=$(sed -n 's/^parent //p' "$TMP/jt.out")
			if [ -n "$parent" ] && [ ! -e "/tmp/perf-$parent.map" ]; then
				pass "$name"
			else
				fail "$name" "a map under interp, or no pid"
				rm -f "/tmp/perf-$parent.map"
			fi
		else
			fail "$name" "exit $?"
			show "$TMP/jt.err"
		fi
	done
fi

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
