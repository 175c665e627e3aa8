/* sys_mm: memory system calls on the guest address space (core/aspace).
 * The rules Linux applies to a process's own mappings apply to the guest's:
 * nothing fixed below vm.mmap_min_addr without CAP_SYS_RAWIO, RLIMIT_AS on
 * the guest's mapped pages (as->mapped: vvm's reservation does not count),
 * RLIMIT_DATA on the heap, and mlock on guest ranges with the host's
 * RLIMIT_MEMLOCK and capabilities deciding. */
#include <errno.h>
#include <linux/capability.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "os/linux/lx.h"

#define PAGE_UP(x) (((x) + VVM_PAGE_MASK) & ~VVM_PAGE_MASK)

/* Nonzero if the host process has capability cap in its effective set. */
static int have_cap(int cap)
{
    struct __user_cap_header_struct h = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
    struct __user_cap_data_struct d[2];
    if (syscall(SYS_capget, &h, d) < 0)
        return 0;
    return (d[cap / 32].effective >> (cap % 32)) & 1;
}

/* vm.mmap_min_addr as the host has it (65536 when it cannot be read) */
static uint64_t min_addr = 65536;
static pthread_once_t min_addr_once = PTHREAD_ONCE_INIT;

static void read_min_addr(void)
{
    FILE *f = fopen("/proc/sys/vm/mmap_min_addr", "re");
    unsigned long long v;
    if (f && fscanf(f, "%llu", &v) == 1)
        min_addr = PAGE_UP((uint64_t)v);
    if (f)
        fclose(f);
}

static uint64_t mmap_min_addr(void)
{
    pthread_once(&min_addr_once, read_min_addr);
    return min_addr;
}

/* A fixed mapping at addr: EPERM below mmap_min_addr unless the host
 * process could map there itself (security_mmap_addr). */
static int fixed_addr_denied(uint64_t addr)
{
    return addr < mmap_min_addr() && !have_cap(CAP_SYS_RAWIO);
}

/* RLIMIT_AS: may the guest map npages more bytes (may_expand_vm)?  as->lock held. */
static int may_expand(lx_process *p, uint64_t bytes)
{
    const vvm_aspace *as = &p->as;
    uint64_t lim = lx_rlimit_cur(p, RLIMIT_AS);
    return lim == RLIM_INFINITY || (as->mapped <= lim && bytes <= lim - as->mapped);
}

/* Bytes of [addr, addr+len) already mapped (a fixed mapping replaces them). */
static uint64_t mapped_in(const vvm_aspace *as, uint64_t addr, uint64_t len)
{
    uint64_t n = 0;
    for (uint64_t a = addr; a < addr + len && a < as->size; a += VVM_PAGE)
        n += (as->pages[a / VVM_PAGE] & VVM_PAGE_MAPPED) ? VVM_PAGE : 0;
    return n;
}


/* The host calls are made directly: a sanitizer runtime turns the libc
 * wrappers of mlock and munlock into no-ops. */
static int64_t host_mlock2(void *p, uint64_t len, int flags)
{
    return syscall(SYS_mlock2, p, (size_t)len, flags) < 0 ? -errno : 0;
}

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
    uint64_t data_lim = lx_rlimit_cur(p, RLIMIT_DATA);
    if (want >= as->brk_start && want < as->size &&
        (data_lim == RLIM_INFINITY || want - as->brk_start <= data_lim)) {
        uint64_t need = PAGE_UP(want);
        if (need > as->brk_mapped) {
            if (may_expand(t->proc, need - as->brk_mapped) &&
                vvm_aspace_is_free(as, as->brk_mapped, need - as->brk_mapped) &&
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
    int fixed = flags & (MAP_FIXED | MAP_FIXED_NOREPLACE);
    if (fixed) {
        if (addr & VVM_PAGE_MASK)
            return -EINVAL;
        if (addr >= as->size || len > as->size - addr)
            return -ENOMEM;
        if (fixed_addr_denied(addr))
            return -EPERM;
    } else if (addr && addr < mmap_min_addr()) {
        addr = mmap_min_addr(); /* a hint below the floor is raised to it */
    }
    pthread_mutex_lock(&as->lock);
    uint64_t where;
    if (fixed) {
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
    if (!may_expand(t->proc, len - (fixed ? mapped_in(as, where, len) : 0))) {
        pthread_mutex_unlock(&as->lock);
        return -ENOMEM;
    }
    int had_exec = range_has_exec(as, where, len);
    int rc = vvm_aspace_map(as, where, len, prot & 7, host_flags, fd, off);
    if (rc == 0 && t->proc->mlock_future >= 0 && host_mlock2(as->base + where, len, t->proc->mlock_future) < 0) {
        /* mlockall(MCL_FUTURE) and the new mapping cannot be locked */
        vvm_aspace_unmap(as, where, len);
        rc = -EAGAIN;
    }
    pthread_mutex_unlock(&as->lock);
    if (rc < 0)
        return rc;
    if (had_exec)
        lx_code_changed(p, where, where + len);
    lx_vdso_forget(p, where, len);
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
    if (rc == 0)
        lx_vdso_forget(t->proc, addr, len);
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
    if ((prot & PROT_WRITE) && lx_vdso_is_vvar(t->proc, addr, len))
        return -EACCES; /* as Linux: the clock data is never the guest's to write */
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
    if ((flags & MREMAP_FIXED) && (naddr & VVM_PAGE_MASK))
        return -EINVAL;
    if ((flags & MREMAP_FIXED) && old + osz > naddr && naddr + nsz > old)
        return -EINVAL; /* the ranges overlap */
    if ((flags & MREMAP_FIXED) && fixed_addr_denied(naddr))
        return -EPERM;
    pthread_mutex_lock(&as->lock);
    int64_t ret;
    if (!vvm_aspace_check(as, old, osz, 0)) {
        ret = -EFAULT;
    } else if (nsz > osz && !may_expand(t->proc, nsz - osz)) {
        ret = -ENOMEM;
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
                vvm_aspace_set_pages(as, old, osz, 0);
                vvm_aspace_set_pages(as, dst, nsz, (uint8_t)(VVM_PAGE_MAPPED | prot));
                ret = (int64_t)dst;
            }
        }
    }
    pthread_mutex_unlock(&as->lock);
    if (ret > 0)
        lx_code_changed(t->proc, old, old + osz);
    if (ret > 0)
        lx_vdso_forget(t->proc, old, osz);
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

/* ---- mlock ---- */

/* mlock, mlock2 (lock) and munlock on [addr, addr+len) as Linux checks them:
 * EPERM first when locking is not allowed at all (RLIMIT_MEMLOCK 0 without
 * CAP_IPC_LOCK: the host says, by a zero-length call), then the page
 * rounding, then ENOMEM for any page the guest has not mapped, then the
 * host's lock on the host pages, which counts against RLIMIT_MEMLOCK. */
static int64_t do_mlock(lx_thread *t, uint64_t addr, uint64_t len, int lock, int flags)
{
    vvm_aspace *as = lx_as(t);
    int64_t r = lock ? host_mlock2(as->base, 0, flags) : 0;
    if (r < 0)
        return r;
    uint64_t off = addr & VVM_PAGE_MASK, start = addr - off;
    len = PAGE_UP(len + off); /* wraps to 0 as the kernel's PAGE_ALIGN does */
    if (start + len < start)
        return -EINVAL;
    if (len == 0)
        return 0;
    pthread_mutex_lock(&as->lock);
    if (!vvm_aspace_check(as, start, len, 0))
        r = -ENOMEM;
    else if (lock)
        r = host_mlock2(as->base + start, len, flags);
    else
        r = syscall(SYS_munlock, as->base + start, (size_t)len) < 0 ? -errno : 0;
    pthread_mutex_unlock(&as->lock);
    return r;
}

LX_SYSCALL(mlock)
{
    return do_mlock(t, a[0], a[1], 1, 0);
}

LX_SYSCALL(mlock2)
{
    if (a[2] & ~(uint64_t)MLOCK_ONFAULT)
        return -EINVAL;
    return do_mlock(t, a[0], a[1], 1, (int)a[2]);
}

LX_SYSCALL(munlock)
{
    return do_mlock(t, a[0], a[1], 0, 0);
}

/* mlockall: the guest's mappings, not vvm's (whose reservation alone would
 * exceed any RLIMIT_MEMLOCK); MCL_FUTURE locks the guest's later mmaps. */
LX_SYSCALL(mlockall)
{
    vvm_aspace *as = lx_as(t);
    uint64_t fl = a[0];
    if (!fl || (fl & ~(uint64_t)(MCL_CURRENT | MCL_FUTURE | MCL_ONFAULT)) || fl == MCL_ONFAULT)
        return -EINVAL;
    int how = (fl & MCL_ONFAULT) ? MLOCK_ONFAULT : 0;
    int64_t r = host_mlock2(as->base, 0, how);
    if (r < 0)
        return r;
    pthread_mutex_lock(&as->lock);
    if (fl & MCL_CURRENT) {
        struct rlimit rl;
        if (getrlimit(RLIMIT_MEMLOCK, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY && as->mapped > rl.rlim_cur &&
            !have_cap(CAP_IPC_LOCK))
            r = -ENOMEM;
        for (uint64_t pg = 0, n = as->size / VVM_PAGE; r == 0 && (pg = vvm_aspace_next_used(as, pg)) < n;) {
            if (!(as->pages[pg] & VVM_PAGE_MAPPED)) {
                pg++;
                continue;
            }
            uint64_t end = pg;
            while (end < n && (as->pages[end] & VVM_PAGE_MAPPED))
                end++;
            r = host_mlock2(as->base + pg * VVM_PAGE, (end - pg) * VVM_PAGE, how);
            pg = end;
        }
    }
    if (r == 0)
        t->proc->mlock_future = (fl & MCL_FUTURE) ? how : -1;
    pthread_mutex_unlock(&as->lock);
    return r;
}

LX_SYSCALL(munlockall)
{
    (void)a;
    vvm_aspace *as = lx_as(t);
    pthread_mutex_lock(&as->lock);
    t->proc->mlock_future = -1;
    int64_t r = syscall(SYS_munlockall) < 0 ? -errno : 0;
    pthread_mutex_unlock(&as->lock);
    return r;
}

LX_SYSCALL(riscv_flush_icache)
{
    uint64_t lo = a[0], hi = a[1];
    if (a[2] & ~1ULL)
        return -EINVAL;
    lx_code_changed(t->proc, lo < hi ? lo : 0, lo < hi ? hi : UINT64_MAX);
    return 0;
}
