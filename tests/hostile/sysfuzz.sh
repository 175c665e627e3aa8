# The system-call fuzzer (tests/hostile/fuzz/sysfuzz.c) under vvm, confined
# like the hostile programs.  It makes every call of os/linux/syscalls.def
# and unknown numbers with hostile arguments, each in a forked child.  The
# children may die of guest signals; vvm itself must never die: no
# "internal error" and no sanitizer report on stderr (a forked vvm that
# crashes prints there too), no hang, and the fuzzer prints its summary.
# A crash is reported with the call that caused it and the command that
# makes that call again.
#   SYSFUZZ_SEED (1)  SYSFUZZ_CALLS (5000; 2000 under ASan)  SYSFUZZ_SECONDS (run for this
#   long instead of a number of calls: `make fuzz`)  SYSFUZZ_ARGS (more
#   options for sysfuzz, e.g. "-X trunc -x ioctl" to leave a known problem out)
# Sourced by tests/hostile/suite.sh (HO_* and ho_run come from there).

sf_exe=$HO_OUT/sysfuzz
sf_src=$HO_SRC/fuzz/sysfuzz.c
if [ "${SANITIZE_PASS:-0}" != 1 ] && { [ ! -x "$sf_exe" ] || [ "$sf_src" -nt "$sf_exe" ] ||
	[ "$ROOT/os/linux/syscalls.def" -nt "$sf_exe" ]; }; then
	# -I ROOT: the fuzzer includes os/linux/syscalls.def, its list of calls
	if "$HO_CC" -O1 -g -Wall -Wextra -D_GNU_SOURCE -static -I "$ROOT" -o "$sf_exe.tmp" "$sf_src" \
		>"$sf_exe.build.log" 2>&1; then
		mv "$sf_exe.tmp" "$sf_exe"
	else
		fail hostile/sysfuzz/build "see $sf_exe.build.log"
		show "$sf_exe.build.log"
	fi
fi

if [ -x "$sf_exe" ]; then
	sf_seed=${SYSFUZZ_SEED:-1}
	if [ -n "${SYSFUZZ_SECONDS:-}" ]; then
		sf_args=(-s "$sf_seed" -T "$SYSFUZZ_SECONDS")
		sf_timeout=$((SYSFUZZ_SECONDS + $(scaled 120)))
	else
		# about 6 s of CPU plain, 13 s under ASan (a call costs 1 ms, 6.5 ms)
		sf_calls=5000
		[ "${SANITIZED:-0}" = 1 ] && sf_calls=2000
		sf_args=(-s "$sf_seed" -n "${SYSFUZZ_CALLS:-$sf_calls}")
		sf_timeout=$(scaled 300)
	fi
	# shellcheck disable=SC2206
	sf_args+=(${SYSFUZZ_ARGS:-})
	cp "$sf_exe" "$HO_SCRATCH/sysfuzz"
	chmod 555 "$HO_SCRATCH/sysfuzz"
	sf_out=$TMP/sysfuzz.out
	sf_err=$TMP/sysfuzz.err
	ho_run "$sf_timeout" "$HO_VVM" run "$HO_SCRATCH/sysfuzz" "${sf_args[@]}" -k $(($(scaled 2) * 1000)) -d sysfuzz.d >"$sf_out" 2>"$sf_err"
	sf_st=$?
	sf_summary=$(grep -a '^sysfuzz: done:' "$sf_out")
	# each report of vvm's own death, after the call printed before it
	sf_crashes=$(awk -v bad="$HO_CRASH" '/^sysfuzz: #/ { call = $0 } $0 ~ bad && !seen[call]++ { print call; print "  => " $0 }' "$sf_err")
	if [ $sf_st -eq 124 ] || [ $sf_st -eq 137 ]; then
		fail hostile/sysfuzz "hung: timed out after ${sf_timeout}s (seed $sf_seed); last call: $(grep -a '^sysfuzz: #' "$sf_err" | tail -n 1 | cut -c1-160)"
	elif [ -n "$sf_crashes" ]; then
		fail hostile/sysfuzz "vvm crashed or drew a sanitizer report in $(grep -c '^  => ' <<<"$sf_crashes") call(s) (seed $sf_seed; the number after # is the call: replay one with vvm run sysfuzz -s $sf_seed -f N -n 1${SYSFUZZ_ARGS:+ $SYSFUZZ_ARGS}, as an unprivileged user)"
		show - 20 <<<"$sf_crashes"
	elif [ $sf_st -ne 0 ] || [ -z "$sf_summary" ]; then
		fail hostile/sysfuzz "exit $sf_st without its summary (seed $sf_seed)"
		grep -av '^sysfuzz: #' "$sf_err" | tail -n 4 | show -
	elif grep -aq 'did not end it' "$sf_out"; then
		fail hostile/sysfuzz "a call went on after its alarm until it was killed (seed $sf_seed)"
		grep -a 'did not end it' "$sf_out" | show - 4
		for n in $(grep -a 'did not end it' "$sf_out" | sed -n 's/^sysfuzz: #\([0-9]*\) .*/\1/p' | head -n 4); do
			grep -a "^sysfuzz: #$n " "$sf_err" | show - 1
		done
	elif sf_early=$(sed -n 's/.* \([0-9][0-9]*\) died before the call.*/\1/p' <<<"$sf_summary") &&
		sf_made=$(sed -n 's/.* \([0-9][0-9]*\) made,.*/\1/p' <<<"$sf_summary") &&
		[ -n "$sf_early" ] && [ -n "$sf_made" ] && [ $((sf_early * 10)) -gt "$sf_made" ]; then
		# a child that dies before its call tests nothing: a few may (a
		# signal from an earlier call), not most
		fail hostile/sysfuzz "$sf_early of $sf_made calls: the child died before the call (seed $sf_seed)"
		grep -a 'ended before the call' "$sf_out" | show - 3
		grep -av '^sysfuzz: #' "$sf_err" | sort | uniq -c | sort -rn | show - 3
	else
		pass hostile/sysfuzz
		echo "    ${sf_summary#sysfuzz: done: }"
	fi
fi
