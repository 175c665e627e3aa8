# ISA tests, floating-point side: self-checking riscv64 programs for the F and
# D extensions and the user CSRs (tests/isa/fp/*.c with the harness in
# fptest.h).  Each prints "ok NAME" per check or "FAIL NAME ..." and exits 0
# only when all passed; it is run under vvm and, as a check of the test
# itself, under qemu-riscv64: one result per program and engine.  Also a host
# check of isa/riscv/rv_fp.c (host/softfloat_check.c): its software rounding
# (RMM) against the host FPU, and its integer conversions.
# Sourced by tests/run.sh (see there for $VVM, $B, $TMP, pass/fail/...).
# asan-pass: yes

FP_SRC=$ROOT/tests/isa/fp
FP_OUT=${B_GUEST:-$B}/tests/isa/fp
RV_CC=${RV_CC:-riscv64-linux-gnu-gcc}
QEMU_RV64=${QEMU_RV64:-qemu-riscv64}
mkdir -p "$FP_OUT"

# fp_build SRC: (re)builds $FP_OUT/NAME when SRC or fptest.h is newer
fp_build() {
	local src=$1 name exe
	name=$(basename "${src%.c}")
	exe=$FP_OUT/$name
	if [ -x "$exe" ] && [ "$exe" -nt "$src" ] && [ "$exe" -nt "$FP_SRC/fptest.h" ]; then
		return 0
	fi
	"$RV_CC" -O2 -static -march=rv64gc -Wall -Wextra -o "$exe.tmp" "$src" \
		>"$FP_OUT/$name.build.log" 2>&1 && mv "$exe.tmp" "$exe"
}

# fp_run NAME LABEL CMD...: pass when CMD exits 0 and printed no FAIL line
fp_run() {
	local name=$1 label=$2 secs
	shift 2
	secs=$(scaled 20)
	local out=$TMP/$name.$label.out
	run_to "$secs" "$@" >"$out" 2>&1
	local st=$?
	local tname=isa/fp/$name
	[ "$label" = vvm ] || tname=$tname@$label
	if [ $st -eq 124 ] || [ $st -eq 137 ]; then
		fail "$tname" "timed out after ${secs}s"
		show "$out"
	elif grep -q '^FAIL' "$out"; then
		fail "$tname" "$(grep -c '^FAIL' "$out") checks failed (exit status $st)"
		grep '^FAIL' "$out" | show -
	elif [ $st -ne 0 ]; then
		fail "$tname" "exit status $st"
		tail -n 4 "$out" | show -
	elif ! grep -q '^ok' "$out"; then
		fail "$tname" "printed no results"
		show "$out"
	else
		pass "$tname"
	fi
}

# host check of the helpers (no guest involved; skipped in the ASan pass,
# which reruns the guest programs only)
if [ -z "${REPEAT_PASS:-}" ]; then
	HOST_CC=${HOST_CC:-cc}
	sfc=$FP_OUT/softfloat_check
	if "$HOST_CC" -std=gnu11 -O2 -frounding-math -I"$ROOT" -DRV_FP_SELFTEST -o "$sfc" \
		"$FP_SRC/host/softfloat_check.c" "$ROOT/isa/riscv/rv_fp.c" "$ROOT/engine/rtl.c" "$ROOT/engine/host/x86_64/cpuid.c" -lm >"$FP_OUT/softfloat_check.build.log" 2>&1; then
		fp_run softfloat_check host "$sfc" 300000
	else
		fail isa/fp/softfloat_check@host "does not build (see $FP_OUT/softfloat_check.build.log)"
		show "$FP_OUT/softfloat_check.build.log"
	fi
fi

if ! command -v "$RV_CC" >/dev/null 2>&1; then
	skip isa/fp "$RV_CC not installed (make deps)"
	return 0 2>/dev/null || exit 0
fi
have_qemu=0
if [ -z "${REPEAT_PASS:-}" ] && command -v "$QEMU_RV64" >/dev/null 2>&1; then
	have_qemu=1
fi

for src in "$FP_SRC"/*.c; do
	[ -f "$src" ] || continue
	name=$(basename "${src%.c}")
	if ! fp_build "$src"; then
		fail "isa/fp/$name" "does not build (see $FP_OUT/$name.build.log)"
		show "$FP_OUT/$name.build.log"
		continue
	fi
	fp_run "$name" vvm "$VVM" run "$FP_OUT/$name"
	if [ $have_qemu = 1 ]; then
		fp_run "$name" qemu "$QEMU_RV64" "$FP_OUT/$name"
	elif [ -z "${REPEAT_PASS:-}" ]; then
		skip "isa/fp/$name@qemu" "$QEMU_RV64 not installed"
	fi
done
