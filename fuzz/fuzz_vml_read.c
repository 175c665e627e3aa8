/* libFuzzer target: the s-expression reader (meta/sexp.c) on arbitrary bytes,
 * and the meta VM's conversion of what it reads into heap values
 * (vml_from_sx, what vml_eval_string, `read` and read-from-string use).
 * Every datum of the input is read until the end or the first error.
 * Checks: sx_read returns -1, 0 or 1 and progresses; an error has a message
 * and a position; every node is well formed (positions, NUL-terminated
 * strings, code points <= #x10FFFF, list items); sx_print stays in its
 * buffer (whatever its size) and truncates to a prefix; the heap value has
 * the datum's shape and contents, is equal? to a second conversion and has
 * its hash; the printer handles it.  Any read outside the input, leak or
 * crash is an ASan/UBSan report. */
#include <assert.h>
#include <math.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "meta/sexp.h"
#include "meta/vm/vml.h"

static VM *vm;

static void check_node(const sx *x, int depth)
{
    assert(x);
    assert(depth <= 1100);
    assert(x->line >= 1 && x->col >= 1);
    assert(x->file && !strcmp(x->file, "<fuzz>"));
    switch (x->kind) {
    case SX_INT:
    case SX_REAL:
        break;
    case SX_BOOL:
        assert(x->u.i == 0 || x->u.i == 1);
        break;
    case SX_CHAR:
        assert(x->u.ch <= 0x10FFFF);
        break;
    case SX_SYMBOL:
    case SX_STRING:
        assert(x->u.str.s);
        assert(x->u.str.s[x->u.str.len] == 0);
        break;
    case SX_LIST:
    case SX_VECTOR:
        assert(x->u.list.n == 0 || x->u.list.items);
        assert(sx_len(x) == (x->kind == SX_LIST ? x->u.list.n : 0));
        for (size_t i = 0; i < x->u.list.n; i++) {
            assert(sx_at(x, i) == x->u.list.items[i]);
            check_node(x->u.list.items[i], depth + 1);
        }
        assert(!sx_at(x, x->u.list.n));
        if (x->u.list.tail) {
            assert(x->kind == SX_LIST && x->u.list.n > 0);
            check_node(x->u.list.tail, depth + 1);
        }
        break;
    default:
        assert(!"bad sx kind");
    }
    assert(!!sx_sym(x) == (x->kind == SX_SYMBOL));
}

/* sx_print in a buffer of n bytes: NUL-terminated inside it, and a prefix of
 * the untruncated text. */
static void check_print(const sx *x, const char *full, size_t n)
{
    char *buf = malloc(n + 1);
    assert(buf);
    memset(buf, 0x5a, n + 1);
    assert(sx_print(x, buf, n) == buf);
    if (n) {
        assert(memchr(buf, 0, n));
        assert(!strncmp(buf, full, strlen(buf)));
    }
    assert(buf[n] == 0x5a);
    free(buf);
}

/* the heap value has the datum's shape */
static void same(const sx *x, V v, int depth)
{
    switch (x->kind) {
    case SX_INT: assert(v.t == T_INT && v.i == x->u.i); break;
    case SX_REAL: assert(v.t == T_FLO && (v.d == x->u.d || (isnan(v.d) && isnan(x->u.d)))); break;
    case SX_BOOL: assert(v.t == (x->u.i ? T_TRUE : T_FALSE)); break;
    case SX_CHAR: assert(v.t == T_CHAR && (uint32_t)v.i == x->u.ch); break;
    case SX_STRING:
        assert(v.t == T_STR && AS(Str, v)->len == x->u.str.len);
        assert(!memcmp(AS(Str, v)->s, x->u.str.s, x->u.str.len));
        break;
    case SX_SYMBOL:
        assert(v.t == T_SYM && AS(Sym, v)->len == x->u.str.len);
        assert(!memcmp(AS(Sym, v)->name, x->u.str.s, x->u.str.len));
        assert(vml_intern(vm, x->u.str.s, x->u.str.len).o == v.o);
        break;
    case SX_VECTOR:
        assert(v.t == T_VEC && AS(Vec, v)->n == x->u.list.n);
        for (size_t i = 0; i < x->u.list.n; i++)
            same(x->u.list.items[i], AS(Vec, v)->v[i], depth + 1);
        break;
    case SX_LIST:
        for (size_t i = 0; i < x->u.list.n; i++) {
            assert(v.t == T_PAIR);
            assert(v.o->pos >> 12 == (uint32_t)x->line);
            same(x->u.list.items[i], CAR(v), depth + 1);
            v = CDR(v);
        }
        if (x->u.list.tail)
            same(x->u.list.tail, v, depth + 1);
        else
            assert(v.t == T_NIL);
        break;
    }
}

static void to_value(const sx *x)
{
    Handler h;
    memset(&h, 0, sizeof h);
    HANDLER_ENTER(vm, h);
    if (setjmp(h.jb) == 0) {
        V v = vml_from_sx(vm, x);
        VML_ROOT(vm, v);
        same(x, v, 0);
        char buf[300];
        vml_tostring(vm, v, 0, buf, sizeof buf);
        assert(strlen(buf) < sizeof buf);
        vml_tostring(vm, v, 1, buf, 7);
        assert(strlen(buf) < 7);
        V w = vml_from_sx(vm, x);   /* a second copy: equal?, with the same hash */
        VML_ROOT(vm, w);
        assert(vml_equal(v, w) && vml_equal(w, v));
        assert(vml_hash_value(v, 1) == vml_hash_value(w, 1));
        VML_UNROOT(vm, 2);
    } else {
        /* only running out of heap can fail, and the input is small */
        assert(!"vml_from_sx raised an error");
    }
    vm->handler = h.prev;
    assert(vm->ncroots == h.ncroots);
}

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
    /* a VM per input: what it interns stays, and libFuzzer looks for leaks
     * whenever an input ends with more allocated than freed */
    sx_reader r;
    sx_reader_init(&r, "<fuzz>", (const char *)d, n);
    static char full[1 << 16];
    for (;;) {
        size_t before = r.pos;
        sx *x = (sx *)0x1;
        int rc = sx_read(&r, &x);
        assert(rc >= -1 && rc <= 1);
        assert(r.pos <= n);
        if (rc < 0) {
            assert(r.err[0] && strlen(r.err) < sizeof r.err);
            assert(r.err_line >= 1 && r.err_col >= 1);
            break;
        }
        if (rc == 0) {
            assert(!x);
            break;
        }
        assert(r.pos > before);
        check_node(x, 0);
        sx_print(x, full, sizeof full);
        assert(strlen(full) < sizeof full);
        check_print(x, full, 0);
        check_print(x, full, 1 + (d[before] & 15));
        check_print(x, full, 40 + (d[r.pos - 1] & 63));
        if (!vm) {
            vm = vml_new();
            assert(vm);
            vm->quiet = 1;
        }
        to_value(x);
        sx_free(x);
    }
    vml_free(vm);
    vm = NULL;
    return 0;
}
