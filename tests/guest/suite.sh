# The rv64-virt guest (scripts/guest-linux.sh: Linux 6.1 and a static busybox
# from Debian's sources) booted on the oracle, qemu-system-riscv64 with
# Debian's OpenSBI: a scripted run on 1 and 4 harts, a script's exit status
# carried out through the SiFive test finisher, a virtio block disk (ext2,
# written by the guest, read back with debugfs), virtio-rng and
# virtio-console (hvc1 into a host file) and user networking (busybox
# httpd in the guest, fetched through a host port on 127.0.0.1).
# The kernel is not built here: make check builds it first when it is not
# cached (scripts/guest-ensure.sh); without the artifacts for the current
# inputs (a build that could not happen, VVM_GUEST_BUILD=0, or tests/run.sh
# run by hand before make guest) every test is skipped, saying why.
# QEMU="COMMAND ARGS" runs the suite on another machine taking qemu's
# options (scripts/guest-qemu.sh): QEMU="$PWD/build/vvm run --machine
# rv64-virt" runs it on vvm's system VM.
# Sourced by tests/run.sh (see there for $TMP, pass/fail/skip, run_to).

G_SCRIPT=$ROOT/scripts/guest-linux.sh
G_QEMU=$ROOT/scripts/guest-qemu.sh

# one skip for the whole suite when it cannot boot anything
g_skip_all() { skip "guest/*" "$1"; }

g_dir=
read -ra g_machine <<<"${QEMU:-qemu-system-riscv64}"
if ! command -v "${g_machine[0]}" >/dev/null ||
	[ ! -f /usr/lib/riscv64-linux-gnu/opensbi/generic/fw_jump.bin ]; then
	g_skip_all "${g_machine[0]} or OpenSBI not installed (scripts/install-deps.sh guest)"
elif ! g_dir=$(run_to 60 bash "$G_SCRIPT" dir 2>"$TMP/dir.err"); then
	g_skip_all "$(bash "$ROOT/scripts/guest-ensure.sh" reason)"
	g_dir=
fi

if [ -n "$g_dir" ]; then

# g_boot NAME SECONDS [boot options...]: boots, output in $TMP/NAME.out, status in $TMP/NAME.st
g_boot() {
	local name=$1 secs=$2 st
	shift 2
	run_to "$(scaled "$secs")" bash "$G_QEMU" boot "$@" </dev/null >"$TMP/$name.out" 2>&1
	st=$?
	tr -d '\r' <"$TMP/$name.out" >"$TMP/$name.log"
	echo $st >"$TMP/$name.st"
	return $st
}

# g_expect NAME PATTERN...: every (grep -E) pattern is a line of $TMP/NAME.log
g_expect() {
	local name=$1 p
	shift
	for p in "$@"; do
		grep -Eq -- "$p" "$TMP/$name.log" || { echo "no line matching '$p'"; return 1; }
	done
}

# --- a scripted run: uname, the harts in /proc/cpuinfo, a CPU loop, md5sum
# of a file, a loop on every hart at once
. "$ROOT/tests/guest/workload-expect.sh"

for g_n in 1 4; do
	g_name=boot-${g_n}hart
	[ "$g_n" = 1 ] || g_name=${g_name}s
	g_boot "$g_name" 120 -smp "$g_n" -script "$ROOT/tests/guest/workload.sh"
	g_st=$(cat "$TMP/$g_name.st")
	if [ "$g_st" != 0 ]; then
		fail "guest/$g_name" "qemu exited $g_st$([ "$g_st" = 124 ] && echo ' (timed out)')"
		tail -n 8 "$TMP/$g_name.log" | show -
	elif mapfile -t g_pat < <(wl_patterns "$g_n") &&
		! why=$(g_expect "$g_name" '^vvm-guest: init up: linux 6\.1\..* riscv64, '"$g_n"' harts' "${g_pat[@]}" \
			'^vvm-guest: /etc/rc exited with status 0$' 'reboot: Power down'); then
		fail "guest/$g_name" "$why"
		tail -n 8 "$TMP/$g_name.log" | show -
	else
		pass "guest/$g_name"
	fi
done

# --- a failing script's status comes out as qemu's (the SiFive test finisher)
printf 'echo failing on purpose\nexit 3\n' >"$TMP/fail.sh"
g_boot exit-status 120 -script "$TMP/fail.sh"
g_st=$(cat "$TMP/exit-status.st")
if [ "$g_st" = 3 ] && g_expect exit-status '^vvm-guest: /etc/rc exited with status 3$' >/dev/null; then
	pass guest/exit-status
else
	fail guest/exit-status "qemu exited $g_st, expected 3"
	tail -n 6 "$TMP/exit-status.log" | show -
fi

# --- virtio-blk: an ext2 disk made from a host directory; the guest reads it and writes a file
if command -v mke2fs >/dev/null && command -v debugfs >/dev/null; then
	mkdir -p "$TMP/disk"
	echo "from the host" >"$TMP/disk/hello.txt"
	cat >"$TMP/blk.sh" <<'EOF'
mount -t ext2 /dev/vda /mnt || exit 10
echo "read: $(cat /mnt/hello.txt)"
echo "written by the guest on $(grep -c '^processor' /proc/cpuinfo) harts" >/mnt/guest.txt
sync
umount /mnt || exit 11
EOF
	rm -f "$TMP/disk.img"
	if ! mke2fs -q -F -t ext2 -b 1024 -d "$TMP/disk" "$TMP/disk.img" 4096 >"$TMP/mke2fs.log" 2>&1; then
		fail guest/virtio-blk "mke2fs -d failed"
		show "$TMP/mke2fs.log"
	else
		g_boot virtio-blk 120 -smp 2 -script "$TMP/blk.sh" -disk "$TMP/disk.img"
		g_st=$(cat "$TMP/virtio-blk.st")
		g_back=$(debugfs -R "cat /guest.txt" "$TMP/disk.img" 2>/dev/null)
		if [ "$g_st" != 0 ]; then
			fail guest/virtio-blk "qemu exited $g_st"
			tail -n 8 "$TMP/virtio-blk.log" | show -
		elif ! why=$(g_expect virtio-blk 'virtio_blk virtio[0-9]+: \[vda\]' '^read: from the host$'); then
			fail guest/virtio-blk "$why"
			tail -n 8 "$TMP/virtio-blk.log" | show -
		elif [ "$g_back" != "written by the guest on 2 harts" ]; then
			fail guest/virtio-blk "debugfs read back '$g_back'"
		else
			pass guest/virtio-blk
		fi
	fi
else
	skip guest/virtio-blk "mke2fs or debugfs not installed (e2fsprogs)"
fi

# --- virtio-rng and virtio-console: the guest reads /dev/hwrng and writes /dev/hvc1 (hvc0 is the SBI console), a host file
cat >"$TMP/rngcon.sh" <<'EOF'
echo "rng: $(cat /sys/class/misc/hw_random/rng_current)"
echo "random bytes: $(head -c 64 /dev/hwrng | wc -c)"
echo "to the host through hvc1" >/dev/hvc1 || exit 30
EOF
rm -f "$TMP/hvc1.out"
g_boot virtio-rng-console 120 -script "$TMP/rngcon.sh" -- \
	-device virtio-rng-device -device virtio-serial-device \
	-chardev "file,id=c0,path=$TMP/hvc1.out" -device virtconsole,chardev=c0
g_st=$(cat "$TMP/virtio-rng-console.st")
if [ "$g_st" != 0 ]; then
	fail guest/virtio-rng-console "qemu exited $g_st"
	tail -n 8 "$TMP/virtio-rng-console.log" | show -
elif ! why=$(g_expect virtio-rng-console '^rng: virtio_rng\.0$' '^random bytes: 64$'); then
	fail guest/virtio-rng-console "$why"
	tail -n 8 "$TMP/virtio-rng-console.log" | show -
elif [ "$(tr -d '\r' <"$TMP/hvc1.out" 2>/dev/null)" != "to the host through hvc1" ]; then
	fail guest/virtio-rng-console "the host read '$(head -c 80 "$TMP/hvc1.out" 2>/dev/null)' from hvc1"
else
	pass guest/virtio-rng-console
fi

# --- virtio-net: busybox httpd in the guest, fetched from the host through
# a port forwarded on 127.0.0.1; fetching /cgi-bin/done ends the guest's script.
if command -v curl >/dev/null; then
	g_port=
	for g_i in 1 2 3 4 5 6 7 8; do
		g_p=$((20000 + RANDOM % 20000))
		(exec 3<>"/dev/tcp/127.0.0.1/$g_p") 2>/dev/null || { g_port=$g_p; break; }
	done
	run_to "$(scaled 120)" bash "$G_QEMU" boot -script "$ROOT/tests/guest/httpd.sh" -fwd "$g_port" </dev/null >"$TMP/virtio-net.out" 2>&1 &
	g_pid=$!
	g_got= g_bye= g_i=0
	while [ $g_i -lt 600 ] && kill -0 $g_pid 2>/dev/null; do
		if grep -q '^httpd up' "$TMP/virtio-net.out" 2>/dev/null; then
			g_got=$(curl -s --noproxy '*' --max-time 10 "http://127.0.0.1:$g_port/index.html")
			g_bye=$(curl -s --noproxy '*' --max-time 10 "http://127.0.0.1:$g_port/cgi-bin/done")
			break
		fi
		sleep 0.2
		g_i=$((g_i + 1))
	done
	wait $g_pid
	g_st=$?
	tr -d '\r' <"$TMP/virtio-net.out" >"$TMP/virtio-net.log"
	if [ "$g_got" != "served by the guest" ] || [ "$g_bye" != bye ]; then
		fail guest/virtio-net "fetched '$g_got' and '$g_bye' from 127.0.0.1:$g_port (qemu status $g_st)"
		tail -n 8 "$TMP/virtio-net.log" | show -
	elif [ "$g_st" != 0 ]; then
		fail guest/virtio-net "qemu exited $g_st"
		tail -n 8 "$TMP/virtio-net.log" | show -
	elif ! why=$(g_expect virtio-net '^httpd up on 10\.0\.2\.15$' '^vvm-guest: /etc/rc exited with status 0$'); then
		fail guest/virtio-net "$why"
	else
		pass guest/virtio-net
	fi
else
	skip guest/virtio-net "curl not installed (scripts/install-deps.sh guest)"
fi

fi
