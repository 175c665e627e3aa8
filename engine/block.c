/* engine: the per-vCPU block cache and the shared invalidation log. */
#include "engine/block.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

static unsigned hhash(const eng_cache *c, uint64_t pc)
{
    return (unsigned)((pc >> 1) * 0x9E3779B1u) >> (32 - c->hash_bits);
}

/* Sizes the hash table for hash_bits and rehashes the blocks into it.
 * Returns 0, or -1 when out of memory (the table is then unchanged). */
static int hash_resize(eng_cache *c, unsigned hash_bits)
{
    eng_block **h = calloc((size_t)1 << hash_bits, sizeof *h);
    if (!h)
        return -1;
    unsigned old = c->hash ? 1u << c->hash_bits : 0;
    c->hash_bits = hash_bits;
    for (unsigned i = 0; i < old; i++)
        for (eng_block *b = c->hash[i], *n; b; b = n) {
            n = b->hnext;
            unsigned k = hhash(c, b->pc);
            b->hnext = h[k];
            h[k] = b;
        }
    free(c->hash);
    c->hash = h;
    return 0;
}

#define JCACHE_BYTES (((size_t)1 << ENG_JCACHE_BITS) * sizeof(eng_block *))

/* The jcache's pages are all touched soon (its index is a hash), and a
 * page touched first by a read and then by a write faults twice: they are
 * made present at once, which costs a fraction of the faults (a vCPU's
 * first run, and so a small program's start-up, is where this shows). */
static eng_block **jcache_new(void)
{
    void *p = mmap(NULL, JCACHE_BYTES, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
    return p == MAP_FAILED ? NULL : p;
}

int eng_cache_init(eng_cache *c)
{
    memset(c, 0, sizeof *c);
    c->jcache = jcache_new();
    if (!c->jcache || hash_resize(c, ENG_HASH_BITS_MIN) < 0) {
        if (c->jcache)
            munmap(c->jcache, JCACHE_BYTES);
        c->jcache = NULL;
        return -1;
    }
    return 0;
}

/* a block and the superblock its translation was made from */
static void block_free(eng_block *b)
{
    free(b->trace);
    free(b);
}

void eng_cache_flush(eng_cache *c)
{
    if (c->dropping && c->nblocks)
        c->dropping(c->dropping_arg, 0, UINT64_MAX);
    for (unsigned i = 0; i < (1u << c->hash_bits); i++) {
        eng_block *b = c->hash[i];
        while (b) {
            eng_block *n = b->hnext;
            block_free(b);
            b = n;
        }
        c->hash[i] = NULL;
    }
    /* with no block, every entry is NULL already */
    if (c->nblocks)
        memset(c->jcache, 0, JCACHE_BYTES);
    c->nblocks = 0;
    c->bytes = 0;
    c->flushes++;
}

void eng_cache_fini(eng_cache *c)
{
    if (!c->hash)
        return;
    eng_cache_flush(c);
    munmap(c->jcache, JCACHE_BYTES);
    free(c->hash);
    c->jcache = c->hash = NULL;
}

eng_block *eng_block_new(uint32_t nslots, uint32_t nbytes)
{
    eng_block *b = calloc(1, sizeof *b + nslots * sizeof(eng_insn) + nbytes);
    if (b) {
        b->nslots = (uint16_t)nslots;
        b->nbytes = (uint16_t)nbytes;
    }
    return b;
}

eng_block *eng_cache_find(eng_cache *c, uint64_t pc)
{
    eng_block *b = c->jcache[eng_jhash(pc)];
    if (b && b->pc == pc)
        return b;
    for (b = c->hash[hhash(c, pc)]; b; b = b->hnext)
        if (b->pc == pc) {
            c->jcache[eng_jhash(pc)] = b;
            return b;
        }
    return NULL;
}

eng_block *eng_cache_find_key(eng_cache *c, uint64_t pc, uint64_t key, int (*valid)(void *arg, const eng_block *b),
                              void *arg)
{
    eng_block *b = c->jcache[eng_jhash(pc)];
    if (b && b->pc == pc && b->key == key)
        return b;
    for (b = c->hash[hhash(c, pc)]; b; b = b->hnext)
        if (b->pc == pc && (b->key == key || valid(arg, b))) {
            b->key = key;
            c->jcache[eng_jhash(pc)] = b;
            return b;
        }
    return NULL;
}

void eng_cache_insert(eng_cache *c, eng_block *b)
{
    /* two blocks a chain on average at most; failing to grow only makes
     * the chains longer */
    if (c->nblocks >= (size_t)2 << c->hash_bits && c->hash_bits < ENG_HASH_BITS_MAX)
        (void)hash_resize(c, c->hash_bits + 2 > ENG_HASH_BITS_MAX ? ENG_HASH_BITS_MAX : c->hash_bits + 2);
    unsigned h = hhash(c, b->pc);
    b->hnext = c->hash[h];
    c->hash[h] = b;
    c->jcache[eng_jhash(b->pc)] = b;
    c->nblocks++;
    c->bytes += sizeof *b + b->nslots * sizeof(eng_insn) + b->nbytes;
}

void eng_cache_invalidate(eng_cache *c, uint64_t lo, uint64_t hi)
{
    /* out of the table first, freed last: until then a pointer to one
     * still shows that it is going */
    eng_block *dead = NULL;
    for (unsigned i = 0; i < (1u << c->hash_bits); i++) {
        eng_block **pp = &c->hash[i];
        while (*pp) {
            eng_block *b = *pp;
            if (eng_block_overlaps(b, lo, hi)) {
                *pp = b->hnext;
                b->hnext = dead;
                dead = b;
            } else {
                pp = &b->hnext;
            }
        }
    }
    if (!dead)
        return;
    memset(c->jcache, 0, JCACHE_BYTES);
    /* the other blocks keep their successors, but for the ones going */
    for (unsigned i = 0; i < (1u << c->hash_bits); i++)
        for (eng_block *b = c->hash[i]; b; b = b->hnext)
            for (int k = 0; k < 2; k++)
                if (b->succ[k] && eng_block_overlaps(b->succ[k], lo, hi))
                    b->succ[k] = NULL;
    if (c->dropping)
        c->dropping(c->dropping_arg, lo, hi);
    while (dead) {
        eng_block *n = dead->hnext;
        c->nblocks--;
        c->bytes -= sizeof *dead + dead->nslots * sizeof(eng_insn) + dead->nbytes;
        block_free(dead);
        dead = n;
    }
}

void eng_inval_announce(eng_inval *log, uint64_t lo, uint64_t hi)
{
    while (__atomic_exchange_n(&log->lock, 1, __ATOMIC_ACQUIRE))
        ;
    uint64_t s = log->seq;
    log->lo[s % ENG_INVAL_LOG] = lo;
    log->hi[s % ENG_INVAL_LOG] = hi;
    __atomic_store_n(&log->seq, s + 1, __ATOMIC_RELEASE);
    __atomic_store_n(&log->lock, 0, __ATOMIC_RELEASE);
}

void eng_inval_apply(eng_inval *log, eng_cache *c)
{
    while (__atomic_exchange_n(&log->lock, 1, __ATOMIC_ACQUIRE))
        ;
    uint64_t s = log->seq;
    if (s - c->inval_seen > ENG_INVAL_LOG) {
        eng_cache_flush(c);  /* fell behind the log: start over */
    } else {
        for (uint64_t i = c->inval_seen; i < s; i++)
            eng_cache_invalidate(c, log->lo[i % ENG_INVAL_LOG], log->hi[i % ENG_INVAL_LOG]);
    }
    c->inval_seen = s;
    __atomic_store_n(&log->lock, 0, __ATOMIC_RELEASE);
}
