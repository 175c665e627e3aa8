/* sys_mm: memory system calls on the guest address space (core/aspace). */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>

#include "os/linux/lx.h"

#define PAGE_UP(x) (((x) + VVM_PAGE_MASK) & ~VVM_PAGE_MASK)

/* Guest code in [lo, hi) may have changed: every hart drops what it decoded
 * before it runs another block (interrupt makes a hart running chained
 * blocks look at the invalidation log). */
void lx_code_changed(lx_process *p, uint64_t lo, uint64_t hi)
{
    eng_inval_announce(&p->inval, lo, hi);
    pthread_mutex_lock(&p->lock);
    for (lx_thread *t = p->threads; t; t = t->next)
        t->cpu.interrupt = 1;
    pthread_mutex_unlock(&p->lock);
}

static int range_has_exec(const vvm_aspace *as, uint64_t addr, uint64_t len)
{
    for (uint64_t a = addr; a < addr + len && a < as->size; a += VVM_PAGE)
        if (as->pages[a / VVM_PAGE] & VVM_PROT_X)
            return 1;
    return 0;
}

LX_SYSCALL(brk)
{
    lx_process *p = t->proc;
    vvm_aspace *as = &p->as;
    uint64_t want = a[0];
    pthread_mutex_lock(&as->lock);
    if (want >= as->brk_start && want < as->size) {
        uint64_t need = PAGE_UP(want);
        if (need > as->brk_mapped) {
            if (vvm_aspace_is_free(as, as->brk_mapped, need - as->brk_mapped) &&
                vvm_aspace_map(as, as->brk_mapped, need - as->brk_mapped, VVM_PROT_R | VVM_PROT_W, MAP_PRIVATE, -1,
                               0) == 0) {
                as->brk_mapped = need;
                as->brk_cur = want;
            }
        } else {
            if (need < as->brk_mapped)
                vvm_aspace_unmap(as, need, as->brk_mapped - need);
            as->brk_mapped = need;
            as->brk_cur = want;
        }
    }
    uint64_t r = as->brk_cur;
    pthread_mutex_unlock(&as->lock);
    return (int64_t)r;
}

LX_SYSCALL(mmap)
{
    lx_process *p = t->proc;
    vvm_aspace *as = &p->as;
    uint64_t addr = a[0], len = a[1];
    int prot = (int)a[2], flags = (int)a[3], fd = (int)a[4];
    uint64_t off = a[5];
    if (len == 0 || (off & VVM_PAGE_MASK))
        return -EINVAL;
    if (len > as->size)
        return -ENOMEM;
    len = PAGE_UP(len);
    int type = flags & MAP_SHARED_VALIDATE;
    if (type != MAP_SHARED && type != MAP_PRIVATE && type != MAP_SHARED_VALIDATE)
        return -EINVAL;
    int host_flags = (type == MAP_PRIVATE ? MAP_PRIVATE : MAP_SHARED) | (flags & (MAP_NORESERVE | MAP_POPULATE));
    if (flags & MAP_ANONYMOUS)
        fd = -1;
    pthread_mutex_lock(&as->lock);
    uint64_t where;
    if (flags & (MAP_FIXED | MAP_FIXED_NOREPLACE)) {
        if (addr & VVM_PAGE_MASK) {
            pthread_mutex_unlock(&as->lock);
            return -EINVAL;
        }
        if (addr >= as->size || len > as->size - addr) {
            pthread_mutex_unlock(&as->lock);
            return -ENOMEM;
        }
        if ((flags & MAP_FIXED_NOREPLACE) && !(flags & MAP_FIXED) && !vvm_aspace_is_free(as, addr, len)) {
            pthread_mutex_unlock(&as->lock);
            return -EEXIST;
        }
        where = addr;
    } else {
        where = vvm_aspace_find_free(as, addr, len);
        if (!where) {
            pthread_mutex_unlock(&as->lock);
            return -ENOMEM;
        }
    }
    int had_exec = range_has_exec(as, where, len);
    int rc = vvm_aspace_map(as, where, len, prot & 7, host_flags, fd, off);
    pthread_mutex_unlock(&as->lock);
    if (rc < 0)
        return rc;
    if (had_exec)
        lx_code_changed(p, where, where + len);
    return (int64_t)where;
}

LX_SYSCALL(munmap)
{
    vvm_aspace *as = lx_as(t);
    uint64_t addr = a[0], len = PAGE_UP(a[1]);
    if ((addr & VVM_PAGE_MASK) || len == 0)
        return -EINVAL;
    if (addr >= as->size || len > as->size - addr)
        return -EINVAL;
    pthread_mutex_lock(&as->lock);
    int had_exec = range_has_exec(as, addr, len);
    int rc = vvm_aspace_unmap(as, addr, len);
    pthread_mutex_unlock(&as->lock);
    if (rc == 0 && had_exec)
        lx_code_changed(t->proc, addr, addr + len);
    return rc;
}

LX_SYSCALL(mprotect)
{
    vvm_aspace *as = lx_as(t);
    uint64_t addr = a[0], len = PAGE_UP(a[1]);
    int prot = (int)a[2];
    if (addr & VVM_PAGE_MASK)
        return -EINVAL;
    if (len == 0)
        return 0;
    if (prot & ~(PROT_READ | PROT_WRITE | PROT_EXEC | PROT_GROWSDOWN | PROT_GROWSUP))
        return -EINVAL;
    pthread_mutex_lock(&as->lock);
    /* a guest JIT writes code, then makes it executable: whatever was decoded
     * from these pages before is stale */
    int exec = range_has_exec(as, addr, len) || (prot & PROT_EXEC);
    int rc = vvm_aspace_protect(as, addr, len, prot & 7);
    pthread_mutex_unlock(&as->lock);
    if (rc == 0 && exec)
        lx_code_changed(t->proc, addr, addr + len);
    return rc;
}

LX_SYSCALL(mremap)
{
    vvm_aspace *as = lx_as(t);
    uint64_t old = a[0], osz = PAGE_UP(a[1]), nsz = PAGE_UP(a[2]);
    int flags = (int)a[3];
    uint64_t naddr = a[4];
    if ((old & VVM_PAGE_MASK) || nsz == 0 || (flags & ~(MREMAP_MAYMOVE | MREMAP_FIXED)))
        return -EINVAL;
    if ((flags & MREMAP_FIXED) && !(flags & MREMAP_MAYMOVE))
        return -EINVAL;
    pthread_mutex_lock(&as->lock);
    int64_t ret;
    if (!vvm_aspace_check(as, old, osz, 0)) {
        ret = -EFAULT;
    } else if (!(flags & MREMAP_FIXED) && nsz <= osz) {
        if (nsz < osz)
            vvm_aspace_unmap(as, old + nsz, osz - nsz);
        ret = (int64_t)old;
    } else if (!(flags & MREMAP_FIXED) && vvm_aspace_is_free(as, old + osz, nsz - osz)) {
        /* grow in place: fresh zero pages, as an anonymous mapping would get */
        int prot = as->pages[old / VVM_PAGE] & 7;
        int rc = vvm_aspace_map(as, old + osz, nsz - osz, prot, MAP_PRIVATE, -1, 0);
        ret = rc < 0 ? rc : (int64_t)old;
    } else if (!(flags & MREMAP_MAYMOVE)) {
        ret = -ENOMEM;
    } else {
        uint64_t dst = (flags & MREMAP_FIXED) ? naddr : vvm_aspace_find_free(as, 0, nsz);
        if (!dst || (dst & VVM_PAGE_MASK) || dst >= as->size || nsz > as->size - dst) {
            ret = dst ? -EINVAL : -ENOMEM;
        } else {
            int prot = as->pages[old / VVM_PAGE] & 7;
            void *r = mremap(as->base + old, osz, nsz, MREMAP_MAYMOVE | MREMAP_FIXED, as->base + dst);
            if (r == MAP_FAILED) {
                ret = -errno;
            } else {
                /* the old host range is now a hole in the reservation: refill it */
                mmap(as->base + old, osz, PROT_NONE, MAP_FIXED | MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
                memset(as->pages + old / VVM_PAGE, 0, osz / VVM_PAGE);
                memset(as->pages + dst / VVM_PAGE, VVM_PAGE_MAPPED | prot, nsz / VVM_PAGE);
                ret = (int64_t)dst;
            }
        }
    }
    pthread_mutex_unlock(&as->lock);
    if (ret > 0)
        lx_code_changed(t->proc, old, old + osz);
    return ret;
}

LX_SYSCALL(madvise)
{
    vvm_aspace *as = lx_as(t);
    uint64_t addr = a[0], len = PAGE_UP(a[1]);
    int advice = (int)a[2];
    if (addr & VVM_PAGE_MASK)
        return -EINVAL;
    if (len == 0)
        return 0;
    if (addr >= as->size || len > as->size - addr)
        return -ENOMEM;
    switch (advice) {
    case MADV_DONTNEED:
    case MADV_FREE:
    case MADV_WILLNEED:
    case MADV_NORMAL:
    case MADV_RANDOM:
    case MADV_SEQUENTIAL:
    case MADV_HUGEPAGE:
    case MADV_NOHUGEPAGE:
    case MADV_DONTDUMP:
    case MADV_DODUMP:
        if (!vvm_aspace_check(as, addr, len, 0))
            return -ENOMEM;
        if (madvise(as->base + addr, len, advice) < 0)
            return -errno;
        return 0;
    default:
        return -EINVAL;
    }
}

LX_SYSCALL(msync)
{
    vvm_aspace *as = lx_as(t);
    uint64_t addr = a[0], len = PAGE_UP(a[1]);
    if (addr & VVM_PAGE_MASK)
        return -EINVAL;
    if (!vvm_aspace_check(as, addr, len, 0))
        return -ENOMEM;
    if (msync(as->base + addr, len, (int)a[2]) < 0)
        return -errno;
    return 0;
}

LX_SYSCALL(riscv_flush_icache)
{
    uint64_t lo = a[0], hi = a[1];
    if (a[2] & ~1ULL)
        return -EINVAL;
    lx_code_changed(t->proc, lo < hi ? lo : 0, lo < hi ? hi : UINT64_MAX);
    return 0;
}
