# The translation tier's host layer (engine/host): the x86-64 encoder's
# forms against capstone, generated code run from the code cache, a jump
# patched under a running thread, and bad input.  The tier itself is not
# built yet; --engine jit must say so.
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

# what only looks done goes: until the tier exists, --engine jit refuses
out=$(run_to "$(scaled 10)" "$VVM" run --engine jit /bin/true 2>&1); st=$?
if [ $st -ne 0 ] && echo "$out" | grep -q "not built yet"; then
	pass jit/engine-jit-refused
else
	fail jit/engine-jit-refused "exit $st, '$out'"
fi
