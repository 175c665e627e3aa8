# Reflection: .vml advice loaded with `vvm run --load` watches and steers a
# riscv64 guest (tests/reflect/guest.c) at every join point: a system call
# answered, guest memory and registers rewritten, advice unwoven, errors in
# advice reported and survived, bad VMlets refused.
# Sourced by tests/run.sh (see there for $VVM, $B, $TMP, pass/fail/...).
# asan-pass: yes
# engines: yes

R_SRC=$ROOT/tests/reflect
R_OUT=${B_GUEST:-$B}/tests/reflect
mkdir -p "$R_OUT"
if [ -z "${REPEAT_PASS:-}" ]; then
	make -C "$R_SRC" O="$R_OUT" all >"$R_OUT/build.log" 2>&1 ||
		{ fail reflect/build "see $R_OUT/build.log"; show "$R_OUT/build.log" 6; }
fi
R_GUEST=$R_OUT/guest
r_timeout=$(scaled 30)

# r_run NAME VML: runs the guest with VML loaded; stdout in $TMP/NAME.out,
# stderr in $TMP/NAME.err, the status in $r_st
r_run() {
	run_to "$r_timeout" "$VVM" run --load "$R_SRC/$2" "$R_GUEST" >"$TMP/$1.out" 2>"$TMP/$1.err"
	r_st=$?
}
# r_expect NAME FILE PATTERN...: each extended regular expression matches a
# line of FILE
r_expect() {
	local name=$1 file=$2 p
	shift 2
	for p in "$@"; do
		if ! grep -Eq -- "$p" "$file"; then
			fail "$name" "no line matches '$p'"
			show "$TMP/$name.out" 8
			show "$TMP/$name.err" 8
			return 1
		fi
	done
	return 0
}

if [ ! -x "$R_GUEST" ]; then
	fail reflect/guest "the guest was not built"
else
	r_run answer answer.vml
	[ $r_st = 0 ] && r_expect reflect/answer "$TMP/answer.out" '^pid 4242$' '^hello$' '^pid again 4242$' \
		'^child pid 4242$' '^child exit 7$' && pass reflect/answer ||
		{ [ $r_st = 0 ] || fail reflect/answer "exit $r_st"; }

	r_run steer steer.vml
	[ $r_st = 0 ] && r_expect reflect/steer "$TMP/steer.out" '^HELpid again [0-9]+$' && pass reflect/steer ||
		{ [ $r_st = 0 ] || fail reflect/steer "exit $r_st"; }

	r_run define define.vml
	if [ $r_st = 0 ] && grep -q '^pid 777$' "$TMP/define.out"; then
		fail reflect/define-syscall "getpid stayed defined after (define-syscall 172 #f)"
	elif [ $r_st = 0 ] && r_expect reflect/define-syscall "$TMP/define.out" '^syscall 500 42 -1$' '^pid [0-9]+$' &&
		r_expect reflect/define-syscall "$TMP/define.err" 'system call 500 of define-syscall failed' \
			'define\.vml:6:'; then
		pass reflect/define-syscall
	elif [ $r_st != 0 ]; then
		fail reflect/define-syscall "exit $r_st"
	fi

	r_run watch watch.vml
	[ $r_st = 0 ] && r_expect reflect/join-points "$TMP/watch.err" '^\(watch 0 #t #t #t 2 1 1 #t\)$' \
		'^\(watch 7 ' && pass reflect/join-points ||
		{ [ $r_st = 0 ] || fail reflect/join-points "exit $r_st"; }

	r_run unadvise unadvise.vml
	if [ $r_st = 0 ] && r_expect reflect/unadvise "$TMP/unadvise.err" '^\(unadvise #t #f #f\)$'; then
		if grep -q '^pid 4242$' "$TMP/unadvise.out"; then
			fail reflect/unadvise "unwoven advice still answered getpid"
		else
			pass reflect/unadvise
		fi
	elif [ $r_st != 0 ]; then
		fail reflect/unadvise "exit $r_st"
	fi

	r_run error error.vml
	n=$(grep -c 'syscall-entry advice failed and is unwoven' "$TMP/error.err")
	if [ $r_st != 0 ]; then
		fail reflect/advice-error "exit $r_st: an error in advice ended the guest"
		show "$TMP/error.err" 6
	elif [ "$n" != 1 ]; then
		fail reflect/advice-error "the failure was reported $n times, not once"
		show "$TMP/error.err" 6
	else
		r_expect reflect/advice-error "$TMP/error.err" 'error\.vml:6:' &&
			r_expect reflect/advice-error "$TMP/error.out" '^child exit 7$' && pass reflect/advice-error
	fi

	r_run stale stale.vml
	[ $r_st = 0 ] && r_expect reflect/stale-cpu "$TMP/stale.err" 'belongs to advice that has returned' \
		'stale\.vml:5:' && pass reflect/stale-cpu || { [ $r_st = 0 ] || fail reflect/stale-cpu "exit $r_st"; }

	r_run badreg badreg.vml
	[ $r_st = 0 ] && r_expect reflect/bad-register "$TMP/badreg.err" 'riscv64 has no register q9' &&
		pass reflect/bad-register || { [ $r_st = 0 ] || fail reflect/bad-register "exit $r_st"; }

	# refused before the guest starts: a message naming the cause, status 1
	# (2 for a file that is not there), and the guest never runs
	for c in "badjp:no join point no-such-point:1" "syntax:unterminated list:1" "missing:No such file:2"; do
		n=${c%%:*}; rest=${c#*:}; msg=${rest%:*}; want=${rest##*:}
		run_to "$r_timeout" "$VVM" run --load "$R_SRC/$n.vml" "$R_GUEST" >"$TMP/$n.out" 2>"$TMP/$n.err"
		st=$?
		if [ $st != "$want" ]; then
			fail "reflect/refused-$n" "exit $st, not $want"
			show "$TMP/$n.err" 4
		elif [ -s "$TMP/$n.out" ]; then
			fail "reflect/refused-$n" "the guest ran"
		else
			r_expect "reflect/refused-$n" "$TMP/$n.err" "$msg" && pass "reflect/refused-$n"
		fi
	done

	# the strace example of examples/reflect
	run_to "$r_timeout" "$VVM" run --load "$ROOT/examples/reflect/strace.vml" "$R_GUEST" >"$TMP/strace.out" \
		2>"$TMP/strace.err"
	st=$?
	[ $st = 0 ] && r_expect reflect/strace-example "$TMP/strace.err" '^getpid\([0-9, ]*\) = [0-9]+$' \
		'^write\(1, [0-9]+, 6\) = 6$' '^clone' '^exit_group\(0, ' && pass reflect/strace-example ||
		{ [ $st = 0 ] || fail reflect/strace-example "exit $st"; }
fi
