# The REPL on a terminal (libedit line editing, history file, Ctrl-C), driven
# through a pseudo-terminal by script(1).  Every input waits for the output it
# depends on (a new prompt, a value), so timing only matters for the Ctrl-C
# sent during a running evaluation, which is retried until the prompt returns.
# Sourced by tests/meta/suite.sh.
# shellcheck shell=bash

# tty_start NAME: a `vvm repl` session on a pty; input goes to fd 7, the
# transcript to $TTY_OUT.  HOME is a scratch directory (no ~/.editrc), TERM is
# dumb (no escape sequences), the history file is $TMP/tty.hist.
tty_start() {
	TTY_OUT=$TMP/tty.$1.out
	local in=$TMP/tty.$1.in
	rm -f "$in" "$TTY_OUT"
	mkfifo "$in"
	mkdir -p "$TMP/ttyhome"
	# script(1) runs the command with $SHELL -c; exec makes vvm the process
	# on the pty, so a Ctrl-C reaches vvm alone (dash, Debian's /bin/sh, would
	# otherwise wait for vvm and then die of the SIGINT it received)
	HOME=$TMP/ttyhome TERM=dumb VVM_HISTORY=$TMP/tty.hist SHELL=/bin/sh \
		run_to "$(scaled 20)" script -qfec "exec $(printf '%q' "$VVM") repl" /dev/null <"$in" >"$TTY_OUT" 2>&1 &
	TTY_PID=$!
	exec 7>"$in"
	TTY_PROMPTS=1
}
# tty_count REGEX: how many times REGEX occurs in the transcript so far
tty_count() {
	tr -d '\r' <"$TTY_OUT" | grep -Eo -- "$1" | wc -l
}
# tty_wait REGEX [N]: until REGEX occurs N (1) times; 1 after 5 s (10 under ASan)
tty_wait() {
	local i
	for ((i = 0; i < 100 * TEST_TIMEOUT_SCALE; i++)); do
		[ "$(tty_count "$1")" -ge "${2:-1}" ] && return 0
		sleep 0.05
	done
	return 1
}
TTY_PROMPT='(vml>|\.\.\. ) '
# tty_line TEXT: type TEXT and Enter, then wait for the next prompt
tty_line() {
	printf '%s\r' "$1" >&7
	TTY_PROMPTS=$((TTY_PROMPTS + 1))
	tty_wait "$TTY_PROMPT" $TTY_PROMPTS
}
# tty_end: Ctrl-D, then the session's exit status
tty_end() {
	printf '\004' >&7
	exec 7>&-
	wait "$TTY_PID"
}
# tty_has REGEX: a whole line of the transcript matches
tty_has() {
	tr -d '\r' <"$TTY_OUT" | grep -Eq -- "^($1)\$"
}

if ! command -v script >/dev/null 2>&1; then
	skip meta/repl-tty "script(1) (util-linux) is not installed"
elif ! command -v mkfifo >/dev/null 2>&1; then
	skip meta/repl-tty "mkfifo is not installed"
elif ! script -qfec true /dev/null </dev/null >/dev/null 2>&1; then
	skip meta/repl-tty "script(1) cannot open a pseudo-terminal here"
else
	rm -f "$TMP/tty.hist"
	tty_start 1
	if tty_wait '^vml> '; then pass meta/repl-tty/prompt; else fail meta/repl-tty/prompt "no 'vml> ' prompt"; fi
	tty_line '(define x 6)'
	tty_line '(* x 7)'
	if tty_has 42; then pass meta/repl-tty/eval; else fail meta/repl-tty/eval "(* x 7) did not print 42"; fi
	tty_line '(+ x ; six'
	tty_line '  100)'
	if tty_has '\.\.\.   +100\)' && tty_has 106; then
		pass meta/repl-tty/multi-line
	else
		fail meta/repl-tty/multi-line "no continuation prompt, or (+ x\\n 100) did not print 106"
	fi
	tty_line '(car 1)'
	tty_line '(* x 1000)'
	if tty_has 'error: car: expected a pair.*' && tty_has 6000; then
		pass meta/repl-tty/error
	else
		fail meta/repl-tty/error "no error for (car 1), or the session did not go on"
	fi
	# Ctrl-C at the prompt drops the typed text (and a pending multi-line entry)
	printf '(+ 1000' >&7
	tty_wait '\(\+ 1000$' && sleep 0.1
	printf '\003' >&7
	TTY_PROMPTS=$((TTY_PROMPTS + 1))
	tty_wait "$TTY_PROMPT" $TTY_PROMPTS
	tty_line '(- 5000 1)'
	tty_line '(+ 1'
	printf '\003' >&7
	TTY_PROMPTS=$((TTY_PROMPTS + 1))
	tty_wait "$TTY_PROMPT" $TTY_PROMPTS
	tty_line '(* 3 3333)'
	if tty_has 4999 && tty_has 9999; then
		pass meta/repl-tty/ctrl-c-prompt
	else
		fail meta/repl-tty/ctrl-c-prompt "Ctrl-C at the prompt did not drop the input"
	fi
	# Ctrl-C during an evaluation interrupts it; the session goes on
	printf '(let loop () (loop))\r' >&7
	tty_wait '\(loop\)\)$'
	TTY_PROMPTS=$((TTY_PROMPTS + 1))
	for _ in 1 2 3; do
		sleep 0.2
		printf '\003' >&7
		tty_wait "$TTY_PROMPT" $TTY_PROMPTS && break
	done
	tty_line '(+ 7000 7)'
	if tty_has '(\^C)?error: interrupted' && tty_has 7007; then
		pass meta/repl-tty/ctrl-c-eval
	else
		fail meta/repl-tty/ctrl-c-eval "Ctrl-C did not interrupt (let loop () (loop)), or the session did not go on"
	fi
	tty_end
	st=$?
	hist=$(sed 's/\\040/ /g' "$TMP/tty.hist" 2>/dev/null)
	if [ $st -eq 0 ] && printf '%s\n' "$hist" | grep -qxF '(* x 7)' &&
		printf '%s\n' "$hist" | grep -qxF '(+ x 100)' && printf '%s\n' "$hist" | grep -qxF '(+ 7000 7)' &&
		! printf '%s\n' "$hist" | grep -qE '^\(\+ 1( |000)'; then
		pass meta/repl-tty/history-file
	else
		fail meta/repl-tty/history-file "status $st; history file:"
		show "$TMP/tty.hist"
	fi
	if [ $st -ne 0 ] || grep -q 'Sanitizer' "$TTY_OUT"; then show "$TTY_OUT" 40; fi
	# a new session reads the history: Ctrl-P Enter runs the last entry again
	tty_start 2
	tty_wait '^vml> '
	printf '\020\r' >&7
	tty_wait '^7007$'
	tty_end
	st=$?
	if [ $st -eq 0 ] && tty_has 7007; then
		pass meta/repl-tty/history-recall
	else
		fail meta/repl-tty/history-recall "status $st; Ctrl-P Enter did not rerun (+ 7000 7)"
		show "$TTY_OUT"
	fi
	# at most 1000 entries are kept
	{
		echo _HiStOrY_V2_
		for ((i = 0; i < 1100; i++)); do printf '(+\\040%d\\0401)\n' $i; done
	} >"$TMP/tty.hist"
	tty_start 3
	tty_wait '^vml> '
	tty_end
	n=$(grep -c '^(+' "$TMP/tty.hist")
	if [ "$n" -eq 1000 ] && tail -n 1 "$TMP/tty.hist" | grep -qF '(+\0401099\0401)'; then
		pass meta/repl-tty/history-bound
	else
		fail meta/repl-tty/history-bound "$n entries kept of 1100"
	fi
	# an entry is in the file as soon as it is entered: a session killed by a
	# hang-up (SIGHUP, whose default action ends vvm at once) keeps it
	tty_start 4
	tty_wait '^vml> '
	tty_line '(* 6 7 8)'
	pkill -HUP -f -- "^$VVM repl\$"
	exec 7>&-
	wait "$TTY_PID"
	if tty_has 336 && tail -n 1 "$TMP/tty.hist" | sed 's/\\040/ /g' | grep -qxF '(* 6 7 8)'; then
		pass meta/repl-tty/history-kept
	else
		fail meta/repl-tty/history-kept "(* 6 7 8) is not in the history file of a session ended by SIGHUP"
		show "$TMP/tty.hist"
	fi
fi
# piped input: the plain reader, no history file
printf '(+ 1 2)\n' | VVM_HISTORY=$TMP/nohist run_to 10 "$VVM" repl >/dev/null 2>&1
if [ ! -e "$TMP/nohist" ]; then pass meta/repl-pipe-no-history; else fail meta/repl-pipe-no-history "piped input wrote $TMP/nohist"; fi
