/* rtl_diff: runs one RISC-V instruction two ways and compares the results:
 * through the generated interpreter (rv_run with a budget of one) and
 * through its runtime RTL (engine/rtl_eval.c on build/gen/rv_rtl.inc).
 * Shared by the test tests/engine/rtl_diff.c and the libFuzzer target
 * fuzz/fuzz_rtl.c.  Every register, fflags, frm, pc, the exit (trap kind,
 * faulting address), the LR/SC reservation and the data buffer must agree.
 */
#ifndef VVM_TESTS_RTL_DIFF_H
#define VVM_TESTS_RTL_DIFF_H

#include <setjmp.h>
#include <sys/mman.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/aspace.h"
#include "core/hostfault.h"
#include "engine/rtl.h"
#include "isa/riscv/rv_cpu.h"
#include "isa/riscv/rv_disasm.h"
#include "isa/riscv/rv_fp.h"
#include "isa/riscv/rv_rtl.h"
#include "rv_gen.h"
#include "tests/engine/hart_snapshot.h"

#define RD_SPACE (UINT64_C(1) << 20)
#define RD_CODE UINT64_C(0x1000)
#define RD_DATA UINT64_C(0x10000)
#define RD_DATA_LEN UINT64_C(0x2000)

typedef struct rd_state {
    HART_SNAPSHOT_EMBED;  /* instret is not compared: the evaluator keeps none */
    uint8_t data[RD_DATA_LEN];
} rd_state;

typedef struct rd_ctx {
    vvm_aspace as;
    eng_inval inval;
    rv_cpu a, b;     /* a: the interpreter's hart; b: the evaluator's */
} rd_ctx;

static int rd_init(rd_ctx *c)
{
    memset(c, 0, sizeof *c);
    if (vvm_hostfault_install() < 0 || vvm_aspace_init(&c->as, RD_SPACE) < 0)
        return -1;
    if (vvm_aspace_map(&c->as, RD_CODE, VVM_PAGE, VVM_PROT_R | VVM_PROT_X, MAP_PRIVATE, -1, 0) < 0 ||
        vvm_aspace_map(&c->as, RD_DATA, RD_DATA_LEN, VVM_PROT_R | VVM_PROT_W, MAP_PRIVATE, -1, 0) < 0)
        return -1;
    if (rv_cpu_init(&c->a, &c->as, &c->inval, NULL) < 0 || rv_cpu_init(&c->b, &c->as, &c->inval, NULL) < 0)
        return -1;
    /* the rest of the code page: c.ebreak, so a jump into it lands on an
     * instruction (the one under test runs alone: its budget is one) */
    for (uint64_t a = RD_CODE; a < RD_CODE + VVM_PAGE; a += 2) {
        uint16_t ebreak = 0x9002;
        vvm_aspace_poke(&c->as, a, &ebreak, 2);
    }
    return 0;
}

static void rd_load(rv_cpu *cpu, const rd_state *s)
{
    hart_put(cpu, &s->hart);
    cpu->instret = 1000;
}

static void rd_save(rd_ctx *c, rv_cpu *cpu, rd_state *s)
{
    hart_get(cpu, &s->hart, &c->as, RD_DATA, s->data, RD_DATA_LEN);
    s->x[0] = 0;
}

/* The interpreter on code (len bytes at RD_CODE, then c.ebreak) for budget
 * instructions: the block cache is flushed so the new code is decoded. */
static void rd_run_interp_code(rd_ctx *c, const uint8_t *code, size_t len, int64_t budget, const rd_state *in,
                               rd_state *out)
{
    rv_cpu *cpu = &c->a;
    for (size_t k = 0; k < len + 4; k += 2) {
        uint16_t ebreak = 0x9002;
        vvm_aspace_poke(&c->as, RD_CODE + k, &ebreak, 2);
    }
    vvm_aspace_poke(&c->as, RD_CODE, code, len);
    eng_cache_flush(&cpu->cache);
    vvm_aspace_poke(&c->as, RD_DATA, in->data, RD_DATA_LEN);
    rd_load(cpu, in);
    cpu->budget = budget;
    if (budget)
        rv_run(cpu);
    cpu->budget = -1;
    /* the budget ran out after the instructions; or the block they went
     * to could not be fetched (outside the code page): they ran, and
     * cpu->pc is where they went either way; an interrupt asked for
     * (fence.i) is compared as the flag */
    if (cpu->exit == RV_EXIT_BUDGET || cpu->exit == RV_EXIT_FETCH || cpu->exit == RV_EXIT_INTERRUPT)
        cpu->exit = RV_EXIT_NONE;
    /* the same for a block that starts with an illegal encoding (a branch
     * to 0x1002, the upper half of the word under test): the loop decodes
     * the next block before it looks at the budget */
    if (cpu->exit == RV_EXIT_ILLEGAL && cpu->pc != in->pc)
        cpu->exit = RV_EXIT_NONE;
    rd_save(c, cpu, out);
}

/* One instruction word (a compressed one in its low half). */
static void rd_run_interp(rd_ctx *c, uint32_t raw, const rd_state *in, rd_state *out)
{
    rd_run_interp_code(c, (const uint8_t *)&raw, (raw & 3) == 3 ? 4 : 2, 1, in, out);
}

/* The evaluator, on the tree at root for the same decoded instruction, or
 * the run's instructions i[0..n) for a fused run's tree (with the block
 * builder's x0 sink: an integer destination x0 is slot 32, which the
 * evaluator drops as a write to x0). */
static void rd_run_rtl_root(rd_ctx *c, uint32_t root, const eng_insn *i, const rd_state *in, rd_state *out)
{
    rv_cpu *cpu = &c->b;
    vvm_aspace_poke(&c->as, RD_DATA, in->data, RD_DATA_LEN);
    rd_load(cpu, in);
    /* MXCSR this hart's: the evaluator takes the fast arms of (fast C A B)
     * whenever the rounding mode allows, and they meet the interpreter's
     * helpers (rv_fp_claim works out fp_own and fp_rne) */
    rv_fp_claim(cpu);
    cpu->cur = NULL;
    cpu->cur_block = NULL;
    /* static: the evaluator's pc is read after a helper's trap jumps back */
    static rtl_state st;
    st = (rtl_state){cpu->x, cpu->f, cpu->mem, cpu->mem_limit, in->pc, cpu, 0, 0, &cpu->res};
    vvm_fault_target *ft = vvm_hostfault_target();
    if (sigsetjmp(cpu->fault_jmp, 0) == 0) {
        ft->lo = cpu->mem;
        ft->hi = cpu->mem + cpu->mem_limit;
        ft->fn = NULL;
        ft->armed = 0;
        rtl_outcome o = rtl_eval(rv_rtl.code, root, i, &st);
        cpu->pc = st.pc;
        switch (o) {
        case RTL_OUT_TRAP:
            cpu->exit = st.trap == RTL_TRAP_ECALL ? RV_EXIT_ECALL : st.trap == RTL_TRAP_EBREAK ? RV_EXIT_EBREAK
                                                                                                : RV_EXIT_ILLEGAL;
            break;
        case RTL_OUT_LOAD: cpu->exit = RV_EXIT_LOAD; cpu->tval = st.tval; break;
        case RTL_OUT_STORE: cpu->exit = RV_EXIT_STORE; cpu->tval = st.tval; break;
        case RTL_OUT_MISALIGNED: cpu->exit = RV_EXIT_MISALIGNED; cpu->tval = st.tval; break;
        case RTL_OUT_BAD: cpu->exit = RV_EXIT_BUS; cpu->tval = 0xbad; break;
        default: break;
        }
    } else {
        /* rv_raise (a helper's trap) landed here: exit and tval set; the
         * pc is the instruction's the evaluator was at */
        cpu->pc = st.pc;
    }
    rd_save(c, cpu, out);
}

static void rd_run_rtl(rd_ctx *c, const eng_insn *i, const rd_state *in, rd_state *out)
{
    rd_run_rtl_root(c, rv_rtl.op_root[i->op], i, in, out);
}

static const uint64_t rd_ints[] = {
    0, 1, 2, 3, 7, 31, 32, 63, 64, 0x7f, 0x80, 0xff, 0x7fff, 0x8000, 0xffff, 0x7fffffff, 0x80000000, 0xffffffff,
    UINT64_C(0x100000000), UINT64_C(0x7fffffffffffffff), UINT64_C(0x8000000000000000), UINT64_MAX, UINT64_MAX - 1,
    UINT64_C(0xffffffff80000000), UINT64_C(0x123456789abcdef0), UINT64_C(0x00ff00ff00ff00ff),
};
static const uint64_t rd_fps[] = {
    0, UINT64_C(0x8000000000000000), UINT64_C(0x3ff0000000000000), UINT64_C(0xbff0000000000000),
    UINT64_C(0x7ff0000000000000), UINT64_C(0xfff0000000000000), UINT64_C(0x7ff8000000000000),
    UINT64_C(0x7ff0000000000001), UINT64_C(0x0000000000000001), UINT64_C(0x000fffffffffffff),
    UINT64_C(0x7fefffffffffffff), UINT64_C(0x4340000000000000), UINT64_C(0xc3e0000000000000),
    UINT64_C(0x41dfffffffc00000), UINT64_C(0x3fe0000000000000), UINT64_C(0x3ff8000000000000),
    UINT64_C(0x4000000000000001), UINT64_C(0x43e0000000000000),
    /* NaN-boxed singles */
    UINT64_C(0xffffffff00000000), UINT64_C(0xffffffff80000000), UINT64_C(0xffffffff3f800000),
    UINT64_C(0xffffffffbf800000), UINT64_C(0xffffffff7f800000), UINT64_C(0xffffffffff800000),
    UINT64_C(0xffffffff7fc00000), UINT64_C(0xffffffff7f800001), UINT64_C(0xffffffff00000001),
    UINT64_C(0xffffffff007fffff), UINT64_C(0xffffffff7f7fffff), UINT64_C(0xffffffff4f000000),
    UINT64_C(0xffffffffcf000000), UINT64_C(0xffffffff3fc00000), UINT64_C(0xffffffff5f000000),
    UINT64_C(0xffffffff3f000000), UINT64_C(0x000000003f800000), /* not boxed */
};

/* A small generator the caller seeds: the test with a counter, the fuzzer
 * with its input bytes. */
typedef struct rd_rng { uint64_t s; const uint8_t *in; size_t n, pos; } rd_rng;
static uint64_t rd_next(rd_rng *r)
{
    if (r->in) {
        uint64_t v = 0;
        for (int k = 0; k < 8; k++)
            v = v << 8 | (r->pos < r->n ? r->in[r->pos++] : 0);
        return v;
    }
    r->s ^= r->s << 13;
    r->s ^= r->s >> 7;
    r->s ^= r->s << 17;
    return r->s * UINT64_C(0x2545f4914f6cdd1d);
}
/* The ops' encodings (fixed bits, length) and the fused runs, from the
 * generated tables. */
static const struct { uint32_t mask, match; int len; } rd_enc[] __attribute__((unused)) = {
#define X(c, name, flags, h, mask, match, len) {mask, match, len},
    RV_OP_LIST(X)
#undef X
};
static const struct { unsigned n; unsigned op[4]; } rd_fuse[] __attribute__((unused)) = {
#define X(name, n, a, b, c, d) {n, {a, b, c, d}},
    RV_FUSE_LIST(X)
#undef X
};

/* A random word with op's fixed bits (one that may decode to another op). */
static uint32_t rd_random_word(rd_rng *r, unsigned op)
{
    uint32_t w = rd_enc[op].match | ((uint32_t)rd_next(r) & ~rd_enc[op].mask);
    return rd_enc[op].len == 2 ? w & 0xffff : w;
}

static uint64_t rd_value(rd_rng *r, const uint64_t *pool, size_t n)
{
    uint64_t v = rd_next(r);
    switch (v & 3) {
    case 0: return rd_next(r);
    case 1: return pool[(v >> 8) % n] + ((v >> 40) & 1 ? 1 : 0) * ((v >> 41) & 1 ? 1 : (uint64_t)-1);
    default: return pool[(v >> 8) % n];
    }
}

static int rd_is_mem(const eng_insn *i)
{
    const char *n = rv_ops[i->op].name;
    return (rv_ops[i->op].flags & (RV_OPF_LOAD | RV_OPF_STORE)) || !strncmp(n, "amo", 3) || !strncmp(n, "lr.", 3) ||
           !strncmp(n, "sc.", 3) || !strncmp(n, "c.f", 3);
}

/* A random starting state for instruction i: registers from the pools, FP
 * state with every rounding mode (and the reserved ones), and for a memory
 * access a base register that puts the address in the data buffer, or past
 * the end of the address space. */
static void rd_random_state(rd_rng *r, const eng_insn *i, rd_state *s)
{
    memset(s, 0, sizeof *s);
    for (int k = 1; k < 32; k++)
        s->x[k] = rd_value(r, rd_ints, sizeof rd_ints / sizeof rd_ints[0]);
    for (int k = 0; k < 32; k++)
        s->f[k] = rd_value(r, rd_fps, sizeof rd_fps / sizeof rd_fps[0]);
    uint64_t v = rd_next(r);
    s->fflags = (uint32_t)(v & 31);
    s->frm = (uint32_t)((v >> 5) & 15) < 12 ? (uint32_t)((v >> 5) & 15) % 5 : (uint32_t)((v >> 5) & 7);
    s->pc = RD_CODE;
    for (size_t k = 0; k < RD_DATA_LEN; k += 8) {
        uint64_t w = rd_value(r, rd_fps, sizeof rd_fps / sizeof rd_fps[0]);
        memcpy(s->data + k, &w, 8);
    }
    if (rd_is_mem(i) && i->r[1]) {
        uint64_t off = rd_next(r) % (RD_DATA_LEN - 8);
        if ((v >> 9 & 7) < 5)
            off &= ~(uint64_t)7;  /* mostly aligned: AMOs, LR and SC do their work */
        uint64_t imm = (rv_ops[i->op].flags & (RV_OPF_LOAD | RV_OPF_STORE)) ? (uint64_t)(int64_t)i->imm : 0;
        s->x[i->r[1]] = (v >> 12 & 15) == 0 ? UINT64_MAX - (v >> 16 & 0xff) - imm : RD_DATA + off - imm;
        s->res_valid = (int)(v >> 20 & 1);
        s->res_addr = RD_DATA + off;
        memcpy(&s->res_val, s->data + off, 8);
    }
}

/* Nonzero when an address register of a memory access is x0 (or its address
 * is otherwise outside the buffer and inside the space, where the
 * interpreter takes a host fault the evaluator has no handler for). */
static int rd_skip(const eng_insn *i, const rd_state *s)
{
    if (!rd_is_mem(i))
        return 0;
    if (!i->r[1])
        return 1;
    uint64_t imm = (rv_ops[i->op].flags & (RV_OPF_LOAD | RV_OPF_STORE)) ? (uint64_t)(int64_t)i->imm : 0;
    uint64_t a = s->x[i->r[1]] + imm;
    return a < RV_SINK || (a < RD_SPACE && (a < RD_DATA || a + 8 > RD_DATA + RD_DATA_LEN));
}

static const char *rd_exit_name(rv_exit e) { return e == RV_EXIT_NONE ? "none" : rv_exit_name(e); }

/* Compares; on a difference prints the instruction and every field that
 * differs, and returns 1. */
static int rd_compare(uint32_t raw, const rd_state *in, const rd_state *a, const rd_state *b)
{
    char dis[128] = "";
    int bad = 0;
    rv_disasm(in->pc, raw, dis, sizeof dis);
#define RD_DIFF(fmt, ...)                                                                \
    do {                                                                                 \
        if (!bad++)                                                                      \
            fprintf(stderr, "rtl_diff: %08x  %s: interpreter and RTL differ\n", raw, dis); \
        fprintf(stderr, "  " fmt "\n", __VA_ARGS__);                                     \
    } while (0)
    for (int k = 0; k < 32; k++)
        if (a->x[k] != b->x[k])
            RD_DIFF("x%d: %#llx (was %#llx) vs %#llx", k, (unsigned long long)a->x[k], (unsigned long long)in->x[k],
                    (unsigned long long)b->x[k]);
    for (int k = 0; k < 32; k++)
        if (a->f[k] != b->f[k])
            RD_DIFF("f%d: %#llx (was %#llx) vs %#llx", k, (unsigned long long)a->f[k], (unsigned long long)in->f[k],
                    (unsigned long long)b->f[k]);
    if (a->fflags != b->fflags)
        RD_DIFF("fflags: %#x (was %#x, frm %u) vs %#x", a->fflags, in->fflags, in->frm, b->fflags);
    if (a->frm != b->frm)
        RD_DIFF("frm: %u vs %u", a->frm, b->frm);
    if (a->exit != b->exit)
        RD_DIFF("exit: %s vs %s", rd_exit_name(a->exit), rd_exit_name(b->exit));
    else if (a->exit != RV_EXIT_NONE && a->exit != RV_EXIT_ECALL && a->exit != RV_EXIT_EBREAK && a->tval != b->tval)
        RD_DIFF("tval: %#llx vs %#llx", (unsigned long long)a->tval, (unsigned long long)b->tval);
    if (a->pc != b->pc)
        RD_DIFF("pc: %#llx vs %#llx", (unsigned long long)a->pc, (unsigned long long)b->pc);
    if (a->res_valid != b->res_valid || (a->res_valid && (a->res_addr != b->res_addr || a->res_val != b->res_val)))
        RD_DIFF("reservation: %d %#llx vs %d %#llx", a->res_valid, (unsigned long long)a->res_addr, b->res_valid,
                (unsigned long long)b->res_addr);
    if (a->interrupt != b->interrupt)
        RD_DIFF("interrupt: %d vs %d", a->interrupt, b->interrupt);
    for (size_t k = 0; k < RD_DATA_LEN; k++)
        if (a->data[k] != b->data[k]) {
            RD_DIFF("memory at %#llx: %02x vs %02x", (unsigned long long)(RD_DATA + k), a->data[k], b->data[k]);
            break;
        }
#undef RD_DIFF
    return bad != 0;
}

/* One instruction word from a state: decode, run both ways, compare.
 * Returns -1 when the word is not an instruction or its case is skipped,
 * -2 for a read of the time CSR (not the same twice), else the comparison's
 * result. */
static int rd_check_word(rd_ctx *c, uint32_t raw, rd_rng *r, rd_state *st)
{
    eng_insn i;
    static rd_state a, b;
    if (!rv_decode(raw, &i))
        return -1;
    if ((raw & 0x707f) != 0x73 && (raw & 0x7f) == 0x73 && (raw >> 20) == 0xc01)
        return -2;  /* time: it moves between the two runs */
    rd_random_state(r, &i, st);
    if (rd_skip(&i, st))
        return -1;
    rd_run_interp(c, raw, st, &a);
    if ((rv_ops[i.op].flags & RV_OPF_WRITES_X) && i.r[0] == 0)
        i.r[0] = RV_SINK;
    rd_run_rtl(c, &i, st, &b);
    return rd_compare(raw, st, &a, &b);
}

#endif
