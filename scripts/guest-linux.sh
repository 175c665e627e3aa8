#!/usr/bin/env bash
# The rv64-virt guest: a Linux kernel Image built from Debian's
# linux-source-6.1 and an initramfs holding a static busybox built from
# Debian's busybox source package, both for riscv64, cached outside the clone.
# `make guest` runs `scripts/install-deps.sh guest` and then this script.
#
#   scripts/guest-linux.sh [build]   build the artifacts, or reuse the cached ones; print where they are
#   scripts/guest-linux.sh sources   add a deb-src entry for the configured Debian mirror if apt has none
#   scripts/guest-linux.sh dir       print the cache entry of the current inputs (exit 1 if not built)
#   scripts/guest-linux.sh key       print the cache key and the inputs it hashes
#   scripts/guest-linux.sh prune     remove the cache entries the current inputs do not use
# scripts/guest-qemu.sh boots the artifacts on qemu-system-riscv64.
#
# The cache: ${XDG_CACHE_HOME:-$HOME/.cache}/vvm/guest/KEY/, KEY a hash of
# every input (tests/guest/linux.config, tests/guest/busybox.config,
# tests/guest/init, this script, and the Debian versions of linux-source-6.1,
# the busybox source package and the riscv64 cross toolchain); see
# docs/guest-linux.md.  The kernel and busybox are cached on their own too
# (parts/kernel-KEY, parts/busybox-KEY: a change to tests/guest/init does not
# rebuild the kernel).  Builds run in a scratch directory ($TMPDIR) and land
# in the cache by one rename, so a failed build leaves nothing behind.
# VVM_GUEST_JOBS (2) and nice -n 19 keep the build gentle on a shared machine.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SELF=$ROOT/scripts/guest-linux.sh
GDIR=$ROOT/tests/guest
CACHE=${XDG_CACHE_HOME:-$HOME/.cache}/vvm/guest
JOBS=${VVM_GUEST_JOBS:-2}
KSRC=/usr/src/linux-source-6.1.tar.xz
TOOLCHAIN_PKGS=(gcc-12-riscv64-linux-gnu binutils-riscv64-linux-gnu libc6-dev-riscv64-cross)
# A fixed build identity and time, so that the same inputs give the same bytes.
export KBUILD_BUILD_USER=vvm KBUILD_BUILD_HOST=vvm KBUILD_BUILD_VERSION=1
export KBUILD_BUILD_TIMESTAMP="Thu Jan  1 00:00:00 UTC 1970" SOURCE_DATE_EPOCH=0
export LC_ALL=C TZ=UTC

say() { echo "guest-linux: $*" >&2; }
die() { say "$*"; exit 1; }

pkg_version() { dpkg-query -W -f='${Version}' "$1" 2>/dev/null; }

# The busybox source package apt would fetch: "VERSION DSC-SHA256" (needs a deb-src line).
busybox_source() {
	local line
	line=$(apt-get source --print-uris -qq busybox 2>/dev/null | grep -m1 "\.dsc'" || true)
	[ -n "$line" ] || return 1
	# 'URI' busybox_1.35.0-4+deb12u1.dsc SIZE SHA256:HEX
	# shellcheck disable=SC2086
	set -- $line
	local dsc=$2 sum=$4 v
	v=${dsc#busybox_}
	v=${v%.dsc}
	echo "$v $sum"
}

# The inputs, one per line; the key is their hash.  PART (kernel, busybox or
# all) picks those the kernel's or busybox's build depends on, or all of them.
inputs() {
	local part=${1:-all} v bb p f files=("$SELF")
	if [ "$part" != busybox ]; then
		v=$(pkg_version linux-source-6.1) || true
		[ -n "$v" ] || { echo "linux-source-6.1 is not installed (scripts/install-deps.sh guest)"; return 1; }
		echo "linux-source-6.1 $v"
		files+=("$GDIR/linux.config")
	fi
	if [ "$part" != kernel ]; then
		bb=$(busybox_source) || { echo "apt knows no busybox source package (no deb-src line: make guest adds it)"; return 1; }
		echo "busybox-source $bb"
		files+=("$GDIR/busybox.config")
	fi
	for p in "${TOOLCHAIN_PKGS[@]}"; do
		v=$(pkg_version "$p") || true
		[ -n "$v" ] || { echo "$p is not installed (scripts/install-deps.sh)"; return 1; }
		echo "$p $v"
	done
	[ "$part" != all ] || files+=("$GDIR/init")
	for f in "${files[@]}"; do
		[ -f "$f" ] || { echo "$f is missing"; return 1; }
		echo "${f#"$ROOT"/} $(sha256sum <"$f" | cut -c1-64)"
	done
}

key_of() { sha256sum <<<"$1" | cut -c1-16; }

# A deb-src entry for each entry of the configured Debian mirror, unless apt has one.
ensure_deb_src() {
	if grep -rqsE '^[[:space:]]*(deb-src[[:space:]]|Types:.*deb-src)' /etc/apt/sources.list /etc/apt/sources.list.d/; then
		return 0
	fi
	local out=/etc/apt/sources.list.d/vvm-deb-src.sources tmp
	tmp=$(mktemp)
	if [ -f /etc/apt/sources.list.d/debian.sources ]; then
		# deb822: the same stanzas with Types: deb-src
		sed -n '/^[[:space:]]*#/d; s/^Types:.*/Types: deb-src/; p' /etc/apt/sources.list.d/debian.sources >"$tmp"
	elif [ -f /etc/apt/sources.list ]; then
		# one-line format: each "deb URI SUITE COMPONENTS" once more as deb-src
		grep -E '^[[:space:]]*deb[[:space:]]' /etc/apt/sources.list |
			sed -E 's/^[[:space:]]*deb[[:space:]]+/deb-src /' >"$tmp" || true
		out=/etc/apt/sources.list.d/vvm-deb-src.list
	fi
	[ -s "$tmp" ] || { rm -f "$tmp"; die "no Debian mirror found in /etc/apt to add a deb-src line for"; }
	say "adding $out (deb-src for the configured mirror) and running apt-get update"
	install -m 644 "$tmp" "$out"
	rm -f "$tmp"
	apt-get update -q >/dev/null || die "apt-get update failed"
}

# entry: the cache directory of the current inputs, if built.
entry_dir() {
	local in
	in=$(inputs) || { echo "$in" | tail -n 1 >&2; return 1; }
	local d
	d=$CACHE/$(key_of "$in")
	if [ ! -f "$d/Image" ] || [ ! -f "$d/initramfs.cpio.gz" ]; then
		echo "not built for these inputs: $d" >&2
		return 1
	fi
	echo "$d"
}

# ---------------------------------------------------------------- build
build_kernel() { # SCRATCH OUT
	local s=$1 out=$2 k=$1/linux-source-6.1 o=$1/kobj
	mkdir -p "$out"
	say "kernel: unpacking $KSRC"
	nice -n 19 tar -xf "$KSRC" -C "$s"
	mkdir -p "$o"
	local mk=(nice -n 19 make -C "$k" O="$o" ARCH=riscv CROSS_COMPILE=riscv64-linux-gnu-)
	"${mk[@]}" -s tinyconfig >"$s/kernel.log" 2>&1
	(cd "$k" && ARCH=riscv scripts/kconfig/merge_config.sh -m -O "$o" "$o/.config" "$GDIR/linux.config") >>"$s/kernel.log" 2>&1
	"${mk[@]}" -s olddefconfig >>"$s/kernel.log" 2>&1
	# every line of the fragment must have stuck
	local l bad=0
	while IFS= read -r l; do
		case $l in
		CONFIG_*=*) grep -qxF "$l" "$o/.config" || { say "kernel config: $l did not stick ($(grep -E "^(# )?${l%%=*}[= ]" "$o/.config" || echo unset))"; bad=1; } ;;
		"# CONFIG_"*" is not set") l=${l#\# }; l=${l%% *}
			! grep -q "^$l=" "$o/.config" || { say "kernel config: $l should be off"; bad=1; } ;;
		esac
	done <"$GDIR/linux.config"
	[ $bad = 0 ] || die "tests/guest/linux.config does not apply to this kernel"
	say "kernel: make -j$JOBS Image (log: $s/kernel.log)"
	local t0=$SECONDS
	if ! "${mk[@]}" -j"$JOBS" Image >>"$s/kernel.log" 2>&1; then
		tail -n 25 "$s/kernel.log" >&2
		cp "$s/kernel.log" "$CACHE/failed-kernel.log"
		die "kernel build failed (log: $CACHE/failed-kernel.log)"
	fi
	say "kernel: built in $((SECONDS - t0))s"
	echo "kernel $((SECONDS - t0))s" >>"$out/build-times"
	cp "$o/arch/riscv/boot/Image" "$o/.config" "$o/System.map" "$out/"
	mv "$out/.config" "$out/linux.config"
	mkdir -p "$out/tools"
	cp "$o/usr/gen_init_cpio" "$out/tools/"
	cp "$s/kernel.log" "$out/"
}

build_busybox() { # SCRATCH OUT
	local s=$1 out=$2 ver src=$CACHE/src/busybox
	mkdir -p "$out"
	ver=$(busybox_source | cut -d' ' -f1)
	mkdir -p "$src"
	if [ ! -f "$src/busybox_$ver.dsc" ]; then
		say "busybox: apt-get source busybox ($ver) (kept in $src)"
		local dl=$CACHE/src/.dl.$$
		rm -rf "$dl" && mkdir -p "$dl"
		(cd "$dl" && apt-get source --download-only -qq busybox) >"$s/busybox-src.log" 2>&1 ||
			{ cat "$s/busybox-src.log" >&2; rm -rf "$dl"; die "apt-get source busybox failed"; }
		[ -f "$dl/busybox_$ver.dsc" ] || { rm -rf "$dl"; die "apt-get source busybox did not fetch busybox_$ver.dsc"; }
		mv "$dl"/* "$src/"
		rm -rf "$dl"
	fi
	local b=$s/busybox
	dpkg-source --no-check -x "$src/busybox_$ver.dsc" "$b" >"$s/busybox.log" 2>&1 ||
		{ cat "$s/busybox.log" >&2; die "dpkg-source -x busybox failed"; }
	local mk=(nice -n 19 make -C "$b" CROSS_COMPILE=riscv64-linux-gnu- KCONFIG_NOTIMESTAMP=1)
	"${mk[@]}" defconfig >>"$s/busybox.log" 2>&1
	local l name
	while IFS= read -r l; do
		case $l in
		CONFIG_*=*) name=${l%%=*} ;;
		"# CONFIG_"*" is not set") name=${l#\# }; name=${name%% *} ;;
		*) continue ;;
		esac
		sed -i -E "/^(# )?${name}[= ]/d" "$b/.config"
		echo "$l" >>"$b/.config"
	done <"$GDIR/busybox.config"
	yes '' | "${mk[@]}" oldconfig >>"$s/busybox.log" 2>&1
	say "busybox $ver: make -j$JOBS (static)"
	local t0=$SECONDS
	if ! "${mk[@]}" -j"$JOBS" >>"$s/busybox.log" 2>&1; then
		tail -n 25 "$s/busybox.log" >&2
		cp "$s/busybox.log" "$CACHE/failed-busybox.log"
		die "busybox build failed (log: $CACHE/failed-busybox.log)"
	fi
	say "busybox: built in $((SECONDS - t0))s"
	echo "busybox $((SECONDS - t0))s" >>"$out/build-times"
	rm -rf "$out/root"
	"${mk[@]}" CONFIG_PREFIX="$out/root" install >>"$s/busybox.log" 2>&1
	! riscv64-linux-gnu-readelf -l "$b/busybox" | grep -q INTERP || die "busybox is not a static binary"
	cp "$b/busybox" "$b/.config" "$out/"
	mv "$out/.config" "$out/busybox.config"
	cp "$s/busybox.log" "$out/"
}

# The initramfs: busybox's tree, /init, the usual directories, /dev/console.
build_initramfs() { # SCRATCH OUT KERNEL-PART BUSYBOX-PART
	local s=$1 out=$2 r=$1/root list=$1/initramfs.list p
	# gen_init_cpio stores a file's own mtime: copies dated SOURCE_DATE_EPOCH
	rm -rf "$r"
	cp -a "$4/root" "$r"
	install -m 755 "$GDIR/init" "$s/init"
	find "$r" "$s/init" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
	{
		echo "dir /dev 755 0 0"
		echo "nod /dev/console 600 0 0 c 5 1"
		echo "nod /dev/null 666 0 0 c 1 3"
		for p in proc sys tmp mnt root etc var; do echo "dir /$p 755 0 0"; done
		echo "file /init $s/init 755 0 0"
		(cd "$r" && find . -mindepth 1 | LC_ALL=C sort) | while IFS= read -r p; do
			p=${p#.}
			if [ -L "$r$p" ]; then echo "slink $p $(readlink "$r$p") 777 0 0"
			elif [ -d "$r$p" ]; then echo "dir $p 755 0 0"
			else echo "file $p $r$p 755 0 0"; fi
		done
	} >"$list"
	"$3/tools/gen_init_cpio" -t 0 "$list" >"$s/initramfs.cpio"
	gzip -n -9 <"$s/initramfs.cpio" >"$out/initramfs.cpio.gz"
	cp "$list" "$out/"
}

# part NAME SCRATCH: the cache directory of the kernel or busybox part for
# the current inputs ($CACHE/parts/NAME-KEY), built now if it is not there.
part() {
	local name=$1 s=$2 in key d tmp
	in=$(inputs "$name") || die "$(echo "$in" | tail -n 1)"
	key=$(key_of "$in")
	d=$CACHE/parts/$name-$key
	if [ -f "$d/.done" ]; then
		say "$name: cached ($d)"
		echo "$d"
		return 0
	fi
	tmp=$CACHE/parts/.tmp-$name-$key.$$
	rm -rf "$tmp"
	mkdir -p "$tmp"
	echo "$in" >"$tmp/inputs"
	"build_$name" "$s" "$tmp" >&2
	touch "$tmp/.done"
	rm -rf "$d"
	mv -T "$tmp" "$d"
	echo "$d"
}

do_build() {
	local in key d
	ensure_deb_src
	in=$(inputs) || die "$(echo "$in" | tail -n 1)"
	key=$(key_of "$in")
	d=$CACHE/$key
	mkdir -p "$CACHE/parts"
	exec 9>"$CACHE/.lock"
	flock 9
	if [ -f "$d/Image" ] && [ -f "$d/initramfs.cpio.gz" ]; then
		say "cached (key $key): nothing to build"
		print_entry "$d"
		return 0
	fi
	command -v riscv64-linux-gnu-gcc >/dev/null || die "riscv64-linux-gnu-gcc missing (scripts/install-deps.sh)"
	[ -f "$KSRC" ] || die "$KSRC missing (scripts/install-deps.sh guest)"
	# what an interrupted build left (its process is gone)
	rm -rf "$CACHE"/.tmp-* "$CACHE"/parts/.tmp-* "$CACHE"/src/.dl.*
	local scratch out kd bd t0=$SECONDS
	scratch=$(mktemp -d "${TMPDIR:-/tmp}/vvm-guest-build.XXXXXX")
	out=$CACHE/.tmp-$key.$$
	# shellcheck disable=SC2064
	trap "rm -rf '$scratch' '$out' '$CACHE/parts/'.tmp-*.$$" EXIT
	trap 'exit 130' INT TERM HUP
	rm -rf "$out" && mkdir -p "$out"
	echo "$in" >"$out/inputs"
	say "building (key $key) in $scratch"
	kd=$(part kernel "$scratch")
	bd=$(part busybox "$scratch")
	build_initramfs "$scratch" "$out" "$kd" "$bd"
	cp "$kd/Image" "$kd/System.map" "$kd/linux.config" "$bd/busybox" "$bd/busybox.config" "$out/"
	cp -r "$kd/tools" "$out/"
	cat "$kd/build-times" "$bd/build-times" 2>/dev/null >"$out/build-times" || true
	echo "total $((SECONDS - t0))s" >>"$out/build-times"
	(cd "$out" && sha256sum Image initramfs.cpio.gz busybox >SHA256SUMS)
	rm -rf "$d"
	mv -T "$out" "$d"
	ln -sfn "$key" "$CACHE/latest"
	rm -f "$CACHE"/failed-*.log
	say "built in $((SECONDS - t0))s"
	print_entry "$d"
}

print_entry() {
	local d=$1
	echo "guest artifacts in $d:"
	echo "  kernel     $d/Image ($(stat -c %s "$d/Image") bytes)"
	echo "  initramfs  $d/initramfs.cpio.gz ($(stat -c %s "$d/initramfs.cpio.gz") bytes)"
	echo "  boot it:   scripts/guest-qemu.sh boot [-smp N] [-script FILE]"
}

# Remove the entries and parts that the current inputs do not use.
do_prune() {
	local in keep=() e
	in=$(inputs) || die "$(echo "$in" | tail -n 1)"
	keep+=("$CACHE/$(key_of "$in")")
	in=$(inputs kernel) && keep+=("$CACHE/parts/kernel-$(key_of "$in")")
	in=$(inputs busybox) && keep+=("$CACHE/parts/busybox-$(key_of "$in")")
	mkdir -p "$CACHE"
	exec 9>"$CACHE/.lock"
	flock 9
	for e in "$CACHE"/[0-9a-f]*[0-9a-f] "$CACHE"/parts/*-*; do
		[ -d "$e" ] || continue
		[[ " ${keep[*]} " == *" $e "* ]] && continue
		say "removing $e"
		rm -rf "$e"
	done
	[ -e "$CACHE/latest" ] || rm -f "$CACHE/latest"
}

cmd=${1:-build}
[ $# -eq 0 ] || shift
case $cmd in
build) do_build ;;
sources) ensure_deb_src ;;
prune) do_prune ;;
dir) entry_dir ;;
key) in=$(inputs) || die "$(echo "$in" | tail -n 1)"; echo "key $(key_of "$in")"; echo "$in" ;;
-h | --help | help) sed -n '2,/^set -e/p' "$0" | sed '$d; s/^# \{0,1\}//' ;;
*) die "unknown command $cmd (build, sources, dir, key, prune)" ;;
esac
