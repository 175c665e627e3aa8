# The privileged architecture (isa/riscv/rv_priv.c): bare-metal test
# programs (tests/priv/progs/*.S, M-mode entry at 0x80000000) run on QEMU's
# virt machine as the oracle (qemu-system-riscv64 -bios none: the SiFive
# test device's 0x5555 makes it exit 0) and on a system hart of vvm's
# soft-TLB model (tests/priv/run_priv.c against libvvm.a: RAM at
# 0x80000000, the test device at 0x100000) under each engine (the
# translation tier keeps such harts interpreted: jit and auto must fall
# back and pass).
# Sourced by tests/run.sh (see there for $VVM, $B, $TMP, pass/fail/...).
# asan-pass: yes
# engines: yes

V_SRC=$ROOT/tests/priv
V_OUT=${B_GUEST:-$B}/tests/priv
mkdir -p "$V_OUT"
V_TESTS=()     # progs/NAME.S: QEMU and vvm
V_ONLY=()      # vvm/NAME.S: devices QEMU has not (run_priv.c's line device)
for s in "$V_SRC"/progs/*.S; do
	V_TESTS+=("$(basename "$s" .S)")
done
for s in "$V_SRC"/vvm/*.S; do
	V_ONLY+=("$(basename "$s" .S)")
done

if [ -z "${REPEAT_PASS:-}" ]; then
	for t in "${V_TESTS[@]/#/progs/}" "${V_ONLY[@]/#/vvm/}"; do
		if ! riscv64-linux-gnu-gcc -march=rv64gc -mabi=lp64d -nostdlib -static -fno-pie -no-pie \
			-Wl,--build-id=none -T "$V_SRC/progs/link.ld" -o "$V_OUT/${t#*/}.elf" "$V_SRC/$t.S" \
			2>"$TMP/${t#*/}.cc.log"; then
			fail "priv/build/${t#*/}" "cross assembly failed"
			show "$TMP/${t#*/}.cc.log"
		fi
	done
	# the oracle
	if command -v qemu-system-riscv64 >/dev/null 2>&1; then
		for t in "${V_TESTS[@]}"; do
			[ -f "$V_OUT/$t.elf" ] || continue
			smp=1
			case $t in smp*) smp=2 ;; esac
			run_to 20 qemu-system-riscv64 -machine virt -smp $smp -bios none -nographic -monitor none \
				-serial none -kernel "$V_OUT/$t.elf" >"$TMP/$t.qemu.out" 2>&1 </dev/null
			st=$?
			if [ $st -eq 0 ]; then
				pass "priv/qemu/$t"
			else
				fail "priv/qemu/$t" "qemu-system-riscv64 status $st (the failed check's number mod 256)"
				show "$TMP/$t.qemu.out"
			fi
		done
	else
		skip priv/qemu "qemu-system-riscv64 not installed (scripts/install-deps.sh installs qemu-system-misc)"
	fi
fi

san=()
[ "${SANITIZED:-0}" = 1 ] && san=(-fsanitize=address,undefined -fno-omit-frame-pointer)
if ! ${CC:-cc} -std=gnu11 -O1 -g -Wall -Wextra "${san[@]}" -I"$ROOT" -I"$B/gen" -o "$TMP/run_priv" \
	"$V_SRC/run_priv.c" "$B/libvvm.a" $(cat "$B/libvvm.libs") -pthread -ldl 2>"$TMP/run_priv.log"; then
	fail priv/run_priv "does not build"
	show "$TMP/run_priv.log"
else
	elfs=()
	for t in "${V_TESTS[@]}" "${V_ONLY[@]}"; do
		[ -f "$V_OUT/$t.elf" ] && elfs+=("$V_OUT/$t.elf")
	done
	run_to "$(scaled 30)" "$TMP/run_priv" "${elfs[@]}" >"$TMP/run_priv.out" 2>"$TMP/run_priv.err"
	st=$?
	while IFS= read -r line; do
		case $line in
		"ok end") ;;
		"ok "*) pass "priv/vvm/${line#ok }" ;;
		"not ok "*) fail "priv/vvm/${line#not ok }" ;;
		esac
	done <"$TMP/run_priv.out"
	if [ $st -ne 0 ] || ! grep -qx "ok end" "$TMP/run_priv.out"; then
		fail priv/vvm "status $st"
		show "$TMP/run_priv.err"
	fi
	if grep -q Sanitizer "$TMP/run_priv.err"; then
		fail priv/vvm/sanitizer
		grep -A8 Sanitizer "$TMP/run_priv.err" | show -
	fi
fi
