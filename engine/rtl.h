/* rtl: instruction semantics as data.
 *
 * Every instruction's (sem ...) form, and every fused run, is available at
 * run time as a tree of rtl_node in flat arrays (generated from the .isa
 * files into build/gen/rv_rtl.inc for RISC-V).  The node kinds come from
 * engine/rtl_ops.def, the list the generator uses too.  A tier that lowers
 * instructions (the translator) or runs them slowly (rtl_eval) reads these
 * trees; a front end at run time builds new ones with rtl_builder, the same
 * builder tools/isagen fills the generated tables with.
 */
#ifndef VVM_ENGINE_RTL_H
#define VVM_ENGINE_RTL_H

#include <stddef.h>
#include <stdint.h>

#include "engine/atomic.h"
#include "engine/block.h"

enum { RTL_LEAF = 0, RTL_E = 1, RTL_S = 2, RTL_ES = 3 };

typedef enum rtl_kind {
#define RTL_OP(id, name, args, cls, words) RTL_##id,
#include "engine/rtl_ops.def"
#undef RTL_OP
    RTL_NKINDS
} rtl_kind;

typedef struct rtl_kind_info {
    const char *name, *args;
    int cls;
    const char *words;
} rtl_kind_info;
extern const rtl_kind_info rtl_kinds[RTL_NKINDS];

/* The operators C has no operator for, as every tier computes them (the
 * interpreter's generated bodies and rtl_eval call these; the translator
 * lowers them to the same results). */
static inline uint64_t rtl_mulh(uint64_t a, uint64_t b)
{ return (uint64_t)(((__int128)(int64_t)a * (__int128)(int64_t)b) >> 64); }
static inline uint64_t rtl_mulhu(uint64_t a, uint64_t b)
{ return (uint64_t)(((unsigned __int128)a * (unsigned __int128)b) >> 64); }
static inline uint64_t rtl_sdiv(uint64_t a, uint64_t b)
{
    if (b == 0)
        return UINT64_MAX;
    if (b == UINT64_MAX)    /* -1: no overflow trap for MIN */
        return -a;
    return (uint64_t)((int64_t)a / (int64_t)b);
}
static inline uint64_t rtl_udiv(uint64_t a, uint64_t b) { return b ? a / b : UINT64_MAX; }
static inline uint64_t rtl_srem(uint64_t a, uint64_t b)
{
    if (b == 0)
        return a;
    if (b == UINT64_MAX)
        return 0;
    return (uint64_t)((int64_t)a % (int64_t)b);
}
static inline uint64_t rtl_urem(uint64_t a, uint64_t b) { return b ? a % b : a; }

/* Register slots of an instruction (the `r` argument kind, RTL_SLOT's aux). */
enum { RTL_R0, RTL_R1, RTL_R2, RTL_R3 };
/* The words of LOAD, STORE and TRAP, by index (aux). */
enum { RTL_LD_S8, RTL_LD_U8, RTL_LD_S16, RTL_LD_U16, RTL_LD_S32, RTL_LD_U32, RTL_LD_U64 };
enum { RTL_ST_8, RTL_ST_16, RTL_ST_32, RTL_ST_64 };
enum { RTL_TRAP_ECALL, RTL_TRAP_EBREAK, RTL_TRAP_ILLEGAL };

typedef struct rtl_node {
    uint16_t kind;   /* rtl_kind */
    uint8_t aux;     /* slot, word index, LET's binding count, STATE's field */
    uint8_t n;       /* children */
    uint32_t kids;   /* their node numbers are kid[kids .. kids+n) */
    uint64_t val;    /* CONST: value; VAR, BIND: binding number; CALL, PURE: helper id */
} rtl_node;

/* A helper the semantics call by name; fn gets the vCPU (NULL for pure ones
 * as well as call ones when the caller has none) and the arguments. */
typedef struct rtl_helper {
    const char *name;
    uint8_t nargs;
    uint8_t pure;
    uint64_t (*fn)(void *cpu, const uint64_t *args);
} rtl_helper;

/* A field of the ISA's vCPU that (state NAME) reads and (set-state NAME E)
 * writes: its byte offset in the ISA's vCPU structure and its size. */
typedef struct rtl_field {
    const char *name;
    uint32_t offset;
    uint32_t size;      /* 4 or 8 */
} rtl_field;

/* A set of trees: the nodes, the child lists, the helpers they call and the
 * vCPU fields they read. */
typedef struct rtl_code {
    const rtl_node *node;
    const uint32_t *kid;
    uint32_t nnode, nkid;
    const rtl_helper *helper;
    uint32_t nhelper;
    uint32_t nvars;      /* most let bindings of any one tree */
    const rtl_field *field;
    uint32_t nfield;
} rtl_code;

/* An ISA's table: the root of each op (an op that expands to another has
 * that one's root) and of each fused run. */
typedef struct rtl_isa {
    const rtl_code *code;
    const uint32_t *op_root;
    uint32_t nops;
    const uint32_t *fuse_root;
    uint32_t nfuse;
} rtl_isa;

static inline const rtl_node *rtl_at(const rtl_code *c, uint32_t i) { return &c->node[i]; }
static inline const rtl_node *rtl_kid(const rtl_code *c, const rtl_node *n, unsigned k)
{
    return &c->node[c->kid[n->kids + k]];
}
/* The semantics of op (NULL past the table). */
static inline const rtl_node *eng_rtl_of(const rtl_isa *isa, unsigned op)
{
    return op < isa->nops ? &isa->code->node[isa->op_root[op]] : NULL;
}

/* ---- building trees (at build time in isagen, at run time for new code) ---- */
typedef struct rtl_builder {
    rtl_node *node;
    uint32_t *kid;
    uint32_t nnode, nkid, capnode, capkid;
    int oom;
} rtl_builder;

/* Appends a node whose children are the nodes kids[0..n) (built before it);
 * returns its number, or -1 when out of memory or n > 255. */
int64_t rtl_add(rtl_builder *b, rtl_kind kind, unsigned aux, uint64_t val, unsigned n, const uint32_t *kids);
/* Checks the tree at root: kinds, the number of children each kind takes,
 * children built before their parents, VARs bound by an enclosing LET,
 * helper ids below nhelper with their arity.  Returns 0, or -1 with a
 * message in err. */
int rtl_check(const rtl_code *c, uint32_t root, char *err, size_t errlen);
/* The builder's arrays as a code (valid until the next rtl_add). */
void rtl_builder_code(const rtl_builder *b, rtl_code *out, const rtl_helper *helper, uint32_t nhelper);
void rtl_builder_free(rtl_builder *b);

/* ---- memory ordering (RTL_FENCE) ---- */

/* The orderings a fence asks for, as pairs (earlier kind, later kind). */
enum { ENG_ORDER_RR = 1, ENG_ORDER_RW = 2, ENG_ORDER_WR = 4, ENG_ORDER_WW = 8 };
static inline unsigned eng_fence_orders(uint64_t pred, uint64_t succ)
{
    unsigned o = 0;
    if (pred & 2)
        o |= (succ & 2 ? ENG_ORDER_RR : 0) | (succ & 1 ? ENG_ORDER_RW : 0);
    if (pred & 1)
        o |= (succ & 2 ? ENG_ORDER_WR : 0) | (succ & 1 ? ENG_ORDER_WW : 0);
    return o;
}
/* The fence of compiled C (the interpreter, rtl_eval): a full barrier when
 * earlier writes must precede later reads (the one order x86-TSO does not
 * keep by itself), an acquire-release fence for the others (no instruction
 * on x86, a barrier on weaker hosts); the compiler keeps accesses on their
 * side of either. */
static inline void eng_fence(unsigned orders)
{
    if (orders & ENG_ORDER_WR)
        __atomic_thread_fence(__ATOMIC_SEQ_CST);
    else if (orders)
        __atomic_thread_fence(__ATOMIC_ACQ_REL);
}

/* ---- running a tree (engine/rtl_eval.c) ---- */

/* What the evaluator needs of a vCPU.  x has 32 entries (a write to x0 is
 * dropped, a read gives 0), f 32 raw 64-bit FP registers. */
typedef struct rtl_state {
    uint64_t *x, *f;
    uint8_t *mem;          /* host address of guest address 0 */
    uint64_t mem_limit;    /* guest addresses are < mem_limit */
    uint64_t pc;           /* in: the instruction's; out: the next one's */
    void *cpu;             /* passed to helpers */
    uint64_t tval;         /* out: faulting address (RTL_OUT_LOAD/STORE/MISALIGNED) */
    unsigned trap;         /* out: RTL_TRAP_ word (RTL_OUT_TRAP) */
    eng_resv *res;         /* the reservation load-reserved and store-conditional use */
} rtl_state;

typedef enum rtl_outcome {
    RTL_OUT_NEXT,     /* fell through: pc is pc + len */
    RTL_OUT_JUMP,     /* control transfer (taken or not): pc set */
    RTL_OUT_END,      /* ended its block without a transfer: pc is pc + len */
    RTL_OUT_TRAP,     /* trap: pc at the instruction, kind in trap */
    RTL_OUT_LOAD,     /* load outside [0, mem_limit): tval */
    RTL_OUT_STORE,    /* store or atomic outside [0, mem_limit): tval */
    RTL_OUT_MISALIGNED,   /* misaligned atomic at tval */
    RTL_OUT_BAD,      /* a malformed tree (run rtl_check first) */
} rtl_outcome;

/* Runs the tree at root for one decoded instruction i at st->pc.  A fused
 * run's tree (RTL_FUSED) runs its instructions i[0..n) in turn (the run's
 * slots, consecutive as a block holds them), each at its own pc, and ends
 * at the first that does not fall through; st->pc is then where that one
 * left it (at it for a trap or a fault), and its outcome is the run's. */
rtl_outcome rtl_eval(const rtl_code *c, uint32_t root, const eng_insn *i, rtl_state *st);
/* The operators: the kinds whose value depends on their operands' values
 * alone (arithmetic, shifts, comparisons, width changes).  rtl_apply gives
 * the value of one on a and b (a alone for the one-operand kinds; an n-ary
 * one is applied left to right): what rtl_eval computes, and what a
 * translator folds with when the operands are known. */
static inline int rtl_is_operator(unsigned kind) { return kind >= RTL_ADD && kind <= RTL_ZEXT32; }
uint64_t rtl_apply(unsigned kind, uint64_t a, uint64_t b);

#endif
