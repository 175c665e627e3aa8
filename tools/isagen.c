/* isagen: turns instruction-set descriptions (isa/<arch>/NAME.isa) into C.
 *
 * The descriptions are read with the project's one s-expression reader
 * (meta/sexp.c).  From each instruction's single definition this tool derives
 *   <p>_gen.h       op enum, op table rows (X-macro), decoder, disassembly tables
 *   <p>_interp.inc  interpreter bodies (one OP(name){...} per instruction)
 *   <p>_labels.inc  the dispatch table rows, one per op, in op order
 * so nothing about an instruction is written twice.  See docs/isa-format.md
 * for the description language.
 *
 *   isagen -p PREFIX -o OUTDIR FILE.isa...
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "meta/sexp.h"

#define MAXN 1024
#define MAXASM 12  /* asm forms (aliases + default) of one instruction */

static const char *prefix = "rv";

static _Noreturn void die_at(const sx *x, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (x)
        fprintf(stderr, "%s:%d:%d: ", x->file, x->line, x->col);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    exit(1);
}

/* ---- tables built from the descriptions ---- */

typedef struct field {
    const char *name;
    int hi, lo;
    long add;   /* value added after extraction */
} field;

typedef struct imm_piece { int hi, lo, at; } imm_piece;
typedef struct immdef {
    const char *name;
    int is_signed;
    int npieces;
    imm_piece p[8];
    int width;  /* highest bit placed + 1 */
} immdef;

typedef struct operand {     /* slot <- source */
    const char *slot;        /* rd rs1 rs2 rs3 imm rm */
    const char *src;         /* field or imm name, or NULL for constant */
    long cval;
} operand;

typedef struct format {
    const char *name;
    int len;                 /* 2 or 4 */
    int nops;
    operand ops[8];
} format;

typedef struct fixed { const char *field; long val; } fixed;
typedef struct req { const char *field; int ne; long val; } req;

typedef struct asmdef {
    const char *mnem;
    int nargs;
    const char *args[6];
    const sx *cond;          /* alias condition, NULL for the default */
} asmdef;

typedef struct insn {
    const char *name;
    const sx *def;
    const format *fmt;
    int nfixed;
    fixed fx[8];
    int nreq;
    req rq[4];
    const sx *sem;           /* (sem ...) form or NULL */
    const char *expand;      /* name of the instruction whose body this one runs */
    int nasm;
    asmdef asms[MAXASM];     /* aliases first, default last */
    unsigned flags;
    uint32_t mask, match;
    int order;
} insn;

static field fields[MAXN];
static int nfields;
static immdef imms[MAXN];
static int nimms;
static format formats[MAXN];
static int nformats;
static insn insns[MAXN];
static int ninsns;

enum { F_ENDS = 1, F_WX = 2, F_LOAD = 4, F_STORE = 8, F_FP = 16, F_C = 32, F_CALL = 64 };

static const field *find_field(const char *n)
{
    for (int i = 0; i < nfields; i++)
        if (!strcmp(fields[i].name, n))
            return &fields[i];
    return NULL;
}
static const immdef *find_imm(const char *n)
{
    for (int i = 0; i < nimms; i++)
        if (!strcmp(imms[i].name, n))
            return &imms[i];
    return NULL;
}
static const format *find_format(const char *n)
{
    for (int i = 0; i < nformats; i++)
        if (!strcmp(formats[i].name, n))
            return &formats[i];
    return NULL;
}
/* (define-fusion A B ...): one handler runs A, then B, ... (2 to 4 of
 * them), so the run costs one dispatch */
#define MAXFUSE 4
typedef struct fusion { int n; const insn *p[MAXFUSE]; } fusion;
static fusion fusions[MAXN];
static int nfusions;

static insn *find_insn(const char *n)
{
    for (int i = 0; i < ninsns; i++)
        if (!strcmp(insns[i].name, n))
            return &insns[i];
    return NULL;
}

static const char *sym_or_die(const sx *x, const char *what)
{
    const char *s = sx_sym(x);
    if (!s)
        die_at(x, "expected a symbol for %s", what);
    return s;
}
static long int_or_die(const sx *x, const char *what)
{
    if (!x || x->kind != SX_INT)
        die_at(x, "expected an integer for %s", what);
    return (long)x->u.i;
}

static char *cname(const char *s)  /* "fcvt.w.s" -> "fcvt_w_s" */
{
    char *c = strdup(s);
    for (char *p = c; *p; p++)
        if (!isalnum((unsigned char)*p))
            *p = '_';
    return c;
}

/* ---- reading ---- */

static void def_field(const sx *f)
{
    if (sx_len(f) < 4)
        die_at(f, "(define-field NAME HI LO [(add K)])");
    field *d = &fields[nfields++];
    d->name = sym_or_die(sx_at(f, 1), "field name");
    d->hi = (int)int_or_die(sx_at(f, 2), "hi bit");
    d->lo = (int)int_or_die(sx_at(f, 3), "lo bit");
    if (d->hi < d->lo || d->hi > 31)
        die_at(f, "bad bit range");
    if (sx_len(f) > 4) {
        const sx *a = sx_at(f, 4);
        if (!sx_is_sym(sx_at(a, 0), "add"))
            die_at(a, "expected (add K)");
        d->add = int_or_die(sx_at(a, 1), "offset");
    }
}

static void def_imm(const sx *f)
{
    if (sx_len(f) < 4)
        die_at(f, "(define-imm NAME signed|unsigned (HI LO AT)...)");
    immdef *d = &imms[nimms++];
    d->name = sym_or_die(sx_at(f, 1), "imm name");
    const char *s = sym_or_die(sx_at(f, 2), "signedness");
    d->is_signed = !strcmp(s, "signed");
    if (!d->is_signed && strcmp(s, "unsigned"))
        die_at(sx_at(f, 2), "signed or unsigned");
    for (size_t i = 3; i < sx_len(f); i++) {
        const sx *p = sx_at(f, i);
        if (sx_len(p) != 3 || d->npieces >= 8)
            die_at(p, "piece is (HI LO AT)");
        imm_piece *q = &d->p[d->npieces++];
        q->hi = (int)int_or_die(sx_at(p, 0), "hi");
        q->lo = (int)int_or_die(sx_at(p, 1), "lo");
        q->at = (int)int_or_die(sx_at(p, 2), "at");
        int top = q->at + q->hi - q->lo + 1;
        if (top > d->width)
            d->width = top;
    }
}

static void def_format(const sx *f)
{
    format *d = &formats[nformats++];
    d->name = sym_or_die(sx_at(f, 1), "format name");
    d->len = 4;
    for (size_t i = 2; i < sx_len(f); i++) {
        const sx *c = sx_at(f, i);
        const char *k = sym_or_die(sx_at(c, 0), "format clause");
        if (!strcmp(k, "length")) {
            d->len = (int)int_or_die(sx_at(c, 1), "length");
        } else if (!strcmp(k, "operands")) {
            for (size_t j = 1; j < sx_len(c); j++) {
                const sx *o = sx_at(c, j);
                operand *op = &d->ops[d->nops++];
                if (o->kind == SX_SYMBOL) {
                    op->slot = op->src = o->u.str.s;
                } else {
                    op->slot = sym_or_die(sx_at(o, 0), "slot");
                    const sx *src = sx_at(o, 1);
                    if (src && src->kind == SX_INT)
                        op->cval = (long)src->u.i;
                    else
                        op->src = sym_or_die(src, "operand source");
                }
                static const char *slots[] = {"rd", "rs1", "rs2", "rs3", "imm", "rm"};
                int ok = 0;
                for (size_t s = 0; s < 6; s++)
                    ok |= !strcmp(op->slot, slots[s]);
                if (!ok)
                    die_at(o, "unknown slot '%s' (rd rs1 rs2 rs3 imm rm)", op->slot);
                if (op->src && !find_field(op->src) && !find_imm(op->src))
                    die_at(o, "unknown field or immediate '%s'", op->src);
            }
        } else {
            die_at(c, "unknown format clause '%s'", k);
        }
    }
}

static void scan_sem(insn *in, const sx *x)
{
    if (!x || x->kind != SX_LIST || sx_len(x) == 0)
        return;
    const char *h = sx_sym(sx_at(x, 0));
    if (h) {
        if (!strcmp(h, "jump") || !strcmp(h, "branch") || !strcmp(h, "trap") || !strcmp(h, "end-block"))
            in->flags |= F_ENDS;
        else if (!strcmp(h, "set-x") && sx_is_sym(sx_at(x, 1), "rd"))
            in->flags |= F_WX;
        else if (!strcmp(h, "load") || !strncmp(h, "amo", 3))
            in->flags |= F_LOAD;
        else if (!strcmp(h, "store"))
            in->flags |= F_STORE;
        else if (!strcmp(h, "call") || !strcmp(h, "trap"))
            in->flags |= F_CALL;
        else if (!strcmp(h, "f") || !strcmp(h, "set-f") || !strcmp(h, "f32") || !strcmp(h, "set-f32"))
            in->flags |= F_FP;
    }
    for (size_t i = 0; i < sx_len(x); i++)
        scan_sem(in, sx_at(x, i));
}

static void read_asm(insn *in, const sx *c, const sx *cond)
{
    if (in->nasm >= MAXASM)
        die_at(c, "too many asm forms");
    asmdef *a = &in->asms[in->nasm++];
    const sx *m = sx_at(c, 1);
    if (!m || m->kind != SX_STRING)
        die_at(c, "(asm \"mnemonic\" operand...)");
    a->mnem = m->u.str.s;
    a->cond = cond;
    for (size_t j = 2; j < sx_len(c); j++) {
        if (a->nargs >= 6)
            die_at(c, "too many asm operands");
        a->args[a->nargs++] = sym_or_die(sx_at(c, j), "asm operand kind");
    }
}

static void def_insn(const sx *f)
{
    insn *in = &insns[ninsns++];
    in->def = f;
    in->order = ninsns;
    in->name = sym_or_die(sx_at(f, 1), "instruction name");
    for (int i = 0; i < ninsns - 1; i++)
        if (!strcmp(insns[i].name, in->name))
            die_at(f, "instruction '%s' defined twice (first at %s:%d)", in->name, insns[i].def->file,
                   insns[i].def->line);
    for (size_t i = 2; i < sx_len(f); i++) {
        const sx *c = sx_at(f, i);
        const char *k = sym_or_die(sx_at(c, 0), "instruction clause");
        if (!strcmp(k, "format")) {
            const char *fn = sym_or_die(sx_at(c, 1), "format name");
            in->fmt = find_format(fn);
            if (!in->fmt)
                die_at(c, "unknown format '%s'", fn);
            for (size_t j = 2; j < sx_len(c); j++) {
                const sx *p = sx_at(c, j);
                const char *fld = sym_or_die(sx_at(p, 0), "field");
                if (!find_field(fld))
                    die_at(p, "unknown field '%s'", fld);
                in->fx[in->nfixed].field = fld;
                in->fx[in->nfixed++].val = int_or_die(sx_at(p, 1), "field value");
            }
        } else if (!strcmp(k, "require")) {
            for (size_t j = 1; j < sx_len(c); j++) {
                const sx *p = sx_at(c, j);
                const char *op = sym_or_die(sx_at(p, 0), "eq or ne");
                req *r = &in->rq[in->nreq++];
                r->ne = !strcmp(op, "ne");
                if (!r->ne && strcmp(op, "eq"))
                    die_at(p, "require takes (eq F V) or (ne F V)");
                r->field = sym_or_die(sx_at(p, 1), "field");
                if (!find_field(r->field) && !find_imm(r->field))
                    die_at(p, "unknown field '%s'", r->field);
                r->val = int_or_die(sx_at(p, 2), "value");
            }
        } else if (!strcmp(k, "asm")) {
            read_asm(in, c, NULL);
        } else if (!strcmp(k, "sem")) {
            in->sem = c;
            scan_sem(in, c);
        } else if (!strcmp(k, "expand")) {
            in->expand = sym_or_die(sx_at(c, 1), "expanded instruction");
        } else if (!strcmp(k, "flags")) {
            for (size_t j = 1; j < sx_len(c); j++) {
                const char *fl = sym_or_die(sx_at(c, j), "flag");
                if (!strcmp(fl, "ends-block"))
                    in->flags |= F_ENDS;
                else
                    die_at(sx_at(c, j), "unknown flag '%s'", fl);
            }
        } else {
            die_at(c, "unknown instruction clause '%s'", k);
        }
    }
    if (!in->fmt)
        die_at(f, "instruction '%s' has no format", in->name);
    if (!in->sem == !in->expand)
        die_at(f, "instruction '%s' needs exactly one of (sem ...) or (expand ...)", in->name);
    if (in->fmt->len == 2)
        in->flags |= F_C;
}

static void def_alias(const sx *f)
{
    /* (define-alias INSN (when COND) (asm ...)) */
    const char *n = sym_or_die(sx_at(f, 1), "instruction name");
    insn *in = find_insn(n);
    if (!in)
        die_at(f, "alias of unknown instruction '%s'", n);
    const sx *w = sx_at(f, 2), *a = sx_at(f, 3);
    if (!sx_is_sym(sx_at(w, 0), "when") || !sx_is_sym(sx_at(a, 0), "asm"))
        die_at(f, "(define-alias INSN (when COND) (asm ...))");
    /* keep the default last: insert before it */
    read_asm(in, a, sx_at(w, 1));
    if (in->nasm >= 2) {
        /* move the new alias before the default (which was read first) but
         * after earlier aliases */
        asmdef t = in->asms[in->nasm - 1];
        int def = -1;
        for (int i = 0; i < in->nasm - 1; i++)
            if (!in->asms[i].cond)
                def = i;
        if (def >= 0) {
            for (int i = in->nasm - 1; i > def; i--)
                in->asms[i] = in->asms[i - 1];
            in->asms[def] = t;
        }
    }
}

static void def_fusion(const sx *f)
{
    if (sx_len(f) < 3 || sx_len(f) > 1 + MAXFUSE)
        die_at(f, "(define-fusion INSN INSN ...) with 2 to %d instructions", MAXFUSE);
    fusion *u = &fusions[nfusions];
    u->n = (int)sx_len(f) - 1;
    for (int k = 0; k < u->n; k++) {
        const char *n = sym_or_die(sx_at(f, 1 + k), "instruction name");
        u->p[k] = find_insn(n);
        if (!u->p[k] || !u->p[k]->sem)
            die_at(f, "fusion of '%s', which is not an instruction with semantics of its own", n);
        if (k + 1 < u->n && (u->p[k]->flags & F_ENDS))
            die_at(f, "fusion after '%s', which ends a block", n);
    }
    for (int i = 0; i < nfusions; i++)
        if (fusions[i].n == u->n && !memcmp(fusions[i].p, u->p, (size_t)u->n * sizeof u->p[0]))
            die_at(f, "fusion defined twice");
    nfusions++;
}

/* the handler's C name: the instructions' joined by "__" */
static char *fusion_cname(const fusion *u)
{
    static char buf[256];
    buf[0] = 0;
    for (int k = 0; k < u->n; k++) {
        char *c = cname(u->p[k]->name);
        snprintf(buf + strlen(buf), sizeof buf - strlen(buf), "%s%s", k ? "__" : "", c);
        free(c);
    }
    return buf;
}

static void read_file(const char *path, sx ***forms, size_t *nforms)
{
    FILE *fp = fopen(path, "rb");
    if (!fp) {
        fprintf(stderr, "isagen: %s: %s\n", path, strerror(errno));
        exit(1);
    }
    fseek(fp, 0, SEEK_END);
    long n = ftell(fp);
    fseek(fp, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    if (!buf || fread(buf, 1, (size_t)n, fp) != (size_t)n) {
        fprintf(stderr, "isagen: %s: read error\n", path);
        exit(1);
    }
    fclose(fp);
    buf[n] = 0;
    sx_reader r;
    sx_reader_init(&r, strdup(path), buf, (size_t)n);
    sx *x;
    int rc;
    while ((rc = sx_read(&r, &x)) > 0) {
        *forms = realloc(*forms, (*nforms + 1) * sizeof **forms);
        (*forms)[(*nforms)++] = x;
    }
    if (rc < 0) {
        fprintf(stderr, "%s:%d:%d: %s\n", path, r.err_line, r.err_col, r.err);
        exit(1);
    }
}

/* ---- encoding: mask/match ---- */

static void compute_match(insn *in)
{
    uint32_t mask = 0, match = 0;
    for (int i = 0; i < in->nfixed; i++) {
        const field *f = find_field(in->fx[i].field);
        uint32_t w = (uint32_t)((1ull << (f->hi - f->lo + 1)) - 1);
        long v = in->fx[i].val - f->add;
        if (v < 0 || (unsigned long)v > w)
            die_at(in->def, "value %ld does not fit field %s", in->fx[i].val, f->name);
        if (mask & (w << f->lo))
            die_at(in->def, "field %s overlaps another fixed field", f->name);
        mask |= w << f->lo;
        match |= (uint32_t)v << f->lo;
    }
    if (in->fmt->len == 4 && (mask & 3) != 3) {
        mask |= 3;
        match |= 3;
    }
    in->mask = mask;
    in->match = match;
}

/* ---- C emission helpers ---- */

static void emit_field_expr(FILE *o, const char *src)
{
    const field *f = find_field(src);
    if (f) {
        fprintf(o, "(((raw >> %d) & 0x%xu)", f->lo, (unsigned)((1ull << (f->hi - f->lo + 1)) - 1));
        if (f->add)
            fprintf(o, " + %ld", f->add);
        fprintf(o, ")");
        return;
    }
    const immdef *m = find_imm(src);
    fprintf(o, "(");
    if (m->is_signed)
        fprintf(o, "(int32_t)((uint32_t)(");
    for (int i = 0; i < m->npieces; i++) {
        const imm_piece *p = &m->p[i];
        fprintf(o, "%s(((raw >> %d) & 0x%xu) << %d)", i ? " | " : "", p->lo,
                (unsigned)((1ull << (p->hi - p->lo + 1)) - 1), p->at);
    }
    if (m->is_signed)
        fprintf(o, ") << %d) >> %d", 32 - m->width, 32 - m->width);
    fprintf(o, ")");
}

/* Expressions of the semantic RTL -> C. */
static void emit_expr(FILE *o, const sx *e);
static void emit_stmt(FILE *o, const sx *s, int ind);

static const char *slot_name(const sx *x)
{
    const char *s = sx_sym(x);
    static const char *slots[] = {"rd", "rs1", "rs2", "rs3"};
    for (int i = 0; s && i < 4; i++)
        if (!strcmp(s, slots[i]))
            return s;
    die_at(x, "expected a register slot (rd rs1 rs2 rs3)");
}

static void emit_args(FILE *o, const sx *e, size_t from, int lead_comma)
{
    for (size_t i = from; i < sx_len(e); i++) {
        if (i > from || lead_comma)
            fprintf(o, ", ");
        emit_expr(o, sx_at(e, i));
    }
}

static const struct { const char *op, *c; } binops[] = {
    {"add", "+"}, {"sub", "-"}, {"and", "&"}, {"or", "|"}, {"xor", "^"}, {"mul", "*"},
};
static const struct { const char *op, *c; int sgn; } cmps[] = {
    {"eq", "==", 0}, {"ne", "!=", 0}, {"lt", "<", 1}, {"ge", ">=", 1}, {"ltu", "<", 0}, {"geu", ">=", 0},
};
static const struct { const char *op, *c; } casts[] = {
    {"sext8", "(uint64_t)(int64_t)(int8_t)"},  {"zext8", "(uint64_t)(uint8_t)"},
    {"sext16", "(uint64_t)(int64_t)(int16_t)"}, {"zext16", "(uint64_t)(uint16_t)"},
    {"sext32", "(uint64_t)(int64_t)(int32_t)"}, {"zext32", "(uint64_t)(uint32_t)"},
};
static const char *load_types[] = {"s8", "u8", "s16", "u16", "s32", "u32", "u64"};
static const char *store_types[] = {"8", "16", "32", "64"};

static void emit_expr(FILE *o, const sx *e)
{
    switch (e->kind) {
    case SX_INT:
        fprintf(o, "UINT64_C(0x%llx)", (unsigned long long)e->u.i);
        return;
    case SX_SYMBOL: {
        const char *s = e->u.str.s;
        if (!strcmp(s, "imm"))
            fprintf(o, "IMM");
        else if (!strcmp(s, "pc"))
            fprintf(o, "PC");
        else if (!strcmp(s, "next-pc"))
            fprintf(o, "(PC + I->len)");
        else if (!strcmp(s, "rm"))
            fprintf(o, "((uint64_t)I->rm)");
        else if (!strcmp(s, "rd") || !strcmp(s, "rs1") || !strcmp(s, "rs2") || !strcmp(s, "rs3"))
            fprintf(o, "((uint64_t)I->%s)", s);  /* the register number itself */
        else {
            char *c = cname(s);
            fprintf(o, "v_%s", c);  /* a let-bound local */
            free(c);
        }
        return;
    }
    case SX_LIST:
        break;
    default:
        die_at(e, "unexpected datum in semantics");
    }
    const char *h = sym_or_die(sx_at(e, 0), "operator");
    size_t n = sx_len(e);
    for (size_t i = 0; i < sizeof binops / sizeof binops[0]; i++)
        if (!strcmp(h, binops[i].op)) {
            if (n < 3)
                die_at(e, "%s takes two or more operands", h);
            fprintf(o, "(");
            for (size_t j = 1; j < n; j++) {
                if (j > 1)
                    fprintf(o, " %s ", binops[i].c);
                emit_expr(o, sx_at(e, j));
            }
            fprintf(o, ")");
            return;
        }
    for (size_t i = 0; i < sizeof cmps / sizeof cmps[0]; i++)
        if (!strcmp(h, cmps[i].op)) {
            if (n != 3)
                die_at(e, "%s takes two operands", h);
            const char *cast = cmps[i].sgn ? "(int64_t)" : "";
            fprintf(o, "((uint64_t)(%s", cast);
            emit_expr(o, sx_at(e, 1));
            fprintf(o, " %s %s", cmps[i].c, cast);
            emit_expr(o, sx_at(e, 2));
            fprintf(o, "))");
            return;
        }
    for (size_t i = 0; i < sizeof casts / sizeof casts[0]; i++)
        if (!strcmp(h, casts[i].op)) {
            fprintf(o, "(%s(", casts[i].c);
            emit_expr(o, sx_at(e, 1));
            fprintf(o, "))");
            return;
        }
    if (!strcmp(h, "x")) {
        fprintf(o, "X(I->%s)", slot_name(sx_at(e, 1)));
    } else if (!strcmp(h, "f")) {
        fprintf(o, "F(I->%s)", slot_name(sx_at(e, 1)));
    } else if (!strcmp(h, "f32")) {
        fprintf(o, "F32(I->%s)", slot_name(sx_at(e, 1)));
    } else if (!strcmp(h, "not") || !strcmp(h, "neg")) {
        fprintf(o, "(%s(", h[0] == 'n' && h[1] == 'o' ? "~" : "-");
        emit_expr(o, sx_at(e, 1));
        fprintf(o, "))");
    } else if (!strcmp(h, "sll") || !strcmp(h, "srl") || !strcmp(h, "sra")) {
        /* shift amounts are taken modulo 64, as RV64 does */
        if (h[2] == 'a')
            fprintf(o, "((uint64_t)((int64_t)");
        else
            fprintf(o, "((");
        emit_expr(o, sx_at(e, 1));
        fprintf(o, " %s (", h[1] == 'l' ? "<<" : ">>");
        emit_expr(o, sx_at(e, 2));
        fprintf(o, " & 63)))");
    } else if (!strcmp(h, "if")) {
        fprintf(o, "(");
        emit_expr(o, sx_at(e, 1));
        fprintf(o, " ? ");
        emit_expr(o, sx_at(e, 2));
        fprintf(o, " : ");
        emit_expr(o, sx_at(e, 3));
        fprintf(o, ")");
    } else if (!strcmp(h, "load")) {
        const char *t = sym_or_die(sx_at(e, 1), "load type");
        int ok = 0;
        for (size_t i = 0; i < 7; i++)
            ok |= !strcmp(t, load_types[i]);
        if (!ok)
            die_at(e, "load type is one of s8 u8 s16 u16 s32 u32 u64");
        fprintf(o, "LOAD_%s(", t);
        emit_expr(o, sx_at(e, 2));
        fprintf(o, ")");
    } else if (!strcmp(h, "call")) {
        fprintf(o, "%s_%s(cpu", prefix, sym_or_die(sx_at(e, 1), "helper name"));
        emit_args(o, e, 2, 1);
        fprintf(o, ")");
    } else if (!strcmp(h, "pure")) {
        fprintf(o, "%s_%s(", prefix, sym_or_die(sx_at(e, 1), "helper name"));
        emit_args(o, e, 2, 0);
        fprintf(o, ")");
    } else {
        die_at(e, "unknown operator '%s' in semantics", h);
    }
}

/* (add pc imm) or (add imm pc): a target fixed by the encoding */
static int is_pc_relative(const sx *e)
{
    return sx_len(e) == 3 && sx_is_sym(sx_at(e, 0), "add") &&
           ((sx_is_sym(sx_at(e, 1), "pc") && sx_is_sym(sx_at(e, 2), "imm")) ||
            (sx_is_sym(sx_at(e, 1), "imm") && sx_is_sym(sx_at(e, 2), "pc")));
}

static void indent(FILE *o, int n) { fprintf(o, "%*s", n * 4, ""); }

static void emit_body(FILE *o, const sx *s, size_t from, int ind)
{
    for (size_t i = from; i < sx_len(s); i++)
        emit_stmt(o, sx_at(s, i), ind);
}

static void emit_stmt(FILE *o, const sx *s, int ind)
{
    const char *h = sym_or_die(sx_at(s, 0), "statement");
    indent(o, ind);
    if (!strcmp(h, "set-x") || !strcmp(h, "set-f") || !strcmp(h, "set-f32")) {
        const char *m = h[4] == 'x' ? "WX" : h[5] == '3' ? "WF32" : "WF";
        fprintf(o, "%s(I->%s, ", m, slot_name(sx_at(s, 1)));
        emit_expr(o, sx_at(s, 2));
        fprintf(o, ");\n");
    } else if (!strcmp(h, "store")) {
        const sx *w = sx_at(s, 1);
        char wbuf[24];
        if (w && w->kind == SX_INT)
            snprintf(wbuf, sizeof wbuf, "%lld", (long long)w->u.i);
        const char *t = (w && w->kind == SX_INT) ? wbuf : sym_or_die(w, "store width");
        int ok = 0;
        for (size_t i = 0; i < 4; i++)
            ok |= !strcmp(t, store_types[i]);
        if (!ok)
            die_at(s, "store width is one of 8 16 32 64");
        fprintf(o, "STORE_%s(", t);
        emit_expr(o, sx_at(s, 2));
        fprintf(o, ", ");
        emit_expr(o, sx_at(s, 3));
        fprintf(o, ");\n");
    } else if (!strcmp(h, "jump")) {
        /* a pc-relative target is the same every time: the engine may chain
         * it without checking (JUMP_DIRECT); anything else is checked */
        fprintf(o, is_pc_relative(sx_at(s, 1)) ? "JUMP_DIRECT(" : "JUMP(");
        emit_expr(o, sx_at(s, 1));
        fprintf(o, ");\n");
    } else if (!strcmp(h, "branch")) {
        fprintf(o, is_pc_relative(sx_at(s, 2)) ? "BRANCH_DIRECT(" : "BRANCH(");
        emit_expr(o, sx_at(s, 1));
        fprintf(o, ", ");
        emit_expr(o, sx_at(s, 2));
        fprintf(o, ");\n");
    } else if (!strcmp(h, "trap")) {
        char *c = cname(sym_or_die(sx_at(s, 1), "trap kind"));
        for (char *p = c; *p; p++)
            *p = (char)toupper((unsigned char)*p);
        fprintf(o, "TRAP(%s_EXIT_%s);\n", prefix[0] == 'r' ? "RV" : prefix, c);
        free(c);
    } else if (!strcmp(h, "end-block")) {
        fprintf(o, "END_BLOCK();\n");
    } else if (!strcmp(h, "call") || !strcmp(h, "pure")) {
        emit_expr(o, s);
        fprintf(o, ";\n");
    } else if (!strcmp(h, "when")) {
        fprintf(o, "if (");
        emit_expr(o, sx_at(s, 1));
        fprintf(o, ") {\n");
        emit_body(o, s, 2, ind + 1);
        indent(o, ind);
        fprintf(o, "}\n");
    } else if (!strcmp(h, "if")) {
        fprintf(o, "if (");
        emit_expr(o, sx_at(s, 1));
        fprintf(o, ") {\n");
        emit_stmt(o, sx_at(s, 2), ind + 1);
        indent(o, ind);
        fprintf(o, "} else {\n");
        emit_stmt(o, sx_at(s, 3), ind + 1);
        indent(o, ind);
        fprintf(o, "}\n");
    } else if (!strcmp(h, "seq")) {
        fprintf(o, "{\n");
        emit_body(o, s, 1, ind + 1);
        indent(o, ind);
        fprintf(o, "}\n");
    } else if (!strcmp(h, "let")) {
        const sx *binds = sx_at(s, 1);
        fprintf(o, "{\n");
        for (size_t i = 0; i < sx_len(binds); i++) {
            const sx *b = sx_at(binds, i);
            char *c = cname(sym_or_die(sx_at(b, 0), "let variable"));
            indent(o, ind + 1);
            fprintf(o, "uint64_t v_%s = ", c);
            emit_expr(o, sx_at(b, 1));
            fprintf(o, ";\n");
            free(c);
        }
        emit_body(o, s, 2, ind + 1);
        indent(o, ind);
        fprintf(o, "}\n");
    } else {
        die_at(s, "unknown statement '%s' in semantics", h);
    }
}

/* Alias conditions over decoded slots: (eq SLOT V) (ne SLOT V) (and ..) (or ..)
 * (eq SLOT SLOT).  Compared before the x0 sink mapping.  A name that is not a
 * slot but an encoding field or immediate (fm, funct3, ...) is read from the
 * raw encoding, for aliases that depend on bits no slot keeps (fence.tso). */
static void emit_cond(FILE *o, const sx *c)
{
    if (c->kind == SX_INT) {
        fprintf(o, "%lld", (long long)c->u.i);
        return;
    }
    if (c->kind == SX_SYMBOL) {
        const char *s = c->u.str.s;
        if (!strcmp(s, "imm"))
            fprintf(o, "(int64_t)i->imm");
        else if (!strcmp(s, "rm"))
            fprintf(o, "(int64_t)i->rm");
        else if (!strcmp(s, "rd") || !strcmp(s, "rs1") || !strcmp(s, "rs2") || !strcmp(s, "rs3"))
            fprintf(o, "(int64_t)i->%s", s);
        else if (find_field(s) || find_imm(s)) {
            fprintf(o, "(int64_t)");
            emit_field_expr(o, s);
        } else
            die_at(c, "unknown slot, field or immediate '%s' in alias condition", s);
        return;
    }
    const char *h = sym_or_die(sx_at(c, 0), "condition");
    const char *op = !strcmp(h, "eq") ? "==" : !strcmp(h, "ne") ? "!=" : !strcmp(h, "and") ? "&&"
                   : !strcmp(h, "or") ? "||" : !strcmp(h, "lt") ? "<" : !strcmp(h, "ge") ? ">=" : NULL;
    if (!op) {
        if (!strcmp(h, "not")) {
            fprintf(o, "!(");
            emit_cond(o, sx_at(c, 1));
            fprintf(o, ")");
            return;
        }
        die_at(c, "unknown condition '%s'", h);
    }
    fprintf(o, "(");
    for (size_t i = 1; i < sx_len(c); i++) {
        if (i > 1)
            fprintf(o, " %s ", op);
        emit_cond(o, sx_at(c, i));
    }
    fprintf(o, ")");
}

static int popcount32(uint32_t v) { return __builtin_popcount(v); }

static int cmp_specific(const void *a, const void *b)
{
    const insn *x = *(insn *const *)a, *y = *(insn *const *)b;
    int d = popcount32(y->mask) - popcount32(x->mask);
    if (d)
        return d;
    d = y->nreq - x->nreq;
    return d ? d : x->order - y->order;
}

static void emit_decode_case(FILE *o, insn *in)
{
    fprintf(o, "        if ((raw & 0x%08xu) == 0x%08xu", in->mask, in->match);
    for (int r = 0; r < in->nreq; r++) {
        fprintf(o, " && ");
        emit_field_expr(o, in->rq[r].field);
        fprintf(o, " %s %ld", in->rq[r].ne ? "!=" : "==", in->rq[r].val);
    }
    char *c = cname(in->name);
    fprintf(o, ") {\n            o->op = %s_OP_%s;\n", prefix[0] == 'r' ? "RV" : prefix, c);
    free(c);
    for (int k = 0; k < in->fmt->nops; k++) {
        const operand *op = &in->fmt->ops[k];
        fprintf(o, "            o->%s = ", op->slot);
        if (op->src)
            emit_field_expr(o, op->src);
        else
            fprintf(o, "%ld", op->cval);
        fprintf(o, ";\n");
    }
    fprintf(o, "            o->len = %d;\n            return %d;\n        }\n", in->fmt->len, in->fmt->len);
}

int main(int argc, char **argv)
{
    const char *outdir = ".";
    sx **forms = NULL;
    size_t nforms = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-p") && i + 1 < argc)
            prefix = argv[++i];
        else if (!strcmp(argv[i], "-o") && i + 1 < argc)
            outdir = argv[++i];
        else
            read_file(argv[i], &forms, &nforms);
    }
    /* definitions may refer only backwards, except aliases which come after
     * all instructions: two passes */
    for (int pass = 0; pass < 2; pass++)
        for (size_t i = 0; i < nforms; i++) {
            const sx *f = forms[i];
            const char *k = sym_or_die(sx_at(f, 0), "top-level form");
            int is_alias = !strcmp(k, "define-alias") || !strcmp(k, "define-fusion");
            if (pass != is_alias)
                continue;
            if (!strcmp(k, "define-field"))
                def_field(f);
            else if (!strcmp(k, "define-imm"))
                def_imm(f);
            else if (!strcmp(k, "define-format"))
                def_format(f);
            else if (!strcmp(k, "define-instruction"))
                def_insn(f);
            else if (!strcmp(k, "define-fusion"))
                def_fusion(f);
            else if (is_alias)
                def_alias(f);
            else
                die_at(f, "unknown top-level form '%s'", k);
            if (nfields >= MAXN || nimms >= MAXN || nformats >= MAXN || ninsns >= MAXN || nfusions >= MAXN)
                die_at(f, "too many definitions");
        }
    for (int i = 0; i < ninsns; i++) {
        insn *in = &insns[i];
        compute_match(in);
        if (in->expand) {
            insn *t = find_insn(in->expand);
            if (!t || t->expand)
                die_at(in->def, "expand target '%s' is not an instruction with semantics", in->expand);
            in->flags |= t->flags;
            /* disassemble as the instruction it expands to, after the
             * compressed form's own aliases (objdump's "c.nop 3") if any */
            int has_default = 0;
            for (int a = 0; a < in->nasm; a++)
                has_default |= !in->asms[a].cond;
            if (!has_default) {
                if (in->nasm + t->nasm > MAXASM)
                    die_at(in->def, "too many asm forms");
                memcpy(in->asms + in->nasm, t->asms, (size_t)t->nasm * sizeof t->asms[0]);
                in->nasm += t->nasm;
            }
        }
        if (in->nasm == 0)
            die_at(in->def, "instruction '%s' has no (asm ...)", in->name);
    }
    /* two encodings must not both match one word: check pairs with equal mask bits */
    for (int i = 0; i < ninsns; i++)
        for (int j = i + 1; j < ninsns; j++) {
            insn *a = &insns[i], *b = &insns[j];
            uint32_t common = a->mask & b->mask;
            if (a->fmt->len == b->fmt->len && (a->match & common) == (b->match & common) &&
                a->mask == b->mask && a->nreq == 0 && b->nreq == 0)
                die_at(b->def, "encoding of '%s' is the same as '%s'", b->name, a->name);
        }

    const char *P = prefix[0] == 'r' ? "RV" : prefix;
    char path[4096];

    /* ---- header: ops, table, decoder, disassembly ---- */
    snprintf(path, sizeof path, "%s/%s_gen.h", outdir, prefix);
    FILE *o = fopen(path, "w");
    if (!o) {
        fprintf(stderr, "isagen: %s: %s\n", path, strerror(errno));
        return 1;
    }
    fprintf(o, "/* Generated by tools/isagen from the .isa descriptions. Do not edit. */\n");
    fprintf(o, "#ifndef %s_GEN_H\n#define %s_GEN_H\n\nenum {\n", P, P);
    for (int i = 0; i < ninsns; i++) {
        char *c = cname(insns[i].name);
        fprintf(o, "    %s_OP_%s,\n", P, c);
        free(c);
    }
    fprintf(o, "    %s_NOPS\n};\n\n", P);
    fprintf(o, "/* X(cname, \"name\", flags, handler-cname, mask, match, length) */\n#define %s_OP_LIST(X) \\\n", P);
    for (int i = 0; i < ninsns; i++) {
        char *c = cname(insns[i].name), *h = cname(insns[i].expand ? insns[i].expand : insns[i].name);
        fprintf(o, "    X(%s, \"%s\", %uu, %s, 0x%08xu, 0x%08xu, %d) \\\n", c, insns[i].name, insns[i].flags, h,
                insns[i].mask, insns[i].match, insns[i].fmt->len);
        free(c);
        free(h);
    }
    /* fused runs grouped by their first instruction, longest first (the
     * decoder takes the first that matches): X(handler-cname, length, op,
     * op, op, op) with unused ops 0; then for every op the range of runs
     * that start with the instruction whose body it runs, {first, count} */
    fprintf(o, "\n#define %s_NFUSE %d\n#define %s_FUSE_LIST(X) \\\n", P, nfusions, P);
    int *fstart = calloc((size_t)ninsns, sizeof *fstart), *fcount = calloc((size_t)ninsns, sizeof *fcount);
    int nf = 0;
    for (int op = 0; op < ninsns; op++)
        for (int len = MAXFUSE; len >= 2; len--)
        for (int i = 0; i < nfusions; i++) {
            if (fusions[i].n != len || fusions[i].p[0] != &insns[op])
                continue;
            if (!fcount[op]++)
                fstart[op] = nf;
            nf++;
            fprintf(o, "    X(%s, %d", fusion_cname(&fusions[i]), len);
            for (int k = 0; k < MAXFUSE; k++) {
                char *c = k < len ? cname(fusions[i].p[k]->name) : NULL;
                if (c)
                    fprintf(o, ", %s_OP_%s", P, c);
                else
                    fprintf(o, ", 0");
                free(c);
            }
            fprintf(o, ") \\\n");
        }
    fprintf(o, "\n#define %s_FUSE_RANGES \\\n", P);
    for (int op = 0; op < ninsns; op++) {
        const insn *h = insns[op].expand ? find_insn(insns[op].expand) : &insns[op];
        int t = (int)(h - insns);
        fprintf(o, "    {%d, %d}, \\\n", fstart[t], fcount[t]);
    }
    free(fstart);
    free(fcount);
    /* every disassembly operand kind used, so the printer must handle each */
    fprintf(o, "\n#define %s_DIS_KINDS(X) \\\n", P);
    {
        const char *seen[256];
        int nseen = 0;
        for (int i = 0; i < ninsns; i++)
            for (int a = 0; a < insns[i].nasm; a++)
                for (int k = 0; k < insns[i].asms[a].nargs; k++) {
                    const char *kind = insns[i].asms[a].args[k];
                    int dup = 0;
                    for (int j = 0; j < nseen; j++)
                        dup |= !strcmp(seen[j], kind);
                    if (!dup && nseen < 256) {
                        seen[nseen++] = kind;
                        char *c = cname(kind);
                        fprintf(o, "    X(%s) \\\n", c);
                        free(c);
                    }
                }
    }
    fprintf(o, "\n#endif\n");
    fclose(o);

    /* decoder */
    snprintf(path, sizeof path, "%s/%s_decode.inc", outdir, prefix);
    o = fopen(path, "w");
    fprintf(o, "/* Generated by tools/isagen. Do not edit. */\n");
    insn *sorted[MAXN];
    for (int i = 0; i < ninsns; i++)
        sorted[i] = &insns[i];
    qsort(sorted, (size_t)ninsns, sizeof sorted[0], cmp_specific);
    fprintf(o, "static int %s_decode_gen(uint32_t raw, eng_insn *o)\n{\n", prefix);
    fprintf(o, "    if ((raw & 3) == 3) {\n        switch (raw & 0x7f) {\n");
    for (unsigned opc = 0; opc < 128; opc++) {
        if ((opc & 3) != 3)
            continue;
        int any = 0;
        for (int i = 0; i < ninsns; i++) {
            insn *in = sorted[i];
            if (in->fmt->len != 4 || (in->mask & 0x7f) != 0x7f || (in->match & 0x7f) != opc)
                continue;
            if (!any)
                fprintf(o, "    case 0x%02x:\n", opc);
            any = 1;
            emit_decode_case(o, in);
        }
        if (any)
            fprintf(o, "        break;\n");
    }
    fprintf(o, "        }\n        return 0;\n    }\n");
    fprintf(o, "    raw &= 0xffff;\n    switch (((raw >> 13) << 2) | (raw & 3)) {\n");
    for (unsigned q = 0; q < 32; q++) {
        if ((q & 3) == 3)
            continue;
        int any = 0;
        for (int i = 0; i < ninsns; i++) {
            insn *in = sorted[i];
            if (in->fmt->len != 2)
                continue;
            if ((in->mask & 0xe003) != 0xe003)
                die_at(in->def, "compressed instruction must fix op and funct3");
            if ((((in->match >> 13) << 2) | (in->match & 3)) != q)
                continue;
            if (!any)
                fprintf(o, "    case %u:\n", q);
            any = 1;
            emit_decode_case(o, in);
        }
        if (any)
            fprintf(o, "        break;\n");
    }
    fprintf(o, "    }\n    return 0;\n}\n");
    fclose(o);

    /* interpreter bodies and dispatch rows */
    snprintf(path, sizeof path, "%s/%s_interp.inc", outdir, prefix);
    o = fopen(path, "w");
    fprintf(o, "/* Generated by tools/isagen. Do not edit. */\n");
    for (int i = 0; i < ninsns; i++) {
        insn *in = &insns[i];
        if (in->expand)
            continue;
        char *c = cname(in->name);
        fprintf(o, "OP(%s) {\n", c);
        if (in->flags & (F_LOAD | F_STORE | F_CALL))
            fprintf(o, "    SYNC();\n");  /* precise traps: record the instruction */
        emit_body(o, in->sem, 1, 1);
        fprintf(o, "    %s;\n}\n", (in->flags & F_ENDS) ? "END_BLOCK()" : "NEXT()");
        free(c);
    }
    /* a fused run: each body in turn, with I at its own instruction (so
     * PC, SYNC and traps see the right one) */
    for (int i = 0; i < nfusions; i++) {
        const fusion *u = &fusions[i];
        fprintf(o, "OP(%s) {\n", fusion_cname(u));
        for (int k = 0; k < u->n; k++) {
            fprintf(o, "    {\n");
            if (u->p[k]->flags & (F_LOAD | F_STORE | F_CALL))
                fprintf(o, "        SYNC();\n");
            emit_body(o, u->p[k]->sem, 1, 2);
            fprintf(o, "    }\n");
            if (k + 1 < u->n)
                fprintf(o, "    I++;\n");
        }
        fprintf(o, "    %s;\n}\n", (u->p[u->n - 1]->flags & F_ENDS) ? "END_BLOCK()" : "NEXT()");
    }
    fclose(o);

    snprintf(path, sizeof path, "%s/%s_labels.inc", outdir, prefix);
    o = fopen(path, "w");
    fprintf(o, "/* Generated by tools/isagen. Do not edit. */\n");
    for (int i = 0; i < ninsns; i++) {
        char *h = cname(insns[i].expand ? insns[i].expand : insns[i].name);
        fprintf(o, "LABEL(%s)\n", h);
        free(h);
    }
    fclose(o);

    /* disassembly: one row per asm form; a selector picks the alias */
    snprintf(path, sizeof path, "%s/%s_disasm.inc", outdir, prefix);
    o = fopen(path, "w");
    fprintf(o, "/* Generated by tools/isagen. Do not edit. */\n");
    fprintf(o, "static const %s_asm_row %s_asm_rows[] = {\n", prefix, prefix);
    int row = 0;
    int *first = calloc((size_t)ninsns, sizeof *first);
    for (int i = 0; i < ninsns; i++) {
        first[i] = row;
        for (int a = 0; a < insns[i].nasm; a++, row++) {
            const asmdef *d = &insns[i].asms[a];
            fprintf(o, "    {\"%s\", {", d->mnem);
            for (int k = 0; k < d->nargs; k++) {
                char *c = cname(d->args[k]);
                fprintf(o, "%s_DIS_%s, ", P, c);
                free(c);
            }
            fprintf(o, "0}},\n");
        }
    }
    fprintf(o, "};\n\n");
    fprintf(o, "static int %s_asm_select(const eng_insn *i, uint32_t raw)\n{\n    (void)raw;\n    switch (i->op) {\n", prefix);
    for (int i = 0; i < ninsns; i++) {
        char *c = cname(insns[i].name);
        fprintf(o, "    case %s_OP_%s:\n", P, c);
        free(c);
        for (int a = 0; a < insns[i].nasm; a++) {
            if (insns[i].asms[a].cond) {
                fprintf(o, "        if (");
                emit_cond(o, insns[i].asms[a].cond);
                fprintf(o, ")\n            return %d;\n", first[i] + a);
            } else {
                fprintf(o, "        return %d;\n", first[i] + a);
                break;
            }
        }
    }
    fprintf(o, "    }\n    return -1;\n}\n");
    fclose(o);
    free(first);
    for (size_t i = 0; i < nforms; i++)
        sx_free(forms[i]);
    free(forms);
    return 0;
}
