/* engine: predecoded blocks and the per-vCPU block cache.
 *
 * Guest code is decoded once into blocks: arrays of eng_insn, each holding the
 * handler to dispatch to and the operands already extracted.  A block is
 * cached by its guest start PC (and, on the soft-TLB model, entered only
 * under the fetch key it was found valid under: engine/mmu.h).  Caches are
 * per vCPU (one host thread each), so lookups need no locks; invalidation is
 * announced through a shared log of page ranges that every cache applies at
 * its next block boundary.
 */
#ifndef VVM_ENGINE_BLOCK_H
#define VVM_ENGINE_BLOCK_H

#include <stddef.h>
#include <stdint.h>

/* One predecoded instruction (24 bytes).  The meaning of the register bytes
 * and of imm is the ISA's; the engine only moves them around. */
typedef struct eng_insn {
    const void *handler;    /* label address (computed goto) of the body */
    int32_t imm;
    uint8_t r[4];           /* register slots (r[0] the destination, by the ISA's convention) */
    uint16_t op;            /* index in the ISA's generated instruction table */
    uint16_t pcoff;         /* byte offset of this instruction from the block start */
    uint8_t aux;            /* a small extra field (RISC-V: rounding mode, aq/rl) */
    uint8_t len;            /* encoded length in bytes */
    /* In a superblock (eng_block.is_trace): the index, counted from the
     * first guest slot, just past the last slot of this slot's group (the
     * block its slots came from), whose instructions are counted together
     * when the group is entered; 0 elsewhere (one group: the block's n). */
    uint16_t grp_end;
} eng_insn;

typedef struct eng_block {
    uint64_t pc;            /* guest address of the first instruction */
    uint64_t end;           /* guest address just past the last byte decoded */
    /* The memory model's fetch key (eng_vcpu.fkey) under which the block
     * was last found to be what pc fetches: a block is entered only while
     * its key is the vCPU's (the flat model's is always 0). */
    uint64_t key;
    /* Where its bytes came from, in the addresses invalidations name
     * (eng_block_overlaps): the flat model's [pc, end); the soft TLB's
     * physical, one range per page (the second empty, lo == hi, when the
     * block is on one page). */
    uint64_t code_lo[2], code_hi[2];
    uint32_t n;             /* guest instructions */
    uint16_t nslots;        /* entries of insn[]: guest ones plus engine pseudo-entries */
    uint16_t lead;          /* pseudo-entries before the first guest instruction (block advice) */
    uint16_t nbytes;        /* the code's bytes kept after insn[] (eng_block_bytes), or 0 */
    /* A superblock (engine/jit.c): the slots of several blocks along a hot
     * path, made by the translation tier for its code and never entered
     * by the loop (the block it starts with, in the cache, is); groups of
     * slots are counted as they are entered (eng_insn.grp_end). */
    uint8_t is_trace;
    struct eng_block *hnext;        /* hash chain */
    struct eng_block *succ[2];      /* chained successors: [0] taken/jump, [1] fall-through */
    uint64_t succ_pc[2];
    /* the translation tier (engine/jit.h): the host code, the first slot's
     * own handler while the tier's entry stands in for it, runs counted */
    const void *jit;
    const void *handler0;
    uint32_t hits;
    /* the superblock this block's translation was made from (owned: freed
     * with the block), or NULL */
    struct eng_block *trace;
    eng_insn insn[];
} eng_block;

/* The one rule for counting retired instructions.  A block's n guest
 * instructions are counted (instret, budget) as a whole when it is entered
 * (a superblock's, a group at a time: eng_insn.grp_end);
 * `counted` is the count after that.  Returns how many had retired before
 * slot s ran: the guest instructions in front of it, not the pseudo-entries
 * (block advice before them, the fall-through entry after them), and one per
 * instruction of a fused run, whose slots stay in place.  A slot outside the
 * block's guest instructions (none recorded yet, or the fall-through) means
 * the whole block. */
/* Where the group of b's guest slot s ends (the instructions counted with
 * it when the group is entered): the block's n, a superblock's grp_end. */
static inline uint32_t eng_group_end(const eng_block *b, const struct eng_insn *s)
{
    return s->grp_end ? s->grp_end : b->n;
}
static inline uint64_t eng_retired_before(uint64_t counted, const eng_block *b, const struct eng_insn *s)
{
    if (!b || !s || s < b->insn + b->lead || s >= b->insn + b->lead + b->n)
        return counted;
    return counted - eng_group_end(b, s) + (uint64_t)(s - (b->insn + b->lead));
}

/* The hash table starts small and grows with the number of blocks (a small
 * program touches few of its pages, which keeps start-up quick).  The
 * direct-mapped cache has its full size from the start: a smaller one makes
 * the blocks of a hot loop evict each other (branchy ran 8% slower with 256
 * entries). */
#define ENG_JCACHE_BITS 15
#define ENG_HASH_BITS_MIN 8
#define ENG_HASH_BITS_MAX 16

typedef struct eng_cache {
    eng_block **jcache;     /* direct-mapped: pc -> block, 1 << ENG_JCACHE_BITS */
    eng_block **hash;       /* 1 << hash_bits chains */
    unsigned hash_bits;
    size_t nblocks, bytes;
    uint64_t inval_seen;    /* position in the shared invalidation log applied so far */
    uint64_t flushes;
    /* Told before blocks are freed, while they are still allocated: those
     * overlapping [lo, hi) (eng_block_overlaps; all of them for a flush, 0
     * and UINT64_MAX), so that what points into them (the translation
     * tier's linked jumps) can go first.  Optional. */
    void (*dropping)(void *arg, uint64_t lo, uint64_t hi);
    void *dropping_arg;
} eng_cache;

/* Shared invalidation log: writers append [lo, hi) ranges; each cache applies
 * the entries it has not yet seen at its next block boundary. */
#define ENG_INVAL_LOG 64
typedef struct eng_inval {
    volatile uint64_t seq;                  /* entries ever appended */
    uint64_t lo[ENG_INVAL_LOG], hi[ENG_INVAL_LOG];
    int lock;
} eng_inval;

/* Returns 0, or -1 when out of memory. */
int eng_cache_init(eng_cache *c);
void eng_cache_flush(eng_cache *c);
void eng_cache_fini(eng_cache *c);

static inline unsigned eng_jhash(uint64_t pc) { return (unsigned)(pc >> 1) & ((1u << ENG_JCACHE_BITS) - 1); }

/* Finds the block starting at pc, or NULL. */
eng_block *eng_cache_find(eng_cache *c, uint64_t pc);
/* Finds a block starting at pc that is entered under fetch key `key`: one
 * whose key is that, or for which valid(arg, b) says that pc fetches its
 * bytes now (its key then becomes `key`); NULL when none is.  Keeps the
 * direct-mapped cache. */
eng_block *eng_cache_find_key(eng_cache *c, uint64_t pc, uint64_t key, int (*valid)(void *arg, const eng_block *b),
                              void *arg);
/* Adds a freshly decoded block (allocated with eng_block_new). */
void eng_cache_insert(eng_cache *c, eng_block *b);
/* A block of nslots slots, zeroed, with room for nbytes bytes of code
 * after them. */
eng_block *eng_block_new(uint32_t nslots, uint32_t nbytes);
/* The bytes of its code a block keeps (the memory model asked for them:
 * eng_mem_ops.keep_bytes), b->nbytes of them. */
static inline const uint8_t *eng_block_bytes(const eng_block *b) { return (const uint8_t *)(b->insn + b->nslots); }
/* Does the code of block b overlap [lo, hi) (and so go when that range is
 * invalidated)? */
static inline int eng_block_overlaps(const eng_block *b, uint64_t lo, uint64_t hi)
{
    return (b->code_lo[0] < hi && b->code_hi[0] > lo) || (b->code_lo[1] < hi && b->code_hi[1] > lo);
}
/* Drops every block overlapping [lo, hi); successor links into them go,
 * the others stay. */
void eng_cache_invalidate(eng_cache *c, uint64_t lo, uint64_t hi);

/* Announce that guest code in [lo, hi) may have changed. */
void eng_inval_announce(eng_inval *log, uint64_t lo, uint64_t hi);
/* Apply announced invalidations to c; cheap when there are none. */
static inline int eng_inval_pending(const eng_inval *log, const eng_cache *c) { return log->seq != c->inval_seen; }
void eng_inval_apply(eng_inval *log, eng_cache *c);

#endif
