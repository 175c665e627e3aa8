# The ELF mutation check: mutants of a static and a dynamic riscv64 hello
# (tests/hostile/fuzz/elfmut.c: truncations, bad header fields, huge and
# overlapping segments, bad PT_INTERP strings, random header bytes; fixed
# seed) each run under vvm, confined, two at a time.  vvm must run each or
# exit nonzero with a message; never crash (an internal error, a sanitizer
# report, a death by a signal it did not report as the guest's), never hang,
# and never copy terminal control bytes from the file to the terminal.
#   ELFMUT_SEED (1)  ELFMUT=0 skips the check (`make fuzz` runs the suite
#   for the system-call fuzzer alone)
# Sourced by tests/hostile/suite.sh (HO_* and ho_run come from there).

em_src=$HO_SRC/fuzz
em_out=$HO_OUT/elfmut
em_sysroot=${RV_SYSROOT:-/usr/riscv64-linux-gnu}
mkdir -p "$em_out"
if [ "${ELFMUT:-1}" = 0 ]; then
	skip hostile/elfmut "ELFMUT=0"
elif [ "${SANITIZE_PASS:-0}" != 1 ]; then
	em_ok=1
	{ cc -O1 -g -Wall -Wextra -o "$em_out/elfmut" "$em_src/elfmut.c" &&
		"$HO_CC" -O1 -static -o "$em_out/hello-s" "$em_src/hello.c" &&
		"$HO_CC" -O1 -o "$em_out/hello-d" "$em_src/hello.c"; } >"$em_out/build.log" 2>&1 || em_ok=0
	if [ $em_ok = 0 ]; then
		fail hostile/elfmut/build "see $em_out/build.log"
		show "$em_out/build.log"
	fi
fi

if [ "${ELFMUT:-1}" != 0 ] && [ -x "$em_out/elfmut" ] && [ -x "$em_out/hello-s" ] && [ -x "$em_out/hello-d" ]; then
	em_seed=${ELFMUT_SEED:-1}
	em_dir=$HO_SCRATCH/elfmut
	mkdir -m 1777 "$em_dir" "$em_dir/m" "$em_dir/r"
	cp "$em_out/elfmut" "$em_out/hello-s" "$em_out/hello-d" "$em_src/elfmut-run.sh" "$em_dir/"
	mkfifo -m 644 "$em_dir/m/fifo"
	: >"$em_dir/list"
	for p in s d; do
		"$em_dir/elfmut" "$em_seed" "$em_dir/hello-$p" "$em_dir/m" "$p" list >>"$em_dir/list"
	done
	# under ASan every second mutant (a run costs three times as much there)
	if [ "${SANITIZED:-0}" = 1 ]; then
		awk 'NR % 2 || / unchanged$/' "$em_dir/list" >"$em_dir/list.half" && mv "$em_dir/list.half" "$em_dir/list"
	fi
	em_secs=$(scaled 5)
	ho_run "$(scaled 300)" bash "$em_dir/elfmut-run.sh" "$em_dir" "$HO_VVM" "$em_secs" "$em_seed" "$em_sysroot"
	em_st=$?
	em_n=0
	em_bad=()
	em_esc=()
	while read -r name what; do
		em_n=$((em_n + 1))
		st=$(cat "$em_dir/r/$name.st" 2>/dev/null)
		err=$em_dir/r/$name.err
		why=
		if [ -z "$st" ]; then
			why="not run"
		elif [ "$st" = 124 ] || [ "$st" = 137 ]; then
			why="hung: killed after ${em_secs}s"
		elif grep -qaE "$HO_CRASH" "$err"; then
			why="vvm crashed: $(grep -m1 -aE "$HO_CRASH" "$err" | cut -c1-120)"
		elif [ "$st" -gt 128 ] && [[ " 3 4 5 6 7 8 11 24 25 31 " == *" $((st - 128)) "* ]] &&
			! grep -qa 'guest killed by signal' "$err"; then
			# a core-dumping signal (a crash): the guest's is reported, so
			# no report means vvm's own
			why="vvm died of signal $((st - 128)) with no report"
		elif [ "$st" != 0 ] && [ ! -s "$err" ]; then
			why="exit $st with no message"
		fi
		# the unchanged programs must run, or the check tests nothing
		[ "$what" = unchanged ] && [ "$st" != 0 ] && why="the unchanged program did not run (exit $st): $(head -c 120 "$err")"
		[ -n "$why" ] && em_bad+=("$name ($what): $why")
		LC_ALL=C grep -qa $'[\x01-\x08\x0b-\x1f\x7f]' "$err" 2>/dev/null && em_esc+=("$name ($what): $(head -c 160 "$err" | cat -v)")
	done <"$em_dir/list"
	em_replay="replay: elfmut $em_seed INPUT DIR PREFIX N (tests/hostile/fuzz/elfmut.c; INPUT the static (s) or dynamic (d) hello), then vvm run -L $em_sysroot DIR/PREFIX-N"
	if [ "$em_st" = 124 ] || [ "$em_st" = 137 ]; then
		fail hostile/elfmut "the whole check hung (over $(scaled 300)s)"
	elif [ ${#em_bad[@]} -gt 0 ]; then
		fail hostile/elfmut "${#em_bad[@]} of $em_n mutants (seed $em_seed) failed (a crash, a hang, a silent failure); $em_replay"
		printf '%s\n' "${em_bad[@]}" | show - 12
	else
		pass hostile/elfmut
		echo "    $em_n mutants (seed $em_seed): none crashed or hung vvm"
	fi
	if [ ${#em_esc[@]} -gt 0 ]; then
		fail hostile/elfmut/escapes "${#em_esc[@]} mutants got control bytes from the file to stderr"
		printf '%s\n' "${em_esc[@]}" | show - 4
	else
		pass hostile/elfmut/escapes
	fi
fi
