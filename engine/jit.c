/* engine: the translation tier's ISA-neutral half -- a decoded block's RTL
 * lowered to the IR of engine/jit.h, the per-vCPU code cache, translating a
 * block and flushing.  Each node kind is lowered as engine/rtl_eval.c runs
 * it (that file is the reference for what a node means). */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <string.h>

#include "engine/host/codemem.h"
#include "engine/jit.h"
#include "engine/rtl_fp.h"

struct eng_jit {
    codemem cm;
    jit_ir ir;                  /* reused from block to block */
    jit_host_scratch *scratch;  /* the back end's, likewise */
    const void *profile;        /* the loop's run-counting handler */
    uint64_t blocks, insns;   /* translated since the start */
    uint64_t ns;              /* spent translating */
    size_t bytes;             /* code written since the start */
    uint32_t *map;            /* slot offsets, when translations are observed */
    unsigned mapcap;
    /* the linked jumps: direct exit k of block from jumps into to's code
     * (unlinked when to is freed, forgotten when from is) */
    struct jit_link {
        const eng_block *from, *to;
        uint32_t k;
    } *links;
    size_t nlinks, linkcap;
    /* each translation's code and block, in the order the cache allocated
     * them (ascending addresses, since its last flush): a host fault finds
     * the block running by its code */
    struct jit_where { uintptr_t code; const eng_block *b; } *where;
    size_t nwhere, capwhere;
    eng_hjc *hjc;               /* the code's jump cache (jit.h) */
};

/* empty entries have a pc no instruction has (odd), never 0: a jump to
 * address 0 must miss */
static void hjc_clear(eng_jit *j)
{
    if (j->hjc)
        for (size_t k = 0; k < (size_t)1 << ENG_HJC_BITS; k++)
            j->hjc[k] = (eng_hjc){UINT64_MAX, NULL};
}

/* the process's totals, for VVM_JIT_STATS */
static struct {
    uint64_t blocks, insns, ns, bytes, flushes, unlinks, repins, traces;
    size_t peak;
} totals;

void eng_jit_report(void)
{
    const char *st = getenv("VVM_JIT_STATS");
    if (!st || !*st || *st == '0' || !totals.blocks)
        return;
    fprintf(stderr,
            "vvm jit: %llu blocks (%llu of them superblocks), %llu guest instructions translated in %.3f ms "
            "(%.2f M instructions/s); "
            "%llu bytes of code, largest cache in use %zu bytes, %llu flushes, %llu partial invalidations, "
            "%llu flushes to pin other registers\n",
            (unsigned long long)totals.blocks, (unsigned long long)totals.traces, (unsigned long long)totals.insns,
            totals.ns / 1e6,
            totals.ns ? totals.insns * 1e3 / (double)totals.ns : 0.0, (unsigned long long)totals.bytes,
            totals.peak, (unsigned long long)totals.flushes, (unsigned long long)totals.unlinks,
            (unsigned long long)totals.repins);
}

/* ---- lowering ---- */

typedef struct lower {
    jit_ir *ir;
    const rtl_code *c;
    const eng_insn *I;
    uint64_t pc;            /* this instruction's */
    unsigned slot;          /* its index in the block */
    int zero_reg;
    uint32_t var[256];      /* let binding -> temporary */
    int bad;
    int in_cold;            /* emitting into ir->cold */
    uint64_t link_regs;     /* the ISA's (eng_isa.link_regs) */
    int link_w, link_r;     /* this instruction wrote, read a link register */
} lower;

static jit_opnd imm(uint64_t v) { return (jit_opnd){.kind = JO_IMM, .imm = v}; }
static jit_opnd cpuf(int32_t off) { return (jit_opnd){.kind = JO_CPU, .n = (uint32_t)off}; }
static jit_opnd tmp(lower *L) { return (jit_opnd){.kind = JO_TMP, .n = L->ir->ntmp++}; }

static jit_ins *emit(lower *L, jit_op op)
{
    jit_ir *ir = L->ir;
    if (ir->n == ir->cap) {
        unsigned cap = ir->cap ? ir->cap * 2 : 256;
        jit_ins *p = realloc(ir->ins, cap * sizeof *p);
        if (!p) {
            ir->oom = 1;
            static jit_ins sink;
            return &sink;
        }
        ir->ins = p;
        ir->cap = cap;
    }
    jit_ins *i = &ir->ins[ir->n++];
    memset(i, 0, sizeof *i);
    i->op = (uint8_t)op;
    i->slot = (uint16_t)L->slot;
    return i;
}

/* Out-of-line code: emit() writes to the cold array between these two. */
static void cold_swap(lower *L)
{
    jit_ir *ir = L->ir;
    jit_ins *p = ir->ins;
    unsigned n = ir->n, cap = ir->cap;
    ir->ins = ir->cold;
    ir->n = ir->ncold;
    ir->cap = ir->coldcap;
    ir->cold = p;
    ir->ncold = n;
    ir->coldcap = cap;
    L->in_cold = !L->in_cold;
}

static unsigned label(lower *L) { return L->ir->nlabel++; }
static void bind(lower *L, unsigned l) { emit(L, JI_LABEL)->label = l; }
/* the join after a fast arm, and the out-of-line arm's jump back to it */
static void join(lower *L, unsigned l)
{
    jit_ins *i = emit(L, JI_LABEL);
    i->label = l;
    i->sub = 1;
}
static void join_jmp(lower *L, unsigned l)
{
    jit_ins *i = emit(L, JI_JMP);
    i->label = l;
    i->sub = 1;
}

static uint64_t slotval(const lower *L, unsigned s) { return L->I->r[s & 3]; }

static jit_opnd expr(lower *L, const rtl_node *n);
static jit_opnd general(lower *L, const rtl_node *n);

/* (operands are computed before the instruction that uses them is emitted:
 * emitting may move the array) */
static void jz(lower *L, jit_opnd c, unsigned l)
{
    jit_ins *i = emit(L, JI_JZ);
    i->a = c;
    i->label = l;
}

static void mov(lower *L, jit_opnd d, jit_opnd a)
{
    jit_ins *i = emit(L, JI_MOV);
    i->a = a;
    i->d = d;
}

static jit_opnd kid(lower *L, const rtl_node *n, unsigned k) { return expr(L, rtl_kid(L->c, n, k)); }

static jit_opnd bin(lower *L, unsigned kind, jit_opnd a, jit_opnd b)
{
    jit_ins *i = emit(L, JI_BIN);
    i->sub = (uint8_t)kind;
    i->a = a;
    i->b = b;
    return i->d = tmp(L);
}

static jit_opnd un(lower *L, unsigned kind, jit_opnd a)
{
    jit_ins *i = emit(L, JI_UN);
    i->sub = (uint8_t)kind;
    i->a = a;
    return i->d = tmp(L);
}

static jit_opnd helper_call(lower *L, const rtl_node *n)
{
    jit_opnd a[16];
    unsigned k;
    if (n->n > 16 || n->val >= L->c->nhelper) {
        L->bad = 1;
        return imm(0);
    }
    for (k = 0; k < n->n; k++)
        a[k] = kid(L, n, k);
    for (k = 0; k < n->n; k++) {
        jit_ins *i = emit(L, JI_ARG);
        i->sub = (uint8_t)k;
        i->a = a[k];
    }
    jit_ins *i = emit(L, JI_CALL);
    i->helper = &L->c->helper[n->val];
    i->sub = n->kind == RTL_PURE;
    return i->d = tmp(L);
}

static jit_opnd xreg(lower *L, unsigned s)
{
    unsigned r = (unsigned)slotval(L, s);
    if ((int)r == L->zero_reg || r >= L->ir->nx)
        return imm(0);
    L->ir->xuse[r]++;
    return cpuf(L->ir->xoff[r]);
}

static jit_opnd freg(lower *L, unsigned s)
{
    unsigned r = (unsigned)slotval(L, s) & 31;
    if (r >= L->ir->nf) {
        L->bad = 1;
        return imm(0);
    }
    return cpuf(L->ir->foff[r]);
}

/* Operands are lowered before the node that uses them, and a node whose
 * operands are all known is folded by the evaluator's own rtl_apply (the
 * same meaning), so a tree is folded in one pass over it. */
static jit_opnd expr(lower *L, const rtl_node *n)
{
    if (rtl_is_operator(n->kind)) {
        jit_opnd v = kid(L, n, 0);
        if (n->n == 1)
            return v.kind == JO_IMM ? imm(rtl_apply(n->kind, v.imm, 0)) : un(L, n->kind, v);
        for (unsigned k = 1; k < n->n; k++) {
            jit_opnd w = kid(L, n, k);
            /* adding, or-ing, xor-ing 0 (the zero register: RISC-V's mv
             * is add rd, x0, rs) is the other operand */
            int ident = n->kind == RTL_ADD || n->kind == RTL_OR || n->kind == RTL_XOR;
            if (v.kind == JO_IMM && w.kind == JO_IMM)
                v = imm(rtl_apply(n->kind, v.imm, w.imm));
            else if (ident && v.kind == JO_IMM && v.imm == 0)
                v = w;
            else if ((ident || n->kind == RTL_SUB) && w.kind == JO_IMM && w.imm == 0)
                continue;
            else
                v = bin(L, n->kind, v, w);
        }
        return v;
    }
    switch ((rtl_kind)n->kind) {
    case RTL_CONST: return imm(n->val);
    case RTL_VAR: return (jit_opnd){.kind = JO_TMP, .n = L->var[n->val & 255]};
    case RTL_SLOT: return imm(slotval(L, n->aux));
    case RTL_IMM: return imm((uint64_t)(int64_t)L->I->imm);
    case RTL_PC: return imm(L->pc);
    case RTL_NEXT_PC: return imm(L->pc + L->I->len);
    case RTL_RM: return imm(L->I->aux);
    case RTL_X: {
        unsigned r = (unsigned)slotval(L, n->aux);
        if (r < 64 && (L->link_regs >> r & 1))
            L->link_r = 1;
        return xreg(L, n->aux);
    }
    case RTL_F: return freg(L, n->aux);
    case RTL_F32:
        /* the NaN-boxed single, or the canonical NaN */
        return un(L, RTL_F32, freg(L, n->aux));
    case RTL_STATE:
        if (n->aux >= L->c->nfield) {
            L->bad = 1;
            return imm(0);
        }
        if (L->c->field[n->aux].size == 4)
            return un(L, RTL_ZEXT32, cpuf((int32_t)L->c->field[n->aux].offset));
        return cpuf((int32_t)L->c->field[n->aux].offset);
    case RTL_FP_FLAGS: {
        jit_ins *i = emit(L, JI_FP);
        i->sub = RTL_FP_FLAGS;
        return i->d = tmp(L);
    }
    case RTL_FAST: {
        jit_opnd c = kid(L, n, 0);
        if (c.kind == JO_IMM)
            return c.imm ? kid(L, n, 1) : general(L, rtl_kid(L->c, n, 2));
        if (L->in_cold)   /* no second level of out-of-line code */
            return general(L, rtl_kid(L->c, n, 2));
        jit_opnd d = tmp(L);
        unsigned lc = label(L), lj = label(L);
        jz(L, c, lc);
        mov(L, d, kid(L, n, 1));
        join(L, lj);
        cold_swap(L);
        bind(L, lc);
        mov(L, d, general(L, rtl_kid(L->c, n, 2)));
        join_jmp(L, lj);
        cold_swap(L);
        return d;
    }
    case RTL_IF: {
        /* the arms may load: only the one chosen runs (a known condition
         * chooses now) */
        jit_opnd c = kid(L, n, 0);
        if (c.kind == JO_IMM)
            return kid(L, n, c.imm ? 1 : 2);
        jit_opnd d = tmp(L);
        unsigned le = label(L), lend = label(L);
        jz(L, c, le);
        mov(L, d, kid(L, n, 1));
        emit(L, JI_JMP)->label = lend;
        bind(L, le);
        mov(L, d, kid(L, n, 2));
        bind(L, lend);
        return d;
    }
    case RTL_LOAD: {
        jit_opnd a = kid(L, n, 0);
        jit_ins *i = emit(L, JI_LOAD);
        i->sub = n->aux;
        i->a = a;
        return i->d = tmp(L);
    }
    case RTL_CALL: case RTL_PURE:
        return helper_call(L, n);
    case RTL_AMO: case RTL_LR: case RTL_SC: {
        jit_opnd a = kid(L, n, 0), v = n->n > 1 ? kid(L, n, 1) : imm(0);
        jit_ins *i = emit(L, n->kind == RTL_AMO ? JI_AMO : n->kind == RTL_LR ? JI_LR : JI_SC);
        i->sub = n->aux;
        i->a = a;
        i->b = v;
        return i->d = tmp(L);
    }
    default:
        if (rtl_is_fp(n->kind)) {
            /* a single read from an FP register (F32) is the register
             * itself with its bit in the label: the back end unboxes it
             * as it loads it */
            jit_opnd o[3] = {imm(0), imm(0), imm(0)};
            unsigned boxed = 0;
            for (unsigned k = 0; k < n->n && k < 3; k++) {
                const rtl_node *q = rtl_kid(L->c, n, k);
                if (q->kind == RTL_F32) {
                    o[k] = freg(L, q->aux);
                    boxed |= 1u << k;
                } else {
                    o[k] = expr(L, q);
                }
            }
            jit_ins *i = emit(L, JI_FP);
            i->sub = (uint8_t)n->kind;
            i->label = boxed;
            i->a = o[0];
            i->b = o[1];
            i->c = o[2];
            return i->d = tmp(L);
        }
        L->bad = 1;
        return imm(0);
    }
}

/* An expression whose value nobody wants (written to the zero register):
 * only what it does is lowered -- an atomic with no destination (the back
 * end then need not fetch the old value), loads (they may fault), helper
 * calls; operators and register reads make no code. */
static void effect(lower *L, const rtl_node *n)
{
    if (rtl_is_operator(n->kind)) {
        for (unsigned k = 0; k < n->n; k++)
            effect(L, rtl_kid(L->c, n, k));
        return;
    }
    switch ((rtl_kind)n->kind) {
    case RTL_CONST: case RTL_VAR: case RTL_SLOT: case RTL_IMM: case RTL_PC: case RTL_NEXT_PC: case RTL_RM:
    case RTL_X: case RTL_F: case RTL_F32:
        return;
    case RTL_AMO: case RTL_LR: case RTL_SC: {
        jit_opnd v = expr(L, n);
        jit_ir *ir = L->ir;
        if (!ir->oom && ir->n && v.kind == JO_TMP && ir->ins[ir->n - 1].d.kind == JO_TMP && ir->ins[ir->n - 1].d.n == v.n)
            ir->ins[ir->n - 1].d = (jit_opnd){.kind = JO_NONE};
        return;
    }
    default:
        (void)expr(L, n);
        return;
    }
}

static int needs_sync(const rtl_code *c, const rtl_node *n);

/* The general arm of a (fast C A B): with the slot recorded first when it
 * calls a helper (the instruction's own record leaves the fast arm out). */
static jit_opnd general(lower *L, const rtl_node *n)
{
    if (needs_sync(L->c, n))
        emit(L, JI_SYNC);
    return expr(L, n);
}

/* The value of an expression into dst: the last IR instruction writes it
 * there directly when it made the value. */
static void set(lower *L, jit_opnd dst, jit_opnd v)
{
    jit_ir *ir = L->ir;
    if (v.kind == JO_TMP && ir->n && !ir->oom) {
        jit_ins *last = &ir->ins[ir->n - 1];
        if (last->d.kind == JO_TMP && last->d.n == v.n && v.n == ir->ntmp - 1 && last->op != JI_LABEL) {
            last->d = dst;
            return;
        }
    }
    jit_ins *i = emit(L, JI_MOV);
    i->a = v;
    i->d = dst;
}

static void stmt(lower *L, const rtl_node *n);

static void stmts(lower *L, const rtl_node *n, unsigned from)
{
    for (unsigned k = from; k < n->n; k++)
        stmt(L, rtl_kid(L->c, n, k));
}

static void leave_by(lower *L, unsigned slot, jit_opnd pc)
{
    jit_ins *i = emit(L, JI_EXIT);
    i->sub = (uint8_t)slot;
    i->a = pc;
}

/* The write of set-x, set-f or set-f32 n, of the value v. */
static void assign(lower *L, const rtl_node *n, jit_opnd v)
{
    switch ((rtl_kind)n->kind) {
    case RTL_SET_X: {
        jit_opnd r = xreg(L, n->aux);
        unsigned g = (unsigned)slotval(L, n->aux);
        if (r.kind == JO_CPU) {
            set(L, r, v);
            if (g < 64 && (L->link_regs >> g & 1))
                L->link_w = 1;
        }
        return;
    }
    case RTL_SET_F:
        set(L, freg(L, n->aux), v);
        return;
    default: {
        jit_ir *ir = L->ir;
        jit_ins *last = ir->n && !ir->oom ? &ir->ins[ir->n - 1] : NULL;
        if (last && last->op == JI_FP && rtl_fp_single_result(last->sub) && v.kind == JO_TMP &&
            last->d.kind == JO_TMP && last->d.n == v.n && v.n == ir->ntmp - 1) {
            /* a single the host made: NaN-boxed as the back end stores it */
            last->d = freg(L, n->aux);
            last->label |= 8;
            return;
        }
        jit_opnd w = un(L, RTL_ZEXT32, v);
        jit_opnd d = freg(L, n->aux);
        jit_ins *i = emit(L, JI_BIN);
        i->sub = RTL_OR;
        i->a = w;
        i->b = imm(UINT64_C(0xffffffff00000000));
        i->d = d;
        return;
    }
    }
}

/* A register write of a (fast C A B): each arm writes the register itself,
 * the fast one in line, the general one out of line (after the block's
 * code), which jumps back: the common path takes no branch. */
static void assign_fast(lower *L, const rtl_node *n, const rtl_node *f)
{
    jit_opnd c = kid(L, f, 0);
    if (c.kind == JO_IMM || L->in_cold) {
        if (c.kind == JO_IMM && c.imm)
            assign(L, n, kid(L, f, 1));
        else
            assign(L, n, general(L, rtl_kid(L->c, f, 2)));
        return;
    }
    unsigned lc = label(L), lj = label(L);
    jz(L, c, lc);
    assign(L, n, kid(L, f, 1));
    join(L, lj);
    cold_swap(L);
    bind(L, lc);
    assign(L, n, general(L, rtl_kid(L->c, f, 2)));
    join_jmp(L, lj);
    cold_swap(L);
}

static void stmt(lower *L, const rtl_node *n)
{
    switch ((rtl_kind)n->kind) {
    case RTL_SET_X: case RTL_SET_F: case RTL_SET_F32: {
        const rtl_node *v = rtl_kid(L->c, n, 0);
        if (n->kind == RTL_SET_X && v->kind != RTL_FAST && xreg(L, n->aux).kind != JO_CPU)
            effect(L, v);   /* to the zero register */
        else if (v->kind == RTL_FAST)
            assign_fast(L, n, v);
        else
            assign(L, n, expr(L, v));
        return;
    }
    case RTL_STORE: {
        jit_opnd a = kid(L, n, 0);
        jit_opnd v = kid(L, n, 1);
        jit_ins *i = emit(L, JI_STORE);
        i->sub = n->aux;
        i->a = a;
        i->b = v;
        return;
    }
    case RTL_JUMP: {
        jit_opnd t = kid(L, n, 0);
        leave_by(L, 0, t);
        /* a call or a return, for the return-address stack */
        jit_ins *x = L->ir->oom ? NULL : &L->ir->ins[L->ir->n - 1];
        if (x && L->link_w && !L->in_cold) {
            x->label = JX_CALL;
            x->b = imm(L->pc + L->I->len);
        } else if (x && L->link_r && !L->in_cold && t.kind != JO_IMM)
            x->label = JX_RET;
        return;
    }
    case RTL_BRANCH: {
        unsigned ln = label(L);
        jz(L, kid(L, n, 0), ln);
        leave_by(L, 0, kid(L, n, 1));
        bind(L, ln);
        leave_by(L, 1, imm(L->pc + L->I->len));
        return;
    }
    case RTL_TRAP: {
        jit_ins *i = emit(L, JI_TRAP);
        i->sub = n->aux;
        i->a = imm(L->pc);
        return;
    }
    case RTL_END_BLOCK:
        leave_by(L, 1, imm(L->pc + L->I->len));
        return;
    case RTL_CALL: case RTL_PURE:
        (void)helper_call(L, n);
        return;
    case RTL_FENCE: {
        /* the sets are fixed by the encoding: a fence ordering nothing
         * makes no code; the back end gives the rest what its host needs */
        jit_opnd p = kid(L, n, 0), s = kid(L, n, 1);
        unsigned o = p.kind == JO_IMM && s.kind == JO_IMM ? eng_fence_orders(p.imm, s.imm)
                                                          : ENG_ORDER_RR | ENG_ORDER_RW | ENG_ORDER_WR | ENG_ORDER_WW;
        if (o)
            emit(L, JI_FENCE)->sub = (uint8_t)o;
        return;
    }
    case RTL_WHEN: {
        unsigned le = label(L);
        jz(L, kid(L, n, 0), le);
        stmts(L, n, 1);
        bind(L, le);
        return;
    }
    case RTL_FAST_S: {
        /* as assign_fast: the general arm out of line */
        jit_opnd c = kid(L, n, 0);
        if (c.kind == JO_IMM || L->in_cold) {
            const rtl_node *s = rtl_kid(L->c, n, c.kind == JO_IMM && c.imm ? 1 : 2);
            if (!(c.kind == JO_IMM && c.imm) && needs_sync(L->c, s))
                emit(L, JI_SYNC);
            stmt(L, s);
            return;
        }
        unsigned lc = label(L), lj = label(L);
        jz(L, c, lc);
        stmt(L, rtl_kid(L->c, n, 1));
        join(L, lj);
        cold_swap(L);
        bind(L, lc);
        if (needs_sync(L->c, rtl_kid(L->c, n, 2)))
            emit(L, JI_SYNC);
        stmt(L, rtl_kid(L->c, n, 2));
        join_jmp(L, lj);
        cold_swap(L);
        return;
    }
    case RTL_SET_STATE: {
        if (n->aux >= L->c->nfield) {
            L->bad = 1;
            return;
        }
        jit_opnd v = kid(L, n, 0);
        jit_ins *i = emit(L, JI_MOV);
        i->a = v;
        i->d = cpuf((int32_t)L->c->field[n->aux].offset);
        i->sub = (uint8_t)L->c->field[n->aux].size;
        return;
    }
    case RTL_FP_CLEAR:
        emit(L, JI_FP)->sub = RTL_FP_CLEAR;
        return;
    case RTL_IF_S: {
        unsigned le = label(L), lend = label(L);
        jz(L, kid(L, n, 0), le);
        stmt(L, rtl_kid(L->c, n, 1));
        emit(L, JI_JMP)->label = lend;
        bind(L, le);
        stmt(L, rtl_kid(L->c, n, 2));
        bind(L, lend);
        return;
    }
    case RTL_SEQ:
        stmts(L, n, 0);
        return;
    case RTL_LET:
        for (unsigned k = 0; k < n->aux; k++) {
            const rtl_node *b = rtl_kid(L->c, n, k);
            /* a binding is a value of its own: never a register read
             * later, when a statement may have written the register */
            jit_opnd v = kid(L, b, 0);
            jit_opnd t = tmp(L);
            jit_ins *i = emit(L, JI_MOV);
            i->a = v;
            i->d = t;
            L->var[b->val & 255] = t.n;
            L->ir->ntmp++;  /* so that set() never retargets the binding's MOV */
        }
        stmts(L, n, n->aux);
        return;
    default:
        L->bad = 1;
        return;
    }
}

/* Does the tree call a helper or trap (and so need the slot recorded for a
 * precise trap)?  Loads and stores are found by the host fault handler in
 * the code's table of accesses (eng_jit_fault_at), and their bound check's
 * stub records the slot itself. */
static int needs_sync(const rtl_code *c, const rtl_node *n)
{
    switch ((rtl_kind)n->kind) {
    case RTL_CALL: case RTL_TRAP:
        return 1;
    case RTL_FAST: case RTL_FAST_S:  /* the general arm records the slot itself */
        return needs_sync(c, rtl_kid(c, n, 0)) || needs_sync(c, rtl_kid(c, n, 1));
    default:
        break;
    }
    for (unsigned k = 0; k < n->n; k++)
        if (needs_sync(c, rtl_kid(c, n, k)))
            return 1;
    return 0;
}

/* needs_sync of op's tree, worked out once per op */
static int op_needs_sync(jit_ir *ir, const rtl_code *c, const rtl_node *root, unsigned op, unsigned nops)
{
    if (!ir->op_sync) {
        ir->op_sync = calloc(nops, 1);
        ir->nop_sync = ir->op_sync ? nops : 0;
    }
    if (op >= ir->nop_sync)
        return needs_sync(c, root);
    if (!ir->op_sync[op])
        ir->op_sync[op] = (uint8_t)(1 + needs_sync(c, root));
    return ir->op_sync[op] == 2;
}

/* ---- superblocks ----
 *
 * A superblock goes on where a block ends, into the block the hot path
 * takes next: through a conditional branch (the way the interpreter saw it
 * go; of two seen, the one whose block ran more, the fall-through on a
 * tie), through an unconditional direct jump, or past a block that ended
 * only for its length.  Its branches out are side exits, linked like any
 * direct exit.  Forward only and within ENG_TRACE_SPAN bytes of its first
 * instruction: a back edge still goes through a chain entry, with its one
 * compare of the events word, and the code range of the whole (the first
 * block's, widened) is what an invalidation of any of its blocks hits.
 * The blocks must be in the block cache already, decoded and chained by
 * the interpreter's runs: under --engine jit, which translates a block on
 * its first run, before any path is known, none forms. */

/* Is the IR in [from, k) nothing but JI_SYNC? */
static int ir_only_sync(const jit_ir *ir, unsigned from, unsigned k)
{
    for (unsigned q = from; q < k; q++)
        if (ir->ins[q].op != JI_SYNC)
            return 0;
    return 1;
}

/* After group g (whose last instruction's IR starts at `last`; nslots: the
 * superblock's slots so far): the block to go on with, the exit into it
 * gone from the IR, or NULL. */
static const eng_block *trace_next(const eng_vcpu *v, lower *L, const eng_block *head, const eng_block *g,
                                   unsigned nslots, unsigned last)
{
    jit_ir *ir = L->ir;
    unsigned n = ir->n;
    if (ir->ngrp >= ENG_TRACE_GROUPS || n < 1 || L->in_cold)
        return NULL;
    const jit_ins *x = &ir->ins[n - 1];
    if (x->op != JI_EXIT || x->a.kind != JO_IMM || x->label != 0)
        return NULL;
    /* the shapes: (jz C L) (exit TAKEN) L: (exit FALL), a branch;
     * (exit TARGET) alone, a jump; (exit END) after a block's length */
    int branch = n >= 4 && n - 4 >= last && x->sub == 1 && ir->ins[n - 2].op == JI_LABEL &&
                 ir->ins[n - 2].sub == 0 && ir->ins[n - 3].op == JI_EXIT && ir->ins[n - 3].sub == 0 &&
                 ir->ins[n - 3].a.kind == JO_IMM && ir->ins[n - 3].label == 0 && ir->ins[n - 4].op == JI_JZ &&
                 ir->ins[n - 4].label == ir->ins[n - 2].label;
    int jump = !branch && x->sub == 0 && ir_only_sync(ir, last, n - 1);
    int length = !branch && !jump && x->sub == 1 && last == n - 1 && x->a.imm == g->end;
    if (!branch && !jump && !length)
        return NULL;
    uint64_t fall = x->a.imm, taken = branch ? ir->ins[n - 3].a.imm : x->a.imm;
    const eng_block *nf = NULL, *nt = NULL;
    if (branch || length)
        nf = g->succ[1] && g->succ[1]->pc == fall ? g->succ[1] : NULL;
    if (branch || jump)
        nt = g->succ[0] && g->succ[0]->pc == taken ? g->succ[0] : NULL;
    if (nf && nt && nt->hits > nf->hits)
        nf = NULL;
    const eng_block *nb = nf ? nf : nt;
    /* forward, within the span, in the cache, a block the tier may take
     * (no advice), not in the superblock yet */
    if (!nb || nb->pc <= g->pc || nb->lead != 0 || nb->n == 0 || nb->end - head->pc > ENG_TRACE_SPAN ||
        nslots + nb->n > ENG_TRACE_SLOTS || nb->key != head->key ||
        eng_cache_find((eng_cache *)(uintptr_t)&v->cache, nb->pc) != nb)
        return NULL;
    for (unsigned k = 0; k < ir->ngrp; k++)
        if (ir->grp[k] == nb)
            return NULL;
    if (nb == nf || !branch) {
        ir->n--;    /* the exit into it (a branch's L: stays, the way on) */
    } else {
        /* the taken way on: L: (exit FALL) goes out of line */
        jit_ins lab = ir->ins[n - 2], ex = ir->ins[n - 1];
        ir->n -= 3;
        cold_swap(L);
        *emit(L, JI_LABEL) = lab;
        *emit(L, JI_EXIT) = ex;
        cold_swap(L);
    }
    return ir->oom ? NULL : nb;
}

int eng_jit_lower(const eng_vcpu *v, const eng_block *b, jit_ir *ir)
{
    const eng_isa *isa = v->isa;
    const rtl_isa *rt = isa->rtl;
    if (!rt || b->lead != 0)
        return -1;
    /* calls and returns for the return-address stack, on both memory
     * models: on a system hart a return may cross an address-space change
     * (a satp write, an sfence.vma in the callee), but the host return
     * lands on the caller's direct exit to the guest return address, which
     * goes through its block's chain entry, and that compares the block's
     * fetch key with the hart's like any other entry */
    lower L = {.ir = ir, .c = rt->code, .zero_reg = isa->zero_reg, .link_regs = isa->link_regs};
    if (!ir->regs_known) {
        for (unsigned r = 0; r < isa->nregs; r++) {
            const eng_reg *g = &isa->regs[r];
            if (g->kind == ENG_REG_INT && ir->nx < 64 && g->size == 8)
                ir->xoff[ir->nx++] = g->offset;
            else if (g->kind == ENG_REG_FP && ir->nf < 64 && g->size == 8)
                ir->foff[ir->nf++] = g->offset;
        }
        ir->regs_known = 1;
    }
    ir->n = ir->ntmp = ir->nlabel = 0;
    ir->ncold = 0;
    ir->oom = 0;
    ir->ngrp = 0;
    const eng_block *g = b;
    unsigned base = 0;
    for (;;) {
        ir->grp[ir->ngrp++] = g;
        if (ir->ngrp > 1) {
            /* a block further along a superblock: its instructions are
             * counted as it is entered (eng_insn.grp_end) */
            jit_opnd ic = cpuf((int32_t)(isa->vcpu_offset + offsetof(eng_vcpu, instret)));
            L.slot = base;
            jit_ins *i = emit(&L, JI_BIN);
            i->sub = RTL_ADD;
            i->d = i->a = ic;
            i->b = imm(g->n);
        }
        unsigned last = ir->n;  /* where the last instruction's IR starts */
        for (unsigned s = 0; s < g->n; s++) {
            const eng_insn *I = &g->insn[s];
            const rtl_node *root = eng_rtl_of(rt, I->op);
            if (!root)
                return -1;
            L.I = I;
            L.slot = base + s;
            L.link_w = L.link_r = 0;
            L.pc = g->pc + I->pcoff;
            last = ir->n;
            if (op_needs_sync(ir, L.c, root, I->op, rt->nops))
                emit(&L, JI_SYNC);
            stmt(&L, root);
            if (isa->ops[I->op].flags & ENG_OPF_ENDS_BLOCK) {
                /* a transfer that did not happen (a trap that returned); not
                 * after an exit, which nothing passes (no label follows it) */
                if (!ir->n || ir->oom || ir->ins[ir->n - 1].op != JI_EXIT)
                    leave_by(&L, 1, imm(L.pc + I->len));
                break;
            }
        }
        if (g->n == 0 || !(isa->ops[g->insn[g->n - 1].op].flags & ENG_OPF_ENDS_BLOCK)) {
            last = ir->n;
            leave_by(&L, 1, imm(g->end));
        }
        if (ir->oom || L.bad)
            break;
        const eng_block *nx = ir->trace_ok ? trace_next(v, &L, b, g, base + g->n, last) : NULL;
        if (!nx)
            break;
        base += g->n;
        g = nx;
    }
    /* the out-of-line code after the block's last exit */
    ir->cold_at = ir->n;
    if (ir->ncold && !ir->oom) {
        if (ir->n + ir->ncold > ir->cap) {
            unsigned cap = ir->cap;
            while (cap < ir->n + ir->ncold)
                cap *= 2;
            jit_ins *p = realloc(ir->ins, cap * sizeof *p);
            if (!p)
                return -1;
            ir->ins = p;
            ir->cap = cap;
        }
        memcpy(ir->ins + ir->n, ir->cold, ir->ncold * sizeof *ir->cold);
        ir->n += ir->ncold;
    }
    return L.bad || ir->oom ? -1 : 0;
}

void jit_ir_free(jit_ir *ir)
{
    free(ir->ins);
    free(ir->cold);
    free(ir->op_sync);
    memset(ir, 0, sizeof *ir);
}

/* ---- the code cache ---- */

/* The block cache is about to free the blocks of [lo, hi) (eng_cache's
 * dropping hook): jumps linked into their code from the blocks that stay
 * go back to their exit stubs, and the links of both go.  Their code
 * stays where it is, unreachable, until the next flush of the code cache
 * (the bump allocator frees nothing on its own). */
static void jit_dropping(void *arg, uint64_t lo, uint64_t hi)
{
    eng_vcpu *v = arg;
    eng_jit *j = v->jit;
    size_t keep = 0;
    for (size_t i = 0; i < j->nlinks; i++) {
        const struct jit_link *l = &j->links[i];
        int from_dies = eng_block_overlaps(l->from, lo, hi), to_dies = eng_block_overlaps(l->to, lo, hi);
        if (to_dies && !from_dies) {
            const eng_jit_code *f = l->from->jit;
            (void)jit_host_patch(&j->cm, (char *)(uintptr_t)f + f->exit[l->k].site, (const char *)f + f->exit[l->k].stub);
        }
        if (!from_dies && !to_dies)
            j->links[keep++] = *l;
    }
    j->nlinks = keep;
    hjc_clear(j);   /* some of it may go into code going */
    if (lo != 0 || hi != UINT64_MAX)
        __atomic_add_fetch(&totals.unlinks, 1, __ATOMIC_RELAXED);
}

static eng_jit *jit_state(eng_vcpu *v)
{
    eng_jit *j = v->jit;
    if (!j && !(j = v->jit = calloc(1, sizeof *j)))
        return NULL;
    v->cache.dropping = jit_dropping;
    v->cache.dropping_arg = v;
    if (!j->hjc) {
        if (!(j->hjc = malloc(sizeof *j->hjc << ENG_HJC_BITS)))
            return NULL;
        hjc_clear(j);
    }
    if (!j->cm.x) {  /* the first translation, or the first after a fork */
        char err[128];
        size_t size = v->jit_cache_size ? v->jit_cache_size : ENG_JIT_CACHE_DEFAULT;
        if (cm_init(&j->cm, size, (const void *)eng_raise, err, sizeof err) < 0)
            return NULL;
    }
    return j;
}

/* The cache is full: every block forgets its code (its first slot goes back
 * to counting runs), then the code goes.  Only this vCPU runs from its
 * cache, and it is in the loop's C code now. */
static void forget_all(eng_vcpu *v, const void *profile)
{
    eng_cache *c = &v->cache;
    for (size_t h = 0; h < ((size_t)1 << c->hash_bits); h++)
        for (eng_block *b = c->hash[h]; b; b = b->hnext)
            if (b->jit) {
                b->jit = NULL;
                b->hits = 0;
                b->insn[0].handler = profile;
            }
    /* while someone keeps a map of the code (--perfmap, --trace
     * translate), an address is not used twice when there is room */
    if (v->jit->cm.x)
        cm_flush(&v->jit->cm, v->weaver && vvm_jp_woven(v->weaver, VVM_JP_TRANSLATE));
    hjc_clear(v->jit);
    v->jit->nlinks = 0;
    v->jit->nwhere = 0;
}

void eng_jit_forget(eng_vcpu *v, const void *profile)
{
    if (!v->jit)
        return;
    forget_all(v, profile);
    __atomic_add_fetch(&totals.flushes, 1, __ATOMIC_RELAXED);
}

void eng_jit_drop(eng_vcpu *v)
{
    if (v->jit)
        eng_jit_forget(v, v->jit->profile);
}

/* With TRANSLATE advice woven: the back end records where each slot's code
 * starts (engine/jit.h), for the advice.  Returns whether it does. */
static int observe_map(const eng_vcpu *v, eng_jit *j, const eng_block *b)
{
    j->ir.slot_off = NULL;
    if (!v->weaver || !vvm_jp_woven(v->weaver, VVM_JP_TRANSLATE))
        return 0;
    if (b->n + 2u > j->mapcap) {
        uint32_t *m = realloc(j->map, (b->n + 2u) * sizeof *m);
        if (!m)
            return 0;
        j->map = m;
        j->mapcap = b->n + 2u;
    }
    memset(j->map, 0xff, (b->n + 2u) * sizeof *j->map);
    j->ir.slot_off = j->map;
    j->ir.nslot = b->n;
    return 1;
}

/* The registers translated code keeps in host registers: the ISA's
 * hot_regs at first; once ENG_JIT_HOT_AFTER blocks have been lowered, the
 * ones those blocks name most (a Go program's loops use t1, t2, s0 and s1,
 * a C program's a4, a5 and sp).  When that set differs from the one in use,
 * the code cache goes (blocks chained to each other must agree) and the
 * blocks translate again as they run.  Chosen once per vCPU. */
static void choose_hot(eng_vcpu *v, eng_jit *j, const void *profile)
{
    jit_ir *ir = &j->ir;
    const eng_isa *isa = v->isa;
    if (ir->hot_chosen || ir->nlowered++ < ENG_JIT_HOT_AFTER || !ir->regs_known)
        return;
    ir->hot_chosen = 1;
    unsigned npin = jit_host_npins(), n = 0;
    if (npin > sizeof ir->hot)
        npin = sizeof ir->hot;
    uint8_t hot[sizeof ir->hot];
    uint32_t use[64];
    memcpy(use, ir->xuse, sizeof use);
    while (n < npin) {
        unsigned best = 64;
        for (unsigned r = 0; r < ir->nx; r++)
            if ((int)r != isa->zero_reg && use[r] && (best == 64 || use[r] > use[best]))
                best = r;
        if (best == 64)
            break;
        hot[n++] = (uint8_t)best;
        use[best] = 0;
    }
    if (n < npin)   /* too little evidence */
        return;
    /* the same set (in any order) as the one in use: keep the code */
    const uint8_t *cur = ir->nhot ? ir->hot : isa->hot_regs;
    unsigned ncur = ir->nhot ? ir->nhot : isa->nhot_regs, same = 0;
    for (unsigned k = 0; k < n; k++)
        for (unsigned q = 0; q < ncur && q < npin; q++)
            same += cur[q] == hot[k];
    if (same == n)
        return;
    forget_all(v, profile);
    __atomic_add_fetch(&totals.repins, 1, __ATOMIC_RELAXED);
    memcpy(ir->hot, hot, n);
    ir->nhot = n;
}

/* The superblock of the groups the lowering took (ir->grp): their slots
 * one after the other, each knowing where its group ends; NULL when out
 * of memory. */
static eng_block *trace_of(const jit_ir *ir)
{
    unsigned n = 0;
    for (unsigned k = 0; k < ir->ngrp; k++)
        n += ir->grp[k]->n;
    eng_block *t = eng_block_new(n, 0);
    if (!t)
        return NULL;
    const eng_block *h = ir->grp[0];
    t->pc = h->pc;
    t->key = h->key;
    t->n = n;
    t->is_trace = 1;
    t->code_lo[0] = t->code_hi[0] = h->pc;
    unsigned at = 0;
    for (unsigned k = 0; k < ir->ngrp; k++) {
        const eng_block *g = ir->grp[k];
        for (unsigned s = 0; s < g->n; s++) {
            eng_insn *I = &t->insn[at + s];
            *I = g->insn[s];
            I->pcoff = (uint16_t)(g->pc + g->insn[s].pcoff - h->pc);
            I->grp_end = (uint16_t)(at + g->n);
        }
        at += g->n;
        if (g->end > t->code_hi[0])
            t->code_hi[0] = g->end;
        t->end = g->end;
    }
    return t;
}

int eng_jit_compile(eng_vcpu *v, eng_block *b, const void *profile)
{
    /* the back end lowers the flat model's accesses and the soft TLB's
     * (engine/host/x86_64/jit_x64.c, mem_lowerings) */
    if (v->mem_model != ENG_MEM_FLAT && v->mem_model != ENG_MEM_TLB)
        return -1;
    eng_jit *j = jit_state(v);
    if (!j)
        return -1;
    j->profile = profile;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    size_t used0 = 0;
    int observed = 0;
    choose_hot(v, j, profile);
    /* superblocks on the flat model (the soft TLB's blocks are checked
     * against their fetch key one page at a time), not under instruction
     * advice, which sees every instruction in the interpreter */
    j->ir.trace_ok = v->mem_model == ENG_MEM_FLAT && !(v->weaver && vvm_jp_woven(v->weaver, VVM_JP_INSN));
    const eng_block *t = b;     /* what the code is made from */
    void *code = NULL;
    for (;;) {
        if (eng_jit_lower(v, b, &j->ir) < 0) {
            if (!j->ir.trace_ok)
                return -1;
            j->ir.trace_ok = 0;
            continue;
        }
        free(b->trace);     /* an earlier translation's, or the last try's */
        b->trace = j->ir.ngrp > 1 ? trace_of(&j->ir) : NULL;
        if (j->ir.ngrp > 1 && !b->trace) {
            j->ir.trace_ok = 0;
            continue;
        }
        t = b->trace ? b->trace : b;
        j->ir.hjc = j->hjc;
        observed = observe_map(v, j, t);
        int full = 0;
        used0 = j->cm.used;
        code = jit_host_emit(v, &j->cm, t, &j->ir, &j->scratch, &full);
        if (!code && full) {
            eng_jit_forget(v, profile);
            observe_map(v, j, t);
            code = jit_host_emit(v, &j->cm, t, &j->ir, &j->scratch, &full);
        }
        if (!code && t != b) {
            /* the superblock could not be made (too many temporaries):
             * the block alone (the next try frees it) */
            j->ir.trace_ok = 0;
            continue;
        }
        if (!code)
            return -1;
        break;
    }
    if (j->nwhere == j->capwhere) {
        size_t cap = j->capwhere ? 2 * j->capwhere : 1024;
        struct jit_where *w = realloc(j->where, cap * sizeof *w);
        if (!w)
            return -1;  /* the code stays unused */
        j->where = w;
        j->capwhere = cap;
    }
    j->where[j->nwhere++] = (struct jit_where){(uintptr_t)code, t};
    if (t != b) {
        /* the block's code range covers its superblock's, so that what
         * invalidates a block of it takes this block and its code too */
        if (t->code_hi[0] > b->code_hi[0])
            b->code_hi[0] = t->code_hi[0];
        ((eng_block *)(uintptr_t)t)->jit = code;
    }
    if (observed) {
        size_t size = j->map[t->n + 1];
        vvm_jp_event ev = {.jp = VVM_JP_TRANSLATE, .machine = v->machine, .vcpu = eng_vcpu_outer(v), .pc = t->pc,
                           .n = t->n, .args = {(uint64_t)(uintptr_t)code, size, (uint64_t)(uintptr_t)t,
                                               (uint64_t)(uintptr_t)j->map, ((const eng_jit_code *)code)->entry}};
        vvm_jp_fire(v->weaver, &ev);
    }
    b->jit = code;
    j->blocks++;
    j->insns += t->n;
    size_t bytes = j->cm.used > used0 ? j->cm.used - used0 : j->cm.used;
    j->bytes += bytes;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    uint64_t ns = (uint64_t)(t1.tv_sec - t0.tv_sec) * 1000000000u + (uint64_t)t1.tv_nsec - (uint64_t)t0.tv_nsec;
    j->ns += ns;
    __atomic_add_fetch(&totals.blocks, 1, __ATOMIC_RELAXED);
    __atomic_add_fetch(&totals.insns, t->n, __ATOMIC_RELAXED);
    if (t != b)
        __atomic_add_fetch(&totals.traces, 1, __ATOMIC_RELAXED);
    __atomic_add_fetch(&totals.ns, ns, __ATOMIC_RELAXED);
    __atomic_add_fetch(&totals.bytes, bytes, __ATOMIC_RELAXED);
    if (j->cm.used - j->cm.start > totals.peak)
        totals.peak = j->cm.used - j->cm.start;  /* one vCPU's; a race only loses a maximum */
    return 0;
}

void eng_jit_fini(eng_vcpu *v)
{
    if (!v->jit)
        return;
    if (v->cache.dropping == jit_dropping) {
        v->cache.dropping = NULL;
        v->cache.dropping_arg = NULL;
    }
    cm_destroy(&v->jit->cm);
    free(v->jit->links);
    jit_ir_free(&v->jit->ir);
    jit_host_scratch_free(v->jit->scratch);
    free(v->jit->map);
    free(v->jit->where);
    free(v->jit->hjc);
    free(v->jit);
    v->jit = NULL;
}

void eng_jit_link(eng_vcpu *v, const eng_block *from, unsigned k, const eng_block *to)
{
    const eng_jit_code *f = from->jit, *t = to->jit;
    eng_jit *j = v->jit;
    if (!j || !f || !t || k >= f->nexits || f->exit[k].target != to->pc)
        return;
    /* a link that cannot be recorded is not made: it could not be undone */
    if (j->nlinks == j->linkcap) {
        size_t cap = j->linkcap ? j->linkcap * 2 : 1024;
        struct jit_link *l = realloc(j->links, cap * sizeof *l);
        if (!l)
            return;
        j->links = l;
        j->linkcap = cap;
    }
    /* past to's key check when from's validity implies to's */
    uint32_t at = v->mem_ops->link_keyed && v->mem_ops->link_keyed(v, from, to) ? t->chain_keyed : t->chain;
    if (jit_host_patch(&j->cm, (char *)(uintptr_t)from->jit + f->exit[k].site, (const char *)to->jit + at) == 0)
        j->links[j->nlinks++] = (struct jit_link){from, to, k};
}

void eng_jit_fault_at(eng_vcpu *v, uintptr_t host_pc, const void *uc)
{
    eng_jit *j = v->jit;
    if (!j || !cm_contains(&j->cm, (const void *)host_pc))
        return;
    /* the block whose code holds host_pc: the last one starting at or
     * before it (the code a fault is in runs, so its block is alive) */
    size_t l = 0, h = j->nwhere;
    while (l < h) {
        size_t m = (l + h) / 2;
        if (j->where[m].code <= host_pc)
            l = m + 1;
        else
            h = m;
    }
    if (l == 0)
        return;
    const eng_block *b = j->where[l - 1].b;
    if ((uintptr_t)b->jit != j->where[l - 1].code)
        return;
    if (uc)
        jit_host_fault_regs(v, &j->ir, b->jit, uc);
    v->cur_block = b;
    const eng_jit_code *c = b->jit;
    const eng_jit_access *a = (const eng_jit_access *)(const void *)&c->exit[c->nexits];
    uintptr_t off = host_pc - (uintptr_t)b->jit;
    unsigned lo = 0, hi = c->naccess;
    while (lo < hi) {
        unsigned m = (lo + hi) / 2;
        if (a[m].off < off)
            lo = m + 1;
        else
            hi = m;
    }
    if (lo < c->naccess && a[lo].off == off && a[lo].slot < b->nslots)
        v->cur = &b->insn[a[lo].slot];
}

void eng_jit_after_fork(eng_vcpu *v)
{
    if (!v->jit)
        return;
    /* the code cache was not inherited (MADV_DONTFORK): blocks forget
     * their translations and a new cache is made on the next one.  Nothing
     * is allocated or freed: another thread of the parent may have held an
     * allocator's lock when it forked */
    eng_jit *j = v->jit;
    if (j->cm.x) {
        eng_jit_forget(v, j->profile);
        memset(&j->cm, 0, sizeof j->cm);
        j->cm.fd = -1;
    }
}

size_t eng_jit_cache_used(const eng_vcpu *v) { return v->jit ? v->jit->cm.used - v->jit->cm.start : 0; }
