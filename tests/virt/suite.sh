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

# the console on a terminal (console_tty.py): raw mode, C-a c (the
# monitor: info, stop, migrate file:STATE, quit), -incoming file:STATE going
# on where the echo program stood, C-a x, the terminal restored
if command -v python3 >/dev/null; then
	r=$(run_to "$(scaled 60)" python3 "$V_SRC/console_tty.py" "$VVM" "$V_OUT/echo" "$TMP/echo.state" 2>&1)
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
		-D_GNU_SOURCE -pthread -o "$TMP/devices" "$V_SRC/devices.c" "$B/libvvm.a" $(cat "$B/libvvm.libs") -ldl 2>"$TMP/devices.log"; then
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

# save and restore through libvvm (tests/virt/snapshot.c): count stopped on
# a budget, saved, restored into another machine, run to its end, prints
# what one run prints; refusals of a truncated state and of an ended machine
if vrun count-once /dev/null -bios none -m 64M -kernel "$V_OUT/count" && [ $st = 0 ]; then
	san=()
	[ "${SANITIZED:-0}" = 1 ] && san=(-fsanitize=address,undefined -fno-omit-frame-pointer)
	rm -f "$TMP/snapshot"
	${CC:-cc} -std=gnu11 -O1 -g -Wall -Wextra "${san[@]}" -I"$ROOT/include" -pthread -o "$TMP/snapshot" \
		"$V_SRC/snapshot.c" "$B/libvvm.a" $(cat "$B/libvvm.libs") -ldl 2>"$TMP/snapshot.log" ||
		{ fail virt/snapshot "does not build"; show "$TMP/snapshot.log"; }
	if [ -x "$TMP/snapshot" ]; then
		for v_budget in 1000 2500000; do
			run_to "$(scaled 60)" "$TMP/snapshot" "$V_OUT/count" "$TMP/count.state" $v_budget \
				>"$TMP/snapshot.out" 2>"$TMP/snapshot.err"
			sst=$?
			if [ $sst != 0 ]; then
				fail virt/snapshot-$v_budget "exit status $sst"
				show "$TMP/snapshot.err" 6
			elif ! cmp -s "$TMP/count-once.out" "$TMP/snapshot.out"; then
				fail virt/snapshot-$v_budget "output differs from one run's"
				diff "$TMP/count-once.out" "$TMP/snapshot.out" | show - 6
			elif ! grep -q '^truncated: RAM: the file ends' "$TMP/snapshot.err" ||
				! grep -q '^ended: the machine has stopped' "$TMP/snapshot.err"; then
				fail virt/snapshot-$v_budget "refusals not said"
				show "$TMP/snapshot.err" 6
			else
				pass virt/snapshot-$v_budget
			fi
		done
	fi
else
	fail virt/count "status $st"
	show "$TMP/count-once.err" 3
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
# [bad_status=N] bad NAME WANT_IN_STDERR ARGS...  (N: that exact status: 1 bad input, 2 not built yet)
bad() {
	local name=$1 want=$2
	shift 2
	vrun "bad-$name" /dev/null "$@" || return
	if [ $st = 0 ] || [ $st -ge 126 ]; then
		fail "virt/bad-$name" "exit status $st (want a nonzero error status, no crash)"
		show "$TMP/bad-$name.err" 3
	elif [ -n "${bad_status:-}" ] && [ "$st" != "$bad_status" ]; then
		fail "virt/bad-$name" "exit status $st, want $bad_status"
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
	{ head -c 40 "$TMP/own.dtb"; head -c $(($(stat -c %s "$TMP/own.dtb") - 40)) /dev/urandom; } >"$TMP/corrupt.dtb"
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
bad incoming-missing "no-such.state" -incoming "file:$TMP/no-such.state"
bad incoming-elf "not a saved rv64-virt machine" -incoming "file:$V_OUT/hello"
bad incoming-tcp "only file:PATH" -incoming tcp:127.0.0.1:4444
bad incoming-kernel "give none of" -incoming "file:$TMP/x.state" -kernel "$V_OUT/hello"
if [ -s "$TMP/count.state" ]; then
	head -c 2000 "$TMP/count.state" >"$TMP/trunc.state"
	bad incoming-truncated "the file ends inside" -incoming "file:$TMP/trunc.state"
fi
bad_status=1 bad drive-missing "no-such.img: No such file" -drive file="$TMP/no-such.img",format=raw,if=virtio -bios none -kernel "$V_OUT/hello"
truncate -s 1M "$TMP/bad-disk.img"
bad_status=1 bad drive-format "only raw" -drive file="$TMP/bad-disk.img",format=qcow2 -bios none -kernel "$V_OUT/hello"
bad_status=1 bad drive-if "if=ide" -drive file="$TMP/bad-disk.img",if=ide -bios none -kernel "$V_OUT/hello"
bad_status=1 bad drive-option "unknown parameter 'cache'" -drive file="$TMP/bad-disk.img",cache=none -bios none -kernel "$V_OUT/hello"
bad_status=1 bad drive-nofile "no file=" -drive format=raw,if=virtio -bios none -kernel "$V_OUT/hello"
bad_status=1 bad drive-readonly "readonly=maybe" -drive file="$TMP/bad-disk.img",readonly=maybe -bios none -kernel "$V_OUT/hello"
bad_status=1 bad drive-unknown-id "no -drive with id=hd9" -device virtio-blk-device,drive=hd9 -bios none -kernel "$V_OUT/hello"
bad_status=1 bad device-unknown "not a device of this machine" -device e1000 -bios none -kernel "$V_OUT/hello"
bad_status=1 bad device-port "no virtio-serial-device" -device virtconsole,chardev=c0 -bios none -kernel "$V_OUT/hello"
bad_status=2 bad chardev-socket "not built yet" -chardev socket,id=c0,path=/tmp/x -bios none -kernel "$V_OUT/hello"
bad_status=1 bad chardev-missing "no -chardev with id=c9" -device virtio-serial-device -device virtconsole,chardev=c9 -bios none -kernel "$V_OUT/hello"
bad_status=1 bad too-many-virtio "more than 8 virtio devices" $(for i in 1 2 3 4 5 6 7 8 9; do echo -device virtio-rng-device; done) -bios none -kernel "$V_OUT/hello"
# networks: -nic, -netdev user, -device virtio-net-device
bad_status=2 bad nic-tap "not built yet in rv64-virt: the tap backend" -nic tap -bios none -kernel "$V_OUT/hello"
bad_status=1 bad netdev-unknown "unknown network backend" -netdev carrier-pigeon,id=n0 -bios none -kernel "$V_OUT/hello"
bad_status=2 bad netdev-restrict "restrict= is not built yet" -netdev user,id=n0,restrict=on \
	-device virtio-net-device,netdev=n0 -bios none -kernel "$V_OUT/hello"
bad_status=1 bad netdev-unused "no device uses it" -netdev user,id=n0 -bios none -kernel "$V_OUT/hello"
bad_status=1 bad netdev-noid "needs id=" -netdev user -device virtio-net-device,netdev=n0 -bios none -kernel "$V_OUT/hello"
bad_status=1 bad netdev-missing "no -netdev with id=n9" -device virtio-net-device,netdev=n9 -bios none -kernel "$V_OUT/hello"
bad_status=1 bad netdev-twice "in use already" -netdev user,id=n0 -device virtio-net-device,netdev=n0 \
	-device virtio-net-device,netdev=n0 -bios none -kernel "$V_OUT/hello"
bad_status=1 bad device-net-nonetdev "needs netdev=" -device virtio-net-device -bios none -kernel "$V_OUT/hello"
bad_status=1 bad nic-mac "not a unicast MAC" -nic user,mac=01:00:5e:00:00:01 -bios none -kernel "$V_OUT/hello"
bad_status=2 bad nic-model "model=e1000 is not built yet" -nic user,model=e1000 -bios none -kernel "$V_OUT/hello"
bad_status=1 bad hostfwd-port "bad hostfwd=tcp:127.0.0.1:70000-:80" -nic user,hostfwd=tcp:127.0.0.1:70000-:80 \
	-bios none -kernel "$V_OUT/hello"
bad_status=1 bad hostfwd-proto "bad hostfwd=sctp" -nic user,hostfwd=sctp:127.0.0.1:2222-:22 -bios none -kernel "$V_OUT/hello"
bad_status=1 bad hostfwd-addr "bad hostfwd=tcp:10.0.2:2222" -nic user,hostfwd=tcp:10.0.2:2222-:22 -bios none -kernel "$V_OUT/hello"
# a machine with two networks (-nic, -netdev + -device) and forwarded ports starts, runs and stops
v_port=$((20000 + RANDOM % 20000))
if vrun net-up /dev/null -bios none -kernel "$V_OUT/hello" -nic user,hostfwd=tcp:127.0.0.1:$v_port-:80 \
	-netdev user,id=n1,hostfwd=udp:127.0.0.1:$((v_port + 1))-:53 -device virtio-net-device,netdev=n1,mac=52:54:00:00:00:02; then
	if [ "$st" = 0 ] && grep -q 'all 1 harts done' "$TMP/net-up.out"; then
		pass virt/net-up
	else
		fail virt/net-up "exit status $st"
		show "$TMP/net-up.err" 3
	fi
fi
# the same host port twice: the second cannot listen (127.0.0.1 only)
v_port=$((20000 + RANDOM % 20000))
bad_status=1 bad hostfwd-in-use "cannot listen on the host port" \
	-nic user,hostfwd=tcp:127.0.0.1:$v_port-:80,hostfwd=tcp:127.0.0.1:$v_port-:81 -bios none -kernel "$V_OUT/hello"
bad gdb-unix "only TCP is built" -gdb unix:/tmp/vvm-gdb.sock -bios none -kernel "$V_OUT/hello"
bad gdb-port "not a port" -gdb tcp::99999 -bios none -kernel "$V_OUT/hello"
bad_status=1 bad gdb-in-use "cannot listen" -gdb tcp:127.0.0.1:$v_port \
	-nic user,hostfwd=tcp:127.0.0.1:$v_port-:80 -bios none -kernel "$V_OUT/hello"
bad monitor "not built yet" -monitor stdio -bios none -kernel "$V_OUT/hello"
bad unknown "unknown option" -vga std -bios none -kernel "$V_OUT/hello"
bad engine "interp, jit or auto" --engine fast -bios none -kernel "$V_OUT/hello"

# ---- the gdb stub: Debian's gdb-multiarch on bare-metal programs ----
# -S -gdb tcp:127.0.0.1:PORT: gdb reads the first pc, breaks at main
# (a software breakpoint, Z0), reads registers and memory, steps, writes a
# register, and lets the program run to its power-off, which it sees as
# the inferior's exit; a raw client interrupts a program polling the UART
# (0x03: a stop with SIGINT, the pc in its loop) and kills it.
v_glisten() {  # waits (20 s at most, scaled) until something listens on 127.0.0.1:$v_gp
	# (read from /proc/net/tcp: a connection to look would be the stub's one debugger)
	local hex i
	hex=$(printf '%04X' "$v_gp")
	for i in $(seq $((10 * $(scaled 20)))); do
		awk -v p=":$hex" '$2 ~ p"$" && $4 == "0A" { f = 1 } END { exit !f }' /proc/net/tcp && return 0
		sleep 0.1
	done
	return 1
}
v_freeport() {  # prints a port nothing listens on at 127.0.0.1, below the
	# kernel's ephemeral range (a port in it may be a connection's local
	# port, which a listener cannot bind: "Address already in use")
	local p lo
	lo=$(awk '{ print $1 }' /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null)
	[ -n "$lo" ] && [ "$lo" -gt 12000 ] || lo=32768
	for p in $(shuf -i "10000-$((lo - 1))" -n 20); do
		(exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return; }
	done
}
v_gport() { v_gp=$(v_freeport); }  # a free port on 127.0.0.1 in v_gp
if ! command -v gdb-multiarch >/dev/null; then
	skip virt/gdb-break "gdb-multiarch is not installed (scripts/install-deps.sh installs it)"
	skip virt/gdb-interrupt "gdb-multiarch is not installed (scripts/install-deps.sh installs it)"
else
	v_gport
	v_main=$(riscv64-linux-gnu-nm "$V_OUT/hello" | awk '$3 == "main" { sub(/^0+/, "", $1); print $1 }')
	# main's first 4 bytes in the ELF, as the little-endian word gdb's x/1xw shows
	v_word=$(riscv64-linux-gnu-objdump -s --start-address=0x$v_main --stop-address=$((0x$v_main + 4)) "$V_OUT/hello" |
		awk 'NF >= 2 && $1 ~ /^[0-9a-f]+$/ && length($2) == 8 { b = $2; print substr(b,7,2) substr(b,5,2) substr(b,3,2) substr(b,1,2); exit }')
	run_to "$(scaled 60)" "$VVM" run --machine rv64-virt -S -gdb tcp:127.0.0.1:$v_gp -bios none \
		-kernel "$V_OUT/hello" </dev/null >"$TMP/gdb-vvm.out" 2>&1 &
	v_pid=$!
	v_glisten
	run_to "$(scaled 60)" gdb-multiarch -nx -batch -ex "file $V_OUT/hello" -ex "target remote 127.0.0.1:$v_gp" \
		-ex 'p/x $pc' -ex 'break main' -ex 'continue' -ex 'p/x $pc' -ex 'p/x $a0' -ex 'x/1xw $pc' -ex 'stepi' \
		-ex 'p $pc == main' -ex 'set $t0 = 0x1234abcd' -ex 'p/x $t0' -ex 'delete' -ex 'continue' \
		</dev/null >"$TMP/gdb.out" 2>&1
	v_gst=$?
	wait $v_pid
	st=$?
	v_want=('^\$1 = 0x80000000$' "^Breakpoint 1, 0x0*$v_main in main" "^\\\$2 = 0x$v_main\$" '^\$3 = 0x0$' \
		"^0x$v_main <main>:[[:space:]]+0x$v_word\$" '^\$4 = 0$' '^\$5 = 0x1234abcd$' 'exited normally')
	miss=
	for p in "${v_want[@]}"; do grep -Eq -- "$p" "$TMP/gdb.out" || miss="$miss '$p'"; done
	if [ "$v_gst" = 0 ] && [ "$st" = 0 ] && [ -z "$miss" ] && grep -q 'all 1 harts done' "$TMP/gdb-vvm.out"; then
		pass virt/gdb-break
	else
		fail virt/gdb-break "gdb exit $v_gst, vvm exit $st; gdb said no line matching$miss"
		show "$TMP/gdb.out" 12
		show "$TMP/gdb-vvm.out" 4
	fi
	v_gport
	v_emain=$(riscv64-linux-gnu-nm "$V_OUT/echo" | awk '$3 == "main" { print $1 }')
	run_to "$(scaled 60)" "$VVM" run --machine rv64-virt -gdb tcp:127.0.0.1:$v_gp -bios none \
		-kernel "$V_OUT/echo" </dev/null >"$TMP/gdbi-vvm.out" 2>&1 &
	v_pid=$!
	v_glisten
	v_r=$(run_to "$(scaled 60)" python3 - "$v_gp" "$v_emain" <<'PYEOF'
import socket, sys, time
port, main = int(sys.argv[1]), int(sys.argv[2], 16)
s = socket.create_connection(("127.0.0.1", port), timeout=20)
buf = b""
def pkt(d):
    s.sendall(b"$%s#%02x" % (d.encode(), sum(d.encode()) & 0xff))
def reply():
    global buf
    while True:
        i = buf.find(b"$")
        j = buf.find(b"#", i) if i >= 0 else -1
        if i >= 0 and j >= 0 and len(buf) >= j + 3:
            r = buf[i + 1:j].decode()
            buf = buf[j + 3:]
            s.sendall(b"+")
            return r
        c = s.recv(4096)
        if not c:
            raise SystemExit("the stub closed the connection")
        buf += c
pkt("?"); first = reply()
pkt("c"); time.sleep(1.0)
s.sendall(b"\x03"); stop = reply()
pkt("g"); regs = reply()
pc = int.from_bytes(bytes.fromhex(regs[32 * 16:33 * 16]), "little")
pkt("k")
ok = first == "S05" and stop == "S02" and main <= pc < main + 0x100
print("ok" if ok else "first stop %r, after 0x03 %r, pc 0x%x (main 0x%x)" % (first, stop, pc, main))
PYEOF
)
	wait $v_pid
	st=$?
	if [ "$v_r" = ok ] && [ "$st" = 0 ] && grep -q ready "$TMP/gdbi-vvm.out"; then
		pass virt/gdb-interrupt
	else
		fail virt/gdb-interrupt "${v_r:-the client said nothing}; vvm exit $st"
		show "$TMP/gdbi-vvm.out" 4
	fi
fi

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
		/soc/virtio_mmio@10001000 compatible
		/soc/virtio_mmio@10001000 reg x
		/soc/virtio_mmio@10001000 interrupts
		/soc/virtio_mmio@10008000 compatible
		/soc/virtio_mmio@10008000 reg x
		/soc/virtio_mmio@10008000 interrupts
		LIST
		# the virtio-mmio slots in QEMU's order (Linux numbers the devices in it)
		a=$(dtc -I dtb -O dts "$TMP/vvm.dtb" 2>/dev/null | grep -o 'virtio_mmio@[0-9a-f]*' | tr '\n' ' ')
		q=$(dtc -I dtb -O dts "$TMP/qemu.dtb" 2>/dev/null | grep -o 'virtio_mmio@[0-9a-f]*' | tr '\n' ' ')
		[ -n "$a" ] && [ "$a" = "$q" ] || diffs="$diffs virtio-slot-order(vvm '$a' qemu '$q')"
		# each slot's interrupt-parent is the PLIC
		for t in vvm qemu; do
			[ "$(fdtget "$TMP/$t.dtb" /soc/virtio_mmio@10004000 interrupt-parent)" = \
				"$(fdtget "$TMP/$t.dtb" /soc/plic@c000000 phandle)" ] || diffs="$diffs $t:virtio-interrupt-parent"
		done
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
# a loop on every hart at once), then power-off (status 0); then its virtio
# devices (a disk, entropy, a console) and a save and restore
v_gdir=
v_gskip=
if [ ! -f "$V_SBI" ]; then
	v_gskip="Debian's OpenSBI not installed ($V_SBI; package opensbi)"
elif ! v_gdir=$(run_to 60 bash "$ROOT/scripts/guest-linux.sh" dir 2>/dev/null) || [ ! -f "$v_gdir/Image" ]; then
	v_gskip=$(bash "$ROOT/scripts/guest-ensure.sh" reason)
fi

# v_boot NAME [guest-qemu.sh boot options]: the guest on vvm; its console
# in $TMP/NAME.log (no \r), its status in $st
v_boot() {
	local name=$1
	shift
	run_to "$(scaled 60)" env QEMU="$VVM run --machine rv64-virt" bash "$ROOT/scripts/guest-qemu.sh" boot "$@" \
		</dev/null >"$TMP/$name.out" 2>&1
	st=$?
	tr -d '\r' <"$TMP/$name.out" >"$TMP/$name.log"
}

# v_expect NAME PATTERN...: the patterns (grep -E) missing from $TMP/NAME.log, in $miss
v_expect() {
	local name=$1 p
	shift
	miss=
	for p in "$@"; do
		grep -Eq -- "$p" "$TMP/$name.log" || miss="$miss '$p'"
	done
}

if [ -n "$v_gskip" ]; then
	for v_name in linux-boot linux-boot-4harts linux-snapshot virtio-blk virtio-blk-kill virtio-rng-console virtio-net gdb-linux; do skip "virt/$v_name" "$v_gskip"; done
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

	# gdb on the kernel: a breakpoint at start_kernel's virtual address,
	# set while the harts are in M mode with no page table (so not
	# mapped yet), is hit once the kernel runs on its own page table,
	# before the kernel's first line (start_kernel prints it)
	if command -v gdb-multiarch >/dev/null; then
		v_gport
		v_sk=$(awk '$3 == "start_kernel" { print $1 }' "$v_gdir/System.map")
		run_to "$(scaled 60)" "$VVM" run --machine rv64-virt -S -gdb tcp:127.0.0.1:$v_gp -m 256M -bios "$V_SBI" \
			-kernel "$v_gdir/Image" -initrd "$v_gdir/initramfs.cpio.gz" -append "console=ttyS0 panic=-1" \
			</dev/null >"$TMP/gdb-linux-vvm.out" 2>&1 &
		v_pid=$!
		v_glisten
		run_to "$(scaled 60)" gdb-multiarch -nx -batch -ex 'set architecture riscv:rv64' \
			-ex "target remote 127.0.0.1:$v_gp" -ex "break *0x$v_sk" -ex 'continue' -ex 'p/x $pc' -ex 'x/1i $pc' \
			-ex 'kill' </dev/null >"$TMP/gdb-linux.out" 2>&1
		v_gst=$?
		wait $v_pid
		st=$?
		if [ "$v_gst" = 0 ] && grep -q "^\$1 = 0x$v_sk\$" "$TMP/gdb-linux.out" && grep -q '^OpenSBI v' "$TMP/gdb-linux-vvm.out" && ! grep -q 'Linux version' "$TMP/gdb-linux-vvm.out"; then
			pass virt/gdb-linux
		else
			fail virt/gdb-linux "gdb exit $v_gst, vvm exit $st: no stop at start_kernel (0x$v_sk)"
			show "$TMP/gdb-linux.out" 8
		fi
	else
		skip virt/gdb-linux "gdb-multiarch is not installed (scripts/install-deps.sh installs it)"
	fi

	# virtio-blk: an ext2 disk made from a host directory (if=none and
	# -device, with a serial for GET_ID); the guest reads a host file,
	# writes one, syncs and powers off; debugfs reads it back.  A second,
	# read-only disk (/dev/vdb): read, and a write refused
	if ! command -v mke2fs >/dev/null || ! command -v debugfs >/dev/null; then
		skip virt/virtio-blk "mke2fs or debugfs not installed (e2fsprogs)"
		skip virt/virtio-blk-kill "mke2fs or debugfs not installed (e2fsprogs)"
	else
		rm -rf "$TMP/vdisk" "$TMP/vdisk.img"
		mkdir -p "$TMP/vdisk"
		echo "from the host" >"$TMP/vdisk/hello.txt"
		cat >"$TMP/vblk.sh" <<'GUEST'
mount -t ext2 /dev/vda /mnt || exit 10
echo "read: $(cat /mnt/hello.txt)"
echo "serial: $(cat /sys/block/vda/serial)"
echo "ro: $(cat /sys/block/vda/ro)"
echo "written by the guest" >/mnt/guest.txt
sync
umount /mnt || exit 11
echo "vdb ro: $(cat /sys/block/vdb/ro) $(head -c 9 /dev/vdb)"
if echo overwrite | dd of=/dev/vdb conv=fsync 2>/dev/null; then echo "vdb write: done"; else echo "vdb write: refused"; fi
GUEST
		{ printf 'read-only'; head -c 65527 /dev/zero; } >"$TMP/vro.img"
		if ! mke2fs -q -F -t ext2 -b 1024 -d "$TMP/vdisk" "$TMP/vdisk.img" 4096 >"$TMP/mke2fs.log" 2>&1; then
			fail virt/virtio-blk "mke2fs -d failed"
			show "$TMP/mke2fs.log"
		else
			v_boot virtio-blk -script "$TMP/vblk.sh" -- \
				-drive "file=$TMP/vdisk.img,format=raw,if=none,id=hd0" -device virtio-blk-device,drive=hd0,serial=vvm-disk-1 \
				-drive "file=$TMP/vro.img,format=raw,if=none,id=hd1,readonly=on" -device virtio-blk-device,drive=hd1
			v_back=$(debugfs -R "cat /guest.txt" "$TMP/vdisk.img" 2>/dev/null)
			v_expect virtio-blk 'virtio_blk virtio0: \[vda\] 8192 512-byte' '^read: from the host$' '^serial: vvm-disk-1$' \
				'^ro: 0$' '^vdb ro: 1 read-only$' '^vdb write: refused$' '^vvm-guest: /etc/rc exited with status 0$'
			if [ "$st" != 0 ] || [ -n "$miss" ]; then
				fail virt/virtio-blk "exit status $st; no line matching$miss"
				show "$TMP/virtio-blk.log" 8
			elif [ "$v_back" != "written by the guest" ]; then
				fail virt/virtio-blk "debugfs read back '$v_back'"
			elif [ "$(head -c 9 "$TMP/vro.img")" != read-only ] || [ "$(stat -c %s "$TMP/vro.img")" != 65536 ]; then
				fail virt/virtio-blk "the read-only image changed"
			else
				pass virt/virtio-blk
			fi
		fi

		# the same disk (if=virtio, qemu's form): the guest writes and
		# syncs, prints a line, then sleeps; vvm is killed (-9) on that
		# line, and what the guest synced is in the host file
		cat >"$TMP/vblk-kill.sh" <<'GUEST'
mount -t ext2 /dev/vda /mnt || exit 10
dd if=/dev/zero bs=1024 count=200 2>/dev/null | tr '\0' k >/mnt/big.txt
echo "synced before the kill" >/mnt/kill.txt
sync
echo "vvm-test: synced"
sleep 60
GUEST
		run_to "$(scaled 60)" env QEMU="$VVM run --machine rv64-virt" bash "$ROOT/scripts/guest-qemu.sh" boot \
			-script "$TMP/vblk-kill.sh" -- -drive "file=$TMP/vdisk.img,format=raw,if=virtio" \
			</dev/null >"$TMP/virtio-blk-kill.out" 2>&1 &
		v_pid=$!
		v_i=0 v_killed=
		while [ $v_i -lt "$(scaled 600)" ] && kill -0 $v_pid 2>/dev/null; do
			if grep -q '^vvm-test: synced' "$TMP/virtio-blk-kill.out" 2>/dev/null; then
				# vvm is a descendant of the background job (run_to, env, guest-qemu.sh)
				v_tree=$v_pid
				for v_depth in 1 2 3 4; do
					for v_c in $v_tree; do v_tree="$v_tree $(ps -o pid= --ppid "$v_c" 2>/dev/null)"; done
				done
				for v_c in $(echo "$v_tree" | tr ' ' '\n' | sort -u); do
					[ "$(ps -o comm= -p "$v_c" 2>/dev/null)" = vvm ] && kill -9 "$v_c" && v_killed=$v_c
				done
				break
			fi
			sleep 0.1
			v_i=$((v_i + 1))
		done
		wait $v_pid
		st=$?
		tr -d '\r' <"$TMP/virtio-blk-kill.out" >"$TMP/virtio-blk-kill.log"
		v_back=$(debugfs -R "cat /kill.txt" "$TMP/vdisk.img" 2>/dev/null)
		v_notk=$(debugfs -R "cat /big.txt" "$TMP/vdisk.img" 2>/dev/null | tr -d k | wc -c)
		v_bigsz=$(debugfs -R "stat /big.txt" "$TMP/vdisk.img" 2>/dev/null | sed -n 's/.*Size: \([0-9]*\).*/\1/p' | head -n 1)
		if [ -z "$v_killed" ]; then
			fail virt/virtio-blk-kill "the guest never said it synced, or vvm was not found to kill (status $st)"
			show "$TMP/virtio-blk-kill.log" 8
		elif [ "$v_back" != "synced before the kill" ] || [ "$v_notk" != 0 ] || [ "$v_bigsz" != 204800 ]; then
			fail virt/virtio-blk-kill "after kill -9: debugfs read '$v_back', big.txt $v_bigsz bytes ($v_notk not k)"
		else
			pass virt/virtio-blk-kill
		fi
	fi

	# virtio-rng and virtio-console as tests/guest/suite.sh drives qemu:
	# /dev/hwrng, and /dev/hvc1 (hvc0 is the SBI console) into a host file
	cat >"$TMP/vrngcon.sh" <<'GUEST'
echo "rng: $(cat /sys/class/misc/hw_random/rng_current)"
echo "random bytes: $(head -c 64 /dev/hwrng | wc -c)"
echo "distinct: $(head -c 4096 /dev/hwrng | od -An -tx1 -v | tr ' ' '\n' | grep . | sort -u | wc -l)"
echo "to the host through hvc1" >/dev/hvc1 || exit 30
GUEST
	rm -f "$TMP/vhvc1.out"
	v_boot virtio-rng-console -script "$TMP/vrngcon.sh" -- -device virtio-rng-device -device virtio-serial-device \
		-chardev "file,id=c0,path=$TMP/vhvc1.out" -device virtconsole,chardev=c0
	# 4096 random bytes show (nearly) all 256 values
	v_expect virtio-rng-console '^rng: virtio_rng\.0$' '^random bytes: 64$' '^distinct: 2(4[0-9]|5[0-6])$' \
		'^vvm-guest: /etc/rc exited with status 0$'
	if [ "$st" != 0 ] || [ -n "$miss" ]; then
		fail virt/virtio-rng-console "exit status $st; no line matching$miss"
		show "$TMP/virtio-rng-console.log" 8
	elif [ "$(tr -d '\r' <"$TMP/vhvc1.out" 2>/dev/null)" != "to the host through hvc1" ]; then
		fail virt/virtio-rng-console "the host read '$(head -c 80 "$TMP/vhvc1.out" 2>/dev/null)' from hvc1"
	else
		pass virt/virtio-rng-console
	fi

	# saved through the monitor (migrate file:) at a shell prompt, and
	# restored (-incoming): the shell goes on with its variables
	# (a virtio disk mounted before the save, written after the restore)
	if ! command -v python3 >/dev/null || ! command -v mke2fs >/dev/null; then
		skip virt/linux-snapshot "python3 or mke2fs not installed"
	else
		rm -f "$TMP/snap-disk.img"
		mke2fs -q -F -t ext2 -b 1024 "$TMP/snap-disk.img" 2048 >/dev/null 2>&1
		r=$(run_to "$(scaled 240)" python3 "$V_SRC/snapshot_linux.py" "$VVM" "$TMP/linux.state" -smp 2 \
			-bios "$V_SBI" -kernel "$v_gdir/Image" -initrd "$v_gdir/initramfs.cpio.gz" \
			-append "console=ttyS0 panic=-1 vvm.shell" -no-reboot \
			-drive "file=$TMP/snap-disk.img,format=raw,if=virtio" 2>&1)
		v_back=$(debugfs -R "cat /after.txt" "$TMP/snap-disk.img" 2>/dev/null)
		if [ "$r" != ok ]; then
			fail virt/linux-snapshot "$r"
		elif [ "$v_back" != set-before-the-save ]; then
			fail virt/linux-snapshot "debugfs read '$v_back' from the disk written after the restore"
		else
			pass virt/linux-snapshot
		fi
	fi

	# virtio-net on user networking (libslirp), all on this machine's
	# loopback: the guest fetches a file from a host server on 127.0.0.1
	# through slirp's host alias 10.0.2.2, then serves a page with busybox
	# httpd that the host fetches through hostfwd on 127.0.0.1; fetching
	# /cgi-bin/done ends the guest's script
	if ! command -v curl >/dev/null || ! command -v python3 >/dev/null; then
		skip virt/virtio-net "curl or python3 not installed (scripts/install-deps.sh guest)"
	else
		rm -rf "$TMP/www"
		mkdir -p "$TMP/www"
		echo "from the host server $RANDOM" >"$TMP/www/file.txt"
		(cd "$TMP/www" && exec python3 -u -m http.server 0 --bind 127.0.0.1) >"$TMP/httpserver.log" 2>&1 &
		v_srv=$!
		v_sport=
		for v_i in $(seq 100); do
			v_sport=$(sed -n 's/.*Serving HTTP on 127\.0\.0\.1 port \([0-9]*\).*/\1/p' "$TMP/httpserver.log")
			[ -n "$v_sport" ] && break
			sleep 0.1
		done
		v_fport=$(v_freeport)
		{
			echo 'echo "mac: $(cat /sys/class/net/eth0/address)"'
			echo "echo \"fetched: \$(wget -q -O - http://10.0.2.2:$v_sport/file.txt)\""
			cat "$ROOT/tests/guest/httpd.sh"
		} >"$TMP/vnet.sh"
		: >"$TMP/virtio-net.out"
		run_to "$(scaled 90)" env QEMU="$VVM run --machine rv64-virt" bash "$ROOT/scripts/guest-qemu.sh" boot \
			-script "$TMP/vnet.sh" -fwd "$v_fport" </dev/null >"$TMP/virtio-net.out" 2>&1 &
		v_pid=$!
		v_got= v_bye= v_i=0
		while [ $v_i -lt "$(scaled 600)" ] && kill -0 $v_pid 2>/dev/null; do
			if grep -q '^httpd up' "$TMP/virtio-net.out" 2>/dev/null; then
				v_got=$(curl -s --noproxy '*' --max-time 20 "http://127.0.0.1:$v_fport/index.html")
				v_bye=$(curl -s --noproxy '*' --max-time 20 "http://127.0.0.1:$v_fport/cgi-bin/done")
				break
			fi
			sleep 0.1
			v_i=$((v_i + 1))
		done
		wait $v_pid
		st=$?
		kill "$v_srv" 2>/dev/null
		wait "$v_srv" 2>/dev/null
		tr -d '\r' <"$TMP/virtio-net.out" >"$TMP/virtio-net.log"
		v_expect virtio-net '^mac: 52:54:00:12:34:56$' "^fetched: $(cat "$TMP/www/file.txt")\$" '^httpd up on 10\.0\.2\.15$' \
			'^vvm-guest: /etc/rc exited with status 0$'
		if [ -z "$v_sport" ] || [ -z "$v_fport" ]; then
			fail virt/virtio-net "no host server port ('$v_sport') or no free port to forward ('$v_fport')"
		elif [ "$v_got" != "served by the guest" ] || [ "$v_bye" != bye ]; then
			fail virt/virtio-net "the host fetched '$v_got' and '$v_bye' from 127.0.0.1:$v_fport (status $st)"
			show "$TMP/virtio-net.log" 8
		elif [ "$st" != 0 ] || [ -n "$miss" ]; then
			fail virt/virtio-net "exit status $st; no line matching$miss"
			show "$TMP/virtio-net.log" 8
		else
			pass virt/virtio-net
		fi
	fi
fi
