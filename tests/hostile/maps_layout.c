/* /proc/self/maps after mappings that straddle, fill and empty the 2 MiB
 * chunks vvm's page table summarises (core/aspace.h VVM_CHUNK_PAGES): every
 * mapped page is listed, every unmapped one is not, and mmap without a hint
 * still finds room after whole chunks were emptied. */
#include "hostile.h"
#include <stdint.h>
#include <sys/mman.h>

/* Nonzero if some line of /proc/self/maps covers address a. */
static int listed(uintptr_t a)
{
    FILE *f = fopen("/proc/self/maps", "r");
    if (!f)
        return -1;
    char line[512];
    int hit = 0;
    while (fgets(line, sizeof line, f)) {
        unsigned long lo, hi;
        if (sscanf(line, "%lx-%lx", &lo, &hi) == 2 && a >= lo && a < hi)
            hit = 1;
    }
    fclose(f);
    return hit;
}

int main(void)
{
    const uintptr_t M2 = 2u << 20, P = 4096;
    /* a reserved area to work in, away from everything else */
    char *area = mmap(NULL, 16 * M2, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (area == MAP_FAILED) {
        FAIL("setup", "mmap: errno %d", errno);
        DONE();
    }
    munmap(area, 16 * M2);
    uintptr_t base = ((uintptr_t)area + M2 - 1) & ~(M2 - 1); /* chunk aligned */
    /* one page on each side of a chunk boundary */
    char *straddle = mmap((void *)(base + M2 - P), 2 * P, PROT_READ | PROT_WRITE,
                          MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    CHECK("straddle/mapped", straddle != MAP_FAILED, "errno %d", errno);
    CHECK("straddle/listed-low", listed(base + M2 - P) == 1, "the page below the boundary is not listed");
    CHECK("straddle/listed-high", listed(base + M2) == 1, "the page above the boundary is not listed");
    CHECK("straddle/not-beyond", listed(base + M2 + P) == 0 && listed(base + M2 - 2 * P) == 0,
          "pages around it are listed");
    /* four pages inside one chunk, the first unmapped: the rest stay listed */
    char *four = mmap((void *)(base + 2 * M2 + 8 * P), 4 * P, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    CHECK("partial/mapped", four != MAP_FAILED, "errno %d", errno);
    CHECK("partial/unmap-first", munmap(four, P) == 0, "errno %d", errno);
    CHECK("partial/rest-listed", listed(base + 2 * M2 + 9 * P) == 1 && listed(base + 2 * M2 + 11 * P) == 1,
          "pages left in a partly unmapped chunk are not listed");
    CHECK("partial/first-unlisted", listed(base + 2 * M2 + 8 * P) == 0, "the unmapped page is listed");
    /* three whole chunks, then the middle one unmapped */
    char *big = mmap((void *)(base + 4 * M2), 3 * M2, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    CHECK("chunks/mapped", big != MAP_FAILED, "errno %d", errno);
    CHECK("chunks/unmap-middle", munmap((void *)(base + 5 * M2), M2) == 0, "errno %d", errno);
    CHECK("chunks/first-listed", listed(base + 5 * M2 - P) == 1, "last page of the first chunk not listed");
    CHECK("chunks/hole-unlisted", listed(base + 5 * M2) == 0 && listed(base + 6 * M2 - P) == 0,
          "the unmapped chunk is listed");
    CHECK("chunks/last-listed", listed(base + 6 * M2) == 1, "first page of the last chunk not listed");
    /* map one page back in the middle of the emptied chunk */
    char *back = mmap((void *)(base + 5 * M2 + 7 * P), P, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    CHECK("refill/listed", back != MAP_FAILED && listed(base + 5 * M2 + 7 * P) == 1 &&
                               listed(base + 5 * M2 + 8 * P) == 0, "the page put back is not listed alone");
    /* after all that, unhinted mappings of many sizes still succeed */
    int ok = 1;
    for (size_t sz = P; sz <= 64 * M2; sz *= 4) {
        void *q = mmap(NULL, sz, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (q == MAP_FAILED || listed((uintptr_t)q) != 1 || listed((uintptr_t)q + sz - 1) != 1)
            ok = 0;
        if (q != MAP_FAILED)
            munmap(q, sz);
    }
    CHECK("unhinted/all-sizes", ok, "an unhinted mmap failed or is not listed");
    DONE();
}
