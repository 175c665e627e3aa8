# The meta language: the .vml suites (every assertion counted), the same
# suites with the collector run at every allocation, error cases, scripts,
# the REPL and the embedding API.
# Sourced by tests/run.sh (see there for $VVM, $B, $TMP, pass/fail/...).
# asan-pass: yes

M=$ROOT/tests/meta
export VML_TESTS=$M

# meta_suite PREFIX FILE [ENV...]: runs FILE, one PASS/FAIL per assertion
meta_suite() {
	local prefix=$1 file=$2
	shift 2
	local name out
	name=$(basename "$file" .vml)
	out=$TMP/${prefix//\//-}$name.out
	env "$@" VML_TESTS="$M" timeout "$(scaled 300)" "$VVM" run "$file" >"$out" 2>"$out.err"
	local st=$?
	while IFS= read -r line; do
		case $line in
		"ok "*) pass "meta/$prefix$name/${line#ok }" ;;
		"not ok "*) fail "meta/$prefix$name/${line#not ok }" ;;
		esac
	done <"$out"
	if [ $st -ne 0 ] && ! grep -q '^not ok' "$out"; then
		fail "meta/$prefix$name" "exit status $st"
		show "$out.err"
	fi
}

for f in "$M"/*.vml; do
	[ "$(basename "$f")" = lib.vml ] && continue
	meta_suite "" "$f"
	if [ "${SANITIZE_PASS:-0}" != 1 ]; then
		meta_suite "gc-stress/" "$f" VVM_VML_GC_STRESS=1
	fi
done

# error cases: a clear message with a position, status 1, never a crash
# meta_err NAME EXPECTED-REGEX SOURCE [ENV...]
meta_err() {
	local name=$1 want=$2 src=$3
	shift 3
	printf '%s\n' "$src" >"$TMP/$name.vml"
	env "$@" timeout "$(scaled 60)" "$VVM" run "$TMP/$name.vml" >"$TMP/$name.out" 2>"$TMP/$name.err"
	local st=$?
	if [ $st -eq 1 ] && grep -Eq "$want" "$TMP/$name.err" && ! grep -q "Sanitizer" "$TMP/$name.err"; then
		pass "meta/error/$name"
	else
		fail "meta/error/$name" "status $st"
		show "$TMP/$name.err"
	fi
}
meta_err syntax 'syntax.vml:2:1: syntax error: unterminated list' '(display 1)
(car (quote (1 2))'
meta_err unbound 'unbound variable: nosuch$' '(define (f) (nosuch)) (f)'
meta_err unbound-pos 'at .*unbound-pos.vml:1:13' '(define (f) (nosuch)) (f)'
meta_err arity 'f: wrong number of arguments: expected 1, got 2' '(define (f x) x) (f 1 2)'
meta_err type 'car: expected a pair, got integer 5' '(define (f x) (car x))
(f 5)'
meta_err type-pos 'at .*type-pos.vml:1:15' '(define (f x) (car x))
(f 5)'
meta_err backtrace 'at g \(' '(define (f x) (car x))
(define (g y) (+ 1 (f y)))
(g 5)'
meta_err deep-recursion 'stack overflow' '(define (d n) (+ 1 (d n))) (d 1)'
meta_err out-of-memory 'out of memory' '(define (grow l) (grow (cons (make-vector 100000 0) l))) (grow (quote ()))' VVM_VML_HEAP_MB=64
meta_err raise 'uncaught exception: oops' '(raise (quote oops))'
meta_err big-integer 'big-integer.vml:2:10: syntax error: integer 9223372036854775808 out of range' '(display 1)
(display 9223372036854775808)'
# a procedure tail-called by a top-level form: the backtrace names the form's line
meta_err toplevel-tail 'at top level \(.*toplevel-tail.vml:3:3\)' '(define (f x) (car x))
(display "x")
  (f 5)'
meta_err toplevel-atom 'at .*toplevel-atom.vml:2:3$' '(display 1)
  nosuch'
# at the top level an error leaves its dynamic-winds: the after thunks run,
# and an error in one is reported too
meta_err wind-after-error 'error: after' '(dynamic-wind (lambda () 0) (lambda () (error "body")) (lambda () (error "after")))'
meta_err wind-after-runs 'error: body' '(dynamic-wind (lambda () 0) (lambda () (error "body")) (lambda () (display "after ran")))'
if [ "$(cat "$TMP/wind-after-runs.out")" = "after ran" ]; then pass meta/wind-after-runs-output; else fail meta/wind-after-runs-output "output '$(cat "$TMP/wind-after-runs.out")'"; fi
meta_err weh-returns 'handler returned from a non-continuable raise boom' '(with-exception-handler (lambda (e) 42) (lambda () (+ 1 (raise (quote boom)))))'
# a NUL byte outside a string: a syntax error at its position
printf '(display 1)\n  \0(display 2)\n' >"$TMP/nul.vml"
run_to 10 "$VVM" run "$TMP/nul.vml" >"$TMP/nul.out" 2>"$TMP/nul.err"
st=$?
if [ $st -eq 1 ] && grep -q 'nul.vml:2:3: syntax error: NUL byte outside a string' "$TMP/nul.err"; then pass meta/error/nul-byte; else fail meta/error/nul-byte "status $st"; show "$TMP/nul.err"; fi
# a directory is not a program: vvm repl DIR and vvm run DIR.vml fail, naming the cause
mkdir -p "$TMP/dir.vml"
run_to 10 "$VVM" repl "$TMP/dir.vml" </dev/null >"$TMP/repl-dir.out" 2>&1
st=$?
if [ $st -eq 1 ] && grep -q 'Is a directory' "$TMP/repl-dir.out"; then pass meta/repl-directory; else fail meta/repl-directory "status $st"; show "$TMP/repl-dir.out"; fi
run_to 10 "$VVM" run "$TMP/dir.vml" >"$TMP/run-dir.out" 2>&1
st=$?
if [ $st -ne 0 ] && grep -q 'is a directory' "$TMP/run-dir.out"; then pass meta/run-directory; else fail meta/run-directory "status $st"; show "$TMP/run-dir.out"; fi
meta_err bad-syntax 'syntax error: if needs' '(if)'
meta_err not-procedure 'not a procedure: 5' '(5 1)'

# the heap limit holds on every allocation path, I/O buffers included: each
# case ends in "out of memory (heap limit MB MB)" (status 1, never #<eof>)
# with the peak RSS near the limit (MB + 48 MB for vvm itself and slack,
# not measured under ASan;
# the address space is capped at 1 GB so a regression cannot eat the machine).
# MB is 32, or $HEAP_MB (the growth loops: the old collector overshot the
# limit by up to half of it).
# meta_heap NAME SOURCE [STDIN]
meta_heap() {
	local name=$1 src=$2 in=${3:-/dev/null} mb=${HEAP_MB:-32}
	printf '%s\n' "$src" >"$TMP/heap-$name.vml"
	local timer=()
	if [ "${SANITIZED:-0}" != 1 ] && [ -x /usr/bin/time ]; then timer=(/usr/bin/time -o "$TMP/heap-$name.rss" -f %M); fi
	(
		[ "${SANITIZED:-0}" = 1 ] || ulimit -v 1000000   # ASan reserves terabytes of shadow
		VVM_VML_HEAP_MB=$mb timeout "$(scaled 60)" "${timer[@]}" "$VVM" run "$TMP/heap-$name.vml" <"$in" >"$TMP/heap-$name.out" 2>"$TMP/heap-$name.err"
	)
	local st=$? rss=0
	[ -s "$TMP/heap-$name.rss" ] && rss=$(tail -1 "$TMP/heap-$name.rss")
	if [ $st -eq 1 ] && grep -q "out of memory (heap limit $mb MB)" "$TMP/heap-$name.err" && [ "$rss" -lt $(((mb + 48) * 1024)) ]; then
		pass "meta/heap-limit/$name"
	else
		fail "meta/heap-limit/$name" "status $st, peak RSS ${rss} KB"
		show "$TMP/heap-$name.err"
	fi
}
meta_heap file-to-string '(display (string-length (file->string "/dev/zero")))'
meta_heap load '(load "/dev/zero")'
meta_heap read-line '(display (read-line))' /dev/zero
meta_heap read '(display (read))' /dev/zero
meta_heap read-line-port '(display (read-line (open-input-file "/dev/zero")))'
meta_heap read-string-datum '(display (read))' <(printf '"'; head -c 100000000 /dev/zero | tr '\0' a)
(printf '('; yes 1 | head -n 5000000 | tr '\n' ' '; printf ')\n') >"$TMP/heap-tree.txt"   # 10 MB of text, 400 MB as a tree
meta_heap read-tree '(display (length (read)))' "$TMP/heap-tree.txt"
meta_heap read-from-string "(display (length (read-from-string (file->string \"$TMP/heap-tree.txt\"))))"
meta_heap load-tree "(load \"$TMP/heap-tree.txt\")"
HEAP_MB=256 meta_heap vectors '(define (grow l) (grow (cons (make-vector 100000 0) l))) (grow (quote ()))'
HEAP_MB=256 meta_heap strings '(define (grow l) (grow (cons (make-string 1000 #\a) l))) (grow (quote ()))'
meta_heap to-string '(define (dup l n) (if (= n 0) l (dup (list l l) (- n 1))))
(display (string-length (->string (dup (make-string 100000 #\a) 12))))'
meta_heap string-to-list '(define s (make-string 3000000 #\a)) (define l (string->list s)) (display (length l))'
# the REPL's input too: a 100 MB line is dropped with an error, the REPL goes on
(head -c 100000000 /dev/zero | tr '\0' a; printf '\n(display 42)\n') >"$TMP/heap-repl-line.txt"
rm -f "$TMP/heap-repl.rss"
timer=()
if [ "${SANITIZED:-0}" != 1 ] && [ -x /usr/bin/time ]; then timer=(/usr/bin/time -o "$TMP/heap-repl.rss" -f %M); fi
out=$(VVM_VML_HEAP_MB=32 timeout "$(scaled 60)" "${timer[@]}" "$VVM" repl <"$TMP/heap-repl-line.txt" 2>"$TMP/heap-repl.err")
st=$? rss=0
[ -s "$TMP/heap-repl.rss" ] && rss=$(tail -1 "$TMP/heap-repl.rss")
if [ $st -eq 0 ] && [ "$out" = 42 ] && grep -q 'out of memory (input longer than the heap limit allows): dropped' "$TMP/heap-repl.err" && [ "$rss" -lt $(((32 + 48) * 1024)) ]; then
	pass meta/heap-limit/repl-line
else
	fail meta/heap-limit/repl-line "status $st, output '$out', peak RSS $rss KB"
	show "$TMP/heap-repl.err"
fi
rm -f "$TMP/heap-repl-line.txt" "$TMP/heap-tree.txt"
# the limit is an error guard catches, like any other
printf '%s\n' '(display (guard (e (#t (error-object-message e))) (file->string "/dev/zero")))' >"$TMP/heap-guard.vml"
out=$(VVM_VML_HEAP_MB=32 run_to 60 "$VVM" run "$TMP/heap-guard.vml" 2>&1)
if [ "$out" = "out of memory (heap limit 32 MB)" ]; then pass meta/heap-limit/caught; else fail meta/heap-limit/caught "output '$out'"; fi

# scripts: .vml by name, #! by content, arguments, exit status
printf '#!/usr/bin/env vvm\n(display (cdr (command-line)))(newline)(exit 3)\n' >"$TMP/script"
out=$(run_to 10 "$VVM" run "$TMP/script" a b)
st=$?
if [ $st -eq 3 ] && [ "$out" = "(a b)" ]; then pass meta/shebang; else fail meta/shebang "status $st, output '$out'"; fi
printf '(display "hello, world")(newline)\n' >"$TMP/hello.vml"
out=$(run_to 10 "$VVM" run "$TMP/hello.vml")
if [ "$out" = "hello, world" ]; then pass meta/hello; else fail meta/hello "output '$out'"; fi

# the REPL: multi-line input, errors leave it alive, commands
out=$(printf '(define x 5)\n(+ x\n 1)\n(car 1)\n(* x 2)\n,disasm (lambda (a) (+ a 1))\n,time (+ 1 2)\n' | run_to 10 "$VVM" repl 2>"$TMP/repl.err")
if printf '%s\n' "$out" | grep -qx 6 && printf '%s\n' "$out" | grep -qx 10 && printf '%s\n' "$out" | grep -q addi &&
	printf '%s\n' "$out" | grep -q '; .* ms' && grep -q 'car: expected a pair' "$TMP/repl.err"; then
	pass meta/repl
else
	fail meta/repl "output: $out"
	show "$TMP/repl.err"
fi

# the embedding API
if [ "${SANITIZE_PASS:-0}" != 1 ]; then
	if ${CC:-cc} -std=gnu11 -I"$ROOT/include" -o "$TMP/embed" "$M/embed.c" "$B/libvvm.a" -lfdt -lslirp -lm -pthread 2>"$TMP/embed.log"; then
		run_to 10 "$TMP/embed" >"$TMP/embed.out" 2>&1
		st=$?
		while IFS= read -r line; do
			case $line in
			"ok "*) pass "meta/embed/${line#ok }" ;;
			"not ok "*) fail "meta/embed/${line#not ok }" ;;
			esac
		done <"$TMP/embed.out"
		[ $st -eq 0 ] || fail meta/embed "status $st"
	else
		fail meta/embed "does not build"
		show "$TMP/embed.log"
	fi
fi

# the REPL on a terminal: line editing, history file, Ctrl-C
# shellcheck source=tests/meta/repl_tty.sh
source "$M/repl_tty.sh"
