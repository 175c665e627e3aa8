# The engine: self-modifying code, the embedding API, --trace advice, and
# the zero-cost claim that nothing is woven without --trace.
# Sourced by tests/run.sh (see there for $VVM, $B, $TMP, pass/fail/...).
# asan-pass: yes
# engines: yes

E_SRC=$ROOT/tests/engine
E_OUT=${B_GUEST:-$B}/tests/engine
mkdir -p "$E_OUT"
if [ -z "${REPEAT_PASS:-}" ]; then
	riscv64-linux-gnu-gcc -O2 -static -o "$E_OUT/smc" "$E_SRC/smc.c" &&
		riscv64-linux-gnu-gcc -nostdlib -static -o "$E_OUT/budget" "$E_SRC/budget.S" &&
		riscv64-linux-gnu-gcc -nostdlib -static -o "$E_OUT/counters" "$E_SRC/counters.S" &&
		riscv64-linux-gnu-gcc -nostdlib -static -o "$E_OUT/budget_edge" "$E_SRC/budget_edge.S" &&
		riscv64-linux-gnu-gcc -O2 -static -pthread -o "$E_OUT/die" "$E_SRC/die.c" &&
		riscv64-linux-gnu-gcc -O2 -static -pthread -o "$E_OUT/selfsig" "$E_SRC/selfsig.c" &&
		riscv64-linux-gnu-gcc -nostdlib -static -o "$E_OUT/loop" "$E_SRC/loop.S" &&
		riscv64-linux-gnu-gcc -O2 -static -pthread -o "$E_OUT/multi" "$E_SRC/multi.c" &&
		riscv64-linux-gnu-gcc -O2 -static -pthread -o "$E_OUT/smc_threads" "$E_SRC/smc_threads.c" &&
		riscv64-linux-gnu-gcc -O2 -static -o "$E_OUT/smc_partial" "$E_SRC/smc_partial.c" &&
		riscv64-linux-gnu-gcc -O2 -static -o "$E_OUT/ras" "$E_SRC/ras.c" &&
		riscv64-linux-gnu-gcc -O2 -static -o "$E_OUT/superblock" "$E_SRC/superblock.c" &&
		riscv64-linux-gnu-gcc -nostdlib -static -o "$E_OUT/fences" "$E_SRC/fences.S" ||
		fail engine/build "cross compile failed"
fi

# host_checks NAME SRC INCLUDE SECONDS ARGS...: builds tests/engine/SRC.c, a
# host program, against libvvm.a (with the sanitizers when libvvm.a has
# them), runs it with ARGS, and makes each "ok X" / "not ok X" line it
# prints a test engine/NAME/X; it must also exit 0, print "ok end" last and
# draw no sanitizer report.
host_checks() {
	local name=$1 src=$2 inc=$3 secs=$4 st line
	shift 4
	local san=()
	[ "${SANITIZED:-0}" = 1 ] && san=(-fsanitize=address,undefined -fno-omit-frame-pointer)
	if ! ${CC:-cc} -std=gnu11 -O1 -g -Wall -Wextra "${san[@]}" -I"$inc" -o "$TMP/$src" "$E_SRC/$src.c" \
		"$B/libvvm.a" $(cat "$B/libvvm.libs") -pthread -ldl 2>"$TMP/$src.log"; then
		fail "engine/$name" "does not build"
		show "$TMP/$src.log"
		return
	fi
	run_to "$(scaled "$secs")" "$TMP/$src" "$@" >"$TMP/$src.out" 2>"$TMP/$src.err"
	st=$?
	while IFS= read -r line; do
		case $line in
		"ok end") ;;
		"ok "*) pass "engine/$name/${line#ok }" ;;
		"not ok "*) fail "engine/$name/${line#not ok }" ;;
		esac
	done <"$TMP/$src.out"
	if [ $st -ne 0 ] || ! grep -qx "ok end" "$TMP/$src.out"; then
		fail "engine/$name" "status $st, $(grep -c '^ok' "$TMP/$src.out") checks passed"
		show "$TMP/$src.err"
	fi
	if grep -q Sanitizer "$TMP/$src.err"; then
		fail "engine/$name/sanitizer"
		grep -A8 Sanitizer "$TMP/$src.err" | show -
	fi
}

# self-modifying code: vvm must notice the store without fence.i
out=$(run_to "$(scaled 20)" "$VVM" run "$E_OUT/smc" 2>&1); st=$?
if [ $st -eq 0 ] && [ "$out" = "499500 42 7" ]; then pass engine/smc; else fail engine/smc "exit $st, output '$out'"; fi
# the same and another thread's rewrites (with fence.i) under every tier
for eng in interp jit auto; do
	out=$(run_to "$(scaled 20)" "$VVM" run --engine $eng "$E_OUT/smc" 2>&1); st=$?
	if [ $st -eq 0 ] && [ "$out" = "499500 42 7" ]; then pass engine/smc-$eng; else fail engine/smc-$eng "exit $st, output '$out'"; fi
	out=$(run_to "$(scaled 30)" "$VVM" run --engine $eng "$E_OUT/smc_threads" 2>&1); st=$?
	if [ $st -eq 0 ] && [ "$out" = "300 0" ]; then pass engine/smc-threads-$eng; else fail engine/smc-threads-$eng "exit $st, output '$out'"; fi
	# calls and returns the return-address stack must not mispredict
	out=$(run_to "$(scaled 20)" "$VVM" run --engine $eng "$E_OUT/ras" 2>&1); st=$?
	if [ $st -eq 0 ] && [ "$out" = "60897 3000 345150 48750 52950 112200" ]; then pass engine/ras-$eng; else fail engine/ras-$eng "exit $st, output '$out'"; fi
	out=$(run_to "$(scaled 30)" "$VVM" run --engine $eng "$E_OUT/smc_partial" 2>&1); st=$?
	if [ $st -eq 0 ] && [ "$out" = "1999152 190402754058000" ]; then pass engine/smc-partial-$eng; else fail engine/smc-partial-$eng "exit $st, output '$out'"; fi
	# superblocks: instret, a fault in a later block, rewritten blocks (tests/engine/superblock.c)
	out=$(run_to "$(scaled 20)" "$VVM" run --engine $eng "$E_OUT/superblock" 2>&1); st=$?
	if [ $st -eq 0 ] && echo "$out" | grep -qx "superblock: ok"; then pass engine/superblock-$eng; else
		fail engine/superblock-$eng "exit $st"; echo "$out" | show - 12; fi
done
# under auto the loop's head is translated with the two blocks after it (the
# forward branch's fall-through, then the forward jump's target): the load
# and the back edge are in its translation
head=$(riscv64-linux-gnu-nm "$E_OUT/superblock" | awk '$3 == "sb_head" { sub(/^0+/, "", $1); print $1 }')
run_to "$(scaled 20)" "$VVM" run --engine auto --trace translate --log "$TMP/sb.trace" "$E_OUT/superblock" >/dev/null 2>&1
if [ -n "$head" ] && awk -v h="0x$head" '
	/^translate 0x[0-9a-f]+ to x86-64/ { on = ($2 == h) }
	on && /^    0x[0-9a-f]+: [0-9a-f]+  / { if ($3 ~ /^ld/) ld = 1; if ($3 ~ /^bnez/) be = 1 }
	END { exit !(ld && be) }' "$TMP/sb.trace"; then
	pass engine/superblock-formed
else
	fail engine/superblock-formed "no translation of sb_head ($head) holding its load and back edge"
	grep -A3 "^translate 0x$head to" "$TMP/sb.trace" | show - 12
fi
# an invalidation takes only the blocks of the code that changed: rewriting
# one small function 2000 times leaves the hot loop's translations alone
# (about 3,000 blocks translated; 21,000 when every rewrite dropped them all)
if [ -z "${REPEAT_PASS:-}" ]; then
	run_to "$(scaled 30)" env -u VVM_ENGINE VVM_JIT_STATS=1 "$VVM" run --engine jit "$E_OUT/smc_partial" >/dev/null 2>"$TMP/smc_partial.err"; st=$?
	nb=$(sed -n 's/^vvm jit: \([0-9]*\) blocks.*/\1/p' "$TMP/smc_partial.err")
	if [ $st -eq 0 ] && [ -n "$nb" ] && [ "$nb" -lt 5000 ] && grep -q ' 0 flushes' "$TMP/smc_partial.err"; then
		pass engine/smc-partial-survivors
	else
		fail engine/smc-partial-survivors "exit $st, ${nb:-no count of} blocks translated (fewer than 5000 expected), no flush expected"
		show "$TMP/smc_partial.err"
	fi
fi

# a fence's translation (tests/engine/fences.S): a locked instruction where
# a write must precede a later read (fence rw,rw and w,r), none where x86-TSO
# keeps the order by itself (fence r,rw and rw,w); once, under jit
if [ -z "${REPEAT_PASS:-}" ]; then
	run_to "$(scaled 20)" env -u VVM_ENGINE "$VVM" run --engine jit --trace translate "$E_OUT/fences" \
		>/dev/null 2>"$TMP/fences.err"; st=$?
	got=$(awk '/^    0x[0-9a-f]+: [0-9a-f]+  fence/ { if (f) print f, n; f = $NF; n = 0; next }
		/^    0x[0-9a-f]+: / { if (f) print f, n; f = ""; next }
		/^        0x[0-9a-f]+:  lock or / { n++ }' "$TMP/fences.err" | tr '\n' ' ')
	if [ $st -eq 0 ] && [ "$got" = "rw,rw 1 r,rw 0 rw,w 0 w,r 1 " ]; then
		pass engine/fence-translate
	else
		fail engine/fence-translate "exit $st, fences and their locked instructions: '$got'"
		show "$TMP/fences.err" 40
	fi
fi

# the RISC-V descriptor agrees with rv_cpu and vvm.h (tests/engine/descriptor.c)
host_checks descriptor descriptor "$ROOT" 20

# the soft-TLB memory model: page tables in guest RAM, Sv39/48/57, faults,
# A/D, MMIO, code pages, satp and sfence.vma (tests/engine/tlb.c); once, in
# the first engine pass (it runs every tier itself)
[ -z "${REPEAT_PASS:-}" ] && host_checks tlb tlb "$ROOT" 60
# mmap's search steps over mappings a chunk at a time, choosing what a page-by-page search chooses
host_checks aspace-find aspace_find "$ROOT" 60

# embedding: examples/embed runs the program in 1M-instruction slices
EMBED=$B/embed
if [ -x "$EMBED" ]; then
	out=$(run_to "$(scaled 20)" "$EMBED" "$E_OUT/budget" 2>&1); st=$?
	# 250000 iterations: exit status 250000 & 0xff = 144; 3 instructions per iteration
	if [ $st -eq 144 ] && echo "$out" | grep -q "guest exited with 144 after 750006 instructions (0 budget stops)"; then
		pass engine/embed-budget
	else
		fail engine/embed-budget "exit $st"; echo "$out" | show -
	fi
	out=$(run_to "$(scaled 20)" "$EMBED" "$E_OUT/smc" 2>&1); st=$?
	if [ $st -eq 0 ] && echo "$out" | grep -q "^499500 42 7$" && echo "$out" | grep -q "budget stops"; then
		pass engine/embed-libc
	else
		fail engine/embed-libc "exit $st"; echo "$out" | show -
	fi
else
	fail engine/embed "$EMBED not built (make $EMBED)"
fi

# a guest ends only its own machine: NULL stores, exit from a second thread,
# exit_group, abort, SIGKILL from itself, execve (refused); each time the host program lives
# on with the guest's status, no guest thread, its own signal dispositions
# and mask, and runs another machine (tests/engine/embed_die.c)
host_checks embed-die embed_die "$ROOT/include" 60 "$E_OUT/die"

# signals a guest sends itself (kill of its pid and kill(0) with and
# without a handler, raise, tgkill, SIGKILL, stop signals, another thread,
# sigqueue) reach only its machine, never the embedding program's handlers;
# signals for a guest that a thread of the embedding program takes (one
# running no guest) reach the guest at once, in a busy loop under every
# engine or in a blocking call, and leave that thread's mask alone
# (tests/engine/embed_selfsig.c)
host_checks embed-selfsig embed_selfsig "$ROOT/include" 120 "$E_OUT/selfsig"

# several machines in one program, each on a host thread of its own: a
# sliced loop, a multi-threaded guest, one that dies of a fault meanwhile,
# machines created afterwards, save and restore (tests/engine/embed_multi.c)
mkdir -p "$TMP/embed_multi.d"
host_checks embed-multi embed_multi "$ROOT/include" 120 "$E_OUT/loop" "$E_OUT/multi" "$E_OUT/die" "$E_OUT/budget" "$TMP/embed_multi.d"

# --trace insn prints each instruction with its disassembly, in order
out=$(run_to "$(scaled 20)" "$VVM" run --trace insn "$E_OUT/budget" 2>&1 >/dev/null | head -4)
if echo "$out" | sed -n 1p | grep -q "li	s0,0" && echo "$out" | sed -n 4p | grep -q "add[i]*	s0,s0,1"; then
	pass engine/trace-insn
else
	fail engine/trace-insn "unexpected trace"; echo "$out" | show -
fi
n=$(run_to "$(scaled 20)" "$VVM" run --trace block "$E_OUT/budget" 2>&1 >/dev/null | grep -c '^block ')
# one entry block, 250000 loop iterations, then the exit block
if [ "$n" -ge 250000 ]; then pass engine/trace-block; else fail engine/trace-block "$n block events"; fi

# instret and cycle: the values counters.S reads (counted by hand there) under
# plain run, every --trace kind and --strace: advice is never visible
want="first 0 cycle 1 fused 4 block 6 ecall 9 ill-handler 45 after-ill 53 trap-handler 56 after-trap 64 segv-handler 68 after-segv 76"
want_st=
for how in run "run --trace block" "run --trace insn" "run --trace translate" "run --trace insn,block" "run --strace"; do
	# shellcheck disable=SC2086
	out=$(run_to "$(scaled 20)" "$VVM" $how "$E_OUT/counters" 2>/dev/null); st=$?
	out=$(printf '%s' "$out" | tr '\n' ' ')
	want_st=${want_st:-$st}  # the last rdinstret's low byte, as plain run gives it
	if [ "$out" = "$want" ] && [ $st -eq "$want_st" ]; then
		pass "engine/counters/${how// /_}"
	else
		fail "engine/counters/${how// /_}" "exit $st (plain run: $want_st), output '$out'"
	fi
done
# the budget counts the same way: slices that stop mid-block, on a trap, on
# an ecall each retire exactly the slice
# (linked with the sanitizers when libvvm.a has them)
san=
[ "${SANITIZED:-0}" = 1 ] && san="-fsanitize=address,undefined"
# shellcheck disable=SC2086
if ${CC:-cc} -std=gnu11 $san -I"$ROOT/include" -o "$TMP/budget_count" "$E_SRC/budget_count.c" "$B/libvvm.a" $(cat "$B/libvvm.libs") -pthread 2>"$TMP/budget_count.log"; then
	# and under each tier (an embedded machine takes $VVM_ENGINE)
	for eng in "" interp jit auto; do
		for slice in 1 2 3 5 7 64 1000000; do
			out=$(VVM_ENGINE=${eng:-${VVM_ENGINE:-}} run_to "$(scaled 20)" "$TMP/budget_count" $slice "$E_OUT/counters" 2>"$TMP/budget_count.err"); st=$?
			out=$(printf '%s' "$out" | tr '\n' ' ')
			if [ $st -eq 0 ] && [ "$out" = "$want" ]; then
				pass engine/counters/budget-$slice${eng:+-$eng}
			else
				fail engine/counters/budget-$slice${eng:+-$eng} "exit $st, output '$out'"
				show "$TMP/budget_count.err"
			fi
		done
	done
else
	fail engine/counters/budget "does not build"
	show "$TMP/budget_count.log"
fi

# a run the budget ends stops on the budget even when the next block cannot
# be decoded (its illegal instruction is the next run's)
# shellcheck disable=SC2086
if ${CC:-cc} -std=gnu11 $san -I"$ROOT/include" -o "$TMP/budget_edge" "$E_SRC/budget_edge.c" "$B/libvvm.a" $(cat "$B/libvvm.libs") -pthread 2>"$TMP/budget_edge.log"; then
	out=$(run_to "$(scaled 20)" "$TMP/budget_edge" "$E_OUT/budget_edge" 2>"$TMP/budget_edge.err"); st=$?
	if [ $st -eq 0 ] && [ "$out" = ok ]; then
		pass engine/budget-edge
	else
		fail engine/budget-edge "exit $st, output '$out'"
		show "$TMP/budget_edge.err"
	fi
else
	fail engine/budget-edge "does not build"
	show "$TMP/budget_edge.log"
fi

# the runtime RTL (build/gen/rv_rtl.inc) against the interpreter: every
# instruction of every .isa file, random encodings and operands, run both
# ways, and every fused run of fusion.isa (tests/engine/rtl_diff.c); a
# difference prints the instruction
san=
[ "${SANITIZED:-0}" = 1 ] && san="-fsanitize=address,undefined"
# shellcheck disable=SC2086
if ${CC:-cc} -std=gnu11 -O1 -g -Wall -Wextra -Wno-unused-parameter $san -I"$ROOT" -I"$B/gen" -D_GNU_SOURCE -pthread \
	-o "$TMP/rtl_diff" "$E_SRC/rtl_diff.c" "$B/libvvm.a" $(cat "$B/libvvm.libs") 2>"$TMP/rtl_diff.log"; then
	out=$(run_to "$(scaled 120)" "$TMP/rtl_diff" 300 2>"$TMP/rtl_diff.err"); st=$?
	if [ $st -eq 0 ] && echo "$out" | grep -q "^ok .* ops, .* runs of .* fused kinds$"; then
		pass engine/rtl-diff
	else
		fail engine/rtl-diff "exit $st, '$out'"
		head -40 "$TMP/rtl_diff.err" | show -
	fi
else
	fail engine/rtl-diff "does not build"
	show "$TMP/rtl_diff.log"
fi
