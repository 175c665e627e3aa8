# Real programs, cross-compiled with Debian's riscv64 toolchains, run under
# qemu-riscv64 (the oracle) and under `vvm run`.  A program passes when vvm's
# stdout and exit status equal NAME.expected and status 0, and qemu agrees.
# Sourced by tests/run.sh (see there for $VVM, $B, $TMP, pass/fail/...).
# asan-pass: yes
# engines: yes

P_SRC=$ROOT/tests/programs
P_OUT=$B_GUEST/tests/programs
SYSROOT=/usr/riscv64-linux-gnu
mkdir -p "$P_OUT"

# Build (incremental).  A build failure is one FAIL; whatever did build runs.
if [ -z "${REPEAT_PASS:-}" ]; then
	if make -k -j2 -C "$P_SRC" O="$P_OUT" all >"$P_OUT/build.log" 2>&1; then
		: # a build is not a test: only its failure is reported
	else
		fail programs/build "see $P_OUT/build.log"
		grep -E 'error|Error' "$P_OUT/build.log" | show -
	fi
fi

progs=$(make -s -C "$P_SRC" O="$P_OUT" list)
if [ "${SANITIZE_PASS:-0}" = 1 ]; then
	# Under ASan vvm is several times slower: a cross-section.
	progs="hello-static hello-dynamic libc-static threads-static signals-dynamic
	       mmap-static fp-static cxx_exceptions-dynamic go_goroutines"
fi

# qemu-user passes execve to the host kernel, so a guest exec of a riscv64
# binary works there only with a binfmt_misc handler registered.
qemu_can_exec=0
for f in /proc/sys/fs/binfmt_misc/*riscv64*; do
	[ -e "$f" ] && qemu_can_exec=1
done
have_qemu=0
command -v qemu-riscv64 >/dev/null && have_qemu=1

# describe STATUS [STDERR-FILE]: a few words on an exit status
describe_status() {
	local st=$1 sig
	if [ "$st" -eq 124 ]; then
		echo "timed out"
	elif [ "$st" -gt 128 ] && [ "$st" -le 192 ]; then
		sig=SIG$(kill -l $((st - 128)) 2>/dev/null)
		if [ -n "${2:-}" ] && grep -q "$sig" "$2" 2>/dev/null; then
			echo "exit $st (guest $sig)"
		else
			echo "exit $st ($sig with no message: vvm crashed?)"
		fi
	else
		echo "exit $st"
	fi
}

# A guest gets PROGRAM_TIMEOUT (20) seconds, doubled under ASan; after three
# timeouts the rest get a quarter of that, so a vvm that hangs everything
# cannot stretch the run past its budget.
prog_timeout=$(scaled "${PROGRAM_TIMEOUT:-20}")
timeouts=0
for p in $progs; do
	if [ $timeouts -eq 3 ]; then
		prog_timeout=$((prog_timeout / 4))
		timeouts=4
	fi
	name=programs/$p
	base=${p%-static}
	base=${base%-dynamic}
	exe=$P_OUT/$p
	expected=$P_SRC/$base.expected
	if [ ! -x "$exe" ]; then
		fail "$name" "not built"
		continue
	fi
	args=()
	[ "$base" = hello ] && args=(one two)
	qargs=()
	vargs=()
	if [ "$p" != "${p%-dynamic}" ]; then
		qargs=(-L "$SYSROOT")
		vargs=(--sysroot "$SYSROOT")
	fi
	work=$TMP/$p
	mkdir -p "$work/tmp"

	# The oracle: skipped in the ASan pass (the normal pass checked it).
	why=""
	if [ -z "${REPEAT_PASS:-}" ] && [ $have_qemu = 1 ] &&
		{ [ "$base" != exec ] || [ $qemu_can_exec = 1 ]; }; then
		TMPDIR=$work/tmp run_to 60 qemu-riscv64 "${qargs[@]}" "$exe" "${args[@]}" \
			>"$work/qemu.out" 2>"$work/qemu.err"
		qst=$?
		if [ $qst -ne 0 ] || ! cmp -s "$expected" "$work/qemu.out"; then
			why="qemu disagrees with $base.expected ($(describe_status $qst)); test or host problem"
		fi
	fi

	TMPDIR=$work/tmp run_to "$prog_timeout" "$VVM" run "${vargs[@]}" "$exe" "${args[@]}" \
		>"$work/vvm.out" 2>"$work/vvm.err"
	vst=$?
	if [ $vst -eq 124 ] || [ $vst -eq 137 ]; then
		[ $timeouts -lt 3 ] && timeouts=$((timeouts + 1))
		fail "$name" "timed out after ${prog_timeout}s"
		show "$work/vvm.err" 4
	elif grep -qE 'ERROR: AddressSanitizer|runtime error:|LeakSanitizer' "$work/vvm.err"; then
		fail "$name" "sanitizer report ($(describe_status $vst "$work/vvm.err"))"
		grep -m1 -E 'ERROR: AddressSanitizer|runtime error:|LeakSanitizer' "$work/vvm.err" | show - 1
		grep -m3 -E '^ +#[0-9]+ ' "$work/vvm.err" | show - 3
	elif [ $vst -ne 0 ]; then
		fail "$name" "$(describe_status $vst "$work/vvm.err"), want 0"
		show "$work/vvm.err" 6
		diff "$expected" "$work/vvm.out" | show - 4
	elif ! cmp -s "$expected" "$work/vvm.out"; then
		fail "$name" "stdout differs from $base.expected"
		diff "$expected" "$work/vvm.out" | show - 6
	elif [ -n "$why" ]; then
		fail "$name" "$why"
		diff "$expected" "$work/qemu.out" | show - 4
	else
		pass "$name"
	fi
done

# --trace signal,trap: advice on the signal and trap join points names each
# signal the guest takes and each trap, and the guest sees nothing of it
# (its output is the same as without tracing)
exe=$P_OUT/signals-static
if [ -x "$exe" ]; then
	log=$TMP/trace-signal.log
	run_to "$(scaled 30)" "$VVM" run --trace signal,trap --log "$log" "$exe" >"$TMP/trace-signal.out" 2>&1
	st=$?
	if [ $st -ne 0 ]; then
		fail programs/trace-signal "exit $st"
		show "$TMP/trace-signal.out"
	elif ! cmp -s "$P_SRC/signals.expected" "$TMP/trace-signal.out"; then
		fail programs/trace-signal "the guest's output changed under --trace"
		diff "$P_SRC/signals.expected" "$TMP/trace-signal.out" | show -
	elif ! grep -q '^signal 10 (SIGUSR1) at 0x[0-9a-f]*: handler 0x' "$log" ||
		! grep -q '^signal 11 (SIGSEGV) at 0x' "$log" || ! grep -q '^trap store fault at 0x' "$log"; then
		fail programs/trace-signal "the trace lacks the SIGUSR1 handler, the SIGSEGV or the store fault"
		show "$log"
	else
		pass programs/trace-signal
	fi
else
	fail programs/trace-signal "signals-static not built"
fi
