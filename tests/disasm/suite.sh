# vvm disasm against objdump -d (binutils 2.40): the same mnemonic and
# operands at every address, over a static C program (also built with
# Zba/Zbb/Zbs), a static C++ program, Debian's riscv64 libc, and every
# 16-bit word plus random encodings of each instruction.  Each test
# lists every difference it finds (tests/disasm/compare.sh) and passes only
# with none.
# Sourced by tests/run.sh (see there for $VVM, $B, $TMP, pass/fail/...).
# asan-pass: yes

D_SRC=$ROOT/tests/disasm
D_OUT=$B_GUEST/tests/disasm
CROSS=riscv64-linux-gnu-
LIBC=/usr/riscv64-linux-gnu/lib/libc.so.6
mkdir -p "$D_OUT"

# build OUT SRC COMPILER FLAGS...: (re)builds OUT from SRC when older
build() {
	local out=$1 src=$2 cc=$3
	shift 3
	[ "$out" -nt "$src" ] && return 0
	"$cc" -o "$out" "$src" "$@" >"$out.log" 2>&1
}

targets=()
if ! command -v ${CROSS}objdump >/dev/null; then
	fail disasm/tools "${CROSS}objdump not installed (make deps)"
else
	if build "$D_OUT/prog-c" "$D_SRC/prog.c" ${CROSS}gcc -O2 -static -lm; then
		targets+=("c:$D_OUT/prog-c")
	else
		fail disasm/c "cannot build prog.c: see $D_OUT/prog-c.log"
	fi
	# the same with the bit-manipulation extensions (objdump reads them from the
	# ELF attributes)
	if build "$D_OUT/prog-c-zb" "$D_SRC/prog.c" ${CROSS}gcc -O2 -march=rv64gc_zba_zbb_zbs -static -lm; then
		targets+=("c-zb:$D_OUT/prog-c-zb")
	else
		fail disasm/c-zb "cannot build prog.c for rv64gc_zba_zbb_zbs: see $D_OUT/prog-c-zb.log"
	fi
	if build "$D_OUT/prog-cxx" "$D_SRC/prog.cpp" ${CROSS}g++ -O2 -static -pthread; then
		targets+=("cxx:$D_OUT/prog-cxx")
	else
		fail disasm/cxx "cannot build prog.cpp: see $D_OUT/prog-cxx.log"
	fi
	# every 16-bit word and random encodings of every 32-bit instruction
	if bash "$D_SRC/encodings.sh" "$B/gen/rv_gen.h" >"$TMP/enc.s" 2>"$TMP/enc.log" &&
		${CROSS}as -o "$TMP/enc.o" "$TMP/enc.s" 2>>"$TMP/enc.log"; then
		targets+=("encodings:$TMP/enc.o")
	else
		fail disasm/encodings "cannot make the encodings object: see $TMP/enc.log"
	fi
	if [ -f "$LIBC" ]; then
		targets+=("libc:$LIBC")
	else
		fail disasm/libc "$LIBC missing (make deps)"
	fi
fi

for t in "${targets[@]}"; do
	name=${t%%:*} file=${t#*:}
	out=$TMP/$name.diff
	run_to "$(scaled 300)" env VVM="$VVM" ROOT="$ROOT" bash "$D_SRC/compare.sh" "$file" >"$out" 2>&1
	st=$?
	summary=$(tail -n 1 "$out")
	if [ $st -eq 0 ]; then
		pass "disasm/$name"
	else
		[ $st -eq 124 ] && summary="timed out"
		fail "disasm/$name" "$summary (all of them: $out)"
		# the differences, then the count per mnemonic pair
		grep -v '^differences by\|^  ' "$out" | show - 10
		sed -n '/^differences by/,$p' "$out" | show - 12
	fi
done
