/* desc: the shared front end of tools/isagen and tools/vmlgen (see desc.h). */
#include "tools/desc.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

_Noreturn void desc_die(const sx *at, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (at)
        fprintf(stderr, "%s:%d:%d: ", at->file, at->line, at->col);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    exit(1);
}

static void *xalloc(size_t n)
{
    void *p = calloc(1, n ? n : 1);
    if (!p) {
        fprintf(stderr, "out of memory\n");
        exit(1);
    }
    return p;
}

void desc_read_file(const char *tool, const char *path, sx ***forms, size_t *nforms)
{
    FILE *fp = fopen(path, "rb");
    if (!fp) {
        fprintf(stderr, "%s: %s: %s\n", tool, path, strerror(errno));
        exit(1);
    }
    size_t n = 0, cap = 4096;
    char *buf = xalloc(cap);
    size_t k;
    while ((k = fread(buf + n, 1, cap - n - 1, fp)) > 0) {
        n += k;
        if (cap - n - 1 == 0) {
            buf = realloc(buf, cap *= 2);
            if (!buf) {
                fprintf(stderr, "out of memory\n");
                exit(1);
            }
        }
    }
    if (ferror(fp)) {
        fprintf(stderr, "%s: %s: read error\n", tool, path);
        exit(1);
    }
    fclose(fp);
    buf[n] = 0;
    sx_reader r;
    sx_reader_init(&r, strdup(path), buf, n);  /* the nodes keep the name */
    sx *x;
    int rc;
    while ((rc = sx_read(&r, &x)) > 0) {
        *forms = realloc(*forms, (*nforms + 1) * sizeof **forms);
        if (!*forms) {
            fprintf(stderr, "out of memory\n");
            exit(1);
        }
        (*forms)[(*nforms)++] = x;
    }
    if (rc < 0) {
        fprintf(stderr, "%s:%d:%d: %s\n", path, r.err_line, r.err_col, r.err);
        exit(1);
    }
    free(buf);
}

char *desc_cname(const char *s)
{
    char *c = strdup(s);
    if (!c) {
        fprintf(stderr, "out of memory\n");
        exit(1);
    }
    for (char *p = c; *p; p++)
        *p = *p == '?' ? 'P' : *p == '!' ? 'X' : isalnum((unsigned char)*p) ? *p : '_';
    return c;
}

const char *desc_sym(const sx *x, const char *what)
{
    const char *s = sx_sym(x);
    if (!s)
        desc_die(x, "expected a symbol for %s", what);
    return s;
}

long long desc_int(const sx *x, const char *what)
{
    if (!x || x->kind != SX_INT)
        desc_die(x, "expected an integer for %s", what);
    return (long long)x->u.i;
}

/* ---- RTL trees ---- */

desc_helper desc_helpers[1024];
int desc_nhelpers;

int desc_helper_index(const char *name)
{
    for (int i = 0; i < desc_nhelpers; i++)
        if (!strcmp(desc_helpers[i].name, name))
            return i;
    return -1;
}

typedef struct scope {
    const desc_dialect *d;
    const char *var[256];   /* bound names, innermost last */
    int idx[256];
    int nvar;
    int nbind;              /* bindings numbered so far in this body */
    const sx *body;         /* for messages without a position */
} scope;

static rnode *node(int op, const sx *at)
{
    rnode *n = xalloc(sizeof *n);
    n->op = op;
    n->at = at;
    return n;
}

static void add_kid(rnode *n, rnode *k)
{
    n->k = realloc(n->k, (size_t)(n->n + 1) * sizeof *n->k);
    if (!n->k) {
        fprintf(stderr, "out of memory\n");
        exit(1);
    }
    n->k[n->n++] = k;
}

static const sx *where(const sx *x, const scope *sc) { return x ? x : sc->body; }

static int word_index(const char *words, const char *w)
{
    int i = 0;
    size_t n = strlen(w);
    for (const char *p = words; *p; i++) {
        size_t m = strcspn(p, " ");
        if (m == n && !strncmp(p, w, n))
            return i;
        p += m;
        p += *p == ' ';
    }
    return -1;
}

static int lookup_slot(const desc_dialect *d, const char *s)
{
    for (int i = 0; d->slots && d->slots[i]; i++)
        if (!strcmp(d->slots[i], s))
            return i;
    return -1;
}

static const desc_op *find_op(const desc_dialect *d, const char *name, unsigned cls)
{
    for (size_t i = 0; i < d->nops; i++)
        if (!strcmp(d->ops[i].name, name) && (d->ops[i].cls & cls))
            return &d->ops[i];
    return NULL;
}

static rnode *build(scope *sc, const sx *x, unsigned cls);

static void check_has(scope *sc, const sx *x, const char *name)
{
    if (sc->d->has && !sc->d->has(sc->d->ctx, name))
        desc_die(x, "operand '%s' is not in this instruction's format", name);
}

static rnode *leaf(scope *sc, const sx *x)
{
    if (x->kind == SX_INT) {
        rnode *n = node(DN_INT, x);
        n->i = (long long)x->u.i;
        return n;
    }
    if (x->kind != SX_SYMBOL)
        desc_die(x, "unexpected datum in semantics");
    const char *s = x->u.str.s;
    for (int i = sc->nvar - 1; i >= 0; i--)
        if (!strcmp(sc->var[i], s)) {
            rnode *n = node(DN_VAR, x);
            n->s = s;
            n->i = sc->idx[i];
            return n;
        }
    for (const desc_atom *a = sc->d->atoms; a && a->name; a++)
        if (!strcmp(a->name, s)) {
            check_has(sc, x, s);
            rnode *n = node(DN_ATOM, x);
            n->s = s;
            n->i = a->id;
            return n;
        }
    int k = lookup_slot(sc->d, s);
    if (k >= 0) {
        check_has(sc, x, s);
        rnode *n = node(DN_SLOT, x);
        n->s = s;
        n->i = k;
        return n;
    }
    desc_die(x, "unbound name '%s'", s);
}

static rnode *arg(scope *sc, const desc_op *op, char kind, const sx *a, const sx *form)
{
    rnode *n;
    switch (kind) {
    case 'e':
        return build(sc, a, DESC_E);
    case 's':
        return build(sc, a, DESC_S);
    case 'r': {
        const char *s = sx_sym(a);
        int k = s ? lookup_slot(sc->d, s) : -1;
        if (k < 0) {
            char list[128] = "";
            for (int i = 0; sc->d->slots && sc->d->slots[i]; i++)
                snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", i ? " " : "", sc->d->slots[i]);
            desc_die(where(a, sc), "%s expects a register slot (%s)", op->name, list);
        }
        check_has(sc, a, s);
        n = node(DN_SLOT, a);
        n->s = s;
        n->i = k;
        return n;
    }
    case 'w': {
        char tmp[32];
        const char *s;
        if (a && a->kind == SX_INT) {
            snprintf(tmp, sizeof tmp, "%lld", (long long)a->u.i);
            s = strdup(tmp);
        } else {
            s = sx_sym(a);
        }
        if (!s)
            desc_die(a ? a : form, "%s expects a word%s%s", op->name, op->words ? ": one of " : "",
                     op->words ? op->words : "");
        int k = op->words ? word_index(op->words, s) : -1;
        if (op->words && k < 0)
            desc_die(a, "%s: '%s' is not one of %s", op->name, s, op->words);
        n = node(DN_WORD, a);
        n->s = s;
        n->i = k;
        return n;
    }
    case 'h':
        n = node(DN_HELPER, a);
        n->s = desc_sym(a, "helper name");
        return n;
    }
    desc_die(form, "internal: bad argument kind '%c' of %s", kind, op->name);
}

static rnode *bindings(scope *sc, const sx *bs, rnode *let)
{
    if (!bs || bs->kind != SX_LIST)
        desc_die(where(bs, sc), "let expects ((NAME EXPR)...)");
    int first = sc->nvar;  /* this let's names start here */
    for (size_t i = 0; i < sx_len(bs); i++) {
        const sx *p = sx_at(bs, i);
        if (sx_len(p) != 2)
            desc_die(p, "a let binding is (NAME EXPR)");
        const char *name = desc_sym(sx_at(p, 0), "let variable");
        for (int j = first; j < sc->nvar; j++)
            if (!strcmp(sc->var[j], name))
                desc_die(p, "'%s' is bound twice in one let", name);
        if (sc->nvar >= 256)
            desc_die(p, "too many let bindings");
        rnode *b = node(DN_BIND, p);
        b->s = name;
        add_kid(b, build(sc, sx_at(p, 1), DESC_E));  /* before the name is bound */
        b->i = sc->nbind++;
        sc->var[sc->nvar] = name;
        sc->idx[sc->nvar++] = (int)b->i;
        add_kid(let, b);
    }
    return let;
}

static rnode *build(scope *sc, const sx *x, unsigned cls)
{
    if (!x)
        desc_die(sc->body, "missing %s", cls == DESC_S ? "statement" : "expression");
    if (x->kind != SX_LIST) {
        if (cls == DESC_S)
            desc_die(x, "expected a statement");
        return leaf(sc, x);
    }
    const char *h = sx_sym(sx_at(x, 0));
    if (!h)
        desc_die(x, "expected an operator");
    const desc_op *op = find_op(sc->d, h, cls);
    if (!op) {
        if (find_op(sc->d, h, DESC_E | DESC_S))
            desc_die(x, "'%s' is not %s", h, cls == DESC_S ? "a statement" : "an expression");
        desc_die(x, "unknown operator '%s'", h);
    }
    rnode *n = node(op->id, x);
    n->def = op;
    size_t nargs = sx_len(x) - 1, ai = 0;
    int saved = sc->nvar;
    int helper = -1;
    /* arity: the fixed kinds, then what '*' and '?' allow */
    size_t need = 0, most = 0;
    int unbounded = 0;
    for (const char *p = op->args; *p; p++) {
        if (p[1] == '*')
            unbounded = 1, p++;
        else if (p[1] == '?')
            most++, p++;
        else
            need++, most++;
    }
    if (nargs < need || (!unbounded && nargs > most)) {
        if (unbounded)
            desc_die(x, "%s takes at least %zu operand%s, not %zu", h, need, need == 1 ? "" : "s", nargs);
        if (need == most)
            desc_die(x, "%s takes %zu operand%s, not %zu", h, need, need == 1 ? "" : "s", nargs);
        desc_die(x, "%s takes %zu to %zu operands, not %zu", h, need, most, nargs);
    }
    for (const char *p = op->args; *p; p++) {
        char kind = *p;
        if (p[1] == '*') {
            p++;
            while (ai < nargs)
                add_kid(n, arg(sc, op, kind, sx_at(x, 1 + ai++), x));
        } else if (p[1] == '?') {
            p++;
            if (ai < nargs)
                add_kid(n, arg(sc, op, kind, sx_at(x, 1 + ai++), x));
        } else if (kind == 'b') {
            bindings(sc, sx_at(x, 1 + ai++), n);
        } else {
            rnode *k = arg(sc, op, kind, sx_at(x, 1 + ai++), x);
            if (kind == 'h')
                helper = n->n;
            add_kid(n, k);
        }
    }
    sc->nvar = saved;  /* a let's names end with it */
    if (helper >= 0) {
        rnode *hn = n->k[helper];
        int argc = n->n - helper - 1, k = desc_helper_index(hn->s);
        hn->i = argc;
        if (k < 0) {
            if (desc_nhelpers >= (int)(sizeof desc_helpers / sizeof desc_helpers[0]))
                desc_die(x, "too many helpers");
            desc_helpers[k = desc_nhelpers++] = (desc_helper){hn->s, argc, 0, op->id};
        } else if (desc_helpers[k].nargs != argc) {
            desc_die(x, "helper '%s' called with %d argument%s here, %d elsewhere", hn->s, argc, argc == 1 ? "" : "s",
                     desc_helpers[k].nargs);
        } else if (desc_helpers[k].via != op->id) {
            desc_die(x, "helper '%s' called with %s here, with another operator elsewhere", hn->s, op->name);
        }
        desc_helpers[k].cls |= cls;
    }
    return n;
}

rnode *desc_body(const desc_dialect *d, const sx *form, size_t from, int *nvars)
{
    scope sc = {.d = d, .body = form};
    rnode *b = node(DN_BODY, form);
    for (size_t i = from; i < sx_len(form); i++)
        add_kid(b, build(&sc, sx_at(form, i), DESC_S));
    if (nvars)
        *nvars = sc.nbind;
    return b;
}

rnode *desc_expr(const desc_dialect *d, const sx *x)
{
    scope sc = {.d = d, .body = x};
    return build(&sc, x, DESC_E);
}

void desc_free(rnode *n)
{
    if (!n)
        return;
    for (int i = 0; i < n->n; i++)
        desc_free(n->k[i]);
    free(n->k);
    free(n);
}
