/* libFuzzer target: the meta language's compiler and VM on random well-formed
 * programs.  The input is not program text but the choices of a small
 * grammar-based generator: top-level define, define-macro,
 * define-record-type, define-primitive, define-instruction and expressions
 * built from lambda (with rest arguments), let, let*, letrec, letrec*, named
 * let, if, cond (=>, else), case, when, unless, and, or, begin, set!, do,
 * quasiquote (unquote, splicing, nesting, vectors), guard, raise, error,
 * dynamic-wind, apply, eval, and calls to a whitelist of primitives with
 * literals of every type (integers at the extremes, doubles with infinities
 * and NaN, strings with escapes and raw (also invalid) UTF-8, characters,
 * symbols, lists (circular ones too), vectors, bytevectors, hash tables,
 * records); local names sometimes shadow inlined primitives (car, +, not).  Each top-level form is read,
 * expanded, compiled and run in a fresh meta VM (so an input reproduces by
 * itself); errors the program raises are expected.  Crashes, sanitizer
 * reports, leaks and hangs are bugs.
 *
 * Bounds, without changes to the VM: the heap limit is 16 MB; a POSIX timer
 * sets vm->interrupt (the REPL's Ctrl-C flag, an "interrupted" error at the
 * next backward jump or call) 20 ms into an input and every 2 ms after, and
 * past 60 ms also vm->exit_requested, so `guard` re-raises instead of
 * catching the interrupt and every form ends.  Excluded primitives: those
 * that touch files, the environment or the clock (open-*-file, load,
 * file->string, delete-file, file-exists?, getenv, current-time,
 * current-jiffy, call-with-*-file) and set-heap-limit!.  `exit` only sets a
 * flag in an embedded VM and stays in.  The VM's ports are /dev/null, so
 * display, write, disassemble and read are in.  1 input in 32 runs with the
 * collector at every allocation.  FUZZ_VML_SHOW=1 prints each program. */
#include <assert.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "meta/vm/vml.h"

/* ---- the generator's input: one byte per choice, 0 once it runs out ---- */
typedef struct Buf { char *s; size_t n, cap; } Buf;

static void put(Buf *b, const char *s)
{
    size_t k = strlen(s);
    if (b->n + k + 1 > b->cap) {
        b->cap = (b->n + k + 1) * 2;
        b->s = realloc(b->s, b->cap);
        assert(b->s);
    }
    memcpy(b->s + b->n, s, k + 1);
    b->n += k;
}

__attribute__((format(printf, 2, 3))) static void putf(Buf *b, const char *fmt, ...)
{
    char tmp[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    put(b, tmp);
}

#define MAXLOC 48
#define MAXFORMS 12

typedef struct G {
    const uint8_t *d;
    size_t n, i;
    Buf *out;
    int budget;                 /* expression nodes left for this form */
    int depth;
    char loc[MAXLOC][24];       /* local variables in scope */
    int nloc;
    int uniq;                   /* fresh local names */
    int nglob;                  /* globals g0.. defined so far (beyond the fuzz prelude's) */
    int fun_params[8], fun_rest[8], nfun;   /* f0..f7 */
    int mac_params[4], nmac;    /* m0..m3 */
    int nrec;                   /* record types r0.. (two fields a, b) */
    int qq;                     /* quasiquote depth */
} G;

static unsigned pick(G *g, unsigned k)
{
    unsigned v = g->i < g->n ? g->d[g->i++] : 0;
    return k ? v % k : 0;
}
static int chance(G *g, unsigned k) { return pick(g, k) == 0 && g->i <= g->n; }   /* 1 in k while input lasts */
static int more(G *g) { return g->i < g->n && g->budget > 0; }

static void expr(G *g);
static void typed(G *g, char t);

/* ---- literals ---- */
static const char *const ints[] = {
    "0", "1", "-1", "2", "3", "7", "10", "42", "-5", "255", "256", "32767", "32768", "-32768", "-32769",
    "65535", "2147483647", "-2147483648", "4294967295", "4294967296", "9223372036854775807",
    "-9223372036854775808", "#xff", "#x7fffffffffffffff", "#x8000000000000000", "#xffffffffffffffff",
    "#b1011", "#o777", "-0", "1000000",
};
static const char *const flos[] = {
    "0.0", "-0.0", "0.5", "1.5", "-2.25", "3.14159", "1e10", "1e308", "-1e308", "1e-308", "4.9e-324",
    "+inf.0", "-inf.0", "+nan.0", "9.2233720368547758e18", "-9.2233720368547758e18", "1e19", "123456789.125",
};
static const char *const strs[] = {
    "\"\"", "\"a\"", "\"abc\"", "\"hello, world\"", "\"a\\nb\\tc\"", "\"\\x41;\\x3bb;\"", "\"h\xc3\xa9llo\"",
    "\"\xe2\x82\xac\xf0\x9f\x98\x80\"", "\"quote\\\"d\"", "\"back\\\\slash\"", "\"nul\\0in\"", "\"a b c\"",
    "\"  trim  \"", "\"1,2,,3\"", "\"42\"", "\"-7.5\"", "\"(1 2 (3 . 4) #(5))\"", "\"'sym\"", "\"(\"",
    "\"#\\\\x41\"", "\"\xe0\"", "\"ab\xe0\"", "\"\xf0\x9f\"", "\"\xc3\"", "\"x\xff\xfe\"", "\"\x80\x80\x80\"",
    "\"ABCdef\"", "\"\\x10FFFF;\"", "\"\\xD800;\"", "\"\xe0" "AB\"", "\"\xc3" "A\"", "\"\xf0\x9f\x98" "A\"",
    "\"\xc3\xa9\x80" "A\"",
};
static const char *const chars[] = {
    "#\\a", "#\\Z", "#\\0", "#\\space", "#\\newline", "#\\tab", "#\\nul", "#\\delete", "#\\x41", "#\\x0",
    "#\\x10FFFF", "#\\xD800", "#\\x7f", "#\\x80", "#\\\xce\xbb", "#\\\xe2\x82\xac", "#\\(", "#\\;", "#\\,",
    "#\\escape", "#\\return",
};
static const char *const syms[] = {
    "a", "b", "foo", "x", "|with space|", "car", "lambda", "if", "else", "=>", "...", "quote", "unquote",
    "%guard", "nil", "t", "+", "-", "list->vector",
};
static const char *const data[] = {   /* quoted data */
    "()", "(1 2 3)", "(a b c)", "(1 . 2)", "((a . 1) (b . 2) (c . 3))", "(1 (2 (3 (4))))", "#(1 2 3)",
    "#()", "(\"x\" #\\y z 1.5)", "((1 2) (3 4))", "(a . (b . (c)))", "(quote x)", "(quasiquote (a (unquote b)))",
    "#(#(1) (2) \"3\")", "(lambda (x) x)", "(if 1 2 3)", "(define z 1)", "(#t #f ())",
};

static void lit_int(G *g) { put(g->out, ints[pick(g, sizeof ints / sizeof *ints)]); }
static void lit_small(G *g) { putf(g->out, "%u", pick(g, 12)); }

static void literal(G *g)
{
    switch (pick(g, 12)) {
    case 0: lit_small(g); break;
    case 1: lit_int(g); break;
    case 2: put(g->out, flos[pick(g, sizeof flos / sizeof *flos)]); break;
    case 3: put(g->out, strs[pick(g, sizeof strs / sizeof *strs)]); break;
    case 4: put(g->out, chars[pick(g, sizeof chars / sizeof *chars)]); break;
    case 5: putf(g->out, "'%s", syms[pick(g, sizeof syms / sizeof *syms)]); break;
    case 6: put(g->out, pick(g, 2) ? "#t" : "#f"); break;
    case 7: putf(g->out, "'%s", data[pick(g, sizeof data / sizeof *data)]); break;
    case 8: put(g->out, data[6 + pick(g, 2)]); break;   /* self-evaluating vectors */
    case 9: put(g->out, pick(g, 2) ? "(bytevector 1 2 255 0)" : "(make-bytevector 9 7)"); break;
    case 10: put(g->out, pick(g, 3) ? "'()" : "(void)"); break;
    default: put(g->out, pick(g, 2) ? "(eof-object)" : "gh"); break;
    }
}

/* ---- names ---- */
static void var(G *g)
{
    if (g->nloc && pick(g, 3)) {
        put(g->out, g->loc[g->nloc - 1 - pick(g, (unsigned)g->nloc)]);
        return;
    }
    /* globals of the fuzz prelude (every type), then those defined since */
    static const char *const pre[] = {"gi", "gf", "gs", "gc", "gy", "gl", "gv", "gb", "gh", "gp", "gr", "gz", "gq"};
    if (g->nglob && pick(g, 2))
        putf(g->out, "g%u", pick(g, (unsigned)g->nglob));
    else
        put(g->out, pre[pick(g, sizeof pre / sizeof *pre)]);
}

/* a fresh local, or now and then one named like an inlined primitive */
static const char *bind(G *g)
{
    static const char *const shadow[] = {"car", "+", "not", "null?", "vector-ref", "eq?", "list", "<", "cons", "x"};
    char name[24];
    if (chance(g, 12))
        snprintf(name, sizeof name, "%s", shadow[pick(g, sizeof shadow / sizeof *shadow)]);
    else
        snprintf(name, sizeof name, "v%d", g->uniq++);
    if (g->nloc < MAXLOC) {
        memcpy(g->loc[g->nloc], name, sizeof name);
        return g->loc[g->nloc++];
    }
    static char spare[24];
    memcpy(spare, name, sizeof name);
    return spare;
}

/* ---- primitives: name, argument kinds; a kind after '|' is optional, '*' repeats the one before it.
 * kinds: a any, n number, i integer, k small index, r radix, s string, c char, y symbol, l list,
 * L alist, C list of chars, S list of strings, v vector, b bytevector, B byte, h hash table,
 * P procedure of 1 argument, Q of 2, T thunk, o port, e an error object or a raised value */
typedef struct Prim1 { const char *name, *args; } Prim1;
static const Prim1 prims[] = {
    {"+", "n*"}, {"-", "nn*"}, {"*", "n*"}, {"/", "nn*"}, {"<", "nn*"}, {"<=", "nn*"}, {">", "nn*"}, {">=", "nn*"},
    {"=", "nn*"}, {"quotient", "ii"}, {"remainder", "ii"}, {"modulo", "ii"}, {"number?", "a"}, {"integer?", "a"},
    {"real?", "a"}, {"exact?", "n"}, {"inexact?", "n"}, {"flonum?", "a"}, {"exact->inexact", "n"}, {"inexact", "n"},
    {"inexact->exact", "n"}, {"exact", "n"}, {"floor", "n"}, {"ceiling", "n"}, {"truncate", "n"}, {"round", "n"},
    {"abs", "n"}, {"min", "nn*"}, {"max", "nn*"}, {"sqrt", "n"}, {"expt", "nn"}, {"exp", "n"}, {"log", "n|n"},
    {"sin", "n"}, {"cos", "n"}, {"tan", "n"}, {"asin", "n"}, {"acos", "n"}, {"atan", "n|n"}, {"zero?", "n"},
    {"positive?", "n"}, {"negative?", "n"}, {"odd?", "i"}, {"even?", "i"}, {"number->string", "n|r"},
    {"string->number", "s|r"}, {"bitwise-and", "i*"}, {"bitwise-or", "i*"}, {"bitwise-xor", "i*"},
    {"bitwise-not", "i"}, {"logand", "ii"}, {"logior", "ii"}, {"logxor", "ii"}, {"shift-left", "ii"},
    {"shift-right", "ii"}, {"shift-right-arithmetic", "ii"}, {"arithmetic-shift", "ii"}, {"ash", "ii"},
    {"u64+", "ii"}, {"u64-", "ii"}, {"u64*", "ii"}, {"u64/", "ii"}, {"u64rem", "ii"}, {"u64<", "ii"},
    {"u64<=", "ii"}, {"u64>", "ii"}, {"u64>=", "ii"}, {"sext8", "i"}, {"sext16", "i"}, {"sext32", "i"},
    {"zext8", "i"}, {"zext16", "i"}, {"zext32", "i"}, {"bit-count", "i"}, {"bits", "ikk"}, {"u64->string", "i|r"},
    {"eq?", "aa"}, {"eqv?", "aa"}, {"equal?", "aa"}, {"not", "a"}, {"boolean?", "a"}, {"pair?", "a"},
    {"null?", "a"}, {"symbol?", "a"}, {"string?", "a"}, {"char?", "a"}, {"vector?", "a"}, {"bytevector?", "a"},
    {"procedure?", "a"}, {"hash-table?", "a"}, {"eof-object?", "a"}, {"eof-object", ""}, {"void", "a*"},
    {"error-object?", "a"}, {"error?", "a"}, {"record?", "a"}, {"cons", "aa"}, {"car", "l"}, {"cdr", "l"},
    {"set-car!", "la"}, {"set-cdr!", "la"}, {"caar", "l"}, {"cadr", "l"}, {"cdar", "l"}, {"cddr", "l"},
    {"caddr", "l"}, {"cdddr", "l"}, {"cadddr", "l"}, {"caadr", "l"}, {"cddar", "l"}, {"cdadr", "l"},
    {"list", "a*"}, {"list?", "a"}, {"length", "l"}, {"append", "l*"}, {"reverse", "l"}, {"list-tail", "lk"},
    {"list-ref", "lk"}, {"memq", "al"}, {"memv", "al"}, {"member", "al"}, {"assq", "aL"}, {"assv", "aL"},
    {"assoc", "aL"}, {"list-copy", "l"}, {"map", "Pl"}, {"for-each", "Pl"}, {"filter", "Pl"}, {"remove", "Pl"},
    {"delete", "al"}, {"fold", "Qal"}, {"fold-left", "Qal"}, {"fold-right", "Qal"}, {"reduce", "Qal"},
    {"any", "Pl"}, {"every", "Pl"}, {"find", "Pl"}, {"list-index", "Pl"}, {"iota", "k|nn"}, {"last-pair", "l"},
    {"last", "l"}, {"append-map", "Pl"}, {"assq-ref", "La"}, {"symbol->string", "y"}, {"string->symbol", "s"},
    {"gensym", "|s"}, {"char->integer", "c"}, {"integer->char", "i"}, {"char-upcase", "c"}, {"char-downcase", "c"},
    {"char-alphabetic?", "c"}, {"char-numeric?", "c"}, {"char-whitespace?", "c"}, {"char=?", "cc*"},
    {"char<?", "cc*"}, {"char>?", "cc*"}, {"string-length", "s"}, {"string-ref", "sk"}, {"substring", "sk|k"},
    {"string-append", "s*"}, {"string-copy", "s"}, {"make-string", "k|c"}, {"string", "c*"},
    {"string-set!", "skc"}, {"string=?", "ss*"}, {"string<?", "ss*"}, {"string>?", "ss*"}, {"string<=?", "ss*"},
    {"string>=?", "ss*"}, {"string-ci=?", "ss*"}, {"string->list", "s"}, {"list->string", "C"},
    {"string-upcase", "s"}, {"string-downcase", "s"}, {"string-index", "sc"}, {"string-contains", "ss"},
    {"string-prefix?", "ss"}, {"string-suffix?", "ss"}, {"string-join", "S|s"}, {"string-split", "sc"},
    {"string-trim", "s"}, {"string->utf8", "s"}, {"utf8->string", "b"}, {"string-for-each", "Ps"},
    {"string-map", "Ps"}, {"make-vector", "k|a"}, {"vector", "a*"}, {"vector-length", "v"}, {"vector-ref", "vk"},
    {"vector-set!", "vka"}, {"vector->list", "v"}, {"list->vector", "l"}, {"vector-fill!", "va"},
    {"vector-copy", "v|kk"}, {"vector-map", "Pv"}, {"vector-for-each", "Pv"}, {"sort!", "vQ"}, {"sort", "lQ"},
    {"make-bytevector", "k|B"}, {"bytevector", "B*"}, {"bytevector-length", "b"}, {"bytevector-u8-ref", "bk"},
    {"bytevector-u16-ref", "bk"}, {"bytevector-u32-ref", "bk"}, {"bytevector-u64-ref", "bk"},
    {"bytevector-u8-set!", "bki"}, {"bytevector-u16-set!", "bki"}, {"bytevector-u32-set!", "bki"},
    {"bytevector-u64-set!", "bki"}, {"bytevector-copy", "b"}, {"make-hash-table", "|a"},
    {"make-eqv-hash-table", ""}, {"make-eq-hash-table", ""}, {"hash-table-ref", "ha|a"}, {"hash-table-set!", "haa"},
    {"hash-table-delete!", "ha"}, {"hash-table-contains?", "ha"}, {"hash-table-count", "h"},
    {"hash-table-keys", "h"}, {"hash-table-values", "h"}, {"hash-table->alist", "h"}, {"hash-table-clear!", "h"},
    {"hash-ref", "ha|a"}, {"hash-set!", "haa"}, {"hash-table-update!/default", "haPa"},
    {"hash-table-update!", "haP|T"}, {"hash-table-walk", "hQ"}, {"error", "sa*"}, {"raise", "a"}, {"raise-continuable", "a"},
    {"error-object-message", "e"}, {"error-object-irritants", "e"}, {"error-object-where", "e"},
    {"condition->string", "e"}, {"dynamic-wind", "TTT"}, {"with-exception-handler", "PT"}, {"%guard", "PT"},
    {"->string", "a|a"}, {"read-from-string", "s"}, {"display", "a|o"}, {"write", "a|o"}, {"newline", "|o"},
    {"write-char", "c|o"}, {"write-string", "s|o"}, {"flush-output", "|o"}, {"print", "a*"},
    {"current-output-port", ""}, {"current-input-port", ""}, {"current-error-port", ""}, {"read-line", ""},
    {"read-char", ""}, {"peek-char", ""}, {"read", ""}, {"close-port", "o"}, {"command-line", ""},
    {"procedure-arity", "P"}, {"procedure-name", "P"}, {"procedure-free-variables", "P"},
    {"procedure-free-values", "P"}, {"procedure-source", "P"}, {"procedure-instructions", "P"},
    {"disassemble", "P"}, {"bytecodes", ""}, {"primitives", ""}, {"gc-stats", ""}, {"gc", ""}, {"exit", "|a"},
    {"macroexpand", "a"}, {"eval", "a"},
};
#define NPRIMS (sizeof prims / sizeof *prims)

static const char *const procs1[] = {"car", "cdr", "not", "abs", "list", "vector", "string?", "length", "reverse",
                                     "symbol->string", "char-upcase", "bit-count", "-", "null?", "display", "error",
                                     "raise", "list->vector", "string-length", "hash-table-count", "exact", "fz-id",
                                     "fz-pt?", "fz-pt-x", "ga"};
static const char *const procs2[] = {"+", "<", "cons", "list", "eq?", "equal?", "string<?", "max", "u64*", "append",
                                     "vector-ref", "expt", "string-append", "hash-table-ref", "make-fz-pt", "gq",
                                     "assq", "member"};

static void call_prim(G *g, const Prim1 *p);

static void args_of(G *g, const char *a)
{
    int optional = 0;
    for (; *a; a++) {
        if (*a == '|') {
            optional = 1;
            continue;
        }
        if (*a == '*') {
            for (unsigned k = pick(g, 4); k > 0 && more(g); k--) {
                put(g->out, " ");
                typed(g, a[-1]);
            }
            continue;
        }
        if (optional && !pick(g, 2))
            break;
        put(g->out, " ");
        typed(g, *a);
    }
}

static void call_prim(G *g, const Prim1 *p)
{
    putf(g->out, "(%s", p->name);
    if (chance(g, 16)) {   /* wrong arity or wrong kinds now and then */
        for (unsigned k = pick(g, 4); k > 0; k--) {
            put(g->out, " ");
            expr(g);
        }
    } else {
        args_of(g, p->args);
    }
    put(g->out, ")");
}

/* ---- bodies and scopes ---- */
static void body(G *g)
{
    unsigned n = 1 + pick(g, 3);
    for (unsigned i = 0; i < n; i++) {
        put(g->out, " ");
        if (i + 1 < n && chance(g, 4)) {   /* an internal define */
            const char *v = bind(g);
            putf(g->out, "(define %s ", v);
            expr(g);
            put(g->out, ")");
        } else {
            expr(g);
        }
    }
}

/* half the time, the (else BODY) clause of a cond or case */
static void else_clause(G *g)
{
    if (pick(g, 2)) {
        put(g->out, " (else");
        body(g);
        put(g->out, ")");
    }
}

static void lambda(G *g, int nparams, int rest)
{
    int save = g->nloc;
    put(g->out, "(lambda ");
    if (nparams == 0 && rest) {
        put(g->out, bind(g));
    } else {
        put(g->out, "(");
        for (int i = 0; i < nparams; i++)
            putf(g->out, "%s%s", i ? " " : "", bind(g));
        if (rest)
            putf(g->out, " . %s", bind(g));
        put(g->out, ")");
    }
    body(g);
    put(g->out, ")");
    g->nloc = save;
}

static void proc(G *g, int nargs)   /* a procedure taking nargs arguments (mostly) */
{
    switch (pick(g, 5)) {
    case 0: case 1: lambda(g, nargs, chance(g, 4)); break;
    case 2:
        if (nargs == 0)
            lambda(g, 0, 0);
        else
            put(g->out, nargs == 1 ? procs1[pick(g, sizeof procs1 / sizeof *procs1)] : procs2[pick(g, sizeof procs2 / sizeof *procs2)]);
        break;
    case 3:
        if (g->nfun) {
            putf(g->out, "f%u", pick(g, (unsigned)g->nfun));
            break;
        }
        /* fall through */
    default: var(g); break;
    }
}

static void bindings(G *g, int seq, int lambdas)
{
    unsigned n = pick(g, 4);
    char buf[4][24];
    put(g->out, "(");
    for (unsigned i = 0; i < n; i++) {
        if (seq || lambdas)   /* let*, letrec: the names are in scope in the inits */
            snprintf(buf[i], sizeof buf[i], "%s", bind(g));
        else
            snprintf(buf[i], sizeof buf[i], "v%d", g->uniq++);
        putf(g->out, "%s(%s ", i ? " " : "", buf[i]);
        if (lambdas && pick(g, 3))
            lambda(g, (int)pick(g, 3), chance(g, 5));
        else
            expr(g);
        put(g->out, ")");
    }
    put(g->out, ")");
    if (!seq && !lambdas)
        for (unsigned i = 0; i < n && g->nloc < MAXLOC; i++)   /* let: in scope in the body only */
            snprintf(g->loc[g->nloc++], 24, "%s", buf[i]);
}

/* ---- typed expressions: mostly of the kind asked for ---- */
static void typed(G *g, char t)
{
    if (!more(g) || g->depth > 7) {
        switch (t) {
        case 'n': case 'i': lit_int(g); return;
        case 'k': case 'B': lit_small(g); return;
        case 's': case 'e': put(g->out, strs[pick(g, 6)]); return;
        case 'c': put(g->out, chars[pick(g, 8)]); return;
        case 'l': case 'L': case 'C': case 'S': put(g->out, "'()"); return;
        case 'v': put(g->out, "(vector 1 2)"); return;
        case 'b': put(g->out, "(bytevector 1 2 3 4 5 6 7 8 9)"); return;
        case 'h': put(g->out, "gh"); return;
        case 'P': put(g->out, "car"); return;
        case 'Q': put(g->out, "cons"); return;
        case 'T': put(g->out, "void"); return;
        case 'o': put(g->out, "(current-output-port)"); return;
        default: literal(g); return;
        }
    }
    if (chance(g, 10)) {   /* anything at all */
        expr(g);
        return;
    }
    g->budget--;
    g->depth++;
    switch (t) {
    case 'n':
        if (pick(g, 3)) {
            typed(g, 'i');
            break;
        }
        if (pick(g, 2))
            put(g->out, flos[pick(g, sizeof flos / sizeof *flos)]);
        else
            expr(g);
        break;
    case 'i':
        switch (pick(g, 6)) {
        case 0: lit_int(g); break;
        case 1: lit_small(g); break;
        case 2: {
            static const char *const ops[] = {"+", "-", "*", "quotient", "bitwise-xor", "u64+", "shift-left", "max"};
            putf(g->out, "(%s ", ops[pick(g, 8)]);
            typed(g, 'i');
            put(g->out, " ");
            typed(g, 'i');
            put(g->out, ")");
            break;
        }
        case 3: put(g->out, "(string-length "); typed(g, 's'); put(g->out, ")"); break;
        default: var(g); break;
        }
        break;
    case 'k':
        if (pick(g, 4))
            lit_small(g);
        else
            typed(g, 'i');
        break;
    case 'r': {
        static const char *const rs[] = {"2", "8", "10", "16", "36", "1", "0", "37", "-2"};
        put(g->out, rs[pick(g, sizeof rs / sizeof *rs)]);
        break;
    }
    case 'B':
        putf(g->out, "%u", pick(g, 256));
        break;
    case 's':
        switch (pick(g, 5)) {
        case 0: case 1: put(g->out, strs[pick(g, sizeof strs / sizeof *strs)]); break;
        case 2: put(g->out, "(string-append "); typed(g, 's'); put(g->out, " "); typed(g, 's'); put(g->out, ")"); break;
        case 3: put(g->out, "(number->string "); typed(g, 'n'); put(g->out, ")"); break;
        default: var(g); break;
        }
        break;
    case 'c':
        if (pick(g, 3))
            put(g->out, chars[pick(g, sizeof chars / sizeof *chars)]);
        else {
            put(g->out, "(string-ref ");
            typed(g, 's');
            put(g->out, " 0)");
        }
        break;
    case 'y':
        if (pick(g, 3))
            putf(g->out, "'%s", syms[pick(g, sizeof syms / sizeof *syms)]);
        else {
            put(g->out, "(string->symbol ");
            typed(g, 's');
            put(g->out, ")");
        }
        break;
    case 'l':
        switch (pick(g, 7)) {
        case 0: putf(g->out, "'%s", data[pick(g, 6)]); break;
        case 1: put(g->out, "(list"); args_of(g, "a*"); put(g->out, ")"); break;
        case 2: put(g->out, "(iota "); typed(g, 'k'); put(g->out, ")"); break;
        case 3: put(g->out, "(cons "); expr(g); put(g->out, " "); typed(g, 'l'); put(g->out, ")"); break;
        case 4: {   /* now and then circular, through the cdr or the car */
            if (!chance(g, 3)) {
                var(g);
                break;
            }
            if (pick(g, 2)) {
                put(g->out, pick(g, 2) ? "gcy" : "gcc");
                break;
            }
            char c[24], at[40];
            snprintf(c, sizeof c, "v%d", g->uniq++);
            putf(g->out, "(let ((%s (list ", c);
            expr(g);
            put(g->out, " ");
            expr(g);
            const char *op = pick(g, 2) ? "set-car!" : "set-cdr!";
            if (pick(g, 2))
                snprintf(at, sizeof at, "%s", c);
            else
                snprintf(at, sizeof at, "(cdr %s)", c);
            putf(g->out, "))) (%s %s %s) %s)", op, at, c, c);
            break;
        }
        default: var(g); break;
        }
        break;
    case 'L':
        if (pick(g, 2))
            put(g->out, "'((a . 1) (b . 2) (\"c\" . 3) (4.5 . d))");
        else {
            put(g->out, "(list (cons ");
            expr(g);
            put(g->out, " ");
            expr(g);
            put(g->out, ") gl)");
        }
        break;
    case 'C':
        put(g->out, pick(g, 2) ? "(string->list " : "(list ");
        typed(g, pick(g, 2) ? 's' : 'c');
        put(g->out, ")");
        break;
    case 'S':
        put(g->out, "(list ");
        typed(g, 's');
        put(g->out, " ");
        typed(g, 's');
        put(g->out, ")");
        break;
    case 'v':
        switch (pick(g, 4)) {
        case 0: put(g->out, "(vector"); args_of(g, "a*"); put(g->out, ")"); break;
        case 1: put(g->out, "(make-vector "); typed(g, 'k'); put(g->out, " "); expr(g); put(g->out, ")"); break;
        case 2: put(g->out, data[6 + pick(g, 2)]); break;
        default: var(g); break;
        }
        break;
    case 'b':
        switch (pick(g, 4)) {
        case 0: put(g->out, "(bytevector"); args_of(g, "B*"); put(g->out, ")"); break;
        case 1: put(g->out, "(make-bytevector "); typed(g, 'k'); put(g->out, " "); typed(g, 'B'); put(g->out, ")"); break;
        case 2: put(g->out, "(string->utf8 "); typed(g, 's'); put(g->out, ")"); break;
        default: put(g->out, "gb"); break;
        }
        break;
    case 'h':
        if (pick(g, 2)) {
            put(g->out, "gh");
        } else {
            const char *h = bind(g);
            putf(g->out, "(let ((%s (%s))) (hash-table-set! %s ", h, pick(g, 2) ? "make-hash-table" : "make-eqv-hash-table", h);
            expr(g);
            put(g->out, " ");
            expr(g);
            putf(g->out, ") %s)", h);
            g->nloc--;
        }
        break;
    case 'P': proc(g, 1); break;
    case 'Q': proc(g, 2); break;
    case 'T': proc(g, 0); break;
    case 'o': put(g->out, pick(g, 2) ? "(current-output-port)" : "(current-error-port)"); break;
    case 'e':
        put(g->out, "(guard (e (#t e)) ");
        expr(g);
        put(g->out, " (error ");
        typed(g, 's');
        put(g->out, " 1 'x))");
        break;
    default: expr(g); break;
    }
    g->depth--;
}

/* ---- quasiquote templates ---- */
static void template(G *g, int depth)
{
    if (!more(g) || depth > 4) {
        literal(g);
        return;
    }
    g->budget--;
    switch (pick(g, 8)) {
    case 0: put(g->out, "("); for (unsigned k = pick(g, 4); k > 0; k--) { template(g, depth + 1); put(g->out, " "); } put(g->out, ")"); break;
    case 1: put(g->out, ",");
        if (g->qq > 1) { put(g->out, ","); }   /* reach the outermost level */
        put(g->out, "(begin "); expr(g); put(g->out, ")"); break;
    case 2: put(g->out, "(a ,@"); typed(g, 'l'); put(g->out, " z)"); break;
    case 3: put(g->out, "#("); template(g, depth + 1); put(g->out, " ,"); expr(g); put(g->out, ")"); break;
    case 4: put(g->out, "(x . "); template(g, depth + 1); put(g->out, ")"); break;
    case 5: g->qq++; put(g->out, "`(n ,"); if (pick(g, 2)) { put(g->out, ","); expr(g); } else template(g, depth + 1); put(g->out, ")"); g->qq--; break;
    case 6: put(g->out, "(1 ,@'() 2)"); break;
    default: literal(g); break;
    }
}

/* ---- expressions ---- */
static void expr(G *g)
{
    if (!more(g) || g->depth > 7) {
        if (pick(g, 2))
            literal(g);
        else
            var(g);
        return;
    }
    g->budget--;
    g->depth++;
    int save = g->nloc;
    switch (pick(g, 40)) {
    case 0: case 1: literal(g); break;
    case 2: case 3: var(g); break;
    case 4: case 5: case 6: case 7: case 8: call_prim(g, &prims[pick(g, NPRIMS)]); break;
    case 9: put(g->out, "(if "); expr(g); put(g->out, " "); expr(g); if (pick(g, 3)) { put(g->out, " "); expr(g); } put(g->out, ")"); break;
    case 10: put(g->out, "(let "); bindings(g, 0, 0); body(g); put(g->out, ")"); break;
    case 11: put(g->out, "(let* "); bindings(g, 1, 0); body(g); put(g->out, ")"); break;
    case 12: put(g->out, pick(g, 2) ? "(letrec " : "(letrec* "); bindings(g, 0, 1); body(g); put(g->out, ")"); break;
    case 13: {   /* named let, counting to a bound */
        char lp[24], i[24];
        snprintf(lp, sizeof lp, "%s", bind(g));
        snprintf(i, sizeof i, "%s", bind(g));
        const char *acc = bind(g);
        putf(g->out, "(let %s ((%s 0) (%s ", lp, i, acc);
        expr(g);
        putf(g->out, ")) (if (< %s %u) (%s (+ %s 1) ", i, pick(g, 20), lp, i);
        expr(g);
        putf(g->out, ") %s))", pick(g, 2) ? acc : i);
        break;
    }
    case 14: {   /* do loop */
        char i[24];
        snprintf(i, sizeof i, "%s", bind(g));
        const char *v = bind(g);
        putf(g->out, "(do ((%s 0 (+ %s 1)) (%s ", i, i, v);
        expr(g);
        put(g->out, " ");
        expr(g);
        putf(g->out, ")) ((>= %s %u) ", i, pick(g, 16));
        expr(g);
        put(g->out, ")");
        body(g);
        put(g->out, ")");
        break;
    }
    case 15:
        put(g->out, "(cond");
        for (unsigned k = 1 + pick(g, 3); k > 0; k--) {
            put(g->out, " (");
            expr(g);
            if (chance(g, 4)) {
                put(g->out, " => ");
                proc(g, 1);
            } else if (pick(g, 4)) {
                body(g);
            }
            put(g->out, ")");
        }
        else_clause(g);
        put(g->out, ")");
        break;
    case 16:
        put(g->out, "(case ");
        expr(g);
        for (unsigned k = 1 + pick(g, 3); k > 0; k--) {
            put(g->out, " ((");
            for (unsigned j = pick(g, 3) + 1; j > 0; j--) {
                static const char *const ks[] = {"1", "2", "a", "b", "#\\a", "\"s\"", "1.5", "()", "#t", "9223372036854775807"};
                putf(g->out, " %s", ks[pick(g, sizeof ks / sizeof *ks)]);
            }
            put(g->out, ")");
            body(g);
            put(g->out, ")");
        }
        else_clause(g);
        put(g->out, ")");
        break;
    case 17: put(g->out, pick(g, 2) ? "(when " : "(unless "); expr(g); body(g); put(g->out, ")"); break;
    case 18:
        put(g->out, pick(g, 2) ? "(and" : "(or");
        for (unsigned k = pick(g, 4); k > 0; k--) {
            put(g->out, " ");
            expr(g);
        }
        put(g->out, ")");
        break;
    case 19: put(g->out, "(begin"); body(g); put(g->out, ")"); break;
    case 20:   /* set! a local or a global */
        put(g->out, "(set! ");
        var(g);
        put(g->out, " ");
        expr(g);
        put(g->out, ")");
        break;
    case 21: {   /* a lambda, called at once or as a value */
        int np = (int)pick(g, 3), rest = chance(g, 3);
        if (pick(g, 2)) {
            put(g->out, "(");
            lambda(g, np, rest);
            for (int k = np + (rest ? (int)pick(g, 3) : 0); k > 0; k--) {
                put(g->out, " ");
                expr(g);
            }
            put(g->out, ")");
        } else {
            lambda(g, np, rest);
        }
        break;
    }
    case 22: g->qq++; put(g->out, "`"); template(g, 0); g->qq--; break;
    case 23: {   /* guard */
        const char *e = bind(g);
        putf(g->out, "(guard (%s", e);
        for (unsigned k = 1 + pick(g, 3); k > 0; k--) {
            static const char *const tests[] = {"(string? %s)", "(symbol? %s)", "(error-object? %s)", "#t", "(pair? %s)", "else"};
            char t[64];
            snprintf(t, sizeof t, tests[pick(g, sizeof tests / sizeof *tests)], e);
            putf(g->out, " (%s", t);
            if (chance(g, 3))
                putf(g->out, " (error-object-message %s)", e);
            else
                body(g);
            put(g->out, ")");
        }
        put(g->out, ")");
        g->nloc--;
        body(g);
        put(g->out, ")");
        break;
    }
    case 24:
        switch (pick(g, 3)) {
        case 0: put(g->out, "(raise "); expr(g); put(g->out, ")"); break;
        case 1: put(g->out, "(error "); typed(g, 's'); args_of(g, "a*"); put(g->out, ")"); break;
        default: put(g->out, "(raise 'oops)"); break;
        }
        break;
    case 25:
        put(g->out, "(dynamic-wind ");
        proc(g, 0);
        put(g->out, " ");
        lambda(g, 0, 0);
        put(g->out, " ");
        proc(g, 0);
        put(g->out, ")");
        break;
    case 26:   /* call a procedure defined at top level, with about its arity */
        if (g->nfun) {
            unsigned f = pick(g, (unsigned)g->nfun);
            putf(g->out, "(f%u", f);
            int n = g->fun_params[f] + (g->fun_rest[f] ? (int)pick(g, 3) : 0) + (chance(g, 12) ? 1 : 0);
            for (int k = 0; k < n; k++) {
                put(g->out, " ");
                expr(g);
            }
            put(g->out, ")");
            break;
        }
        /* fall through */
    case 27:   /* use a macro defined at top level */
        if (g->nmac) {
            unsigned m = pick(g, (unsigned)g->nmac);
            putf(g->out, "(m%u", m);
            for (int k = 0; k < g->mac_params[m]; k++) {
                put(g->out, " ");
                expr(g);
            }
            put(g->out, ")");
            break;
        }
        /* fall through */
    case 28:
        put(g->out, "(apply ");
        proc(g, (int)pick(g, 3));
        args_of(g, "|a");
        put(g->out, " ");
        typed(g, 'l');
        put(g->out, ")");
        break;
    case 29: {   /* the record type of the fuzz prelude, or one defined here */
        if (g->nrec && pick(g, 2)) {
            unsigned r = pick(g, (unsigned)g->nrec);
            switch (pick(g, 4)) {
            case 0: putf(g->out, "(make-r%u ", r); expr(g); put(g->out, " "); expr(g); put(g->out, ")"); break;
            case 1: putf(g->out, "(r%u-a ", r); expr(g); put(g->out, ")"); break;
            case 2: putf(g->out, "(set-r%u-b! ", r); expr(g); put(g->out, " "); expr(g); put(g->out, ")"); break;
            default: putf(g->out, "(r%u? ", r); expr(g); put(g->out, ")"); break;
            }
        } else {
            switch (pick(g, 3)) {
            case 0: put(g->out, "(make-fz-pt "); expr(g); put(g->out, " "); expr(g); put(g->out, ")"); break;
            case 1: put(g->out, "(fz-pt-y gr)"); break;
            default: put(g->out, "(set-fz-pt-x! gr "); expr(g); put(g->out, ")"); break;
            }
        }
        break;
    }
    case 30:   /* eval or expand generated code */
        put(g->out, pick(g, 2) ? "(eval '" : "(macroexpand '");
        expr(g);
        put(g->out, ")");
        break;
    case 31:   /* a loop without end, or a recursion without one (rare) */
        if (chance(g, 48)) {
            static const char *const forever[] = {
                "(let loop () (loop))", "(do () (#f))", "(let f ((n 0)) (+ 1 (f n)))",
                "(let loop ((l '())) (loop (cons 1 l)))", "(let loop ((i 0)) (if (>= i 0) (loop (+ i 1)) i))",
                "(letrec ((a (lambda () (b))) (b (lambda () (a)))) (a))",
                "(let loop () (guard (e (#t (loop))) (raise 1)))",
                "(let loop ((v (make-vector 1000 0))) (loop (vector v v)))",
                "(let loop ((s \"x\")) (loop (string-append s s)))",
            };
            put(g->out, forever[pick(g, sizeof forever / sizeof *forever)]);
            break;
        }
        /* fall through */
    case 32: {   /* hash table work */
        const char *h = bind(g);
        putf(g->out, "(let ((%s ", h);
        typed(g, 'h');
        putf(g->out, ")) (hash-table-set! %s ", h);
        expr(g);
        put(g->out, " ");
        expr(g);
        putf(g->out, ") (hash-table-update!/default %s ", h);
        expr(g);
        put(g->out, " ");
        proc(g, 1);
        putf(g->out, " 0) (list (hash-table-count %s) (hash-table->alist %s) (hash-table-ref %s ", h, h, h);
        expr(g);
        put(g->out, " #f)))");
        break;
    }
    case 33: {   /* string and vector work */
        const char *s = bind(g);
        putf(g->out, "(let ((%s (string-copy ", s);
        typed(g, 's');
        putf(g->out, "))) (string-set! %s ", s);
        typed(g, 'k');
        put(g->out, " ");
        typed(g, 'c');
        putf(g->out, ") (list (string->list %s) (string-length %s) (substring %s 0 ", s, s, s);
        typed(g, 'k');
        putf(g->out, ") (string-upcase %s)))", s);
        break;
    }
    case 34: {   /* with-exception-handler (called where the raise happens), raise-continuable, error objects */
        static const char *handlers[] = {
            "(lambda (c) (list (condition->string c) (error-object-message c) (error-object-irritants c)))",
            "(lambda (c) (raise (list 'again c)))", "(lambda (c) (raise-continuable c))"};
        putf(g->out, "(with-exception-handler %s ", handlers[pick(g, 3)]);
        if (pick(g, 2)) {
            put(g->out, "(lambda () (list (raise-continuable ");
            expr(g);
            put(g->out, ") ");
            expr(g);
            put(g->out, ")))");
        } else {
            lambda(g, 0, 0);
            put(g->out, ")");
        }
        break;
    }
    case 35:   /* sort */
        put(g->out, pick(g, 2) ? "(sort " : "(sort! ");
        typed(g, pick(g, 2) ? 'l' : 'v');
        put(g->out, " ");
        proc(g, 2);
        put(g->out, ")");
        break;
    case 36:   /* read back what was printed */
        put(g->out, "(read-from-string (->string ");
        expr(g);
        put(g->out, " #f))");
        break;
    case 37:   /* now and then, code nested or long past what the reader takes, through eval */
        if (chance(g, 8)) {
            static const char *const shapes[] = {
                "(lambda (x) (list 'car (list 'list x)))", "(lambda (x) (list 'let (list (list 'a x)) 'a))",
                "(lambda (x) (list 'not x))", "(lambda (x) (list 'if x x 2))", "(lambda (x) (list x))",
                "(lambda (x) (list (list 'lambda '() x)))", "(lambda (x) (list 'quasiquote (list x (list 'unquote 1))))",
                "(lambda (x) (vector x))", "(lambda (x) (list 'begin 1 x))", "(lambda (x) (list 'and x 1))",
            };
            static const char *const lengths[] = {"10", "300", "1000", "1500", "2500", "6000"};
            const char *n = lengths[pick(g, sizeof lengths / sizeof *lengths)];
            switch (pick(g, 3)) {
            case 0: putf(g->out, "(eval (fz-nest %s %s 1))", n, shapes[pick(g, sizeof shapes / sizeof *shapes)]); break;
            case 1: putf(g->out, "(eval (cons '%s (iota %s)))", pick(g, 2) ? "begin" : "list", n); break;
            default: putf(g->out, "(eval (list 'quasiquote (iota %s)))", n); break;
            }
            break;
        }
        /* fall through */
    default: call_prim(g, &prims[pick(g, NPRIMS)]); break;
    }
    g->nloc = save;
    g->depth--;
}

/* ---- top-level forms ---- */
static void toplevel(G *g)
{
    g->nloc = 0;
    g->depth = 0;
    g->budget = 20 + (int)pick(g, 120);
    switch (pick(g, 12)) {
    case 0: case 1: {   /* (define gN expr) */
        unsigned k = g->nglob < 6 && pick(g, 3) ? (unsigned)g->nglob++ : pick(g, (unsigned)g->nglob + 1);
        if (k >= (unsigned)g->nglob)
            g->nglob = (int)k + 1;
        putf(g->out, "(define g%u ", k);
        expr(g);
        put(g->out, ")");
        break;
    }
    case 2: case 3: {   /* (define (fN params . rest) body) */
        unsigned f = g->nfun < 8 && pick(g, 3) ? (unsigned)g->nfun : pick(g, (unsigned)g->nfun + 1);
        if (f >= 8)
            f = 7;
        int np = (int)pick(g, 4), rest = chance(g, 4);
        putf(g->out, "(define (f%u", f);
        for (int i = 0; i < np; i++)
            putf(g->out, " %s", bind(g));
        if (rest)
            putf(g->out, " . %s", bind(g));
        put(g->out, ")");
        if (f >= (unsigned)g->nfun)
            g->nfun = (int)f + 1;
        g->fun_params[f] = np;
        g->fun_rest[f] = rest;
        body(g);
        put(g->out, ")");
        break;
    }
    case 4: {   /* (define-macro (mN params) template) */
        unsigned m = g->nmac < 4 && pick(g, 2) ? (unsigned)g->nmac : pick(g, (unsigned)g->nmac + 1);
        if (m >= 4)
            m = 3;
        int np = (int)pick(g, 3);
        char p[3][24];
        putf(g->out, "(define-macro (m%u", m);
        for (int i = 0; i < np; i++) {
            snprintf(p[i], sizeof p[i], "%s", bind(g));
            putf(g->out, " %s", p[i]);
        }
        put(g->out, ") ");
        if (np && pick(g, 2)) {   /* a template using its arguments */
            const char *t = bind(g);
            putf(g->out, "(let ((%s (gensym))) `(let ((,%s ,%s)) (if ,%s ", t, t, p[0], t);
            g->qq++;
            template(g, 1);
            g->qq--;
            putf(g->out, " (list ,%s ,@(list %s)))))", t, np > 1 ? p[1] : "1");
        } else if (chance(g, 6)) {   /* expands to itself (expansion must stop) */
            putf(g->out, "`(m%u %s)", m, np ? "1" : "");
        } else {
            g->qq++;
            put(g->out, "`");
            template(g, 0);
            g->qq--;
        }
        put(g->out, ")");
        if (m >= (unsigned)g->nmac)
            g->nmac = (int)m + 1;
        g->mac_params[m] = np;
        break;
    }
    case 5:   /* (define-record-type rN ...) */
        if (g->nrec < 3) {
            unsigned r = (unsigned)g->nrec++;
            putf(g->out, "(define-record-type r%u (make-r%u a b) r%u? (a r%u-a set-r%u-a!) (b r%u-b set-r%u-b!))", r, r, r, r, r, r, r);
            break;
        }
        /* fall through */
    case 6:
        if (chance(g, 4)) {   /* define-instruction: a new opcode, or one replacing a built-in */
            static const char *const names[] = {"fzop", "fzop2", "add", "car", "lt", "cons", "not", "vector-ref", "sub", "eq?", "numeq", "mul"};
            static const char *const fmts[] = {"A", "AB", "ABC"};
            unsigned nm = pick(g, sizeof names / sizeof *names);
            unsigned f = nm < 2 ? pick(g, 3) : (!strcmp(names[nm], "car") || !strcmp(names[nm], "not")) ? 1 : 2;
            putf(g->out, "(define-instruction %s (format %s) (asm \"%s\" r r) (sem ", names[nm], fmts[f], names[nm]);
            proc(g, (int)f);
            put(g->out, ")");
            if (pick(g, 2)) {
                static const char *const rules[] = {"fz-id", "bit-count", "car", "+", "string-append", "fzcall"};
                putf(g->out, " (compile-calls-to %s)", rules[pick(g, sizeof rules / sizeof *rules)]);
            }
            put(g->out, ")");
            break;
        }
        /* fall through */
    case 7:
        if (chance(g, 3)) {   /* define-primitive */
            put(g->out, "(define-primitive (fzprim a b) ");
            int save = g->nloc;
            snprintf(g->loc[g->nloc++], 24, "a");
            snprintf(g->loc[g->nloc++], 24, "b");
            expr(g);
            g->nloc = save;
            put(g->out, ")");
            break;
        }
        /* fall through */
    default:
        expr(g);
        break;
    }
}

/* ---- running ---- */
static VM *cur;
static volatile int ticks;
static timer_t timer;
static FILE *devnull_w, *devnull_r;
static int show;

static void on_tick(int sig)
{
    (void)sig;
    if (!cur)
        return;
    cur->interrupt = 1;
    if (++ticks > 20)   /* 20 + 20 * 2 ms: guards stop catching, so every form ends */
        cur->exit_requested = 1;
}

static void arm(int on)
{
    struct itimerspec it;
    memset(&it, 0, sizeof it);
    if (on) {
        it.it_value.tv_nsec = 20 * 1000000L;
        it.it_interval.tv_nsec = 2 * 1000000L;
    }
    ticks = 0;
    timer_settime(timer, 0, &it, NULL);
}

/* Every input runs a VM from scratch: ASan's quarantine and the allocation
 * stacks it keeps grew the process past 1 GB in five minutes.  ASAN_OPTIONS
 * in the environment still wins. */
const char *__asan_default_options(void);
const char *__asan_default_options(void) { return "malloc_context_size=10:quarantine_size_mb=64"; }

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    devnull_w = fopen("/dev/null", "w");
    devnull_r = fopen("/dev/null", "r");
    assert(devnull_w && devnull_r);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_tick;
    sa.sa_flags = SA_RESTART;
    sigaction(SIGRTMIN + 3, &sa, NULL);
    struct sigevent ev;
    memset(&ev, 0, sizeof ev);
    ev.sigev_notify = SIGEV_SIGNAL;
    ev.sigev_signo = SIGRTMIN + 3;
    if (timer_create(CLOCK_MONOTONIC, &ev, &timer) != 0)
        abort();
    const char *s = getenv("FUZZ_VML_SHOW");
    show = s && *s == '1';
    return 0;
}

/* What every program can use: a global of each type, procedures, a record type. */
static const char fuzz_prelude[] =
    "(define gi 7) (define gf 2.5) (define gs \"str\") (define gc #\\c) (define gy 'sym)"
    "(define gl (list 1 \"two\" #\\3 'four 5.0)) (define gv (vector 1 2 3)) (define gb (bytevector 0 1 2 3 4 5 6 7 8))"
    "(define gh (make-hash-table)) (hash-table-set! gh 'k 1) (hash-table-set! gh \"s\" '(2))"
    "(define gp car) (define (fz-id x) x) (define (gq a b) (if (< (random-ish a) 0) a b))"
    "(define (random-ish x) (if (number? x) x 0))"
    "(define-record-type fz-pt (make-fz-pt x y) fz-pt? (x fz-pt-x set-fz-pt-x!) (y fz-pt-y))"
    "(define gr (make-fz-pt 1 2)) (define gz (lambda args args)) (define (ga . xs) (length xs))"
    "(define (fzcall x) x) (define (fz-nest n f x) (if (<= n 0) x (fz-nest (- n 1) f (f x))))"
    "(define gcy (list 1 \"2\" 3)) (set-cdr! (cddr gcy) gcy) (define gcc (list 1 2)) (set-car! gcc gcc)";

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
    G g;
    memset(&g, 0, sizeof g);
    g.d = d;
    g.n = n;
    Buf forms[MAXFORMS];
    memset(forms, 0, sizeof forms);
    int nforms = 0;
    int stress = n > 0 && (d[0] & 31) == 31;
    if (n > 0)
        g.i = 1;
    while (nforms < MAXFORMS && g.i < g.n) {
        g.out = &forms[nforms++];
        put(g.out, "");
        toplevel(&g);
    }

    VM *vm = vml_new();
    assert(vm);
    vm->quiet = 1;
    vm->max_bytes = (size_t)16 << 20;
    vm->out->f = devnull_w;
    vm->err->f = devnull_w;
    vm->in->f = devnull_r;
    int rc = vml_eval_string(vm, "<fuzz-prelude>", fuzz_prelude, strlen(fuzz_prelude), NULL);
    assert(rc == 0);
    vm->gc_stress = stress;
    cur = vm;
    arm(1);
    for (int i = 0; i < nforms; i++) {
        if (show)
            fprintf(stderr, "%s\n", forms[i].s);
        rc = vml_eval_string(vm, "<fuzz>", forms[i].s, forms[i].n, NULL);
        if (show && rc < 0)
            fprintf(stderr, "  ; %s\n", vm->last_error);
        assert(vm->ncroots == 0 && vm->handler == NULL && vm->nframes == 0 && vm->cdepth == 0);
        assert(vm->top == vm->stack);
        if (vm->exit_requested)
            break;
    }
    arm(0);
    cur = NULL;
    vml_free(vm);
    for (int i = 0; i < nforms; i++)
        free(forms[i].s);
    return 0;
}
