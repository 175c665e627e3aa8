/* engine/host: executable memory for the translation tier's code cache.
 *
 * W^X by two views of the same shared anonymous pages (no file: see
 * cm_init): translated code is written through a
 * read-write mapping and runs from a read-execute mapping of the same pages,
 * so no page is ever writable and executable at once, and nothing has to be
 * remapped to add a block or patch a jump.  (The other way, mprotect
 * toggling, costs two system calls and a TLB shootdown per change, and makes
 * the page unexecutable under any thread running in it while a jump is
 * patched: see docs/architecture.md for what was measured.)
 *
 * Blocks are bump-allocated, CB_ALIGN-aligned, up to the size given at
 * creation; when it is full the owner flushes everything (cm_flush) and
 * translates again.  The allocator has no lock: the translation tier calls
 * it under its own translation lock.
 *
 * Instruction caches: x86-64 keeps them coherent with data stores, including
 * stores through another virtual mapping of the same page, so cm_sync is
 * empty there; an arm64 host cleans the data cache and invalidates the
 * instruction cache over the executable view (__builtin___clear_cache).
 * New code is published to other threads by the release store that makes it
 * reachable (a patched jump, a pointer in a table).
 */
#ifndef VVM_ENGINE_HOST_CODEMEM_H
#define VVM_ENGINE_HOST_CODEMEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/host/codebuf.h"

typedef struct codemem {
    uint8_t *w;             /* the writable view */
    uint8_t *x;             /* the executable view of the same pages */
    size_t size;            /* bytes of both views: the cache's size limit */
    size_t used;            /* bump pointer: bytes allocated since the last flush */
    size_t start;           /* where the code since the last flush starts
                             * (0 but after a flush keeping addresses) */
    size_t peak;            /* most bytes ever in use at once */
    uint64_t flushes;
    int fd;
} codemem;

/* Map a code cache of `size` bytes (rounded up to pages).  `near`, if not
 * NULL, asks for the executable view within a rel32 (+-2 GiB) of that
 * address, so translated code reaches the program's helpers by direct
 * calls; it is a wish, not a promise (check with cm_reaches).  Returns 0, or
 * -1 with a message in err. */
int cm_init(codemem *m, size_t size, const void *near, char *err, size_t errlen);
void cm_destroy(codemem *m);

/* Does code anywhere in the cache reach addr with a rel32? */
bool cm_reaches(const codemem *m, const void *addr);

/* The writable alias of an address in the executable view. */
static inline uint8_t *cm_wptr(const codemem *m, const void *x)
{
    return m->w + ((const uint8_t *)x - m->x);
}
static inline bool cm_contains(const codemem *m, const void *x)
{
    return (const uint8_t *)x >= m->x && (const uint8_t *)x < m->x + m->size;
}

/* Allocate n bytes; returns the executable address (write through
 * cm_wptr), or NULL when the cache is full: flush and try again. */
void *cm_alloc(codemem *m, size_t n);
/* Emit straight into the cache: b covers all the free space, running at
 * its executable address.  cm_commit links b there and keeps its bytes
 * allocated; it returns the code's executable address, or NULL with b->err
 * set (CB_EFULL: the cache is full; flush and translate again).  Nothing is
 * allocated until cm_commit.  b keeps its own label and fixup tables:
 * cb_free(b) when done with it. */
void cm_begin(codemem *m, codebuf *b);
void *cm_commit(codemem *m, codebuf *b);
/* Copy a linked buffer (cb_link at the address cm_alloc gave) into place. */
void cm_copy(codemem *m, void *x, const codebuf *b);

/* Make written code visible to instruction fetch (nothing on x86-64). */
void cm_sync(codemem *m, void *x, size_t n);

/* Store 4 aligned bytes of code atomically for threads running it (a jump's
 * displacement; see x64_patch_jmp).  x is an executable address, 4-aligned. */
void cm_patch32(codemem *m, void *x, uint32_t v);

/* Drop every translation: the whole cache is free again and its pages go
 * back to the system.  No thread may be running in, or be about to return
 * into, the cache.  keep_addresses: while the cache is at most half used,
 * new code goes after the old instead of over it, so that no address
 * names two pieces of code (what a profiler's map of the code needs). */
void cm_flush(codemem *m, int keep_addresses);

#endif
