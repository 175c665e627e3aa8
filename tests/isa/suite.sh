# ISA tests: sources every tests/isa/*/suite.sh (int, fp, ...), each in its
# own subshell with $TMP/<name> as its scratch directory.  tests/run.sh only
# looks one level down, so this file connects the per-extension suites.
# In the ASan pass only the sub-suites that carry the asan-pass line run.
# asan-pass: yes
# engines: yes
for isa_sub in "$ROOT"/tests/isa/*/suite.sh; do
	[ -f "$isa_sub" ] || continue
	if [ "${SANITIZE_PASS:-0}" = 1 ] && ! grep -Eq '^#[[:space:]]*asan-pass:[[:space:]]*yes' "$isa_sub"; then
		continue
	fi
	(
		TMP=$TMP/$(basename "$(dirname "$isa_sub")")
		mkdir -p "$TMP"
		# shellcheck disable=SC1090
		source "$isa_sub"
	)
	isa_st=$?
	[ $isa_st -eq 0 ] || fail "isa/$(basename "$(dirname "$isa_sub")")/suite" "exited with status $isa_st"
done
true
