#!/usr/bin/env bash
# make bench-virt (and the end of make bench): the system VM, rv64-virt, against
# qemu-system-riscv64 (Debian's, TCG) on the same kernel, initramfs and
# OpenSBI (scripts/guest-linux.sh's cached guest), side by side in one run:
#   - boot: wall time from the machine's start to the init's first line
#     ("vvm-guest: init up": busybox sh is running /init) and to the machine's
#     exit after the guest's power-off, 1 and 4 harts, and the host CPU time
#     of the whole boot;
#   - CPU-bound programs (bench/src, the same static riscv64 binaries) run
#     inside the guest (rv64-virt, 1 hart) and as processes (rv64-linux; for
#     qemu, qemu-riscv64), timed on the host from lines the guest prints
#     before and after each run, with the part of the run the guest kernel
#     counted as user time (/proc/stat): the soft MMU's cost without the
#     guest kernel's own work (page faults a process has the host serve);
#   - peak RSS of the machine beyond the guest's RAM: the process's peak RSS
#     less the resident part of the guest RAM mapping (the largest anonymous
#     mapping of at least -m), read from /proc/PID/smaps at the end of the run;
#   - the host CPU (user+sys) the machine uses while the guest runs `sleep 5`.
#
#   B=build bash bench/virt.sh
# Variables: REPEAT (2: boots, and program runs inside one boot, best of),
# VIRT_ENGINES ("interp jit auto"), VIRT_PROGS ("int_arith branchy memchase strings"),
# VIRT_SLOW (20: a boot configuration whose first boot took longer than this
# many seconds is not repeated), VIRT_MEM (256M), VIRT_TIMEOUT (300: a boot
# taking longer is killed and its cells say FAIL; the programs' boot gets
# twice as long).
# Without the guest artifacts (make guest) it prints why and exits 0.
set -uo pipefail
export LC_ALL=C   # a '.' in $EPOCHREALTIME
ROOT=$(cd "$(dirname "$0")/.." && pwd)
B=${B:-build}
case "$B" in /*) ;; *) B="$ROOT/$B" ;; esac
VVM="$B/vvm"
OUT="$B/bench"
V="$OUT/virt"
mkdir -p "$V"
REPEAT=${REPEAT:-2}
ENGINES=${VIRT_ENGINES:-interp jit auto}
PROGS=${VIRT_PROGS:-int_arith branchy memchase strings}
SLOW=${VIRT_SLOW:-20}
MEM=${VIRT_MEM:-256M}
FW=/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_jump.bin
QSYS=qemu-system-riscv64
QUSER=qemu-riscv64
RVCC=riscv64-linux-gnu-gcc
. "$ROOT/bench/lib.sh"   # minof

skipped() { echo "bench-virt: skipped: $*"; exit 0; }
[ -x "$VVM" ] || skipped "$VVM not built (make all)"
[ -f "$FW" ] || skipped "Debian's OpenSBI not installed ($FW; scripts/install-deps.sh)"
GD=$(bash "$ROOT/scripts/guest-linux.sh" dir 2>&1) || skipped "the rv64-virt guest is not built (${GD##*$'\n'}): make guest builds it (about 5 minutes)"
HAVE_QEMU=1
command -v "$QSYS" >/dev/null || HAVE_QEMU=0

cc -std=gnu11 -O2 -o "$OUT/cputime" "$ROOT/bench/cputime.c" || exit 1
for n in $PROGS; do
	src=$ROOT/bench/src/$n.c
	[ -f "$src" ] || { echo "bench-virt: no program bench/src/$n.c"; exit 1; }
	[ "$OUT/$n.rv64" -nt "$src" ] || $RVCC -O2 -static -o "$OUT/$n.rv64" "$src" -lm || exit 1
done

# The initramfs of a run: the cached one with a cpio appended (the kernel
# unpacks each in turn) that brings /etc/rc and the programs.
mkinitrd() { # OUT RC [FILES under /bench...]
	local out=$1 rc=$2 f
	shift 2
	{
		printf 'dir /etc 755 0 0\nfile /etc/rc %s 755 0 0\ndir /bench 755 0 0\n' "$rc"
		for f in "$@"; do printf 'file /bench/%s %s 755 0 0\n' "$(basename "$f" .rv64)" "$f"; done
	} >"$out.list"
	{ cat "$GD/initramfs.cpio.gz"; "$GD/tools/gen_init_cpio" -t 0 "$out.list" | gzip -n; } >"$out"
}
printf 'true\n' >"$V/boot.rc"
mkinitrd "$V/boot.initrd" "$V/boot.rc"
{
	echo "# the CPU-bound programs, $REPEAT rounds, then the idle guest"
	echo "for r in $(seq -s ' ' "$REPEAT"); do"
	echo "  for p in $PROGS; do"
	echo '    read -r c gu gn gs _ </proc/stat; read -r up _ </proc/uptime; echo "@@start $p $up $gu $gs"'
	echo '    /bench/$p >/dev/null; st=$?; read -r up _ </proc/uptime; read -r c gu gn gs _ </proc/stat; echo "@@end $p $st $up $gu $gs"'
	echo "  done"
	echo "done"
	echo 'echo "@@idle-start"; sleep 5; echo "@@idle-end"'
	# the host reads the machine's smaps now; then power-off
	echo 'echo "@@rss"; sleep 1'
} >"$V/work.rc"
progs=()
for n in $PROGS; do progs+=("$OUT/$n.rv64"); done
mkinitrd "$V/work.initrd" "$V/work.rc" "${progs[@]}"

# machine_cmd MACHINE SMP INITRD: sets CMD (MACHINE: qemu, or vvm-ENGINE)
machine_cmd() {
	local m=$1 smp=$2 initrd=$3
	local common=(-machine virt -nographic -m "$MEM" -smp "$smp" -bios "$FW" -kernel "$GD/Image"
		-initrd "$initrd" -no-reboot -append "console=ttyS0 panic=-1")
	case $m in
	qemu) CMD=("$QSYS" "${common[@]}" -nic none) ;;
	vvm-*) CMD=("$VVM" run --machine rv64-virt --engine "${m#vvm-}" "${common[@]}") ;;
	esac
}

# ticks PID: TICKS = the process's user+sys CPU in clock ticks (all its
# threads), read without a fork
ticks() {
	local st
	TICKS=0
	[ -n "$1" ] && read -r st <"/proc/$1/stat" 2>/dev/null || return 0
	st=${st##*) }
	# shellcheck disable=SC2086
	set -- $st
	TICKS=$((${12} + ${13}))
}
TCK=$(getconf CLK_TCK)
TIMEOUT=${VIRT_TIMEOUT:-300}   # a boot's limit; the programs' boot gets twice this

# vrun LOG CMD...: runs a machine (under cputime, under timeout), reading
# its console.  The reading loop forks nothing, so that it keeps up with
# the console: each line is stamped with $EPOCHREALTIME as it is read, and
# the arithmetic is done after the run.  Sets R_INIT R_END (wall s from the
# start), R_ST, R_CPU (user+sys s), R_MAXRSS (KiB), and for the workload
# R_PROG[NAME] (the best wall s of its runs, host clock), R_GPROG[NAME] (the
# same by the guest's clock, /proc/uptime), R_CPROG[NAME] (the best host CPU
# s of the machine's process during a run, /proc/PID/stat), R_IDLE (CPU s during sleep 5),
# R_IDLE_WALL, R_RAM (KiB resident in the guest RAM mapping at @@rss).
declare -A R_PROG R_GPROG R_CPROG R_UPROG
vrun() {
	local log=$1 line t t0 cpid pid='' marks=()
	shift
	R_INIT=- R_END=- R_ST=- R_CPU=- R_MAXRSS=- R_IDLE=- R_IDLE_WALL=- R_RAM=-
	R_PROG=() R_GPROG=() R_CPROG=() R_UPROG=()
	rm -f "$V/cputime.out"
	exec 9>"$log"
	t0=$EPOCHREALTIME
	exec 8< <(exec timeout -k 5 "$LIMIT" "$OUT/cputime" -o "$V/cputime.out" "$@" </dev/null 2>&1)
	cpid=$!
	while IFS= read -r line <&8; do
		t=$EPOCHREALTIME
		line=${line%$'\r'}
		printf '%s %s\n' "$t" "$line" >&9
		case $line in
		"vvm-guest: init up"*) marks+=("$t @@init") ;;
		"@@rss") R_RAM=$(ram_rss "$pid") ;;
		"@@"*)
			# the machine's process (cputime's child, under timeout), once
			[ -n "$pid" ] || pid=$(pgrep -P "$(pgrep -P "$cpid" | head -n 1)" | head -n 1)
			ticks "$pid"
			marks+=("$t $line $TICKS") ;;
		esac
	done
	t=$EPOCHREALTIME
	exec 8<&- 9>&-
	wait "$cpid"
	R_ST=$?
	R_END=$(awk -v a="$t" -v b="$t0" 'BEGIN { printf "%.3f", a - b }')
	if [ -s "$V/cputime.out" ]; then
		read -r u s R_MAXRSS <"$V/cputime.out"
		R_CPU=$(awk -v u="$u" -v s="$s" 'BEGIN { printf "%.2f", u + s }')
	fi
	# the marks: "TIME @@init", "TIME @@start NAME UP", "TIME @@end NAME STATUS UP", ...
	while read -r k v; do
		case $k in
		init) R_INIT=$v ;;
		idle) R_IDLE_WALL=$v ;;
		prog)
			# shellcheck disable=SC2086
			set -- $v
			R_PROG[$1]=$(minof "${R_PROG[$1]:-}" "$2")
			R_GPROG[$1]=$(minof "${R_GPROG[$1]:-}" "$3")
			R_CPROG[$1]=$(minof "${R_CPROG[$1]:-}" "$4")
			R_UPROG[$1]=$(minof "${R_UPROG[$1]:-}" "$5") ;;
		idlecpu) R_IDLE=$v ;;
		esac
	done < <(printf '%s\n' "${marks[@]}" | awk -v t0="$t0" -v hz="$TCK" '
		# TIME @@start NAME UPTIME GUSER GSYS TICKS; TIME @@end NAME STATUS UPTIME GUSER GSYS TICKS
		# (GUSER, GSYS: the guest kernel'"'"'s user and system ticks, /proc/stat;
		# the run'"'"'s user part is its wall time times its share of user ticks)
		$2 == "@@init" && !seen++ { printf "init %.3f\n", $1 - t0 }
		$2 == "@@start" { st[$3] = $1; gst[$3] = $4; gu[$3] = $5; gs[$3] = $6; tk[$3] = $7 }
		$2 == "@@end" {
			if ($4 != 0 || !($3 in st)) printf "prog %s FAIL FAIL FAIL FAIL\n", $3
			else {
				u = $6 - gu[$3]; k = $7 - gs[$3]
				printf "prog %s %.3f %.2f %.2f %.3f\n", $3, $1 - st[$3], $5 - gst[$3], ($8 - tk[$3]) / hz,
					(u + k > 0 ? ($1 - st[$3]) * u / (u + k) : -1)
			}
		}
		# TIME @@idle-start TICKS
		$2 == "@@idle-start" { i0 = $1; it0 = $3 }
		$2 == "@@idle-end" { printf "idle %.3f\nidlecpu %.2f\n", $1 - i0, ($3 - it0) / hz }')
}

# ram_rss PID: KiB resident in the guest's RAM: the largest anonymous
# mapping of at least the guest's memory size
ram_rss() {
	local need
	need=$(numfmt --from=iec "$MEM")
	awk -v need="$need" '
		/^[0-9a-f]+-[0-9a-f]+ / { anon = (NF < 6); cur = 0; next }
		/^Size:/ { cur = (anon && $2 * 1024 >= need) ? $2 : 0; next }
		/^Rss:/ && cur > best { best = cur; rss = $2 }
		END { print (best ? rss : "-") }' "/proc/$1/smaps" 2>/dev/null || echo -
}

echo "bench-virt: $(date -u '+%Y-%m-%d %H:%M') UTC, $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg) at the start"
[ $HAVE_QEMU = 1 ] || echo "bench-virt: $QSYS not installed: no qemu column (scripts/install-deps.sh)"
MACHINES=()
[ $HAVE_QEMU = 0 ] || MACHINES+=(qemu)
for e in $ENGINES; do MACHINES+=("vvm-$e"); done

# ---------------------------------------------------------------- boots
declare -A B_INIT B_END B_CPU
for smp in 1 4; do
	for m in "${MACHINES[@]}"; do
		machine_cmd "$m" "$smp" "$V/boot.initrd"
		bi="" be="" bc=""
		for r in $(seq "$REPEAT"); do
			LIMIT=$TIMEOUT vrun "$V/boot-$m-$smp.log" "${CMD[@]}"
			if [ "$R_ST" != 0 ] || [ "$R_INIT" = - ]; then
				echo "bench-virt: $m -smp $smp: exit status $R_ST$([ "$R_ST" != 124 ] || echo " (killed after $TIMEOUT s)"), init's line at $R_INIT s (log: $V/boot-$m-$smp.log)" >&2
				bi=FAIL be=FAIL bc=FAIL
				break
			fi
			bi=$(minof "$bi" "$R_INIT"); be=$(minof "$be" "$R_END"); bc=$(minof "$bc" "$R_CPU")
			awk -v e="$R_END" -v s="$SLOW" 'BEGIN { exit !(e > s) }' && break
		done
		# shellcheck disable=SC2034  # read through the nameref row below
		B_INIT[$m-$smp]=$bi B_END[$m-$smp]=$be B_CPU[$m-$smp]=$bc
	done
done

# ---------------------------------------------------------------- programs, memory, idle
declare -A W_PROG W_GPROG W_CPROG W_UPROG W_IDLE W_IDLEW W_RAM W_MAXRSS
for m in "${MACHINES[@]}"; do
	machine_cmd "$m" 1 "$V/work.initrd"
	LIMIT=$((2 * TIMEOUT)) vrun "$V/work-$m.log" "${CMD[@]}"
	[ "$R_ST" = 0 ] || echo "bench-virt: $m workload boot: exit status $R_ST (log: $V/work-$m.log)" >&2
	for n in $PROGS; do
		W_PROG[$m-$n]=${R_PROG[$n]:-FAIL} W_GPROG[$m-$n]=${R_GPROG[$n]:-FAIL} W_CPROG[$m-$n]=${R_CPROG[$n]:-FAIL}
		W_UPROG[$m-$n]=${R_UPROG[$n]:-FAIL}
	done
	W_IDLE[$m]=$R_IDLE W_IDLEW[$m]=$R_IDLE_WALL W_RAM[$m]=$R_RAM W_MAXRSS[$m]=$R_MAXRSS
done
# the same binaries as processes: wall s and CPU s, best of REPEAT each
declare -A U_PROG U_CPROG
for m in "${MACHINES[@]}"; do
	for n in $PROGS; do
		bw="" bc=""
		for r in $(seq "$REPEAT"); do
			case $m in
			qemu) cmd=("$QUSER" "$OUT/$n.rv64") ;;
			vvm-*) cmd=("$VVM" run --engine "${m#vvm-}" "$OUT/$n.rv64") ;;
			esac
			t0=$EPOCHREALTIME
			if "$OUT/cputime" -o "$V/cputime.out" "${cmd[@]}" >/dev/null 2>&1; then
				t=$EPOCHREALTIME
				bw=$(minof "$bw" "$(awk -v a="$t" -v b="$t0" 'BEGIN { printf "%.3f", a - b }')")
				bc=$(minof "$bc" "$(awk '{ printf "%.2f", $1 + $2 }' "$V/cputime.out")")
			else bw=FAIL bc=FAIL; fi
		done
		U_PROG[$m-$n]=$bw U_CPROG[$m-$n]=$bc
	done
done

# ---------------------------------------------------------------- tables
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "FAIL" || b == "FAIL" || a == "-" || b == "-" || b == 0) print "-"; else printf "%.2fx", a / b }'; }
col() { echo "${1:--}"; }
label() { case $1 in qemu) echo "qemu" ;; vvm-*) echo "vvm ${1#vvm-}" ;; esac; }

echo "### rv64-virt: boot (wall s from the machine's start, best of $REPEAT; a configuration over ${SLOW} s ran once)"
echo
printf '| boot |'; for m in "${MACHINES[@]}"; do printf ' %s |' "$(label "$m")"; done
[ $HAVE_QEMU = 0 ] || for m in "${MACHINES[@]}"; do [ "$m" = qemu ] || printf ' %s/qemu |' "$(label "$m")"; done
echo
printf '|---|'; for m in "${MACHINES[@]}"; do printf -- '---:|'; done
[ $HAVE_QEMU = 0 ] || for m in "${MACHINES[@]}"; do [ "$m" = qemu ] || printf -- '---:|'; done
echo
for smp in 1 4; do
	h="1 hart"; [ $smp = 1 ] || h="$smp harts"
	for what in INIT END CPU; do
		case $what in
		INIT) printf "| init's first line, %s |" "$h" ;;
		END) printf '| power-off (exit), %s |' "$h" ;;
		CPU) printf '| host CPU s of the boot, %s |' "$h" ;;
		esac
		declare -n row="B_$what"
		for m in "${MACHINES[@]}"; do printf ' %s |' "${row[$m-$smp]:--}"; done
		if [ $HAVE_QEMU = 1 ]; then
			for m in "${MACHINES[@]}"; do
				[ "$m" = qemu ] || printf ' %s |' "$(ratio "${row[$m-$smp]:--}" "${row[qemu-$smp]:--}")"
			done
		fi
		unset -n row
		echo
	done
done

echo
echo "### rv64-virt: CPU-bound programs in the guest (system mode, 1 hart) against the same static binary as a process (user mode: vvm's rv64-linux, qemu-riscv64); best of $REPEAT"
echo
printf '| program | machine | user mode s | system mode s | system/user | user mode CPU s | system mode CPU s | system/user (CPU) | system mode, its user part s | that/user |\n'
printf '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|\n'
for n in $PROGS; do
	for m in "${MACHINES[@]}"; do
		u=${U_PROG[$m-$n]:--} s=${W_PROG[$m-$n]:--} uc=${U_CPROG[$m-$n]:--} sc=${W_CPROG[$m-$n]:--} su=${W_UPROG[$m-$n]:--}
		[ "$su" != -1.000 ] || su=-
		printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' "$n" "$(label "$m")" "$u" "$s" "$(ratio "$s" "$u")" \
			"$uc" "$sc" "$(ratio "$sc" "$uc")" "$su" "$(ratio "$su" "$u")"
	done
done
echo
echo "(system mode: timed on the host from the guest's lines before and after each run; by the guest's own clock,"
echo "/proc/uptime: $(for n in $PROGS; do for m in "${MACHINES[@]}"; do printf '%s %s %s; ' "$n" "$(label "$m")" "${W_GPROG[$m-$n]:--}"; done; done | sed 's/; $//'). CPU s: the machine's"
echo "process's user+sys time (/proc/PID/stat, 10 ms ticks) between those lines, against the process's whole run in user mode."
echo "Its user part: the run's wall time times the share of the guest kernel's ticks (/proc/stat, 250 Hz) that were"
echo "user time: what the soft MMU costs the program, without the guest kernel's own work -- its page faults, which"
echo "a process has the host's kernel do -- and its timer.)"
echo

echo "### rv64-virt: memory and an idle guest (the programs' boot, -m $MEM, 1 hart)"
echo
printf '| |'; for m in "${MACHINES[@]}"; do printf ' %s |' "$(label "$m")"; done; echo
printf '|---|'; for m in "${MACHINES[@]}"; do printf -- '---:|'; done; echo
mb() { awk -v k="$1" 'BEGIN { if (k == "-" || k == "") print "-"; else printf "%.1f", k / 1024 }'; }
printf '| peak RSS MB |'; for m in "${MACHINES[@]}"; do printf ' %s |' "$(mb "${W_MAXRSS[$m]}")"; done; echo
printf '| guest RAM resident MB (at the end) |'; for m in "${MACHINES[@]}"; do printf ' %s |' "$(mb "${W_RAM[$m]}")"; done; echo
printf '| peak RSS beyond guest RAM MB |'
for m in "${MACHINES[@]}"; do
	r=${W_RAM[$m]} x=${W_MAXRSS[$m]}
	if [ "$r" = - ] || [ "$x" = - ]; then printf ' - |'; else printf ' %s |' "$(mb $((x - r)))"; fi
done
echo
printf '| host CPU s while the guest runs sleep 5 |'
for m in "${MACHINES[@]}"; do printf ' %s |' "${W_IDLE[$m]}"; done; echo
printf '| the same, %% of one core |'
for m in "${MACHINES[@]}"; do
	printf ' %s |' "$(awk -v c="${W_IDLE[$m]}" -v w="${W_IDLEW[$m]}" 'BEGIN { if (c == "-" || w == "-" || w == 0) print "-"; else printf "%.1f%%", 100 * c / w }')"
done
echo
echo
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "guest: $GD ($(sed -n 's/^linux-source-6.1 /linux-source-6.1 /p' "$GD/inputs")); logs in $V"
