/* vmlgen: meta/vm/bytecode.isa -> the meta VM's opcode table, interpreter
 * bodies, dispatch table and disassembler rows.
 *
 *   vmlgen -o OUTDIR [-e prelude.vml] bytecode.isa
 *
 * writes OUTDIR/vml_ops.h (enum + VML_OP_LIST X-macro rows), vml_interp.inc
 * (one CASE(op) body per instruction, from its RTL `sem`) and vml_labels.inc
 * (the computed-goto table).  It reads the file with meta/sexp.c, the reader
 * every description in vvm goes through.  -e also writes vml_prelude.inc,
 * the prelude (library code in the language itself) as a C string. */
#include "meta/sexp.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *infile;
static int errors;

static void die_at(const sx *x, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "%s:%d:%d: ", x ? x->file : infile, x ? x->line : 0, x ? x->col : 0);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    errors++;
}

typedef struct buf { char *s; size_t n, cap; } buf;
static void bput(buf *b, const char *fmt, ...)
{
    va_list ap;
    for (;;) {
        va_start(ap, fmt);
        size_t room = b->cap - b->n;
        int k = vsnprintf(b->s ? b->s + b->n : NULL, room, fmt, ap);
        va_end(ap);
        if (k < 0)
            exit(2);
        if ((size_t)k < room) {
            b->n += (size_t)k;
            return;
        }
        b->cap = (b->cap + (size_t)k + 64) * 2;
        b->s = realloc(b->s, b->cap);
        if (!b->s)
            exit(2);
    }
}

static void cname(const char *name, char *out, size_t n)
{
    size_t j = 0;
    for (const char *p = name; *p && j + 2 < n; p++) {
        char c = *p;
        if (c == '?') c = 'P';
        else if (c == '!') c = 'X';
        else if (c == '-') c = '_';
        out[j++] = c;
    }
    out[j] = 0;
}

static const char *operand(const sx *x)
{
    static const struct { const char *n, *c; } ops[] = {
        {"a", "A_"}, {"b", "B_"}, {"c", "C_"}, {"sb", "SB_"}, {"sc", "SC_"}, {"sj", "SJ_"},
    };
    const char *s = sx_sym(x);
    if (!s)
        return NULL;
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++)
        if (!strcmp(s, ops[i].n))
            return ops[i].c;
    return NULL;
}

static void expr(buf *b, const sx *x);

static void binop(buf *b, const sx *x, const char *pre, const char *op, const char *post)
{
    if (sx_len(x) != 3) {
        die_at(x, "%s takes two operands", sx_sym(sx_at(x, 0)));
        return;
    }
    bput(b, "%s(", pre);
    expr(b, sx_at(x, 1));
    bput(b, " %s ", op);
    expr(b, sx_at(x, 2));
    bput(b, ")%s", post);
}

static void expr(buf *b, const sx *x)
{
    if (!x) {
        die_at(NULL, "missing expression");
        return;
    }
    if (x->kind == SX_INT) {
        bput(b, "%lld", (long long)x->u.i);
        return;
    }
    if (x->kind == SX_SYMBOL) {
        const char *o = operand(x);
        if (o)
            bput(b, "%s", o);
        else
            bput(b, "%s", x->u.str.s);  /* a let-bound name */
        return;
    }
    if (x->kind != SX_LIST || sx_len(x) == 0 || !sx_sym(sx_at(x, 0))) {
        die_at(x, "bad RTL expression");
        return;
    }
    const char *h = sx_sym(sx_at(x, 0));
    const sx *a1 = sx_at(x, 1), *a2 = sx_at(x, 2);
    static const struct { const char *n, *pre, *op, *post; } bins[] = {
        {"add", "(int64_t)((uint64_t)", "+ (uint64_t)", ")"},
        {"sub", "(int64_t)((uint64_t)", "- (uint64_t)", ")"},
        {"mul", "(int64_t)((uint64_t)", "* (uint64_t)", ")"},
        {"and", "", "&", ""}, {"or", "", "|", ""}, {"xor", "", "^", ""},
        {"lt", "", "<", ""}, {"le", "", "<=", ""}, {"gt", "", ">", ""},
        {"ge", "", ">=", ""}, {"eq", "", "==", ""}, {"ne", "", "!=", ""},
        {"fadd", "", "+", ""}, {"fsub", "", "-", ""}, {"fmul", "", "*", ""},
        {"fdiv", "", "/", ""}, {"flt", "", "<", ""}, {"fle", "", "<=", ""},
        {"fgt", "", ">", ""}, {"fge", "", ">=", ""}, {"feq", "", "==", ""},
    };
    for (size_t i = 0; i < sizeof bins / sizeof bins[0]; i++)
        if (!strcmp(h, bins[i].n)) {
            /* (add x y): cast the operands through uint64_t for wrap-around */
            if (bins[i].pre[0]) {
                bput(b, "(int64_t)((uint64_t)(");
                expr(b, a1);
                bput(b, ") %c (uint64_t)(", bins[i].op[0]);
                expr(b, a2);
                bput(b, "))");
            } else {
                binop(b, x, "", bins[i].op, "");
            }
            return;
        }
    static const struct { const char *n, *fmt; } un[] = {
        {"r", "R(%s)"}, {"k", "K(%s)"}, {"int", "vint(%s)"}, {"flo", "vflo(%s)"},
        {"bool", "vbool(%s)"}, {"ival", "(%s).i"}, {"fval", "(%s).d"},
        {"int?", "((%s).t == T_INT)"}, {"flo?", "((%s).t == T_FLO)"},
        {"truthy", "TRUTHY(%s)"}, {"not", "!(%s)"}, {"is-nil", "((%s).t == T_NIL)"},
        {"is-pair", "((%s).t == T_PAIR)"}, {"pcar", "CAR(%s)"}, {"pcdr", "CDR(%s)"},
    };
    for (size_t i = 0; i < sizeof un / sizeof un[0]; i++)
        if (!strcmp(h, un[i].n)) {
            if (sx_len(x) != 2) {
                die_at(x, "%s takes one operand", h);
                return;
            }
            buf t = {0};
            expr(&t, a1);
            bput(b, un[i].fmt, t.s ? t.s : "");
            free(t.s);
            return;
        }
    if (!strcmp(h, "both-int") || !strcmp(h, "both-flo")) {
        const char *tag = h[5] == 'i' ? "T_INT" : "T_FLO";
        bput(b, "((");
        expr(b, a1);
        bput(b, ").t == %s && (", tag);
        expr(b, a2);
        bput(b, ").t == %s)", tag);
        return;
    }
    if (!strcmp(h, "call")) {
        if (!sx_sym(a1)) {
            die_at(x, "call needs a helper name");
            return;
        }
        bput(b, "(SAVEPC(), vml_op_%s(vm", sx_sym(a1));
        for (size_t i = 2; i < sx_len(x); i++) {
            bput(b, ", ");
            expr(b, sx_at(x, i));
        }
        bput(b, "))");
        return;
    }
    die_at(x, "unknown RTL operator '%s'", h);
}

/* Writes a condition without one redundant outer pair of parentheses
 * (clang warns about `if ((a == b))`). */
static void cond(buf *b, const sx *x)
{
    buf t = {0};
    expr(&t, x);
    const char *c = t.s ? t.s : "0";
    size_t n = strlen(c);
    int strip = n >= 2 && c[0] == '(' && c[n - 1] == ')';
    for (size_t i = 0, depth = 0; strip && i < n; i++) {
        depth += c[i] == '(';
        depth -= c[i] == ')';
        if (depth == 0 && i + 1 < n)
            strip = 0;
    }
    bput(b, "%.*s", (int)(strip ? n - 2 : n), strip ? c + 1 : c);
    free(t.s);
}

static void stmt(buf *b, const sx *x, int ind)
{
    if (!x || x->kind != SX_LIST || sx_len(x) == 0 || !sx_sym(sx_at(x, 0))) {
        die_at(x, "bad RTL statement");
        return;
    }
    const char *h = sx_sym(sx_at(x, 0));
    if (!strcmp(h, "seq")) {
        for (size_t i = 1; i < sx_len(x); i++)
            stmt(b, sx_at(x, i), ind);
    } else if (!strcmp(h, "set-r")) {
        bput(b, "%*sR(%s) = ", ind, "", operand(sx_at(x, 1)) ? operand(sx_at(x, 1)) : "?");
        if (!operand(sx_at(x, 1)))
            die_at(x, "set-r needs an operand name");
        expr(b, sx_at(x, 2));
        bput(b, ";\n");
    } else if (!strcmp(h, "if")) {
        bput(b, "%*sif (", ind, "");
        cond(b, sx_at(x, 1));
        bput(b, ") {\n");
        stmt(b, sx_at(x, 2), ind + 4);
        if (sx_len(x) > 3) {
            bput(b, "%*s} else {\n", ind, "");
            stmt(b, sx_at(x, 3), ind + 4);
        }
        bput(b, "%*s}\n", ind, "");
    } else if (!strcmp(h, "let")) {
        bput(b, "%*s{\n", ind, "");
        const sx *bs = sx_at(x, 1);
        for (size_t i = 0; i < sx_len(bs); i++) {
            const sx *p = sx_at(bs, i);
            bput(b, "%*sV %s = ", ind + 4, "", sx_sym(sx_at(p, 0)) ? sx_sym(sx_at(p, 0)) : "?");
            expr(b, sx_at(p, 1));
            bput(b, ";\n");
        }
        for (size_t i = 2; i < sx_len(x); i++)
            stmt(b, sx_at(x, i), ind + 4);
        bput(b, "%*s}\n", ind, "");
    } else if (!strcmp(h, "branch")) {
        bput(b, "%*sif (", ind, "");
        cond(b, sx_at(x, 1));
        bput(b, ") JUMP(");
        expr(b, sx_at(x, 2));
        bput(b, ");\n");
    } else if (!strcmp(h, "jump")) {
        bput(b, "%*sJUMP(", ind, "");
        expr(b, sx_at(x, 1));
        bput(b, ");\n");
    } else if (!strcmp(h, "frame")) {
        bput(b, "%*sFRAME_%s();\n", ind, "", sx_sym(sx_at(x, 1)) ? sx_sym(sx_at(x, 1)) : "?");
    } else if (!strcmp(h, "call")) {
        bput(b, "%*s(void)", ind, "");
        expr(b, x);
        bput(b, ";\n");
    } else {
        die_at(x, "unknown RTL statement '%s'", h);
    }
}

static const char *formats[] = {"A", "AB", "ABC", "AsB", "ABsC", "AsC", "sJ"};

int main(int argc, char **argv)
{
    const char *out = ".";
    const char *in = NULL, *embed = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-o") && i + 1 < argc)
            out = argv[++i];
        else if (!strcmp(argv[i], "-e") && i + 1 < argc)
            embed = argv[++i];
        else
            in = argv[i];
    }
    if (!in) {
        fprintf(stderr, "usage: vmlgen -o OUTDIR bytecode.isa\n");
        return 2;
    }
    infile = in;
    FILE *f = fopen(in, "rb");
    if (!f) {
        perror(in);
        return 1;
    }
    buf src = {0};
    char chunk[4096];
    size_t k;
    while ((k = fread(chunk, 1, sizeof chunk, f)) > 0)
        bput(&src, "%.*s", (int)k, chunk);
    fclose(f);

    buf ops = {0}, interp = {0}, labels = {0}, list = {0};
    bput(&ops, "/* generated by tools/vmlgen from %s: do not edit */\n#ifndef VML_OPS_H\n#define VML_OPS_H\n", in);
    bput(&ops, "enum { VML_FMT_A, VML_FMT_AB, VML_FMT_ABC, VML_FMT_AsB, VML_FMT_ABsC, VML_FMT_AsC, VML_FMT_sJ };\n");
    bput(&ops, "enum vml_op {\n");
    bput(&interp, "/* generated by tools/vmlgen from %s: do not edit */\n", in);
    bput(&labels, "/* generated by tools/vmlgen from %s: do not edit */\n", in);
    bput(&list, "/* X(cname, \"name\", format, \"operand kinds\") */\n#define VML_OP_LIST(X) \\\n");

    sx_reader r;
    sx_reader_init(&r, in, src.s ? src.s : "", src.n);
    sx *x;
    int rc, nops = 0;
    while ((rc = sx_read(&r, &x)) > 0) {
        if (!sx_is_sym(sx_at(x, 0), "define-instruction") || !sx_sym(sx_at(x, 1))) {
            die_at(x, "expected (define-instruction NAME ...)");
            sx_free(x);
            continue;
        }
        const char *name = sx_sym(sx_at(x, 1));
        char cn[64];
        cname(name, cn, sizeof cn);
        int fmt = -1;
        const sx *sem = NULL, *asmf = NULL;
        for (size_t i = 2; i < sx_len(x); i++) {
            const sx *c = sx_at(x, i);
            if (sx_is_sym(sx_at(c, 0), "format")) {
                for (size_t j = 0; j < sizeof formats / sizeof formats[0]; j++)
                    if (sx_is_sym(sx_at(c, 1), formats[j]))
                        fmt = (int)j;
            } else if (sx_is_sym(sx_at(c, 0), "sem")) {
                sem = c;
            } else if (sx_is_sym(sx_at(c, 0), "asm")) {
                asmf = c;
            } else {
                die_at(c, "unknown clause in %s", name);
            }
        }
        if (fmt < 0 || !sem || !asmf) {
            die_at(x, "%s needs (format ...), (asm ...) and (sem ...)", name);
            sx_free(x);
            continue;
        }
        char kinds[16] = {0};
        for (size_t i = 2; i < sx_len(asmf) && i < 12; i++)
            kinds[i - 2] = sx_sym(sx_at(asmf, i)) ? sx_sym(sx_at(asmf, i))[0] : '?';
        bput(&ops, "    VML_OP_%s,\n", cn);
        bput(&list, "    X(%s, \"%s\", VML_FMT_%s, \"%s\") \\\n", cn, name, formats[fmt], kinds);
        bput(&labels, "    &&L_%s,\n", cn);
        bput(&interp, "CASE(%s) {\n", cn);
        for (size_t i = 1; i < sx_len(sem); i++)
            stmt(&interp, sx_at(sem, i), 4);
        bput(&interp, "    NEXT();\n}\n");
        nops++;
        sx_free(x);
    }
    if (rc < 0) {
        fprintf(stderr, "%s:%d:%d: %s\n", in, r.err_line, r.err_col, r.err);
        return 1;
    }
    if (errors)
        return 1;
    bput(&ops, "    VML_NBUILTIN_OPS\n};\n");
    bput(&list, "\n");
    bput(&ops, "%s#endif\n", list.s);

    const char *names[] = {"vml_ops.h", "vml_interp.inc", "vml_labels.inc"};
    buf *bufs[] = {&ops, &interp, &labels};
    for (int i = 0; i < 3; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", out, names[i]);
        FILE *o = fopen(path, "wb");
        if (!o || fwrite(bufs[i]->s, 1, bufs[i]->n, o) != bufs[i]->n || fclose(o) != 0) {
            perror(path);
            return 1;
        }
    }
    if (embed) {
        FILE *e = fopen(embed, "rb");
        if (!e) {
            perror(embed);
            return 1;
        }
        buf str = {0};
        bput(&str, "/* generated by tools/vmlgen from %s: do not edit */\n\"", embed);
        int c;
        while ((c = fgetc(e)) != EOF) {
            if (c == '\n')
                bput(&str, "\\n\"\n\"");
            else if (c == '"' || c == '\\')
                bput(&str, "\\%c", c);
            else
                bput(&str, "%c", c);
        }
        bput(&str, "\"\n");
        fclose(e);
        char path[4096];
        snprintf(path, sizeof path, "%s/vml_prelude.inc", out);
        FILE *o = fopen(path, "wb");
        if (!o || fwrite(str.s, 1, str.n, o) != str.n || fclose(o) != 0) {
            perror(path);
            return 1;
        }
    }
    return 0;
}
