# The translation tier's host layer (engine/host): the x86-64 encoder's
# forms against capstone, generated code run from the code cache, a jump
# patched under a running thread, and bad input; the interpreter and the
# translation tier in lockstep on random instruction sequences.
# Sourced by tests/run.sh (see there for $VVM, $B, $TMP, pass/fail/...).
# asan-pass: yes

if [ "$(uname -m)" != x86_64 ]; then
	skip jit/x64 "the encoder's test runs on x86-64 hosts only"
else
	# built by the Makefile, which links capstone into this test only
	if env -u MAKEFLAGS -u MAKELEVEL make -C "$ROOT" --no-print-directory B="$B" SANITIZE="${SANITIZED:-0}" \
		"$B/tests/jit/x64_test" >"$TMP/build.log" 2>&1; then
		run_to "$(scaled 60)" "$B/tests/jit/x64_test" >"$TMP/x64.out" 2>"$TMP/x64.err"
		st=$?
		while IFS= read -r line; do
			case $line in
			"ok end") ;;
			"ok "*) pass "jit/${line#ok }" ;;
			"not ok "*) fail "jit/${line#not ok }" ;;
			"skip "*) n=${line#skip }; skip "jit/${n%%:*}" "${n#*: }" ;;
			esac
		done <"$TMP/x64.out"
		if [ $st -ne 0 ] || ! grep -qx "ok end" "$TMP/x64.out"; then
			fail jit/x64 "status $st, $(grep -c '^ok' "$TMP/x64.out") checks passed"
			show "$TMP/x64.err"
		fi
		if grep -q Sanitizer "$TMP/x64.err"; then
			fail jit/x64/sanitizer
			grep -A8 Sanitizer "$TMP/x64.err" | show -
		fi
	else
		fail jit/x64 "does not build (libcapstone-dev: bash scripts/install-deps.sh)"
		show "$TMP/build.log"
	fi
fi

# lockstep: random instruction sequences run by the interpreter and by the
# translation tier from the same state, compared after every budget step
# (tests/jit/lockstep.c); a difference prints the sequence and its seed, and
# `lockstep 1 SEED` runs that sequence again.  LOCKSTEP_SEQUENCES sets how
# many (3000; the ASan pass runs a third of them).
san=
[ "${SANITIZED:-0}" = 1 ] && san="-fsanitize=address,undefined -fno-omit-frame-pointer"
# shellcheck disable=SC2086
if ${CC:-cc} -std=gnu11 -O1 -g -Wall -Wextra -Wno-unused-parameter -Wno-unused-function $san -I"$ROOT" -I"$B/gen" \
	-D_GNU_SOURCE -pthread -o "$TMP/lockstep" "$ROOT/tests/jit/lockstep.c" "$B/libvvm.a" -lfdt -lslirp -lm -ldl 2>"$TMP/lockstep.log"; then
	n=${LOCKSTEP_SEQUENCES:-3000}
	[ "${SANITIZED:-0}" = 1 ] && n=$((n / 3))
	out=$(run_to "$(scaled 120)" "$TMP/lockstep" "$n" 2>"$TMP/lockstep.err"); st=$?
	if [ $st -eq 0 ] && echo "$out" | grep -q "^ok .* ops (interp vs jit)$"; then
		pass jit/lockstep
	else
		fail jit/lockstep "exit $st, '$out' (log: $TMP/lockstep.err)"
		show "$TMP/lockstep.err" 40
	fi
	# the staged tier (translates what ran often) against the interpreter
	out=$(LOCKSTEP_TIERS=interp,auto run_to "$(scaled 120)" "$TMP/lockstep" $((n / 3)) 0x5eed2 2>>"$TMP/lockstep.err"); st=$?
	if [ $st -eq 0 ] && echo "$out" | grep -q "^ok .* ops (interp vs auto)$"; then
		pass jit/lockstep-auto
	else
		fail jit/lockstep-auto "exit $st, '$out' (log: $TMP/lockstep.err)"
		show "$TMP/lockstep.err" 40
	fi
	if grep -q Sanitizer "$TMP/lockstep.err"; then
		fail jit/lockstep/sanitizer
		grep -A8 Sanitizer "$TMP/lockstep.err" | show -
	fi
	# bad arguments: a usage message and status 2, never a crash
	bad_ok=1
	for args in "0" "x" "1 2 3" "1 zz"; do
		# shellcheck disable=SC2086
		run_to "$(scaled 10)" "$TMP/lockstep" $args >/dev/null 2>"$TMP/lockstep-bad.err"
		st=$?
		[ $st -eq 2 ] && [ -s "$TMP/lockstep-bad.err" ] || { bad_ok=0; echo "lockstep $args: exit $st" >>"$TMP/lockstep-bad.log"; }
	done
	LOCKSTEP_TIERS=interp run_to "$(scaled 10)" "$TMP/lockstep" 1 >/dev/null 2>&1
	[ $? -eq 2 ] || { bad_ok=0; echo "LOCKSTEP_TIERS=interp: not refused" >>"$TMP/lockstep-bad.log"; }
	if [ $bad_ok = 1 ]; then pass jit/lockstep-usage; else fail jit/lockstep-usage; show "$TMP/lockstep-bad.log"; fi
else
	fail jit/lockstep "does not build"
	show "$TMP/lockstep.log"
fi

