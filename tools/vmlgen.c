/* vmlgen: meta/vm/bytecode.isa -> the meta VM's opcode table, interpreter
 * bodies, dispatch table and disassembler rows.
 *
 *   vmlgen -o OUTDIR [-e prelude.vml] bytecode.isa
 *
 * writes OUTDIR/vml_ops.h (enum + VML_OP_LIST X-macro rows), vml_interp.inc
 * (one CASE(op) body per instruction, from its RTL `sem`) and vml_labels.inc
 * (the computed-goto table).  It reads the file, checks each `sem` and
 * builds its RTL tree with tools/desc.c, the front end isagen uses too (one
 * reader, one checker, one error printer); this file is the meta VM's
 * dialect of the RTL and its C back end.  -e also writes vml_prelude.inc,
 * the prelude (library code in the language itself) as a C string. */
#include "meta/sexp.h"
#include "tools/desc.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/* The meta VM's RTL dialect, read by the shared front end (tools/desc.c):
 * each operator with its C.  W: wrapping 64-bit arithmetic, B: a binary C
 * operator, U: a one-operand template. */
enum { W, B, U, BOTH, CALL, SEQ, SET_R, IF, LET, BRANCH, JUMP, FRAME };
static const struct vop { const char *name, *args; unsigned cls; int how; const char *c; } vops[] = {
    {"add", "ee", DESC_E, W, "+"}, {"sub", "ee", DESC_E, W, "-"}, {"mul", "ee", DESC_E, W, "*"},
    {"and", "ee", DESC_E, B, "&"}, {"or", "ee", DESC_E, B, "|"}, {"xor", "ee", DESC_E, B, "^"},
    {"lt", "ee", DESC_E, B, "<"}, {"le", "ee", DESC_E, B, "<="}, {"gt", "ee", DESC_E, B, ">"},
    {"ge", "ee", DESC_E, B, ">="}, {"eq", "ee", DESC_E, B, "=="}, {"ne", "ee", DESC_E, B, "!="},
    {"fadd", "ee", DESC_E, B, "+"}, {"fsub", "ee", DESC_E, B, "-"}, {"fmul", "ee", DESC_E, B, "*"},
    {"fdiv", "ee", DESC_E, B, "/"}, {"flt", "ee", DESC_E, B, "<"}, {"fle", "ee", DESC_E, B, "<="},
    {"fgt", "ee", DESC_E, B, ">"}, {"fge", "ee", DESC_E, B, ">="}, {"feq", "ee", DESC_E, B, "=="},
    {"r", "e", DESC_E, U, "R(%s)"}, {"k", "e", DESC_E, U, "K(%s)"}, {"int", "e", DESC_E, U, "vint(%s)"},
    {"flo", "e", DESC_E, U, "vflo(%s)"}, {"bool", "e", DESC_E, U, "vbool(%s)"}, {"ival", "e", DESC_E, U, "(%s).i"},
    {"fval", "e", DESC_E, U, "(%s).d"}, {"int?", "e", DESC_E, U, "((%s).t == T_INT)"},
    {"flo?", "e", DESC_E, U, "((%s).t == T_FLO)"}, {"truthy", "e", DESC_E, U, "TRUTHY(%s)"},
    {"not", "e", DESC_E, U, "!(%s)"}, {"is-nil", "e", DESC_E, U, "((%s).t == T_NIL)"},
    {"is-pair", "e", DESC_E, U, "((%s).t == T_PAIR)"}, {"pcar", "e", DESC_E, U, "CAR(%s)"},
    {"pcdr", "e", DESC_E, U, "CDR(%s)"},
    {"both-int", "ee", DESC_E, BOTH, "T_INT"}, {"both-flo", "ee", DESC_E, BOTH, "T_FLO"},
    {"call", "he*", DESC_E | DESC_S, CALL, NULL},
    {"seq", "s*", DESC_S, SEQ, NULL}, {"set-r", "re", DESC_S, SET_R, NULL}, {"if", "ess?", DESC_S, IF, NULL},
    {"let", "bs*", DESC_S, LET, NULL}, {"branch", "ee", DESC_S, BRANCH, NULL}, {"jump", "e", DESC_S, JUMP, NULL},
    {"frame", "w", DESC_S, FRAME, NULL},
};
#define NVOPS (sizeof vops / sizeof vops[0])
static const char *const operands[] = {"a", "b", "c", "sb", "sc", "sj", NULL};
static const char *const operand_c[] = {"A_", "B_", "C_", "SB_", "SC_", "SJ_"};

static void expr(buf *b, const rnode *x);

static void expr(buf *b, const rnode *x)
{
    switch (x->op) {
    case DN_INT:
        bput(b, "%lld", x->i);
        return;
    case DN_SLOT:
        bput(b, "%s", operand_c[x->i]);
        return;
    case DN_VAR: {
        char *c = desc_cname(x->s);  /* a let-bound name */
        bput(b, "%s", c);
        free(c);
        return;
    }
    }
    const struct vop *o = &vops[x->op];
    switch (o->how) {
    case W:  /* cast the operands through uint64_t for wrap-around */
        bput(b, "(int64_t)((uint64_t)(");
        expr(b, x->k[0]);
        bput(b, ") %s (uint64_t)(", o->c);
        expr(b, x->k[1]);
        bput(b, "))");
        return;
    case B:
        bput(b, "(");
        expr(b, x->k[0]);
        bput(b, " %s ", o->c);
        expr(b, x->k[1]);
        bput(b, ")");
        return;
    case U: {
        buf t = {0};
        expr(&t, x->k[0]);
        bput(b, o->c, t.s ? t.s : "");
        free(t.s);
        return;
    }
    case BOTH:
        bput(b, "((");
        expr(b, x->k[0]);
        bput(b, ").t == %s && (", o->c);
        expr(b, x->k[1]);
        bput(b, ").t == %s)", o->c);
        return;
    case CALL:
        bput(b, "(SAVEPC(), vml_op_%s(vm", x->k[0]->s);
        for (int i = 1; i < x->n; i++) {
            bput(b, ", ");
            expr(b, x->k[i]);
        }
        bput(b, "))");
        return;
    }
    desc_die(x->at, "internal: '%s' is not an expression", o->name);
}

/* Writes a condition without one redundant outer pair of parentheses
 * (clang warns about `if ((a == b))`). */
static void cond(buf *b, const rnode *x)
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

static void stmt(buf *b, const rnode *x, int ind)
{
    switch (vops[x->op].how) {
    case SEQ:
        for (int i = 0; i < x->n; i++)
            stmt(b, x->k[i], ind);
        break;
    case SET_R:
        bput(b, "%*sR(%s) = ", ind, "", operand_c[x->k[0]->i]);
        expr(b, x->k[1]);
        bput(b, ";\n");
        break;
    case IF:
        bput(b, "%*sif (", ind, "");
        cond(b, x->k[0]);
        bput(b, ") {\n");
        stmt(b, x->k[1], ind + 4);
        if (x->n > 2) {
            bput(b, "%*s} else {\n", ind, "");
            stmt(b, x->k[2], ind + 4);
        }
        bput(b, "%*s}\n", ind, "");
        break;
    case LET: {
        bput(b, "%*s{\n", ind, "");
        int i = 0;
        for (; i < x->n && x->k[i]->op == DN_BIND; i++) {
            char *c = desc_cname(x->k[i]->s);
            bput(b, "%*sV %s = ", ind + 4, "", c);
            free(c);
            expr(b, x->k[i]->k[0]);
            bput(b, ";\n");
        }
        for (; i < x->n; i++)
            stmt(b, x->k[i], ind + 4);
        bput(b, "%*s}\n", ind, "");
        break;
    }
    case BRANCH:
        bput(b, "%*sif (", ind, "");
        cond(b, x->k[0]);
        bput(b, ") JUMP(");
        expr(b, x->k[1]);
        bput(b, ");\n");
        break;
    case JUMP:
        bput(b, "%*sJUMP(", ind, "");
        expr(b, x->k[0]);
        bput(b, ");\n");
        break;
    case FRAME:
        bput(b, "%*sFRAME_%s();\n", ind, "", x->k[0]->s);
        break;
    case CALL:
        bput(b, "%*s(void)", ind, "");
        expr(b, x);
        bput(b, ";\n");
        break;
    default:
        desc_die(x->at, "internal: '%s' is not a statement", vops[x->op].name);
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
    sx **forms = NULL;
    size_t nforms = 0;
    desc_read_file("vmlgen", in, &forms, &nforms);
    static desc_op dops[NVOPS];
    for (size_t i = 0; i < NVOPS; i++)
        dops[i] = (desc_op){vops[i].name, vops[i].args, vops[i].cls, NULL, (int)i};
    const desc_dialect dialect = {dops, NVOPS, NULL, operands, NULL, NULL};

    buf ops = {0}, interp = {0}, labels = {0}, list = {0};
    bput(&ops, "/* generated by tools/vmlgen from %s: do not edit */\n#ifndef VML_OPS_H\n#define VML_OPS_H\n", in);
    bput(&ops, "enum { VML_FMT_A, VML_FMT_AB, VML_FMT_ABC, VML_FMT_AsB, VML_FMT_ABsC, VML_FMT_AsC, VML_FMT_sJ };\n");
    bput(&ops, "enum vml_op {\n");
    bput(&interp, "/* generated by tools/vmlgen from %s: do not edit */\n", in);
    bput(&labels, "/* generated by tools/vmlgen from %s: do not edit */\n", in);
    bput(&list, "/* X(cname, \"name\", format, \"operand kinds\") */\n#define VML_OP_LIST(X) \\\n");

    for (size_t f = 0; f < nforms; f++) {
        const sx *x = forms[f];
        if (!sx_is_sym(sx_at(x, 0), "define-instruction") || !sx_sym(sx_at(x, 1)))
            desc_die(x, "expected (define-instruction NAME ...)");
        const char *name = sx_sym(sx_at(x, 1));
        char *cn = desc_cname(name);
        int fmt = -1;
        const sx *sem = NULL, *asmf = NULL;
        for (size_t i = 2; i < sx_len(x); i++) {
            const sx *c = sx_at(x, i);
            if (sx_is_sym(sx_at(c, 0), "format")) {
                for (size_t j = 0; j < sizeof formats / sizeof formats[0]; j++)
                    if (sx_is_sym(sx_at(c, 1), formats[j]))
                        fmt = (int)j;
                if (fmt < 0)
                    desc_die(c, "unknown format in %s", name);
            } else if (sx_is_sym(sx_at(c, 0), "sem")) {
                sem = c;
            } else if (sx_is_sym(sx_at(c, 0), "asm")) {
                asmf = c;
            } else {
                desc_die(c, "unknown clause in %s", name);
            }
        }
        if (fmt < 0 || !sem || !asmf)
            desc_die(x, "%s needs (format ...), (asm ...) and (sem ...)", name);
        rnode *body = desc_body(&dialect, sem, 1, NULL);
        char kinds[16] = {0};
        for (size_t i = 2; i < sx_len(asmf) && i < 12; i++)
            kinds[i - 2] = sx_sym(sx_at(asmf, i)) ? sx_sym(sx_at(asmf, i))[0] : '?';
        bput(&ops, "    VML_OP_%s,\n", cn);
        bput(&list, "    X(%s, \"%s\", VML_FMT_%s, \"%s\") \\\n", cn, name, formats[fmt], kinds);
        bput(&labels, "    &&L_%s,\n", cn);
        bput(&interp, "CASE(%s) {\n", cn);
        for (int i = 0; i < body->n; i++)
            stmt(&interp, body->k[i], 4);
        bput(&interp, "    NEXT();\n}\n");
        desc_free(body);
        free(cn);
    }
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
