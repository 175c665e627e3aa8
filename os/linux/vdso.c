/* vdso: the vDSO of rv64-linux guests, as the kernel gives one to every
 * process.  The code (os/linux/vdso/, riscv64, built at build time and
 * embedded here as vdso_image.h) is linux-vdso.so.1 with version LINUX_4.15:
 * __vdso_clock_gettime, __vdso_gettimeofday, __vdso_clock_getres,
 * __vdso_getcpu, __vdso_riscv_hwprobe and __vdso_rt_sigreturn, where signal
 * handlers return.  Below it lies the vvar page (os/linux/vdso/vvar.h) with
 * the clock offsets the code adds to rdtime.
 *
 * The guest maps vvar privately from a memory file that vvm also maps for
 * itself and writes through: vvm never writes guest addresses for it, so a
 * guest that unmaps, remaps or (after mprotect) scribbles on either page
 * harms only itself, never vvm. */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "os/linux/lx.h"
#include "os/linux/vdso/vvar.h"
#include "vdso_image.h"

static uint64_t ns_of(const struct timespec *ts) { return (uint64_t)ts->tv_sec * 1000000000u + (uint64_t)ts->tv_nsec; }

/* Measures the offsets against the midpoint of two CLOCK_MONOTONIC reads,
 * keeping the narrowest of up to sixteen tries: the error is at most half
 * the window, and a busy host may deschedule vvm between two reads.  A
 * window under 200 ns (four host vDSO reads take about 80) keeps the error
 * below what a guest can see: its own system call takes longer than that,
 * so BOOTTIME read through the vDSO never comes after the kernel's. */
static void measure(struct vvm_vvar *v)
{
    uint64_t mid = 0, real = 0, boot = 0, last = 0, best = UINT64_MAX;
    for (int i = 0; i < 16 && best >= 200; i++) {
        struct timespec m1, r, b, m2;
        clock_gettime(CLOCK_MONOTONIC, &m1);
        clock_gettime(CLOCK_REALTIME, &r);
        clock_gettime(CLOCK_BOOTTIME, &b);
        clock_gettime(CLOCK_MONOTONIC, &m2);
        uint64_t a = ns_of(&m1), z = ns_of(&m2);
        last = z;
        if (z - a < best) {
            best = z - a;
            mid = a + (z - a) / 2;
            real = ns_of(&r);
            boot = ns_of(&b);
        }
    }
    __atomic_store_n(&v->realtime_off, (int64_t)(real - mid), __ATOMIC_RELAXED);
    __atomic_store_n(&v->boottime_off, (int64_t)(boot - mid), __ATOMIC_RELAXED);
    /* a clock set on the host reaches the guest within this time */
    __atomic_store_n(&v->refresh_after, last + LX_VDSO_REFRESH_NS, __ATOMIC_RELEASE);
}

void lx_vdso_refresh(lx_process *p)
{
    struct vvm_vvar *v = p->vvar;
    if (!v)
        return;
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    if (ns_of(&now) >= __atomic_load_n(&v->refresh_after, __ATOMIC_RELAXED))
        measure(v);
}

int lx_vdso_map(lx_process *p)
{
    vvm_aspace *as = &p->as;
    const uint64_t code_len = (VDSO_IMAGE_SIZE + VVM_PAGE_MASK) & ~VVM_PAGE_MASK;
    _Static_assert(VVM_VVAR_SIZE == VVM_PAGE, "vvar is one page");
    int fd = memfd_create("vvm-vvar", MFD_CLOEXEC);
    if (fd < 0)
        return -errno;
    int rc = -ENOMEM;
    void *host = MAP_FAILED;
    if (ftruncate(fd, VVM_VVAR_SIZE) < 0) {
        rc = -errno;
        goto out;
    }
    host = mmap(NULL, VVM_VVAR_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (host == MAP_FAILED) {
        rc = -errno;
        goto out;
    }
    pthread_mutex_lock(&as->lock);
    uint64_t at = vvm_aspace_find_free(as, 0, VVM_VVAR_SIZE + code_len);
    pthread_mutex_unlock(&as->lock);
    if (!at)
        goto out;
    rc = vvm_aspace_map(as, at, VVM_VVAR_SIZE, VVM_PROT_R, MAP_PRIVATE, fd, 0);
    if (rc < 0)
        goto out;
    uint64_t code = at + VVM_VVAR_SIZE;
    rc = vvm_aspace_map(as, code, code_len, VVM_PROT_R | VVM_PROT_W, MAP_PRIVATE, -1, 0);
    if (rc < 0) {
        vvm_aspace_unmap(as, at, VVM_VVAR_SIZE);
        goto out;
    }
    memcpy(as->base + code, vdso_image, VDSO_IMAGE_SIZE);
    vvm_aspace_protect(as, code, code_len, VVM_PROT_R | VVM_PROT_X);
    p->vvar = host;
    host = MAP_FAILED;
    p->vvar_base = at;
    p->vdso_base = code;
    p->vdso_end = code + code_len;
    p->vdso_sigreturn = code + VDSO_SIGRETURN;
    measure(p->vvar);
    rc = 0;
out:
    if (host != MAP_FAILED)
        munmap(host, VVM_VVAR_SIZE);
    close(fd);
    return rc;
}

void lx_vdso_fini(lx_process *p)
{
    if (p->vvar)
        munmap(p->vvar, VVM_VVAR_SIZE);
    p->vvar = NULL;
}

static int overlaps(uint64_t lo, uint64_t hi, uint64_t addr, uint64_t len) { return addr < hi && addr + len > lo; }

int lx_vdso_is_vvar(const lx_process *p, uint64_t addr, uint64_t len)
{
    return p->vvar_base && overlaps(p->vvar_base, p->vvar_base + VVM_VVAR_SIZE, addr, len);
}

void lx_vdso_forget(lx_process *p, uint64_t addr, uint64_t len)
{
    if (lx_vdso_is_vvar(p, addr, len))
        p->vvar_base = 0;
    if (p->vdso_base && overlaps(p->vdso_base, p->vdso_end, addr, len))
        p->vdso_base = p->vdso_end = 0;
}
