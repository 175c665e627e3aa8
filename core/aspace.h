/* aspace: a process VM's guest address space.
 *
 * One host reservation (PROT_NONE, MAP_NORESERVE) holds the whole guest
 * address space: guest address g is host address base + g, and every access
 * is bounded by size, so guest code can reach only guest memory.  A byte per
 * guest page records the guest's view (mapped, r/w/x), which the loader,
 * mmap/munmap/mprotect/brk and the decoder's fetch check consult.
 */
#ifndef VVM_ASPACE_H
#define VVM_ASPACE_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#define VVM_PAGE 4096ULL
#define VVM_PAGE_MASK (VVM_PAGE - 1)

enum {
    VVM_PROT_R = 1, VVM_PROT_W = 2, VVM_PROT_X = 4,
    VVM_PAGE_MAPPED = 8,
    /* code was decoded from this guest-writable page: the host page is kept
     * read-only so that the first write is seen and the code invalidated */
    VVM_PAGE_CODE = 16,
    /* code was decoded from this page while a host system call could write
     * it (vvm_aspace_host_write_begin): it is invalidated at the end */
    VVM_PAGE_CODE_BUSY = 32,
};

/* Host system calls writing guest memory at most at once (see
 * vvm_aspace_host_write_begin). */
#define VVM_HOST_WRITES 64

typedef struct vvm_aspace {
    uint8_t *base;          /* host address of guest 0 */
    uint64_t size;          /* guest addresses are < size */
    uint8_t *pages;         /* per-page VVM_PROT_* | VVM_PAGE_MAPPED */
    /* one bit per VVM_CHUNK_PAGES pages: clear only when every page of the
     * chunk is unmapped, so scans of the guest's mappings skip the empty
     * space a chunk at a time (vvm_aspace_next_used) */
    uint64_t *used;
    /* one bit per chunk: set when every page of the chunk is mapped */
    uint64_t *full;
    /* per chunk whose used bit is set: the unmapped pages at its top, at
     * its bottom and in its longest unmapped run (vvm_aspace_find_free
     * steps over a chunk at a time with them) */
    struct vvm_chunk_free {
        uint16_t top, bottom, longest;
    } *chunk_free;
    uint64_t mmap_top;      /* top-down search for mmap without a usable hint */
    uint64_t mmap_min;      /* lowest address handed out by the search */
    uint64_t brk_start, brk_cur, brk_mapped;
    uint64_t mapped;        /* bytes of mapped guest pages (the guest's total_vm, for RLIMIT_AS) */
    pthread_mutex_t lock;
    /* told when a write lands on a page code was decoded from */
    void (*code_written)(void *arg, uint64_t lo, uint64_t hi);
    void *code_written_arg;
    /* guest ranges host system calls are writing, under lock (hi == 0: free) */
    struct {
        uint64_t lo, hi;
    } host_writes[VVM_HOST_WRITES];
} vvm_aspace;

/* Reserves a guest space of `size` bytes (a power of two).  Returns 0 or -errno. */
int vvm_aspace_init(vvm_aspace *as, uint64_t size);
void vvm_aspace_fini(vvm_aspace *as);

/* Maps [addr, addr+len) (page aligned) with guest prot VVM_PROT_*.  fd < 0 for
 * anonymous memory.  `host_flags` are MAP_SHARED/MAP_PRIVATE and the like.
 * Returns 0 or -errno. */
int vvm_aspace_map(vvm_aspace *as, uint64_t addr, uint64_t len, int prot, int host_flags, int fd, uint64_t off);
int vvm_aspace_unmap(vvm_aspace *as, uint64_t addr, uint64_t len);
int vvm_aspace_protect(vvm_aspace *as, uint64_t addr, uint64_t len, int prot);

/* Sets the guest's view of [addr, addr+len) (page aligned) to v, keeping
 * mapped and used in step; the host mapping is the caller's business. */
void vvm_aspace_set_pages(vvm_aspace *as, uint64_t addr, uint64_t len, uint8_t v);

#define VVM_CHUNK_PAGES 512
/* The first page index >= page in a chunk where some page may be mapped,
 * or size / VVM_PAGE when there is none: pages before it are all unmapped. */
uint64_t vvm_aspace_next_used(const vvm_aspace *as, uint64_t page);

/* Finds a free range of len bytes, trying hint first; returns 0 if none. */
uint64_t vvm_aspace_find_free(vvm_aspace *as, uint64_t hint, uint64_t len);
/* Nonzero if every page of [addr, addr+len) is mapped with all of prot. */
int vvm_aspace_check(const vvm_aspace *as, uint64_t addr, uint64_t len, int prot);
/* Nonzero if no page of [addr, addr+len) is mapped. */
int vvm_aspace_is_free(const vvm_aspace *as, uint64_t addr, uint64_t len);
static inline int vvm_aspace_page_prot(const vvm_aspace *as, uint64_t addr)
{
    return addr < as->size ? as->pages[addr / VVM_PAGE] : 0;
}

/* Host pointer for a guest range the caller has checked, or NULL if out of bounds. */
static inline void *vvm_g2h(const vvm_aspace *as, uint64_t addr, uint64_t len)
{
    if (addr > as->size || len > as->size - addr)
        return NULL;
    return as->base + addr;
}

/* The one way vvm reads and writes guest memory on the guest's behalf
 * (system calls, signal frames): the guest's permissions are checked first
 * and the copy is guarded (core/hostfault), so a page with nothing behind it
 * (a truncated shared file mapping) gives -EFAULT instead of a host crash,
 * and a write to a page the decoder write-protected, even concurrently,
 * invalidates that code.  Any alignment.  Return 0 or -EFAULT. */
int vvm_copy_from_guest(const vvm_aspace *as, void *dst, uint64_t src, size_t len);
int vvm_copy_to_guest(vvm_aspace *as, uint64_t dst, const void *src, size_t len);
/* Atomic compare-and-swap of the aligned guest word at addr, as the kernel
 * does for futexes: returns 1 (swapped), 0 (*expect now holds the value
 * found) or -EFAULT. */
int vvm_aspace_cas32(vvm_aspace *as, uint64_t addr, uint32_t *expect, uint32_t desired);
/* How many bytes from addr on (at most len) the guest may access with prot:
 * a call that gives a partial count (read, write) stops there. */
size_t vvm_aspace_prefix(const vvm_aspace *as, uint64_t addr, size_t len, int prot);
/* Decoded code comes from the page holding addr: if the guest may write
 * it, write-protect the host page so writes can be detected. */
void vvm_aspace_mark_code(vvm_aspace *as, uint64_t addr);
/* Guest writes are about to land on [addr, addr+len): pages holding decoded
 * code get their write permission back and code_written is told.  Returns 1
 * if any such page was found.  Async-signal-safe apart from code_written. */
int vvm_aspace_code_write(vvm_aspace *as, uint64_t addr, uint64_t len);

/* A host system call is about to write guest [addr, addr+len) (read into a
 * buffer, say).  Pages holding decoded code get their write permission back,
 * as with vvm_aspace_code_write, and the decoder leaves pages of the range
 * writable until vvm_aspace_host_write_end: the host kernel must not find
 * one write-protected halfway (a spurious EFAULT).  Code decoded from them
 * meanwhile is invalidated at the end.  Returns a token for the end, or -1
 * when no page of the range may hold code (nothing to end). */
int vvm_aspace_host_write_begin(vvm_aspace *as, uint64_t addr, uint64_t len);
void vvm_aspace_host_write_end(vvm_aspace *as, int token);

/* Debugger-style access for embedders and tools: reads any readable or
 * executable guest page, writes even read-only ones.  Return 0 or -EFAULT. */
int vvm_aspace_peek(const vvm_aspace *as, uint64_t addr, void *dst, size_t len);
int vvm_aspace_poke(vvm_aspace *as, uint64_t addr, const void *src, size_t len);
/* Reads a NUL-terminated string of at most max bytes (incl. NUL) into a
 * malloc'd buffer; returns NULL and sets *err (-EFAULT, -ENAMETOOLONG). */
char *vvm_strdup_from_guest(const vvm_aspace *as, uint64_t src, size_t max, int *err);

#endif
