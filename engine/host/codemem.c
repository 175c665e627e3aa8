/* engine/host: the code cache's memory (see codemem.h). */
#include "engine/host/codemem.h"

#include <errno.h>

#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif

/* Map the executable view at `want` if that range is free (never over an
 * existing mapping: a kernel older than 4.17 takes the flag as a hint, so
 * the result is checked). */
static void *map_at(uintptr_t want, size_t size)
{
    void *p = mmap((void *)want, size, PROT_READ | PROT_EXEC, MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    if (p == MAP_FAILED)
        return NULL;
    if ((uintptr_t)p != want) {
        munmap(p, size);
        return NULL;
    }
    return p;
}

/* The executable view within a rel32 of `near` over all of it: try ranges
 * just below near (a PIE's heap grows up from its end), then above. */
static void *map_near(uintptr_t near, size_t size)
{
    const uintptr_t step = (uintptr_t)64 << 20, span = (uintptr_t)1 << 31;
    uintptr_t lo = near & ~(step - 1);
    for (uintptr_t d = step; d + size <= span - step; d += step) {
        if (lo > d + size) {
            void *p = map_at(lo - d - size, size);
            if (p)
                return p;
        }
        void *p = map_at(lo + d, size);
        if (p)
            return p;
    }
    return NULL;
}

int cm_init(codemem *m, size_t size, const void *near, char *err, size_t errlen)
{
    memset(m, 0, sizeof *m);
    m->fd = -1;
    long pg = sysconf(_SC_PAGESIZE);
    if (pg <= 0)
        pg = 4096;
    if (size == 0 || size > ((size_t)1 << 40)) {
        snprintf(err, errlen, "code cache: size %zu out of range", size);
        return -1;
    }
    size = (size + (size_t)pg - 1) & ~((size_t)pg - 1);
    /* Shared anonymous memory, its second view made by mremap with an old
     * size of 0 (which maps the same pages again).  No file: a file would
     * count against the guest's RLIMIT_FSIZE, which vvm's process carries
     * (a guest's child that set it was killed by SIGXFSZ making its code
     * cache), and its descriptor would take a number the guest's open()
     * expects. */
    void *x = near ? map_near((uintptr_t)near, size) : NULL;
    if (!x) {
        x = mmap(NULL, size, PROT_READ | PROT_EXEC, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
        if (x == MAP_FAILED) {
            snprintf(err, errlen, "code cache: executable mapping of %zu bytes: %s", size, strerror(errno));
            return -1;
        }
    }
    void *w = mremap(x, 0, size, MREMAP_MAYMOVE);
    if (w == MAP_FAILED || mprotect(w, size, PROT_READ | PROT_WRITE) != 0) {
        snprintf(err, errlen, "code cache: writable view of %zu bytes: %s", size, strerror(errno));
        if (w != MAP_FAILED)
            munmap(w, size);
        munmap(x, size);
        return -1;
    }
    m->w = w;
    m->x = x;
    m->size = size;
    m->fd = -1;
    /* a forked child does not share the parent's code (both views are
     * shared mappings): it gets none, and its tier starts again */
    (void)madvise(w, size, MADV_DONTFORK);
    (void)madvise(x, size, MADV_DONTFORK);
    return 0;
}

void cm_destroy(codemem *m)
{
    if (m->w) {
        munmap(m->w, m->size);
        munmap(m->x, m->size);
    }
    if (m->fd >= 0)
        close(m->fd);
    memset(m, 0, sizeof *m);
    m->fd = -1;
}

bool cm_reaches(const codemem *m, const void *addr)
{
    return cb_rel32_reaches((uint64_t)(uintptr_t)m->x, 0, (uint64_t)(uintptr_t)addr) &&
           cb_rel32_reaches((uint64_t)(uintptr_t)m->x, m->size, (uint64_t)(uintptr_t)addr);
}

static size_t align_up(size_t n)
{
    return (n + CB_ALIGN - 1) & ~(size_t)(CB_ALIGN - 1);
}

void *cm_alloc(codemem *m, size_t n)
{
    if (n > m->size - m->used)
        return NULL;
    void *x = m->x + m->used;
    m->used += align_up(n);   /* fits: size and used are multiples of CB_ALIGN */
    if (m->used - m->start > m->peak)
        m->peak = m->used - m->start;
    return x;
}

void cm_begin(codemem *m, codebuf *b)
{
    cb_init(b, m->w + m->used, m->size - m->used, (uint64_t)(uintptr_t)(m->x + m->used));
}

void *cm_commit(codemem *m, codebuf *b)
{
    uint8_t *x = (uint8_t *)(uintptr_t)b->origin;
    if (b->p != cm_wptr(m, x) || x != m->x + m->used) {
        cb_fail(b, CB_EOPERAND);   /* not the buffer cm_begin made last */
        return NULL;
    }
    if (cb_link(b, b->origin) != CB_OK)
        return NULL;
    void *got = cm_alloc(m, b->len);
    cm_sync(m, got, b->len);
    return got;
}

void cm_copy(codemem *m, void *x, const codebuf *b)
{
    memcpy(cm_wptr(m, x), b->p, b->len);
    cm_sync(m, x, b->len);
}

void cm_sync(codemem *m, void *x, size_t n)
{
    (void)m;
#if defined(__x86_64__) || defined(__i386__)
    (void)x;
    (void)n;
#else
    __builtin___clear_cache((char *)x, (char *)x + n);
#endif
}

void cm_patch32(codemem *m, void *x, uint32_t v)
{
    uint32_t *w = (uint32_t *)(void *)cm_wptr(m, x);
    __atomic_store_n(w, v, __ATOMIC_RELEASE);
    cm_sync(m, x, 4);
}

void cm_flush(codemem *m, int keep_addresses)
{
    /* Give the pages back: shared memory keeps them until its range is
     * punched out (madvise(DONTNEED) would only unmap them): MADV_REMOVE.
     * Keeping addresses, the whole pages below the bump pointer go and the
     * pointer stays, while the cache is at most half used. */
    if (keep_addresses && m->used <= m->size / 2) {
        size_t lo = m->start & ~(size_t)4095, hi = m->used & ~(size_t)4095;
        if (hi > lo)
            (void)madvise(m->w + lo, hi - lo, MADV_REMOVE);
        m->start = m->used;
    } else {
        if (m->used)
            (void)madvise(m->w, (m->used + 4095) & ~(size_t)4095, MADV_REMOVE);
        m->used = m->start = 0;
    }
    m->flushes++;
}
