/* aspace: a process VM's guest address space (see aspace.h). */
#include "core/aspace.h"

#include "core/hostfault.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

static int host_prot(int prot)
{
    /* The interpreter reads code through the host mapping, so anything the
     * guest may read, write or execute must be readable on the host. */
    int p = PROT_NONE;
    if (prot & (VVM_PROT_R | VVM_PROT_W | VVM_PROT_X))
        p |= PROT_READ;
    if (prot & VVM_PROT_W)
        p |= PROT_WRITE;
    return p;
}

/* The bytes of the page tables of a space of `size` bytes: a byte per page,
 * then the used and full bitmaps, then chunk_free. */
static uint64_t tables_size(uint64_t size)
{
    uint64_t npages = size / VVM_PAGE, nchunks = (npages + VVM_CHUNK_PAGES - 1) / VVM_CHUNK_PAGES;
    return npages + 2 * ((nchunks + 63) / 64 * 8) + nchunks * sizeof(struct vvm_chunk_free);
}

int vvm_aspace_init(vvm_aspace *as, uint64_t size)
{
    memset(as, 0, sizeof *as);
    void *b = mmap(NULL, size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (b == MAP_FAILED)
        return -errno;
    uint64_t npages = size / VVM_PAGE, nchunks = (npages + VVM_CHUNK_PAGES - 1) / VVM_CHUNK_PAGES;
    uint64_t tables = tables_size(size), nwords = (nchunks + 63) / 64;
    void *pg = mmap(NULL, tables, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (pg == MAP_FAILED) {
        int e = errno;
        munmap(b, size);
        return -e;
    }
    as->base = b;
    as->size = size;
    as->pages = pg;
    as->used = (uint64_t *)(as->pages + npages); /* npages is a multiple of 8 */
    as->full = as->used + nwords;
    as->chunk_free = (struct vvm_chunk_free *)(as->full + nwords);
    as->mmap_top = size - (1ULL << 30);
    as->mmap_min = as->mmap_top;
    pthread_mutex_init(&as->lock, NULL);
    return 0;
}

void vvm_aspace_fini(vvm_aspace *as)
{
    if (as->base)
        munmap(as->base, as->size);
    if (as->pages)
        munmap(as->pages, tables_size(as->size));
    pthread_mutex_destroy(&as->lock);
    memset(as, 0, sizeof *as);
}

static int range_ok(const vvm_aspace *as, uint64_t addr, uint64_t len)
{
    return len > 0 && (addr & VVM_PAGE_MASK) == 0 && addr < as->size && len <= as->size - addr;
}

uint64_t vvm_aspace_next_used(const vvm_aspace *as, uint64_t page)
{
    uint64_t npages = as->size / VVM_PAGE, nchunks = (npages + VVM_CHUNK_PAGES - 1) / VVM_CHUNK_PAGES;
    uint64_t c = page / VVM_CHUNK_PAGES;
    if (c >= nchunks)
        return npages;
    uint64_t w = as->used[c / 64] >> (c % 64);
    if (w & 1)
        return page;
    if (w) {
        c += (uint64_t)__builtin_ctzll(w);
        return c * VVM_CHUNK_PAGES;
    }
    for (uint64_t k = c / 64 + 1; k < (nchunks + 63) / 64; k++)
        if (as->used[k]) {
            c = k * 64 + (uint64_t)__builtin_ctzll(as->used[k]);
            return c < nchunks ? c * VVM_CHUNK_PAGES : npages;
        }
    return npages;
}

void vvm_aspace_set_pages(vvm_aspace *as, uint64_t addr, uint64_t len, uint8_t v)
{
    uint64_t first = addr / VVM_PAGE, n = (len + VVM_PAGE_MASK) / VVM_PAGE, end = first + n, was = 0;
    for (uint64_t i = vvm_aspace_next_used(as, first); i < end; i = vvm_aspace_next_used(as, i)) {
        uint64_t stop = (i / VVM_CHUNK_PAGES + 1) * VVM_CHUNK_PAGES;
        for (; i < stop && i < end; i++)
            was += (as->pages[i] & VVM_PAGE_MAPPED) != 0;
    }
    as->mapped += ((v & VVM_PAGE_MAPPED) ? n : 0) * VVM_PAGE - was * VVM_PAGE;
    memset(as->pages + first, v, n);
    /* a chunk's used bit is set when a page in it may be mapped, cleared
     * when the whole chunk was just unmapped; its full bit and chunk_free
     * follow its pages */
    for (uint64_t c = first / VVM_CHUNK_PAGES; c * VVM_CHUNK_PAGES < end; c++) {
        int whole = c * VVM_CHUNK_PAGES >= first && (c + 1) * VVM_CHUNK_PAGES <= end;
        uint64_t bit = 1ULL << (c % 64);
        if (v)
            as->used[c / 64] |= bit;
        else if (whole)
            as->used[c / 64] &= ~bit;
        struct vvm_chunk_free f = {VVM_CHUNK_PAGES, VVM_CHUNK_PAGES, VVM_CHUNK_PAGES};
        if (whole && v)
            f.top = f.bottom = f.longest = 0;
        else if (!whole) {
            const uint8_t *pg = as->pages + c * VVM_CHUNK_PAGES;
            uint16_t run = 0;
            f.bottom = f.longest = 0;
            for (uint16_t k = 0; k < VVM_CHUNK_PAGES; k++) {
                run = pg[k] ? 0 : run + 1;
                if (run == k + 1)
                    f.bottom = run;
                if (run > f.longest)
                    f.longest = run;
            }
            f.top = run;
        }
        as->chunk_free[c] = f;
        if (f.longest == 0)
            as->full[c / 64] |= bit;
        else
            as->full[c / 64] &= ~bit;
    }
}

int vvm_aspace_map(vvm_aspace *as, uint64_t addr, uint64_t len, int prot, int host_flags, int fd, uint64_t off)
{
    len = (len + VVM_PAGE_MASK) & ~VVM_PAGE_MASK;
    if (!range_ok(as, addr, len))
        return -ENOMEM;
    int fl = MAP_FIXED | (host_flags & ~(MAP_FIXED | MAP_ANONYMOUS | MAP_GROWSDOWN));
    if (fd < 0)
        fl |= MAP_ANONYMOUS;
    if (!(fl & (MAP_SHARED | MAP_PRIVATE)))
        fl |= MAP_PRIVATE;
    void *p = mmap(as->base + addr, len, host_prot(prot), fl, fd, (off_t)off);
    if (p == MAP_FAILED)
        return -errno;
    vvm_aspace_set_pages(as, addr, len, (uint8_t)(VVM_PAGE_MAPPED | (prot & 7)));
    return 0;
}

int vvm_aspace_unmap(vvm_aspace *as, uint64_t addr, uint64_t len)
{
    len = (len + VVM_PAGE_MASK) & ~VVM_PAGE_MASK;
    if (!range_ok(as, addr, len))
        return -EINVAL;
    void *p = mmap(as->base + addr, len, PROT_NONE, MAP_FIXED | MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED)
        return -errno;
    vvm_aspace_set_pages(as, addr, len, 0);
    return 0;
}

int vvm_aspace_protect(vvm_aspace *as, uint64_t addr, uint64_t len, int prot)
{
    len = (len + VVM_PAGE_MASK) & ~VVM_PAGE_MASK;
    if (!range_ok(as, addr, len))
        return -ENOMEM;
    for (uint64_t a = addr; a < addr + len; a += VVM_PAGE)
        if (!(as->pages[a / VVM_PAGE] & VVM_PAGE_MAPPED))
            return -ENOMEM;
    if (mprotect(as->base + addr, len, host_prot(prot)) < 0)
        return -errno;
    vvm_aspace_set_pages(as, addr, len, (uint8_t)(VVM_PAGE_MAPPED | (prot & 7)));
    return 0;
}

int vvm_aspace_is_free(const vvm_aspace *as, uint64_t addr, uint64_t len)
{
    if (addr >= as->size || len > as->size - addr)
        return 0;
    uint64_t first = addr / VVM_PAGE, last = (addr + len + VVM_PAGE_MASK) / VVM_PAGE;
    for (uint64_t i = vvm_aspace_next_used(as, first); i < last; i = vvm_aspace_next_used(as, i))
        for (uint64_t stop = (i / VVM_CHUNK_PAGES + 1) * VVM_CHUNK_PAGES; i < stop && i < last; i++)
            if (as->pages[i])
                return 0;
    return 1;
}

int vvm_aspace_check(const vvm_aspace *as, uint64_t addr, uint64_t len, int prot)
{
    if (len == 0)
        return addr <= as->size;
    if (addr >= as->size || len > as->size - addr)
        return 0;
    uint64_t first = addr / VVM_PAGE, last = (addr + len - 1) / VVM_PAGE;
    int want = prot | VVM_PAGE_MAPPED;
    for (uint64_t i = first; i <= last; i++)
        if ((as->pages[i] & want) != want)
            return 0;
    return 1;
}

uint64_t vvm_aspace_find_free(vvm_aspace *as, uint64_t hint, uint64_t len)
{
    len = (len + VVM_PAGE_MASK) & ~VVM_PAGE_MASK;
    if (len == 0 || len > as->size)
        return 0;
    hint &= ~VVM_PAGE_MASK;
    if (hint && hint >= VVM_PAGE * 16 && vvm_aspace_is_free(as, hint, len))
        return hint;
    /* top-down first fit below mmap_top and above the first 16 pages: the
     * highest i with pages [i, i+need) unmapped.  run counts the unmapped
     * pages from i up; whole chunks are stepped over by their chunk_free,
     * whole words of chunks by the used and full bitmaps, and pages are
     * looked at one by one only in a chunk that may hold the answer. */
    const uint64_t lowest = 16, ch = VVM_CHUNK_PAGES;
    uint64_t need = len / VVM_PAGE, run = 0, found = 0;
    uint64_t i = as->mmap_top / VVM_PAGE;
    while (i > lowest) {
        uint64_t c = (i - 1) / ch, lo = c * ch;
        if (i == lo + ch && lo >= lowest) {
            if (c % 64 == 63 && c >= 64) {
                /* i is the top of a word of chunks, all above the lowest */
                if (as->full[c / 64] == ~0ULL) {
                    run = 0;
                    i -= 64 * ch;
                    continue;
                }
                if (!as->used[c / 64]) {
                    if (run + 64 * ch >= need) {
                        found = i - (need - run);
                        break;
                    }
                    run += 64 * ch;
                    i -= 64 * ch;
                    continue;
                }
            }
            struct vvm_chunk_free f = {ch, ch, ch};
            if (as->used[c / 64] >> (c % 64) & 1)
                f = as->chunk_free[c];
            if (run + f.top >= need) {
                found = i - (need - run);
                break;
            }
            if (f.longest < need) {
                run = f.top == ch ? run + ch : f.bottom;
                i = lo;
                continue;
            }
        }
        /* page by page down to the chunk's bottom (or the lowest) */
        uint64_t stop = lo > lowest ? lo : lowest;
        for (; i > stop; i--) {
            if (as->pages[i - 1])
                run = 0;
            else if (++run == need)
                break;
        }
        if (run == need) {
            found = i - 1;
            break;
        }
    }
    if (!found)
        return 0;
    uint64_t a = found * VVM_PAGE;
    if (a < as->mmap_min)
        as->mmap_min = a;
    return a;
}

typedef struct copy_op {
    void *dst;
    const void *src;
    size_t n;
} copy_op;

static void do_copy(void *arg)
{
    copy_op *c = arg;
    memcpy(c->dst, c->src, c->n);
}

/* memcpy that touches guest memory, guarded: 0 or -1 (a fault) */
static int gcopy(const vvm_aspace *as, void *dst, const void *src, size_t n)
{
    copy_op c = {dst, src, n};
    return vvm_guarded_call(do_copy, &c, as->base, as->base + as->size);
}

size_t vvm_aspace_prefix(const vvm_aspace *as, uint64_t addr, size_t len, int prot)
{
    if (addr >= as->size || len == 0)
        return 0;
    if (len > as->size - addr)
        len = (size_t)(as->size - addr);
    int want = prot | VVM_PAGE_MAPPED;
    size_t n = 0;
    for (uint64_t i = addr / VVM_PAGE; n < len && (as->pages[i] & want) == want; i++)
        n = (size_t)((i + 1) * VVM_PAGE - addr);
    return n < len ? n : len;
}

int vvm_copy_from_guest(const vvm_aspace *as, void *dst, uint64_t src, size_t len)
{
    if (!vvm_aspace_check(as, src, len, VVM_PROT_R))
        return -EFAULT;
    return gcopy(as, dst, as->base + src, len) < 0 ? -EFAULT : 0;
}

/* Clears VVM_PAGE_CODE on the pages of [addr, addr+len) and gives them their
 * write permission back; widens [*lo, *hi) over them.  Returns 1 if any. */
static int unprotect_code(vvm_aspace *as, uint64_t addr, uint64_t len, uint64_t *lo, uint64_t *hi)
{
    int found = 0;
    for (uint64_t i = addr / VVM_PAGE; i <= (addr + len - 1) / VVM_PAGE; i++) {
        /* a plain load first: system calls pass every buffer through here,
         * and almost no page holds code */
        if (!(__atomic_load_n(&as->pages[i], __ATOMIC_RELAXED) & VVM_PAGE_CODE))
            continue;
        uint8_t v = __atomic_fetch_and(&as->pages[i], (uint8_t)~VVM_PAGE_CODE, __ATOMIC_ACQ_REL);
        if (!(v & VVM_PAGE_CODE))
            continue;
        mprotect(as->base + i * VVM_PAGE, VVM_PAGE, host_prot(v & 7));
        if (i * VVM_PAGE < *lo)
            *lo = i * VVM_PAGE;
        if ((i + 1) * VVM_PAGE > *hi)
            *hi = (i + 1) * VVM_PAGE;
        found = 1;
    }
    return found;
}

/* Runs fn(arg), which writes guest [dst, dst+len) (checked by the caller:
 * the guest may write it), guarded.  A host write fault there is either a
 * page the decoder has write-protected since (code_write ran first, but
 * another thread ran code from the page in between) or a page with nothing
 * behind it (a shared file mapping of a truncated file).  So on a fault fn
 * runs again under the lock, which keeps vvm_aspace_mark_code from
 * protecting the pages again; a second fault is the guest's: -EFAULT.  fn
 * must be safe to run twice. */
static int write_guest(vvm_aspace *as, uint64_t dst, uint64_t len, void (*fn)(void *), void *arg)
{
    uint8_t *lo_h = as->base, *hi_h = as->base + as->size;
    if (len == 0)
        return 0;
    vvm_aspace_code_write(as, dst, len);
    if (vvm_guarded_call(fn, arg, lo_h, hi_h) == 0)
        return 0;
    uint64_t lo = UINT64_MAX, hi = 0;
    pthread_mutex_lock(&as->lock);
    int found = unprotect_code(as, dst, len, &lo, &hi);
    int r = vvm_guarded_call(fn, arg, lo_h, hi_h);
    pthread_mutex_unlock(&as->lock);
    if (found && as->code_written)
        as->code_written(as->code_written_arg, lo, hi);
    return r < 0 ? -EFAULT : 0;
}

int vvm_copy_to_guest(vvm_aspace *as, uint64_t dst, const void *src, size_t len)
{
    if (!vvm_aspace_check(as, dst, len, VVM_PROT_W))
        return -EFAULT;
    copy_op c = {as->base + dst, src, len};
    return write_guest(as, dst, len, do_copy, &c);
}

typedef struct cas_op {
    uint32_t *p;
    uint32_t expect, desired, old;
    int ok;
} cas_op;

static void do_cas(void *arg)
{
    cas_op *c = arg;
    uint32_t v = c->expect;
    c->ok = __atomic_compare_exchange_n(c->p, &v, c->desired, 0, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
    c->old = v;
}

int vvm_aspace_cas32(vvm_aspace *as, uint64_t addr, uint32_t *expect, uint32_t desired)
{
    if ((addr & 3) || !vvm_aspace_check(as, addr, 4, VVM_PROT_R | VVM_PROT_W))
        return -EFAULT;
    cas_op c = {(uint32_t *)(void *)(as->base + addr), *expect, desired, 0, 0};
    if (write_guest(as, addr, 4, do_cas, &c) < 0)
        return -EFAULT;
    *expect = c.old;
    return c.ok;
}

char *vvm_strdup_from_guest(const vvm_aspace *as, uint64_t src, size_t max, int *err)
{
    char *s = NULL;
    size_t n = 0, cap = 0;
    /* a page at a time: the string may end just before a page the guest
     * cannot read */
    while (n < max) {
        uint64_t at = src + n;
        size_t chunk = (size_t)(VVM_PAGE - (at & VVM_PAGE_MASK));
        if (chunk > max - n)
            chunk = max - n;
        if (!vvm_aspace_check(as, at, chunk, VVM_PROT_R)) {
            *err = -EFAULT;
            break;
        }
        if (n + chunk + 1 > cap) {
            size_t nc = cap ? cap * 2 : 256;
            while (nc < n + chunk + 1)
                nc *= 2;
            char *ns = realloc(s, nc);
            if (!ns) {
                *err = -ENOMEM;
                break;
            }
            s = ns;
            cap = nc;
        }
        if (gcopy(as, s + n, as->base + at, chunk) < 0) {
            *err = -EFAULT;
            break;
        }
        char *z = memchr(s + n, 0, chunk);
        if (z)
            return s;
        n += chunk;
        if (n == max)
            *err = -ENAMETOOLONG;
    }
    if (max == 0)
        *err = -ENAMETOOLONG;
    free(s);
    return NULL;
}

static int all_accessible(const vvm_aspace *as, uint64_t addr, size_t len)
{
    if (len == 0)
        return 1;
    if (addr >= as->size || len > as->size - addr)
        return 0;
    for (uint64_t i = addr / VVM_PAGE; i <= (addr + len - 1) / VVM_PAGE; i++)
        if (!(as->pages[i] & VVM_PAGE_MAPPED) || !(as->pages[i] & 7))
            return 0;
    return 1;
}

int vvm_aspace_peek(const vvm_aspace *as, uint64_t addr, void *dst, size_t len)
{
    if (!all_accessible(as, addr, len))
        return -EFAULT;
    return gcopy(as, dst, as->base + addr, len) < 0 ? -EFAULT : 0;
}

int vvm_aspace_poke(vvm_aspace *as, uint64_t addr, const void *src, size_t len)
{
    if (!all_accessible(as, addr, len))
        return -EFAULT;
    const uint8_t *s = src;
    while (len) {
        uint64_t page = addr & ~VVM_PAGE_MASK;
        size_t n = (size_t)(page + VVM_PAGE - addr);
        if (n > len)
            n = len;
        int prot = as->pages[page / VVM_PAGE] & 7;
        if (!(prot & VVM_PROT_W)) {
            vvm_aspace_code_write(as, addr, n);
            if (mprotect(as->base + page, VVM_PAGE, PROT_READ | PROT_WRITE) < 0)
                return -EFAULT;
            int r = gcopy(as, as->base + addr, s, n);
            mprotect(as->base + page, VVM_PAGE, host_prot(prot));
            if (r < 0)
                return -EFAULT;
        } else {
            copy_op c = {as->base + addr, s, n};
            if (write_guest(as, addr, n, do_copy, &c) < 0)
                return -EFAULT;
        }
        addr += n;
        s += n;
        len -= n;
    }
    return 0;
}

/* Nonzero if a host system call is writing page i (under lock). */
static int host_writing(const vvm_aspace *as, uint64_t i)
{
    uint64_t a = i * VVM_PAGE;
    for (int k = 0; k < VVM_HOST_WRITES; k++)
        if (as->host_writes[k].hi > a && as->host_writes[k].lo < a + VVM_PAGE)
            return 1;
    return 0;
}

void vvm_aspace_mark_code(vvm_aspace *as, uint64_t addr)
{
    if (addr >= as->size)
        return;
    uint64_t i = addr / VVM_PAGE;
    uint8_t v = __atomic_load_n(&as->pages[i], __ATOMIC_RELAXED);
    if ((v & (VVM_PROT_W | VVM_PAGE_CODE)) != VVM_PROT_W)
        return;
    pthread_mutex_lock(&as->lock);
    v = as->pages[i];
    if ((v & (VVM_PAGE_MAPPED | VVM_PROT_W | VVM_PAGE_CODE)) == (VVM_PAGE_MAPPED | VVM_PROT_W)) {
        if (host_writing(as, i))
            __atomic_or_fetch(&as->pages[i], (uint8_t)VVM_PAGE_CODE_BUSY, __ATOMIC_RELEASE);
        else if (mprotect(as->base + i * VVM_PAGE, VVM_PAGE, PROT_READ) == 0)
            __atomic_store_n(&as->pages[i], (uint8_t)(v | VVM_PAGE_CODE), __ATOMIC_RELEASE);
    }
    pthread_mutex_unlock(&as->lock);
}

int vvm_aspace_host_write_begin(vvm_aspace *as, uint64_t addr, uint64_t len)
{
    if (len == 0 || addr >= as->size || len > as->size - addr)
        return -1;
    /* only a page the guest may both write and run can hold decoded code
     * that is kept write-protected */
    int wx = VVM_PROT_W | VVM_PROT_X;
    uint64_t i, last = (addr + len - 1) / VVM_PAGE;
    for (i = addr / VVM_PAGE; i <= last; i++)
        if ((__atomic_load_n(&as->pages[i], __ATOMIC_RELAXED) & wx) == wx)
            break;
    if (i > last)
        return -1;
    uint64_t lo = UINT64_MAX, hi = 0;
    int token = -1;
    pthread_mutex_lock(&as->lock);
    for (int k = 0; k < VVM_HOST_WRITES && token < 0; k++)
        if (!as->host_writes[k].hi) {
            as->host_writes[k].lo = addr;
            as->host_writes[k].hi = addr + len;
            token = k;
        }
    /* full: the pages are unprotected all the same, without the promise */
    int found = unprotect_code(as, addr, len, &lo, &hi);
    pthread_mutex_unlock(&as->lock);
    if (found && as->code_written)
        as->code_written(as->code_written_arg, lo, hi);
    return token;
}

void vvm_aspace_host_write_end(vvm_aspace *as, int token)
{
    if (token < 0 || token >= VVM_HOST_WRITES)
        return;
    uint64_t lo = UINT64_MAX, hi = 0;
    pthread_mutex_lock(&as->lock);
    uint64_t addr = as->host_writes[token].lo, end = as->host_writes[token].hi;
    as->host_writes[token].lo = as->host_writes[token].hi = 0;
    for (uint64_t i = addr / VVM_PAGE; end && i <= (end - 1) / VVM_PAGE; i++) {
        uint8_t v = __atomic_fetch_and(&as->pages[i], (uint8_t)~VVM_PAGE_CODE_BUSY, __ATOMIC_ACQ_REL);
        if (v & VVM_PAGE_CODE_BUSY) {
            if (i * VVM_PAGE < lo)
                lo = i * VVM_PAGE;
            hi = (i + 1) * VVM_PAGE;
        }
    }
    pthread_mutex_unlock(&as->lock);
    if (hi && as->code_written)
        as->code_written(as->code_written_arg, lo, hi);
}

int vvm_aspace_code_write(vvm_aspace *as, uint64_t addr, uint64_t len)
{
    if (len == 0 || addr >= as->size || len > as->size - addr)
        return 0;
    uint64_t lo = UINT64_MAX, hi = 0;
    int found = unprotect_code(as, addr, len, &lo, &hi);
    if (found && as->code_written)
        as->code_written(as->code_written_arg, lo, hi);
    return found;
}
