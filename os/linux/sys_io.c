/* sys_io: waiting on descriptors (ppoll, pselect6, epoll) and the
 * descriptor-shaped event sources (eventfd, timerfd).  They block the host
 * thread that runs the guest thread.
 *
 * struct pollfd, fd_set, struct itimerspec have one layout on both ABIs;
 * struct epoll_event is packed (12 bytes) on x86-64 but 16 bytes on riscv64
 * and is translated.
 *
 * The signal mask arguments (ppoll, pselect6, epoll_pwait) are not yet
 * applied: the host call gets no mask.  TODO(signals): guest sigmask. */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/select.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "os/linux/lx_sys.h"

LX_SYSCALL(ppoll)
{
    uint64_t nfds = a[1];
    if (nfds > (1u << 20))
        return -EINVAL;
    int bad = 0;
    struct pollfd *fds = lx_gptr_opt(t, a[0], nfds * sizeof *fds, VVM_PROT_R | VVM_PROT_W, &bad);
    struct timespec *ts = lx_gptr_opt(t, a[2], sizeof *ts, VVM_PROT_R | VVM_PROT_W, &bad);
    if (bad || (nfds && !fds))
        return -EFAULT;
    /* TODO(signals): guest sigmask (a[3], a[4]) */
    return lx_host(syscall(SYS_ppoll, fds, (unsigned long)nfds, ts, NULL, (size_t)8));
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
    struct timespec *ts = lx_gptr_opt(t, a[4], sizeof *ts, VVM_PROT_R | VVM_PROT_W, &bad);
    if (bad)
        return -EFAULT;
    /* a[5] points at {const sigset_t *ss; size_t ss_len}.
     * TODO(signals): guest sigmask */
    return lx_host(syscall(SYS_pselect6, n, in, out, ex, ts, NULL));
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

LX_SYSCALL(epoll_pwait)
{
    int max = (int)a[2];
    if (max <= 0 || max > (int)(0x7fffffff / sizeof(rv_epoll_event)))
        return -EINVAL;
    rv_epoll_event *gev = lx_guest_ptr(t, a[1], (uint64_t)max * sizeof *gev, VVM_PROT_W);
    if (!gev)
        return -EFAULT;
    struct epoll_event small[64], *hev = small;
    if (max > 64) {
        hev = malloc((size_t)max * sizeof *hev);
        if (!hev)
            return -ENOMEM;
    }
    /* TODO(signals): guest sigmask (a[4], a[5]) */
    int n = epoll_pwait((int)a[0], hev, max, (int)a[3], NULL);
    int64_t r = n < 0 ? -errno : n;
    for (int i = 0; i < n; i++) {
        rv_epoll_event g = {.events = hev[i].events, .pad = 0, .data = hev[i].data.u64};
        memcpy(&gev[i], &g, sizeof g);
    }
    if (hev != small)
        free(hev);
    return r;
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
    const struct itimerspec *nv = lx_guest_ptr(t, a[2], sizeof *nv, VVM_PROT_R);
    if (!nv)
        return -EFAULT;
    struct itimerspec *ov = lx_gptr_opt(t, a[3], sizeof *ov, VVM_PROT_W, &bad);
    if (bad)
        return -EFAULT;
    return lx_host(timerfd_settime((int)a[0], (int)a[1], nv, ov));
}

LX_SYSCALL(timerfd_gettime)
{
    struct itimerspec *cur = lx_guest_ptr(t, a[1], sizeof *cur, VVM_PROT_W);
    if (!cur)
        return -EFAULT;
    return lx_host(timerfd_gettime((int)a[0], cur));
}
