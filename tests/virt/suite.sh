# rv64-virt, the system VM: bare-metal riscv64 programs (tests/virt/*.c,
# no CSRs) on 1 and 4 harts through the UART, the test device (power-off,
# reset with -no-reboot, a fail code), the device tree a1 points to, the
# RTC and mtime moving, console input (a pipe; a terminal with C-a c and
# C-a x) -- each under vvm and, as the oracle, qemu-system-riscv64 -machine
# virt -bios none (same output, same status); bad input; the generated
# device tree against QEMU's (dtc, fdtget).
# Sourced by tests/run.sh (see there for $VVM, $B, $TMP, pass/fail/...).
# asan-pass: yes
# engines: yes

V_SRC=$ROOT/tests/virt
V_OUT=$B_GUEST/tests/virt
mkdir -p "$V_OUT"
if [ -z "${REPEAT_PASS:-}" ]; then
	make -C "$V_SRC" O="$V_OUT" all >"$V_OUT/build.log" 2>&1 ||
		{ fail virt/build "see $V_OUT/build.log"; grep -E 'error|Error' "$V_OUT/build.log" | show -; }
fi
v_to=$(scaled 20)
have_qemu=0
[ -z "${REPEAT_PASS:-}" ] && command -v qemu-system-riscv64 >/dev/null && have_qemu=1

# vrun NAME STDIN ARGS...: vvm run --machine rv64-virt ARGS; output in
# $TMP/NAME.out/.err, status in $st; 1 (after a FAIL) if it hung or drew a
# sanitizer report
vrun() {
	local name=$1 in=$2
	shift 2
	run_to "$v_to" "$VVM" run --machine rv64-virt "$@" <"$in" >"$TMP/$name.out" 2>"$TMP/$name.err"
	st=$?
	if [ $st -eq 124 ] || [ $st -eq 137 ]; then
		fail "virt/$name" "hung: timed out after ${v_to}s"
		show "$TMP/$name.out" 4
		return 1
	fi
	if grep -qE 'ERROR: AddressSanitizer|runtime error:|LeakSanitizer' "$TMP/$name.err"; then
		fail "virt/$name" "sanitizer report (exit $st)"
		show "$TMP/$name.err" 6
		return 1
	fi
	return 0
}

# guest NAME PROG WANT_STATUS EXPECTED_OUTPUT [STDIN [ARGS...]]
guest() {
	local name=$1 prog=$V_OUT/$2 want=$3 exp=$4 in=${5:-/dev/null}
	shift 4
	[ $# -gt 0 ] && shift
	vrun "$name" "$in" -bios none -kernel "$prog" "$@" || return
	if [ "$st" != "$want" ]; then
		fail "virt/$name" "exit status $st, want $want"
		show "$TMP/$name.err" 4
		return
	fi
	if [ "$(cat "$TMP/$name.out")" != "$exp" ]; then
		fail "virt/$name" "output differs"
		diff <(printf '%s\n' "$exp") "$TMP/$name.out" | show - 8
		return
	fi
	pass "virt/$name"
	[ $have_qemu = 1 ] || return 0
	# the oracle: QEMU's virt machine, same output, same status
	run_to "$v_to" qemu-system-riscv64 -machine virt -bios none -nographic -kernel "$prog" "$@" \
		<"$in" >"$TMP/$name.qemu" 2>"$TMP/$name.qemu.err"
	local qst=$?
	if [ $qst != "$st" ]; then
		fail "virt/$name-qemu" "qemu exits $qst, vvm $st"
		show "$TMP/$name.qemu.err" 3
	elif ! cmp -s <(tr -d '\r' <"$TMP/$name.qemu") <(tr -d '\r' <"$TMP/$name.out"); then
		fail "virt/$name-qemu" "qemu's output differs from vvm's"
		diff <(tr -d '\r' <"$TMP/$name.qemu") "$TMP/$name.out" | show - 8
	else
		pass "virt/$name-qemu"
	fi
}

guest hello hello 0 "hello from hart 0
all 1 harts done"
guest hello-smp4 hello4 0 "hello from hart 0
hello from hart 1
hello from hart 2
hello from hart 3
all 4 harts done" /dev/null -smp 4
guest fail-code fail 42 "failing with 42"
guest dtb dtb 0 "dtb magic ok
root compatible: riscv-virtio"
guest rtc rtc 0 "rtc moves
mtime moves"
guest reset-no-reboot reset 0 "resetting" /dev/null -no-reboot
printf 'xyq' >"$TMP/echo.in"
guest echo-pipe echo 0 "ready
[x][y]
bye" "$TMP/echo.in"

# the console on a terminal (console_tty.py): raw mode, C-a c, C-a x, the terminal restored
if command -v python3 >/dev/null; then
	r=$(run_to "$(scaled 60)" python3 "$V_SRC/console_tty.py" "$VVM" "$V_OUT/echo" 2>&1)
	if [ "$r" = ok ]; then pass virt/tty-ctrl-a; else fail virt/tty-ctrl-a "$r"; fi
else
	skip virt/tty-ctrl-a "python3 not installed"
fi

# the devices from C (tests/virt/devices.c): CLINT, PLIC, UART, RTC through
# their MMIO callbacks and the interrupt callback; once per build
if [ -z "${REPEAT_PASS:-}" ] || [ "${SANITIZE_PASS:-0}" = 1 ]; then
	san=()
	[ "${SANITIZED:-0}" = 1 ] && san=(-fsanitize=address,undefined -fno-omit-frame-pointer)
	if ! ${CC:-cc} -std=gnu11 -O1 -g -Wall -Wextra -Wno-unused-parameter "${san[@]}" -I"$ROOT" -I"$B/gen" \
		-D_GNU_SOURCE -pthread -o "$TMP/devices" "$V_SRC/devices.c" "$B/libvvm.a" -lfdt -lm -ldl 2>"$TMP/devices.log"; then
		fail virt/devices "does not build"
		show "$TMP/devices.log"
	else
		run_to "$(scaled 30)" "$TMP/devices" >"$TMP/devices.out" 2>"$TMP/devices.err"
		dst=$?
		while IFS= read -r line; do
			case $line in
			"ok end") ;;
			"ok "*) pass "virt/devices/${line#ok }" ;;
			"not ok "*) fail "virt/devices/${line#not ok }" ;;
			esac
		done <"$TMP/devices.out"
		if [ $dst -ne 0 ] || ! grep -qx "ok end" "$TMP/devices.out"; then
			fail virt/devices "exit status $dst, no 'ok end'"
			show "$TMP/devices.err" 6
		fi
	fi
fi

# a user's device tree (-dtb): the generated one, dumped, runs as well
if vrun dump-for-dtb /dev/null --dump-dtb "$TMP/own.dtb" && [ $st = 0 ] &&
	vrun user-dtb /dev/null -bios none -kernel "$V_OUT/dtb" -dtb "$TMP/own.dtb" && [ $st = 0 ] &&
	grep -q 'root compatible: riscv-virtio' "$TMP/user-dtb.out"; then
	pass virt/user-dtb
else
	fail virt/user-dtb "status $st"
	show "$TMP/user-dtb.err" 3
fi

# ---- bad input: a message naming the cause, a nonzero status, no crash ----
# bad NAME WANT_IN_STDERR ARGS...
bad() {
	local name=$1 want=$2
	shift 2
	vrun "bad-$name" /dev/null "$@" || return
	if [ $st = 0 ] || [ $st -ge 126 ]; then
		fail "virt/bad-$name" "exit status $st (want a nonzero error status, no crash)"
		show "$TMP/bad-$name.err" 3
	elif ! grep -q -- "$want" "$TMP/bad-$name.err"; then
		fail "virt/bad-$name" "stderr does not say '$want'"
		show "$TMP/bad-$name.err" 3
	else
		pass "virt/bad-$name"
	fi
}
head -c 3000000 /dev/zero >"$TMP/big.bin"
head -c 100 /dev/urandom >"$TMP/random.dtb"
truncate -s 20M "$TMP/big20.bin"
if [ -s "$TMP/own.dtb" ]; then
	head -c 100 "$TMP/own.dtb" >"$TMP/trunc.dtb"
	# a good header and garbage after it
	{ head -c 40 "$TMP/own.dtb"; head -c 2000 /dev/urandom; } >"$TMP/corrupt.dtb"
fi
bad missing-kernel "no-such-file" -bios none -kernel "$TMP/no-such-file"
bad x86-kernel "not a RISC-V ELF" -bios none -kernel "$VVM"
bad fw-too-big "does not fit" -bios "$TMP/big.bin" -kernel "$V_OUT/hello"
bad kernel-beyond-ram "do not fit" -m 16M -bios none -kernel "$TMP/big20.bin"
bad m-unit "-m wants" -m 12Q -bios none -kernel "$V_OUT/hello"
bad m-small "-m wants" -m 1K -bios none -kernel "$V_OUT/hello"
bad m-zero "-m wants" -m 0 -bios none -kernel "$V_OUT/hello"
bad smp-zero "-smp wants" -smp 0 -bios none -kernel "$V_OUT/hello"
bad smp-big "-smp wants" -smp 65 -bios none -kernel "$V_OUT/hello"
bad smp-text "-smp wants" -smp two -bios none -kernel "$V_OUT/hello"
bad dtb-random "not a flattened device tree" -bios none -kernel "$V_OUT/dtb" -dtb "$TMP/random.dtb"
[ -s "$TMP/trunc.dtb" ] && bad dtb-truncated "truncated" -bios none -kernel "$V_OUT/dtb" -dtb "$TMP/trunc.dtb"
[ -s "$TMP/corrupt.dtb" ] && bad dtb-corrupt "device tree" -bios none -kernel "$V_OUT/dtb" -dtb "$TMP/corrupt.dtb"
bad dtb-missing "no-such.dtb" -bios none -kernel "$V_OUT/dtb" -dtb "$TMP/no-such.dtb"
bad no-kernel "needs -kernel" -bios none
bad drive "not built yet" -drive file=x.img,if=virtio -bios none -kernel "$V_OUT/hello"
bad nic "not built yet" -nic user -bios none -kernel "$V_OUT/hello"
bad netdev "not built yet" -netdev user,id=n0 -bios none -kernel "$V_OUT/hello"
bad gdb-s "not built yet" -s -bios none -kernel "$V_OUT/hello"
bad gdb-S "not built yet" -S -bios none -kernel "$V_OUT/hello"
bad unknown "unknown option" -vga std -bios none -kernel "$V_OUT/hello"
bad engine "interp, jit or auto" --engine fast -bios none -kernel "$V_OUT/hello"

# ---- the generated device tree: properties, and QEMU's own ----
if [ -n "${REPEAT_PASS:-}" ]; then
	:
elif ! command -v fdtget >/dev/null || ! command -v dtc >/dev/null; then
	skip virt/dtb-vs-qemu "fdtget/dtc not installed (device-tree-compiler)"
elif ! vrun dump /dev/null -smp 2 -m 512M -append "console=ttyS0 quiet" -initrd "$V_OUT/hello" \
	--dump-dtb "$TMP/vvm.dtb" || [ $st != 0 ]; then
	fail virt/dump-dtb "status $st"
	show "$TMP/dump.err" 3
else
	if dtc -I dtb -O dts -o "$TMP/vvm.dts" "$TMP/vvm.dtb" 2>"$TMP/dtc.err" &&
		[ "$(fdtget "$TMP/vvm.dtb" /chosen bootargs)" = "console=ttyS0 quiet" ] &&
		s=$(fdtget -t x "$TMP/vvm.dtb" /chosen linux,initrd-start) &&
		e=$(fdtget -t x "$TMP/vvm.dtb" /chosen linux,initrd-end) &&
		[ $(( 0x${e// /} - 0x${s// /} )) -ge "$(stat -c %s "$V_OUT/hello")" ]; then
		pass virt/dump-dtb
	else
		fail virt/dump-dtb "dtc or /chosen (bootargs, initrd) wrong"
		show "$TMP/dtc.err" 3
	fi
	if [ $have_qemu = 1 ] &&
		run_to "$v_to" qemu-system-riscv64 -machine virt,dumpdtb="$TMP/qemu.dtb" -smp 2 -m 512M -nographic \
			</dev/null >"$TMP/qemu-dump.out" 2>&1; then
		diffs=""
		# node property [type]: the same value in both trees
		while read -r node prop typ; do
			a=$(fdtget ${typ:+-t $typ} "$TMP/vvm.dtb" "$node" "$prop" 2>&1)
			q=$(fdtget ${typ:+-t $typ} "$TMP/qemu.dtb" "$node" "$prop" 2>&1)
			[ "$a" = "$q" ] || diffs="$diffs $node:$prop(vvm '$a' qemu '$q')"
		done <<-'LIST'
		/ #address-cells
		/ #size-cells
		/ compatible
		/memory@80000000 reg x
		/memory@80000000 device_type
		/cpus timebase-frequency
		/cpus #address-cells
		/cpus/cpu@0 reg
		/cpus/cpu@1 reg
		/cpus/cpu@1 compatible
		/cpus/cpu@1 device_type
		/cpus/cpu@0/interrupt-controller compatible
		/cpus/cpu@0/interrupt-controller #interrupt-cells
		/chosen stdout-path
		/poweroff compatible
		/poweroff value x
		/reboot compatible
		/reboot value x
		/soc compatible
		/soc/test@100000 compatible
		/soc/test@100000 reg x
		/soc/rtc@101000 compatible
		/soc/rtc@101000 reg x
		/soc/rtc@101000 interrupts
		/soc/serial@10000000 compatible
		/soc/serial@10000000 reg x
		/soc/serial@10000000 interrupts
		/soc/serial@10000000 clock-frequency x
		/soc/clint@2000000 compatible
		/soc/clint@2000000 reg x
		/soc/plic@c000000 compatible
		/soc/plic@c000000 reg x
		/soc/plic@c000000 #interrupt-cells
		LIST
		# interrupts-extended: the same (controller, cause) pairs, cause by cause
		for n in clint@2000000 plic@c000000; do
			a=$(fdtget -t u "$TMP/vvm.dtb" /soc/$n interrupts-extended | awk '{for(i=2;i<=NF;i+=2) printf "%s ", $i}')
			q=$(fdtget -t u "$TMP/qemu.dtb" /soc/$n interrupts-extended | awk '{for(i=2;i<=NF;i+=2) printf "%s ", $i}')
			[ "$a" = "$q" ] || diffs="$diffs $n:interrupts-extended(vvm '$a' qemu '$q')"
		done
		for t in vvm qemu; do
			fdtget "$TMP/$t.dtb" /cpus/cpu@0 riscv,isa | grep -q '^rv64imafdc' || diffs="$diffs $t:riscv,isa"
			fdtget "$TMP/$t.dtb" /cpus/cpu@0 mmu-type | grep -Eq '^riscv,sv(39|48|57)$' || diffs="$diffs $t:mmu-type"
		done
		if [ -z "$diffs" ]; then pass virt/dtb-vs-qemu; else fail virt/dtb-vs-qemu "differ:$diffs"; fi
	elif [ $have_qemu = 1 ]; then
		fail virt/dtb-vs-qemu "qemu-system-riscv64 -machine virt,dumpdtb failed"
		show "$TMP/qemu-dump.out" 3
	else
		skip virt/dtb-vs-qemu "qemu-system-riscv64 not installed (qemu-system-misc)"
	fi
fi

# --- Debian's OpenSBI (the default -bios) in M mode, then an S-mode payload
# (flat, at 0x80200000) that powers off through the test device: the banner,
# the jump to S mode, status 0
V_SBI=/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_jump.bin
if [ ! -f "$V_SBI" ]; then
	skip virt/opensbi-banner "Debian's OpenSBI not installed ($V_SBI; package opensbi)"
else
	# lui t0,0x100; lui t1,0x5; addi t1,t1,0x555; sw t1,0(t0); j .
	printf '\xb7\x02\x10\x00\x37\x53\x00\x00\x13\x03\x53\x55\x23\xa0\x62\x00\x6f\x00\x00\x00' >"$TMP/sbi-payload.bin"
	if vrun opensbi-banner /dev/null -kernel "$TMP/sbi-payload.bin"; then
		if [ "$st" = 0 ] && grep -q '^OpenSBI v' "$TMP/opensbi-banner.out" &&
			grep -Eq '^Domain0 Next Mode +: S-mode' "$TMP/opensbi-banner.out"; then
			pass virt/opensbi-banner
		else
			fail virt/opensbi-banner "exit status $st, or no OpenSBI banner"
			show "$TMP/opensbi-banner.out" 6
			show "$TMP/opensbi-banner.err" 4
		fi
	fi
fi

# --- the cached guest (scripts/guest-linux.sh: Linux 6.1, busybox) through
# OpenSBI to init, on 1 and 4 harts: tests/guest/workload.sh (the script the
# oracle suite runs on qemu: the harts in /proc/cpuinfo, a CPU loop, md5sum,
# a loop on every hart at once), then power-off (status 0)
v_gdir=
if [ ! -f "$V_SBI" ]; then
	skip virt/linux-boot "Debian's OpenSBI not installed ($V_SBI; package opensbi)"
elif ! v_gdir=$(run_to 60 bash "$ROOT/scripts/guest-linux.sh" dir 2>/dev/null) || [ ! -f "$v_gdir/Image" ]; then
	skip virt/linux-boot "guest artifacts not cached: run make guest (about 10 minutes)"
else
	. "$ROOT/tests/guest/workload-expect.sh"
	for v_n in 1 4; do
		v_name=linux-boot
		[ $v_n = 1 ] || v_name=linux-boot-${v_n}harts
		run_to "$(scaled $((60 * v_n)))" env QEMU="$VVM run --machine rv64-virt" bash "$ROOT/scripts/guest-qemu.sh" boot \
			-smp $v_n -script "$ROOT/tests/guest/workload.sh" </dev/null >"$TMP/$v_name.out" 2>&1
		st=$?
		tr -d '\r' <"$TMP/$v_name.out" >"$TMP/$v_name.log"
		miss=
		mapfile -t v_pat < <(wl_patterns $v_n)
		for p in '^OpenSBI v' 'Linux version 6\.' "smp: Brought up 1 node, $v_n CPU" 'Run /init as init process' \
			"${v_pat[@]}" '^vvm-guest: /etc/rc exited with status 0$' 'reboot: Power down'; do
			grep -Eq -- "$p" "$TMP/$v_name.log" || miss="$miss '$p'"
		done
		if [ "$st" = 0 ] && [ -z "$miss" ]; then
			pass virt/$v_name
		else
			fail virt/$v_name "exit status $st$([ "$st" = 124 ] && echo ' (timed out)'); no line matching$miss"
			show "$TMP/$v_name.log" 6
		fi
	done
fi
