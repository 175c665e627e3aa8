/* desc: the one front end of vvm's description compilers (tools/isagen for
 * isa/ARCH/NAME.isa, tools/vmlgen for meta/vm/bytecode.isa).
 *
 * It reads a description with the project's s-expression reader
 * (meta/sexp.c), prints every error the one way (FILE:LINE:COL: message, exit
 * status 1), and turns a (sem ...) form into a checked RTL tree: each node is
 * an operator of the tool's dialect (a table of names, argument kinds and
 * classes), a leaf (integer, let-bound variable, atom, register slot, word,
 * helper name) or a let binding.  The tree is checked once, when it is built:
 * unknown operators, arity, argument kinds, names no let binds, atoms the
 * instruction's format does not have, helpers called with different
 * numbers of arguments.  The tools' back ends only walk checked trees.
 */
#ifndef VVM_TOOLS_DESC_H
#define VVM_TOOLS_DESC_H

#include <stddef.h>

#include "meta/sexp.h"

/* Prints "FILE:LINE:COL: message" (just the message without a position)
 * and exits with status 1. */
_Noreturn void desc_die(const sx *at, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Reads every top-level form of path, appended to *forms; dies on an error. */
void desc_read_file(const char *tool, const char *path, sx ***forms, size_t *nforms);

/* The C identifier of a description name (malloc'd): '?' -> 'P', '!' -> 'X',
 * any other character that is not a letter or digit -> '_'. */
char *desc_cname(const char *name);

const char *desc_sym(const sx *x, const char *what);   /* a symbol, or dies */
long long desc_int(const sx *x, const char *what);     /* an integer, or dies */

/* ---- RTL dialects and trees ---- */

enum { DESC_E = 1, DESC_S = 2 };  /* operator classes: expression, statement */

/* One operator of a dialect.  args is a string of argument kinds, each
 * taken once unless followed by '*' (zero or more) or '?' (optional):
 *   e  expression          s  statement        r  register slot (dialect's slots)
 *   w  word (one of `words`, space separated; any symbol when words is NULL;
 *      an integer literal is taken as its decimal text)
 *   h  helper name (any symbol; arity kept the same over all calls)
 *   b  let bindings ((NAME E)...), visible to later bindings and the rest */
typedef struct desc_op {
    const char *name;
    const char *args;
    unsigned cls;        /* DESC_E | DESC_S */
    const char *words;
    int id;              /* the back end's number for it (>= 0) */
} desc_op;

typedef struct desc_atom { const char *name; int id; } desc_atom;

typedef struct desc_dialect {
    const desc_op *ops;
    size_t nops;
    const desc_atom *atoms;   /* leaf symbols (imm, pc, ...), NULL-name terminated */
    const char *const *slots; /* register slot names, NULL terminated */
    /* optional: 0 if atom or slot `name` cannot be used here (the format
     * has no such operand); ctx is passed through */
    int (*has)(void *ctx, const char *name);
    void *ctx;
} desc_dialect;

/* Leaf kinds (negative; operators carry their desc_op.id) */
enum {
    DN_INT = -1,    /* i */
    DN_VAR = -2,    /* s: name, i: index of its binding in the body */
    DN_ATOM = -3,   /* i: the atom's id, s: name */
    DN_SLOT = -4,   /* i: index in slots, s: name */
    DN_WORD = -5,   /* i: index in the op's words (-1 when any), s: text */
    DN_HELPER = -6, /* s: name, i: number of arguments of the call */
    DN_BIND = -7,   /* s: name, i: binding index, k[0]: its expression */
    DN_BODY = -8,   /* k: statements (the top of a (sem ...) body) */
};

typedef struct rnode {
    int op;                 /* desc_op.id, or a DN_ leaf kind */
    const desc_op *def;     /* the operator (NULL for leaves) */
    const sx *at;           /* where it was written */
    long long i;
    const char *s;
    int n;
    struct rnode **k;
} rnode;

/* Builds and checks the statements of form from item `from` on (a (sem ...)
 * form: from = 1).  *nvars gets the number of let bindings (they are
 * numbered 0.. in order).  Dies on the first error. */
rnode *desc_body(const desc_dialect *d, const sx *form, size_t from, int *nvars);
/* Builds and checks one expression (an alias condition: no let is open). */
rnode *desc_expr(const desc_dialect *d, const sx *x);
void desc_free(rnode *n);

/* Helpers seen by every desc_body call so far, in first-use order. */
typedef struct desc_helper {
    const char *name;
    int nargs;
    unsigned cls;   /* DESC_E if its value is used, DESC_S if called for effect */
    int via;        /* the operator that calls it (call or pure: one of them, always) */
} desc_helper;
extern desc_helper desc_helpers[];
extern int desc_nhelpers;
int desc_helper_index(const char *name);

#endif
