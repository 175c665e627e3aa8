/* engine/host/x86_64: the translation tier's back end -- a block's IR
 * (engine/jit.h) to x86-64 through the encoder (x64.h).
 *
 * The translated block is a System V function int f(void *cpu):
 *   rbx    the ISA's vCPU (guest registers at their descriptor offsets)
 *   r12    host address of guest address 0 (the flat memory model), or
 *          the TLB set of the vCPU's data privilege (the soft TLB's
 *          eng_mmu.cur, loaded again after helpers that may change it)
 *   r15    a frame: 16 helper argument words, the flat model's limit - 8,
 *          the return-address stack's limit, then the block's temporaries
 *   rsp    the return-address stack, below the frame (below)
 *   rax, rcx, rdx   scratch
 *   rbp, r13, r14, rsi, rdi, r8-r11   pinned guest registers (below)
 * Guest memory is reached by the memory model's lowering (flat: the bound
 * check the interpreter's GUARD makes, then [r12 + address], a bound
 * failure calling eng_raise from a stub after the block's code; soft TLB:
 * the interpreter's TLB probe in line, a miss calling its slow path from a
 * stub after the block).
 *
 * Pinned guest registers: the ISA's hottest registers (eng_isa.hot_regs)
 * live in nine host registers (with the instret count), the same ones at
 * every block's entry and exits, so that blocks chained to each other pass
 * them along.  Their vCPU fields are stale while
 * translated code runs: the entry from the loop loads them, and everything
 * that leaves translated code or lets other code see the vCPU writes them
 * back first -- the epilogue (every exit to the loop), helper calls (a
 * helper may raise), the raising stubs.  A host fault in translated code
 * happens at a guest access, with every pinned register in its host
 * register: jit_host_fault_regs copies them from the signal context.
 * Inside a block, a pinned register the block does not name may hold a
 * busy guest register of the block's instead (scan_ir: the block's swaps,
 * undone on every way out, recorded after the access table for the fault
 * handler).
 *
 * The return-address stack: a guest call (a jump that writes one of the
 * ISA's link registers, eng_isa.link_regs) pushes the guest return address
 * and makes a host call, whose return address is a direct exit to that
 * guest address; a guest return (a jump through a link register) compares
 * its target with the guest address on top and, when they agree, is a host
 * `ret`, which the host's own return predictor gets right where the jump
 * cache's indirect jump would not.  When they differ (longjmp, a goroutine
 * switch, a stack overflowed or emptied) the stack is emptied and the jump
 * cache goes on.  Entries are 16 bytes (rsp stays 16-aligned at calls);
 * below the frame, a sentinel whose guest address no target has (odd) ends
 * the stack.  Leaving translated code empties it, so that what it holds is
 * always code that is alive (translations go only in the loop). */
#define FB X64_R15
#define RAS_DEPTH 64
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "engine/host/x86_64/x64.h"
#include "engine/jit.h"
#include "engine/mem_flat.h"
#include "engine/mmu.h"
#include "engine/rtl_fp.h"

#define ARGS 16
/* Every translated block has the same frame, so that blocks jump into each
 * other: helper arguments, the memory limit, then at most MAX_TMP
 * temporaries.  Six pushes and the return address: the frame is 8 mod 16,
 * so that rsp is 16-aligned at calls. */
#define MAX_TMP 1024
#define LIMIT_OFF (8 * ARGS)
#define RASLIM_OFF (8 * (ARGS + 1))
#define FLAGS_OFF (8 * (ARGS + 2))   /* the host's FP flags as last read (fpflags_known) */
#define TMP_OFF (8 * (ARGS + 3))
#define FRAME (((TMP_OFF + 8 * MAX_TMP + 15) & ~15) + 8)

/* the host registers that hold pinned guest registers; the first NPIN_KEPT
 * survive calls (callee-saved) */
#define NPIN 9
#define NPIN_KEPT 3
static const x64_reg pin_host[NPIN] = {X64_RBP, X64_R13, X64_R14, X64_RSI, X64_RDI,
                                       X64_R8,  X64_R9,  X64_R10, X64_R11};
#if defined(__linux__)
#include <ucontext.h>
static const int pin_greg[NPIN] = {REG_RBP, REG_R13, REG_R14, REG_RSI, REG_RDI,
                                   REG_R8,  REG_R9,  REG_R10, REG_R11};
#endif

/* The vCPU fields pinned, in pin_host's order: the ISA's hot 8-byte
 * integer registers (never the zero register), then the instret count,
 * which every block entry adds to (in memory, that add would chain each
 * block to the one before through a store and a load).  Returns how many. */
static unsigned pin_offsets(const eng_isa *isa, const jit_ir *ir, int32_t off[NPIN])
{
    unsigned n = 0;
    const uint8_t *hot = ir->nhot ? ir->hot : isa->hot_regs;
    unsigned nhot = ir->nhot ? ir->nhot : isa->nhot_regs;
    for (unsigned k = 0; k < nhot && n < NPIN - 1; k++) {
        unsigned r = hot[k];
        if (r >= isa->nregs || (int)r == isa->zero_reg)
            continue;
        const eng_reg *g = &isa->regs[r];
        if (g->kind == ENG_REG_INT && g->size == 8)
            off[n++] = g->offset;
    }
    off[n++] = (int32_t)(isa->vcpu_offset + offsetof(eng_vcpu, instret));
    return n;
}

/* A division whose divisor is cached with its reciprocal (div_cached): the
 * labels of its site data, its cold path, the hot path the cold one comes
 * back to, and the end; rem: the remainder is wanted; sgn: signed. */
struct divsite { uint32_t site, cold, hot, done; uint8_t rem, sgn; };
#define MAX_DIVS 16
/* the site data: the divisor (its magnitude never 0 or 1), the multiplier
 * and the shift for its magnitude, how many times the site has been
 * refilled, the magnitude */
#define DIV_D 0
#define DIV_M 8
#define DIV_SH 16
#define DIV_MISSES 24
#define DIV_ABS 32
#define DIV_SIZE 40
#define DIV_MAX_MISSES 64
/* helper argument words the division keeps values in (no helper has this
 * many arguments, so none is in use across a division) */
#define DIV_SAVE (8 * (ARGS - 3))

/* a raising stub after the block: the bound check's (the address in reg;
 * size 0: raise at once, as a misaligned atomic does) */
struct stub { uint32_t label; eng_exit why; uint16_t slot; uint32_t back; unsigned size; x64_reg reg; };
/* a helper argument word an atomic keeps its operand in (no helper call is
 * in progress during one) */
#define AMO_SAVE (8 * (ARGS - 4))
/* a host FP operator's NaN result (computed again by rtl_fp_call, the
 * operands in xmm0-2 or still in memory), or an operand that is not a
 * NaN-boxed single (unbox: 1 + the xmm register that gets the NaN) */
#define NXC 12   /* xmm4-xmm15 keep copies of FP registers (below) */
struct fpstub {
    uint32_t label, back;
    uint8_t kind, unbox, single;
    uint8_t in_mem[3], reg[3];
    x64_mem m[3];
    int32_t xc[NXC];            /* the copies the stub's call must keep */
};
/* the soft TLB's miss path after the block (tlb_load, tlb_store,
 * tlb_atomic_at): the slow path called with the vCPU exact, then back */
enum { TS_LOAD, TS_STORE, TS_ATOMIC };
struct tlbstub {
    uint32_t label, back;
    uint16_t slot;
    uint8_t op, n, sign, acc;
    x64_reg to, vreg;       /* a load's destination; a store's pinned value */
    x64_reg areg;           /* where the address is (rax, or its pinned register) */
    jit_opnd val;           /* a store's value when not pinned */
    int32_t xc[NXC];        /* the FP copies to load again after the call */
};
/* helper argument words an atomic's miss path keeps rcx and rdx in */
#define TLB_SAVE_RCX (8 * (ARGS - 2))
#define TLB_SAVE_RDX (8 * (ARGS - 1))
/* a direct exit; out: its jump is reached after the block, from a
 * conditional jump to label `swap`, through the swaps back (swaps_out) */
struct dexit { uint32_t stub; uint32_t site; uint64_t target; uint8_t slot, out; uint32_t swap; };

/* A block's register swap: pinned host register pin_host[k], whose guest
 * register the block never names, holds the block's busy guest register at
 * vCPU offset off instead (the back end's per-block choice, below). */
typedef struct jit_swap { uint16_t k, wr; int32_t off; } jit_swap;   /* wr: the block writes it */
/* a guest register named this often in a block is worth a swap: two moves
 * in at its entry and one or two out at the exit taken, against a load or
 * a store at each use */
#define SWAP_MIN_USES 4

struct jit_host_scratch {
    int64_t *cb_labels;         /* the code buffer's tables */
    uint32_t cb_labcap;
    cb_fixup *cb_fix;
    uint32_t cb_fixcap;
    uint32_t *labels;
    struct stub *stubs;
    struct fpstub *fpstubs;
    struct tlbstub *tlbstubs;
    int32_t (*xc_snap)[NXC];
    uint8_t *flags_snap;
    struct dexit *exits;
    eng_jit_access *acc;
    uint16_t *uses;
    size_t nlabel, n, ntmp;     /* what the arrays hold */
    /* the code every block shares, at the start of the cache (emitted
     * again after a flush): enter, leave, raise (see emit_shared) */
    const uint8_t *sh_cache;    /* the cache (executable view) they are in */
    uint64_t sh_flushes;        /* its flush count then */
    const void *sh_enter, *sh_leave, *sh_raise;
    unsigned features;          /* x64_cpu_features, less what VVM_JIT_NO_FMA takes away */
    int features_known;
};

void jit_host_scratch_free(jit_host_scratch *s)
{
    if (!s)
        return;
    free(s->cb_labels);
    free(s->cb_fix);
    free(s->labels);
    free(s->stubs);
    free(s->fpstubs);
    free(s->tlbstubs);
    free(s->xc_snap);
    free(s->flags_snap);
    free(s->exits);
    free(s->acc);
    free(s->uses);
    free(s);
}

static int grow(void **p, size_t *have, size_t want, size_t each)
{
    if (want <= *have)
        return 0;
    size_t n = *have ? *have : 64;
    while (n < want)
        n *= 2;
    void *q = realloc(*p, n * each);
    if (!q)
        return -1;
    *p = q;
    *have = n;
    return 0;
}

/* The arrays for a block of this IR; -1 when out of memory. */
static int scratch_fit(jit_host_scratch *s, const jit_ir *ir)
{
    size_t n = ir->n + 1, hn = s->n, ht = s->ntmp, hl = s->nlabel;
    size_t hl2 = s->nlabel;
    if (grow((void **)&s->xc_snap, &hl2, ir->nlabel + 1, sizeof *s->xc_snap) < 0)
        return -1;
    hl2 = s->nlabel;
    if (grow((void **)&s->flags_snap, &hl2, ir->nlabel + 1, sizeof *s->flags_snap) < 0)
        return -1;
    if (grow((void **)&s->labels, &hl, ir->nlabel + 1, sizeof *s->labels) < 0 ||
        grow((void **)&s->uses, &ht, ir->ntmp + 1, sizeof *s->uses) < 0)
        return -1;
    s->nlabel = hl;
    s->ntmp = ht;
    if (n > hn) {
        /* an atomic makes two stubs and two accesses: those hold 2 * s->n */
        size_t k = hn;
        if (grow((void **)&s->fpstubs, &k, n, sizeof *s->fpstubs) < 0)
            return -1;
        k = hn;
        if (grow((void **)&s->tlbstubs, &k, n, sizeof *s->tlbstubs) < 0)
            return -1;
        k = hn;
        if (grow((void **)&s->exits, &k, n, sizeof *s->exits) < 0)
            return -1;
        size_t k2 = 2 * hn;
        if (grow((void **)&s->stubs, &k2, 2 * k, sizeof *s->stubs) < 0)
            return -1;
        k2 = 2 * hn;
        if (grow((void **)&s->acc, &k2, 2 * k, sizeof *s->acc) < 0)
            return -1;
        s->n = k;
    }
    return 0;
}

typedef struct emitter {
    codebuf *cb;
    const eng_vcpu *v;
    const eng_block *b;
    int32_t voff;           /* the eng_vcpu inside the ISA's vCPU */
    uint32_t *labels;       /* IR label -> buffer label */
    uint32_t epilogue;
    struct stub *stubs;
    unsigned nstubs;
    struct fpstub *fpstubs;
    unsigned nfpstubs;
    struct tlbstub *tlbstubs;
    unsigned ntlbstubs;
    unsigned features;
    /* FP registers copied in xmm4-15: xc[k] the vCPU field xmm(4+k) holds
     * (the field itself is always written too), or -1; xc_busy: those the
     * FP instruction being emitted reads; xc_snap: the copies at each join
     * label, which the out-of-line arm's jump back loads again */
    int32_t xc[NXC];
    unsigned xc_next, xc_busy;
    int32_t (*xc_snap)[NXC];
    /* The host's FP exception flags (MXCSR, as RTL_FP_FLAGS gives them)
     * read once are kept in the frame (FLAGS_OFF) while nothing can have
     * changed them: a second read takes them from there.  RISC-V's quiet
     * comparison, frflags t; flt.d; fsflags t, then reads MXCSR once, not
     * twice; a read waits for every FP operation before it (a sqrt, a
     * divide), which on some hosts costs more than the rest of the loop.
     * Known only along straight code: a label not a join forgets it, a
     * helper call or an FP operation forgets it, a comparison of a NaN
     * (the only one that raises a flag) reads it again; flags_snap: at each
     * join, whether it was known there (the out-of-line arm, which calls a
     * helper, reads it again before it jumps back). */
    int fpflags_known;
    uint8_t *flags_snap;
    /* a temporary whose one use is the next instruction's first operand
     * stays in rax: put() skips its store and get() its load */
    uint16_t *uses;
    int32_t in_rax;         /* that temporary, or -1 */
    /* the vCPU field the previous instruction's last act stored from rax
     * (a guest register), which rax still holds, or -1 */
    int32_t rax_cpu, rax_cpu_next;
    /* the vCPU field (not pinned) a computation left in rax and has not
     * stored yet, or -1: the next instruction stores it first, unless it
     * computes the same field from it (the store would be dead) */
    int32_t pend;
    int keep;               /* the instruction being emitted may leave its result in rax */
    struct dexit *exits;
    unsigned nexits;
    int64_t jz_label;       /* a compare whose result only the next JZ uses: its label, else -1 */
    /* that JZ's, or the JZ being emitted's, way out when its condition
     * holds (see jz_exit_of), else NULL */
    const jit_ins *jz_exit;
    eng_jit_access *acc;    /* where each guest access is, for the fault handler */
    unsigned nacc;
    int32_t pin_off[NPIN];  /* the vCPU field pinned in pin_host[k] */
    unsigned npin;
    /* the block's swaps, and the map without them (every block's at its
     * entry and exits): pin_off is pin_loc inside the block's body, and
     * pin_glob in the code that leaves it */
    jit_swap swap[NPIN];
    unsigned nswap;
    int32_t pin_glob[NPIN], pin_loc[NPIN];
    uint32_t raise_tail;    /* eng_raise(why in ecx, tval in rdx), pinned registers written back */
    struct divsite divs[MAX_DIVS];  /* divisions by a cached divisor (div_cached) */
    unsigned ndiv;
    int64_t wdelta;         /* the code cache's writable view minus its executable one */
} emitter;

/* ---- pinned guest registers ---- */

/* the host register pinning vCPU field off, or X64_NOREG */
static x64_reg pinned(const emitter *e, int32_t off)
{
    for (unsigned k = 0; k < e->npin; k++)
        if (e->pin_off[k] == off)
            return pin_host[k];
    return X64_NOREG;
}

/* writes pinned registers from..npin-1 back to the vCPU, or loads them */
static void pins_store(emitter *e, unsigned from)
{
    for (unsigned k = from; k < e->npin; k++)
        x64_store(e->cb, 8, x64_m(X64_RBX, e->pin_off[k]), pin_host[k]);
}
static void pins_load(emitter *e, unsigned from)
{
    for (unsigned k = from; k < e->npin; k++)
        x64_load(e->cb, 8, pin_host[k], x64_m(X64_RBX, e->pin_off[k]));
}

/* The block's swaps: the guest registers it uses most that no pinned
 * register holds go into the host registers of pinned registers it never
 * names (never the instret count's).  A use counts SWAP_W before the
 * block's first exit and half as much after each exit on its way (a
 * superblock's later groups, a loop's back edge taken out of it: what the
 * way out of a hot exit would pay for); out-of-line code does not count.
 * Whatever the counts, the code is right: a pinned register swapped out is
 * current in the vCPU (swaps_in stores it), and an access to it goes there. */
#define SWAP_W 64
/* the integer register at vCPU offset off, or -1 (scan_ir checked that
 * they are 8 bytes apart from xoff[0]) */
static int xreg_at(const jit_ir *ir, int32_t off)
{
    int32_t d = off - ir->xoff[0];
    return d >= 0 && d % 8 == 0 && d / 8 < (int32_t)ir->nx ? (int)(d / 8) : -1;
}
/* One pass over the IR: how often each temporary is read (e->uses), and
 * the block's swaps. */
static void scan_ir(emitter *e, const jit_ir *ir)
{
    memcpy(e->pin_glob, e->pin_off, sizeof e->pin_off);
    memcpy(e->pin_loc, e->pin_off, sizeof e->pin_off);
    e->nswap = 0;
    /* a register's number from its vCPU offset: the integer registers are
     * 8 bytes apart from xoff[0] (else no swaps) */
    int swaps = ir->regs_known && ir->nx && ir->nx <= 32 && e->npin >= 2;
    int32_t base = ir->nx ? ir->xoff[0] : 0;
    for (unsigned r = 0; swaps && r < ir->nx; r++)
        if (ir->xoff[r] != base + 8 * (int32_t)r)
            swaps = 0;
    uint32_t w[32] = {0}, named = 0, wr = 0;
    unsigned weight = SWAP_W;
    uint16_t *uses = e->uses;
    for (unsigned q = 0; q < ir->n; q++) {
        const jit_ins *i = &ir->ins[q];
        const jit_opnd *o[4] = {&i->a, &i->b, &i->c, &i->d};
        for (unsigned k = 0; k < 4; k++) {
            if (o[k]->kind == JO_TMP && k < 3 && uses[o[k]->n] < UINT16_MAX)
                uses[o[k]->n]++;
            if (o[k]->kind != JO_CPU || !swaps)
                continue;
            int r = xreg_at(ir, (int32_t)o[k]->n);
            if (r < 0)
                continue;
            named |= 1u << r;
            if (k == 3)
                wr |= 1u << r;
            if (q < ir->cold_at)
                w[r] += weight;
        }
        if (i->op == JI_EXIT && weight > 1)
            weight /= 2;
    }
    if (!swaps)
        return;
    unsigned nfree = 0, fr[NPIN];
    for (unsigned k = 0; k + 1 < e->npin; k++) {
        int r = xreg_at(ir, e->pin_off[k]);
        if (r < 0)
            continue;
        w[r] = 0;   /* pinned already */
        if (!(named >> r & 1))
            fr[nfree++] = k;
    }
    while (e->nswap < nfree) {
        unsigned best = 64;
        for (unsigned r = 0; r < ir->nx; r++)
            if (w[r] >= SWAP_MIN_USES * SWAP_W && (best == 64 || w[r] > w[best]))
                best = r;
        if (best == 64)
            break;
        w[best] = 0;
        unsigned k = fr[e->nswap];
        e->swap[e->nswap] = (jit_swap){(uint16_t)k, (uint16_t)(wr >> best & 1), ir->xoff[best]};
        e->pin_off[k] = ir->xoff[best];
        e->nswap++;
    }
    memcpy(e->pin_loc, e->pin_off, sizeof e->pin_off);
}

/* at the block's body: the pinned registers swapped out to the vCPU, the
 * block's own in */
static void swaps_in(emitter *e)
{
    for (unsigned s = 0; s < e->nswap; s++) {
        x64_reg h = pin_host[e->swap[s].k];
        x64_store(e->cb, 8, x64_m(X64_RBX, e->pin_glob[e->swap[s].k]), h);
        x64_load(e->cb, 8, h, x64_m(X64_RBX, e->swap[s].off));
    }
}

/* on the way out: the block's registers back to the vCPU (those it
 * wrote), the pinned ones back in; what is emitted after it (up to
 * swaps_resume) sees the map of every block's entry */
static void swaps_out(emitter *e)
{
    for (unsigned s = 0; s < e->nswap; s++) {
        x64_reg h = pin_host[e->swap[s].k];
        if (e->swap[s].wr)
            x64_store(e->cb, 8, x64_m(X64_RBX, e->swap[s].off), h);
        x64_load(e->cb, 8, h, x64_m(X64_RBX, e->pin_glob[e->swap[s].k]));
    }
    memcpy(e->pin_off, e->pin_glob, sizeof e->pin_off);
}
static void swaps_resume(emitter *e) { memcpy(e->pin_off, e->pin_loc, sizeof e->pin_off); }

static x64_mem tmp_mem(unsigned n) { return x64_m(FB, (int32_t)(TMP_OFF + 8 * n)); }
static x64_mem eng_field(const emitter *e, size_t off) { return x64_m(X64_RBX, e->voff + (int32_t)off); }

static int fits32(uint64_t v) { return (int64_t)v == (int64_t)(int32_t)v; }

static x64_mem opnd_mem(const jit_opnd *o)
{
    return o->kind == JO_TMP ? tmp_mem(o->n) : x64_m(X64_RBX, (int32_t)o->n);
}

static void get(emitter *e, x64_reg r, const jit_opnd *o)
{
    if (o->kind == JO_TMP && (int32_t)o->n == e->in_rax) {
        if (r != X64_RAX)
            x64_mov_rr(e->cb, 8, r, X64_RAX);
        e->in_rax = -1;
        return;
    }
    if (o->kind == JO_CPU && (int32_t)o->n == e->rax_cpu) {
        if (r != X64_RAX)
            x64_mov_rr(e->cb, 8, r, X64_RAX);
        else
            e->rax_cpu = -1;
        return;
    }
    if (r == X64_RAX)
        e->rax_cpu = -1;
    x64_reg p;
    if (o->kind == JO_IMM || o->kind == JO_NONE)
        x64_mov_ri(e->cb, 8, r, o->kind == JO_IMM ? o->imm : 0);
    else if (o->kind == JO_CPU && (p = pinned(e, (int32_t)o->n)) != X64_NOREG)
        x64_mov_rr(e->cb, 8, r, p);
    else
        x64_load(e->cb, 8, r, opnd_mem(o));
}

static void put(emitter *e, const jit_opnd *d, x64_reg r)
{
    if (e->keep && r == X64_RAX && d->kind == JO_TMP) {
        e->in_rax = (int32_t)d->n;
        return;
    }
    x64_reg p;
    if (d->kind == JO_CPU && (p = pinned(e, (int32_t)d->n)) != X64_NOREG) {
        x64_mov_rr(e->cb, 8, p, r);
        return;
    }
    if (d->kind == JO_TMP || d->kind == JO_CPU)
        x64_store(e->cb, 8, opnd_mem(d), r);
    if (d->kind == JO_CPU && r == X64_RAX)
        e->rax_cpu_next = (int32_t)d->n;
}

/* rax op= b for the ALU group (add, sub, and, or, xor, cmp) */
/* acc op= b for the ALU group (add, sub, and, or, xor, cmp); acc is rax or
 * a pinned register */
static void alu(emitter *e, x64_alu op, x64_reg acc, const jit_opnd *b)
{
    if (b->kind == JO_IMM && b->imm == 0 && (op == X64_ADD || op == X64_SUB || op == X64_OR || op == X64_XOR))
        return;  /* acc is the result already (nothing reads these flags) */
    x64_reg p;
    if (b->kind == JO_IMM && b->imm == 0 && op == X64_CMP)
        x64_test_rr(e->cb, 8, acc, acc);    /* the same flags */
    else if (b->kind == JO_IMM && fits32(b->imm))
        x64_alu_ri(e->cb, op, 8, acc, (int32_t)b->imm);
    else if (b->kind == JO_CPU && (p = pinned(e, (int32_t)b->n)) != X64_NOREG)
        x64_alu_rr(e->cb, op, 8, acc, p);
    else if (b->kind == JO_CPU && (int32_t)b->n == e->rax_cpu && acc != X64_RAX)
        x64_alu_rr(e->cb, op, 8, acc, X64_RAX);     /* the field's value is in rax */
    else if (b->kind == JO_CPU && (int32_t)b->n != e->rax_cpu)
        x64_alu_rm(e->cb, op, 8, acc, opnd_mem(b));
    else if (b->kind == JO_TMP)
        x64_alu_rm(e->cb, op, 8, acc, opnd_mem(b));
    else {
        get(e, X64_RCX, b);
        x64_alu_rr(e->cb, op, 8, acc, X64_RCX);
    }
}

static int alu_op(unsigned sub, x64_alu *op)
{
    switch ((rtl_kind)sub) {
    case RTL_ADD: *op = X64_ADD; return 1;
    case RTL_SUB: *op = X64_SUB; return 1;
    case RTL_AND: *op = X64_AND; return 1;
    case RTL_OR: *op = X64_OR; return 1;
    case RTL_XOR: *op = X64_XOR; return 1;
    default: return 0;
    }
}

/* A JZ to label L followed by a direct exit and L itself (a conditional
 * branch: (jz C L) (exit TARGET) L: ...) is one patchable jcc to the exit
 * when C holds: the path on which C is false then takes no jump before
 * its own exit.  ins[k] is the JZ; returns the exit, or NULL. */
static const jit_ins *jz_exit_of(const jit_ir *ir, unsigned k)
{
    if (k + 2 >= ir->n)
        return NULL;
    const jit_ins *x = &ir->ins[k + 1], *l = &ir->ins[k + 2];
    if (x->op != JI_EXIT || x->a.kind != JO_IMM || l->op != JI_LABEL || l->label != ir->ins[k].label)
        return NULL;
    return x;
}

/* the jump of a JZ whose condition is `cc` (the value is nonzero when cc
 * holds): to its label when cc fails, or to its exit when cc holds */
static void jz_jump(emitter *e, x64_cc cc)
{
    if (e->jz_exit) {
        struct dexit *x = &e->exits[e->nexits++];
        x->stub = cb_label_new(e->cb);
        x->target = e->jz_exit->a.imm;
        x->slot = e->jz_exit->sub;
        x->out = e->nswap > 0;
        if (x->out) {
            /* the swaps go back after the block, then the exit's jump */
            x->swap = cb_label_new(e->cb);
            x64_jcc(e->cb, cc, x->swap);
        } else
            x->site = (uint32_t)x64_jcc_patchable(e->cb, cc, x->stub);
        return;
    }
    x64_jcc(e->cb, x64_cc_not(cc), (uint32_t)e->jz_label);
}

/* rax = rax / rcx or rax % rcx by a multiplication.  Dividing by the same
 * value again and again (a loop-invariant divisor, a hash table's size) is
 * common, and a 64-bit div costs several times a multiply.  Each such
 * division has a site: the divisor last seen there and the reciprocal of
 * its magnitude, after Granlund and Montgomery ("Division by invariant
 * integers using multiplication", 1994, figure 4.1): with l = ceil(log2 d)
 * and m = floor(2^64 (2^l - d) / d) + 1,
 *   t = (m n) >> 64,   n / d = (t + ((n - t) >> 1)) >> (l - 1)
 * for every unsigned 64-bit n and every d >= 2.  A signed division divides
 * the magnitudes and gives the quotient the sign of n xor d, the remainder
 * the sign of n (both truncate toward zero).  The hot path compares the
 * divisor with the site's; a different one (or one whose magnitude is 0 or
 * 1, never cached) takes the cold path after the block, which works the
 * reciprocal out (with one div) and comes back, or, for a site refilled
 * DIV_MAX_MISSES times (a divisor that keeps changing, as in Euclid's
 * algorithm), just divides.  The site's data is in the code cache, read by
 * the hot path through the executable view and written by the cold path
 * through the writable one; translations are per thread, so no other
 * thread reads it meanwhile. */
static void div_cached(emitter *e, int sgn, int rem)
{
    codebuf *cb = e->cb;
    struct divsite *d = &e->divs[e->ndiv++];
    d->site = cb_label_new(cb);
    d->cold = cb_label_new(cb);
    d->hot = cb_label_new(cb);
    d->done = cb_label_new(cb);
    d->rem = (uint8_t)rem;
    d->sgn = (uint8_t)sgn;
    x64_cmp_rm(cb, 8, X64_RCX, x64_mlabel(d->site, DIV_D));
    x64_jcc(cb, X64_NE, d->cold);
    cb_bind(cb, d->hot);
    if (sgn) {
        x64_mov_rr(cb, 8, X64_RDX, X64_RAX);
        x64_sar_ri(cb, 8, X64_RDX, 63);                     /* n < 0 ? -1 : 0 */
        x64_xor_rr(cb, 8, X64_RAX, X64_RDX);
        x64_sub_rr(cb, 8, X64_RAX, X64_RDX);                /* |n| (MIN: 2^63) */
        x64_store(cb, 8, x64_m(FB, DIV_SAVE), X64_RDX);
    }
    x64_mov_rr(cb, 8, X64_RCX, X64_RAX);                    /* n */
    x64_load(cb, 8, X64_RDX, x64_mlabel(d->site, DIV_M));
    x64_mul_r(cb, 8, X64_RDX);                              /* rdx = t */
    x64_mov_rr(cb, 8, X64_RAX, X64_RCX);
    x64_sub_rr(cb, 8, X64_RAX, X64_RDX);
    x64_shr_ri(cb, 8, X64_RAX, 1);
    x64_add_rr(cb, 8, X64_RAX, X64_RDX);
    if (rem)
        x64_mov_rr(cb, 8, X64_RDX, X64_RCX);                /* n */
    x64_load(cb, 4, X64_RCX, x64_mlabel(d->site, DIV_SH));
    x64_shr_rcl(cb, 8, X64_RAX);                            /* the quotient */
    if (rem) {
        x64_load(cb, 8, X64_RCX, x64_mlabel(d->site, DIV_ABS));
        x64_imul_rr(cb, 8, X64_RAX, X64_RCX);
        x64_sub_rr(cb, 8, X64_RDX, X64_RAX);
        x64_mov_rr(cb, 8, X64_RAX, X64_RDX);                /* the remainder */
        if (sgn) {
            x64_load(cb, 8, X64_RCX, x64_m(FB, DIV_SAVE));
            x64_xor_rr(cb, 8, X64_RAX, X64_RCX);
            x64_sub_rr(cb, 8, X64_RAX, X64_RCX);
        }
    } else if (sgn) {
        x64_load(cb, 8, X64_RCX, x64_mlabel(d->site, DIV_D));
        x64_sar_ri(cb, 8, X64_RCX, 63);
        x64_xor_rm(cb, 8, X64_RCX, x64_m(FB, DIV_SAVE));
        x64_xor_rr(cb, 8, X64_RAX, X64_RCX);
        x64_sub_rr(cb, 8, X64_RAX, X64_RCX);
    }
    cb_bind(cb, d->done);
}

/* the cold paths and the site data of the block's cached divisions */
static void div_cold(emitter *e)
{
    codebuf *cb = e->cb;
    for (unsigned k = 0; k < e->ndiv; k++) {
        const struct divsite *d = &e->divs[k];
        uint32_t zero = cb_label_new(cb), plain = cb_label_new(cb), m1 = cb_label_new(cb);
        cb_bind(cb, d->cold);                   /* rax = n, rcx = d */
        x64_test_rr(cb, 8, X64_RCX, X64_RCX);
        x64_jcc(cb, X64_E, zero);
        x64_cmp_ri(cb, 8, X64_RCX, 1);
        x64_jcc(cb, X64_E, plain);
        if (d->sgn) {
            x64_cmp_ri(cb, 8, X64_RCX, -1);
            x64_jcc(cb, X64_E, m1);
        }
        x64_cmp_mi(cb, 8, x64_mlabel(d->site, DIV_MISSES), DIV_MAX_MISSES);
        x64_jcc(cb, X64_AE, plain);
        x64_store(cb, 8, x64_m(FB, DIV_SAVE), X64_RAX);           /* n */
        x64_store(cb, 8, x64_m(FB, DIV_SAVE + 16), X64_RCX);      /* d */
        if (d->sgn) {
            x64_mov_rr(cb, 8, X64_RAX, X64_RCX);
            x64_sar_ri(cb, 8, X64_RAX, 63);
            x64_xor_rr(cb, 8, X64_RCX, X64_RAX);
            x64_sub_rr(cb, 8, X64_RCX, X64_RAX);                        /* |d| >= 2 */
        }
        x64_lea(cb, 8, X64_RAX, x64_m(X64_RCX, -1));
        x64_bsr_rr(cb, 8, X64_RAX, X64_RAX);                            /* l - 1 */
        x64_store(cb, 8, x64_m(FB, DIV_SAVE + 8), X64_RAX);
        x64_mov_rr(cb, 8, X64_RDX, X64_RCX);                            /* |d| */
        x64_mov_rr(cb, 8, X64_RCX, X64_RAX);
        x64_mov_ri(cb, 4, X64_RAX, 2);
        x64_shl_rcl(cb, 8, X64_RAX);                                    /* 2^l mod 2^64 */
        x64_mov_rr(cb, 8, X64_RCX, X64_RDX);
        x64_sub_rr(cb, 8, X64_RAX, X64_RDX);                            /* 2^l - |d| < |d| */
        x64_mov_rr(cb, 8, X64_RDX, X64_RAX);
        x64_alu_rr(cb, X64_XOR, 4, X64_RAX, X64_RAX);
        x64_div_r(cb, 8, X64_RCX);
        x64_add_ri(cb, 8, X64_RAX, 1);                                  /* m */
        /* the site, writable: rdx */
        x64_lea(cb, 8, X64_RDX, x64_mlabel(d->site, 0));
        x64_push(cb, X64_RAX);
        x64_mov_ri(cb, 8, X64_RAX, (uint64_t)e->wdelta);
        x64_add_rr(cb, 8, X64_RDX, X64_RAX);
        x64_pop(cb, X64_RAX);
        x64_store(cb, 8, x64_m(X64_RDX, DIV_M), X64_RAX);
        x64_store(cb, 8, x64_m(X64_RDX, DIV_ABS), X64_RCX);
        x64_load(cb, 8, X64_RAX, x64_m(FB, DIV_SAVE + 8));
        x64_store(cb, 8, x64_m(X64_RDX, DIV_SH), X64_RAX);
        x64_load(cb, 8, X64_RCX, x64_m(FB, DIV_SAVE + 16));
        x64_store(cb, 8, x64_m(X64_RDX, DIV_D), X64_RCX);
        x64_add_mi(cb, 8, x64_m(X64_RDX, DIV_MISSES), 1);
        x64_load(cb, 8, X64_RAX, x64_m(FB, DIV_SAVE));
        x64_jmp(cb, d->hot);
        cb_bind(cb, zero);                      /* n / 0 = all ones, n % 0 = n */
        if (!d->rem)
            x64_mov_ri(cb, 8, X64_RAX, UINT64_MAX);
        x64_jmp(cb, d->done);
        if (d->sgn) {
            cb_bind(cb, m1);                    /* n / -1 = -n (MIN stays MIN), n % -1 = 0 */
            if (d->rem)
                x64_alu_rr(cb, X64_XOR, 4, X64_RAX, X64_RAX);
            else
                x64_neg_r(cb, 8, X64_RAX);
            x64_jmp(cb, d->done);
        }
        cb_bind(cb, plain);
        if (d->sgn) {
            x64_cqo(cb, 8);
            x64_idiv_r(cb, 8, X64_RCX);
        } else {
            x64_alu_rr(cb, X64_XOR, 4, X64_RDX, X64_RDX);
            x64_div_r(cb, 8, X64_RCX);
        }
        if (d->rem)
            x64_mov_rr(cb, 8, X64_RAX, X64_RDX);
        x64_jmp(cb, d->done);
    }
    if (!e->ndiv)
        return;
    /* the data on cache lines of its own (64 bytes apart from any code),
     * so that the cold path's stores never make the host refetch code;
     * d = 2 (m = 1, l = 1) to start */
    x64_align(cb, 16);
    cb_zero(cb, 64);
    for (unsigned k = 0; k < e->ndiv; k++) {
        cb_bind(cb, e->divs[k].site);
        cb_put64(cb, 2);
        cb_put64(cb, 1);
        cb_put64(cb, 0);
        cb_put64(cb, 0);
        cb_put64(cb, 2);
    }
    cb_zero(cb, 64);
}

/* rcx = the byte offset in the jump cache (engine/jit.h, eng_hjc) of the
 * entry for the guest pc in rax */
static void hjc_offset(codebuf *cb)
{
    x64_mov_rr(cb, 4, X64_RCX, X64_RAX);
    x64_shr_ri(cb, 4, X64_RCX, 1);
    x64_and_ri(cb, 4, X64_RCX, (1 << ENG_HJC_BITS) - 1);
    x64_shl_ri(cb, 4, X64_RCX, 4);
}

static void bin(emitter *e, const jit_ins *i)
{
    codebuf *cb = e->cb;
    x64_alu op;
    x64_reg dp = i->d.kind == JO_CPU ? pinned(e, (int32_t)i->d.n) : X64_NOREG;
    if (dp != X64_NOREG && alu_op(i->sub, &op) && !(i->b.kind == JO_CPU && i->b.n == i->d.n)) {
        /* into a pinned register that b does not read: computed in place
         * (rax untouched: what it holds it still holds after) */
        if (!(i->a.kind == JO_CPU && i->a.n == i->d.n))
            get(e, dp, &i->a);
        alu(e, op, dp, &i->b);
        e->rax_cpu_next = e->rax_cpu;
        return;
    }
    if (dp != X64_NOREG && (i->sub == RTL_SLL || i->sub == RTL_SRL || i->sub == RTL_SRA) && i->b.kind == JO_IMM) {
        /* a shift by a constant into a pinned register: in place */
        x64_shift op = i->sub == RTL_SLL ? X64_SHL : i->sub == RTL_SRL ? X64_SHR : X64_SAR;
        if (!(i->a.kind == JO_CPU && i->a.n == i->d.n))
            get(e, dp, &i->a);
        if (i->b.imm & 63)
            x64_shift_ri(cb, op, 8, dp, (unsigned)(i->b.imm & 63));
        e->rax_cpu_next = e->rax_cpu;
        return;
    }
    x64_reg ap = i->a.kind == JO_CPU ? pinned(e, (int32_t)i->a.n) : X64_NOREG;
    if (ap != X64_NOREG && i->sub >= RTL_EQ && i->sub <= RTL_GEU && e->jz_label >= 0) {
        /* a compare of a pinned register that only a jump uses */
        x64_cc cc;
        switch ((rtl_kind)i->sub) {
        case RTL_EQ: cc = X64_E; break;
        case RTL_NE: cc = X64_NE; break;
        case RTL_LT: cc = X64_L; break;
        case RTL_GE: cc = X64_GE; break;
        case RTL_LTU: cc = X64_B; break;
        default: cc = X64_AE; break;
        }
        alu(e, X64_CMP, ap, &i->b);
        jz_jump(e, cc);
        return;
    }
    if (i->sub == RTL_ADD && ap != X64_NOREG && i->b.kind == JO_IMM && fits32(i->b.imm)) {
        /* a pinned register plus a constant (an address, mostly) */
        if (i->b.imm)
            x64_lea(cb, 8, X64_RAX, x64_m(ap, (int32_t)i->b.imm));
        else
            x64_mov_rr(cb, 8, X64_RAX, ap);
        e->rax_cpu = -1;
        put(e, &i->d, X64_RAX);
        return;
    }
    get(e, X64_RAX, &i->a);
    switch ((rtl_kind)i->sub) {
    case RTL_ADD: case RTL_SUB: case RTL_AND: case RTL_OR: case RTL_XOR:
        alu_op(i->sub, &op);
        alu(e, op, X64_RAX, &i->b);
        break;
    case RTL_MUL:
        get(e, X64_RCX, &i->b);
        x64_imul_rr(cb, 8, X64_RAX, X64_RCX);
        break;
    case RTL_MULH: case RTL_MULHU:
        get(e, X64_RCX, &i->b);
        if (i->sub == RTL_MULH)
            x64_imul_r(cb, 8, X64_RCX);     /* rdx:rax = rax * rcx */
        else
            x64_mul_r(cb, 8, X64_RCX);
        x64_mov_rr(cb, 8, X64_RAX, X64_RDX);
        break;
    case RTL_SDIV: case RTL_UDIV: case RTL_SREM: case RTL_UREM: {
        /* the RTL's total division (engine/rtl.h): x/0 and MIN/-1 would
         * trap on the host, so they go aside */
        int sgn = i->sub == RTL_SDIV || i->sub == RTL_SREM, rem = i->sub == RTL_SREM || i->sub == RTL_UREM;
        get(e, X64_RCX, &i->b);
        if (e->ndiv < MAX_DIVS) {
            div_cached(e, sgn, rem);
            break;
        }
        uint32_t zero = cb_label_new(cb), done = cb_label_new(cb), m1 = sgn ? cb_label_new(cb) : 0;
        x64_test_rr(cb, 8, X64_RCX, X64_RCX);
        x64_jcc(cb, X64_E, zero);
        if (sgn) {
            x64_cmp_ri(cb, 8, X64_RCX, -1);
            x64_jcc(cb, X64_E, m1);
            x64_cqo(cb, 8);
            x64_idiv_r(cb, 8, X64_RCX);
        } else {
            x64_alu_rr(cb, X64_XOR, 4, X64_RDX, X64_RDX);
            x64_div_r(cb, 8, X64_RCX);
        }
        if (rem)
            x64_mov_rr(cb, 8, X64_RAX, X64_RDX);
        x64_jmp(cb, done);
        if (sgn) {
            cb_bind(cb, m1);    /* a / -1 = -a (MIN stays MIN), a % -1 = 0 */
            if (rem)
                x64_alu_rr(cb, X64_XOR, 4, X64_RAX, X64_RAX);
            else
                x64_neg_r(cb, 8, X64_RAX);
            x64_jmp(cb, done);
        }
        cb_bind(cb, zero);      /* a / 0 = all ones, a % 0 = a */
        if (!rem)
            x64_mov_ri(cb, 8, X64_RAX, UINT64_MAX);
        cb_bind(cb, done);
        break;
    }
    case RTL_SLL: case RTL_SRL: case RTL_SRA: {
        x64_shift op = i->sub == RTL_SLL ? X64_SHL : i->sub == RTL_SRL ? X64_SHR : X64_SAR;
        if (i->b.kind == JO_IMM) {
            if (i->b.imm & 63)
                x64_shift_ri(cb, op, 8, X64_RAX, (unsigned)(i->b.imm & 63));
        } else {
            get(e, X64_RCX, &i->b);
            x64_shift_rcl(cb, op, 8, X64_RAX);   /* the count is taken modulo 64 */
        }
        break;
    }
    default: {
        x64_cc cc;
        switch ((rtl_kind)i->sub) {
        case RTL_EQ: cc = X64_E; break;
        case RTL_NE: cc = X64_NE; break;
        case RTL_LT: cc = X64_L; break;
        case RTL_GE: cc = X64_GE; break;
        case RTL_LTU: cc = X64_B; break;
        default: cc = X64_AE; break;
        }
        alu(e, X64_CMP, X64_RAX, &i->b);
        if (e->jz_label >= 0) {
            /* the only use is the next instruction's JZ: jump on the
             * opposite condition (or to the exit on this one) */
            jz_jump(e, cc);
            return;
        }
        x64_setcc(cb, cc, X64_RAX);
        x64_movzx_rr(cb, 1, X64_RAX, X64_RAX);
        break;
    }
    }
    if (i->d.kind == JO_CPU && pinned(e, (int32_t)i->d.n) == X64_NOREG && !e->keep) {
        e->pend = (int32_t)i->d.n;  /* stored by the next instruction, if it must be */
        e->rax_cpu_next = (int32_t)i->d.n;
        return;
    }
    put(e, &i->d, X64_RAX);
}

/* o is in memory now (a temporary not kept in rax, a vCPU field not pinned
 * nor in rax) */
static int opnd_in_mem(const emitter *e, const jit_opnd *o)
{
    return (o->kind == JO_TMP && (int32_t)o->n != e->in_rax) ||
           (o->kind == JO_CPU && (int32_t)o->n != e->rax_cpu && pinned(e, (int32_t)o->n) == X64_NOREG);
}

static void un(emitter *e, const jit_ins *i)
{
    codebuf *cb = e->cb;
    get(e, X64_RAX, &i->a);
    if (i->sub == RTL_F32 && opnd_in_mem(e, &i->a) && i->a.kind == JO_CPU) {
        /* (4-byte loads: a single's two halves may have been stored apart) */
        x64_mem m = opnd_mem(&i->a);
        x64_load(cb, 4, X64_RAX, m);
        x64_mov_ri(cb, 4, X64_RCX, RTL_DNAN_S);
        m.disp += 4;
        x64_cmp_mi(cb, 4, m, -1);
        x64_cmov_rr(cb, X64_NE, 4, X64_RAX, X64_RCX);
        e->rax_cpu = -1;
        put(e, &i->d, X64_RAX);
        return;
    }
    if (i->sub == RTL_F32) {
        /* the low half if the high half is all ones, else the canonical
         * single NaN; no branch */
        x64_mov_rr(cb, 8, X64_RCX, X64_RAX);
        x64_shr_ri(cb, 8, X64_RCX, 32);
        x64_mov_rr(cb, 4, X64_RAX, X64_RAX);
        x64_cmp_ri(cb, 4, X64_RCX, -1);
        x64_mov_ri(cb, 4, X64_RCX, RTL_DNAN_S);
        x64_cmov_rr(cb, X64_NE, 4, X64_RAX, X64_RCX);
        put(e, &i->d, X64_RAX);
        return;
    }
    switch ((rtl_kind)i->sub) {
    case RTL_NOT: x64_not_r(cb, 8, X64_RAX); break;
    case RTL_NEG: x64_neg_r(cb, 8, X64_RAX); break;
    case RTL_SEXT8: x64_movsx_rr(cb, 1, X64_RAX, X64_RAX); break;
    case RTL_ZEXT8: x64_movzx_rr(cb, 1, X64_RAX, X64_RAX); break;
    case RTL_SEXT16: x64_movsx_rr(cb, 2, X64_RAX, X64_RAX); break;
    case RTL_ZEXT16: x64_movzx_rr(cb, 2, X64_RAX, X64_RAX); break;
    case RTL_SEXT32: x64_movsx_rr(cb, 4, X64_RAX, X64_RAX); break;
    default: x64_mov_rr(cb, 4, X64_RAX, X64_RAX); break;  /* ZEXT32 */
    }
    put(e, &i->d, X64_RAX);
}

/* ---- host floating point (engine/rtl_fp.h says what each operator is) ---- */


/* ---- copies of FP registers in xmm4-15 (write-through: the vCPU field is
 * always written; a copy only spares a load).  Every label but a fast
 * arm's join forgets them, as does a call (XMM registers are caller-saved)
 * and any other write to the field. */

static void xc_clear(emitter *e)
{
    for (unsigned k = 0; k < NXC; k++)
        e->xc[k] = -1;
}
static int xc_find(const emitter *e, int32_t off)
{
    for (unsigned k = 0; k < NXC; k++)
        if (e->xc[k] == off)
            return (int)k;
    return -1;
}
static void xc_drop(emitter *e, int32_t off)
{
    for (unsigned k = 0; k < NXC; k++)
        if (e->xc[k] == off)
            e->xc[k] = -1;
}
/* a register for a copy of field off: a free one, else the next in turn
 * that the instruction being emitted does not read */
static x64_xmm xc_alloc(emitter *e, int32_t off)
{
    xc_drop(e, off);
    unsigned k = NXC;
    for (unsigned q = 0; q < NXC; q++)
        if (e->xc[q] < 0 && !(e->xc_busy >> q & 1)) {
            k = q;
            break;
        }
    for (unsigned n = 0; k == NXC && n < NXC; n++) {
        unsigned q = (e->xc_next + n) % NXC;
        if (!(e->xc_busy >> q & 1))
            k = q;
    }
    if (k == NXC)
        k = 0;  /* (never: an instruction reads three at most) */
    e->xc_next = (k + 1) % NXC;
    e->xc[k] = off;
    e->xc_busy |= 1u << k;
    return (x64_xmm)(4 + k);
}
/* the copies in `xc` loaded again from their fields */
static void xc_reload(emitter *e, const int32_t *xc)
{
    for (unsigned k = 0; k < NXC; k++)
        if (xc[k] >= 0)
            x64_movsd_rm(e->cb, (x64_xmm)(4 + k), x64_m(X64_RBX, xc[k]));
}

/* Where an FP operator's operand is: in xmm k (loaded), or still in memory
 * (a temporary or a vCPU field, used as the instruction's memory operand) */
typedef struct fsrc { int in_mem; x64_xmm reg; x64_mem m; } fsrc;


static struct fpstub *fpstub_new(emitter *e, unsigned kind)
{
    struct fpstub *st = &e->fpstubs[e->nfpstubs++];
    memset(st, 0, sizeof *st);
    st->label = cb_label_new(e->cb);
    st->back = cb_label_new(e->cb);
    st->kind = (uint8_t)kind;
    return st;
}

/* Operand k of i: a NaN-boxed single in an FP register (label bit k: the
 * F32 rule) is loaded into xmm k and checked (a stub puts the canonical
 * NaN there when it is not boxed); any other operand stays in memory when
 * it is there and `mem_ok`, else is loaded into xmm k. */
static fsrc fsrc_get(emitter *e, const jit_ins *i, unsigned k, int single, int mem_ok)
{
    codebuf *cb = e->cb;
    const jit_opnd *o = k == 0 ? &i->a : k == 1 ? &i->b : &i->c;
    x64_xmm x = (x64_xmm)k;
    fsrc r = {0, x, x64_m(X64_RBX, 0)};
    if ((i->label >> k & 1) && o->kind == JO_CPU && pinned(e, (int32_t)o->n) == X64_NOREG) {
        x64_mem m = opnd_mem(o);
        x64_movss_rm(cb, x, m);
        m.disp += 4;
        x64_cmp_mi(cb, 4, m, -1);
        struct fpstub *st = fpstub_new(e, 0);
        st->unbox = (uint8_t)(k + 1);
        x64_jcc(cb, X64_NE, st->label);
        cb_bind(cb, st->back);
        return r;
    }
    if (opnd_in_mem(e, o)) {
        r.m = opnd_mem(o);
        int c = o->kind == JO_CPU && !single ? xc_find(e, (int32_t)o->n) : -1;
        if (c >= 0) {
            /* a copy in an XMM register */
            e->xc_busy |= 1u << c;
            r.reg = (x64_xmm)(4 + c);
            return r;
        }
        if (mem_ok) {
            r.in_mem = 1;
            return r;
        }
        if (single) {
            x64_movss_rm(cb, x, r.m);
        } else if (o->kind == JO_CPU) {
            r.reg = xc_alloc(e, (int32_t)o->n);   /* loaded into a copy */
            x64_movsd_rm(cb, r.reg, r.m);
        } else {
            x64_movsd_rm(cb, x, r.m);
        }
        return r;
    }
    get(e, X64_RAX, o);
    x64_movq_xr(cb, 8, x, X64_RAX);
    return r;
}

/* rax = rtl_fp_call(kind; xmm0, xmm1, xmm2): the operator in C, through the
 * pure helpers' way of calling (the caller-saved pinned registers kept) */
static void fp_call(emitter *e, unsigned kind)
{
    codebuf *cb = e->cb;
    x64_movsd_mr(cb, x64_m(FB, 0), X64_XMM0);
    x64_movsd_mr(cb, x64_m(FB, 8), X64_XMM1);
    x64_movsd_mr(cb, x64_m(FB, 16), X64_XMM2);
    x64_store_i(cb, 8, x64_m(FB, 24), (int32_t)kind);
    pins_store(e, NPIN_KEPT);
    x64_mov_ri(cb, 4, X64_RDI, 0);
    x64_mov_rr(cb, 8, X64_RSI, FB);
    x64_call(cb, (const void *)rtl_fp_call, X64_RAX);
    pins_load(e, NPIN_KEPT);
}

/* d op= src (the SSE form for a register or a memory source) */
typedef void (*sse_rr_fn)(codebuf *, x64_xmm, x64_xmm);
typedef void (*sse_rm_fn)(codebuf *, x64_xmm, x64_mem);
static void sse_op(emitter *e, sse_rr_fn rr, sse_rm_fn rm, x64_xmm d, x64_xmm s, const fsrc *src)
{
    if (src->in_mem)
        rm(e->cb, d, src->m);
    else
        rr(e->cb, d, s);
}

/* d = sub(a, b, c): the operands in xmm0-2 or memory, the result made in
 * xmm3; a NaN result goes to a stub after the block, which computes the
 * operator again in C (the default NaN, fmadd's invalid for inf*0) and
 * comes back.  Label bits 0-2: operand k is a NaN-boxed single (F32);
 * bit 3: the result is NaN-boxed into d (a vCPU field). */
/* r = the host's FP flags as RTL_FP_FLAGS gives them, also kept at
 * FLAGS_OFF; t a second scratch register (flags clobbered) */
static void fpflags_read(emitter *e, x64_reg r, x64_reg t)
{
    codebuf *cb = e->cb;
    x64_mem w = x64_m(FB, 0);
    if (e->v->fp_trap) {
        /* FP traps (core/hostfault.h): the flags the vCPU's fpt.acc holds,
         * a load that waits for no FP operation; MXCSR only when an
         * underflow left them unsure (VVM_FP_DIRTY), which also unmasks
         * again what was not raised */
        x64_mem acc = eng_field(e, offsetof(eng_vcpu, fpt.acc));
        uint32_t known = cb_label_new(cb);
        x64_load(cb, 4, r, acc);
        x64_test_rr(cb, 4, r, r);
        x64_jcc(cb, X64_NS, known);
        x64_stmxcsr(cb, w);
        x64_load(cb, 4, r, w);
        x64_alu_ri(cb, X64_AND, 4, r, VVM_FP_FLAGBITS);
        x64_store(cb, 4, acc, r);
        x64_mov_rr(cb, 4, t, r);
        x64_shift_ri(cb, X64_SHL, 4, t, 7);
        x64_alu_mi(cb, X64_AND, 4, w, ~(int32_t)VVM_FP_UNMASK);
        x64_alu_mr(cb, X64_OR, 4, w, t);
        x64_ldmxcsr(cb, w);
        cb_bind(cb, known);
    } else {
        x64_stmxcsr(cb, w);
        x64_load(cb, 4, r, w);
        x64_alu_ri(cb, X64_AND, 4, r, 0x3f);
    }
    x64_mov_ri(cb, 8, t, (uint64_t)(uintptr_t)rtl_fp_mx2flags);
    x64_load(cb, 1, r, x64_mx(t, r, 1, 0));
    x64_store(cb, 4, x64_m(FB, FLAGS_OFF), r);
}

static void fp(emitter *e, const jit_ins *i)
{
    codebuf *cb = e->cb;
    unsigned kind = i->sub;
    if (kind == RTL_FP_FLAGS || kind == RTL_FP_CLEAR) {
        /* MXCSR through the frame's scratch word (the helper argument
         * area, free outside a call's arguments) */
        x64_mem w = x64_m(FB, 0);
        if (kind == RTL_FP_CLEAR) {
            x64_stmxcsr(cb, w);
            if (e->v->fp_trap) {
                /* FP traps: nothing raised, everything unmasked */
                x64_alu_mi(cb, X64_AND, 4, w, ~(int32_t)(0x3f | VVM_FP_UNMASK));
                x64_store_i(cb, 4, eng_field(e, offsetof(eng_vcpu, fpt.acc)), 0);
            } else {
                x64_alu_mi(cb, X64_AND, 4, w, ~0x3f);
            }
            x64_ldmxcsr(cb, w);
            x64_store_i(cb, 4, x64_m(FB, FLAGS_OFF), 0);
            e->fpflags_known = 1;
            return;
        }
        if (e->fpflags_known) {
            x64_load(cb, 4, X64_RAX, x64_m(FB, FLAGS_OFF));
        } else {
            fpflags_read(e, X64_RAX, X64_RCX);
            e->fpflags_known = 1;
        }
        e->rax_cpu = -1;
        if (i->d.kind == JO_CPU)
            xc_drop(e, (int32_t)i->d.n);
        put(e, &i->d, X64_RAX);
        return;
    }
    if (!(kind == RTL_FEQ_D || kind == RTL_FEQ_S || kind == RTL_FLT_D || kind == RTL_FLT_S || kind == RTL_FLE_D ||
          kind == RTL_FLE_S))
        e->fpflags_known = 0;   /* an operation that may raise a flag */
    int single = rtl_fp_single_result(kind);
    int src_single = rtl_fp_single_source(kind);
    int nan_check = 1;
    fsrc s[3] = {{0, X64_XMM0, x64_m(X64_RBX, 0)}, {0, X64_XMM1, x64_m(X64_RBX, 0)}, {0, X64_XMM2, x64_m(X64_RBX, 0)}};
    e->xc_busy = 0;
    sse_rr_fn rr = NULL;
    sse_rm_fn rm = NULL;
    switch ((rtl_kind)kind) {
    case RTL_FADD_D: rr = x64_addsd_rr; rm = x64_addsd_rm; break;
    case RTL_FSUB_D: rr = x64_subsd_rr; rm = x64_subsd_rm; break;
    case RTL_FMUL_D: rr = x64_mulsd_rr; rm = x64_mulsd_rm; break;
    case RTL_FDIV_D: rr = x64_divsd_rr; rm = x64_divsd_rm; break;
    case RTL_FADD_S: rr = x64_addss_rr; rm = x64_addss_rm; break;
    case RTL_FSUB_S: rr = x64_subss_rr; rm = x64_subss_rm; break;
    case RTL_FMUL_S: rr = x64_mulss_rr; rm = x64_mulss_rm; break;
    case RTL_FDIV_S: rr = x64_divss_rr; rm = x64_divss_rm; break;
    case RTL_FSQRT_D: rr = x64_sqrtsd_rr; rm = x64_sqrtsd_rm; break;
    case RTL_FSQRT_S: rr = x64_sqrtss_rr; rm = x64_sqrtss_rm; break;
    case RTL_FCVT_D_S: rr = x64_cvtss2sd_rr; rm = x64_cvtss2sd_rm; break;
    case RTL_FCVT_S_D: rr = x64_cvtsd2ss_rr; rm = x64_cvtsd2ss_rm; break;
    default: break;
    }
    switch ((rtl_kind)kind) {
    case RTL_FADD_D: case RTL_FSUB_D: case RTL_FMUL_D: case RTL_FDIV_D:
    case RTL_FADD_S: case RTL_FSUB_S: case RTL_FMUL_S: case RTL_FDIV_S:
        /* xmm3 = a; xmm3 op= b */
        s[0] = fsrc_get(e, i, 0, src_single, 1);
        s[1] = fsrc_get(e, i, 1, src_single, 1);
        if (s[0].in_mem) {
            if (src_single)
                x64_movss_rm(cb, X64_XMM3, s[0].m);
            else
                x64_movsd_rm(cb, X64_XMM3, s[0].m);
        } else {
            x64_movaps_rr(cb, X64_XMM3, s[0].reg);
        }
        sse_op(e, rr, rm, X64_XMM3, s[1].reg, &s[1]);
        break;
    case RTL_FSQRT_D: case RTL_FSQRT_S: case RTL_FCVT_D_S: case RTL_FCVT_S_D:
        s[0] = fsrc_get(e, i, 0, src_single, 1);
        x64_xorps_rr(cb, X64_XMM3, X64_XMM3);
        sse_op(e, rr, rm, X64_XMM3, s[0].reg, &s[0]);
        break;
    case RTL_FCVT_D_L: case RTL_FCVT_S_L:
        get(e, X64_RAX, &i->a);
        x64_xorps_rr(cb, X64_XMM3, X64_XMM3);
        if (kind == RTL_FCVT_D_L)
            x64_cvtsi2sd(cb, 8, X64_XMM3, X64_RAX);
        else
            x64_cvtsi2ss(cb, 8, X64_XMM3, X64_RAX);
        nan_check = 0;
        break;
    case RTL_FMADD_D: case RTL_FMADD_S:
        s[0] = fsrc_get(e, i, 0, src_single, 0);
        s[1] = fsrc_get(e, i, 1, src_single, 0);
        s[2] = fsrc_get(e, i, 2, src_single, 0);
        if (!(e->features & X64_F_FMA)) {
            /* no FMA3: the C library's fma, as the interpreter's helpers
             * (a call: the copies in XMM registers are gone) */
            for (unsigned k = 0; k < 3; k++)
                if (s[k].reg != (x64_xmm)k)
                    x64_movaps_rr(cb, (x64_xmm)k, s[k].reg);
            fp_call(e, kind);
            xc_clear(e);
            e->rax_cpu = -1;
            x64_movq_xr(cb, 8, X64_XMM3, X64_RAX);
            nan_check = 0;
            break;
        }
        x64_movaps_rr(cb, X64_XMM3, s[2].reg);
        x64_fma231(cb, X64_FMADD, single ? 4 : 8, X64_XMM3, s[0].reg, s[1].reg);
        break;
    case RTL_FCVTT_L_D: case RTL_FCVTT_L_S:
        s[0] = fsrc_get(e, i, 0, src_single, 0);
        if (kind == RTL_FCVTT_L_D)
            x64_cvttsd2si(cb, 8, X64_RAX, s[0].reg);
        else
            x64_cvttss2si(cb, 8, X64_RAX, s[0].reg);
        e->rax_cpu = -1;
        if (i->d.kind == JO_CPU)
            xc_drop(e, (int32_t)i->d.n);
        put(e, &i->d, X64_RAX);
        return;
    case RTL_FEQ_D: case RTL_FEQ_S: case RTL_FLT_D: case RTL_FLT_S: case RTL_FLE_D: case RTL_FLE_S: {
        /* feq: ucomis a, b, equal and ordered; flt, fle: comis b, a, b
         * above (or not below) a, which unordered is not */
        int eq = kind == RTL_FEQ_D || kind == RTL_FEQ_S;
        s[0] = fsrc_get(e, i, 0, src_single, !eq);
        s[1] = fsrc_get(e, i, 1, src_single, eq);
        if (eq) {
            if (src_single)
                sse_op(e, x64_ucomiss_rr, x64_ucomiss_rm, s[0].reg, s[1].reg, &s[1]);
            else
                sse_op(e, x64_ucomisd_rr, x64_ucomisd_rm, s[0].reg, s[1].reg, &s[1]);
            x64_setcc(cb, X64_E, X64_RAX);
            x64_setcc(cb, X64_NP, X64_RCX);
            x64_alu_rr(cb, X64_AND, 4, X64_RAX, X64_RCX);
        } else {
            if (src_single)
                sse_op(e, x64_comiss_rr, x64_comiss_rm, s[1].reg, s[0].reg, &s[0]);
            else
                sse_op(e, x64_comisd_rr, x64_comisd_rm, s[1].reg, s[0].reg, &s[0]);
            x64_setcc(cb, kind == RTL_FLT_D || kind == RTL_FLT_S ? X64_A : X64_AE, X64_RAX);
        }
        x64_movzx_rr(cb, 1, X64_RAX, X64_RAX);
        if (e->fpflags_known) {
            /* ordered operands raise nothing (a subnormal's DE is no
             * RISC-V flag); a NaN may: the kept flags are read again */
            uint32_t ordered = cb_label_new(cb);
            x64_jcc(cb, X64_NP, ordered);
            fpflags_read(e, X64_RCX, X64_RDX);
            cb_bind(cb, ordered);
        }
        e->rax_cpu = -1;
        if (i->d.kind == JO_CPU)
            xc_drop(e, (int32_t)i->d.n);
        put(e, &i->d, X64_RAX);
        return;
    }
    default:
        break;
    }
    e->rax_cpu = -1;
    if (nan_check) {
        struct fpstub *st = fpstub_new(e, kind);
        for (unsigned k = 0; k < 3; k++) {
            st->in_mem[k] = (uint8_t)s[k].in_mem;
            st->reg[k] = (uint8_t)s[k].reg;
            st->m[k] = s[k].m;
        }
        memcpy(st->xc, e->xc, sizeof st->xc);
        st->single = (uint8_t)src_single;
        if (single)
            x64_ucomiss_rr(cb, X64_XMM3, X64_XMM3);
        else
            x64_ucomisd_rr(cb, X64_XMM3, X64_XMM3);
        x64_jcc(cb, X64_P, st->label);
        cb_bind(cb, st->back);
    }
    x64_reg dp = i->d.kind == JO_CPU ? pinned(e, (int32_t)i->d.n) : X64_NOREG;
    if (i->d.kind == JO_CPU)
        xc_drop(e, (int32_t)i->d.n);
    if (i->label & 8 && i->d.kind == JO_CPU && dp == X64_NOREG) {
        /* into an FP register, NaN-boxed */
        x64_mem m = opnd_mem(&i->d);
        x64_movss_mr(cb, m, X64_XMM3);
        m.disp += 4;
        x64_store_i(cb, 4, m, -1);
        return;
    }
    if (!single && dp == X64_NOREG && !e->keep && (i->d.kind == JO_TMP || i->d.kind == JO_CPU)) {
        x64_movsd_mr(cb, opnd_mem(&i->d), X64_XMM3);
        if (i->d.kind == JO_CPU) {
            e->xc_busy = 0;
            x64_movaps_rr(cb, xc_alloc(e, (int32_t)i->d.n), X64_XMM3);   /* and a copy */
        }
        return;
    }
    x64_movq_rx(cb, single ? 4 : 8, X64_RAX, X64_XMM3);
    if (i->label & 8) {
        x64_mov_ri(cb, 8, X64_RCX, UINT64_C(0xffffffff00000000));
        x64_alu_rr(cb, X64_OR, 8, X64_RAX, X64_RCX);
    }
    put(e, &i->d, X64_RAX);
}

/* ---- the flat memory model's lowering: the bound check, then [r12 + a] ---- */

static void guard_reg(emitter *e, const jit_ins *i, x64_reg reg, unsigned size, eng_exit why)
{
    /* a > limit - size, as ENG_MEM_GUARD compares: the frame holds
     * limit - 8, which passes every access that can pass; above it, a stub
     * makes the exact comparison for the size and comes back (with rdx, or
     * rax when the address is in rdx, clobbered) or raises */
    uint32_t l = cb_label_new(e->cb), back = cb_label_new(e->cb);
    x64_cmp_rm(e->cb, 8, reg, x64_m(FB, LIMIT_OFF));
    x64_jcc(e->cb, X64_A, l);
    cb_bind(e->cb, back);
    e->stubs[e->nstubs++] = (struct stub){l, why, i->slot, back, size, reg};
}

static void flat_load(emitter *e, const jit_ins *i)
{
    static const uint8_t size[] = {1, 1, 2, 2, 4, 4, 8};
    static const uint8_t sign[] = {1, 0, 1, 0, 1, 0, 0};
    unsigned n = size[i->sub < 7 ? i->sub : 6];
    /* the address straight from its pinned register, if it is one */
    x64_reg ar = i->a.kind == JO_CPU ? pinned(e, (int32_t)i->a.n) : X64_NOREG;
    if (ar == X64_NOREG) {
        get(e, X64_RAX, &i->a);
        ar = X64_RAX;
    }
    guard_reg(e, i, ar, n, ENG_EXIT_LOAD);
    x64_mem m = x64_mx(X64_R12, ar, 1, 0);
    /* into the destination's pinned register, if it has one */
    x64_reg dp = i->d.kind == JO_CPU ? pinned(e, (int32_t)i->d.n) : X64_NOREG, to = dp != X64_NOREG ? dp : X64_RAX;
    e->acc[e->nacc++] = (eng_jit_access){(uint32_t)cb_len(e->cb), i->slot};
    if (sign[i->sub < 7 ? i->sub : 6])
        x64_loads(e->cb, n, to, m);
    else
        x64_load(e->cb, n, to, m);
    if (dp == X64_NOREG)
        put(e, &i->d, X64_RAX);
    else if (ar == X64_RAX)
        e->rax_cpu = -1;    /* rax holds the address */
    else
        e->rax_cpu_next = e->rax_cpu;   /* rax untouched */
}

static void flat_store(emitter *e, const jit_ins *i)
{
    static const uint8_t size[] = {1, 2, 4, 8};
    unsigned n = size[i->sub & 3];
    /* the value straight from its pinned register, if it has one */
    x64_reg vp = i->b.kind == JO_CPU ? pinned(e, (int32_t)i->b.n) : X64_NOREG;
    /* and the address from its pinned register, if it is one */
    x64_reg ar = i->a.kind == JO_CPU ? pinned(e, (int32_t)i->a.n) : X64_NOREG;
    if (ar == X64_NOREG) {
        get(e, X64_RAX, &i->a);
        ar = X64_RAX;
    }
    if (vp == X64_NOREG)
        get(e, X64_RCX, &i->b);
    guard_reg(e, i, ar, n, ENG_EXIT_STORE);
    e->acc[e->nacc++] = (eng_jit_access){(uint32_t)cb_len(e->cb), i->slot};
    x64_store(e->cb, n, x64_mx(X64_R12, ar, 1, 0), vp != X64_NOREG ? vp : X64_RCX);
    if (ar != X64_RAX)
        e->rax_cpu_next = e->rax_cpu;   /* rax untouched */
}

/* an atomic's access: the address is in rdx (aligned), rax is free; the
 * bound check, then [r12 + rdx] */
static x64_mem flat_atomic_at(emitter *e, const jit_ins *i, unsigned size, eng_exit why)
{
    guard_reg(e, i, X64_RDX, size, why);
    return x64_mx(X64_R12, X64_RDX, 1, 0);
}

/* ---- the soft TLB's lowering (engine/mem_tlb.h): r12 the TLB set, eng_mmu.cur ----
 *
 * The interpreter's probe in line: rcx = the entry's offset in its TLB
 * ((va >> 12) mod ENG_TLB_SIZE, times 16), rdx = the access's page with its
 * misaligned low bits (va & (-4096 | (n - 1)), as qemu folds alignment
 * into the tag), compared with the tag: a misaligned access misses, and
 * with it every access that crosses a page; then [addend + va].  (The slow
 * path serves a misaligned access within a page from its TLB entry when
 * misaligned accesses work: gcc's code seldom makes one.)  A miss jumps
 * to a stub after the block that calls the interpreter's slow path with
 * the vCPU exact (the pinned registers written back, cur and cur_block
 * naming the instruction), as a helper that may raise is called, and
 * comes back.  The slow path handles MMIO, page crossings, code pages
 * (stores to them invalidate: the blocks go at the next block boundary,
 * the chain entry's events check, as in the interpreter) and faults. */

#define TLB_OFF(kind) ((int32_t)((kind) * ENG_TLB_SIZE * sizeof(eng_tlb_entry)))

/* a TLB miss stub for the access of n bytes of kind by instruction i */
static struct tlbstub *tlb_stub_new(emitter *e, const jit_ins *i, unsigned n, int kind)
{
    struct tlbstub *st = &e->tlbstubs[e->ntlbstubs++];
    memset(st, 0, sizeof *st);
    st->label = cb_label_new(e->cb);
    st->back = cb_label_new(e->cb);
    st->slot = i->slot;
    st->n = (uint8_t)n;
    st->acc = (uint8_t)kind;
    st->to = st->vreg = X64_NOREG;
    memcpy(st->xc, e->xc, sizeof st->xc);
    return st;
}

/* the probe of an access of n bytes at a (rax or a pinned register) in
 * TLB kind; on a hit rcx is the entry's offset in its TLB; the stub
 * returned is the miss's */
static struct tlbstub *tlb_probe(emitter *e, const jit_ins *i, x64_reg a, unsigned n, int kind)
{
    codebuf *cb = e->cb;
    struct tlbstub *st = tlb_stub_new(e, i, n, kind);
    st->areg = a;
    x64_mov_rr(cb, 8, X64_RCX, a);
    x64_shr_ri(cb, 8, X64_RCX, 12 - 4);
    x64_and_ri(cb, 4, X64_RCX, (int32_t)((ENG_TLB_SIZE - 1) << 4));
    x64_mov_rr(cb, 8, X64_RDX, a);
    x64_and_ri(cb, 8, X64_RDX, -4096 | (int32_t)(n - 1));
    x64_cmp_rm(cb, 8, X64_RDX, x64_mx(X64_R12, X64_RCX, 1, TLB_OFF(kind) + (int32_t)offsetof(eng_tlb_entry, tag)));
    x64_jcc(cb, X64_NE, st->label);
    return st;
}

static x64_mem tlb_addend(int kind)
{
    return x64_mx(X64_R12, X64_RCX, 1, TLB_OFF(kind) + (int32_t)offsetof(eng_tlb_entry, addend));
}

static void tlb_load(emitter *e, const jit_ins *i)
{
    static const uint8_t size[] = {1, 1, 2, 2, 4, 4, 8};
    static const uint8_t sign[] = {1, 0, 1, 0, 1, 0, 0};
    unsigned n = size[i->sub < 7 ? i->sub : 6];
    x64_reg ar = i->a.kind == JO_CPU ? pinned(e, (int32_t)i->a.n) : X64_NOREG;
    if (ar == X64_NOREG) {
        get(e, X64_RAX, &i->a);
        ar = X64_RAX;
    }
    struct tlbstub *st = tlb_probe(e, i, ar, n, ENG_ACC_LOAD);
    x64_reg dp = i->d.kind == JO_CPU ? pinned(e, (int32_t)i->d.n) : X64_NOREG, to = dp != X64_NOREG ? dp : X64_RAX;
    st->op = TS_LOAD;
    st->to = to;
    st->sign = sign[i->sub < 7 ? i->sub : 6];
    x64_load(e->cb, 8, X64_RCX, tlb_addend(ENG_ACC_LOAD));
    x64_mem m = x64_mx(X64_RCX, ar, 1, 0);
    if (st->sign)
        x64_loads(e->cb, n, to, m);
    else
        x64_load(e->cb, n, to, m);
    cb_bind(e->cb, st->back);
    if (dp == X64_NOREG)
        put(e, &i->d, X64_RAX);
    else
        e->rax_cpu = -1;
}

static void tlb_store(emitter *e, const jit_ins *i)
{
    static const uint8_t size[] = {1, 2, 4, 8};
    unsigned n = size[i->sub & 3];
    x64_reg vp = i->b.kind == JO_CPU ? pinned(e, (int32_t)i->b.n) : X64_NOREG;
    x64_reg ar = i->a.kind == JO_CPU ? pinned(e, (int32_t)i->a.n) : X64_NOREG;
    if (ar == X64_NOREG) {
        get(e, X64_RAX, &i->a);
        ar = X64_RAX;
    }
    struct tlbstub *st = tlb_probe(e, i, ar, n, ENG_ACC_STORE);
    st->op = TS_STORE;
    st->vreg = vp;
    st->val = i->b;
    x64_load(e->cb, 8, X64_RDX, tlb_addend(ENG_ACC_STORE));
    if (vp == X64_NOREG)
        get(e, X64_RCX, &i->b);
    x64_store(e->cb, n, x64_mx(X64_RDX, ar, 1, 0), vp != X64_NOREG ? vp : X64_RCX);
    cb_bind(e->cb, st->back);
}

/* an atomic's access (the address in rdx, aligned; rcx kept, rax free):
 * the probe with r12 lent, which ends with the entry's addend (the host
 * operand [r12 + rdx]); tlb_atomic_done gives r12 back */
static x64_mem tlb_atomic_at(emitter *e, const jit_ins *i, unsigned size, eng_exit why)
{
    codebuf *cb = e->cb;
    int kind = why == ENG_EXIT_LOAD ? ENG_ACC_LOAD : ENG_ACC_STORE;
    struct tlbstub *st = tlb_stub_new(e, i, size, kind);
    st->op = TS_ATOMIC;
    x64_mov_rr(cb, 8, X64_RAX, X64_RDX);
    x64_shr_ri(cb, 8, X64_RAX, 12 - 4);
    x64_and_ri(cb, 4, X64_RAX, (int32_t)((ENG_TLB_SIZE - 1) << 4));
    x64_add_rr(cb, 8, X64_R12, X64_RAX);
    x64_mov_rr(cb, 8, X64_RAX, X64_RDX);
    x64_and_ri(cb, 8, X64_RAX, -4096);
    x64_cmp_rm(cb, 8, X64_RAX, x64_m(X64_R12, TLB_OFF(kind) + (int32_t)offsetof(eng_tlb_entry, tag)));
    x64_jcc(cb, X64_NE, st->label);
    x64_load(cb, 8, X64_R12, x64_m(X64_R12, TLB_OFF(kind) + (int32_t)offsetof(eng_tlb_entry, addend)));
    cb_bind(cb, st->back);
    return x64_mx(X64_R12, X64_RDX, 1, 0);
}

/* r12 = the TLB set loads and stores probe (eng_mmu.cur) */
static void tlb_set_load(emitter *e)
{
    x64_load(e->cb, 8, X64_R12, eng_field(e, offsetof(eng_vcpu, mmu)));
    x64_load(e->cb, 8, X64_R12, x64_m(X64_R12, (int32_t)offsetof(eng_mmu, cur)));
}

static void tlb_atomic_done(emitter *e)
{
    tlb_set_load(e);
}

/* an operand's value into r, as get() would give it, with no register
 * but the pinned ones assumed (a miss stub's) */
static void get_plain(emitter *e, x64_reg r, const jit_opnd *o)
{
    x64_reg p;
    if (o->kind == JO_IMM || o->kind == JO_NONE)
        x64_mov_ri(e->cb, 8, r, o->kind == JO_IMM ? o->imm : 0);
    else if (o->kind == JO_CPU && (p = pinned(e, (int32_t)o->n)) != X64_NOREG)
        x64_mov_rr(e->cb, 8, r, p);
    else
        x64_load(e->cb, 8, r, opnd_mem(o));
}

/* the miss paths, after the block */
static void tlb_stubs(emitter *e)
{
    codebuf *cb = e->cb;
    for (unsigned k = 0; k < e->ntlbstubs; k++) {
        const struct tlbstub *st = &e->tlbstubs[k];
        cb_bind(cb, st->label);
        if (st->op == TS_STORE) {
            if (st->vreg != X64_NOREG)
                x64_mov_rr(cb, 8, X64_RCX, st->vreg);
            else
                get_plain(e, X64_RCX, &st->val);
        }
        if (st->op == TS_ATOMIC) {
            x64_store(cb, 8, x64_m(FB, TLB_SAVE_RCX), X64_RCX);
            x64_store(cb, 8, x64_m(FB, TLB_SAVE_RDX), X64_RDX);
        }
        /* the vCPU exact (the slow path may raise): the pinned registers
         * written back, then the instruction named */
        pins_store(e, 0);
        x64_mov_rr(cb, 8, X64_RSI, st->op == TS_ATOMIC ? X64_RDX : st->areg);
        x64_mov_ri(cb, 8, X64_RAX, (uint64_t)(uintptr_t)&e->b->insn[st->slot]);
        x64_store(cb, 8, eng_field(e, offsetof(eng_vcpu, cur)), X64_RAX);
        x64_mov_ri(cb, 8, X64_RAX, (uint64_t)(uintptr_t)e->b);
        x64_store(cb, 8, eng_field(e, offsetof(eng_vcpu, cur_block)), X64_RAX);
        x64_lea(cb, 8, X64_RDI, x64_m(X64_RBX, e->voff));
        x64_mov_ri(cb, 4, X64_RDX, st->n);
        const void *fn;
        if (st->op == TS_LOAD)
            fn = (const void *)eng_tlb_load_slow;
        else if (st->op == TS_STORE)
            fn = (const void *)eng_tlb_store_slow;
        else {
            x64_mov_ri(cb, 4, X64_RCX, st->acc);
            fn = (const void *)eng_tlb_atomic_at;
        }
        x64_call(cb, fn, X64_RAX);
        pins_load(e, NPIN_KEPT);
        xc_reload(e, st->xc);
        if (st->op == TS_LOAD) {
            if (st->sign && st->n < 8)
                x64_movsx_rr(cb, st->n, st->to, X64_RAX);
            else if (st->to != X64_RAX)
                x64_mov_rr(cb, 8, st->to, X64_RAX);
        } else if (st->op == TS_ATOMIC) {
            x64_load(cb, 8, X64_RDX, x64_m(FB, TLB_SAVE_RDX));
            x64_load(cb, 8, X64_RCX, x64_m(FB, TLB_SAVE_RCX));
            x64_mov_rr(cb, 8, X64_R12, X64_RAX);
            x64_sub_rr(cb, 8, X64_R12, X64_RDX);
        }
        x64_jmp(cb, st->back);
    }
}

/* The memory model's hook: how a guest access is lowered.  atomic_at
 * checks an atomic's aligned address (in rdx; rax free, rcx kept) and
 * gives the host operand the locked instructions use (for the system VM's
 * soft TLB: a lookup, with its slow path, giving a host address). */
typedef struct jit_mem_lowering {
    const eng_mem_ops *model;
    void (*load)(emitter *e, const jit_ins *i);
    void (*store)(emitter *e, const jit_ins *i);
    x64_mem (*atomic_at)(emitter *e, const jit_ins *i, unsigned size, eng_exit why);
    void (*atomic_done)(emitter *e);    /* after the atomic's access, or NULL */
} jit_mem_lowering;
static const jit_mem_lowering mem_lowerings[] = {
    {&eng_mem_flat, flat_load, flat_store, flat_atomic_at, NULL},
    {&eng_mem_tlb, tlb_load, tlb_store, tlb_atomic_at, tlb_atomic_done},
};

/* the next host instruction is a guest access (recorded before its lock
 * prefix: the faulting pc is the instruction's first byte) */
static void access_here(emitter *e, const jit_ins *i)
{
    e->acc[e->nacc++] = (eng_jit_access){(uint32_t)cb_len(e->cb), i->slot};
}

/* The RTL's atomics (engine/atomic.h) inline, with the host atomics the
 * interpreter's C compiles to: the address in rdx, the operand in rcx; a
 * misaligned address raises from a stub, the memory model checks the bound
 * and gives the operand; the old value ends in rax, zero-extended from a
 * 32-bit access.  amoswap is xchg, amoadd lock xadd (lock add, and the
 * logical ones lock and/or/xor, when the old value is not wanted); the
 * others and store-conditional are lock cmpxchg (loops, for the others).
 * A host fault in the access is found in the access table as a load's is;
 * the fault handler makes it a store/AMO fault by the instruction's flags. */
static void atomic(emitter *e, const jit_mem_lowering *ml, const jit_ins *i)
{
    codebuf *cb = e->cb;
    unsigned size, aop = 0;
    eng_exit why;
    if (i->op == JI_AMO) {
        size = eng_amo_size(i->sub);
        aop = eng_amo_op(i->sub);
        why = ENG_EXIT_STORE;
    } else {
        size = eng_lrsc_size(i->sub);
        why = i->op == JI_LR ? ENG_EXIT_LOAD : ENG_EXIT_STORE;
    }
    int used = i->d.kind != JO_NONE && !(i->d.kind == JO_TMP && e->uses[i->d.n] == 0);
    get(e, X64_RDX, &i->a);
    if (i->op != JI_LR)
        get(e, X64_RCX, &i->b);
    e->rax_cpu = -1;
    uint32_t mis = cb_label_new(cb);
    x64_test_ri(cb, 1, X64_RDX, (int32_t)size - 1);
    x64_jcc(cb, X64_NE, mis);
    e->stubs[e->nstubs++] = (struct stub){mis, ENG_EXIT_MISALIGNED, i->slot, 0, 0, X64_RDX};
    x64_mem m = ml->atomic_at(e, i, size, why);
    size_t res = offsetof(eng_vcpu, res);
    x64_mem res_size = eng_field(e, res + offsetof(eng_resv, size));
    x64_mem res_addr = eng_field(e, res + offsetof(eng_resv, addr));
    x64_mem res_val = eng_field(e, res + offsetof(eng_resv, val));
    if (i->op == JI_LR) {
        access_here(e, i);
        x64_load(cb, size, X64_RAX, m);
        x64_store(cb, 8, res_addr, X64_RDX);
        x64_store(cb, 8, res_val, X64_RAX);
        x64_store_i(cb, 4, res_size, (int32_t)size);
    } else if (i->op == JI_SC) {
        /* valid, of this size and address: cleared, then a compare-and-swap
         * from the value read; else cleared, and it fails */
        uint32_t fail = cb_label_new(cb), done = cb_label_new(cb);
        x64_cmp_mi(cb, 4, res_size, (int32_t)size);
        x64_jcc(cb, X64_NE, fail);
        x64_cmp_rm(cb, 8, X64_RDX, res_addr);
        x64_jcc(cb, X64_NE, fail);
        x64_store_i(cb, 4, res_size, 0);
        x64_load(cb, size, X64_RAX, res_val);
        access_here(e, i);
        x64_lock(cb);
        x64_cmpxchg_mr(cb, size, m, X64_RCX);
        x64_setcc(cb, X64_NE, X64_RAX);
        x64_movzx_rr(cb, 1, X64_RAX, X64_RAX);
        x64_jmp(cb, done);
        cb_bind(cb, fail);
        x64_store_i(cb, 4, res_size, 0);
        x64_mov_ri(cb, 4, X64_RAX, 1);
        cb_bind(cb, done);
    } else if (aop == ENG_AMO_SWAP) {
        x64_mov_rr(cb, 8, X64_RAX, X64_RCX);
        access_here(e, i);
        x64_xchg_mr(cb, size, m, X64_RAX);
    } else if (aop == ENG_AMO_ADD && used) {
        x64_mov_rr(cb, 8, X64_RAX, X64_RCX);
        access_here(e, i);
        x64_lock(cb);
        x64_xadd_mr(cb, size, m, X64_RAX);
    } else if (!used && (aop == ENG_AMO_ADD || aop == ENG_AMO_AND || aop == ENG_AMO_OR || aop == ENG_AMO_XOR)) {
        x64_alu op = aop == ENG_AMO_ADD ? X64_ADD : aop == ENG_AMO_AND ? X64_AND : aop == ENG_AMO_OR ? X64_OR : X64_XOR;
        access_here(e, i);
        x64_lock(cb);
        x64_alu_mr(cb, op, size, m, X64_RCX);
    } else {
        /* new = f(old, operand) by compare-and-swap until it holds */
        uint32_t again = cb_label_new(cb);
        x64_store(cb, 8, x64_m(FB, AMO_SAVE), X64_RCX);
        access_here(e, i);
        x64_load(cb, size, X64_RAX, m);
        cb_bind(cb, again);
        x64_load(cb, 8, X64_RCX, x64_m(FB, AMO_SAVE));
        switch (aop) {
        case ENG_AMO_AND: x64_alu_rr(cb, X64_AND, 8, X64_RCX, X64_RAX); break;
        case ENG_AMO_OR: x64_alu_rr(cb, X64_OR, 8, X64_RCX, X64_RAX); break;
        case ENG_AMO_XOR: x64_alu_rr(cb, X64_XOR, 8, X64_RCX, X64_RAX); break;
        default: {
            /* the old value stays when old <= new (min) or old >= new (max) */
            x64_cc keep = aop == ENG_AMO_MIN ? X64_LE : aop == ENG_AMO_MAX ? X64_GE : aop == ENG_AMO_MINU ? X64_BE : X64_AE;
            x64_cmp_rr(cb, size, X64_RAX, X64_RCX);
            x64_cmov_rr(cb, keep, size, X64_RCX, X64_RAX);
            break;
        }
        }
        access_here(e, i);
        x64_lock(cb);
        x64_cmpxchg_mr(cb, size, m, X64_RCX);
        x64_jcc(cb, X64_NE, again);
    }
    if (ml->atomic_done)
        ml->atomic_done(e);
    if (used)
        put(e, &i->d, X64_RAX);
}

static const jit_mem_lowering *mem_lowering(const eng_vcpu *v)
{
    for (size_t k = 0; k < sizeof mem_lowerings / sizeof mem_lowerings[0]; k++)
        if (mem_lowerings[k].model == v->mem_ops)
            return &mem_lowerings[k];
    return NULL;
}

static eng_exit trap_exit(unsigned word)
{
    switch (word) {
    case RTL_TRAP_ECALL: return ENG_EXIT_SYSCALL;
    case RTL_TRAP_EBREAK: return ENG_EXIT_BREAK;
    default: return ENG_EXIT_ILLEGAL;
    }
}

/* eng_raise(v, why, tval in rdx), through the block's raise tail */
static void raise_call(emitter *e, eng_exit why)
{
    x64_mov_ri(e->cb, 4, X64_RCX, (uint64_t)why);
    x64_jmp(e->cb, e->raise_tail);
}

/* The code all blocks of a cache share, emitted at its start:
 *   enter (cpu in rdi, the block's body in rsi): the loop's way in --
 *       six pushes and the frame keep rsp 16-aligned at calls; the vCPU,
 *       the memory base and limit, the pinned registers from the vCPU;
 *   leave (the return code in eax): pinned registers back to the vCPU,
 *       return to the loop;
 *   raise (why in ecx, tval in rdx): eng_raise with the vCPU exact.
 * One copy instead of one per block keeps translated code small. */
static int shared_ready(const eng_vcpu *v, const jit_ir *ir, codemem *m, jit_host_scratch *sc, int *full)
{
    if (sc->sh_cache == m->x && sc->sh_flushes == m->flushes && m->used)
        return 1;
    codebuf cb;
    cm_begin(m, &cb);
    cb.labels = sc->cb_labels;
    cb.labcap = sc->cb_labcap;
    cb.fix = sc->cb_fix;
    cb.fixcap = sc->cb_fixcap;
    emitter e = {.cb = &cb, .v = v, .voff = (int32_t)v->isa->vcpu_offset};
    e.npin = pin_offsets(v->isa, ir, e.pin_off);
    size_t enter = cb_len(&cb);
    x64_push(&cb, X64_RBX);
    x64_push(&cb, X64_R12);
    x64_push(&cb, X64_RBP);
    x64_push(&cb, X64_R13);
    x64_push(&cb, X64_R14);
    x64_push(&cb, X64_R15);
    x64_mov_rr(&cb, 8, X64_RBX, X64_RDI);
    /* r12: the flat model's memory base, or the soft TLB's eng_mmu */
    if (v->mem_ops == &eng_mem_tlb)
        tlb_set_load(&e);
    else
        x64_load(&cb, 8, X64_R12, eng_field(&e, offsetof(eng_vcpu, mem)));
    x64_sub_ri(&cb, 8, X64_RSP, (int32_t)FRAME);
    x64_mov_rr(&cb, 8, FB, X64_RSP);
    x64_mov_ri(&cb, 8, X64_RAX, v->mem_limit - 8);
    x64_store(&cb, 8, x64_m(FB, LIMIT_OFF), X64_RAX);
    /* the return-address stack: empty (the sentinel), and its limit */
    x64_lea(&cb, 8, X64_RAX, x64_m(FB, -16 * (RAS_DEPTH + 1)));
    x64_store(&cb, 8, x64_m(FB, RASLIM_OFF), X64_RAX);
    x64_push_i(&cb, 1);
    x64_push_i(&cb, 0);
    x64_mov_rr(&cb, 8, X64_RAX, X64_RSI);     /* rsi is pinned */
    pins_load(&e, 0);
    x64_jmp_r(&cb, X64_RAX);
    x64_align(&cb, 16);
    size_t leave = cb_len(&cb);
    pins_store(&e, 0);
    x64_lea(&cb, 8, X64_RSP, x64_m(FB, (int32_t)FRAME));
    x64_pop(&cb, X64_R15);
    x64_pop(&cb, X64_R14);
    x64_pop(&cb, X64_R13);
    x64_pop(&cb, X64_RBP);
    x64_pop(&cb, X64_R12);
    x64_pop(&cb, X64_RBX);
    x64_ret(&cb);
    x64_align(&cb, 16);
    size_t raise = cb_len(&cb);
    pins_store(&e, 0);
    x64_mov_rr(&cb, 4, X64_RSI, X64_RCX);
    x64_lea(&cb, 8, X64_RDI, x64_m(X64_RBX, e.voff));
    x64_call(&cb, (const void *)eng_raise, X64_RAX);
    const uint8_t *code = cm_commit(m, &cb);
    sc->cb_labels = cb.labels;
    sc->cb_labcap = cb.labcap;
    sc->cb_fix = cb.fix;
    sc->cb_fixcap = cb.fixcap;
    if (!code) {
        *full = cb.err == CB_EFULL;
        return 0;
    }
    sc->sh_cache = m->x;
    sc->sh_flushes = m->flushes;
    sc->sh_enter = code + enter;
    sc->sh_leave = code + leave;
    sc->sh_raise = code + raise;
    return 1;
}

void *jit_host_emit(const eng_vcpu *v, codemem *m, const eng_block *b, const jit_ir *ir,
                    jit_host_scratch **scratch, int *full)
{
    const jit_mem_lowering *ml = mem_lowering(v);
    *full = 0;
    if (!ml || ir->ntmp > MAX_TMP)
        return NULL;
    jit_host_scratch *sc = *scratch;
    if (!sc && !(sc = *scratch = calloc(1, sizeof *sc)))
        return NULL;
    if (scratch_fit(sc, ir) < 0)
        return NULL;
    if (!shared_ready(v, ir, m, sc, full))
        return NULL;
    codebuf cb;
    cm_begin(m, &cb);
    /* the label and fixup tables of the blocks before (cb_init cleared them) */
    cb.labels = sc->cb_labels;
    cb.labcap = sc->cb_labcap;
    cb.fix = sc->cb_fix;
    cb.fixcap = sc->cb_fixcap;
    emitter e = {.cb = &cb, .v = v, .b = b, .voff = (int32_t)v->isa->vcpu_offset,
                 .wdelta = (int64_t)(m->w - m->x)};
    e.labels = sc->labels;
    e.stubs = sc->stubs;
    e.fpstubs = sc->fpstubs;
    e.tlbstubs = sc->tlbstubs;
    e.exits = sc->exits;
    e.acc = sc->acc;
    uint16_t *uses = sc->uses;
    memset(uses, 0, (ir->ntmp + 1) * sizeof *uses);
    e.uses = uses;
    e.npin = pin_offsets(v->isa, ir, e.pin_off);
    scan_ir(&e, ir);
    e.in_rax = -1;
    e.rax_cpu = e.rax_cpu_next = -1;
    e.pend = -1;
    e.jz_label = -1;
    /* the host's features, once (VVM_JIT_NO_FMA: as a host without FMA3) */
    if (!sc->features_known) {
        const char *nf = getenv("VVM_JIT_NO_FMA");
        sc->features = x64_cpu_features();
        if (nf && *nf && *nf != '0')
            sc->features &= ~(unsigned)X64_F_FMA;
        sc->features_known = 1;
    }
    e.features = sc->features;
    e.xc_snap = sc->xc_snap;
    e.flags_snap = sc->flags_snap;
    xc_clear(&e);
    for (unsigned k = 0; k < ir->nlabel; k++)
        e.labels[k] = cb_label_new(&cb);
    e.epilogue = cb_label_new(&cb);
    e.raise_tail = cb_label_new(&cb);
    uint32_t body = cb_label_new(&cb), dispatch = cb_label_new(&cb);
    uint32_t rekey = cb_label_new(&cb), keyed = cb_label_new(&cb);

    /* the header (eng_jit_code), filled in at the end */
    unsigned ndirect = 0, naccess = 0;
    for (unsigned k = 0; k < ir->n; k++) {
        ndirect += ir->ins[k].op == JI_EXIT && ir->ins[k].a.kind == JO_IMM;
        ndirect += ir->ins[k].op == JI_EXIT && ir->ins[k].label == JX_CALL;   /* the return's */
        naccess += ir->ins[k].op == JI_LOAD || ir->ins[k].op == JI_STORE;
        naccess += 2 * (ir->ins[k].op == JI_AMO || ir->ins[k].op == JI_LR || ir->ins[k].op == JI_SC);
    }
    size_t hdr = sizeof(eng_jit_code) + ndirect * sizeof(eng_jit_exit) + naccess * sizeof(eng_jit_access) +
                 e.nswap * sizeof(jit_swap);
    cb_zero(&cb, hdr);
    x64_align(&cb, 16);

    /* the loop's entry: the shared enter, told where the body is */
    size_t entry_off = cb_len(&cb);
    x64_lea(&cb, 8, X64_RSI, x64_mlabel(body, 0));
    x64_jmp_abs(&cb, sc->sh_enter);
    /* another block's entry: what the loop does at a block's entry, one
     * compare when nothing is pending (a budget always is: the loop runs
     * the blocks of a budgeted run) */
    x64_align(&cb, 16);
    size_t chain_off = cb_len(&cb);
    if (v->mem_model == ENG_MEM_TLB) {
        /* the soft TLB's blocks run only under the fetch key they were
         * found valid under (engine/mmu.h): whatever jumps here (a link,
         * the jump caches) has the block checked again when the key
         * changed (rekey, below).  A link from a block that vouches for
         * this one (eng_mem_ops.link_keyed) enters past the check. */
        x64_load(&cb, 8, X64_RCX, eng_field(&e, offsetof(eng_vcpu, fkey)));
        x64_mov_ri(&cb, 8, X64_RDX, (uint64_t)(uintptr_t)&b->key);
        x64_cmp_rm(&cb, 8, X64_RCX, x64_m(X64_RDX, 0));
        x64_jcc(&cb, X64_NE, rekey);
        cb_bind(&cb, keyed);
    }
    size_t keyed_off = cb_len(&cb);
    x64_cmp_mi(&cb, 8, eng_field(&e, offsetof(eng_vcpu, events)), 0);
    x64_jcc(&cb, X64_NE, dispatch);
    /* the instructions counted on entry: the first group's (a block's n) */
    x64_add_ri(&cb, 8, pinned(&e, e.voff + (int32_t)offsetof(eng_vcpu, instret)),
               (int32_t)(b->n ? eng_group_end(b, &b->insn[0]) : 0));
    cb_bind(&cb, body);
    swaps_in(&e);

    for (unsigned k = 0; k < ir->n; k++) {
        const jit_ins *i = &ir->ins[k];
        if (e.nswap)
            swaps_resume(&e);   /* after an exit's code */
        const jit_ins *nx = k + 1 < ir->n ? &ir->ins[k + 1] : NULL;
        if (e.pend >= 0) {
            /* the field the last instruction computed into rax: stored
             * now, unless this instruction computes it again from rax
             * (no fault, no exit in between: nothing saw the field) */
            int dead = i->op == JI_BIN && i->d.kind == JO_CPU && (int32_t)i->d.n == e.pend &&
                       i->a.kind == JO_CPU && (int32_t)i->a.n == e.pend &&
                       !(i->b.kind == JO_CPU && (int32_t)i->b.n == e.pend) && e.rax_cpu_next == e.pend;
            if (!dead)
                x64_store(&cb, 8, x64_m(X64_RBX, e.pend), X64_RAX);
            e.pend = -1;
        }
        if (ir->slot_off && k == ir->cold_at)
            ir->slot_off[ir->nslot] = (uint32_t)cb_len(&cb);  /* the body ends, out-of-line code follows */
        if (ir->slot_off && i->slot < ir->nslot && ir->slot_off[i->slot] == UINT32_MAX)
            ir->slot_off[i->slot] = (uint32_t)cb_len(&cb);
        /* the result may stay in rax when its only use is the next
         * instruction's first operand, which that instruction reads first */
        e.keep = i->d.kind == JO_TMP && uses[i->d.n] == 1 && nx && nx->a.kind == JO_TMP && nx->a.n == i->d.n &&
                 nx->op != JI_LABEL && nx->op != JI_JZ;
        /* rax holds a guest register only right after the instruction
         * that stored it there, and never across a label */
        e.rax_cpu = i->op == JI_LABEL ? -1 : e.rax_cpu_next;
        e.rax_cpu_next = -1;
        if (e.in_rax >= 0 && !(i->a.kind == JO_TMP && (int32_t)i->a.n == e.in_rax)) {
            /* not taken up as planned: never happens by the rule above */
            x64_store(&cb, 8, tmp_mem((unsigned)e.in_rax), X64_RAX);
            e.in_rax = -1;
        }
        switch ((jit_op)i->op) {
        case JI_MOV: {
            x64_reg p = i->d.kind == JO_CPU ? pinned(&e, (int32_t)i->d.n) : X64_NOREG;
            if (i->sub == 4 && i->d.kind == JO_CPU && p == X64_NOREG) {
                get(&e, X64_RAX, &i->a);
                x64_store(&cb, 4, opnd_mem(&i->d), X64_RAX);
            } else if (i->a.kind == JO_IMM && p != X64_NOREG) {
                x64_mov_ri(&cb, 8, p, i->a.imm);
            } else if (i->a.kind == JO_IMM && fits32(i->a.imm) && i->d.kind != JO_NONE) {
                x64_store_i(&cb, 8, opnd_mem(&i->d), (int32_t)i->a.imm);
            } else if (i->a.kind == JO_CPU && (i->d.kind == JO_CPU || (i->d.kind == JO_TMP && !e.keep)) &&
                       pinned(&e, (int32_t)i->a.n) != X64_NOREG) {
                /* from a pinned register: no stop in rax */
                put(&e, &i->d, pinned(&e, (int32_t)i->a.n));
            } else {
                get(&e, X64_RAX, &i->a);
                put(&e, &i->d, X64_RAX);
            }
            break;
        }
        case JI_BIN:
            e.jz_label = -1;
            if (i->sub >= RTL_EQ && i->sub <= RTL_GEU && i->d.kind == JO_TMP && uses[i->d.n] == 1 && nx &&
                nx->op == JI_JZ && nx->a.kind == JO_TMP && nx->a.n == i->d.n) {
                e.jz_label = e.labels[nx->label];
                e.jz_exit = jz_exit_of(ir, k + 1);
                e.keep = 0;
                bin(&e, i);
                e.jz_label = -1;
                k += e.jz_exit ? 2 : 1;     /* the JZ is done, and its exit */
                e.jz_exit = NULL;
                break;
            }
            bin(&e, i);
            break;
        case JI_UN: un(&e, i); break;
        case JI_SELECT:
            get(&e, X64_RAX, &i->a);
            get(&e, X64_RCX, &i->b);
            get(&e, X64_RDX, &i->c);
            x64_test_rr(&cb, 8, X64_RDX, X64_RDX);
            x64_cmov_rr(&cb, X64_E, 8, X64_RAX, X64_RCX);
            put(&e, &i->d, X64_RAX);
            break;
        case JI_LOAD: ml->load(&e, i); break;
        case JI_STORE: ml->store(&e, i); break;
        case JI_AMO: case JI_LR: case JI_SC: atomic(&e, ml, i); break;
        case JI_ARG:
            get(&e, X64_RAX, &i->a);
            x64_store(&cb, 8, x64_m(FB, 8 * i->sub), X64_RAX);
            break;
        case JI_CALL:
            /* a helper with the vCPU may raise: the vCPU is made exact;
             * a pure one only clobbers the caller-saved registers */
            pins_store(&e, i->sub ? NPIN_KEPT : 0);
            e.fpflags_known = 0;    /* a helper may change MXCSR */
            if (i->sub)
                x64_mov_ri(&cb, 4, X64_RDI, 0);
            else
                x64_mov_rr(&cb, 8, X64_RDI, X64_RBX);
            x64_mov_rr(&cb, 8, X64_RSI, FB);
            x64_call(&cb, (const void *)i->helper->fn, X64_RAX);
            /* a helper with the vCPU may change the privilege of loads
             * and stores (mret, sret, a write of mstatus): their TLB set */
            if (!i->sub && v->mem_ops == &eng_mem_tlb)
                tlb_set_load(&e);
            pins_load(&e, NPIN_KEPT);
            xc_clear(&e);
            e.rax_cpu_next = -1;
            put(&e, &i->d, X64_RAX);
            break;
        case JI_SYNC:
            x64_mov_ri(&cb, 8, X64_RAX, (uint64_t)(uintptr_t)&b->insn[i->slot]);
            x64_store(&cb, 8, eng_field(&e, offsetof(eng_vcpu, cur)), X64_RAX);
            x64_mov_ri(&cb, 8, X64_RAX, (uint64_t)(uintptr_t)b);
            x64_store(&cb, 8, eng_field(&e, offsetof(eng_vcpu, cur_block)), X64_RAX);
            break;
        case JI_LABEL:
            cb_bind(&cb, e.labels[i->label]);
            if (i->sub == 1) {  /* a join: the jump back restores these */
                memcpy(e.xc_snap[i->label], e.xc, sizeof e.xc);
                e.flags_snap[i->label] = (uint8_t)e.fpflags_known;
            } else {
                xc_clear(&e);
                e.fpflags_known = 0;
            }
            break;
        case JI_JMP:
            if (i->sub == 1) {
                xc_reload(&e, e.xc_snap[i->label]);
                if (e.flags_snap[i->label])
                    fpflags_read(&e, X64_RAX, X64_RCX);
            }
            x64_jmp(&cb, e.labels[i->label]);
            break;
        case JI_JZ:
            if (i->a.kind == JO_IMM) {
                if (i->a.imm == 0)
                    x64_jmp(&cb, e.labels[i->label]);
                break;
            }
            if (i->a.kind == JO_CPU && pinned(&e, (int32_t)i->a.n) != X64_NOREG) {
                x64_reg h = pinned(&e, (int32_t)i->a.n);
                x64_test_rr(&cb, 8, h, h);
            } else
                x64_cmp_mi(&cb, 8, opnd_mem(&i->a), 0);
            e.jz_label = e.labels[i->label];
            e.jz_exit = jz_exit_of(ir, k);
            jz_jump(&e, X64_NE);
            k += e.jz_exit ? 1 : 0;         /* its exit is done too */
            e.jz_label = -1;
            e.jz_exit = NULL;
            break;
        case JI_EXIT: {
            uint32_t indirect = 0;
            swaps_out(&e);
            if (i->label == JX_CALL) {
                /* a call: the guest return address and the host's on the
                 * return-address stack (emptied first when full), then
                 * the call; the host's return address is this block's
                 * direct exit to the guest's */
                uint32_t room = cb_label_new(&cb);
                x64_cmp_rm(&cb, 8, X64_RSP, x64_m(FB, RASLIM_OFF));
                x64_jcc(&cb, X64_A, room);
                x64_lea(&cb, 8, X64_RSP, x64_m(FB, -16));
                cb_bind(&cb, room);
                if (i->b.imm <= INT32_MAX)
                    x64_push_i(&cb, (int32_t)i->b.imm);
                else {
                    x64_mov_ri(&cb, 8, X64_RCX, i->b.imm);
                    x64_push(&cb, X64_RCX);
                }
                struct dexit *x = NULL;
                if (i->a.kind == JO_IMM) {
                    x = &e.exits[e.nexits++];
                    x->stub = cb_label_new(&cb);
                    x->target = i->a.imm;
                    x->slot = i->sub;
                    x->out = 0;
                    x->site = (uint32_t)x64_call_patchable(&cb, x->stub);
                } else {
                    indirect = cb_label_new(&cb);
                    x64_call_patchable(&cb, indirect);
                }
                struct dexit *r = &e.exits[e.nexits++];
                r->stub = cb_label_new(&cb);
                r->target = i->b.imm;
                r->slot = 1;
                r->out = 0;
                r->site = (uint32_t)x64_jmp_patchable(&cb, r->stub);
                if (x)
                    break;
                cb_bind(&cb, indirect);
            } else if (i->a.kind == JO_IMM) {
                /* direct: a jump the loop links to the successor */
                struct dexit *x = &e.exits[e.nexits++];
                x->stub = cb_label_new(&cb);
                x->target = i->a.imm;
                x->slot = i->sub;
                x->out = 0;
                x->site = (uint32_t)x64_jmp_patchable(&cb, x->stub);
                break;
            }
            /* indirect: the code's jump cache (one load to the jump),
             * then the loop's direct-mapped block cache, probed inline: a
             * translated block found there goes into the jump cache and is
             * entered by its chain entry; anything else goes back to the
             * loop, which fills the block cache */
            get(&e, X64_RAX, &i->a);
            if (i->label == JX_RET) {
                /* a return: to the host return address when the guest
                 * address on top agrees; else the stack is emptied */
                uint32_t miss = cb_label_new(&cb);
                x64_cmp_rm(&cb, 8, X64_RAX, x64_m(X64_RSP, 8));
                x64_jcc(&cb, X64_NE, miss);
                x64_ret_i(&cb, 8);
                cb_bind(&cb, miss);
                x64_lea(&cb, 8, X64_RSP, x64_m(FB, -16));
            }
            if (ir->hjc) {
                uint32_t miss = cb_label_new(&cb);
                hjc_offset(&cb);
                x64_mov_ri(&cb, 8, X64_RDX, (uint64_t)(uintptr_t)ir->hjc);
                x64_cmp_rm(&cb, 8, X64_RAX, x64_mx(X64_RDX, X64_RCX, 1, (int32_t)offsetof(eng_hjc, pc)));
                x64_jcc(&cb, X64_NE, miss);
                x64_jmp_m(&cb, x64_mx(X64_RDX, X64_RCX, 1, (int32_t)offsetof(eng_hjc, host)));
                cb_bind(&cb, miss);
            }
            x64_store(&cb, 8, eng_field(&e, offsetof(eng_vcpu, pc)), X64_RAX);
            {
                uint32_t slow = cb_label_new(&cb);
                x64_mov_rr(&cb, 4, X64_RCX, X64_RAX);
                x64_shr_ri(&cb, 4, X64_RCX, 1);
                x64_and_ri(&cb, 4, X64_RCX, (1 << ENG_JCACHE_BITS) - 1);
                x64_load(&cb, 8, X64_RDX, eng_field(&e, offsetof(eng_vcpu, cache) + offsetof(eng_cache, jcache)));
                x64_load(&cb, 8, X64_RDX, x64_mx(X64_RDX, X64_RCX, 8, 0));
                x64_test_rr(&cb, 8, X64_RDX, X64_RDX);
                x64_jcc(&cb, X64_E, slow);
                x64_cmp_rm(&cb, 8, X64_RAX, x64_m(X64_RDX, (int32_t)offsetof(eng_block, pc)));
                x64_jcc(&cb, X64_NE, slow);
                x64_load(&cb, 8, X64_RDX, x64_m(X64_RDX, (int32_t)offsetof(eng_block, jit)));
                x64_test_rr(&cb, 8, X64_RDX, X64_RDX);
                x64_jcc(&cb, X64_E, slow);
                x64_load(&cb, 4, X64_RCX, x64_m(X64_RDX, (int32_t)offsetof(eng_jit_code, chain)));
                x64_add_rr(&cb, 8, X64_RDX, X64_RCX);
                if (ir->hjc) {
                    /* rax the pc, rdx the chain entry: into the jump cache */
                    hjc_offset(&cb);
                    x64_push(&cb, X64_RDX);
                    x64_mov_ri(&cb, 8, X64_RDX, (uint64_t)(uintptr_t)ir->hjc);
                    x64_add_rr(&cb, 8, X64_RDX, X64_RCX);
                    x64_store(&cb, 8, x64_m(X64_RDX, (int32_t)offsetof(eng_hjc, pc)), X64_RAX);
                    x64_pop(&cb, X64_RAX);
                    x64_store(&cb, 8, x64_m(X64_RDX, (int32_t)offsetof(eng_hjc, host)), X64_RAX);
                    x64_jmp_r(&cb, X64_RAX);
                } else
                    x64_jmp_r(&cb, X64_RDX);
                cb_bind(&cb, slow);
            }
            x64_mov_ri(&cb, 4, X64_RAX, i->sub);
            x64_jmp(&cb, e.epilogue);
            break;
        }
        case JI_FP: fp(&e, i); break;
        case JI_FENCE:
            /* x86-TSO keeps every order but a write before a later read:
             * that one takes a locked instruction (cheaper than mfence) */
            if (i->sub & ENG_ORDER_WR) {
                x64_lock(&cb);
                x64_alu_mi(&cb, X64_OR, 4, x64_m(FB, 0), 0);
            }
            break;
        case JI_TRAP:
            if (i->sub == RTL_TRAP_ECALL) {
                /* an ecall retires: it leaves with the pc at it */
                swaps_out(&e);
                get(&e, X64_RAX, &i->a);
                x64_store(&cb, 8, eng_field(&e, offsetof(eng_vcpu, pc)), X64_RAX);
                x64_store_i(&cb, 4, eng_field(&e, offsetof(eng_vcpu, exit)), (int32_t)ENG_EXIT_SYSCALL);
                x64_store_i(&cb, 8, eng_field(&e, offsetof(eng_vcpu, tval)), 0);
                x64_mov_ri(&cb, 4, X64_RAX, ENG_JIT_LEAVE);
                x64_jmp(&cb, e.epilogue);
            } else {
                x64_mov_ri(&cb, 4, X64_RDX, 0);
                raise_call(&e, trap_exit(i->sub));
            }
            break;
        }
        /* any other write of a vCPU field forgets the field's copy */
        if (i->op != JI_FP && i->d.kind == JO_CPU)
            xc_drop(&e, (int32_t)i->d.n);
    }
    if (e.pend >= 0) {
        x64_store(&cb, 8, x64_m(X64_RBX, e.pend), X64_RAX);
        e.pend = -1;
    }
    if (ir->slot_off && ir->slot_off[ir->nslot] == UINT32_MAX)
        ir->slot_off[ir->nslot] = (uint32_t)cb_len(&cb);
    /* the block's way out: cpu->cur_block says which block left (a block's
     * entry does not write it: a host fault finds the block by its code) */
    cb_bind(&cb, e.epilogue);
    x64_mov_ri(&cb, 8, X64_RCX, (uint64_t)(uintptr_t)b);
    x64_store(&cb, 8, eng_field(&e, offsetof(eng_vcpu, cur_block)), X64_RCX);
    x64_jmp_abs(&cb, sc->sh_leave);
    cb_bind(&cb, e.raise_tail);
    swaps_out(&e);
    x64_mov_ri(&cb, 8, X64_RAX, (uint64_t)(uintptr_t)b);
    x64_store(&cb, 8, eng_field(&e, offsetof(eng_vcpu, cur_block)), X64_RAX);
    x64_jmp_abs(&cb, sc->sh_raise);
    /* conditional exits of a block with swaps: the swaps back, the jump */
    for (unsigned k = 0; k < e.nexits; k++) {
        struct dexit *x = &e.exits[k];
        if (!x->out)
            continue;
        cb_bind(&cb, x->swap);
        swaps_out(&e);
        x->site = (uint32_t)x64_jmp_patchable(&cb, x->stub);
    }
    /* direct exits not linked (yet): back to the loop */
    for (unsigned k = 0; k < e.nexits; k++) {
        const struct dexit *x = &e.exits[k];
        cb_bind(&cb, x->stub);
        if (fits32(x->target))
            x64_store_i(&cb, 8, eng_field(&e, offsetof(eng_vcpu, pc)), (int32_t)x->target);
        else {
            x64_mov_ri(&cb, 8, X64_RAX, x->target);
            x64_store(&cb, 8, eng_field(&e, offsetof(eng_vcpu, pc)), X64_RAX);
        }
        x64_mov_ri(&cb, 4, X64_RAX, (uint64_t)(k << 3 | ENG_JIT_DIRECT | x->slot));
        x64_jmp(&cb, e.epilogue);
    }
    /* something pending at a chain entry: the loop takes the block */
    cb_bind(&cb, dispatch);
    x64_mov_ri(&cb, 8, X64_RAX, b->pc);
    x64_store(&cb, 8, eng_field(&e, offsetof(eng_vcpu, pc)), X64_RAX);
    x64_mov_ri(&cb, 4, X64_RAX, ENG_JIT_DISPATCH);
    x64_jmp(&cb, e.epilogue);
    if (v->mem_model == ENG_MEM_TLB) {
        /* the block's key is not the hart's (a new generation): checked
         * again here, without the trip through the loop, which a context
         * switch asks of every block that runs after it (before the
         * swaps: every block's map) */
        cb_bind(&cb, rekey);
        pins_store(&e, NPIN_KEPT);
        x64_lea(&cb, 8, X64_RDI, x64_m(X64_RBX, e.voff));
        x64_mov_ri(&cb, 8, X64_RSI, (uint64_t)(uintptr_t)b);
        x64_call(&cb, (const void *)eng_tlb_rekey, X64_RAX);
        pins_load(&e, NPIN_KEPT);
        x64_test_rr(&cb, 4, X64_RAX, X64_RAX);
        x64_jcc(&cb, X64_E, dispatch);
        x64_jmp(&cb, keyed);
    }
    /* what follows goes back into the body: the block's map */
    swaps_resume(&e);
    /* NaN results of host FP operators: the operator again, in C */
    for (unsigned k = 0; k < e.nfpstubs; k++) {
        const struct fpstub *st = &e.fpstubs[k];
        cb_bind(&cb, st->label);
        if (st->unbox) {
            x64_mov_ri(&cb, 4, X64_RCX, RTL_DNAN_S);
            x64_movq_xr(&cb, 4, (x64_xmm)(st->unbox - 1), X64_RCX);
            x64_jmp(&cb, st->back);
            continue;
        }
        for (unsigned q = 0; q < 3; q++) {
            if (st->in_mem[q]) {
                if (st->single)
                    x64_movss_rm(&cb, (x64_xmm)q, st->m[q]);
                else
                    x64_movsd_rm(&cb, (x64_xmm)q, st->m[q]);
            } else if (st->reg[q] != q) {
                x64_movaps_rr(&cb, (x64_xmm)q, (x64_xmm)st->reg[q]);
            }
        }
        /* the copies in XMM registers kept across the call, in the frame's
         * helper argument words 4-15 */
        for (unsigned q = 0; q < NXC; q++)
            if (st->xc[q] >= 0)
                x64_movsd_mr(&cb, x64_m(FB, (int32_t)(8 * (4 + q))), (x64_xmm)(4 + q));
        fp_call(&e, st->kind);
        for (unsigned q = 0; q < NXC; q++)
            if (st->xc[q] >= 0)
                x64_movsd_rm(&cb, (x64_xmm)(4 + q), x64_m(FB, (int32_t)(8 * (4 + q))));
        x64_movq_xr(&cb, 8, X64_XMM3, X64_RAX);
        x64_jmp(&cb, st->back);
    }
    /* bound failures (the faulting address in the stub's register) and
     * misaligned atomics: the slot recorded, then eng_raise */
    for (unsigned k = 0; k < e.nstubs; k++) {
        const struct stub *st = &e.stubs[k];
        cb_bind(&cb, st->label);
        if (st->size) {
            x64_reg scratch = st->reg == X64_RDX ? X64_RAX : X64_RDX;
            x64_mov_ri(&cb, 8, scratch, v->mem_limit - st->size);
            x64_cmp_rr(&cb, 8, st->reg, scratch);
            x64_jcc(&cb, X64_BE, st->back);
        }
        x64_mov_ri(&cb, 8, X64_RCX, (uint64_t)(uintptr_t)&b->insn[st->slot]);
        x64_store(&cb, 8, eng_field(&e, offsetof(eng_vcpu, cur)), X64_RCX);
        if (st->reg != X64_RDX)
            x64_mov_rr(&cb, 8, X64_RDX, st->reg);
        raise_call(&e, st->why);
    }
    tlb_stubs(&e);
    div_cold(&e);
    if (ir->slot_off)
        ir->slot_off[ir->nslot + 1] = (uint32_t)cb_len(&cb);
    if (!cb.err) {
        eng_jit_code h = {.entry = (uint32_t)entry_off, .chain = (uint32_t)chain_off,
                          .chain_keyed = (uint32_t)keyed_off, .nexits = e.nexits, .naccess = e.nacc,
                          .nswap = e.nswap};
        memcpy(cb.p, &h, sizeof h);
        for (unsigned k = 0; k < e.nexits; k++) {
            eng_jit_exit x = {.target = e.exits[k].target, .site = e.exits[k].site,
                              .stub = (uint32_t)cb_label_pos(&cb, e.exits[k].stub)};
            memcpy(cb.p + sizeof h + k * sizeof x, &x, sizeof x);
        }
        memcpy(cb.p + sizeof h + e.nexits * sizeof(eng_jit_exit), e.acc, e.nacc * sizeof *e.acc);
        memcpy(cb.p + sizeof h + e.nexits * sizeof(eng_jit_exit) + e.nacc * sizeof *e.acc, e.swap,
               e.nswap * sizeof *e.swap);
    }
    void *code = cm_commit(m, &cb);
    if (!code)
        *full = cb.err == CB_EFULL;
    sc->cb_labels = cb.labels;  /* kept, grown as they may have been */
    sc->cb_labcap = cb.labcap;
    sc->cb_fix = cb.fix;
    sc->cb_fixcap = cb.fixcap;
    return code;
}

unsigned jit_host_npins(void) { return NPIN - 1; }

int jit_host_patch(codemem *m, void *site, const void *target) { return x64_patch_jmp(m, site, target); }

void jit_host_fault_regs(const eng_vcpu *v, const jit_ir *ir, const eng_jit_code *code, const void *uc)
{
#if defined(__linux__)
    const ucontext_t *u = uc;
    int32_t off[NPIN];
    unsigned n = pin_offsets(v->isa, ir, off);
    /* guest accesses are in the block's body, where its swaps hold (the
     * pinned registers they swapped out are current in the vCPU) */
    const jit_swap *sw =
        (const jit_swap *)(const void *)((const char *)&code->exit[code->nexits] +
                                         code->naccess * sizeof(eng_jit_access));
    for (unsigned s = 0; s < code->nswap; s++)
        if (sw[s].k < n)
            off[sw[s].k] = sw[s].off;
    char *cpu = (char *)(uintptr_t)v - v->isa->vcpu_offset;
    for (unsigned k = 0; k < n; k++) {
        uint64_t r = (uint64_t)u->uc_mcontext.gregs[pin_greg[k]];
        memcpy(cpu + off[k], &r, 8);
    }
#else
    (void)v;
    (void)ir;
    (void)code;
    (void)uc;
#endif
}
