# ISA tests, integer side: self-checking riscv64 programs (RV64I/M/A/C,
# Zba/Zbb/Zbs; tests/isa/int/*.S with the harness in test.h) and a threaded
# AMO/LR/SC test in C (amo_threads.c).  Each is run under vvm and, as a check
# of the test itself, under qemu-riscv64.  A test exits 0 when every check
# passes; otherwise it prints "FAIL <file> test <n> (line <l>): got ..." and
# exits with status n.
# Sourced by tests/run.sh (see there for $VVM, $B, $TMP, pass/fail/...).
# asan-pass: yes

INT_SRC=$ROOT/tests/isa/int
INT_OUT=${B_GUEST:-$B}/tests/isa/int
RV_CC=${RV_CC:-riscv64-linux-gnu-gcc}
QEMU_RV64=${QEMU_RV64:-qemu-riscv64}   # Debian's qemu 7.2 has Zba/Zbb/Zbs on by default
mkdir -p "$INT_OUT"

int_tests=()
for src in "$INT_SRC"/*.S "$INT_SRC"/*.c; do
	[ -f "$src" ] && int_tests+=("$src")
done

# int_build SRC: (re)builds $INT_OUT/NAME when SRC or test.h is newer
int_build() {
	local src=$1 name exe
	name=$(basename "${src%.*}")
	exe=$INT_OUT/$name
	if [ -x "$exe" ] && [ "$exe" -nt "$src" ] && [ "$exe" -nt "$INT_SRC/test.h" ]; then
		return 0
	fi
	case $src in
	*.S) (cd "$INT_SRC" && "$RV_CC" -nostdlib -static -march=rv64gc_zba_zbb_zbs \
		-o "$exe.tmp" "$(basename "$src")") ;;
	*.c) "$RV_CC" -O2 -static -pthread -march=rv64gc -Wall -Wextra -o "$exe.tmp" "$src" ;;
	esac >"$INT_OUT/$name.build.log" 2>&1 && mv "$exe.tmp" "$exe"
}

# int_run NAME ENGINE-LABEL CMD...
int_run() {
	local name=$1 label=$2 secs
	shift 2
	secs=$(scaled 10)
	[ "$name" = amo_threads ] && secs=$(scaled 120)
	local out=$TMP/$name.$label.out
	run_to "$secs" "$@" >"$out" 2>&1
	local st=$?
	local tname=isa/int/$name
	[ "$label" = vvm ] || tname=$tname@$label
	if [ $st -eq 0 ]; then
		pass "$tname"
	elif [ $st -eq 124 ] || [ $st -eq 137 ]; then
		fail "$tname" "timed out after ${secs}s"
		show "$out"
	else
		fail "$tname" "exit status $st"
		show "$out"
	fi
}

if ! command -v "$RV_CC" >/dev/null 2>&1; then
	skip isa/int "$RV_CC not installed (make deps)"
	return 0 2>/dev/null || exit 0
fi
have_qemu=0
if [ -z "${REPEAT_PASS:-}" ] && command -v "$QEMU_RV64" >/dev/null 2>&1; then
	have_qemu=1
fi

for src in "${int_tests[@]}"; do
	name=$(basename "${src%.*}")
	if ! int_build "$src"; then
		fail "isa/int/$name" "does not build (see $INT_OUT/$name.build.log)"
		show "$INT_OUT/$name.build.log"
		continue
	fi
	int_run "$name" vvm "$VVM" run "$INT_OUT/$name"
	if [ $have_qemu = 1 ]; then
		int_run "$name" qemu "$QEMU_RV64" "$INT_OUT/$name"
	elif [ -z "${REPEAT_PASS:-}" ]; then
		skip "isa/int/$name@qemu" "$QEMU_RV64 not installed"
	fi
done
