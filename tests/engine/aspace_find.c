/* vvm_aspace_find_free steps over the guest's mappings a chunk (and a word
 * of chunks) at a time: it must still choose the address the plain
 * top-down, page-by-page first fit chooses (the highest page i >= 16 with
 * [i, i+need) unmapped and i+need <= mmap_top).  Random mappings, unmaps
 * and protections of random sizes (pages to whole words of chunks), random
 * mmap_top and lengths, compared against that plain search written here.
 * Prints "ok NAME" or "not ok NAME: why" per check and "ok end" last. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "core/aspace.h"

static uint64_t rng = 88172645463325252ULL;

static uint64_t next(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

/* the specification: page by page from the top */
static uint64_t plain(const vvm_aspace *as, uint64_t len)
{
    uint64_t need = len / VVM_PAGE, run = 0;
    for (uint64_t i = as->mmap_top / VVM_PAGE; i-- > 16;) {
        run = as->pages[i] ? 0 : run + 1;
        if (run == need)
            return i * VVM_PAGE;
    }
    return 0;
}

/* a random length: mostly pages, sometimes chunks or words of chunks */
static uint64_t some_len(void)
{
    switch (next() % 4) {
    case 0: return (1 + next() % 8) * VVM_PAGE;
    case 1: return (1 + next() % (3 * VVM_CHUNK_PAGES)) * VVM_PAGE;
    case 2: return (1 + next() % (VVM_CHUNK_PAGES * 64 * 3)) * VVM_PAGE;
    default: return (VVM_CHUNK_PAGES * (1 + next() % 130)) * VVM_PAGE;
    }
}

int main(void)
{
    vvm_aspace as;
    const uint64_t size = 1ULL << 31; /* 1024 chunks, 16 words of them */
    if (vvm_aspace_init(&as, size) < 0) {
        printf("not ok init: cannot reserve\n");
        return 1;
    }
    int bad = 0;
    long checks = 0;
    for (int round = 0; round < 40 && !bad; round++) {
        /* start empty, with mmap_top anywhere (chunk-aligned or not) */
        vvm_aspace_set_pages(&as, 0, size, 0);
        as.mmap_top = (next() % (size / VVM_PAGE)) * VVM_PAGE;
        if (round % 4 == 0)
            as.mmap_top = size;
        for (int op = 0; op < 300 && !bad; op++) {
            uint64_t len = some_len(), at = (next() % (size / VVM_PAGE)) * VVM_PAGE;
            if (at + len > size)
                len = size - at;
            if (next() % 8 == 0) /* near the top, where mmap searches */
                at = as.mmap_top > len ? (as.mmap_top - len) & ~VVM_PAGE_MASK : 0;
            unsigned k = (unsigned)(next() % 4);
            uint8_t v = k == 0 ? 0 : (uint8_t)(VVM_PAGE_MAPPED | (k == 1 ? 0 : VVM_PROT_R | VVM_PROT_W));
            if (len)
                vvm_aspace_set_pages(&as, at, len, v);
            for (int q = 0; q < 3; q++) {
                uint64_t want = some_len();
                uint64_t a = plain(&as, want), b = vvm_aspace_find_free(&as, 0, want);
                checks++;
                if (a != b) {
                    printf("not ok find_free: round %d op %d top 0x%llx len 0x%llx: 0x%llx, page by page 0x%llx\n",
                           round, op, (unsigned long long)as.mmap_top, (unsigned long long)want,
                           (unsigned long long)b, (unsigned long long)a);
                    bad = 1;
                    break;
                }
            }
        }
    }
    if (!bad)
        printf("ok find_free (%ld searches)\n", checks);
    vvm_aspace_fini(&as);
    printf("ok end\n");
    return 0;
}
