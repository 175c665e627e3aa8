/* sys_io: waiting on descriptors (ppoll, pselect6, epoll) and the
 * descriptor-shaped event sources (eventfd, timerfd).  They block the host
 * thread that runs the guest thread.
 *
 * struct pollfd, fd_set, struct itimerspec have one layout on both ABIs;
 * struct epoll_event is packed (12 bytes) on x86-64 but 16 bytes on riscv64
 * and is translated.
 *
 * The signal mask arguments (ppoll, pselect6, epoll_pwait) work as
 * rt_sigsuspend's (signal.c): the guest mask is replaced for the call, the
 * host call gets the matching host mask (so the swap is atomic in the host
 * kernel), and after an EINTR the old mask stays saved for the frame of the
 * handler that runs next (lx_signal_deliver restores it). */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/select.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "os/linux/lx_sys.h"

#define GBIT(g) (1ULL << ((g) - 1))

/* A call with a temporary guest signal mask. */
typedef struct tmpmask {
    int active;
    sigset_t host;
} tmpmask;

/* Installs the guest mask at gaddr (size bytes) for the coming host call.
 * Returns 0 (m->active says whether there is a mask), -EINTR when a signal
 * the new mask lets through is already waiting, or -errno. */
static int tmpmask_begin(lx_thread *t, uint64_t gaddr, uint64_t size, tmpmask *m)
{
    m->active = 0;
    if (!gaddr)
        return 0;
    if (size != 8)
        return -EINVAL;
    uint64_t gm;
    if (vvm_copy_from_guest(lx_as(t), &gm, gaddr, 8) < 0)
        return -EFAULT;
    /* no host signal may be taken between the check and the host call */
    lx_signal_block_all(NULL);
    t->saved_mask = t->sigmask;
    t->saved_mask_valid = 1;
    t->sigmask = gm & ~(GBIT(SIGKILL) | GBIT(SIGSTOP));
    uint64_t pend = __atomic_load_n(&t->pending, __ATOMIC_SEQ_CST);
    if (pend & ~t->sigmask) {
        t->cpu.interrupt = 1;
        return -EINTR;
    }
    uint64_t hm = t->sigmask | pend;
    sigemptyset(&m->host);
    for (int g = 1; g <= LX_NSIG; g++) {
        int h = lx_sig_g2h(g);
        if (h && (hm & GBIT(g)))
            sigaddset(&m->host, h);
    }
    sigdelset(&m->host, SIGSEGV);
    sigdelset(&m->host, SIGBUS);
    m->active = 1;
    return 0;
}

/* After the host call: keeps the temporary mask for a signal's frame on
 * EINTR, else puts the guest's mask back. */
static int64_t tmpmask_end(lx_thread *t, tmpmask *m, int64_t r)
{
    if (!t->saved_mask_valid)
        return r;
    if (r == -EINTR) {
        t->cpu.interrupt = 1; /* lx_signal_deliver restores the mask */
        return r;
    }
    t->sigmask = t->saved_mask;
    t->saved_mask_valid = 0;
    lx_signal_sync_mask(t);
    (void)m;
    return r;
}

LX_SYSCALL(ppoll)
{
    uint64_t nfds = a[1];
    if (nfds > (1u << 20))
        return -EINVAL;
    int bad = 0;
    void *fds = lx_gptr_opt(t, a[0], nfds * sizeof(struct pollfd), VVM_PROT_R | VVM_PROT_W, &bad);
    void *ts = lx_gptr_opt(t, a[2], sizeof(struct timespec), VVM_PROT_R | VVM_PROT_W, &bad);
    if (bad || (nfds && !fds))
        return -EFAULT;
    tmpmask m;
    int64_t r = tmpmask_begin(t, a[3], a[4], &m);
    if (r == 0)
        r = lx_host(syscall(SYS_ppoll, fds, (unsigned long)nfds, ts, m.active ? &m.host : NULL, (size_t)8));
    return tmpmask_end(t, &m, r);
}

LX_SYSCALL(pselect6)
{
    int n = (int)a[0];
    if (n < 0)
        return -EINVAL;
    if (n > (1 << 20))
        n = 1 << 20;
    uint64_t setlen = ((uint64_t)n + 63) / 64 * 8;
    int bad = 0;
    void *in = lx_gptr_opt(t, a[1], setlen, VVM_PROT_R | VVM_PROT_W, &bad);
    void *out = lx_gptr_opt(t, a[2], setlen, VVM_PROT_R | VVM_PROT_W, &bad);
    void *ex = lx_gptr_opt(t, a[3], setlen, VVM_PROT_R | VVM_PROT_W, &bad);
    void *ts = lx_gptr_opt(t, a[4], sizeof(struct timespec), VVM_PROT_R | VVM_PROT_W, &bad);
    if (bad)
        return -EFAULT;
    /* a[5] points at {const sigset_t *ss; size_t ss_len} */
    uint64_t sig[2] = {0, 0};
    if (a[5] && vvm_copy_from_guest(lx_as(t), sig, a[5], sizeof sig) < 0)
        return -EFAULT;
    tmpmask m;
    int64_t r = tmpmask_begin(t, sig[0], sig[1], &m);
    if (r == 0) {
        struct {
            const sigset_t *ss;
            size_t len;
        } hsig = {&m.host, 8};
        r = lx_host(syscall(SYS_pselect6, n, in, out, ex, ts, m.active ? &hsig : NULL));
    }
    return tmpmask_end(t, &m, r);
}

LX_SYSCALL(epoll_create1)
{
    (void)t;
    return lx_host(epoll_create1((int)a[0]));
}

/* riscv64 struct epoll_event: natural alignment, 16 bytes */
typedef struct rv_epoll_event {
    uint32_t events;
    uint32_t pad;
    uint64_t data;
} rv_epoll_event;

LX_SYSCALL(epoll_ctl)
{
    struct epoll_event ev, *pev = NULL;
    if (a[3]) {
        rv_epoll_event g;
        if (vvm_copy_from_guest(lx_as(t), &g, a[3], sizeof g) < 0)
            return -EFAULT;
        ev.events = g.events;
        ev.data.u64 = g.data;
        pev = &ev;
    } else if ((int)a[1] != EPOLL_CTL_DEL) {
        return -EFAULT;
    }
    return lx_host(epoll_ctl((int)a[0], (int)a[1], (int)a[2], pev));
}

/* epoll_pwait and epoll_pwait2: timeout in ms (tms) or as a timespec (ts) */
static int64_t do_epoll_pwait(lx_thread *t, const uint64_t *a, int pwait2)
{
    int max = (int)a[2];
    if (max <= 0 || max > (int)(0x7fffffff / sizeof(rv_epoll_event)))
        return -EINVAL;
    if (!lx_guest_ptr(t, a[1], (uint64_t)max * sizeof(rv_epoll_event), VVM_PROT_W))
        return -EFAULT;
    int bad = 0;
    const void *ts = pwait2 ? lx_gptr_opt(t, a[3], sizeof(struct timespec), VVM_PROT_R, &bad) : NULL;
    if (bad)
        return -EFAULT;
    struct epoll_event small[64], *hev = small;
    if (max > 64) {
        hev = malloc((size_t)max * sizeof *hev);
        if (!hev)
            return -ENOMEM;
    }
    tmpmask m;
    int64_t r = tmpmask_begin(t, a[4], a[5], &m);
    int n = -1;
    if (r == 0) {
        if (pwait2)
            n = (int)syscall(441 /* epoll_pwait2 */, (int)a[0], hev, max, ts, m.active ? &m.host : NULL, (size_t)8);
        else
            n = (int)syscall(SYS_epoll_pwait, (int)a[0], hev, max, (int)a[3], m.active ? &m.host : NULL, (size_t)8);
        r = n < 0 ? -errno : n;
    }
    r = tmpmask_end(t, &m, r);
    for (int i = 0; i < n; i++) {
        rv_epoll_event g = {.events = hev[i].events, .pad = 0, .data = hev[i].data.u64};
        if (vvm_copy_to_guest(lx_as(t), a[1] + (uint64_t)i * sizeof g, &g, sizeof g) < 0)
            r = -EFAULT;  /* the events are taken: as the kernel, report the fault */
    }
    if (hev != small)
        free(hev);
    return r;
}

LX_SYSCALL(epoll_pwait)
{
    return do_epoll_pwait(t, a, 0);
}

LX_SYSCALL(epoll_pwait2)
{
    return do_epoll_pwait(t, a, 1);
}

LX_SYSCALL(eventfd2)
{
    (void)t;
    return lx_host(eventfd((unsigned)a[0], (int)a[1]));
}

LX_SYSCALL(timerfd_create)
{
    (void)t;
    return lx_host(timerfd_create((int)a[0], (int)a[1]));
}

LX_SYSCALL(timerfd_settime)
{
    int bad = 0;
    const void *nv = lx_guest_ptr(t, a[2], sizeof(struct itimerspec), VVM_PROT_R);
    if (!nv)
        return -EFAULT;
    void *ov = lx_gptr_opt(t, a[3], sizeof(struct itimerspec), VVM_PROT_W, &bad);
    if (bad)
        return -EFAULT;
    return lx_host(syscall(SYS_timerfd_settime, (int)a[0], (int)a[1], nv, ov));
}

LX_SYSCALL(timerfd_gettime)
{
    void *cur = lx_guest_ptr(t, a[1], sizeof(struct itimerspec), VVM_PROT_W);
    if (!cur)
        return -EFAULT;
    return lx_host(syscall(SYS_timerfd_gettime, (int)a[0], cur));
}

/* inotify: struct inotify_event has one layout on both ABIs */
LX_SYSCALL(inotify_init1)
{
    (void)t;
    return lx_host(inotify_init1((int)a[0]));
}

LX_SYSCALL(inotify_add_watch)
{
    int err = 0;
    char *path = lx_sys_path(t, a[1], &err);
    if (!path)
        return err;
    int64_t r = lx_host(inotify_add_watch((int)a[0], path, (uint32_t)a[2]));
    free(path);
    return r;
}

LX_SYSCALL(inotify_rm_watch)
{
    (void)t;
    return lx_host(inotify_rm_watch((int)a[0], (int)a[1]));
}
