/* sys_net: sockets, passed through to the host.  Socket constants, socket
 * addresses, socket options, struct msghdr/iovec/cmsghdr have the same
 * numbers and layouts on riscv64 and x86-64; only the guest pointers inside
 * struct msghdr need to become host pointers. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include "os/linux/lx_sys.h"

LX_SYSCALL(socket)
{
    (void)t;
    return lx_host(socket((int)a[0], (int)a[1], (int)a[2]));
}

LX_SYSCALL(socketpair)
{
    int sv[2];
    if (!lx_guest_ptr(t, a[3], sizeof sv, VVM_PROT_W))
        return -EFAULT;
    if (socketpair((int)a[0], (int)a[1], (int)a[2], sv) < 0)
        return -errno;
    if (vvm_copy_to_guest(lx_as(t), a[3], sv, sizeof sv) < 0) {
        close(sv[0]);
        close(sv[1]);
        return -EFAULT;
    }
    return 0;
}

LX_SYSCALL(bind)
{
    const void *sa = lx_guest_ptr(t, a[1], (uint32_t)a[2], VVM_PROT_R);
    if (!sa)
        return -EFAULT;
    return lx_host(bind((int)a[0], sa, (socklen_t)a[2]));
}

LX_SYSCALL(connect)
{
    const void *sa = lx_guest_ptr(t, a[1], (uint32_t)a[2], VVM_PROT_R);
    if (!sa)
        return -EFAULT;
    return lx_host(connect((int)a[0], sa, (socklen_t)a[2]));
}

LX_SYSCALL(listen)
{
    (void)t;
    return lx_host(listen((int)a[0], (int)a[1]));
}

/* A (buffer, socklen_t *length) result pair, the length read and written by
 * the kernel: with opt both may be absent.  *len is the host pointer to the
 * guest's length (handed to the host call, never dereferenced here). */
static int addr_out(lx_thread *t, uint64_t gaddr, uint64_t glen, int opt, void **addr, void **len)
{
    int bad = 0;
    *addr = NULL;
    *len = lx_gptr_opt(t, glen, sizeof(socklen_t), VVM_PROT_R | VVM_PROT_W, &bad);
    if (bad || (!opt && !*len))
        return -EFAULT;
    if (*len && (gaddr || !opt)) {
        int32_t n;
        if (vvm_copy_from_guest(lx_as(t), &n, glen, 4) < 0)
            return -EFAULT;
        if (n < 0)
            return -EINVAL;
        *addr = lx_gptr_opt(t, gaddr, (uint64_t)n, VVM_PROT_W, &bad);
        if (bad)
            return -EFAULT;
    }
    return 0;
}

LX_SYSCALL(accept4)
{
    void *sa, *len;
    int r = addr_out(t, a[1], a[2], 1, &sa, &len);
    if (r < 0)
        return r;
    return lx_host(syscall(SYS_accept4, (int)a[0], sa, sa ? len : NULL, (int)a[3]));
}

LX_SYSCALL(accept)
{
    uint64_t b[4] = {a[0], a[1], a[2], 0};
    return lx_sys_accept4(t, b);
}

/* getsockname/getpeername: an address written back to the guest */
static int64_t sockname(lx_thread *t, const uint64_t *a, long nr)
{
    void *sa, *len;
    int r = addr_out(t, a[1], a[2], 0, &sa, &len);
    if (r < 0)
        return r;
    return lx_host(syscall(nr, (int)a[0], sa, len));
}

LX_SYSCALL(getsockname) { return sockname(t, a, SYS_getsockname); }
LX_SYSCALL(getpeername) { return sockname(t, a, SYS_getpeername); }

LX_SYSCALL(sendto)
{
    int bad = 0;
    const void *buf = lx_guest_buf(t, a[1], a[2], VVM_PROT_R);
    const void *sa = lx_gptr_opt(t, a[4], (uint32_t)a[5], VVM_PROT_R, &bad);
    if (!buf || bad)
        return -EFAULT;
    return lx_host(sendto((int)a[0], buf, a[2], (int)a[3], sa, sa ? (socklen_t)a[5] : 0));
}

LX_SYSCALL(recvfrom)
{
    void *buf = lx_guest_buf(t, a[1], a[2], VVM_PROT_W);
    if (!buf)
        return -EFAULT;
    void *sa, *len;
    int r = addr_out(t, a[4], a[5], 1, &sa, &len);
    if (r < 0)
        return r;
    return lx_host(syscall(SYS_recvfrom, (int)a[0], buf, (size_t)a[2], (int)a[3], sa, sa ? len : NULL));
}

LX_SYSCALL(shutdown)
{
    (void)t;
    return lx_host(shutdown((int)a[0], (int)a[1]));
}

LX_SYSCALL(setsockopt)
{
    int bad = 0;
    const void *val = lx_gptr_opt(t, a[3], (uint32_t)a[4], VVM_PROT_R, &bad);
    if (bad)
        return -EFAULT;
    return lx_host(setsockopt((int)a[0], (int)a[1], (int)a[2], val, (socklen_t)a[4]));
}

LX_SYSCALL(getsockopt)
{
    void *val, *len;
    int r = addr_out(t, a[3], a[4], 0, &val, &len);
    if (r < 0)
        return r;
    return lx_host(syscall(SYS_getsockopt, (int)a[0], (int)a[1], (int)a[2], val, len));
}

/* The guest's struct msghdr (same layout as the host's, guest pointers). */
typedef struct rv_msghdr {
    uint64_t name;
    uint32_t namelen, pad1;
    uint64_t iov;
    uint64_t iovlen;
    uint64_t control;
    uint64_t controllen;
    int32_t flags, pad2;
} rv_msghdr;
_Static_assert(sizeof(rv_msghdr) == sizeof(struct msghdr), "struct msghdr layout");

/* Fills *h from the guest msghdr at gm; prot is what the call does to the
 * buffers (VVM_PROT_W for recvmsg).  On success *iov_out must be freed. */
static int64_t msg_from_guest(lx_thread *t, uint64_t gm, int prot, rv_msghdr *g, struct msghdr *h,
                              struct iovec **iov_out)
{
    *iov_out = NULL;
    if (vvm_copy_from_guest(lx_as(t), g, gm, sizeof *g) < 0)
        return -EFAULT;
    memset(h, 0, sizeof *h);
    if (g->iovlen > 1024)
        return -EMSGSIZE;
    int bad = 0;
    h->msg_name = lx_gptr_opt(t, g->name, g->namelen, prot, &bad);
    h->msg_namelen = h->msg_name ? g->namelen : 0;
    h->msg_control = lx_gptr_opt(t, g->control, g->controllen, prot, &bad);
    h->msg_controllen = h->msg_control ? g->controllen : 0;
    if (bad)
        return -EFAULT;
    h->msg_flags = g->flags;
    int64_t n = lx_iov_from_guest(t, g->iov, g->iovlen, prot, 0, iov_out);
    if (n < 0)
        return n;
    h->msg_iov = *iov_out;
    h->msg_iovlen = (size_t)n;
    return 0;
}

LX_SYSCALL(sendmsg)
{
    rv_msghdr g;
    struct msghdr h;
    struct iovec *v;
    int64_t r = msg_from_guest(t, a[1], VVM_PROT_R, &g, &h, &v);
    if (r < 0)
        return r;
    r = lx_host(sendmsg((int)a[0], &h, (int)a[2]));
    free(v);
    return r;
}

LX_SYSCALL(recvmsg)
{
    rv_msghdr g;
    struct msghdr h;
    struct iovec *v;
    int64_t r = msg_from_guest(t, a[1], VVM_PROT_W, &g, &h, &v);
    if (r < 0)
        return r;
    r = lx_host(recvmsg((int)a[0], &h, (int)a[2]));
    free(v);
    if (r >= 0) {
        /* what the kernel updates: lengths and flags */
        if (h.msg_name)
            g.namelen = h.msg_namelen;
        g.controllen = h.msg_control ? h.msg_controllen : 0;
        g.flags = h.msg_flags;
        if (vvm_copy_to_guest(lx_as(t), a[1], &g, sizeof g) < 0)
            return -EFAULT;
    }
    return r;
}

/* sendmmsg/recvmmsg: arrays of {struct msghdr; unsigned msg_len;} (64 bytes) */
static int64_t do_mmsg(lx_thread *t, const uint64_t *a, int recv)
{
    uint64_t vlen = (uint32_t)a[2];
    if (vlen > 1024)
        vlen = 1024;
    if (vlen == 0)
        return 0;
    int bad = 0;
    void *ts = recv ? lx_gptr_opt(t, a[4], 16, VVM_PROT_R | VVM_PROT_W, &bad) : NULL;
    if (bad)
        return -EFAULT;
    rv_msghdr *g = calloc(vlen, sizeof *g);
    struct mmsghdr *h = calloc(vlen, sizeof *h);
    struct iovec **iovs = calloc(vlen, sizeof *iovs);
    int64_t r = 0;
    if (!g || !h || !iovs)
        r = -ENOMEM;
    uint64_t built = 0;
    for (; r == 0 && built < vlen; built++)
        r = msg_from_guest(t, a[1] + 64 * built, recv ? VVM_PROT_W : VVM_PROT_R, &g[built], &h[built].msg_hdr,
                           &iovs[built]);
    if (r == 0) {
        if (recv)
            r = lx_host(recvmmsg((int)a[0], h, (unsigned)vlen, (int)a[3], ts));
        else
            r = lx_host(sendmmsg((int)a[0], h, (unsigned)vlen, (int)a[3]));
        for (int64_t i = 0; i < r; i++) {
            uint64_t ga = a[1] + 64 * (uint64_t)i;
            if (recv) {
                if (h[i].msg_hdr.msg_name)
                    g[i].namelen = h[i].msg_hdr.msg_namelen;
                g[i].controllen = h[i].msg_hdr.msg_control ? h[i].msg_hdr.msg_controllen : 0;
                g[i].flags = h[i].msg_hdr.msg_flags;
                if (vvm_copy_to_guest(lx_as(t), ga, &g[i], sizeof g[i]) < 0)
                    r = -EFAULT;
            }
            uint32_t len = h[i].msg_len;
            if (r >= 0 && vvm_copy_to_guest(lx_as(t), ga + 56, &len, 4) < 0)
                r = -EFAULT;
        }
    }
    if (iovs)
        for (uint64_t i = 0; i < built; i++)
            free(iovs[i]);
    free(iovs);
    free(h);
    free(g);
    return r;
}

LX_SYSCALL(sendmmsg)
{
    return do_mmsg(t, a, 0);
}

LX_SYSCALL(recvmmsg)
{
    return do_mmsg(t, a, 1);
}
