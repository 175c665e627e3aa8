#!/usr/bin/env bash
# Boot the rv64-virt guest that scripts/guest-linux.sh built (the cache
# entry of the current inputs) on the oracle, qemu-system-riscv64 -machine
# virt with Debian's OpenSBI (fw_jump.bin).  docs/guest-linux.md.
#
#   scripts/guest-qemu.sh boot [OPTIONS]    boot; the console is this terminal (Ctrl-A x leaves qemu)
#   scripts/guest-qemu.sh bench [OPTIONS]   time boots (stdin not used): from qemu's start to the
#                                           init's first line and to power-off; the best of -runs
#   scripts/guest-qemu.sh cmd [OPTIONS]     print the qemu command line (a -script's initrd is not kept)
# OPTIONS:
#   -smp N         harts (1)
#   -m SIZE        memory (256M)
#   -script FILE   run FILE in the guest as /etc/rc (a cpio appended to the initramfs), then power off;
#                  a nonzero exit status of FILE becomes qemu's (the SiFive test finisher)
#   -disk IMG      IMG (raw) as a virtio-mmio block device: /dev/vda
#   -fwd PORT      user networking (virtio-net, the guest is 10.0.2.15), host 127.0.0.1:PORT to guest port 80
#   -append TEXT   more kernel command line (vvm.rc=PATH, vvm.shell, quiet, ...)
#   -runs N        (bench) boots to time (3)
#   -- ARGS...     more qemu arguments
# QEMU="COMMAND ARGS" runs another machine with qemu's options instead of
# qemu-system-riscv64: QEMU="build/vvm run --machine rv64-virt" boots the guest
# on vvm's system VM (docs/rv64-virt.md); -nic none is given to qemu only.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
FW=/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_jump.bin
QEMU=${QEMU:-qemu-system-riscv64}

say() { echo "guest-qemu: $*" >&2; }
die() { say "$*"; exit 1; }

# Sets QARGS (the qemu command) from the options; SCRATCH holds extra files.
qemu_cmd() {
	local d=$1
	shift
	local smp=1 mem=256M script= disk= fwd= append=
	RUNS=3
	while [ $# -gt 0 ]; do
		case $1 in
		-smp) smp=$2; shift 2 ;;
		-m) mem=$2; shift 2 ;;
		-script) script=$2; shift 2 ;;
		-disk) disk=$2; shift 2 ;;
		-fwd) fwd=$2; shift 2 ;;
		-append) append=$2; shift 2 ;;
		-runs) RUNS=$2; shift 2 ;;
		--) shift; break ;;
		*) die "unknown option $1 (scripts/guest-qemu.sh help)" ;;
		esac
	done
	local initrd=$d/initramfs.cpio.gz
	if [ -n "$script" ]; then
		[ -f "$script" ] || die "no such script: $script"
		printf 'dir /etc 755 0 0\nfile /etc/rc %s 755 0 0\n' "$(realpath "$script")" >"$SCRATCH/rc.list"
		cat "$d/initramfs.cpio.gz" >"$SCRATCH/initrd"
		"$d/tools/gen_init_cpio" -t 0 "$SCRATCH/rc.list" | gzip -n >>"$SCRATCH/initrd"
		initrd=$SCRATCH/initrd
	fi
	local qemu
	read -ra qemu <<<"$QEMU"
	QARGS=("${qemu[@]}" -machine virt -nographic -m "$mem" -smp "$smp" -bios "$FW"
		-kernel "$d/Image" -initrd "$initrd" -no-reboot
		-append "console=ttyS0 panic=-1${append:+ $append}")
	[ -z "$disk" ] || QARGS+=(-drive "file=$disk,format=raw,if=none,id=hd0" -device virtio-blk-device,drive=hd0)
	# no network unless asked (qemu would add a PCI card the kernel cannot see)
	if [ -n "$fwd" ]; then
		QARGS+=(-netdev "user,id=n0,hostfwd=tcp:127.0.0.1:$fwd-:80" -device virtio-net-device,netdev=n0)
	elif [[ ${qemu[0]##*/} == qemu-system-* ]]; then
		QARGS+=(-nic none)
	fi
	QARGS+=("$@")
}

do_boot() {
	local d
	d=$(entry)
	SCRATCH=$(mktemp -d "${TMPDIR:-/tmp}/vvm-guest-boot.XXXXXX")
	# shellcheck disable=SC2064
	trap "rm -rf '$SCRATCH'" EXIT
	qemu_cmd "$d" "$@"
	local st=0
	"${QARGS[@]}" || st=$?
	return $st
}

# One timed boot: prints "INIT END STATUS KINIT" -- seconds from qemu's start
# to the init's first line and to qemu's exit, qemu's status, and the
# kernel's own clock (printk time) when it ran /init.
timed_boot() {
	local log=$1 t0 first=- now=- st=- kinit=- line
	t0=${EPOCHREALTIME/,/.}
	exec 8< <("${QARGS[@]}" </dev/null 2>&1; echo "@@qemu-status $?")
	: >"$log"
	while IFS= read -r line <&8; do
		line=${line%$'\r'}
		case $line in
		"vvm-guest: init up"*) [ "$first" != - ] || first=$(echo "${EPOCHREALTIME/,/.} - $t0" | bc) ;;
		*"] Run /init as init process"*) kinit=${line#[}; kinit=${kinit%%]*}; kinit=${kinit// /} ;;
		"@@qemu-status "*) st=${line#@@qemu-status }; now=$(echo "${EPOCHREALTIME/,/.} - $t0" | bc); break ;;
		esac
		echo "$line" >>"$log"
	done
	exec 8<&-
	echo "$first $now $st $kinit"
}

do_bench() {
	local d
	d=$(entry)
	SCRATCH=$(mktemp -d "${TMPDIR:-/tmp}/vvm-guest-bench.XXXXXX")
	# shellcheck disable=SC2064
	trap "rm -rf '$SCRATCH'" EXIT
	qemu_cmd "$d" "$@"
	local i r best_i= best_e= a b st k
	for ((i = 1; i <= RUNS; i++)); do
		r=$(timed_boot "$SCRATCH/boot.log")
		read -r a b st k <<<"$r"
		[ "$st" = 0 ] && [ "$a" != - ] || { tail -n 20 "$SCRATCH/boot.log"; die "qemu exited $st (init's line: $a)"; }
		printf 'run %d: init'"'"'s first line %.3fs, power-off %.3fs (kernel clock at /init %ss)\n' "$i" "$a" "$b" "$k"
		if [ -z "$best_i" ] || [ "$(echo "$a < $best_i" | bc)" = 1 ]; then best_i=$a; fi
		if [ -z "$best_e" ] || [ "$(echo "$b < $best_e" | bc)" = 1 ]; then best_e=$b; fi
	done
	printf 'best of %d: init'"'"'s first line %.3fs, power-off %.3fs\n' "$RUNS" "$best_i" "$best_e"
}

entry() {
	local d
	d=$(bash "$ROOT/scripts/guest-linux.sh" dir) || die "guest artifacts not built: run make guest"
	local qemu
	read -ra qemu <<<"$QEMU"
	command -v "${qemu[0]}" >/dev/null || die "${qemu[0]} not installed (scripts/install-deps.sh guest)"
	[ -f "$FW" ] || die "$FW missing (scripts/install-deps.sh guest: opensbi)"
	echo "$d"
}

cmd=${1:-}
[ $# -eq 0 ] || shift
case $cmd in
boot) do_boot "$@" ;;
bench) do_bench "$@" ;;
cmd) D=$(entry); SCRATCH=$(mktemp -d); trap 'rm -rf "$SCRATCH"' EXIT; qemu_cmd "$D" "$@"; printf '%q ' "${QARGS[@]}"; echo ;;
*) sed -n '2,/^set -e/p' "$0" | sed '$d; s/^# \{0,1\}//'; [ "$cmd" = help ] || [ "$cmd" = -h ] ;;
esac
