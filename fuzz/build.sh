# fuzz/build.sh: builds the libFuzzer targets and their seed corpora.
# Sourced by fuzz/run.sh (`make fuzz`) and fuzz/suite.sh (`make check`).
#   fuzz_build     -> $FB/fuzz_TARGET for each of FUZZ_TARGETS  (log: $FB/build.log)
#   fuzz_seeds     -> $FB/seeds/TARGET  (made here, not committed)
# Targets: decode (RISC-V decoder and disassembler), elf (ELF reader),
# vml_read (the s-expression reader and its conversion to meta VM values),
# vml_compile (random well-formed vml programs compiled and run), rtl (one
# instruction through the interpreter and through its runtime RTL), lockstep
# (an instruction sequence run by the interpreter and the translation tier,
# compared after every step: tests/jit/lockstep.h), dtb (rv64-virt's -dtb
# path), virtq (rv64-virt's virtio-mmio transport and devices under hostile
# guest memory and MMIO accesses), virtio_net (rv64-virt's virtio-net
# queues under a hostile driver, looped back: no network), state
# (rv64-virt's restore of a saved state), gdb (rv64-virt's gdb stub on
# bytes from the network).
# Needs ROOT and FB (the fuzz build directory: build-fuzz beside $B).  The
# library is built by the project Makefile with clang and the fuzzer's
# coverage instrumentation plus ASan/UBSan, in its own build tree.

FUZZ_TARGETS="decode elf vml_read vml_compile rtl lockstep dtb virtq virtio_net state gdb"
FUZZ_SAN="-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer"

fuzz_build() {
	mkdir -p "$FB"
	local log=$FB/build.log
	: >"$log"
	command -v clang >/dev/null || { echo "clang not installed (make deps)" >>"$log"; return 1; }
	# not the variables of a `make check` this runs under (SANITIZE=1, B=...)
	env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -C "$ROOT" -j"$(nproc 2>/dev/null || echo 2)" B="$FB" CC=clang HOSTCC=clang OPT="-O1 -g" \
		CFLAGS="-fsanitize=fuzzer-no-link $FUZZ_SAN" "$FB/libvvm.a" "$FB/libvvm.libs" >>"$log" 2>&1 || return 1
	local t extra
	for t in $FUZZ_TARGETS; do
		extra=""
		[ "$t" = elf ] && extra=$ROOT/cli/disasm.c  # the listing it walks
		clang -std=gnu11 -O1 -g -Wall -Wno-unused-function -I"$ROOT" -I"$FB/gen" -D_GNU_SOURCE -pthread \
			-fsanitize=fuzzer $FUZZ_SAN -o "$FB/fuzz_$t" "$ROOT/fuzz/fuzz_$t.c" $extra \
			"$FB/libvvm.a" $(cat "$FB/libvvm.libs") >>"$log" 2>&1 || return 1
	done
}

# Seeds: the project's .vml files for the reader; a few byte strings for the
# program generator of vml_compile (its input is choices, not text);
# instruction bytes from real code, and small riscv64 ELF files (an object, a
# static executable with .symtab, a versioned shared object with .dynsym,
# each also stripped and truncated).
fuzz_seeds() {
	local s=$FB/seeds w=$FB/seeds/work cc=riscv64-linux-gnu-gcc t
	rm -rf "$s" || return 1
	for t in $FUZZ_TARGETS; do mkdir -p "$s/$t" || return 1; done
	mkdir -p "$w" || return 1
	local v
	for v in "$ROOT"/tests/meta/*.vml "$ROOT"/bench/meta/*.vml "$ROOT"/meta/vm/prelude.vml "$ROOT"/examples/*.vml; do
		[ -f "$v" ] && cp "$v" "$s/vml_read/$(basename "$(dirname "$v")")-$(basename "$v")"
	done
	local k
	for k in 1 2 3 5 8 13 21 34; do   # generator choices: counting, repeating and mixed bytes
		LC_ALL=C awk -v k=$k 'BEGIN { for (i = 0; i < 256; i++) printf "%c", (i * k + k) % 256 }' >"$s/vml_compile/count$k"
		LC_ALL=C awk -v k=$k 'BEGIN { for (i = 0; i < 128; i++) printf "%c", (i % 7 == 0) ? k : (i * 37 + k * 11) % 256 }' >"$s/vml_compile/mix$k"
	done
	head -c 512 "$ROOT/meta/vm/prelude.vml" >"$s/vml_compile/text"
	command -v $cc >/dev/null || { echo "fuzz: $cc not installed; no decode/elf seeds" >&2; rm -rf "$w"; return 0; }
	cat >"$w/t.c" <<'CEOF'
double g(double x, float y) { return x * y + (double)(long)x; }
long h(long *p, long v) { return __atomic_fetch_add(p, v, __ATOMIC_ACQ_REL) + __atomic_exchange_n(p, 1, __ATOMIC_SEQ_CST); }
int f(int a, int b) { return a < b ? a / (b | 1) : (a << 3) ^ b; }
CEOF
	cat >"$w/start.c" <<'CEOF'
int f(int a, int b);
void _start(void) { register long a0 __asm__("a0") = f(3, 4); register long a7 __asm__("a7") = 93; __asm__ volatile("ecall" :: "r"(a0), "r"(a7)); for (;;) ; }
CEOF
	printf 'V_1 { global: f; local: *; };\nV_2 { global: g; } V_1;\n' >"$w/v.map"
	$cc -O2 -c -o "$w/t.o" "$w/t.c" &&
		$cc -O2 -nostdlib -static -o "$w/exe" "$w/start.c" "$w/t.c" &&
		$cc -O2 -shared -fPIC -Wl,--version-script="$w/v.map" -o "$w/lib.so" "$w/t.c" ||
		{ echo "fuzz: cannot build seed ELF files" >&2; return 0; }
	riscv64-linux-gnu-strip -o "$w/exe.stripped" "$w/exe"
	riscv64-linux-gnu-strip -o "$w/lib.stripped" "$w/lib.so"
	local f sz
	for f in t.o exe exe.stripped lib.so lib.stripped; do
		sz=$(stat -c %s "$w/$f")
		[ "$sz" -le 16384 ] && cp "$w/$f" "$s/elf/$f"
		head -c $((sz / 2)) "$w/$f" >"$s/elf/$f.half"
	done
	# code: the .text of the seeds and a few slices of libc's
	riscv64-linux-gnu-objcopy -O binary --only-section=.text "$w/exe" "$s/decode/exe.text"
	local libc=/usr/riscv64-linux-gnu/lib/libc.so.6 k
	if [ -f "$libc" ] && riscv64-linux-gnu-objcopy -O binary --only-section=.text "$libc" "$w/libc.text"; then
		for k in 1 2 3 4 5 6 7 8; do
			dd if="$w/libc.text" of="$s/decode/libc.$k" bs=1024 skip=$((k * 97)) count=2 2>/dev/null
		done
	fi
	# rtl: an instruction word then state bytes; the code slices serve
	cp "$s/decode/"* "$s/rtl/" 2>/dev/null
	# dtb: rv64-virt's generated trees (1 and 4 harts, with /chosen), whole and cut
	if [ -x "$ROOT/build/vvm" ]; then
		"$ROOT/build/vvm" run --machine rv64-virt --dump-dtb "$s/dtb/virt1.dtb" >/dev/null 2>&1
		"$ROOT/build/vvm" run --machine rv64-virt -smp 4 -append "console=ttyS0" --dump-dtb "$s/dtb/virt4.dtb" >/dev/null 2>&1
		[ -s "$s/dtb/virt1.dtb" ] && head -c 300 "$s/dtb/virt1.dtb" >"$s/dtb/virt1.cut"
	fi
	printf '\xd0\x0d\xfe\xed' >"$s/dtb/magic"
	# state: the valid state the target makes, whole and cut at its RAM (odd first byte: an overlay)
	printf '\x01\x00\x00\x00\x00' >"$s/state/valid"
	printf '\x01\x00\x02\x00\x01\x05' >"$s/state/cut"
	printf 'vvm rv64-virt\n\0\0' >"$s/state/magic"
	# gdb: what gdb-multiarch sends (checksums right), acknowledged and not
	local pk
	gdb_pkt() { printf '$%s#%02x' "$1" $(( $(printf '%s' "$1" | od -An -tu1 | tr -s ' \n' '+' | sed 's/^+//; s/+$//') & 255 )); }
	for pk in 'qSupported:multiprocess+;swbreak+' 'qXfer:features:read:target.xml:0,ffb' '?' 'g' 'm10000,40' \
		'M10010,4:01020304' 'Z0,10020,2' 'z0,10020,2' 'p20' 'P5=1122334455667788' 's' 'c' 'D'; do
		gdb_pkt "$pk"
	done >"$s/gdb/session"
	{ gdb_pkt 'QStartNoAckMode'; printf '+'; gdb_pkt 'c'; printf '\x03'; gdb_pkt 'k'; } >"$s/gdb/noack"
	printf '$m10000,4#00$G%0528d#00' 0 >"$s/gdb/badsum"
	# virtq: 4 KiB of RAM, then operations (kind, slot, a, v; fuzz/fuzz_virtq.c):
	# on each slot the handshake, a queue at 0x1000/0x2000/0x3000 (the
	# console's transmit queue: 1), two chains (direct; indirect), a notify
	local sl q
	for sl in 0 1 2 3; do
		q=0
		[ $sl = 2 ] && q=1
		{
			head -c 4096 /dev/zero
			printf "\\x03\\x0$sl\\x01\\x00\\x00\\x00\\x00\\x00"      # handshake, all features
			printf "\\x02\\x0$sl\\x0$q\\x00\\x04\\x10\\x20\\x30"     # queue q: 16 entries
			printf "\\x0d\\x0$sl\\x0$q\\x00\\x02\\x01\\x00\\x00"     # a chain of 3: header, data, status
			printf "\\x0d\\x0$sl\\x0$q\\x00\\x03\\x02\\x01\\x08"     # 4 through an indirect table
			printf "\\x04\\x0$sl\\x0$q\\x00\\x00\\x00\\x00\\x00"     # notify queue q
		} >"$s/virtq/slot$sl"
	done
	# hostile chains on the probe device (slot 3): the head descriptor
	# rewritten with next out of the table, next to itself, a buffer outside RAM
	local bad name
	for bad in 'next:\x10\x10\x00\x40' 'loop:\x10\x10\x00\x00' 'outside:\x10\x80\x00\x00'; do
		name=${bad%%:*}
		{
			head -c 4096 /dev/zero
			printf "\\x03\\x03\\x01\\x00\\x00\\x00\\x00\\x00\\x02\\x03\\x00\\x00\\x04\\x10\\x20\\x30"
			printf "\\x0d\\x03\\x00\\x00\\x02\\x01\\x00\\x00\\x06\\x03\\x00\\x04${bad#*:}"
			printf "\\x04\\x03\\x00\\x00\\x00\\x00\\x00\\x00"
		} >"$s/virtq/hostile-$name"
	done
	# virtio_net: 2 KiB of RAM, then operations (kind, a, b, v; fuzz/fuzz_virtio_net.c):
	# the handshake, both queues (16 entries at 0x1000/0x2000/0x3000 and
	# 0x1800/0x2800/0x3800), a receive buffer, a frame in RAM, a transmitted
	# chain of header and frame, its notify, a save/load
	{
		head -c 2048 /dev/zero
		printf '\x00\x00\xff\xff\xff\xff\xff\xff'
		printf '\x01\x00\x04\x00\x10\x20\x30\x00\x01\x01\x04\x00\x18\x28\x38\x00'
		printf '\x06\x00\x00\x00\x00\x60\xf6\x05'
		printf '\x03\x00\x0c\x50\xff\xff\xff\xff\x03\x00\x10\x50\xff\xff\x52\x54\x03\x00\x18\x50\x08\x06\x00\x01'
		printf '\x06\x01\x00\x80\x00\x50\x0c\x00\x06\x01\x00\x00\x0c\x50\x3c\x00'
		printf '\x02\x01\x00\x00\x00\x00\x00\x00\x08\x00\x00\x00\x00\x00\x00\x00'
	} >"$s/virtio_net/loop"
	# lockstep: generator choices; counting and mixed bytes as for vml_compile
	cp "$s/vml_compile/count"* "$s/vml_compile/mix"* "$s/lockstep/" 2>/dev/null
	rm -rf "$w"
}
