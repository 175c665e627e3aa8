# Processes, threads and signals of the rv64-linux personality: self-checking
# riscv64 C programs (tests/proc/*.c, built static and dynamic), each run
# under `vvm run` and, as a check of the test itself, under qemu-riscv64.
# A program passes when it exits 0 and its last line is "ok NAME".
# die.c is run once per way of dying; vvm's exit status must be the one a
# process killed by that signal gives a shell (128+N), as qemu's is, and vvm
# must print its one-line report for a crash (a core-dumping signal) and
# nothing for any other end (a parent's SIGTERM, a real-time signal).
# Sourced by tests/run.sh (see there for $VVM, $B, $TMP, pass/fail/...).
# asan-pass: yes
# engines: yes

PR_SRC=$ROOT/tests/proc
PR_OUT=${B_GUEST:-$B}/tests/proc
PR_CC=${RV_CC:-riscv64-linux-gnu-gcc}
PR_QEMU=${QEMU_RV64:-qemu-riscv64}
PR_SYSROOT=/usr/riscv64-linux-gnu
mkdir -p "$PR_OUT"

if ! command -v "$PR_CC" >/dev/null 2>&1; then
	skip proc "$PR_CC not installed (make deps)"
	return 0 2>/dev/null || exit 0
fi
pr_have_qemu=0
command -v "$PR_QEMU" >/dev/null 2>&1 && [ -z "${REPEAT_PASS:-}" ] && pr_have_qemu=1
# qemu-user hands execve to the host kernel: a riscv64 exec needs binfmt_misc
pr_qemu_exec=0
for f in /proc/sys/fs/binfmt_misc/*riscv64*; do
	[ -e "$f" ] && pr_qemu_exec=1
done

pr_progs="threads futex forkwait exec sigs faults"

# In the ASan pass, forkwait leaves out its fork from a multithreaded guest.
# The sanitizer runtime of Debian's gcc 12 has no fork handler: a parent
# thread that holds an allocator lock when another thread forks leaves the
# lock held in the child, whose next malloc waits for ever (seen: the child
# stuck in SizeClassAllocator64::GetFromAllocator, 2 hangs in 30 runs).
# glibc's malloc, which the other passes use, takes its locks across fork.
# (Only forkwait reads the variable: every vvm run below gets it.)
pr_fork_env=()
if [ "${SANITIZED:-0}" = 1 ]; then
	pr_fork_env=(env PROC_NO_THREADED_FORK=1)
	skip proc/forkwait-threaded-fork "gcc 12's sanitizer allocator is not fork-safe with threads (the other passes run it)"
fi

# pr_build NAME KIND: (re)builds $PR_OUT/NAME-KIND when its source is newer
pr_build() {
	local name=$1 kind=$2 exe=$PR_OUT/$1-$2 flags=()
	[ "$kind" = static ] && flags=(-static)
	if [ -x "$exe" ] && [ "$exe" -nt "$PR_SRC/$name.c" ] && [ "$exe" -nt "$PR_SRC/check.h" ]; then
		return 0
	fi
	"$PR_CC" -O2 -g -Wall -D_GNU_SOURCE -pthread "${flags[@]}" -o "$exe.tmp" "$PR_SRC/$name.c" -lm \
		>"$exe.build.log" 2>&1 && mv "$exe.tmp" "$exe"
}

# pr_args KIND: sysroot options for a dynamic program (vvm and qemu alike)
pr_sysargs() {
	[ "$1" = dynamic ] && echo "-L $PR_SYSROOT"
}

# pr_check TESTNAME NAME OUT STATUS SECS: pass/fail for a self-checking run
pr_check() {
	local tname=$1 name=$2 out=$3 st=$4 secs=$5
	if [ "$st" -eq 0 ] && [ "$(tail -n 1 "$out")" = "ok $name" ]; then
		pass "$tname"
	elif [ "$st" -eq 124 ] || [ "$st" -eq 137 ]; then
		fail "$tname" "timed out after ${secs}s"
		show "$out"
	else
		fail "$tname" "exit status $st"
		grep -E 'FAILED|vvm:|error' "$out" | show - || show "$out"
	fi
}

secs=$(scaled 60)
for name in $pr_progs; do
	for kind in static dynamic; do
		exe=$PR_OUT/$name-$kind
		tname=proc/$name-$kind
		if [ -z "${REPEAT_PASS:-}" ] && ! pr_build "$name" "$kind"; then
			fail "$tname" "build failed"
			show "$exe.build.log"
			continue
		fi
		if [ ! -x "$exe" ]; then
			fail "$tname" "not built"
			continue
		fi
		# shellcheck disable=SC2046
		run_to "$secs" "${pr_fork_env[@]}" "$VVM" run $(pr_sysargs $kind) "$exe" >"$TMP/$name-$kind.vvm" 2>&1
		pr_check "$tname" "$name" "$TMP/$name-$kind.vvm" $? "$secs"
		[ $pr_have_qemu = 1 ] || continue
		if [ "$name" = exec ] && [ $pr_qemu_exec = 0 ]; then
			skip "$tname@qemu" "qemu-user cannot execve a riscv64 program without binfmt_misc"
			continue
		fi
		if [ "$name" = forkwait ]; then
			# qemu 7.2 asserts when a multithreaded guest forks; leave that part out there
			# shellcheck disable=SC2046
			run_to "$secs" env PROC_NO_THREADED_FORK=1 "$PR_QEMU" $(pr_sysargs $kind) "$exe" \
				>"$TMP/$name-$kind.qemu" 2>&1
		else
			# shellcheck disable=SC2046
			run_to "$secs" "$PR_QEMU" $(pr_sysargs $kind) "$exe" >"$TMP/$name-$kind.qemu" 2>&1
		fi
		pr_check "$tname@qemu" "$name" "$TMP/$name-$kind.qemu" $? "$secs"
	done
done

# precise faults and signals inside translated code, and fork (the child
# once shared the parent's code cache: a crash), under the jit and auto tiers
for name in faults sigs forkwait; do
	for eng in jit auto; do
		exe=$PR_OUT/$name-static
		[ -x "$exe" ] || { fail "proc/$name-static-$eng" "not built"; continue; }
		run_to "$secs" "${pr_fork_env[@]}" "$VVM" run --engine $eng "$exe" >"$TMP/$name-$eng.vvm" 2>&1
		pr_check "proc/$name-static-$eng" "$name" "$TMP/$name-$eng.vvm" $? "$secs"
	done
done

# Go: the runtime's signals (SIGURG preemption on sigaltstack'd threads,
# os/signal), its clone(CLONE_VFORK|CLONE_VM) + execve, panics from faults.
secs=$(scaled 60)
pr_go=$PR_OUT/go_proc
if [ -z "${REPEAT_PASS:-}" ] && command -v go >/dev/null 2>&1 &&
	! { [ -x "$pr_go" ] && [ "$pr_go" -nt "$PR_SRC/go_proc.go" ]; }; then
	mkdir -p "$PR_OUT/go"
	(cd "$PR_SRC" && env GOARCH=riscv64 GOOS=linux CGO_ENABLED=0 GOFLAGS= GOPROXY=off GO111MODULE=off \
		GOCACHE="$PR_OUT/go/cache" GOPATH="$PR_OUT/go/path" HOME="$PR_OUT/go" \
		go build -o "$pr_go.tmp" go_proc.go) >"$pr_go.build.log" 2>&1 && mv "$pr_go.tmp" "$pr_go"
fi
if [ ! -x "$pr_go" ]; then
	if command -v go >/dev/null 2>&1; then
		fail proc/go_proc "build failed"
		show "$pr_go.build.log"
	else
		skip proc/go_proc "go not installed"
	fi
else
	run_to "$secs" "$VVM" run "$pr_go" >"$TMP/go_proc.vvm" 2>&1
	pr_check proc/go_proc go_proc "$TMP/go_proc.vvm" $? "$secs"
	if [ $pr_have_qemu = 1 ]; then
		if [ $pr_qemu_exec = 1 ]; then
			run_to "$secs" "$PR_QEMU" "$pr_go" >"$TMP/go_proc.qemu" 2>&1
		else
			run_to "$secs" env GO_PROC_NO_SELF_EXEC=1 "$PR_QEMU" "$pr_go" >"$TMP/go_proc.qemu" 2>&1
		fi
		pr_check proc/go_proc@qemu go_proc "$TMP/go_proc.qemu" $? "$secs"
	fi
fi

# Ways to die: MODE STATUS SIGNAME (the crash report's; "-": no report, for a
# normal exit or a signal that dumps no core)
secs=$(scaled 20)
while read -r mode want sig; do
	for kind in static dynamic; do
		exe=$PR_OUT/die-$kind
		tname=proc/die-$mode-$kind
		if [ -z "${REPEAT_PASS:-}" ] && ! pr_build die "$kind"; then
			fail "$tname" "build failed"
			show "$exe.build.log"
			continue
		fi
		# shellcheck disable=SC2046
		run_to "$secs" "$VVM" run $(pr_sysargs $kind) "$exe" "$mode" >"$TMP/die-$mode.vvm" 2>&1
		st=$?
		if [ $st -ne "$want" ]; then
			fail "$tname" "exit status $st, not $want"
			show "$TMP/die-$mode.vvm"
		elif [ "$sig" != - ] && ! grep -q "^vvm: guest killed by signal $((want - 128)) (SIG$sig) at pc 0x" "$TMP/die-$mode.vvm"; then
			fail "$tname" "no 'vvm: guest killed by signal' report"
			show "$TMP/die-$mode.vvm"
		elif [ "$sig" = - ] && grep -q "guest killed" "$TMP/die-$mode.vvm"; then
			fail "$tname" "a 'guest killed' report for an end that is no crash"
			show "$TMP/die-$mode.vvm"
		else
			pass "$tname"
		fi
		# qemu numbers real-time signals its own way: no oracle for those
		[ $pr_have_qemu = 1 ] && [ "$mode" != rt ] || continue
		# shellcheck disable=SC2046
		run_to "$secs" "$PR_QEMU" $(pr_sysargs $kind) "$exe" "$mode" >"$TMP/die-$mode.qemu" 2>&1
		st=$?
		if [ $st -eq "$want" ]; then
			pass "$tname@qemu"
		else
			fail "$tname@qemu" "exit status $st, not $want"
		fi
	done
done <<'EOF'
abort 134 ABRT
segv 139 SEGV
term 143 -
thread 131 QUIT
blocked-segv 139 SEGV
exit-thread 5 -
rt 165 -
none 7 -
EOF

# a parent ends the guest with SIGTERM (from outside vvm, as node ends
# esbuild's service): 143 and nothing on stderr, as a native run gives
if [ -x "$PR_OUT/die-static" ]; then
	"$VVM" run "$PR_OUT/die-static" wait >"$TMP/die-wait.out" 2>"$TMP/die-wait.err" &
	pid=$!
	for _ in $(seq 100); do
		grep -q waiting "$TMP/die-wait.out" && break
		sleep 0.1
	done
	kill -TERM $pid
	wait $pid
	st=$?
	if [ $st -eq 143 ] && [ ! -s "$TMP/die-wait.err" ]; then
		pass proc/die-parent-term
	else
		fail proc/die-parent-term "exit status $st (want 143), stderr:"
		show "$TMP/die-wait.err"
	fi
else
	fail proc/die-parent-term "$PR_OUT/die-static not built"
fi
true
