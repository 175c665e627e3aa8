# Short fuzzing runs for `make check` (sourced through tests/fuzz/suite.sh):
# each libFuzzer target of fuzz/build.sh (decode, elf, vml_read, vml_compile, rtl,
# lockstep, dtb, virtq, virtio_net, state, gdb)
# for FUZZ_CHECK_SECONDS (20) seconds from generated seeds; an input running
# longer than 25 seconds fails like a crash.  `make fuzz` runs them longer
# (fuzz/run.sh).

FB=$(cd "$B/.." && pwd)/build-fuzz
# shellcheck source=fuzz/build.sh
source "$ROOT/fuzz/build.sh"
if ! fuzz_build; then
	fail fuzz/build "see $FB/build.log"
	grep -E 'error' "$FB/build.log" | show -
else
	pass fuzz/build
	fuzz_seeds
	secs=${FUZZ_CHECK_SECONDS:-20}
	for t in $FUZZ_TARGETS; do
		mkdir -p "$TMP/corpus-$t" "$TMP/crash-$t"
		if run_to $((secs + 60)) env ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
			UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
			"$FB/fuzz_$t" -max_total_time="$secs" -timeout=25 -print_final_stats=1 -artifact_prefix="$TMP/crash-$t/" \
			"$TMP/corpus-$t" "$FB/seeds/$t" >"$TMP/$t.log" 2>&1; then
			pass "fuzz/$t"
		else
			fail "fuzz/$t" "$(grep -m1 -E 'ERROR|Assertion|runtime error|timeout' "$TMP/$t.log" | cut -c1-160) (log: $TMP/$t.log)"
			grep -E -A12 'ERROR|Assertion|runtime error' "$TMP/$t.log" | show - 14
		fi
	done
fi
