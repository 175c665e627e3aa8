/* rtl_eval: runs one decoded instruction from its runtime RTL (the slow path:
 * for instructions defined at run time, and to check the tables against the
 * interpreter; tests/engine/rtl_diff).  Each node does what the interpreter
 * body tools/isagen writes for it does: see docs/isa-format.md. */
#include <string.h>

#include "engine/rtl.h"
#include "engine/rtl_fp.h"

typedef struct ev {
    const rtl_code *c;
    const eng_insn *i;
    rtl_state *st;
    uint64_t var[256];
    rtl_outcome out;     /* set by a statement that ends the instruction */
    int done;
} ev;

static uint64_t expr(ev *e, const rtl_node *n);

static uint64_t slot(const ev *e, unsigned s) { return e->i->r[s & 3]; }

static uint64_t getx(const ev *e, unsigned s)
{
    unsigned r = (unsigned)slot(e, s);
    return r && r < 32 ? e->st->x[r] : 0;
}

static uint64_t kid(ev *e, const rtl_node *n, unsigned k) { return expr(e, rtl_kid(e->c, n, k)); }

static uint64_t helper(ev *e, const rtl_node *n)
{
    uint64_t a[16] = {0};
    for (unsigned k = 0; k < n->n && k < 16; k++)
        a[k] = kid(e, n, k);
    return e->c->helper[n->val].fn(e->st->cpu, a);
}

static int fault(ev *e, uint64_t a, unsigned size, rtl_outcome why)
{
    if (a > e->st->mem_limit - size) {
        e->st->tval = a;
        e->out = why;
        e->done = 1;
        return 1;
    }
    return 0;
}

static uint64_t load(ev *e, const rtl_node *n)
{
    uint64_t a = kid(e, n, 0);
    static const uint8_t size[] = {1, 1, 2, 2, 4, 4, 8};
    if (e->done || fault(e, a, size[n->aux], RTL_OUT_LOAD))
        return 0;
    const uint8_t *p = e->st->mem + a;
    switch (n->aux) {
    case RTL_LD_S8: { int8_t v; memcpy(&v, p, 1); return (uint64_t)(int64_t)v; }
    case RTL_LD_U8: { uint8_t v; memcpy(&v, p, 1); return v; }
    case RTL_LD_S16: { int16_t v; memcpy(&v, p, 2); return (uint64_t)(int64_t)v; }
    case RTL_LD_U16: { uint16_t v; memcpy(&v, p, 2); return v; }
    case RTL_LD_S32: { int32_t v; memcpy(&v, p, 4); return (uint64_t)(int64_t)v; }
    case RTL_LD_U32: { uint32_t v; memcpy(&v, p, 4); return v; }
    default: { uint64_t v; memcpy(&v, p, 8); return v; }
    }
}

/* the host address of an atomic access of size bytes at a, or NULL with
 * the outcome set (misaligned first, then the bound) */
static void *atomic_at(ev *e, uint64_t a, unsigned size, rtl_outcome why)
{
    if (e->done)
        return NULL;
    if (a & (size - 1)) {
        e->st->tval = a;
        e->out = RTL_OUT_MISALIGNED;
        e->done = 1;
        return NULL;
    }
    return fault(e, a, size, why) ? NULL : e->st->mem + a;
}

static uint64_t atomic(ev *e, const rtl_node *n)
{
    uint64_t a = kid(e, n, 0), v = n->n > 1 ? kid(e, n, 1) : 0;
    void *p;
    if (n->kind != RTL_AMO && !e->st->res) {
        e->out = RTL_OUT_BAD;
        e->done = 1;
        return 0;
    }
    switch ((rtl_kind)n->kind) {
    case RTL_AMO:
        p = atomic_at(e, a, eng_amo_size(n->aux), RTL_OUT_STORE);
        return p ? eng_amo(n->aux, p, v) : 0;
    case RTL_LR:
        p = atomic_at(e, a, eng_lrsc_size(n->aux), RTL_OUT_LOAD);
        return p ? eng_load_reserved(e->st->res, eng_lrsc_size(n->aux), p, a) : 0;
    default:
        p = atomic_at(e, a, eng_lrsc_size(n->aux), RTL_OUT_STORE);
        return p ? eng_store_conditional(e->st->res, eng_lrsc_size(n->aux), p, a, v) : 0;
    }
}

uint64_t rtl_apply(unsigned kind, uint64_t a, uint64_t b)
{
    switch ((rtl_kind)kind) {
    case RTL_ADD: return a + b;
    case RTL_SUB: return a - b;
    case RTL_AND: return a & b;
    case RTL_OR: return a | b;
    case RTL_XOR: return a ^ b;
    case RTL_MUL: return a * b;
    case RTL_NOT: return ~a;
    case RTL_NEG: return -a;
    case RTL_SLL: return a << (b & 63);
    case RTL_SRL: return a >> (b & 63);
    case RTL_SRA: return (uint64_t)((int64_t)a >> (b & 63));
    case RTL_MULH: return rtl_mulh(a, b);
    case RTL_MULHU: return rtl_mulhu(a, b);
    case RTL_SDIV: return rtl_sdiv(a, b);
    case RTL_UDIV: return rtl_udiv(a, b);
    case RTL_SREM: return rtl_srem(a, b);
    case RTL_UREM: return rtl_urem(a, b);
    case RTL_EQ: return a == b;
    case RTL_NE: return a != b;
    case RTL_LT: return (int64_t)a < (int64_t)b;
    case RTL_GE: return (int64_t)a >= (int64_t)b;
    case RTL_LTU: return a < b;
    case RTL_GEU: return a >= b;
    case RTL_SEXT8: return (uint64_t)(int64_t)(int8_t)a;
    case RTL_ZEXT8: return (uint8_t)a;
    case RTL_SEXT16: return (uint64_t)(int64_t)(int16_t)a;
    case RTL_ZEXT16: return (uint16_t)a;
    case RTL_SEXT32: return (uint64_t)(int64_t)(int32_t)a;
    case RTL_ZEXT32: return (uint32_t)a;
    default: return 0;
    }
}

static uint64_t expr(ev *e, const rtl_node *n)
{
    if (e->done)
        return 0;
    if (rtl_is_fp(n->kind)) {
        uint64_t a = kid(e, n, 0), b = n->n > 1 ? kid(e, n, 1) : 0, c = n->n > 2 ? kid(e, n, 2) : 0;
        return e->done ? 0 : rtl_fp_apply(n->kind, a, b, c);
    }
    if (rtl_is_operator(n->kind)) {
        uint64_t v = kid(e, n, 0);
        if (n->n == 1)
            return rtl_apply(n->kind, v, 0);
        for (unsigned k = 1; k < n->n; k++)
            v = rtl_apply(n->kind, v, kid(e, n, k));
        return v;
    }
    switch ((rtl_kind)n->kind) {
    case RTL_CONST: return n->val;
    case RTL_VAR: return e->var[n->val & 255];
    case RTL_SLOT: return slot(e, n->aux);
    case RTL_IMM: return (uint64_t)(int64_t)e->i->imm;
    case RTL_PC: return e->st->pc;
    case RTL_NEXT_PC: return e->st->pc + e->i->len;
    case RTL_RM: return e->i->aux;
    case RTL_X: return getx(e, n->aux);
    case RTL_F: return e->st->f[slot(e, n->aux) & 31];
    case RTL_F32: {
        uint64_t f = e->st->f[slot(e, n->aux) & 31];
        return (f >> 32) == 0xffffffffu ? (uint32_t)f : UINT64_C(0x7fc00000);
    }
    case RTL_IF: return kid(e, n, 0) ? kid(e, n, 1) : kid(e, n, 2);
    case RTL_FAST: return kid(e, n, 0) ? kid(e, n, 1) : kid(e, n, 2);
    case RTL_STATE: {
        uint64_t v = 0;
        uint32_t v4 = 0;
        if (n->aux < e->c->nfield && e->st->cpu) {
            const rtl_field *f = &e->c->field[n->aux];
            if (f->size == 4) {
                memcpy(&v4, (const char *)e->st->cpu + f->offset, 4);
                v = v4;
            } else {
                memcpy(&v, (const char *)e->st->cpu + f->offset, 8);
            }
        }
        return v;
    }
    case RTL_FP_FLAGS: return rtl_fp_flags();
    case RTL_LOAD: return load(e, n);
    case RTL_AMO: case RTL_LR: case RTL_SC: return atomic(e, n);
    case RTL_CALL: case RTL_PURE: return helper(e, n);
    default:
        e->out = RTL_OUT_BAD;
        e->done = 1;
        return 0;
    }
}

static void stmt(ev *e, const rtl_node *n);

static void stmts(ev *e, const rtl_node *n, unsigned from)
{
    for (unsigned k = from; k < n->n && !e->done; k++)
        stmt(e, rtl_kid(e->c, n, k));
}

static void stmt(ev *e, const rtl_node *n)
{
    rtl_state *st = e->st;
    uint64_t v, a;
    unsigned r;
    switch ((rtl_kind)n->kind) {
    case RTL_SET_X:
        v = kid(e, n, 0);
        r = (unsigned)slot(e, n->aux);
        if (!e->done && r && r < 32)
            st->x[r] = v;
        return;
    case RTL_SET_F:
        v = kid(e, n, 0);
        if (!e->done)
            st->f[slot(e, n->aux) & 31] = v;
        return;
    case RTL_SET_F32:
        v = kid(e, n, 0);
        if (!e->done)
            st->f[slot(e, n->aux) & 31] = UINT64_C(0xffffffff00000000) | (uint32_t)v;
        return;
    case RTL_STORE: {
        static const uint8_t size[] = {1, 2, 4, 8};
        a = kid(e, n, 0);
        v = kid(e, n, 1);
        if (e->done || fault(e, a, size[n->aux], RTL_OUT_STORE))
            return;
        uint8_t b1 = (uint8_t)v;
        uint16_t b2 = (uint16_t)v;
        uint32_t b4 = (uint32_t)v;
        uint8_t *p = st->mem + a;
        switch (n->aux) {
        case RTL_ST_8: memcpy(p, &b1, 1); break;
        case RTL_ST_16: memcpy(p, &b2, 2); break;
        case RTL_ST_32: memcpy(p, &b4, 4); break;
        default: memcpy(p, &v, 8); break;
        }
        return;
    }
    case RTL_JUMP:
        v = kid(e, n, 0);
        if (e->done)
            return;
        st->pc = v;
        e->out = RTL_OUT_JUMP;
        e->done = 1;
        return;
    case RTL_BRANCH:
        v = kid(e, n, 0);
        a = v ? kid(e, n, 1) : st->pc + e->i->len;
        if (e->done)
            return;
        st->pc = a;
        e->out = RTL_OUT_JUMP;
        e->done = 1;
        return;
    case RTL_TRAP:
        st->trap = n->aux;
        e->out = RTL_OUT_TRAP;
        e->done = 1;
        return;
    case RTL_END_BLOCK:
        st->pc += e->i->len;
        e->out = RTL_OUT_END;
        e->done = 1;
        return;
    case RTL_CALL: case RTL_PURE:
        (void)helper(e, n);
        return;
    case RTL_FENCE:
        v = kid(e, n, 0);
        a = kid(e, n, 1);
        if (!e->done)
            eng_fence(eng_fence_orders(v, a));
        return;
    case RTL_WHEN:
        if (kid(e, n, 0))
            stmts(e, n, 1);
        return;
    case RTL_IF_S: case RTL_FAST_S:
        v = kid(e, n, 0);
        if (!e->done)
            stmt(e, rtl_kid(e->c, n, v ? 1 : 2));
        return;
    case RTL_SET_STATE:
        v = kid(e, n, 0);
        if (!e->done && n->aux < e->c->nfield && st->cpu) {
            const rtl_field *f = &e->c->field[n->aux];
            uint32_t v4 = (uint32_t)v;
            memcpy((char *)st->cpu + f->offset, f->size == 4 ? (const void *)&v4 : (const void *)&v, f->size == 4 ? 4 : 8);
        }
        return;
    case RTL_FP_CLEAR:
        rtl_fp_clear_flags();
        return;
    case RTL_SEQ:
        stmts(e, n, 0);
        return;
    case RTL_LET:
        for (unsigned k = 0; k < n->aux && !e->done; k++) {
            const rtl_node *b = rtl_kid(e->c, n, k);
            e->var[b->val & 255] = kid(e, b, 0);
        }
        stmts(e, n, n->aux);
        return;
    default:
        e->out = RTL_OUT_BAD;
        e->done = 1;
        return;
    }
}

static rtl_outcome one(const rtl_code *c, const rtl_node *root, const eng_insn *i, rtl_state *st)
{
    ev e = {.c = c, .i = i, .st = st, .out = RTL_OUT_NEXT};
    if (root->kind == RTL_FUSED)
        return RTL_OUT_BAD;
    stmt(&e, root);
    if (!e.done)
        st->pc += i->len;
    return e.out;
}

rtl_outcome rtl_eval(const rtl_code *c, uint32_t root, const eng_insn *i, rtl_state *st)
{
    if (root >= c->nnode)
        return RTL_OUT_BAD;
    const rtl_node *n = &c->node[root];
    if (n->kind != RTL_FUSED)
        return one(c, n, i, st);
    /* a fused run: its instructions in turn, kid k on slot i[k] at its own
     * pc, as the translation tier lowers the run's slots; the first that
     * does not fall through ends the run (a trap or a fault with st->pc
     * at that instruction, as the interpreter's fused handler leaves it) */
    rtl_outcome o = RTL_OUT_NEXT;
    for (unsigned k = 0; k < n->n && o == RTL_OUT_NEXT; k++)
        o = one(c, rtl_kid(c, n, k), &i[k], st);
    return o;
}
