/* sexp: the one s-expression reader of vvm.
 *
 * Reads text into a tree of sx nodes, each carrying the file, line and column
 * where it began.  The ISA generator (tools/isagen.c) reads instruction-set
 * descriptions with it; the meta language reads its programs with it and turns
 * the tree into heap values.  The reader never aborts: a syntax error is
 * returned as a message with a position.
 */
#ifndef VVM_SEXP_H
#define VVM_SEXP_H

#include <stddef.h>
#include <stdint.h>

typedef enum sx_kind {
    SX_INT,     /* 64-bit integer (decimal, #x hex, #b binary, #o octal) */
    SX_REAL,    /* double */
    SX_SYMBOL,
    SX_STRING,
    SX_CHAR,    /* #\a, #\space, #\newline, #\x41 */
    SX_BOOL,    /* #t #f */
    SX_LIST,    /* proper list, or dotted when tail != NULL */
    SX_VECTOR,  /* #( ... ) */
} sx_kind;

typedef struct sx {
    sx_kind kind;
    int line, col;
    const char *file;       /* not owned: the name passed to the reader */
    union {
        int64_t i;
        double d;
        struct { char *s; size_t len; } str;  /* SYMBOL, STRING (NUL terminated too) */
        uint32_t ch;                            /* CHAR: a Unicode code point */
        struct { struct sx **items; size_t n; struct sx *tail; } list; /* LIST, VECTOR */
    } u;
} sx;

typedef struct sx_reader {
    const char *file;
    const char *src;
    size_t len, pos;
    int line, col;
    char err[256];          /* set when a read fails */
    int err_line, err_col;
    size_t limit;           /* 0, or the most bytes one datum's tree may take */
    size_t used;            /* bytes the tree of the last datum read takes */
} sx_reader;

void sx_reader_init(sx_reader *r, const char *file, const char *src, size_t len);

/* Reads the next datum.  Returns 1 and sets *out on success, 0 at end of
 * input, -1 on a syntax error (message and position in r->err*).  An
 * integer literal outside 64 bits is an error (hex, octal and binary ones
 * up to 64 bits are bit patterns: #xffffffffffffffff is -1), and so is a
 * NUL byte outside a string. */
int sx_read(sx_reader *r, sx **out);

void sx_free(sx *x);

/* The reader's numbers: 1 if tok[0..n) is one (x->kind and x->u set), 0 if
 * not, -1 for an integer outside 64 bits. */
int sx_parse_number(const char *tok, size_t n, sx *x);

/* Helpers for tree walkers. */
static inline int sx_is_sym(const sx *x, const char *name);
size_t sx_len(const sx *x);                 /* list length, 0 for non-lists */
sx *sx_at(const sx *x, size_t i);           /* i-th list item or NULL */
const char *sx_sym(const sx *x);            /* symbol name or NULL */
/* Prints x in external form into buf (truncated to n); returns buf. */
char *sx_print(const sx *x, char *buf, size_t n);

#include <string.h>
static inline int sx_is_sym(const sx *x, const char *name)
{
    return x && x->kind == SX_SYMBOL && strcmp(x->u.str.s, name) == 0;
}

#endif
