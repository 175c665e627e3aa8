/* prims.h: what the primitive files (prims.c, prims_io.c) share: argument
 * checks and the shape of a primitive.  Internal to meta/vm. */
#ifndef VVM_META_PRIMS_H
#define VVM_META_PRIMS_H

#include "meta/sexp.h"
#include "meta/vm/vml.h"

#include <stdio.h>

typedef struct { const char *name; vml_cfn fn; int min, max; } PrimDef;


#define PRIM(cname) static V cname(VM *vm, int argc, V *argv, V self)
#define WHO (AS(Prim, self)->name)
#define UNUSED (void)argc; (void)self

void vml_format_double(double d, char *buf, size_t n);
V vml_tostring_value(VM *vm, V v, int display);
/* Runs the after thunks of the dynamic-winds being left, down to h's (the
 * frames, stack and roots are h's again).  An error raised in one takes
 * the place of e (printed first if report) and the rest still run; returns
 * e or the last such error. */
V vml_unwind_catching(VM *vm, Handler *h, V e, int report);

static inline int64_t iarg(VM *vm, V self, V v)
{
    if (v.t != T_INT)
        vml_type_error(vm, WHO, "an integer", v);
    return v.i;
}
static inline double farg(VM *vm, V self, V v)
{
    if (v.t == T_INT)
        return (double)v.i;
    if (v.t != T_FLO)
        vml_type_error(vm, WHO, "a number", v);
    return v.d;
}
static inline Str *sarg(VM *vm, V self, V v)
{
    if (v.t != T_STR)
        vml_type_error(vm, WHO, "a string", v);
    return AS(Str, v);
}
static inline Vec *varg(VM *vm, V self, V v)
{
    if (v.t != T_VEC)
        vml_type_error(vm, WHO, "a vector", v);
    return AS(Vec, v);
}
static inline Bvec *bvarg(VM *vm, V self, V v)
{
    if (v.t != T_BVEC)
        vml_type_error(vm, WHO, "a bytevector", v);
    return AS(Bvec, v);
}
static inline V harg(VM *vm, V self, V v)
{
    if (v.t != T_HASH)
        vml_type_error(vm, WHO, "a hash table", v);
    return v;
}
static inline size_t index_arg(VM *vm, V self, V v, size_t limit)
{
    int64_t i = iarg(vm, self, v);
    if (i < 0 || (uint64_t)i >= limit)
        vml_error(vm, vml_list(vm, 1, v), "%s: index %lld out of range (length %zu)", WHO, (long long)i, limit);
    return (size_t)i;
}


/* characters and UTF-8 */
static inline uint32_t chr_arg(VM *vm, V self, V v)
{
    if (v.t != T_CHAR)
        vml_type_error(vm, WHO, "a character", v);
    return (uint32_t)v.i;
}

static inline uint32_t utf8_at(Str *s, size_t off, size_t *len)
{
    /* a character is its first byte and the continuation bytes after it (as
     * str_nchars counts), so invalid UTF-8 never takes a reader past the end */
    const unsigned char *p = (const unsigned char *)s->s + off;
    size_t rem = off < s->len ? s->len - off : 0, n = 1;
    while (n < rem && n < 4 && (p[n] & 0xC0) == 0x80)
        n++;
    *len = n;
    if (rem == 0) return 0;
    if (p[0] < 0x80 || n == 1) return p[0];
    if ((p[0] & 0xE0) == 0xC0 && n == 2) return (uint32_t)(p[0] & 0x1F) << 6 | (p[1] & 0x3F);
    if ((p[0] & 0xF0) == 0xE0 && n == 3) return (uint32_t)(p[0] & 0x0F) << 12 | (uint32_t)(p[1] & 0x3F) << 6 | (p[2] & 0x3F);
    if ((p[0] & 0xF8) == 0xF0 && n == 4) return (uint32_t)(p[0] & 0x07) << 18 | (uint32_t)(p[1] & 0x3F) << 12 | (uint32_t)(p[2] & 0x3F) << 6 | (p[3] & 0x3F);
    return p[0];
}

static inline size_t utf8_enc(uint32_t c, char *u)
{
    if (c < 0x80) { u[0] = (char)c; return 1; }
    if (c < 0x800) { u[0] = (char)(0xC0 | c >> 6); u[1] = (char)(0x80 | (c & 63)); return 2; }
    if (c < 0x10000) { u[0] = (char)(0xE0 | c >> 12); u[1] = (char)(0x80 | (c >> 6 & 63)); u[2] = (char)(0x80 | (c & 63)); return 3; }
    u[0] = (char)(0xF0 | c >> 18); u[1] = (char)(0x80 | (c >> 12 & 63)); u[2] = (char)(0x80 | (c >> 6 & 63)); u[3] = (char)(0x80 | (c & 63));
    return 4;
}

/* prims_io.c */
void vml_prims_io_init(VM *vm);
V vml_mk_port(VM *vm, FILE *f, int output, int owned);
void vml_define_cfn(VM *vm, const char *name, vml_cfn fn, int min, int max);

#endif
