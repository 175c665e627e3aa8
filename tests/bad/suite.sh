# Bad input and misbehaving guests.  For each: vvm exits nonzero (unless the
# guest handles it), says why on stderr, never crashes itself (an abort or
# segfault of vvm, a sanitizer report) and never hangs.
# Sourced by tests/run.sh (see there for $VVM, $B, $TMP, pass/fail/...).
# asan-pass: yes
# engines: yes

BAD_SRC=$ROOT/tests/bad
BAD_OUT=$B_GUEST/tests/bad
mkdir -p "$BAD_OUT"
if [ -z "${REPEAT_PASS:-}" ]; then
	if make -k -C "$BAD_SRC" O="$BAD_OUT" all >"$BAD_OUT/build.log" 2>&1; then
		: # a build is not a test: only its failure is reported
	else
		fail bad/build "see $BAD_OUT/build.log"
		grep -E 'error|Error' "$BAD_OUT/build.log" | show -
	fi
fi
bad_timeout=$(scaled 10)

# bad_run NAME CMD...: runs CMD with stdout/stderr in $TMP/NAME.{out,err}
# and its status in $st.  Returns 1 (after a FAIL) if it hung, crashed or
# drew a sanitizer report, whatever the status was meant to be.
bad_run() {
	local name=$1
	shift
	out=$TMP/${name//\//_}.out
	err=$TMP/${name//\//_}.err
	run_to "$bad_timeout" "$@" >"$out" 2>"$err"
	st=$?
	if [ $st -eq 124 ] || [ $st -eq 137 ]; then
		fail "$name" "hung: timed out after ${bad_timeout}s"
		return 1
	fi
	if grep -qE 'ERROR: AddressSanitizer|runtime error:|LeakSanitizer' "$err"; then
		fail "$name" "sanitizer report (exit $st)"
		grep -m1 -E 'ERROR: AddressSanitizer|runtime error:|LeakSanitizer' "$err" | show - 1
		grep -m3 -E '^ +#[0-9]+ ' "$err" | show - 3
		return 1
	fi
	return 0
}

# expect_error NAME PATTERN CMD...: nonzero, not a crash, stderr matches
# PATTERN (grep -E, case-insensitive).
expect_error() {
	local name=$1 pat=$2
	shift 2
	bad_run "$name" "$@" || return
	if [ $st -eq 0 ]; then
		fail "$name" "exit 0, want an error"
	elif [ $st -gt 128 ] && [ $st -le 192 ]; then
		fail "$name" "vvm died from signal $((st - 128)) (exit $st)"
		show "$err" 4
	elif [ ! -s "$err" ]; then
		fail "$name" "exit $st but nothing on stderr"
	elif [ -n "$pat" ] && ! grep -qiE -e "$pat" "$err"; then
		fail "$name" "exit $st, but stderr does not match /$pat/"
		show "$err" 3
	else
		pass "$name"
	fi
}

need() { # need NAME FILE: FAIL NAME unless the guest program was built
	[ -x "$2" ] && return 0
	fail "$1" "$(basename "$2") not built"
	return 1
}

# --- inputs that are not runnable riscv64 programs
expect_error bad/x86-elf 'not a RISC-V' "$VVM" run /bin/true
expect_error bad/directory 'directory' "$VVM" run "$TMP"
expect_error bad/missing 'No such file' "$VVM" run "$TMP/no-such-program"
: >"$TMP/empty"
chmod +x "$TMP/empty"
expect_error bad/empty-file '' "$VVM" run "$TMP/empty"
printf '#!/bin/sh\necho hi\n' >"$TMP/script.sh"
chmod +x "$TMP/script.sh"
expect_error bad/not-elf '' "$VVM" run "$TMP/script.sh"
head -c 100000 /dev/urandom >"$TMP/random"
expect_error bad/random-bytes '' "$VVM" run "$TMP/random"
# a FIFO (even an executable one) is no program: opening it must not wait
# for a writer
rm -f "$TMP/fifo"
mkfifo -m 755 "$TMP/fifo"
expect_error bad/fifo 'not a regular file' "$VVM" run "$TMP/fifo"
expect_error bad/no-program '' "$VVM" run
expect_error bad/unknown-command '' "$VVM" no-such-command
# a tier or cache size vvm does not know is refused with a message
expect_error bad/engine-unknown 'interp, jit or auto' "$VVM" run --engine fast /bin/true
if need bad/engine-env "$BAD_OUT/garbage"; then
	expect_error bad/engine-env 'VVM_ENGINE is interp, jit or auto' env VVM_ENGINE=fast "$VVM" run "$BAD_OUT/garbage"
fi
expect_error bad/jit-cache-size 'jit-cache-size wants a size' "$VVM" run --jit-cache-size 12 /bin/true
expect_error bad/jit-cache-size-unit 'jit-cache-size wants a size' "$VVM" run --jit-cache-size 9X /bin/true

if need bad/truncated "$BAD_OUT/garbage"; then
	head -c 3000 "$BAD_OUT/garbage" >"$TMP/truncated"
	chmod +x "$TMP/truncated"
	expect_error bad/truncated 'truncated' "$VVM" run "$TMP/truncated"
	head -c 40 "$BAD_OUT/garbage" >"$TMP/header-only"
	expect_error bad/truncated-header 'truncated' "$VVM" run "$TMP/header-only"
	# ELFCLASS32 in e_ident: a 32-bit file
	cp "$BAD_OUT/garbage" "$TMP/class32"
	printf '\001' | dd of="$TMP/class32" bs=1 seek=4 conv=notrunc status=none
	expect_error bad/elf-class32 '' "$VVM" run "$TMP/class32"
	# e_phoff (offset 32, 8 bytes) pointing far outside the file
	cp "$BAD_OUT/garbage" "$TMP/bad-phoff"
	printf '\377\377\377\377\377\377\377\000' | dd of="$TMP/bad-phoff" bs=1 seek=32 conv=notrunc status=none
	expect_error bad/elf-bad-phoff '' "$VVM" run "$TMP/bad-phoff"
fi

if need bad/sysroot-missing "$BAD_OUT/dyn"; then
	expect_error bad/sysroot-missing '--sysroot' "$VVM" run --sysroot /nonexistent "$BAD_OUT/dyn"
	# the dynamic loader (PT_INTERP) is a FIFO under the sysroot
	interp=$(readelf -l "$BAD_OUT/dyn" 2>/dev/null | sed -n 's/.*program interpreter: \(.*\)]$/\1/p')
	if [ -n "$interp" ]; then
		rm -rf "$TMP/fifo-root"
		mkdir -p "$TMP/fifo-root$(dirname "$interp")"
		mkfifo -m 755 "$TMP/fifo-root$interp"
		expect_error bad/fifo-interp 'not a regular file' "$VVM" run --sysroot "$TMP/fifo-root" "$BAD_OUT/dyn"
	else
		skip bad/fifo-interp "readelf found no PT_INTERP in dyn"
	fi
fi

# --- names a guest or a file chose reach the terminal escaped: a PT_INTERP
# and a program path holding terminal escape sequences (ESC, BEL) are
# printed with those bytes as \ooo
# expect_escaped NAME CMD...: an error whose stderr shows \033 and holds no raw ESC or BEL
expect_escaped() {
	local name=$1
	shift
	bad_run "$name" "$@" || return
	if [ $st -eq 0 ] || { [ $st -gt 128 ] && [ $st -le 192 ]; }; then
		fail "$name" "exit $st, want an error message"
		show "$err" 3
	elif grep -q $'[\033\007]' "$err"; then
		fail "$name" "a raw ESC or BEL byte reached stderr"
		cat -v "$err" | show - 3
	elif ! grep -qF '\033' "$err"; then
		fail "$name" "the escape sequence is not shown as \\033"
		show "$err" 3
	else
		pass "$name"
	fi
}
if need bad/interp-escaped "$BAD_OUT/dyn"; then
	off=$(grep -obUaF /lib/ld-linux-riscv64 "$BAD_OUT/dyn" | head -n 1 | cut -d: -f1)
	cp "$BAD_OUT/dyn" "$TMP/evil-interp"
	printf '/\033]0;pwned\007\033[2J\033[31m' | dd of="$TMP/evil-interp" bs=1 seek="$off" conv=notrunc status=none
	expect_escaped bad/interp-escaped "$VVM" run --sysroot /nonexistent "$TMP/evil-interp"
fi
expect_escaped bad/path-escaped "$VVM" run "$TMP/"$'\033[2J\033]0;pwned\007'

# --- guests that fail: garbage code ends in a guest signal, reported as a
# process killed by that signal (exit 128+N) plus one line naming the
# signal and the guest PC.
garbage_test() {
	local name=$1
	shift
	need "$name" "$BAD_OUT/garbage" || return
	bad_run "$name" "$VVM" run "$BAD_OUT/garbage" "$@" || return
	local addr line n ok=0
	addr=$(sed -n 's/^jumping to \(0x[0-9a-fA-F]*\)$/\1/p' "$out")
	line=$(grep -m1 -E 'SIGILL|SIGSEGV|illegal instruction|segmentation fault' -i "$err")
	if [ -n "$addr" ] && [ -n "$line" ]; then
		for n in $(grep -oiE '0x[0-9a-f]+|\b[0-9a-f]{8,16}\b' <<<"$line"); do
			n=${n#0x}
			n=${n#0X}
			[ $((16#$n)) -eq $((addr)) ] && ok=1
		done
	fi
	if [ $st -ne 132 ] && [ $st -ne 139 ]; then
		fail "$name" "exit $st, want 132 (SIGILL) or 139 (SIGSEGV)"
		show "$err" 3
	elif [ -z "$addr" ]; then
		fail "$name" "the guest did not print its jump target"
	elif [ -z "$line" ]; then
		fail "$name" "no line naming SIGILL/SIGSEGV on stderr"
		show "$err" 3
	elif [ $ok = 0 ]; then
		fail "$name" "signal line does not name the guest pc $addr"
		echo "$line" | show - 1
	else
		pass "$name"
	fi
}
garbage_test bad/jump-to-data
garbage_test bad/jump-to-illegal exec

# --- guests that run out of memory and cope: exit 0 with their own message
guest_ok() { # guest_ok NAME EXPECTED-STDOUT-LINE PROGRAM
	local name=$1 want=$2 prog=$3
	need "$name" "$prog" || return
	bad_run "$name" "$VVM" run "$prog" || return
	if [ $st -ne 0 ]; then
		fail "$name" "exit $st, want 0"
		show "$err" 4
	elif ! grep -qx -e "$want" "$out"; then
		fail "$name" "stdout lacks \"$want\""
		show "$out" 3
	else
		pass "$name"
	fi
}
bad_timeout=$(scaled 30) guest_ok bad/oom 'oom ok' "$BAD_OUT/oom"
guest_ok bad/mmap-1tib 'bigmmap ok.*' "$BAD_OUT/bigmmap"
# a valid program linked at 0x3ffffe0000, where vvm used to map the stack
guest_ok bad/high-link 'highlink ok' "$BAD_OUT/highlink"

# malformed instruction descriptions: the description compilers' one front
# end (tools/desc.c) names FILE:LINE:COL and exits 1 (tests/bad/desc/*.isa)
desc_case() {  # NAME TOOL WANT
	local f=$ROOT/tests/bad/desc/$1.isa
	mkdir -p "$TMP/desc-out"
	expect_error "bad/desc/$1" "^$f:$3" "$B/$2" -o "$TMP/desc-out" "$f"
	[ $st -eq 1 ] || fail "bad/desc/$1/status" "exit $st, want 1"
}
desc_case unknown-op isagen "9:18: unknown operator 'frob'$"
desc_case arity isagen "9:18: add takes at least 2 operands, not 1$"
desc_case no-operand isagen "9:21: operand 'rs3' is not in this instruction's format$"
desc_case no-imm isagen "9:23: operand 'imm' is not in this instruction's format$"
desc_case unbound isagen "9:52: unbound name 'a'$"
desc_case helper-arity isagen "11:18: helper 'clz' called with 2 arguments here, 1 elsewhere$"
desc_case bad-word isagen "9:15: store: '12' is not one of 8 16 32 64$"
desc_case stmt-as-expr isagen "9:18: 'jump' is not an expression$"
desc_case dup-let isagen "9:26: 'a' is bound twice in one let$"
desc_case alias-arity isagen "10:23: eq takes 2 operands, not 1$"
desc_case alias-unbound isagen "10:42: unbound name 'funct7'$"
desc_case vml-unknown-op vmlgen "4:67: unknown operator 'frob'$"
desc_case vml-operand vmlgen "2:65: set-r expects a register slot \(a b c sb sc sj\)$"
desc_case vml-arity vmlgen "2:58: if takes 2 to 3 operands, not 1$"
