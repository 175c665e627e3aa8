/* prims: the meta language's primitives written in C (numbers, machine
 * words, lists, strings, vectors, bytevectors, hash tables, records, errors,
 * I/O, reflection).  Procedures that take procedures (map, for-each, fold...)
 * are in the prelude (prelude.c), written in the language itself, so they
 * do not nest C calls. */
#include "meta/vm/prims.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
/* ---- numbers ---- */
PRIM(p_add) { UNUSED; V r = vint(0); for (int i = 0; i < argc; i++) r = vml_arith(vm, 0, r, argv[i]); return r; }
PRIM(p_mul) { UNUSED; V r = vint(1); for (int i = 0; i < argc; i++) r = vml_arith(vm, 2, r, argv[i]); return r; }
/* - and /: one argument is taken from the unit (0 - x, 1 / x), more fold left */
static V fold_inverse(VM *vm, int op, V unit, int argc, V *argv)
{
    if (argc == 1)
        return vml_arith(vm, op, unit, argv[0]);
    V r = argv[0];
    for (int i = 1; i < argc; i++)
        r = vml_arith(vm, op, r, argv[i]);
    return r;
}
PRIM(p_sub) { UNUSED; return fold_inverse(vm, 1, vint(0), argc, argv); }
PRIM(p_div) { UNUSED; return fold_inverse(vm, 3, vint(1), argc, argv); }
static V cmp_chain(VM *vm, int op, int argc, V *argv)
{
    if (argc == 1)
        vml_compare(vm, op, argv[0], argv[0]);
    for (int i = 0; i + 1 < argc; i++)
        if (!vml_compare(vm, op, argv[i], argv[i + 1]))
            return VFALSE;
    return VTRUE;
}
PRIM(p_lt) { UNUSED; return cmp_chain(vm, 0, argc, argv); }
PRIM(p_le) { UNUSED; return cmp_chain(vm, 1, argc, argv); }
PRIM(p_gt) { UNUSED; return cmp_chain(vm, 2, argc, argv); }
PRIM(p_ge) { UNUSED; return cmp_chain(vm, 3, argc, argv); }
PRIM(p_numeq) { UNUSED; return cmp_chain(vm, 4, argc, argv); }
PRIM(p_quotient) { UNUSED; return vml_arith(vm, 4, argv[0], argv[1]); }
PRIM(p_remainder) { UNUSED; return vml_arith(vm, 5, argv[0], argv[1]); }
PRIM(p_modulo) { UNUSED; return vml_arith(vm, 6, argv[0], argv[1]); }
PRIM(p_numberp) { UNUSED; return vbool(argv[0].t == T_INT || argv[0].t == T_FLO); }
PRIM(p_integerp) { UNUSED; return vbool(argv[0].t == T_INT || (argv[0].t == T_FLO && argv[0].d == floor(argv[0].d) && isfinite(argv[0].d))); }
PRIM(p_exactp) { UNUSED; farg(vm, self, argv[0]); return vbool(argv[0].t == T_INT); }
PRIM(p_inexactp) { UNUSED; farg(vm, self, argv[0]); return vbool(argv[0].t == T_FLO); }
PRIM(p_floatp) { UNUSED; return vbool(argv[0].t == T_FLO); }
PRIM(p_inexact) { UNUSED; return vflo(farg(vm, self, argv[0])); }
PRIM(p_exact)
{
    UNUSED;
    if (argv[0].t == T_INT)
        return argv[0];
    double d = farg(vm, self, argv[0]);
    if (!(d >= -9.2233720368547758e18 && d < 9.2233720368547758e18))
        vml_error(vm, vml_list(vm, 1, argv[0]), "%s: %g has no exact 64-bit integer value", WHO, d);
    return vint((int64_t)d);
}
static V fround(VM *vm, V self, V x, double (*f)(double))
{
    if (x.t == T_INT)
        return x;
    return vflo(f(farg(vm, self, x)));
}
PRIM(p_floor) { UNUSED; return fround(vm, self, argv[0], floor); }
PRIM(p_ceiling) { UNUSED; return fround(vm, self, argv[0], ceil); }
PRIM(p_truncate) { UNUSED; return fround(vm, self, argv[0], trunc); }
PRIM(p_round) { UNUSED; return fround(vm, self, argv[0], nearbyint); }
PRIM(p_abs)
{
    UNUSED;
    if (argv[0].t == T_INT)
        return vint(argv[0].i < 0 ? (int64_t)(0 - (uint64_t)argv[0].i) : argv[0].i);
    return vflo(fabs(farg(vm, self, argv[0])));
}
/* min (cmp 0: <) and max (cmp 2: >); inexact if any argument is */
static V min_max(VM *vm, V self, int argc, V *argv, int cmp)
{
    V r = argv[0];
    int flo = r.t == T_FLO;
    farg(vm, self, r);
    for (int i = 1; i < argc; i++) {
        farg(vm, self, argv[i]);
        flo |= argv[i].t == T_FLO;
        if (vml_compare(vm, cmp, argv[i], r))
            r = argv[i];
    }
    return flo && r.t == T_INT ? vflo((double)r.i) : r;
}
PRIM(p_min) { UNUSED; return min_max(vm, self, argc, argv, 0); }
PRIM(p_max) { UNUSED; return min_max(vm, self, argc, argv, 2); }
PRIM(p_sqrt)
{
    UNUSED;
    if (argv[0].t == T_INT && argv[0].i >= 0) {
        int64_t s = (int64_t)sqrt((double)argv[0].i);
        uint64_t x = (uint64_t)argv[0].i;
        while (s > 0 && (uint64_t)s * (uint64_t)s > x)
            s--;
        while (s < 3037000499 && (uint64_t)(s + 1) * (uint64_t)(s + 1) <= x)
            s++;
        if ((uint64_t)s * (uint64_t)s == x)
            return vint(s);
    }
    return vflo(sqrt(farg(vm, self, argv[0])));
}
PRIM(p_expt)
{
    UNUSED;
    if (argv[0].t == T_INT && argv[1].t == T_INT && argv[1].i >= 0) {
        uint64_t b = (uint64_t)argv[0].i, r = 1;
        for (int64_t e = argv[1].i; e > 0; e >>= 1, b *= b)
            if (e & 1)
                r *= b;
        return vint((int64_t)r);
    }
    return vflo(pow(farg(vm, self, argv[0]), farg(vm, self, argv[1])));
}
#define MATH1(name, fn) PRIM(name) { UNUSED; return vflo(fn(farg(vm, self, argv[0]))); }
MATH1(p_exp, exp)
MATH1(p_sin, sin)
MATH1(p_cos, cos)
MATH1(p_tan, tan)
MATH1(p_asin, asin)
MATH1(p_acos, acos)
PRIM(p_log) { UNUSED; return argc == 2 ? vflo(log(farg(vm, self, argv[0])) / log(farg(vm, self, argv[1]))) : vflo(log(farg(vm, self, argv[0]))); }
PRIM(p_atan) { UNUSED; return argc == 2 ? vflo(atan2(farg(vm, self, argv[0]), farg(vm, self, argv[1]))) : vflo(atan(farg(vm, self, argv[0]))); }
PRIM(p_zerop) { UNUSED; return vbool(farg(vm, self, argv[0]) == 0); }
PRIM(p_positivep) { UNUSED; return vbool(farg(vm, self, argv[0]) > 0); }
PRIM(p_negativep) { UNUSED; return vbool(farg(vm, self, argv[0]) < 0); }
PRIM(p_oddp) { UNUSED; return vbool(iarg(vm, self, argv[0]) & 1); }
PRIM(p_evenp) { UNUSED; return vbool(!(iarg(vm, self, argv[0]) & 1)); }

PRIM(p_number_to_string)
{
    UNUSED;
    char buf[80];
    int radix = argc > 1 ? (int)iarg(vm, self, argv[1]) : 10;
    if (argv[0].t == T_FLO) {
        vml_format_double(argv[0].d, buf, sizeof buf);
    } else {
        int64_t x = iarg(vm, self, argv[0]);
        if (radix == 10) {
            snprintf(buf, sizeof buf, "%lld", (long long)x);
        } else {
            if (radix < 2 || radix > 36)
                vml_error(vm, VNIL, "number->string: bad radix %d", radix);
            uint64_t u = x < 0 ? 0 - (uint64_t)x : (uint64_t)x;
            char tmp[80];
            int n = 0;
            do {
                tmp[n++] = "0123456789abcdefghijklmnopqrstuvwxyz"[u % (uint64_t)radix];
                u /= (uint64_t)radix;
            } while (u);
            int j = 0;
            if (x < 0)
                buf[j++] = '-';
            while (n)
                buf[j++] = tmp[--n];
            buf[j] = 0;
        }
    }
    return vml_cstr(vm, buf);
}
PRIM(p_string_to_number)
{
    UNUSED;
    Str *s = sarg(vm, self, argv[0]);
    int radix = argc > 1 ? (int)iarg(vm, self, argv[1]) : 10;
    if (s->len == 0)
        return VFALSE;
    char *end;
    errno = 0;
    if (radix != 10) {
        if (radix < 2 || radix > 36)   /* strtoll would not set end */
            vml_error(vm, VNIL, "string->number: bad radix %d", radix);
        long long v = strtoll(s->s, &end, radix);
        if (!*end && errno == ERANGE)
            vml_error(vm, vml_list(vm, 1, argv[0]), "string->number: integer %s out of range (integers are 64-bit)", s->s);
        return *end || errno ? VFALSE : vint(v);
    }
    sx x;   /* what the reader takes for a number */
    int rc = sx_parse_number(s->s, s->len, &x);
    if (rc < 0)
        vml_error(vm, vml_list(vm, 1, argv[0]), "string->number: integer %s out of range (integers are 64-bit)", s->s);
    return rc == 0 ? VFALSE : x.kind == SX_INT ? vint(x.u.i) : vflo(x.u.d);
}

/* ---- machine words ---- */
static V fold_bits(VM *vm, V self, int argc, V *argv, int op)
{
    uint64_t r = op == 0 ? ~0ULL : 0;
    for (int i = 0; i < argc; i++) {
        uint64_t x = (uint64_t)iarg(vm, self, argv[i]);
        r = op == 0 ? r & x : op == 1 ? r | x : r ^ x;
    }
    return vint((int64_t)r);
}
PRIM(p_band) { return fold_bits(vm, self, argc, argv, 0); }
PRIM(p_bor) { return fold_bits(vm, self, argc, argv, 1); }
PRIM(p_bxor) { return fold_bits(vm, self, argc, argv, 2); }
PRIM(p_bnot) { UNUSED; return vint(~iarg(vm, self, argv[0])); }
PRIM(p_shl) { UNUSED; int64_t n = iarg(vm, self, argv[1]); return vint(n >= 64 || n < 0 ? 0 : (int64_t)((uint64_t)iarg(vm, self, argv[0]) << n)); }
PRIM(p_srl) { UNUSED; int64_t n = iarg(vm, self, argv[1]); return vint(n >= 64 || n < 0 ? 0 : (int64_t)((uint64_t)iarg(vm, self, argv[0]) >> n)); }
PRIM(p_sra) { UNUSED; int64_t x = iarg(vm, self, argv[0]), n = iarg(vm, self, argv[1]); return vint(n >= 64 || n < 0 ? (x < 0 ? -1 : 0) : x >> n); }
PRIM(p_ash)
{
    UNUSED;
    int64_t x = iarg(vm, self, argv[0]), n = iarg(vm, self, argv[1]);
    if (n >= 0)
        return vint(n >= 64 ? 0 : (int64_t)((uint64_t)x << n));
    return vint(n <= -64 ? (x < 0 ? -1 : 0) : x >> -n);
}
PRIM(p_u64add) { UNUSED; return vint((int64_t)((uint64_t)iarg(vm, self, argv[0]) + (uint64_t)iarg(vm, self, argv[1]))); }
PRIM(p_u64sub) { UNUSED; return vint((int64_t)((uint64_t)iarg(vm, self, argv[0]) - (uint64_t)iarg(vm, self, argv[1]))); }
PRIM(p_u64mul) { UNUSED; return vint((int64_t)((uint64_t)iarg(vm, self, argv[0]) * (uint64_t)iarg(vm, self, argv[1]))); }
PRIM(p_u64div)
{
    UNUSED;
    uint64_t b = (uint64_t)iarg(vm, self, argv[1]);
    if (!b)
        vml_error(vm, VNIL, "%s: division by zero", WHO);
    return vint((int64_t)((uint64_t)iarg(vm, self, argv[0]) / b));
}
PRIM(p_u64rem)
{
    UNUSED;
    uint64_t b = (uint64_t)iarg(vm, self, argv[1]);
    if (!b)
        vml_error(vm, VNIL, "%s: division by zero", WHO);
    return vint((int64_t)((uint64_t)iarg(vm, self, argv[0]) % b));
}
PRIM(p_u64lt) { UNUSED; return vbool((uint64_t)iarg(vm, self, argv[0]) < (uint64_t)iarg(vm, self, argv[1])); }
PRIM(p_u64le) { UNUSED; return vbool((uint64_t)iarg(vm, self, argv[0]) <= (uint64_t)iarg(vm, self, argv[1])); }
PRIM(p_u64gt) { UNUSED; return vbool((uint64_t)iarg(vm, self, argv[0]) > (uint64_t)iarg(vm, self, argv[1])); }
PRIM(p_u64ge) { UNUSED; return vbool((uint64_t)iarg(vm, self, argv[0]) >= (uint64_t)iarg(vm, self, argv[1])); }
PRIM(p_sext8) { UNUSED; return vint((int8_t)iarg(vm, self, argv[0])); }
PRIM(p_sext16) { UNUSED; return vint((int16_t)iarg(vm, self, argv[0])); }
PRIM(p_sext32) { UNUSED; return vint((int32_t)iarg(vm, self, argv[0])); }
PRIM(p_zext8) { UNUSED; return vint((uint8_t)iarg(vm, self, argv[0])); }
PRIM(p_zext16) { UNUSED; return vint((uint16_t)iarg(vm, self, argv[0])); }
PRIM(p_zext32) { UNUSED; return vint((uint32_t)iarg(vm, self, argv[0])); }
PRIM(p_bitcount) { UNUSED; return vint(__builtin_popcountll((uint64_t)iarg(vm, self, argv[0]))); }
PRIM(p_bits)
{
    UNUSED;   /* (bits x hi lo): bits hi..lo of x, zero-extended */
    uint64_t x = (uint64_t)iarg(vm, self, argv[0]);
    int64_t hi = iarg(vm, self, argv[1]), lo = iarg(vm, self, argv[2]);
    if (hi < lo || lo < 0 || hi > 63)
        vml_error(vm, VNIL, "bits: bad range %lld..%lld", (long long)hi, (long long)lo);
    uint64_t w = (uint64_t)(hi - lo + 1);
    return vint((int64_t)(w == 64 ? x : (x >> lo) & ((1ULL << w) - 1)));
}
PRIM(p_u64_to_string)
{
    UNUSED;
    char buf[40];
    uint64_t x = (uint64_t)iarg(vm, self, argv[0]);
    if (argc > 1 && iarg(vm, self, argv[1]) == 16)
        snprintf(buf, sizeof buf, "%llx", (unsigned long long)x);
    else
        snprintf(buf, sizeof buf, "%llu", (unsigned long long)x);
    return vml_cstr(vm, buf);
}

/* ---- equality, types ---- */
PRIM(p_eq) { UNUSED; return vbool(argv[0].t == argv[1].t && argv[0].u == argv[1].u); }
PRIM(p_eqv) { UNUSED; return vbool(vml_eqv(argv[0], argv[1])); }
PRIM(p_equal) { UNUSED; return vbool(vml_equal(argv[0], argv[1])); }
PRIM(p_not) { UNUSED; return vbool(argv[0].t == T_FALSE); }
#define TYPEP(name, cond) PRIM(name) { UNUSED; V x = argv[0]; return vbool(cond); }
TYPEP(p_booleanp, x.t == T_TRUE || x.t == T_FALSE)
TYPEP(p_pairp, x.t == T_PAIR)
TYPEP(p_nullp, x.t == T_NIL)
TYPEP(p_symbolp, x.t == T_SYM)
TYPEP(p_stringp, x.t == T_STR)
TYPEP(p_charp, x.t == T_CHAR)
TYPEP(p_vectorp, x.t == T_VEC)
TYPEP(p_bytevectorp, x.t == T_BVEC)
TYPEP(p_procedurep, x.t == T_CLO || x.t == T_PRIM)
TYPEP(p_hashp, x.t == T_HASH)
TYPEP(p_eofp, x.t == T_EOF)
TYPEP(p_errp, x.t == T_ERR)
PRIM(p_eof) { UNUSED; (void)argv; return vimm(T_EOF); }
PRIM(p_void) { UNUSED; (void)argv; return VUNSPEC; }

/* ---- pairs and lists ---- */
PRIM(p_cons) { UNUSED; return vml_cons(vm, argv[0], argv[1]); }
PRIM(p_car) { UNUSED; if (argv[0].t != T_PAIR) vml_type_error(vm, WHO, "a pair", argv[0]); return CAR(argv[0]); }
PRIM(p_cdr) { UNUSED; if (argv[0].t != T_PAIR) vml_type_error(vm, WHO, "a pair", argv[0]); return CDR(argv[0]); }
PRIM(p_setcar) { UNUSED; if (argv[0].t != T_PAIR) vml_type_error(vm, WHO, "a pair", argv[0]); CAR(argv[0]) = argv[1]; return VUNSPEC; }
PRIM(p_setcdr) { UNUSED; if (argv[0].t != T_PAIR) vml_type_error(vm, WHO, "a pair", argv[0]); CDR(argv[0]) = argv[1]; return VUNSPEC; }
static V cxr(VM *vm, V self, V x, const char *path)
{
    /* path read right to left: "ad" = car of cdr */
    for (int i = (int)strlen(path) - 1; i >= 0; i--) {
        if (x.t != T_PAIR)
            vml_type_error(vm, WHO, "a pair", x);
        x = path[i] == 'a' ? CAR(x) : CDR(x);
    }
    return x;
}
#define CXR(name, path) PRIM(name) { UNUSED; return cxr(vm, self, argv[0], path); }
CXR(p_caar, "aa") CXR(p_cadr, "ad") CXR(p_cdar, "da") CXR(p_cddr, "dd")
CXR(p_caddr, "add") CXR(p_cdddr, "ddd") CXR(p_cadddr, "addd") CXR(p_caadr, "aad") CXR(p_cddar, "dda") CXR(p_cdadr, "dad")
PRIM(p_list)
{
    UNUSED;
    V l = VNIL;
    VML_ROOT(vm, l);
    for (int i = argc - 1; i >= 0; i--)
        l = vml_cons(vm, argv[i], l);
    VML_UNROOT(vm, 1);
    return l;
}
PRIM(p_listp) { UNUSED; return vbool(vml_list_length(argv[0]) != (size_t)-1); }
PRIM(p_length)
{
    UNUSED;
    size_t n = vml_list_length(argv[0]);
    if (n == (size_t)-1)
        vml_type_error(vm, WHO, "a proper list", argv[0]);
    return vint((int64_t)n);
}
PRIM(p_append)
{
    UNUSED;
    if (argc == 0)
        return VNIL;
    V result = argv[argc - 1];
    VML_ROOT(vm, result);
    for (int i = argc - 2; i >= 0; i--) {
        size_t n = vml_list_length(argv[i]);
        if (n == (size_t)-1)
            vml_type_error(vm, WHO, "a proper list", argv[i]);
        /* copy argv[i] in front of result */
        V head = VNIL, tail = VNIL;
        VML_ROOT(vm, head);
        for (V p = argv[i]; p.t == T_PAIR; p = CDR(p)) {
            V c = vml_cons(vm, CAR(p), VNIL);
            if (head.t == T_NIL)
                head = c;
            else
                CDR(tail) = c;
            tail = c;
        }
        if (head.t != T_NIL) {
            CDR(tail) = result;
            result = head;
        }
        VML_UNROOT(vm, 1);
    }
    VML_UNROOT(vm, 1);
    return result;
}
PRIM(p_reverse)
{
    UNUSED;
    V r = VNIL;
    VML_ROOT(vm, r);
    V p;
    for (p = argv[0]; p.t == T_PAIR; p = CDR(p))
        r = vml_cons(vm, CAR(p), r);
    if (p.t != T_NIL)
        vml_type_error(vm, WHO, "a proper list", argv[0]);
    VML_UNROOT(vm, 1);
    return r;
}
PRIM(p_list_tail)
{
    UNUSED;
    V p = argv[0];
    for (int64_t k = iarg(vm, self, argv[1]); k > 0; k--) {
        if (p.t != T_PAIR)
            vml_error(vm, VNIL, "%s: list too short", WHO);
        p = CDR(p);
    }
    return p;
}
PRIM(p_list_ref)
{
    UNUSED;
    V p = argv[0];
    for (int64_t k = iarg(vm, self, argv[1]); k > 0 && p.t == T_PAIR; k--)
        p = CDR(p);
    if (p.t != T_PAIR)
        vml_error(vm, vml_list(vm, 1, argv[1]), "%s: index out of range", WHO);
    return CAR(p);
}
/* Floyd on circular lists: slow takes every other step; when l meets it,
 * every element has been looked at */
#define CIRCLE_END(k, l, slow) ((k) && !((k) & 1) && ((slow) = CDR(slow)).o == (l).o)
static V mem(V x, V l, int kind)
{
    V slow = l;
    for (size_t k = 0; l.t == T_PAIR && !CIRCLE_END(k, l, slow); l = CDR(l), k++) {
        V y = CAR(l);
        if (kind == 0 ? (x.t == y.t && x.u == y.u) : kind == 1 ? vml_eqv(x, y) : vml_equal(x, y))
            return l;
    }
    return VFALSE;
}
PRIM(p_memq) { UNUSED; return mem(argv[0], argv[1], 0); }
PRIM(p_memv) { UNUSED; return mem(argv[0], argv[1], 1); }
PRIM(p_member) { UNUSED; return mem(argv[0], argv[1], 2); }
static V ass(V x, V l, int kind)
{
    V slow = l;
    for (size_t k = 0; l.t == T_PAIR && !CIRCLE_END(k, l, slow); l = CDR(l), k++) {
        V e = CAR(l);
        if (e.t != T_PAIR)
            continue;
        V y = CAR(e);
        if (kind == 0 ? (x.t == y.t && x.u == y.u) : kind == 1 ? vml_eqv(x, y) : vml_equal(x, y))
            return e;
    }
    return VFALSE;
}
PRIM(p_assq) { UNUSED; return ass(argv[0], argv[1], 0); }
PRIM(p_assv) { UNUSED; return ass(argv[0], argv[1], 1); }
PRIM(p_assoc) { UNUSED; return ass(argv[0], argv[1], 2); }
PRIM(p_list_copy)
{
    UNUSED;
    V head = VNIL, tail = VNIL;
    VML_ROOT(vm, head);
    for (V p = argv[0]; p.t == T_PAIR; p = CDR(p)) {
        V c = vml_cons(vm, CAR(p), VNIL);
        if (head.t == T_NIL)
            head = c;
        else
            CDR(tail) = c;
        tail = c;
    }
    VML_UNROOT(vm, 1);
    return head;
}

/* ---- symbols, characters ---- */
PRIM(p_symbol_to_string) { UNUSED; if (argv[0].t != T_SYM) vml_type_error(vm, WHO, "a symbol", argv[0]); return vml_str(vm, AS(Sym, argv[0])->name, AS(Sym, argv[0])->len); }
PRIM(p_string_to_symbol) { UNUSED; Str *s = sarg(vm, self, argv[0]); return vml_intern(vm, s->s, s->len); }
PRIM(p_gensym)
{
    UNUSED;
    char buf[96];
    const char *pfx = argc > 0 && argv[0].t == T_STR ? AS(Str, argv[0])->s : argc > 0 && argv[0].t == T_SYM ? AS(Sym, argv[0])->name : "g";
    snprintf(buf, sizeof buf, "%.60s%%%llu", pfx, (unsigned long long)++vm->gensym_counter);
    return vml_intern(vm, buf, strlen(buf));
}
PRIM(p_char_to_integer) { UNUSED; return vint(chr_arg(vm, self, argv[0])); }
PRIM(p_integer_to_char) { UNUSED; int64_t c = iarg(vm, self, argv[0]); if (c < 0 || c > 0x10FFFF) vml_error(vm, VNIL, "integer->char: %lld is not a code point", (long long)c); return vchar((uint32_t)c); }
PRIM(p_char_upcase) { UNUSED; uint32_t c = chr_arg(vm, self, argv[0]); return vchar(c >= 'a' && c <= 'z' ? c - 32 : c); }
PRIM(p_char_downcase) { UNUSED; uint32_t c = chr_arg(vm, self, argv[0]); return vchar(c >= 'A' && c <= 'Z' ? c + 32 : c); }
PRIM(p_char_alphabeticp) { UNUSED; uint32_t c = chr_arg(vm, self, argv[0]); return vbool((c | 32) >= 'a' && (c | 32) <= 'z'); }
PRIM(p_char_numericp) { UNUSED; uint32_t c = chr_arg(vm, self, argv[0]); return vbool(c >= '0' && c <= '9'); }
PRIM(p_char_whitespacep) { UNUSED; uint32_t c = chr_arg(vm, self, argv[0]); return vbool(c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'); }
static V char_cmp(VM *vm, V self, int argc, V *argv, int op)
{
    for (int i = 0; i + 1 < argc; i++) {
        uint32_t a = chr_arg(vm, self, argv[i]), b = chr_arg(vm, self, argv[i + 1]);
        if (!(op == 0 ? a == b : op == 1 ? a < b : a > b))
            return VFALSE;
    }
    return VTRUE;
}
PRIM(p_char_eq) { return char_cmp(vm, self, argc, argv, 0); }
PRIM(p_char_lt) { return char_cmp(vm, self, argc, argv, 1); }
PRIM(p_char_gt) { return char_cmp(vm, self, argc, argv, 2); }

/* ---- strings (UTF-8; indexes count characters) ---- */
static int str_ascii(Str *s)
{
    if (s->h.file == 0) {
        s->h.file = 1;
        for (size_t i = 0; i < s->len; i++)
            if ((unsigned char)s->s[i] >= 0x80) {
                s->h.file = 2;
                break;
            }
    }
    return s->h.file == 1;
}
static size_t str_nchars(Str *s)
{
    if (str_ascii(s))
        return s->len;
    size_t n = 0;
    for (size_t i = 0; i < s->len; i++)
        n += ((unsigned char)s->s[i] & 0xC0) != 0x80;
    return n;
}
static size_t str_offset(Str *s, size_t idx)
{
    if (str_ascii(s))
        return idx;
    size_t i = 0;
    while (i < s->len && idx > 0) {
        i++;
        while (i < s->len && ((unsigned char)s->s[i] & 0xC0) == 0x80)
            i++;
        idx--;
    }
    return i;
}
PRIM(p_string_length) { UNUSED; return vint((int64_t)str_nchars(sarg(vm, self, argv[0]))); }
PRIM(p_string_ref)
{
    UNUSED;
    Str *s = sarg(vm, self, argv[0]);
    size_t i = index_arg(vm, self, argv[1], str_nchars(s)), len;
    return vchar(utf8_at(s, str_offset(s, i), &len));
}
PRIM(p_substring)
{
    UNUSED;
    Str *s = sarg(vm, self, argv[0]);
    size_t n = str_nchars(s);
    int64_t a = iarg(vm, self, argv[1]), b = argc > 2 ? iarg(vm, self, argv[2]) : (int64_t)n;
    if (a < 0 || b < a || (size_t)b > n)
        vml_error(vm, vml_list(vm, 2, argv[1], argc > 2 ? argv[2] : vint(b)), "substring: range %lld..%lld out of range (length %zu)", (long long)a, (long long)b, n);
    size_t oa = str_offset(s, (size_t)a), ob = str_offset(s, (size_t)b);
    return vml_str(vm, s->s + oa, ob - oa);
}
PRIM(p_string_append)
{
    UNUSED;
    size_t total = 0;
    for (int i = 0; i < argc; i++)
        total += sarg(vm, self, argv[i])->len;
    V r = vml_str(vm, NULL, total);
    Str *o = AS(Str, r);
    size_t at = 0;
    for (int i = 0; i < argc; i++) {
        memcpy(o->s + at, AS(Str, argv[i])->s, AS(Str, argv[i])->len);
        at += AS(Str, argv[i])->len;
    }
    return r;
}
PRIM(p_string_copy) { UNUSED; Str *s = sarg(vm, self, argv[0]); return vml_str(vm, s->s, s->len); }
PRIM(p_make_string)
{
    UNUSED;
    int64_t n = iarg(vm, self, argv[0]);
    if (n < 0 || n > (1LL << 32))
        vml_error(vm, VNIL, "make-string: bad length %lld", (long long)n);
    uint32_t c = argc > 1 ? chr_arg(vm, self, argv[1]) : ' ';
    char u[4];
    size_t ul = utf8_enc(c, u);
    V r = vml_str(vm, NULL, (size_t)n * ul);
    for (int64_t i = 0; i < n; i++)
        memcpy(AS(Str, r)->s + (size_t)i * ul, u, ul);
    return r;
}
PRIM(p_string)
{
    UNUSED;
    char *buf = malloc((size_t)argc * 4 + 1);
    if (!buf)
        vml_error(vm, VNIL, "out of memory");
    size_t n = 0;
    for (int i = 0; i < argc; i++) {
        if (argv[i].t != T_CHAR) {
            free(buf);
            vml_type_error(vm, WHO, "a character", argv[i]);
        }
        n += utf8_enc((uint32_t)argv[i].i, buf + n);
    }
    V r = vml_str(vm, buf, n);
    free(buf);
    return r;
}
PRIM(p_string_set)
{
    UNUSED;
    Str *s = sarg(vm, self, argv[0]);
    size_t i = index_arg(vm, self, argv[1], str_nchars(s));
    uint32_t c = chr_arg(vm, self, argv[2]);
    size_t off = str_offset(s, i), oldlen;
    utf8_at(s, off, &oldlen);
    char u[4];
    size_t nl = utf8_enc(c, u);
    if (nl != oldlen) {
        char *ns = malloc(s->len - oldlen + nl + 1);
        if (!ns)
            vml_error(vm, VNIL, "out of memory");
        memcpy(ns, s->s, off);
        memcpy(ns + off, u, nl);
        memcpy(ns + off + nl, s->s + off + oldlen, s->len - off - oldlen + 1);
        if (s->s != (char *)(s + 1))
            free(s->s);
        vm->bytes += nl - oldlen;
        s->s = ns;
        s->len = s->len - oldlen + nl;
    } else {
        memcpy(s->s + off, u, nl);
    }
    s->h.file = 0;
    return VUNSPEC;
}
static int str_cmp(Str *a, Str *b, int ci)
{
    size_t n = a->len < b->len ? a->len : b->len;
    int r = ci ? strncasecmp(a->s, b->s, n) : memcmp(a->s, b->s, n);
    if (r)
        return r;
    return a->len < b->len ? -1 : a->len > b->len;
}
static V str_chain(VM *vm, V self, int argc, V *argv, int op, int ci)
{
    for (int i = 0; i + 1 < argc; i++) {
        int c = str_cmp(sarg(vm, self, argv[i]), sarg(vm, self, argv[i + 1]), ci);
        if (!(op == 0 ? c == 0 : op == 1 ? c < 0 : op == 2 ? c > 0 : op == 3 ? c <= 0 : c >= 0))
            return VFALSE;
    }
    return VTRUE;
}
PRIM(p_string_eq) { return str_chain(vm, self, argc, argv, 0, 0); }
PRIM(p_string_lt) { return str_chain(vm, self, argc, argv, 1, 0); }
PRIM(p_string_gt) { return str_chain(vm, self, argc, argv, 2, 0); }
PRIM(p_string_le) { return str_chain(vm, self, argc, argv, 3, 0); }
PRIM(p_string_ge) { return str_chain(vm, self, argc, argv, 4, 0); }
PRIM(p_string_ci_eq) { return str_chain(vm, self, argc, argv, 0, 1); }
PRIM(p_string_to_list)
{
    UNUSED;
    Str *s = sarg(vm, self, argv[0]);
    /* build backwards from a vector of code points */
    size_t n = str_nchars(s), off = 0, len;
    V buf = VNIL, l = VNIL;   /* the code points: counted, and freed by the collector if a cons fails */
    VML_ROOT(vm, buf);
    VML_ROOT(vm, l);
    vml_buf_reserve(vm, &buf, (n + 1) * sizeof(uint32_t));
    uint32_t *cps = (uint32_t *)AS(Bvec, buf)->b;
    for (size_t i = 0; i < n; i++, off += len)
        cps[i] = utf8_at(s, off, &len);
    for (size_t i = n; i-- > 0;)
        l = vml_cons(vm, vchar(cps[i]), l);
    VML_UNROOT(vm, 2);
    return l;
}
PRIM(p_list_to_string)
{
    UNUSED;
    size_t n = vml_list_length(argv[0]);
    if (n == (size_t)-1)
        vml_type_error(vm, WHO, "a list of characters", argv[0]);
    char *buf = malloc(n * 4 + 1);
    if (!buf)
        vml_error(vm, VNIL, "out of memory");
    size_t at = 0;
    for (V p = argv[0]; p.t == T_PAIR; p = CDR(p)) {
        if (CAR(p).t != T_CHAR) {
            free(buf);
            vml_type_error(vm, WHO, "a character", CAR(p));
        }
        at += utf8_enc((uint32_t)CAR(p).i, buf + at);
    }
    V r = vml_str(vm, buf, at);
    free(buf);
    return r;
}
static V str_map(VM *vm, V self, V sv, int up)
{
    Str *s = sarg(vm, self, sv);
    V r = vml_str(vm, s->s, s->len);
    for (size_t i = 0; i < AS(Str, r)->len; i++) {
        char *c = &AS(Str, r)->s[i];
        if (up && *c >= 'a' && *c <= 'z')
            *c -= 32;
        else if (!up && *c >= 'A' && *c <= 'Z')
            *c += 32;
    }
    return r;
}
PRIM(p_string_upcase) { UNUSED; return str_map(vm, self, argv[0], 1); }
PRIM(p_string_downcase) { UNUSED; return str_map(vm, self, argv[0], 0); }
static V byte_to_char_index(Str *s, size_t off)
{
    if (str_ascii(s))
        return vint((int64_t)off);
    size_t n = 0;
    for (size_t i = 0; i < off; i++)
        n += ((unsigned char)s->s[i] & 0xC0) != 0x80;
    return vint((int64_t)n);
}
PRIM(p_string_index)
{
    UNUSED;
    Str *s = sarg(vm, self, argv[0]);
    char u[4];
    size_t ul = utf8_enc(chr_arg(vm, self, argv[1]), u);
    for (size_t i = 0; i + ul <= s->len; i++)
        if (!memcmp(s->s + i, u, ul))
            return byte_to_char_index(s, i);
    return VFALSE;
}
PRIM(p_string_contains)
{
    UNUSED;
    Str *s = sarg(vm, self, argv[0]), *t = sarg(vm, self, argv[1]);
    const char *p = t->len == 0 ? s->s : memmem(s->s, s->len, t->s, t->len);
    return p ? byte_to_char_index(s, (size_t)(p - s->s)) : VFALSE;
}
PRIM(p_string_prefixp)
{
    UNUSED;
    Str *p = sarg(vm, self, argv[0]), *s = sarg(vm, self, argv[1]);
    return vbool(p->len <= s->len && !memcmp(p->s, s->s, p->len));
}
PRIM(p_string_suffixp)
{
    UNUSED;
    Str *p = sarg(vm, self, argv[0]), *s = sarg(vm, self, argv[1]);
    return vbool(p->len <= s->len && !memcmp(p->s, s->s + s->len - p->len, p->len));
}
PRIM(p_string_join)
{
    UNUSED;
    Str *sep = argc > 1 ? sarg(vm, self, argv[1]) : NULL;
    size_t total = 0, n = 0;
    if (vml_list_length(argv[0]) == (size_t)-1)
        vml_type_error(vm, WHO, "a list of strings", argv[0]);
    for (V p = argv[0]; p.t == T_PAIR; p = CDR(p), n++)
        total += sarg(vm, self, CAR(p))->len;
    if (sep && n > 1)
        total += sep->len * (n - 1);
    V r = vml_str(vm, NULL, total);
    size_t at = 0, i = 0;
    for (V p = argv[0]; p.t == T_PAIR; p = CDR(p), i++) {
        if (sep && i) {
            memcpy(AS(Str, r)->s + at, sep->s, sep->len);
            at += sep->len;
        }
        memcpy(AS(Str, r)->s + at, AS(Str, CAR(p))->s, AS(Str, CAR(p))->len);
        at += AS(Str, CAR(p))->len;
    }
    return r;
}
PRIM(p_string_split)
{
    UNUSED;
    Str *s = sarg(vm, self, argv[0]);
    char u[4];
    size_t ul = utf8_enc(chr_arg(vm, self, argv[1]), u);
    V l = VNIL;
    VML_ROOT(vm, l);
    size_t end = s->len;
    for (size_t i = s->len; i-- > 0;)
        if (i + ul <= s->len && !memcmp(AS(Str, argv[0])->s + i, u, ul)) {
            V part = vml_str(vm, AS(Str, argv[0])->s + i + ul, end - i - ul);
            l = vml_cons(vm, part, l);
            end = i;
        }
    V part = vml_str(vm, AS(Str, argv[0])->s, end);
    l = vml_cons(vm, part, l);
    VML_UNROOT(vm, 1);
    return l;
}
PRIM(p_string_trim)
{
    UNUSED;
    Str *s = sarg(vm, self, argv[0]);
    size_t a = 0, b = s->len;
    while (a < b && strchr(" \t\n\r\f", s->s[a]))
        a++;
    while (b > a && strchr(" \t\n\r\f", s->s[b - 1]))
        b--;
    return vml_str(vm, s->s + a, b - a);
}
PRIM(p_string_to_utf8)
{
    UNUSED;
    Str *s = sarg(vm, self, argv[0]);
    V b = vml_bvec(vm, AS(Str, argv[0])->len);
    memcpy(AS(Bvec, b)->b, AS(Str, argv[0])->s, s->len);
    return b;
}
PRIM(p_utf8_to_string) { UNUSED; Bvec *b = bvarg(vm, self, argv[0]); return vml_str(vm, (const char *)b->b, b->n); }

/* ---- vectors ---- */
PRIM(p_make_vector)
{
    UNUSED;
    int64_t n = iarg(vm, self, argv[0]);
    if (n < 0)
        vml_error(vm, VNIL, "make-vector: negative length %lld", (long long)n);
    return vml_vec(vm, (size_t)n, argc > 1 ? argv[1] : vint(0));
}
PRIM(p_vector)
{
    UNUSED;
    V v = vml_vec(vm, (size_t)argc, VNIL);
    memcpy(AS(Vec, v)->v, argv, (size_t)argc * sizeof(V));
    return v;
}
PRIM(p_vector_length) { UNUSED; return vint((int64_t)varg(vm, self, argv[0])->n); }
PRIM(p_vector_ref) { UNUSED; Vec *v = varg(vm, self, argv[0]); return v->v[index_arg(vm, self, argv[1], v->n)]; }
PRIM(p_vector_set) { UNUSED; Vec *v = varg(vm, self, argv[0]); v->v[index_arg(vm, self, argv[1], v->n)] = argv[2]; return VUNSPEC; }
PRIM(p_vector_to_list)
{
    UNUSED;
    varg(vm, self, argv[0]);
    V l = VNIL;
    VML_ROOT(vm, l);
    for (size_t i = AS(Vec, argv[0])->n; i-- > 0;)
        l = vml_cons(vm, AS(Vec, argv[0])->v[i], l);
    VML_UNROOT(vm, 1);
    return l;
}
PRIM(p_list_to_vector)
{
    UNUSED;
    size_t n = vml_list_length(argv[0]);
    if (n == (size_t)-1)
        vml_type_error(vm, WHO, "a proper list", argv[0]);
    V v = vml_vec(vm, n, VNIL);
    size_t i = 0;
    for (V p = argv[0]; p.t == T_PAIR; p = CDR(p))
        AS(Vec, v)->v[i++] = CAR(p);
    return v;
}
PRIM(p_vector_fill) { UNUSED; Vec *v = varg(vm, self, argv[0]); for (size_t i = 0; i < v->n; i++) v->v[i] = argv[1]; return VUNSPEC; }
PRIM(p_vector_copy)
{
    UNUSED;
    Vec *v = varg(vm, self, argv[0]);
    int64_t a = argc > 1 ? iarg(vm, self, argv[1]) : 0, b = argc > 2 ? iarg(vm, self, argv[2]) : (int64_t)v->n;
    if (a < 0 || b < a || (size_t)b > v->n)
        vml_error(vm, VNIL, "vector-copy: bad range %lld..%lld (length %zu)", (long long)a, (long long)b, v->n);
    V r = vml_vec(vm, (size_t)(b - a), VNIL);
    memcpy(AS(Vec, r)->v, AS(Vec, argv[0])->v + a, (size_t)(b - a) * sizeof(V));
    return r;
}

/* merge sort; tmp is a heap vector so the collector sees every element */
static void msort(VM *vm, V *a, V *tmp, size_t n, V less)
{
    if (n < 2)
        return;
    size_t h = n / 2;
    msort(vm, a, tmp, h, less);
    msort(vm, a + h, tmp, n - h, less);
    memcpy(tmp, a, n * sizeof(V));
    size_t i = 0, j = h, k = 0;
    while (i < h && j < n) {
        V args[2] = {tmp[j], tmp[i]};
        V lt = vml_apply(vm, less, 2, args);
        a[k++] = TRUTHY(lt) ? tmp[j++] : tmp[i++];
    }
    while (i < h)
        a[k++] = tmp[i++];
    while (j < n)
        a[k++] = tmp[j++];
}
static V sort_vec(VM *vm, V vec, V less)
{
    VML_ROOT(vm, vec);
    V tmp = vml_vec(vm, AS(Vec, vec)->n, VNIL);
    VML_ROOT(vm, tmp);
    msort(vm, AS(Vec, vec)->v, AS(Vec, tmp)->v, AS(Vec, vec)->n, less);
    VML_UNROOT(vm, 2);
    return vec;
}
PRIM(p_sort_x) { UNUSED; varg(vm, self, argv[0]); return sort_vec(vm, argv[0], argv[1]); }
PRIM(p_sort)
{
    UNUSED;
    if (argv[0].t == T_VEC) {
        V c = vml_vec(vm, AS(Vec, argv[0])->n, VNIL);
        memcpy(AS(Vec, c)->v, AS(Vec, argv[0])->v, AS(Vec, c)->n * sizeof(V));
        return sort_vec(vm, c, argv[1]);
    }
    V v = p_list_to_vector(vm, 1, argv, self);
    VML_ROOT(vm, v);
    sort_vec(vm, v, argv[1]);
    V l = p_vector_to_list(vm, 1, &v, self);
    VML_UNROOT(vm, 1);
    return l;
}

/* ---- bytevectors ---- */
PRIM(p_make_bytevector)
{
    UNUSED;
    int64_t n = iarg(vm, self, argv[0]);
    if (n < 0)
        vml_error(vm, VNIL, "make-bytevector: negative length");
    V b = vml_bvec(vm, (size_t)n);
    if (argc > 1)
        memset(AS(Bvec, b)->b, (int)iarg(vm, self, argv[1]), (size_t)n);
    return b;
}
PRIM(p_bytevector)
{
    UNUSED;
    V b = vml_bvec(vm, (size_t)argc);
    for (int i = 0; i < argc; i++)
        AS(Bvec, b)->b[i] = (uint8_t)iarg(vm, self, argv[i]);
    return b;
}
PRIM(p_bytevector_length) { UNUSED; return vint((int64_t)bvarg(vm, self, argv[0])->n); }
static size_t bv_off(VM *vm, V self, Bvec *b, V i, size_t w)
{
    int64_t k = iarg(vm, self, i);
    if (k < 0 || (uint64_t)k + w > b->n)
        vml_error(vm, vml_list(vm, 1, i), "%s: index %lld out of range (length %zu)", WHO, (long long)k, b->n);
    return (size_t)k;
}
static uint64_t bv_get(Bvec *b, size_t o, size_t w)
{
    uint64_t x = 0;
    for (size_t i = 0; i < w; i++)
        x |= (uint64_t)b->b[o + i] << (8 * i);
    return x;
}
static void bv_put(Bvec *b, size_t o, size_t w, uint64_t x)
{
    for (size_t i = 0; i < w; i++)
        b->b[o + i] = (uint8_t)(x >> (8 * i));
}
#define BVREF(name, w) PRIM(name) { UNUSED; Bvec *b = bvarg(vm, self, argv[0]); return vint((int64_t)bv_get(b, bv_off(vm, self, b, argv[1], w), w)); }
#define BVSET(name, w) PRIM(name) { UNUSED; Bvec *b = bvarg(vm, self, argv[0]); bv_put(b, bv_off(vm, self, b, argv[1], w), w, (uint64_t)iarg(vm, self, argv[2])); return VUNSPEC; }
BVREF(p_bv_u8_ref, 1) BVREF(p_bv_u16_ref, 2) BVREF(p_bv_u32_ref, 4) BVREF(p_bv_u64_ref, 8)
BVSET(p_bv_u8_set, 1) BVSET(p_bv_u16_set, 2) BVSET(p_bv_u32_set, 4) BVSET(p_bv_u64_set, 8)
PRIM(p_bytevector_copy)
{
    UNUSED;
    Bvec *b = bvarg(vm, self, argv[0]);
    V r = vml_bvec(vm, b->n);
    memcpy(AS(Bvec, r)->b, AS(Bvec, argv[0])->b, b->n);
    return r;
}

/* ---- hash tables ---- */
PRIM(p_make_hash_table) { UNUSED; (void)argv; return vml_hash(vm, 1, 8); }
PRIM(p_make_eqv_hash_table) { UNUSED; (void)argv; return vml_hash(vm, 0, 8); }
PRIM(p_hash_ref) { UNUSED; harg(vm, self, argv[0]); return vml_hash_ref(vm, argv[0], argv[1], argc > 2 ? argv[2] : VFALSE); }
PRIM(p_hash_set) { UNUSED; harg(vm, self, argv[0]); vml_hash_set(vm, argv[0], argv[1], argv[2]); return VUNSPEC; }
PRIM(p_hash_delete) { UNUSED; harg(vm, self, argv[0]); return vbool(vml_hash_del(vm, argv[0], argv[1])); }
PRIM(p_hash_contains) { UNUSED; harg(vm, self, argv[0]); return vbool(vml_hash_ref(vm, argv[0], argv[1], VUNBOUND).t != T_UNBOUND); }
PRIM(p_hash_count) { UNUSED; harg(vm, self, argv[0]); return vint((int64_t)AS(Hash, argv[0])->count); }
static V hash_list(VM *vm, V h, int what)
{
    V l = VNIL;
    VML_ROOT(vm, l);
    VML_ROOT(vm, h);
    Hash *t = AS(Hash, h);
    for (size_t i = t->n; i-- > 0;) {   /* consed from the back: insertion order */
        V k = t->e[i].k;
        if (!VML_HASH_LIVE(k))
            continue;
        V item = what == 0 ? k : what == 1 ? t->e[i].v : vml_cons(vm, k, t->e[i].v);
        l = vml_cons(vm, item, l);
        t = AS(Hash, h);
    }
    VML_UNROOT(vm, 2);
    return l;
}
PRIM(p_hash_keys) { UNUSED; return hash_list(vm, harg(vm, self, argv[0]), 0); }
PRIM(p_hash_values) { UNUSED; return hash_list(vm, harg(vm, self, argv[0]), 1); }
PRIM(p_hash_to_alist) { UNUSED; return hash_list(vm, harg(vm, self, argv[0]), 2); }
PRIM(p_hash_clear) { UNUSED; vml_hash_clear(vm, harg(vm, self, argv[0])); return VUNSPEC; }

/* ---- records ---- */
PRIM(p_make_record_type)
{
    UNUSED;
    Rtype *t = vml_alloc(vm, T_RTYPE, sizeof *t);
    t->name = argv[0];
    t->fields = VNIL;
    V tv = vobj(t);
    VML_ROOT(vm, tv);
    V fv = p_list_to_vector(vm, 1, &argv[1], self);
    AS(Rtype, tv)->fields = fv;
    VML_UNROOT(vm, 1);
    return tv;
}
static int field_index(VM *vm, Rtype *t, V f)
{
    Vec *fs = AS(Vec, t->fields);
    for (size_t i = 0; i < fs->n; i++)
        if (fs->v[i].o == f.o)
            return (int)i;
    char buf[64];
    vml_error(vm, VNIL, "record type has no field %s", vml_tostring(vm, f, 1, buf, sizeof buf));
}
static V rec_construct(VM *vm, int argc, V *argv, V self)
{
    V data = AS(Prim, self)->data;   /* (type . #(index...)) */
    Rtype *t = AS(Rtype, CAR(data));
    Vec *idx = AS(Vec, CDR(data));
    size_t n = AS(Vec, t->fields)->n;
    Rec *r = vml_alloc(vm, T_REC, sizeof *r + n * sizeof(V));
    r->rt = AS(Rtype, CAR(AS(Prim, self)->data));
    r->n = n;
    for (size_t i = 0; i < n; i++)
        r->f[i] = VFALSE;
    idx = AS(Vec, CDR(AS(Prim, self)->data));
    for (int i = 0; i < argc; i++)
        r->f[idx->v[i].i] = argv[i];
    (void)t;
    return vobj(r);
}
static V rec_pred(VM *vm, int argc, V *argv, V self)
{
    UNUSED;
    (void)vm;
    return vbool(argv[0].t == T_REC && &AS(Rec, argv[0])->rt->h == AS(Prim, self)->data.o);
}
static V rec_check(VM *vm, V self, V r, V type)
{
    if (r.t != T_REC || &AS(Rec, r)->rt->h != type.o) {
        char buf[64];
        vml_error(vm, vml_list(vm, 1, r), "%s: expected a record of type %s, got %s", AS(Prim, self)->name,
                  vml_tostring(vm, AS(Rtype, type)->name, 1, buf, sizeof buf), vml_typename(r));
    }
    return r;
}
static V rec_get(VM *vm, int argc, V *argv, V self)
{
    UNUSED;
    V d = AS(Prim, self)->data;
    rec_check(vm, self, argv[0], CAR(d));
    return AS(Rec, argv[0])->f[CDR(d).i];
}
static V rec_set(VM *vm, int argc, V *argv, V self)
{
    UNUSED;
    V d = AS(Prim, self)->data;
    rec_check(vm, self, argv[0], CAR(d));
    AS(Rec, argv[0])->f[CDR(d).i] = argv[1];
    return VUNSPEC;
}
static const char *rec_name(VM *vm, V type, const char *what)
{
    static char buf[8][96];
    static int k;
    char nb[64];
    k = (k + 1) & 7;
    snprintf(buf[k], sizeof buf[k], "%s-%s", vml_tostring(vm, AS(Rtype, type)->name, 1, nb, sizeof nb), what);
    return buf[k];
}
static V mk_rec_prim(VM *vm, V type, const char *what, vml_cfn fn, int n, V data)
{
    VML_ROOT(vm, data);
    /* primitive names must outlive the primitive: intern them */
    Sym *s = vml_sym(vm, rec_name(vm, type, what));
    V p = vml_prim(vm, s->name, fn, n, n);
    AS(Prim, p)->data = data;
    VML_UNROOT(vm, 1);
    return p;
}
PRIM(p_record_constructor)
{
    UNUSED;
    if (argv[0].t != T_RTYPE)
        vml_type_error(vm, WHO, "a record type", argv[0]);
    size_t n = vml_list_length(argv[1]);
    V idx = vml_vec(vm, n, VNIL);
    VML_ROOT(vm, idx);
    size_t i = 0;
    for (V p = argv[1]; p.t == T_PAIR; p = CDR(p))
        AS(Vec, idx)->v[i++] = vint(field_index(vm, AS(Rtype, argv[0]), CAR(p)));
    V data = vml_cons(vm, argv[0], idx);
    V r = mk_rec_prim(vm, argv[0], "constructor", rec_construct, (int)n, data);
    VML_UNROOT(vm, 1);
    return r;
}
PRIM(p_record_predicate) { UNUSED; return mk_rec_prim(vm, argv[0], "predicate", rec_pred, 1, argv[0]); }
PRIM(p_record_accessor)
{
    UNUSED;
    if (argv[0].t != T_RTYPE)
        vml_type_error(vm, WHO, "a record type", argv[0]);
    int i = field_index(vm, AS(Rtype, argv[0]), argv[1]);
    V d = vml_cons(vm, argv[0], vint(i));
    return mk_rec_prim(vm, argv[0], AS(Sym, argv[1])->name, rec_get, 1, d);
}
PRIM(p_record_modifier)
{
    UNUSED;
    if (argv[0].t != T_RTYPE)
        vml_type_error(vm, WHO, "a record type", argv[0]);
    int i = field_index(vm, AS(Rtype, argv[0]), argv[1]);
    V d = vml_cons(vm, argv[0], vint(i));
    return mk_rec_prim(vm, argv[0], "set!", rec_set, 2, d);
}
PRIM(p_recordp) { UNUSED; (void)vm; return vbool(argv[0].t == T_REC); }

/* ---- control ---- */
PRIM(p_apply)
{
    UNUSED;
    /* the arguments go on the value stack, not in a C array: apply nests C
     * calls, and 4 KB a level overflowed the C stack before the depth limit */
    V *args = vm->top, *savetop = vm->top;
    if (args + 256 + 300 >= vm->stack_end)
        vml_error(vm, VNIL, "stack overflow (recursion deeper than the meta VM allows)");
    vml_stack_hw(vm, args + 256);
    int n = 0;
    for (int i = 1; i < argc - 1 && n < 256; i++)
        args[n++] = argv[i];
    V l;
    for (l = argv[argc - 1]; l.t == T_PAIR && n < 256; l = CDR(l))
        args[n++] = CAR(l);
    if (l.t != T_NIL)
        vml_error(vm, VNIL, "apply: the last argument must be a proper list of at most 256 elements");
    vm->top = args + n;   /* they are roots, and what the callee runs goes above them */
    V r = vml_apply(vm, argv[0], n, args);
    vm->top = savetop;
    return r;
}
PRIM(p_error)
{
    UNUSED;
    V msg = argv[0];
    if (msg.t != T_STR)
        msg = vml_tostring_value(vm, msg, 1);
    VML_ROOT(vm, msg);
    V irr = p_list(vm, argc - 1, argv + 1, self);
    V e = vml_make_error(vm, msg, irr);
    VML_UNROOT(vm, 1);
    vml_raise(vm, e);
}
PRIM(p_raise) { UNUSED; vml_raise(vm, argv[0]); }
PRIM(p_error_message) { UNUSED; return argv[0].t == T_ERR ? AS(Err, argv[0])->msg : vml_tostring_value(vm, argv[0], 1); }
PRIM(p_error_irritants) { UNUSED; return argv[0].t == T_ERR ? AS(Err, argv[0])->irritants : VNIL; }
PRIM(p_error_where) { UNUSED; (void)vm; return argv[0].t == T_ERR ? AS(Err, argv[0])->where : VFALSE; }
PRIM(p_error_string) { UNUSED; return vml_tostring_value(vm, argv[0], 1); }

/* (%guard handler thunk): calls thunk; if it raises, unwinds to here and
 * calls handler with the raised object.  `exit` passes through. */
PRIM(p_guard)
{
    UNUSED;
    Handler h;
    HANDLER_ENTER(vm, h);
    if (setjmp(h.jb) == 0) {
        V r = vml_apply(vm, argv[1], 0, NULL);
        vm->handler = h.prev;
        return r;
    }
    vml_handler_restore(vm, &h);
    V e = vml_unwind_catching(vm, &h, h.value, 0);   /* an error in an after thunk is the guard's */
    VML_ROOT(vm, e);
    if (vm->exit_requested)
        vml_raise(vm, e);
    V r = vml_apply(vm, argv[0], 1, &e);
    VML_UNROOT(vm, 1);
    return r;
}
/* (with-exception-handler handler thunk): calls thunk with handler
 * installed; a raise in it calls handler where it happens (vml_raise). */
PRIM(p_with_exception_handler)
{
    UNUSED;
    if (argv[0].t != T_CLO && argv[0].t != T_PRIM)
        vml_type_error(vm, WHO, "a procedure", argv[0]);
    Handler h;
    HANDLER_ENTER(vm, h);
    h.proc = argv[0];
    if (setjmp(h.jb) == 0) {
        V r = vml_apply(vm, argv[1], 0, NULL);
        vm->handler = h.prev;
        return r;
    }
    /* never the target of a raise: vml_raise calls h.proc instead */
    vml_handler_restore(vm, &h);
    vml_raise(vm, h.value);
}
PRIM(p_raise_continuable) { UNUSED; return vml_raise_continuable(vm, argv[0]); }
PRIM(p_dynamic_wind)
{
    UNUSED;
    vml_apply(vm, argv[0], 0, NULL);
    V w = vml_cons(vm, argv[0], argv[2]);
    vm->winds = vml_cons(vm, w, vm->winds);
    V r = vml_apply(vm, argv[1], 0, NULL);
    VML_ROOT(vm, r);
    vm->winds = CDR(vm->winds);
    vml_apply(vm, argv[2], 0, NULL);
    VML_UNROOT(vm, 1);
    return r;
}
PRIM(p_exit)
{
    UNUSED;
    vm->exit_requested = 1;
    vm->exit_status = argc == 0 || argv[0].t == T_TRUE ? 0 : argv[0].t == T_INT ? (int)argv[0].i : 1;
    vml_raise(vm, vml_cstr(vm, "exit"));
}

/* ---- registration ---- */
static const PrimDef prims[] = {
    {"+", p_add, 0, -1}, {"-", p_sub, 1, -1}, {"*", p_mul, 0, -1}, {"/", p_div, 1, -1}, {"<", p_lt, 1, -1},
    {"<=", p_le, 1, -1}, {">", p_gt, 1, -1}, {">=", p_ge, 1, -1}, {"=", p_numeq, 1, -1},
    {"quotient", p_quotient, 2, 2}, {"remainder", p_remainder, 2, 2}, {"modulo", p_modulo, 2, 2},
    {"number?", p_numberp, 1, 1}, {"integer?", p_integerp, 1, 1}, {"real?", p_numberp, 1, 1},
    {"exact?", p_exactp, 1, 1}, {"inexact?", p_inexactp, 1, 1}, {"flonum?", p_floatp, 1, 1},
    {"exact->inexact", p_inexact, 1, 1}, {"inexact", p_inexact, 1, 1}, {"exact->inexact", p_inexact, 1, 1},
    {"inexact->exact", p_exact, 1, 1}, {"exact", p_exact, 1, 1}, {"floor", p_floor, 1, 1},
    {"ceiling", p_ceiling, 1, 1}, {"truncate", p_truncate, 1, 1}, {"round", p_round, 1, 1},
    {"abs", p_abs, 1, 1}, {"min", p_min, 1, -1}, {"max", p_max, 1, -1}, {"sqrt", p_sqrt, 1, 1},
    {"expt", p_expt, 2, 2}, {"exp", p_exp, 1, 1}, {"log", p_log, 1, 2}, {"sin", p_sin, 1, 1},
    {"cos", p_cos, 1, 1}, {"tan", p_tan, 1, 1}, {"asin", p_asin, 1, 1}, {"acos", p_acos, 1, 1},
    {"atan", p_atan, 1, 2}, {"zero?", p_zerop, 1, 1}, {"positive?", p_positivep, 1, 1},
    {"negative?", p_negativep, 1, 1}, {"odd?", p_oddp, 1, 1}, {"even?", p_evenp, 1, 1},
    {"number->string", p_number_to_string, 1, 2}, {"string->number", p_string_to_number, 1, 2},
    {"bitwise-and", p_band, 0, -1}, {"bitwise-or", p_bor, 0, -1}, {"bitwise-xor", p_bxor, 0, -1},
    {"bitwise-not", p_bnot, 1, 1}, {"logand", p_band, 0, -1}, {"logior", p_bor, 0, -1},
    {"logxor", p_bxor, 0, -1}, {"shift-left", p_shl, 2, 2}, {"shift-right", p_srl, 2, 2},
    {"shift-right-arithmetic", p_sra, 2, 2}, {"arithmetic-shift", p_ash, 2, 2}, {"ash", p_ash, 2, 2},
    {"u64+", p_u64add, 2, 2}, {"u64-", p_u64sub, 2, 2}, {"u64*", p_u64mul, 2, 2}, {"u64/", p_u64div, 2, 2},
    {"u64rem", p_u64rem, 2, 2}, {"u64<", p_u64lt, 2, 2}, {"u64<=", p_u64le, 2, 2}, {"u64>", p_u64gt, 2, 2},
    {"u64>=", p_u64ge, 2, 2}, {"sext8", p_sext8, 1, 1}, {"sext16", p_sext16, 1, 1},
    {"sext32", p_sext32, 1, 1}, {"zext8", p_zext8, 1, 1}, {"zext16", p_zext16, 1, 1},
    {"zext32", p_zext32, 1, 1}, {"bit-count", p_bitcount, 1, 1}, {"bits", p_bits, 3, 3},
    {"u64->string", p_u64_to_string, 1, 2}, {"eq?", p_eq, 2, 2}, {"eqv?", p_eqv, 2, 2},
    {"equal?", p_equal, 2, 2}, {"not", p_not, 1, 1}, {"boolean?", p_booleanp, 1, 1}, {"pair?", p_pairp, 1, 1},
    {"null?", p_nullp, 1, 1}, {"symbol?", p_symbolp, 1, 1}, {"string?", p_stringp, 1, 1},
    {"char?", p_charp, 1, 1}, {"vector?", p_vectorp, 1, 1}, {"bytevector?", p_bytevectorp, 1, 1},
    {"procedure?", p_procedurep, 1, 1}, {"hash-table?", p_hashp, 1, 1}, {"eof-object?", p_eofp, 1, 1},
    {"eof-object", p_eof, 0, 0}, {"void", p_void, 0, -1}, {"error-object?", p_errp, 1, 1},
    {"error?", p_errp, 1, 1}, {"cons", p_cons, 2, 2}, {"car", p_car, 1, 1}, {"cdr", p_cdr, 1, 1},
    {"set-car!", p_setcar, 2, 2}, {"set-cdr!", p_setcdr, 2, 2}, {"caar", p_caar, 1, 1},
    {"cadr", p_cadr, 1, 1}, {"cdar", p_cdar, 1, 1}, {"cddr", p_cddr, 1, 1}, {"caddr", p_caddr, 1, 1},
    {"cdddr", p_cdddr, 1, 1}, {"cadddr", p_cadddr, 1, 1}, {"caadr", p_caadr, 1, 1}, {"cddar", p_cddar, 1, 1},
    {"cdadr", p_cdadr, 1, 1}, {"list", p_list, 0, -1}, {"list?", p_listp, 1, 1}, {"length", p_length, 1, 1},
    {"append", p_append, 0, -1}, {"reverse", p_reverse, 1, 1}, {"list-tail", p_list_tail, 2, 2},
    {"list-ref", p_list_ref, 2, 2}, {"memq", p_memq, 2, 2}, {"memv", p_memv, 2, 2},
    {"member", p_member, 2, 2}, {"assq", p_assq, 2, 2}, {"assv", p_assv, 2, 2}, {"assoc", p_assoc, 2, 2},
    {"list-copy", p_list_copy, 1, 1}, {"symbol->string", p_symbol_to_string, 1, 1},
    {"string->symbol", p_string_to_symbol, 1, 1}, {"gensym", p_gensym, 0, 1},
    {"char->integer", p_char_to_integer, 1, 1}, {"integer->char", p_integer_to_char, 1, 1},
    {"char-upcase", p_char_upcase, 1, 1}, {"char-downcase", p_char_downcase, 1, 1},
    {"char-alphabetic?", p_char_alphabeticp, 1, 1}, {"char-numeric?", p_char_numericp, 1, 1},
    {"char-whitespace?", p_char_whitespacep, 1, 1}, {"char=?", p_char_eq, 1, -1},
    {"char<?", p_char_lt, 1, -1}, {"char>?", p_char_gt, 1, -1}, {"string-length", p_string_length, 1, 1},
    {"string-ref", p_string_ref, 2, 2}, {"substring", p_substring, 2, 3},
    {"string-append", p_string_append, 0, -1}, {"string-copy", p_string_copy, 1, 1},
    {"make-string", p_make_string, 1, 2}, {"string", p_string, 0, -1}, {"string-set!", p_string_set, 3, 3},
    {"string=?", p_string_eq, 1, -1}, {"string<?", p_string_lt, 1, -1}, {"string>?", p_string_gt, 1, -1},
    {"string<=?", p_string_le, 1, -1}, {"string>=?", p_string_ge, 1, -1},
    {"string-ci=?", p_string_ci_eq, 1, -1}, {"string->list", p_string_to_list, 1, 1},
    {"list->string", p_list_to_string, 1, 1}, {"string-upcase", p_string_upcase, 1, 1},
    {"string-downcase", p_string_downcase, 1, 1}, {"string-index", p_string_index, 2, 2},
    {"string-contains", p_string_contains, 2, 2}, {"string-prefix?", p_string_prefixp, 2, 2},
    {"string-suffix?", p_string_suffixp, 2, 2}, {"string-join", p_string_join, 1, 2},
    {"string-split", p_string_split, 2, 2}, {"string-trim", p_string_trim, 1, 1},
    {"string->utf8", p_string_to_utf8, 1, 1}, {"utf8->string", p_utf8_to_string, 1, 1},
    {"make-vector", p_make_vector, 1, 2}, {"vector", p_vector, 0, -1},
    {"vector-length", p_vector_length, 1, 1}, {"vector-ref", p_vector_ref, 2, 2},
    {"vector-set!", p_vector_set, 3, 3}, {"vector->list", p_vector_to_list, 1, 1},
    {"list->vector", p_list_to_vector, 1, 1}, {"vector-fill!", p_vector_fill, 2, 2},
    {"vector-copy", p_vector_copy, 1, 3}, {"sort!", p_sort_x, 2, 2}, {"sort", p_sort, 2, 2},
    {"make-bytevector", p_make_bytevector, 1, 2}, {"bytevector", p_bytevector, 0, -1},
    {"bytevector-length", p_bytevector_length, 1, 1}, {"bytevector-u8-ref", p_bv_u8_ref, 2, 2},
    {"bytevector-u16-ref", p_bv_u16_ref, 2, 2}, {"bytevector-u32-ref", p_bv_u32_ref, 2, 2},
    {"bytevector-u64-ref", p_bv_u64_ref, 2, 2}, {"bytevector-u8-set!", p_bv_u8_set, 3, 3},
    {"bytevector-u16-set!", p_bv_u16_set, 3, 3}, {"bytevector-u32-set!", p_bv_u32_set, 3, 3},
    {"bytevector-u64-set!", p_bv_u64_set, 3, 3}, {"bytevector-copy", p_bytevector_copy, 1, 1},
    {"make-hash-table", p_make_hash_table, 0, 1}, {"make-eqv-hash-table", p_make_eqv_hash_table, 0, 0},
    {"make-eq-hash-table", p_make_eqv_hash_table, 0, 0}, {"hash-table-ref", p_hash_ref, 2, 3},
    {"hash-table-set!", p_hash_set, 3, 3}, {"hash-table-delete!", p_hash_delete, 2, 2},
    {"hash-table-contains?", p_hash_contains, 2, 2}, {"hash-table-count", p_hash_count, 1, 1},
    {"hash-table-keys", p_hash_keys, 1, 1}, {"hash-table-values", p_hash_values, 1, 1},
    {"hash-table->alist", p_hash_to_alist, 1, 1}, {"hash-table-clear!", p_hash_clear, 1, 1},
    {"hash-ref", p_hash_ref, 2, 3}, {"hash-set!", p_hash_set, 3, 3},
    {"%make-record-type", p_make_record_type, 2, 2}, {"%record-constructor", p_record_constructor, 2, 2},
    {"%record-predicate", p_record_predicate, 1, 1}, {"%record-accessor", p_record_accessor, 2, 2},
    {"%record-modifier", p_record_modifier, 2, 2}, {"record?", p_recordp, 1, 1}, {"apply", p_apply, 2, -1},
    {"error", p_error, 1, -1}, {"raise", p_raise, 1, 1}, {"error-object-message", p_error_message, 1, 1},
    {"error-object-irritants", p_error_irritants, 1, 1}, {"error-object-where", p_error_where, 1, 1},
    {"condition->string", p_error_string, 1, 1}, {"%guard", p_guard, 2, 2},
    {"dynamic-wind", p_dynamic_wind, 3, 3}, {"with-exception-handler", p_with_exception_handler, 2, 2},
    {"raise-continuable", p_raise_continuable, 1, 1}, {"exit", p_exit, 0, 1},
};

void vml_define_cfn(VM *vm, const char *name, vml_cfn fn, int min, int max)
{
    Sym *s = vml_sym(vm, name);
    V p = vml_prim(vm, s->name, fn, min, max);
    s->value = p;
}

void vml_prims_init(VM *vm)
{
    for (size_t i = 0; i < sizeof prims / sizeof prims[0]; i++)
        vml_define_cfn(vm, prims[i].name, prims[i].fn, prims[i].min, prims[i].max);
    vml_prims_io_init(vm);
    vm->out = AS(Port, vml_mk_port(vm, stdout, 1, 0));
    vm->in = AS(Port, vml_mk_port(vm, stdin, 0, 0));
    vm->err = AS(Port, vml_mk_port(vm, stderr, 1, 0));
    vml_prelude_init(vm);
}
