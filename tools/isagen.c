/* isagen: turns instruction-set descriptions (isa/<arch>/NAME.isa) into C.
 *
 * The descriptions are read, and each (sem ...) form checked and built into
 * an RTL tree, by the front end the description compilers share
 * (tools/desc.c); this file holds the encodings, formats and aliases, and the
 * back ends.  From each instruction's single definition it derives
 *   <p>_gen.h       op enum, op table rows (X-macro), fused runs, operand kinds
 *   <p>_decode.inc  the decoder: a decision tree over the encoding fields
 *   <p>_interp.inc  interpreter bodies (one OP(name){...} per instruction)
 *   <p>_labels.inc  the dispatch table rows, one per op, in op order
 *   <p>_disasm.inc  assembly rows and the alias selector
 *   <p>_rtl.inc     the RTL trees as data (engine/rtl.h), with helper thunks
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

#include "engine/rtl.h"
#include "meta/sexp.h"
#include "tools/desc.h"

#define MAXN 1024
#define MAXASM 12  /* asm forms (aliases + default) of one instruction */

static const char *prefix = "rv";

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
    rnode *cond_rtl;         /* the condition as a checked RTL expression */
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
    rnode *rtl;              /* its checked RTL tree */
    int nvars;               /* let bindings in it */
    uint32_t root;           /* its root in the runtime table */
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

enum { F_ENDS = 1, F_WX = 2, F_LOAD = 4, F_STORE = 8, F_FP = 16, F_C = 32, F_CALL = 64, F_SYS_ENDS = 1 << 15 };

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


/* ---- reading ---- */

static void def_field(const sx *f)
{
    if (sx_len(f) < 4)
        desc_die(f, "(define-field NAME HI LO [(add K)])");
    field *d = &fields[nfields++];
    d->name = desc_sym(sx_at(f, 1), "field name");
    d->hi = (int)desc_int(sx_at(f, 2), "hi bit");
    d->lo = (int)desc_int(sx_at(f, 3), "lo bit");
    if (d->hi < d->lo || d->hi > 31)
        desc_die(f, "bad bit range");
    if (sx_len(f) > 4) {
        const sx *a = sx_at(f, 4);
        if (!sx_is_sym(sx_at(a, 0), "add"))
            desc_die(a, "expected (add K)");
        d->add = desc_int(sx_at(a, 1), "offset");
    }
}

static void def_imm(const sx *f)
{
    if (sx_len(f) < 4)
        desc_die(f, "(define-imm NAME signed|unsigned (HI LO AT)...)");
    immdef *d = &imms[nimms++];
    d->name = desc_sym(sx_at(f, 1), "imm name");
    const char *s = desc_sym(sx_at(f, 2), "signedness");
    d->is_signed = !strcmp(s, "signed");
    if (!d->is_signed && strcmp(s, "unsigned"))
        desc_die(sx_at(f, 2), "signed or unsigned");
    for (size_t i = 3; i < sx_len(f); i++) {
        const sx *p = sx_at(f, i);
        if (sx_len(p) != 3 || d->npieces >= 8)
            desc_die(p, "piece is (HI LO AT)");
        imm_piece *q = &d->p[d->npieces++];
        q->hi = (int)desc_int(sx_at(p, 0), "hi");
        q->lo = (int)desc_int(sx_at(p, 1), "lo");
        q->at = (int)desc_int(sx_at(p, 2), "at");
        int top = q->at + q->hi - q->lo + 1;
        if (top > d->width)
            d->width = top;
    }
}

static void def_format(const sx *f)
{
    format *d = &formats[nformats++];
    d->name = desc_sym(sx_at(f, 1), "format name");
    d->len = 4;
    for (size_t i = 2; i < sx_len(f); i++) {
        const sx *c = sx_at(f, i);
        const char *k = desc_sym(sx_at(c, 0), "format clause");
        if (!strcmp(k, "length")) {
            d->len = (int)desc_int(sx_at(c, 1), "length");
        } else if (!strcmp(k, "operands")) {
            for (size_t j = 1; j < sx_len(c); j++) {
                const sx *o = sx_at(c, j);
                operand *op = &d->ops[d->nops++];
                if (o->kind == SX_SYMBOL) {
                    op->slot = op->src = o->u.str.s;
                } else {
                    op->slot = desc_sym(sx_at(o, 0), "slot");
                    const sx *src = sx_at(o, 1);
                    if (src && src->kind == SX_INT)
                        op->cval = (long)src->u.i;
                    else
                        op->src = desc_sym(src, "operand source");
                }
                static const char *slots[] = {"rd", "rs1", "rs2", "rs3", "imm", "rm"};
                int ok = 0;
                for (size_t s = 0; s < 6; s++)
                    ok |= !strcmp(op->slot, slots[s]);
                if (!ok)
                    desc_die(o, "unknown slot '%s' (rd rs1 rs2 rs3 imm rm)", op->slot);
                if (op->src && !find_field(op->src) && !find_imm(op->src))
                    desc_die(o, "unknown field or immediate '%s'", op->src);
            }
        } else {
            desc_die(c, "unknown format clause '%s'", k);
        }
    }
}

/* The RISC-V dialect of the RTL: the operators of engine/rtl_ops.def, the
 * atoms imm pc next-pc rm, the register slots; `has` checks that an
 * instruction uses only operands its format has. */
static desc_op rtl_ops_tab[RTL_NKINDS];
static const desc_atom rtl_atoms[] = {
    {"imm", RTL_IMM}, {"pc", RTL_PC}, {"next-pc", RTL_NEXT_PC}, {"rm", RTL_RM}, {NULL, 0},
};
static const char *const rtl_slots[] = {"rd", "rs1", "rs2", "rs3", NULL};

static int fmt_has(void *ctx, const char *name)
{
    const format *f = ctx;
    if (!strcmp(name, "pc") || !strcmp(name, "next-pc"))
        return 1;
    for (int i = 0; i < f->nops; i++)
        if (!strcmp(f->ops[i].slot, name))
            return 1;
    return 0;
}

static rnode *read_sem(const insn *in, int *nvars)
{
    static size_t nops;
    if (!nops)
        for (int k = 0; k < RTL_NKINDS; k++)
            if (rtl_kinds[k].cls != RTL_LEAF)
                rtl_ops_tab[nops++] = (desc_op){rtl_kinds[k].name, rtl_kinds[k].args, (unsigned)rtl_kinds[k].cls,
                                                rtl_kinds[k].words, k};
    desc_dialect d = {rtl_ops_tab, nops, rtl_atoms, rtl_slots, fmt_has, (void *)in->fmt};
    return desc_body(&d, in->sem, 1, nvars);
}

/* Alias conditions: RTL expressions (docs/isa-format.md), checked by the
 * front end like the semantics.  The operators are the RTL's that compute a
 * value from their operands alone (and if); the leaves are integers, the
 * decoded slots rd rs1 rs2 rs3 imm rm (before the x0 sink mapping), and any
 * other field or immediate, read from the raw encoding (for aliases that
 * depend on bits no slot keeps: fence.tso).  A condition holds when its
 * value is not zero. */
enum { COND_RAW = 1 << 16 };  /* the atom id of a field or immediate of the encoding */

static rnode *read_cond(const sx *c)
{
    static desc_op ops[RTL_NKINDS];
    static size_t nops;
    static desc_atom atoms[2 * MAXN + 3];
    if (!nops) {
        for (int k = 0; k < RTL_NKINDS; k++)
            if (rtl_is_operator((unsigned)k) || k == RTL_IF)
                ops[nops++] = (desc_op){rtl_kinds[k].name, rtl_kinds[k].args, DESC_E, rtl_kinds[k].words, k};
        /* the fields and immediates are all defined before the aliases */
        int n = 0;
        atoms[n++] = (desc_atom){"imm", RTL_IMM};
        atoms[n++] = (desc_atom){"rm", RTL_RM};
        for (int pass = 0; pass < 2; pass++)
            for (int i = 0; i < (pass ? nimms : nfields); i++) {
                const char *name = pass ? imms[i].name : fields[i].name;
                int slot = !strcmp(name, "imm") || !strcmp(name, "rm");
                for (int k = 0; rtl_slots[k]; k++)
                    slot |= !strcmp(name, rtl_slots[k]);
                if (!slot)
                    atoms[n++] = (desc_atom){name, COND_RAW};
            }
        atoms[n] = (desc_atom){NULL, 0};
    }
    desc_dialect d = {ops, nops, atoms, rtl_slots, NULL, NULL};
    return desc_expr(&d, c);
}

/* What the block builder and the bodies need to know of an instruction */
static void scan_rtl(insn *in, const rnode *n)
{
    switch (n->op) {
    case RTL_JUMP: case RTL_BRANCH: case RTL_TRAP: case RTL_END_BLOCK:
        in->flags |= F_ENDS;
        break;
    case RTL_SET_X:
        if (n->k[0]->i == RTL_R0)
            in->flags |= F_WX;
        break;
    case RTL_LOAD: in->flags |= F_LOAD; break;
    case RTL_STORE: in->flags |= F_STORE; break;
    case RTL_LR: in->flags |= F_LOAD; break;
    case RTL_AMO: case RTL_SC: in->flags |= F_LOAD | F_STORE; break;   /* a store/AMO fault */
    case RTL_CALL: in->flags |= F_CALL; break;
    case RTL_F: case RTL_SET_F: case RTL_F32: case RTL_SET_F32: in->flags |= F_FP; break;
    }
    for (int i = 0; i < n->n; i++)
        scan_rtl(in, n->k[i]);
}

static void read_asm(insn *in, const sx *c, const sx *cond)
{
    if (in->nasm >= MAXASM)
        desc_die(c, "too many asm forms");
    asmdef *a = &in->asms[in->nasm++];
    const sx *m = sx_at(c, 1);
    if (!m || m->kind != SX_STRING)
        desc_die(c, "(asm \"mnemonic\" operand...)");
    a->mnem = m->u.str.s;
    a->cond = cond;
    for (size_t j = 2; j < sx_len(c); j++) {
        if (a->nargs >= 6)
            desc_die(c, "too many asm operands");
        a->args[a->nargs++] = desc_sym(sx_at(c, j), "asm operand kind");
    }
}

static void def_insn(const sx *f)
{
    insn *in = &insns[ninsns++];
    in->def = f;
    in->order = ninsns;
    in->name = desc_sym(sx_at(f, 1), "instruction name");
    for (int i = 0; i < ninsns - 1; i++)
        if (!strcmp(insns[i].name, in->name))
            desc_die(f, "instruction '%s' defined twice (first at %s:%d)", in->name, insns[i].def->file,
                   insns[i].def->line);
    for (size_t i = 2; i < sx_len(f); i++) {
        const sx *c = sx_at(f, i);
        const char *k = desc_sym(sx_at(c, 0), "instruction clause");
        if (!strcmp(k, "format")) {
            const char *fn = desc_sym(sx_at(c, 1), "format name");
            in->fmt = find_format(fn);
            if (!in->fmt)
                desc_die(c, "unknown format '%s'", fn);
            for (size_t j = 2; j < sx_len(c); j++) {
                const sx *p = sx_at(c, j);
                const char *fld = desc_sym(sx_at(p, 0), "field");
                if (!find_field(fld))
                    desc_die(p, "unknown field '%s'", fld);
                in->fx[in->nfixed].field = fld;
                in->fx[in->nfixed++].val = desc_int(sx_at(p, 1), "field value");
            }
        } else if (!strcmp(k, "require")) {
            for (size_t j = 1; j < sx_len(c); j++) {
                const sx *p = sx_at(c, j);
                const char *op = desc_sym(sx_at(p, 0), "eq or ne");
                req *r = &in->rq[in->nreq++];
                r->ne = !strcmp(op, "ne");
                if (!r->ne && strcmp(op, "eq"))
                    desc_die(p, "require takes (eq F V) or (ne F V)");
                r->field = desc_sym(sx_at(p, 1), "field");
                if (!find_field(r->field) && !find_imm(r->field))
                    desc_die(p, "unknown field '%s'", r->field);
                r->val = desc_int(sx_at(p, 2), "value");
            }
        } else if (!strcmp(k, "asm")) {
            read_asm(in, c, NULL);
        } else if (!strcmp(k, "sem")) {
            in->sem = c;
        } else if (!strcmp(k, "expand")) {
            in->expand = desc_sym(sx_at(c, 1), "expanded instruction");
        } else if (!strcmp(k, "flags")) {
            for (size_t j = 1; j < sx_len(c); j++) {
                const char *fl = desc_sym(sx_at(c, j), "flag");
                if (!strcmp(fl, "ends-block"))
                    in->flags |= F_ENDS;
                else if (!strcmp(fl, "system-ends-block"))
                    in->flags |= F_SYS_ENDS;    /* ENG_OPF_SYS_ENDS_BLOCK */
                else
                    desc_die(sx_at(c, j), "unknown flag '%s'", fl);
            }
        } else {
            desc_die(c, "unknown instruction clause '%s'", k);
        }
    }
    if (!in->fmt)
        desc_die(f, "instruction '%s' has no format", in->name);
    if (!in->sem == !in->expand)
        desc_die(f, "instruction '%s' needs exactly one of (sem ...) or (expand ...)", in->name);
    if (in->fmt->len == 2)
        in->flags |= F_C;
    if (in->sem) {
        in->rtl = read_sem(in, &in->nvars);
        scan_rtl(in, in->rtl);
    }
}

static void def_alias(const sx *f)
{
    /* (define-alias INSN (when COND) (asm ...)) */
    const char *n = desc_sym(sx_at(f, 1), "instruction name");
    insn *in = find_insn(n);
    if (!in)
        desc_die(f, "alias of unknown instruction '%s'", n);
    const sx *w = sx_at(f, 2), *a = sx_at(f, 3);
    if (!sx_is_sym(sx_at(w, 0), "when") || !sx_is_sym(sx_at(a, 0), "asm"))
        desc_die(f, "(define-alias INSN (when COND) (asm ...))");
    /* keep the default last: insert before it */
    if (sx_len(w) != 2)
        desc_die(w, "(when COND): one condition");
    read_asm(in, a, sx_at(w, 1));
    in->asms[in->nasm - 1].cond_rtl = read_cond(sx_at(w, 1));
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
        desc_die(f, "(define-fusion INSN INSN ...) with 2 to %d instructions", MAXFUSE);
    fusion *u = &fusions[nfusions];
    u->n = (int)sx_len(f) - 1;
    for (int k = 0; k < u->n; k++) {
        const char *n = desc_sym(sx_at(f, 1 + k), "instruction name");
        u->p[k] = find_insn(n);
        if (!u->p[k] || !u->p[k]->sem)
            desc_die(f, "fusion of '%s', which is not an instruction with semantics of its own", n);
        if (k + 1 < u->n && (u->p[k]->flags & F_ENDS))
            desc_die(f, "fusion after '%s', which ends a block", n);
    }
    for (int i = 0; i < nfusions; i++)
        if (fusions[i].n == u->n && !memcmp(fusions[i].p, u->p, (size_t)u->n * sizeof u->p[0]))
            desc_die(f, "fusion defined twice");
    nfusions++;
}

/* the handler's C name: the instructions' joined by "__" */
static char *fusion_cname(const fusion *u)
{
    static char buf[256];
    buf[0] = 0;
    for (int k = 0; k < u->n; k++) {
        char *c = desc_cname(u->p[k]->name);
        snprintf(buf + strlen(buf), sizeof buf - strlen(buf), "%s%s", k ? "__" : "", c);
        free(c);
    }
    return buf;
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
            desc_die(in->def, "value %ld does not fit field %s", in->fx[i].val, f->name);
        if (mask & (w << f->lo))
            desc_die(in->def, "field %s overlaps another fixed field", f->name);
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

static const char *const rtl_kind_id[RTL_NKINDS] = {
#define RTL_OP(id, name, args, cls, words) #id,
#include "engine/rtl_ops.def"
#undef RTL_OP
};


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

/* ---- back end: interpreter bodies (C) from the checked RTL ---- */
/* The eng_insn field a slot is kept in: register slots r[0..3] in the
 * order of rtl_slots (RTL_R0..RTL_R3), rm in aux, imm in imm. */
static const char *slot_field(const char *slot)
{
    static const char *const reg[] = {"r[0]", "r[1]", "r[2]", "r[3]"};
    for (int k = 0; rtl_slots[k]; k++)
        if (!strcmp(slot, rtl_slots[k]))
            return reg[k];
    return !strcmp(slot, "rm") ? "aux" : slot;
}

static void emit_expr(FILE *o, const rnode *e);
static void emit_stmt(FILE *o, const rnode *s, int ind);

static void emit_args(FILE *o, const rnode *e, int from, int lead_comma)
{
    for (int i = from; i < e->n; i++) {
        if (i > from || lead_comma)
            fprintf(o, ", ");
        emit_expr(o, e->k[i]);
    }
}

static const char *binop_c(int op)
{
    switch (op) {
    case RTL_ADD: return "+";
    case RTL_SUB: return "-";
    case RTL_AND: return "&";
    case RTL_OR: return "|";
    case RTL_XOR: return "^";
    case RTL_MUL: return "*";
    }
    return NULL;
}
static const char *cmp_c(int op, int *sgn)
{
    *sgn = op == RTL_LT || op == RTL_GE;
    switch (op) {
    case RTL_EQ: return "==";
    case RTL_NE: return "!=";
    case RTL_LT: case RTL_LTU: return "<";
    case RTL_GE: case RTL_GEU: return ">=";
    }
    return NULL;
}
static const char *cast_c(int op)
{
    switch (op) {
    case RTL_SEXT8: return "(uint64_t)(int64_t)(int8_t)";
    case RTL_ZEXT8: return "(uint64_t)(uint8_t)";
    case RTL_SEXT16: return "(uint64_t)(int64_t)(int16_t)";
    case RTL_ZEXT16: return "(uint64_t)(uint16_t)";
    case RTL_SEXT32: return "(uint64_t)(int64_t)(int32_t)";
    case RTL_ZEXT32: return "(uint64_t)(uint32_t)";
    }
    return NULL;
}

static void emit_expr(FILE *o, const rnode *e)
{
    const char *c;
    int sgn;
    switch (e->op) {
    case DN_INT:
        fprintf(o, "UINT64_C(0x%llx)", (unsigned long long)e->i);
        return;
    case DN_ATOM:
        if (e->i == COND_RAW) {  /* an alias condition's field of the raw encoding */
            fprintf(o, "((uint64_t)(int64_t)");
            emit_field_expr(o, e->s);
            fprintf(o, ")");
            return;
        }
        fprintf(o, "%s", e->i == RTL_IMM ? "IMM" : e->i == RTL_PC ? "PC" : e->i == RTL_NEXT_PC ? "(PC + I->len)"
                                                                                    : "((uint64_t)I->aux)");
        return;
    case DN_SLOT:
        fprintf(o, "((uint64_t)I->%s)", slot_field(e->s));  /* the register number itself */
        return;
    case DN_VAR: {
        char *v = desc_cname(e->s);
        fprintf(o, "v_%s", v);  /* a let-bound local */
        free(v);
        return;
    }
    }
    if ((c = binop_c(e->op))) {
        fprintf(o, "(");
        for (int j = 0; j < e->n; j++) {
            if (j)
                fprintf(o, " %s ", c);
            emit_expr(o, e->k[j]);
        }
        fprintf(o, ")");
    } else if ((c = cmp_c(e->op, &sgn))) {
        const char *cast = sgn ? "(int64_t)" : "";
        fprintf(o, "((uint64_t)(%s", cast);
        emit_expr(o, e->k[0]);
        fprintf(o, " %s %s", c, cast);
        emit_expr(o, e->k[1]);
        fprintf(o, "))");
    } else if ((c = cast_c(e->op))) {
        fprintf(o, "(%s(", c);
        emit_expr(o, e->k[0]);
        fprintf(o, "))");
    } else if (e->op == RTL_X || e->op == RTL_F || e->op == RTL_F32) {
        fprintf(o, "%s(I->%s)", e->op == RTL_X ? "X" : e->op == RTL_F ? "F" : "F32", slot_field(e->k[0]->s));
    } else if (e->op == RTL_NOT || e->op == RTL_NEG) {
        fprintf(o, "(%s(", e->op == RTL_NOT ? "~" : "-");
        emit_expr(o, e->k[0]);
        fprintf(o, "))");
    } else if (e->op == RTL_SLL || e->op == RTL_SRL || e->op == RTL_SRA) {
        /* shift amounts are taken modulo 64, as RV64 does */
        fprintf(o, e->op == RTL_SRA ? "((uint64_t)((int64_t)" : "((");
        emit_expr(o, e->k[0]);
        fprintf(o, " %s (", e->op == RTL_SLL ? "<<" : ">>");
        emit_expr(o, e->k[1]);
        fprintf(o, " & 63)))");
    } else if (e->op == RTL_MULH || e->op == RTL_MULHU || e->op == RTL_SDIV || e->op == RTL_UDIV ||
               e->op == RTL_SREM || e->op == RTL_UREM) {
        fprintf(o, "rtl_%s(", rtl_kinds[e->op].name);   /* engine/rtl.h */
        emit_expr(o, e->k[0]);
        fprintf(o, ", ");
        emit_expr(o, e->k[1]);
        fprintf(o, ")");
    } else if (e->op == RTL_FAST) {
        /* the interpreter computes the general arm (its helpers have fast
         * paths of their own); the fast arm is for the other tiers */
        emit_expr(o, e->k[2]);
    } else if (e->op == RTL_STATE) {
        char *f = desc_cname(e->k[0]->s);
        fprintf(o, "((uint64_t)cpu->%s)", f);
        free(f);
    } else if (e->op == RTL_FP_FLAGS) {
        fprintf(o, "rtl_fp_flags()");
    } else if (e->op >= RTL_FADD_D && e->op <= RTL_FCVT_S_L) {
        /* engine/rtl_fp.h: rtl_ and the kind's id in lower case */
        fprintf(o, "rtl_");
        for (const char *p = rtl_kind_id[e->op]; *p; p++)
            fputc(*p >= 'A' && *p <= 'Z' ? *p - 'A' + 'a' : *p, o);
        fprintf(o, "(");
        emit_args(o, e, 0, 0);
        fprintf(o, ")");
    } else if (e->op == RTL_IF) {
        fprintf(o, "(");
        emit_expr(o, e->k[0]);
        fprintf(o, " ? ");
        emit_expr(o, e->k[1]);
        fprintf(o, " : ");
        emit_expr(o, e->k[2]);
        fprintf(o, ")");
    } else if (e->op == RTL_LOAD) {
        fprintf(o, "LOAD_%s(", e->k[0]->s);
        emit_expr(o, e->k[1]);
        fprintf(o, ")");
    } else if (e->op == RTL_AMO || e->op == RTL_LR || e->op == RTL_SC) {
        /* the memory model's (engine/mem_flat.h), with the word's index */
        fprintf(o, "%s(%d /* %s */, ", e->op == RTL_AMO ? "AMO" : e->op == RTL_LR ? "LOAD_RESERVED" : "STORE_CONDITIONAL",
                (int)e->k[0]->i, e->k[0]->s);
        emit_expr(o, e->k[1]);
        if (e->op != RTL_LR) {
            fprintf(o, ", ");
            emit_expr(o, e->k[2]);
        }
        fprintf(o, ")");
    } else if (e->op == RTL_CALL) {
        fprintf(o, "%s_%s(cpu", prefix, e->k[0]->s);
        emit_args(o, e, 1, 1);
        fprintf(o, ")");
    } else if (e->op == RTL_PURE) {
        fprintf(o, "%s_%s(", prefix, e->k[0]->s);
        emit_args(o, e, 1, 0);
        fprintf(o, ")");
    } else {
        desc_die(e->at, "internal: no C for operator '%s'", rtl_kinds[e->op].name);
    }
}

/* (add pc imm) or (add imm pc): a target fixed by the encoding */
static int is_pc_relative(const rnode *e)
{
    return e->op == RTL_ADD && e->n == 2 && e->k[0]->op == DN_ATOM && e->k[1]->op == DN_ATOM &&
           ((e->k[0]->i == RTL_PC && e->k[1]->i == RTL_IMM) || (e->k[0]->i == RTL_IMM && e->k[1]->i == RTL_PC));
}

static void indent(FILE *o, int n) { fprintf(o, "%*s", n * 4, ""); }

static void emit_body(FILE *o, const rnode *s, int from, int ind)
{
    for (int i = from; i < s->n; i++)
        emit_stmt(o, s->k[i], ind);
}

static void emit_stmt(FILE *o, const rnode *s, int ind)
{
    indent(o, ind);
    switch (s->op) {
    case RTL_SET_X: case RTL_SET_F: case RTL_SET_F32:
        fprintf(o, "%s(I->%s, ", s->op == RTL_SET_X ? "WX" : s->op == RTL_SET_F32 ? "WF32" : "WF", slot_field(s->k[0]->s));
        emit_expr(o, s->k[1]);
        fprintf(o, ");\n");
        break;
    case RTL_STORE:
        fprintf(o, "STORE_%s(", s->k[0]->s);
        emit_expr(o, s->k[1]);
        fprintf(o, ", ");
        emit_expr(o, s->k[2]);
        fprintf(o, ");\n");
        break;
    case RTL_JUMP:
        /* a pc-relative target is the same every time: the engine may chain
         * it without checking (JUMP_DIRECT); anything else is checked */
        fprintf(o, is_pc_relative(s->k[0]) ? "JUMP_DIRECT(" : "JUMP(");
        emit_expr(o, s->k[0]);
        fprintf(o, ");\n");
        break;
    case RTL_BRANCH:
        fprintf(o, is_pc_relative(s->k[1]) ? "BRANCH_DIRECT(" : "BRANCH(");
        emit_expr(o, s->k[0]);
        fprintf(o, ", ");
        emit_expr(o, s->k[1]);
        fprintf(o, ");\n");
        break;
    case RTL_TRAP: {
        char *c = desc_cname(s->k[0]->s);
        for (char *p = c; *p; p++)
            *p = (char)toupper((unsigned char)*p);
        fprintf(o, "TRAP(%s_EXIT_%s);\n", prefix[0] == 'r' ? "RV" : prefix, c);
        free(c);
        break;
    }
    case RTL_END_BLOCK:
        fprintf(o, "END_BLOCK();\n");
        break;
    case RTL_FENCE:
        fprintf(o, "eng_fence(eng_fence_orders(");
        emit_expr(o, s->k[0]);
        fprintf(o, ", ");
        emit_expr(o, s->k[1]);
        fprintf(o, "));\n");
        break;
    case RTL_CALL: case RTL_PURE:
        emit_expr(o, s);
        fprintf(o, ";\n");
        break;
    case RTL_WHEN:
        fprintf(o, "if (");
        emit_expr(o, s->k[0]);
        fprintf(o, ") {\n");
        emit_body(o, s, 1, ind + 1);
        indent(o, ind);
        fprintf(o, "}\n");
        break;
    case RTL_FAST_S:
        /* the general arm (as for the expression form) */
        fprintf(o, "{\n");
        emit_stmt(o, s->k[2], ind + 1);
        indent(o, ind);
        fprintf(o, "}\n");
        break;
    case RTL_SET_STATE: {
        char *f = desc_cname(s->k[0]->s);
        fprintf(o, "cpu->%s = ", f);
        free(f);
        emit_expr(o, s->k[1]);
        fprintf(o, ";\n");
        break;
    }
    case RTL_FP_CLEAR:
        fprintf(o, "rtl_fp_clear_flags();\n");
        break;
    case RTL_IF_S:
        fprintf(o, "if (");
        emit_expr(o, s->k[0]);
        fprintf(o, ") {\n");
        emit_stmt(o, s->k[1], ind + 1);
        indent(o, ind);
        fprintf(o, "} else {\n");
        emit_stmt(o, s->k[2], ind + 1);
        indent(o, ind);
        fprintf(o, "}\n");
        break;
    case RTL_SEQ:
        fprintf(o, "{\n");
        emit_body(o, s, 0, ind + 1);
        indent(o, ind);
        fprintf(o, "}\n");
        break;
    case RTL_LET: {
        fprintf(o, "{\n");
        int i = 0;
        for (; i < s->n && s->k[i]->op == DN_BIND; i++) {
            char *c = desc_cname(s->k[i]->s);
            indent(o, ind + 1);
            fprintf(o, "uint64_t v_%s = ", c);
            emit_expr(o, s->k[i]->k[0]);
            fprintf(o, ";\n");
            free(c);
        }
        emit_body(o, s, i, ind + 1);
        indent(o, ind);
        fprintf(o, "}\n");
        break;
    }
    default:
        desc_die(s->at, "internal: no C for statement '%s'", rtl_kinds[s->op].name);
    }
}

/* ---- back end: the RTL as a table the program reads (rv_rtl.inc) ---- */
static rtl_builder rtlb;

/* the vCPU fields (state NAME) reads, numbered in first-use order */
static const char *vfields[64];
static int nvfields;
static unsigned field_index(const rnode *at, const char *name)
{
    for (int i = 0; i < nvfields; i++)
        if (!strcmp(vfields[i], name))
            return (unsigned)i;
    if (nvfields == 64)
        desc_die(at->at, "too many vCPU fields named by (state ...)");
    vfields[nvfields] = name;
    return (unsigned)nvfields++;
}

static uint32_t rtl_put(const rnode *e)
{
    uint32_t kids[256];
    unsigned n = 0, aux = 0;
    uint64_t val = 0;
    int kind;
    switch (e->op) {
    case DN_INT: kind = RTL_CONST; val = (uint64_t)e->i; break;
    case DN_ATOM: kind = (int)e->i; break;
    case DN_SLOT: kind = RTL_SLOT; aux = (unsigned)e->i; break;
    case DN_VAR: kind = RTL_VAR; val = (uint64_t)e->i; break;
    case DN_BIND: kind = RTL_BIND; val = (uint64_t)e->i; kids[n++] = rtl_put(e->k[0]); break;
    case DN_BODY: kind = RTL_SEQ; break;
    default: kind = e->op; break;
    }
    if (e->op < 0 && e->op != DN_BODY)
        goto add;
    for (int i = 0; i < e->n; i++) {
        const rnode *k = e->k[i];
        if (i == 0 && rtl_kinds[kind].args[0] == 'r')  /* the register slot (a bare slot later is a value) */
            aux = (unsigned)k->i;
        else if (k->op == DN_WORD && (kind == RTL_STATE || kind == RTL_SET_STATE))
            aux = field_index(k, k->s);
        else if (k->op == DN_WORD)
            aux = (unsigned)k->i;
        else if (k->op == DN_HELPER)
            val = (uint64_t)desc_helper_index(k->s);
        else {
            if (n >= 255)
                desc_die(k->at, "too many operands");
            aux += k->op == DN_BIND;  /* a LET counts its bindings */
            kids[n++] = rtl_put(k);
        }
    }
add:;
    int64_t at = rtl_add(&rtlb, (rtl_kind)kind, aux, val, n, kids);
    if (at < 0)
        desc_die(e->at, "cannot add this to the RTL table");
    return (uint32_t)at;
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

static void emit_decode_case(FILE *o, const insn *in, int ind)
{
    indent(o, ind);
    fprintf(o, "if ((raw & 0x%08xu) == 0x%08xu", in->mask, in->match);
    for (int r = 0; r < in->nreq; r++) {
        fprintf(o, " && ");
        emit_field_expr(o, in->rq[r].field);
        fprintf(o, " %s %ld", in->rq[r].ne ? "!=" : "==", in->rq[r].val);
    }
    char *c = desc_cname(in->name);
    fprintf(o, ") {\n");
    indent(o, ind + 1);
    fprintf(o, "o->op = %s_OP_%s;\n", prefix[0] == 'r' ? "RV" : prefix, c);
    free(c);
    for (int k = 0; k < in->fmt->nops; k++) {
        const operand *op = &in->fmt->ops[k];
        indent(o, ind + 1);
        fprintf(o, "o->%s = ", slot_field(op->slot));
        if (op->src)
            emit_field_expr(o, op->src);
        else
            fprintf(o, "%ld", op->cval);
        fprintf(o, ";\n");
    }
    indent(o, ind + 1);
    fprintf(o, "o->len = %d;\n", in->fmt->len);
    indent(o, ind + 1);
    fprintf(o, "return %d;\n", in->fmt->len);
    indent(o, ind);
    fprintf(o, "}\n");
}

static int is_operand_field(const field *f)
{
    for (int i = 0; i < nformats; i++)
        for (int k = 0; k < formats[i].nops; k++)
            if (formats[i].ops[k].src && !strcmp(formats[i].ops[k].src, f->name))
                return 1;
    return 0;
}

/* The decoder as a decision tree over the encoding fields.  A set of
 * instructions (most specific first) is split by a field every one of them
 * fixes, the one that leaves the smallest largest group, into a switch on
 * that field's bits; each group keeps its order, and only instructions that
 * fix the field to that value can match there, so the first match is the one
 * a linear scan of the whole set would find.  A set no field splits, or of
 * two or fewer, is tested in order, mask/match plus (require ...). */
static void emit_decode_tree(FILE *o, const insn *const *set, int n, uint32_t done, uint32_t span, int ind)
{
    const field *best = NULL;
    int best_max = n;
    for (int f = 0; n > 2 && f < nfields; f++) {
        const field *fd = &fields[f];
        uint32_t w = (uint32_t)((1ull << (fd->hi - fd->lo + 1)) - 1) << fd->lo;
        if ((w & ~span) || (w & ~done) == 0)
            continue;
        int ok = 1;
        for (int i = 0; i < n && ok; i++)
            ok = (set[i]->mask & w) == w;
        if (!ok)
            continue;
        /* the largest group it leaves */
        int most = 0;
        for (int i = 0; i < n; i++) {
            int same = 0;
            for (int j = 0; j < n; j++)
                same += (set[j]->match & w) == (set[i]->match & w);
            if (same > most)
                most = same;
        }
        /* on a tie, an encoding field over a register field (funct5, not
         * rs3, for the AMOs) */
        if (most < best_max || (most == best_max && best && is_operand_field(best) && !is_operand_field(fd))) {
            best_max = most;
            best = fd;
        }
    }
    if (!best) {
        for (int i = 0; i < n; i++)
            emit_decode_case(o, set[i], ind);
        return;
    }
    uint32_t fw = (uint32_t)((1ull << (best->hi - best->lo + 1)) - 1), w = fw << best->lo;
    indent(o, ind);
    fprintf(o, "switch ((raw >> %d) & 0x%xu) {  /* %s */\n", best->lo, fw, best->name);
    const insn **grp = malloc((size_t)n * sizeof *grp);
    int *seen = calloc((size_t)n, sizeof *seen);
    for (int i = 0; i < n; i++) {
        if (seen[i])
            continue;
        int g = 0;
        for (int j = i; j < n; j++)
            if (!seen[j] && (set[j]->match & w) == (set[i]->match & w)) {
                seen[j] = 1;
                grp[g++] = set[j];
            }
        indent(o, ind);
        fprintf(o, "case 0x%xu:\n", (set[i]->match & w) >> best->lo);
        emit_decode_tree(o, grp, g, done | w, span, ind + 1);
        indent(o, ind + 1);
        fprintf(o, "break;\n");
    }
    indent(o, ind);
    fprintf(o, "}\n");
    free(grp);
    free(seen);
}

/* rv_rtl.inc: every instruction's tree and every fused run's, built with
 * the engine's own builder (engine/rtl.c) and written out as its arrays; the
 * helper thunks call the same C functions the interpreter bodies call. */
static void emit_rtl_table(const char *outdir, const int *fuse_order)
{
    const char *P = prefix[0] == 'r' ? "RV" : prefix;
    char path[4096];
    snprintf(path, sizeof path, "%s/%s_rtl.inc", outdir, prefix);
    FILE *o = fopen(path, "w");
    if (!o) {
        fprintf(stderr, "isagen: %s: %s\n", path, strerror(errno));
        exit(1);
    }
    int maxvars = 0;
    for (int i = 0; i < ninsns; i++)
        if (insns[i].rtl) {
            insns[i].root = rtl_put(insns[i].rtl);
            if (insns[i].nvars > maxvars)
                maxvars = insns[i].nvars;
        }
    uint32_t *froot = calloc((size_t)nfusions + 1, sizeof *froot);
    for (int f = 0; f < nfusions; f++) {
        const fusion *u = &fusions[fuse_order[f]];
        uint32_t kids[MAXFUSE];
        for (int k = 0; k < u->n; k++)
            kids[k] = u->p[k]->root;
        int64_t at = rtl_add(&rtlb, RTL_FUSED, 0, 0, (unsigned)u->n, kids);
        if (at < 0)
            desc_die(NULL, "isagen: out of memory");
        froot[f] = (uint32_t)at;
    }
    fprintf(o, "/* Generated by tools/isagen from the .isa descriptions: the RTL of every\n"
               " * instruction and fused run, as engine/rtl.h reads it. Do not edit. */\n");
    fprintf(o, "static const rtl_node %s_rtl_nodes[] = {\n", prefix);
    for (uint32_t i = 0; i < rtlb.nnode; i++) {
        const rtl_node *n = &rtlb.node[i];
        fprintf(o, "    {RTL_%s, %u, %u, %u, UINT64_C(0x%llx)},\n", rtl_kind_id[n->kind], n->aux, n->n, n->kids,
                (unsigned long long)n->val);
    }
    fprintf(o, "};\nstatic const uint32_t %s_rtl_kids[] = {", prefix);
    for (uint32_t i = 0; i < rtlb.nkid; i++)
        fprintf(o, "%s%u,", i % 16 ? " " : "\n    ", rtlb.kid[i]);
    fprintf(o, "\n};\n\n");
    for (int h = 0; h < desc_nhelpers; h++) {
        const desc_helper *d = &desc_helpers[h];
        int pure = d->via == RTL_PURE;  /* every use is of one kind: the checker saw to it */
        fprintf(o, "static uint64_t %s_rtl_h_%s(void *cpu, const uint64_t *a)\n{\n    (void)cpu;\n    (void)a;\n    ",
                prefix, d->name);
        if (d->cls & DESC_E)
            fprintf(o, "return ");
        if (pure)
            fprintf(o, "%s_%s(", prefix, d->name);
        else
            fprintf(o, "%s_%s((%s_cpu *)cpu", prefix, d->name, prefix);
        for (int k = 0; k < d->nargs; k++)
            fprintf(o, "%sa[%d]", k || !pure ? ", " : "", k);
        fprintf(o, ");\n%s}\n", d->cls & DESC_E ? "" : "    return 0;\n");
    }
    fprintf(o, "\nstatic const rtl_helper %s_rtl_helpers[] = {\n", prefix);
    for (int h = 0; h < desc_nhelpers; h++) {
        int pure = desc_helpers[h].via == RTL_PURE;
        fprintf(o, "    {\"%s\", %d, %d, %s_rtl_h_%s},\n", desc_helpers[h].name, desc_helpers[h].nargs, pure, prefix,
                desc_helpers[h].name);
    }
    fprintf(o, "};\n\nstatic const rtl_field %s_rtl_fields[] = {\n", prefix);
    for (int f = 0; f < nvfields; f++) {
        char *c = desc_cname(vfields[f]);
        fprintf(o, "    {\"%s\", offsetof(%s_cpu, %s), sizeof(((%s_cpu *)0)->%s)},\n", vfields[f], prefix, c, prefix, c);
        free(c);
    }
    if (!nvfields)
        fprintf(o, "    {\"\", 0, 8},\n");
    fprintf(o, "};\n\nstatic const rtl_code %s_rtl_code = {%s_rtl_nodes, %s_rtl_kids, %u, %u, %s_rtl_helpers, %d, %d,\n"
               "                                    %s_rtl_fields, %d};\n",
            prefix, prefix, prefix, rtlb.nnode, rtlb.nkid, prefix, desc_nhelpers, maxvars, prefix, nvfields);
    fprintf(o, "static const uint32_t %s_rtl_op_root[%s_NOPS] = {\n", prefix, P);
    for (int i = 0; i < ninsns; i++) {
        const insn *h = insns[i].expand ? find_insn(insns[i].expand) : &insns[i];
        fprintf(o, "    %u, /* %s */\n", h->root, insns[i].name);
    }
    fprintf(o, "};\nstatic const uint32_t %s_rtl_fuse_root[%d] = {", prefix, nfusions ? nfusions : 1);
    for (int f = 0; f < nfusions; f++)
        fprintf(o, "%s%u,", f % 16 ? " " : "\n    ", froot[f]);
    fprintf(o, "\n};\nconst rtl_isa %s_rtl = {&%s_rtl_code, %s_rtl_op_root, %s_NOPS, %s_rtl_fuse_root, %d};\n", prefix,
            prefix, prefix, P, prefix, nfusions);
    fclose(o);
    free(froot);
    /* the table must pass the runtime's own checks */
    rtl_code code;
    rtl_helper *hs = calloc((size_t)desc_nhelpers + 1, sizeof *hs);
    for (int h = 0; h < desc_nhelpers; h++) {
        hs[h].name = desc_helpers[h].name;
        hs[h].nargs = (uint8_t)desc_helpers[h].nargs;
        hs[h].pure = desc_helpers[h].via == RTL_PURE;
    }
    rtl_builder_code(&rtlb, &code, hs, (uint32_t)desc_nhelpers);
    rtl_field fs[64];
    for (int f = 0; f < nvfields; f++)
        fs[f] = (rtl_field){vfields[f], 0, 8};
    code.field = fs;
    code.nfield = (uint32_t)nvfields;
    char err[200];
    for (int i = 0; i < ninsns; i++)
        if (insns[i].rtl && rtl_check(&code, insns[i].root, err, sizeof err) < 0)
            desc_die(insns[i].def, "internal: the RTL table of '%s' fails its check: %s", insns[i].name, err);
    free(hs);
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
            desc_read_file("isagen", argv[i], &forms, &nforms);
    }
    /* definitions may refer only backwards, except aliases which come after
     * all instructions: two passes */
    for (int pass = 0; pass < 2; pass++)
        for (size_t i = 0; i < nforms; i++) {
            const sx *f = forms[i];
            const char *k = desc_sym(sx_at(f, 0), "top-level form");
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
                desc_die(f, "unknown top-level form '%s'", k);
            if (nfields >= MAXN || nimms >= MAXN || nformats >= MAXN || ninsns >= MAXN || nfusions >= MAXN)
                desc_die(f, "too many definitions");
        }
    for (int i = 0; i < ninsns; i++) {
        insn *in = &insns[i];
        compute_match(in);
        if (in->expand) {
            insn *t = find_insn(in->expand);
            if (!t || t->expand)
                desc_die(in->def, "expand target '%s' is not an instruction with semantics", in->expand);
            in->flags |= t->flags;
            /* disassemble as the instruction it expands to, after the
             * compressed form's own aliases (objdump's "c.nop 3") if any */
            int has_default = 0;
            for (int a = 0; a < in->nasm; a++)
                has_default |= !in->asms[a].cond;
            if (!has_default) {
                if (in->nasm + t->nasm > MAXASM)
                    desc_die(in->def, "too many asm forms");
                memcpy(in->asms + in->nasm, t->asms, (size_t)t->nasm * sizeof t->asms[0]);
                in->nasm += t->nasm;
            }
        }
        if (in->nasm == 0)
            desc_die(in->def, "instruction '%s' has no (asm ...)", in->name);
    }
    /* two encodings must not both match one word: check pairs with equal mask bits */
    for (int i = 0; i < ninsns; i++)
        for (int j = i + 1; j < ninsns; j++) {
            insn *a = &insns[i], *b = &insns[j];
            uint32_t common = a->mask & b->mask;
            if (a->fmt->len == b->fmt->len && (a->match & common) == (b->match & common) &&
                a->mask == b->mask && a->nreq == 0 && b->nreq == 0)
                desc_die(b->def, "encoding of '%s' is the same as '%s'", b->name, a->name);
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
        char *c = desc_cname(insns[i].name);
        fprintf(o, "    %s_OP_%s,\n", P, c);
        free(c);
    }
    fprintf(o, "    %s_NOPS\n};\n\n", P);
    fprintf(o, "/* X(cname, \"name\", flags, handler-cname, mask, match, length) */\n#define %s_OP_LIST(X) \\\n", P);
    for (int i = 0; i < ninsns; i++) {
        char *c = desc_cname(insns[i].name), *h = desc_cname(insns[i].expand ? insns[i].expand : insns[i].name);
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
    int *fuse_order = calloc((size_t)nfusions + 1, sizeof *fuse_order);
    for (int op = 0; op < ninsns; op++)
        for (int len = MAXFUSE; len >= 2; len--)
        for (int i = 0; i < nfusions; i++) {
            if (fusions[i].n != len || fusions[i].p[0] != &insns[op])
                continue;
            if (!fcount[op]++)
                fstart[op] = nf;
            nf++;
            fuse_order[nf - 1] = i;
            fprintf(o, "    X(%s, %d", fusion_cname(&fusions[i]), len);
            for (int k = 0; k < MAXFUSE; k++) {
                char *c = k < len ? desc_cname(fusions[i].p[k]->name) : NULL;
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
                        char *c = desc_cname(kind);
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
    const insn *set[MAXN];
    int n4 = 0, n2 = 0;
    for (int i = 0; i < ninsns; i++)
        if (sorted[i]->fmt->len == 4) {
            if ((sorted[i]->mask & 0x7f) != 0x7f)
                desc_die(sorted[i]->def, "a 32-bit instruction must fix its opcode");
            set[n4++] = sorted[i];
        }
    fprintf(o, "    if ((raw & 3) == 3) {\n");
    emit_decode_tree(o, set, n4, 3, 0xffffffffu, 2);
    fprintf(o, "        return 0;\n    }\n    raw &= 0xffff;\n");
    for (int i = 0; i < ninsns; i++)
        if (sorted[i]->fmt->len == 2) {
            if ((sorted[i]->mask & 0xe003) != 0xe003)
                desc_die(sorted[i]->def, "compressed instruction must fix op and funct3");
            set[n2++] = sorted[i];
        }
    emit_decode_tree(o, set, n2, 0, 0xffffu, 1);
    fprintf(o, "    return 0;\n}\n");
    fclose(o);

    /* interpreter bodies and dispatch rows */
    snprintf(path, sizeof path, "%s/%s_interp.inc", outdir, prefix);
    o = fopen(path, "w");
    fprintf(o, "/* Generated by tools/isagen. Do not edit. */\n");
    for (int i = 0; i < ninsns; i++) {
        insn *in = &insns[i];
        if (in->expand)
            continue;
        char *c = desc_cname(in->name);
        fprintf(o, "OP(%s) {\n", c);
        if (in->flags & (F_LOAD | F_STORE | F_CALL))
            fprintf(o, "    SYNC();\n");  /* precise traps: record the instruction */
        emit_body(o, in->rtl, 0, 1);
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
            emit_body(o, u->p[k]->rtl, 0, 2);
            fprintf(o, "    }\n");
            if (k + 1 < u->n)
                fprintf(o, "    I++;\n");
        }
        fprintf(o, "    %s;\n}\n", (u->p[u->n - 1]->flags & F_ENDS) ? "END_BLOCK()" : "NEXT()");
    }
    fclose(o);

    emit_rtl_table(outdir, fuse_order);
    free(fuse_order);

    snprintf(path, sizeof path, "%s/%s_labels.inc", outdir, prefix);
    o = fopen(path, "w");
    fprintf(o, "/* Generated by tools/isagen. Do not edit. */\n");
    for (int i = 0; i < ninsns; i++) {
        char *h = desc_cname(insns[i].expand ? insns[i].expand : insns[i].name);
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
                char *c = desc_cname(d->args[k]);
                fprintf(o, "%s_DIS_%s, ", P, c);
                free(c);
            }
            fprintf(o, "0}},\n");
        }
    }
    fprintf(o, "};\n\n");
    /* the conditions are RTL expressions, in the C the interpreter bodies
     * are written in (I, IMM) */
    fprintf(o, "#define IMM ((uint64_t)(int64_t)I->imm)\n");
    fprintf(o, "static int %s_asm_select(const eng_insn *I, uint32_t raw)\n{\n    (void)raw;\n    switch (I->op) {\n", prefix);
    for (int i = 0; i < ninsns; i++) {
        char *c = desc_cname(insns[i].name);
        fprintf(o, "    case %s_OP_%s:\n", P, c);
        free(c);
        for (int a = 0; a < insns[i].nasm; a++) {
            if (insns[i].asms[a].cond) {
                fprintf(o, "        if (");
                emit_expr(o, insns[i].asms[a].cond_rtl);
                fprintf(o, ")\n            return %d;\n", first[i] + a);
            } else {
                fprintf(o, "        return %d;\n", first[i] + a);
                break;
            }
        }
    }
    fprintf(o, "    }\n    return -1;\n}\n#undef IMM\n");
    fclose(o);
    free(first);
    for (size_t i = 0; i < nforms; i++)
        sx_free(forms[i]);
    free(forms);
    return 0;
}
