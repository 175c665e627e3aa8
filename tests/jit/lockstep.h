/* lockstep: random RISC-V instruction sequences run by two harts from the
 * same state, one under the interpreter (ENG_TIER_INTERP) and one under the
 * translation tier (ENG_TIER_JIT), a budget's worth at a time; after every
 * step all state must agree.  Shared by the test tests/jit/lockstep.c and the
 * libFuzzer target fuzz/fuzz_lockstep.c.
 *
 * A sequence is 1..64 instructions of every op the .isa files define
 * (random encodings from the generated tables, as tests/engine/rtl_diff.h
 * makes them), some in the runs the decoder fuses, with what makes them
 * interesting put in front: loads, stores, AMOs and LR/SC get a base
 * register pointing into a data area (aligned or not, near its ends, into a
 * read-only page, or outside the reservation); branches and jal jump to an
 * instruction of the sequence, forward or backward; jalr, c.jr and c.jalr
 * get their target from an auipc; CSR instructions mostly touch fflags, frm,
 * fcsr, cycle and instret.  Registers start from rtl_diff's pools (FP edge
 * values, NaN-boxed singles, -0, subnormals, infinities) and frm takes every
 * value, the reserved ones too.
 *
 * A quarter of the sequences only jump forward (no jump lands inside an
 * auipc group), so they end by themselves: most of their steps run with no
 * budget at all, where translated blocks chain straight to each other.
 *
 * Each step runs both harts with the same budget (1..64 instructions, now
 * and then 4096, or none in a forward sequence) and compares x and f registers, pc, fflags, frm, instret,
 * the exit and its tval, the LR/SC reservation, the interrupt request and
 * the data area.  After a trap both skip the instruction (an ecall returns
 * as a system call would) and go on; a fetch outside the sequence ends it.
 * A difference prints the sequence disassembled, the step, and every field
 * that differs.
 *
 * A quarter of the sequences run on harts of the soft-TLB model
 * (engine/mmu.h) instead of the flat one: the same guest memory (the
 * address space's host memory is the RAM) mapped one to one under Sv39 by
 * page tables at LS_PT -- the code page R+X, the data pages R+W (not
 * executable), the read-only page R, the page after it (LS_DEV) a device
 * (a 4 KiB register file that refuses writes to its last 256 bytes),
 * everything else unmapped -- so that page faults, access faults, MMIO and
 * page crossings through the TLB's slow path meet translated code; half of
 * them trap misaligned loads and stores.  The page tables are built again
 * for each sequence (the walk sets A and D bits).
 *
 * Until the translation tier exists, ENG_TIER_JIT runs the interpreter and
 * the comparison holds trivially; nothing here needs to change when it lands.
 */
#ifndef VVM_TESTS_LOCKSTEP_H
#define VVM_TESTS_LOCKSTEP_H

#include "engine/mmu.h"
#include "tests/engine/rtl_diff.h"

#define LS_SPACE (UINT64_C(1) << 20)
#define LS_CODE UINT64_C(0x1000)
#define LS_DATA UINT64_C(0x10000)     /* read-write */
#define LS_DATA_LEN UINT64_C(0x2000)
#define LS_RO (LS_DATA + LS_DATA_LEN) /* one read-only page after it */
#define LS_DEV (LS_RO + VVM_PAGE)    /* the TLB model's device page */
#define LS_PT UINT64_C(0x40000)       /* the TLB model's page tables (3 pages) */
#define LS_DEV_PA UINT64_C(0x200000)  /* the device's physical address (past RAM) */
#define LS_MAXOPS 64                  /* random instructions in a sequence */
#define LS_MAXINS 256                 /* with the setup put in front of them */
#define LS_STEPS 96                   /* budget steps per sequence at most */

enum { LS_FIX_NONE, LS_FIX_B, LS_FIX_J, LS_FIX_CB, LS_FIX_CJ, LS_FIX_JALR, LS_FIX_ADDI };

typedef struct ls_ins {
    uint32_t raw;
    uint8_t len, fix;
    int16_t target;     /* the instruction a branch goes to (n: just past the end) */
    int16_t base;       /* LS_FIX_JALR, LS_FIX_ADDI: the auipc the offset is from */
} ls_ins;

typedef struct ls_state {
    HART_SNAPSHOT_EMBED;
    uint8_t data[LS_DATA_LEN];
} ls_state;

typedef struct ls_side {
    vvm_aspace as;
    rv_cpu cpu;
    int live;
    eng_phys *phys;             /* the TLB model's physical memory */
    uint8_t dev[VVM_PAGE];      /* its device's registers */
} ls_side;

typedef struct ls_ctx {
    ls_side side[2];            /* 0: the interpreter, 1: the translation tier */
    eng_tier tier[2];
    ls_ins ins[LS_MAXINS];
    uint64_t addr[LS_MAXINS + 1];
    int n;
    int forward;                /* every transfer goes forward: steps run unbudgeted */
    int tlb;                    /* the harts are of the soft-TLB model (2: misaligned accesses trap) */
    uint32_t fptrap[2];         /* each side's harts keep FP flags by trapping (core/hostfault.h) */
    long tlb_seqs;              /* how many were, for the summary */
    uint64_t end;               /* just past the sequence */
    uint8_t code[VVM_PAGE];     /* the code page: the sequence, then c.ebreak */
    unsigned char seen[RV_NOPS];
    long steps, retired;        /* totals, for the summary */
    ls_state init, before, st[2];
} ls_ctx;


static int ls_dev_read(void *arg, uint64_t off, unsigned size, uint64_t *val)
{
    ls_side *sd = arg;
    *val = 0;
    memcpy(val, sd->dev + off, size);
    return 0;
}
static int ls_dev_write(void *arg, uint64_t off, unsigned size, uint64_t val)
{
    ls_side *sd = arg;
    if (off >= VVM_PAGE - 256)
        return 1;   /* an access fault */
    memcpy(sd->dev + off, &val, size);
    return 0;
}
static const eng_mmio_ops ls_dev_ops = {ls_dev_read, ls_dev_write};

static int ls_init(ls_ctx *c)
{
    memset(c, 0, sizeof *c);
    c->tier[0] = ENG_TIER_INTERP;
    c->tier[1] = ENG_TIER_JIT;
    if (vvm_hostfault_install() < 0 || vvm_hostfault_fp_acquire() < 0)
        return -1;
    for (int s = 0; s < 2; s++) {
        vvm_aspace *as = &c->side[s].as;
        if (vvm_aspace_init(as, LS_SPACE) < 0 ||
            vvm_aspace_map(as, LS_CODE, VVM_PAGE, VVM_PROT_R | VVM_PROT_X, MAP_PRIVATE, -1, 0) < 0 ||
            vvm_aspace_map(as, LS_DATA, LS_DATA_LEN, VVM_PROT_R | VVM_PROT_W, MAP_PRIVATE, -1, 0) < 0 ||
            vvm_aspace_map(as, LS_RO, VVM_PAGE, VVM_PROT_R, MAP_PRIVATE, -1, 0) < 0 ||
            vvm_aspace_map(as, LS_PT, 3 * VVM_PAGE, VVM_PROT_R | VVM_PROT_W, MAP_PRIVATE, -1, 0) < 0)
            return -1;
        /* the TLB model's RAM is the same host memory */
        ls_side *sd = &c->side[s];
        if (!(sd->phys = eng_phys_new(NULL)) || !eng_phys_add_ram(sd->phys, 0, LS_SPACE, as->base) ||
            eng_phys_add_mmio(sd->phys, LS_DEV_PA, VVM_PAGE, &ls_dev_ops, sd) < 0)
            return -1;
        for (uint64_t a = 0; a < VVM_PAGE; a += 8) {
            uint64_t w = UINT64_C(0x0123456789abcdef) ^ (a * UINT64_C(0x9e3779b97f4a7c15));
            vvm_aspace_poke(as, LS_RO + a, &w, 8);
        }
    }
    return 0;
}

/* ---- the generator ---- */

/* A third of the sequences are FP-dense: mostly FP instructions on a few
 * registers (8-11), their rounding mode mostly dyn or RNE and frm mostly
 * RNE, so that the translator's fast arms and the FP values it keeps in XMM
 * registers within a block meet each other often. */
static int ls_fp_dense;

static int ls_is_csr(unsigned op) { return (rv_ops[op].name[0] == 'c' && rv_ops[op].name[1] == 's') || !strncmp(rv_ops[op].name, "rd", 2); }

/* A random encoding of op, or 0 when none was found. */
static int ls_encode(rd_rng *r, unsigned op, uint32_t *raw, eng_insn *i)
{
    for (int k = 0; k < 32; k++) {
        uint32_t w = rd_random_word(r, op);
        if (ls_fp_dense && rd_enc[op].len == 4 && (rv_ops[op].flags & RV_OPF_FP)) {
            uint64_t v = rd_next(r);
            uint32_t regs = 0;
            for (int f = 0; f < 4; f++) {   /* rd rs1 rs2 rs3: 8..11 */
                static const int at[4] = {7, 15, 20, 27};
                regs |= (uint32_t)(8 + (v >> (2 * f) & 3)) << at[f];
            }
            uint32_t rm = (v >> 8 & 3) == 0 ? 0 : (v >> 8 & 3) == 3 ? (uint32_t)(v >> 10 & 7) : 7;
            regs |= rm << 12;
            uint32_t fields = 0x1fu << 7 | 0x1fu << 15 | 0x1fu << 20 | 0x1fu << 27 | 7u << 12;
            fields &= ~rd_enc[op].mask;
            w = (w & ~fields) | (regs & fields);
        }
        if (ls_is_csr(op) && (rd_next(r) & 3)) {  /* mostly the FP CSRs and the counters */
            static const uint32_t csrs[] = {1, 2, 3, 3, 2, 0xc00, 0xc02};
            w = (w & 0xfffff) | csrs[rd_next(r) % (sizeof csrs / sizeof csrs[0])] << 20;
        }
        if (!rv_decode(w, i))
            continue;
        if (i->op == RV_OP_rdtime || ((w & 0x7f) == 0x73 && (w & 0x3000) && (w >> 20) == 0xc01))
            continue;  /* time moves between the two runs */
        if (i->op != op && !ls_is_csr(op))
            continue;
        *raw = w;
        return 1;
    }
    return 0;
}

static void ls_push(ls_ctx *c, uint32_t raw, int fix, int base)
{
    ls_ins *p = &c->ins[c->n++];
    p->raw = raw;
    p->len = (raw & 3) == 3 ? 4 : 2;
    p->fix = (uint8_t)fix;
    p->target = -1;
    p->base = (int16_t)base;
}

/* The setup of a memory access: its base register rs1 into the data area,
 * near its ends, into the read-only page, or out of the reservation. */
static void ls_setup_base(ls_ctx *c, rd_rng *r, unsigned rs1)
{
    uint64_t v = rd_next(r);
    if (!rs1 || (v & 7) == 0)
        return;  /* whatever the register holds: mostly outside */
    static const uint32_t hi[] = {0x10, 0x11, 0x11, 0x12, 0x13, 0x80000, 0xf};
    uint32_t up = hi[(v >> 3) % (sizeof hi / sizeof hi[0])];
    ls_push(c, 0x37 | rs1 << 7 | up << 12, LS_FIX_NONE, -1);           /* lui rs1, up */
    if (v >> 8 & 1) {
        int32_t k = (int32_t)(v >> 16 & 0x7f) - 32;                     /* -32..95: misaligned too */
        ls_push(c, 0x13 | rs1 << 7 | rs1 << 15 | ((uint32_t)k & 0xfff) << 20, LS_FIX_NONE, -1);
    }
}

/* One op with the setup it wants; returns 0 when no encoding was found. */
static int ls_gen_op(ls_ctx *c, rd_rng *r, unsigned op, int setup)
{
    uint32_t raw;
    eng_insn i;
    if (c->n + 4 > LS_MAXINS || !ls_encode(r, op, &raw, &i))
        return 0;
    op = i.op;
    int fix = LS_FIX_NONE, base = -1;
    switch (op) {
    case RV_OP_beq: case RV_OP_bne: case RV_OP_blt: case RV_OP_bge: case RV_OP_bltu: case RV_OP_bgeu:
        fix = LS_FIX_B;
        break;
    case RV_OP_jal: fix = LS_FIX_J; break;
    case RV_OP_c_j: fix = LS_FIX_CJ; break;
    case RV_OP_c_beqz: case RV_OP_c_bnez: fix = LS_FIX_CB; break;
    case RV_OP_jalr:
        /* not inside a fused run, unless the sequence must go forward */
        if (i.r[1] && (c->forward || (setup && (rd_next(r) & 7)))) {
            base = c->n;
            ls_push(c, 0x17 | (uint32_t)i.r[1] << 7, LS_FIX_NONE, -1);  /* auipc rs1, 0 */
            fix = LS_FIX_JALR;
        }
        break;
    case RV_OP_c_jr: case RV_OP_c_jalr:
        if (c->forward || (setup && (rd_next(r) & 7))) {
            base = c->n;
            ls_push(c, 0x17 | (uint32_t)i.r[1] << 7, LS_FIX_NONE, -1);
            ls_push(c, 0x13 | (uint32_t)i.r[1] << 7 | (uint32_t)i.r[1] << 15, LS_FIX_ADDI, base);
            c->ins[c->n - 1].target = (int16_t)(rd_next(r) % 0x7fff);  /* resolved in ls_layout */
        }
        break;
    default:
        if (setup && rd_is_mem(&i))
            ls_setup_base(c, r, i.r[1]);
        break;
    }
    c->seen[op] = 1;
    ls_push(c, raw, fix, base);
    if (fix != LS_FIX_NONE)
        c->ins[c->n - 1].target = (int16_t)(rd_next(r) % 0x7fff);
    return 1;
}

static uint32_t ls_put_b(uint32_t w, int32_t o)
{
    uint32_t u = (uint32_t)o;
    return (w & ~0xfe000f80u) | (u >> 12 & 1) << 31 | (u >> 5 & 0x3f) << 25 | (u >> 1 & 0xf) << 8 | (u >> 11 & 1) << 7;
}
static uint32_t ls_put_j(uint32_t w, int32_t o)
{
    uint32_t u = (uint32_t)o;
    return (w & 0xfff) | (u >> 20 & 1) << 31 | (u >> 1 & 0x3ff) << 21 | (u >> 11 & 1) << 20 | (u >> 12 & 0xff) << 12;
}
static uint32_t ls_put_cb(uint32_t w, int32_t o)
{
    uint32_t u = (uint32_t)o;
    return (w & ~0x1c7cu) | (u >> 8 & 1) << 12 | (u >> 3 & 3) << 10 | (u >> 6 & 3) << 5 | (u >> 1 & 3) << 3 |
           (u >> 5 & 1) << 2;
}
static uint32_t ls_put_cj(uint32_t w, int32_t o)
{
    uint32_t u = (uint32_t)o;
    return (w & ~0x1ffcu) | (u >> 11 & 1) << 12 | (u >> 4 & 1) << 11 | (u >> 8 & 3) << 9 | (u >> 10 & 1) << 8 |
           (u >> 6 & 1) << 7 | (u >> 7 & 1) << 6 | (u >> 1 & 7) << 3 | (u >> 5 & 1) << 2;
}
static uint32_t ls_put_i(uint32_t w, int32_t o) { return (w & 0xfffff) | ((uint32_t)o & 0xfff) << 20; }

/* Addresses, then every branch's offset to its target; a target out of the
 * format's reach becomes the next instruction.  In a forward sequence a
 * target is past the jump and never inside an auipc group (whose register
 * would not hold the address).  Returns -1 when an encoded offset does not
 * decode back (a bug of the encoders above) or a forward sequence could
 * jump back. */
static int ls_layout(ls_ctx *c)
{
    c->addr[0] = LS_CODE;
    for (int k = 0; k < c->n; k++)
        c->addr[k + 1] = c->addr[k] + c->ins[k].len;
    c->end = c->addr[c->n];
    for (int k = 0; k < c->n; k++) {
        ls_ins *p = &c->ins[k];
        if (p->fix == LS_FIX_NONE)
            continue;
        int t = p->target % (c->n + 1);
        if (c->forward) {
            int self = p->fix == LS_FIX_ADDI ? k + 1 : k;  /* where the jump is */
            if (t < c->n && c->ins[t].base >= 0)
                t = c->ins[t].base;
            if (t <= self)
                t = self + 1;
        }
        uint64_t from = p->fix == LS_FIX_JALR || p->fix == LS_FIX_ADDI ? c->addr[p->base] : c->addr[k];
        int32_t o = (int32_t)(c->addr[t] - from);
        int32_t reach = p->fix == LS_FIX_CB ? 256 : p->fix == LS_FIX_B ? 4096 : p->fix == LS_FIX_J ? 1 << 20 : 2048;
        if (o < -reach || o >= reach) {
            t = p->fix == LS_FIX_ADDI ? k + 2 : k + 1;
            o = (int32_t)(c->addr[t] - from);
        }
        p->target = (int16_t)t;
        switch (p->fix) {
        case LS_FIX_B: p->raw = ls_put_b(p->raw, o); break;
        case LS_FIX_J: p->raw = ls_put_j(p->raw, o); break;
        case LS_FIX_CB: p->raw = ls_put_cb(p->raw, o); break;
        case LS_FIX_CJ: p->raw = ls_put_cj(p->raw, o); break;
        default: p->raw = ls_put_i(p->raw, o); break;
        }
        eng_insn i;
        if (!rv_decode(p->raw, &i) || i.imm != o) {
            fprintf(stderr, "lockstep: generator: offset %d put in %08x does not decode back\n", o, p->raw);
            return -1;
        }
    }
    for (int k = 0; k < c->n && c->forward; k++) {
        const ls_ins *p = &c->ins[k];
        eng_insn i;
        int self = p->fix == LS_FIX_ADDI ? k + 1 : k;
        int back = p->fix != LS_FIX_NONE && p->target <= self;
        if (rv_decode(p->raw, &i) && i.r[1] && p->base < 0 &&
            (i.op == RV_OP_jalr || i.op == RV_OP_c_jr || i.op == RV_OP_c_jalr))
            back = 1;  /* through a register nobody set */
        if (back) {
            fprintf(stderr, "lockstep: generator: a forward sequence may jump back at %d (%08x)\n", k, p->raw);
            return -1;
        }
    }
    return 0;
}

/* A sequence and a starting state; -1 on a generator bug. */
static int ls_generate(ls_ctx *c, rd_rng *r)
{
    c->n = 0;
    c->forward = rd_next(r) % 4 == 0;
    ls_fp_dense = rd_next(r) % 3 == 0;
    int want = 1 + (int)(rd_next(r) % LS_MAXOPS);
    for (int made = 0, tries = 0; made < want && tries < 4 * LS_MAXOPS; tries++) {
        uint64_t v = rd_next(r);
        if (v % 6 == 0) {  /* a run the decoder fuses, its accesses' bases set first */
            unsigned f = (unsigned)(v >> 8) % (sizeof rd_fuse / sizeof rd_fuse[0]);
            int at = c->n, ok = 1;
            for (unsigned k = 0; k < rd_fuse[f].n && ok; k++)
                ok = ls_gen_op(c, r, rd_fuse[f].op[k], 0);
            for (int k = at; k < c->n; k++) {  /* a base to the data area, in front of the run */
                eng_insn i;
                if (rv_decode(c->ins[k].raw, &i) && rd_is_mem(&i) && i.r[1] && (rd_next(r) & 1) && c->n + 1 < LS_MAXINS) {
                    memmove(&c->ins[at + 1], &c->ins[at], (size_t)(c->n - at) * sizeof c->ins[0]);
                    c->n++;
                    k++;
                    c->ins[at].raw = 0x37 | (uint32_t)i.r[1] << 7 | 0x11u << 12;  /* lui rs1, 0x11 */
                    c->ins[at].len = 4;
                    c->ins[at].fix = LS_FIX_NONE;
                    c->ins[at].target = c->ins[at].base = -1;
                    for (int j = at + 1; j < c->n; j++)
                        if (c->ins[j].base >= at)
                            c->ins[j].base++;
                }
            }
            made += (int)rd_fuse[f].n;
        } else if (ls_fp_dense && v % 6 == 1 && c->n + 2 < LS_MAXINS) {
            /* frflags / fsflags (the fast arms of csrr and csrw fflags)
             * among the FP operations: flags read after they were raised,
             * cleared, dropped or written back */
            uint32_t rd = 8 + (uint32_t)(v >> 10 & 7), rs = 8 + (uint32_t)(v >> 13 & 7);
            uint32_t frflags = 0x00102073 | rd << 7, fsflags = 0x00101073 | rs << 15;
            switch (v >> 8 & 3) {
            case 0: ls_push(c, frflags, LS_FIX_NONE, -1); break;
            case 1: ls_push(c, fsflags, LS_FIX_NONE, -1); break;
            case 2: ls_push(c, 0x00101073, LS_FIX_NONE, -1); break;  /* fsflags zero */
            default:
                ls_push(c, frflags, LS_FIX_NONE, -1);
                ls_push(c, 0x00101073 | rd << 15, LS_FIX_NONE, -1);
                break;
            }
            made++;
        } else {
            unsigned op = (unsigned)(v >> 8) % RV_NOPS;
            for (int k = 0; ls_fp_dense && (v & 3) && !(rv_ops[op].flags & RV_OPF_FP) && k < 16; k++)
                op = (unsigned)(rd_next(r) % RV_NOPS);
            if (ls_gen_op(c, r, op, 1))
                made++;
        }
    }
    if (c->n == 0)
        ls_push(c, 0x00000013, LS_FIX_NONE, -1);  /* nop */
    if (ls_layout(c) < 0)
        return -1;
    for (size_t a = 0; a < VVM_PAGE; a += 2) {  /* c.ebreak after the sequence */
        c->code[a] = 0x02;
        c->code[a + 1] = 0x90;
    }
    for (int k = 0; k < c->n; k++)
        memcpy(c->code + (c->addr[k] - LS_CODE), &c->ins[k].raw, c->ins[k].len);

    ls_state *s = &c->init;
    memset(s, 0, sizeof *s);
    for (int k = 1; k < 32; k++)
        s->x[k] = rd_value(r, rd_ints, sizeof rd_ints / sizeof rd_ints[0]);
    for (int k = 0; k < 32; k++)
        s->f[k] = rd_value(r, rd_fps, sizeof rd_fps / sizeof rd_fps[0]);
    uint64_t v = rd_next(r);
    s->fflags = (uint32_t)(v & 31);
    s->frm = (uint32_t)(v >> 5 & 7);
    if ((v >> 8 & 3) != 0 && s->frm > 4)
        s->frm %= 5;  /* the reserved modes (illegal with dyn) now and then */
    if (ls_fp_dense && (v >> 10 & 3))
        s->frm = 0;
    s->pc = LS_CODE;
    s->instret = v >> 16 & 0xffff;
    for (size_t k = 0; k < LS_DATA_LEN; k += 8) {
        uint64_t w = rd_value(r, rd_fps, sizeof rd_fps / sizeof rd_fps[0]);
        memcpy(s->data + k, &w, 8);
    }
    uint64_t off = rd_next(r) % LS_DATA_LEN & ~(uint64_t)7;
    s->res_valid = (int)(v >> 10 & 1);
    s->res_addr = LS_DATA + off;
    memcpy(&s->res_val, s->data + off, 8);
    return 0;
}

/* ---- running and comparing ---- */

static void ls_fini(ls_ctx *c)
{
    for (int k = 0; k < 2; k++) {
        if (c->side[k].live)
            rv_cpu_fini(&c->side[k].cpu);
        c->side[k].live = 0;
        vvm_aspace_fini(&c->side[k].as);
        eng_phys_free(c->side[k].phys);
        c->side[k].phys = NULL;
    }
}

static void ls_load(ls_ctx *c, int k, const ls_state *s)
{
    ls_side *sd = &c->side[k];
    rv_cpu *cpu = &sd->cpu;
    if (sd->live)
        rv_cpu_fini(cpu);  /* a fresh hart: no block or translation survives */
    sd->live = rv_cpu_init(cpu, &sd->as, NULL, NULL) == 0;
    if (!sd->live) {
        fprintf(stderr, "lockstep: out of memory\n");
        abort();
    }
    cpu->tier = c->tier[k];
    cpu->fp_trap = c->fptrap[k];
    if (c->tlb) {
        /* Sv39, one to one: root -> level 1 -> level 0 for [0, 2 MiB) */
        uint64_t pt[3][512];
        memset(pt, 0, sizeof pt);
        const uint64_t V = 1, R = 2, W = 4, X = 8, A = 64, D = 128;
        pt[0][0] = (LS_PT + VVM_PAGE) >> 12 << 10 | V;
        pt[1][0] = (LS_PT + 2 * VVM_PAGE) >> 12 << 10 | V;
        pt[2][LS_CODE >> 12] = LS_CODE >> 12 << 10 | V | R | X | A;
        for (uint64_t a = LS_DATA; a < LS_DATA + LS_DATA_LEN; a += VVM_PAGE)
            pt[2][a >> 12] = a >> 12 << 10 | V | R | W | (a == LS_DATA ? A | D : 0);  /* the walk sets them */
        pt[2][LS_RO >> 12] = LS_RO >> 12 << 10 | V | R | A;
        pt[2][LS_DEV >> 12] = LS_DEV_PA >> 12 << 10 | V | R | W | A | D;
        vvm_aspace_poke(&sd->as, LS_PT, pt, sizeof pt);
        memset(sd->dev, 0x5a, sizeof sd->dev);
        if (eng_vcpu_use_tlb(&cpu->vcpu, sd->phys) < 0 ||
            eng_mmu_set_satp(&cpu->vcpu, (uint64_t)ENG_SATP_SV39 << 60 | LS_PT >> 12) < 0) {
            fprintf(stderr, "lockstep: cannot put the hart on the TLB model\n");
            abort();
        }
        eng_mmu_set_priv(&cpu->vcpu, ENG_PRIV_S, ENG_PRIV_S);
        eng_mmu_set_misaligned(&cpu->vcpu, c->tlb == 2);
    }
    vvm_aspace_poke(&sd->as, LS_CODE, c->code, sizeof c->code);
    vvm_aspace_poke(&sd->as, LS_DATA, s->data, LS_DATA_LEN);
    hart_put(cpu, &s->hart);
}

static void ls_save(ls_ctx *c, int k, ls_state *s)
{
    rv_cpu *cpu = &c->side[k].cpu;
    hart_get(cpu, &s->hart, &c->side[k].as, LS_DATA, s->data, LS_DATA_LEN);
}

static const char *ls_tier_name(eng_tier t) { return t == ENG_TIER_JIT ? "jit" : t == ENG_TIER_AUTO ? "auto" : "interp"; }

static void ls_print_sequence(const ls_ctx *c, FILE *o)
{
    fprintf(o, "  the sequence (%d instructions):\n", c->n);
    for (int k = 0; k < c->n; k++) {
        char dis[128] = "?";
        rv_disasm(c->addr[k], c->ins[k].raw, dis, sizeof dis);
        if (c->ins[k].len == 2)
            fprintf(o, "    %#llx:     %04x  %s\n", (unsigned long long)c->addr[k], c->ins[k].raw, dis);
        else
            fprintf(o, "    %#llx: %08x  %s\n", (unsigned long long)c->addr[k], c->ins[k].raw, dis);
    }
}

/* Compares the two sides; on a difference prints the sequence, the step and
 * every field that differs, and returns 1. */
static int ls_compare(const ls_ctx *c, int step, int64_t budget)
{
    const ls_state *in = &c->before, *a = &c->st[0], *b = &c->st[1];
    int bad = 0;
    FILE *o = stderr;
#define LS_DIFF(fmt, ...)                                                                                   \
    do {                                                                                                    \
        if (!bad++) {                                                                                       \
            fprintf(o, "lockstep: %s and %s differ after step %d (budget %lld, from pc %#llx, instret %llu)\n", \
                    ls_tier_name(c->tier[0]), ls_tier_name(c->tier[1]), step, (long long)budget,           \
                    (unsigned long long)in->pc, (unsigned long long)in->instret);                           \
            ls_print_sequence(c, o);                                                                        \
            fprintf(o, "  differences (%s vs %s):\n", ls_tier_name(c->tier[0]), ls_tier_name(c->tier[1])); \
        }                                                                                                   \
        fprintf(o, "    " fmt "\n", __VA_ARGS__);                                                           \
    } while (0)
    for (int k = 1; k < 32; k++)
        if (a->x[k] != b->x[k])
            LS_DIFF("x%d (%s): %#llx vs %#llx (was %#llx)", k, rv_xname[k], (unsigned long long)a->x[k],
                    (unsigned long long)b->x[k], (unsigned long long)in->x[k]);
    for (int k = 0; k < 32; k++)
        if (a->f[k] != b->f[k])
            LS_DIFF("f%d (%s): %#llx vs %#llx (was %#llx)", k, rv_fname[k], (unsigned long long)a->f[k],
                    (unsigned long long)b->f[k], (unsigned long long)in->f[k]);
    if (a->pc != b->pc)
        LS_DIFF("pc: %#llx vs %#llx", (unsigned long long)a->pc, (unsigned long long)b->pc);
    if (a->instret != b->instret)
        LS_DIFF("instret: %llu vs %llu", (unsigned long long)a->instret, (unsigned long long)b->instret);
    if (a->fflags != b->fflags)
        LS_DIFF("fflags: %#x vs %#x (was %#x)", a->fflags, b->fflags, in->fflags);
    if (a->frm != b->frm)
        LS_DIFF("frm: %u vs %u (was %u)", a->frm, b->frm, in->frm);
    if (a->exit != b->exit)
        LS_DIFF("exit: %s vs %s", rd_exit_name(a->exit), rd_exit_name(b->exit));
    else if (a->exit != RV_EXIT_NONE && a->exit != RV_EXIT_ECALL && a->exit != RV_EXIT_EBREAK &&
             a->exit != RV_EXIT_BUDGET && a->exit != RV_EXIT_INTERRUPT && a->tval != b->tval)
        LS_DIFF("tval (%s): %#llx vs %#llx", rd_exit_name(a->exit), (unsigned long long)a->tval,
                (unsigned long long)b->tval);
    if (a->res_valid != b->res_valid || (a->res_valid && (a->res_addr != b->res_addr || a->res_val != b->res_val)))
        LS_DIFF("reservation: %d %#llx=%#llx vs %d %#llx=%#llx", a->res_valid, (unsigned long long)a->res_addr,
                (unsigned long long)a->res_val, b->res_valid, (unsigned long long)b->res_addr,
                (unsigned long long)b->res_val);
    if (a->interrupt != b->interrupt)
        LS_DIFF("interrupt request: %d vs %d", a->interrupt, b->interrupt);
    for (size_t k = 0; k < LS_DATA_LEN; k++)
        if (a->data[k] != b->data[k]) {
            size_t w = k & ~(size_t)7;
            uint64_t va, vb, vi;
            memcpy(&va, a->data + w, 8);
            memcpy(&vb, b->data + w, 8);
            memcpy(&vi, in->data + w, 8);
            LS_DIFF("memory at %#llx (first difference): %#llx vs %#llx (was %#llx)",
                    (unsigned long long)(LS_DATA + w), (unsigned long long)va, (unsigned long long)vb,
                    (unsigned long long)vi);
            break;
        }
#undef LS_DIFF
    return bad != 0;
}

/* One generated sequence, both sides in lockstep.  Returns 0 when they
 * agree to the end, 1 on a difference (printed), -1 on a generator bug. */
static int ls_check(ls_ctx *c, rd_rng *r)
{
    if (ls_generate(c, r) < 0)
        return -1;
    uint64_t m = rd_next(r);
    c->tlb = m % 4 == 0 ? 1 + (int)(m >> 8 & 1) : 0;
    c->fptrap[0] = (uint32_t)(m >> 10 & 1);
    c->fptrap[1] = (uint32_t)(m >> 11 & 1);
    c->tlb_seqs += c->tlb != 0;
    ls_load(c, 0, &c->init);
    ls_load(c, 1, &c->init);
    c->before = c->init;
    for (int step = 0; step < LS_STEPS; step++) {
        uint64_t v = rd_next(r);
        int64_t budget = (v & 7) == 0 ? 4096 : 1 + (int64_t)(v >> 8 & 63);
        if (c->forward && (v & 3))
            budget = -1;  /* no budget: translated blocks chain to each other */
        for (int k = 0; k < 2; k++) {
            rv_cpu *cpu = &c->side[k].cpu;
            cpu->budget = budget;
            /* half the runs start with MXCSR already this hart's, as a
             * run after a helper claimed it would: the FP instructions'
             * fast arms (rv64f.isa, rv64d.isa) then run from the first */
            if (v >> 20 & 1)
                rv_fp_claim(cpu);
            rv_run(cpu);
            cpu->budget = -1;
            ls_save(c, k, &c->st[k]);
        }
        c->steps++;
        c->retired += (long)(c->st[0].instret - c->before.instret);
        if (ls_compare(c, step, budget))
            return 1;
        /* go on as a machine would: past a trap (an ecall returns), after
         * an interrupt request; stop outside the sequence */
        ls_state *s = &c->st[0];
        uint64_t pc = s->pc;
        if (pc < LS_CODE || pc >= c->end)
            break;
        int len = (c->code[pc - LS_CODE] & 3) == 3 ? 4 : 2;
        uint64_t next = pc;
        switch (s->exit) {
        case RV_EXIT_BUDGET: case RV_EXIT_NONE: break;
        case RV_EXIT_INTERRUPT: break;
        case RV_EXIT_ECALL: case RV_EXIT_EBREAK: case RV_EXIT_ILLEGAL:
        case RV_EXIT_LOAD: case RV_EXIT_STORE: case RV_EXIT_MISALIGNED:
        case ENG_EXIT_LOAD_PAGE: case ENG_EXIT_STORE_PAGE:
        case ENG_EXIT_LOAD_MISALIGNED: case ENG_EXIT_STORE_MISALIGNED:
            next = pc + (uint64_t)len;
            break;
        default:
            return 0;  /* a fetch fault, a bus error: the end */
        }
        for (int k = 0; k < 2; k++) {
            rv_cpu *cpu = &c->side[k].cpu;
            cpu->pc = next;
            cpu->exit = RV_EXIT_NONE;
            cpu->tval = 0;
            cpu->interrupt = 0;
        }
        c->before = *s;
        c->before.pc = next;
        c->before.interrupt = 0;
    }
    return 0;
}

#endif
