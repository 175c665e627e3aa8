/* rv64-virt: virtio-net (device id 1) on user networking through libslirp
 * (Debian's libslirp-dev), as qemu's -netdev user: the guest's network is
 * 10.0.2.0/24, the host (and gateway) 10.0.2.2, DNS 10.0.2.3, the guest
 * 10.0.2.15 (slirp's DHCP hands it out); IPv6 fec0::/64 likewise.  Nothing
 * is restricted; hostfwd rules forward host ports to guest ports.
 *
 * The device: VIRTIO_NET_F_MAC (config space: the MAC at offset 0), no
 * offloads, queue 0 receives and queue 1 transmits (256 entries each).
 * Every packet in either direction is preceded by the 12-byte
 * virtio_net_hdr of VERSION_1 (flags, gso_type, hdr_len, gso_size,
 * csum_start, csum_offset, num_buffers); with no offload negotiated the
 * device ignores what the driver puts there and gives zeros and
 * num_buffers 1.
 *
 * Threads: slirp is only ever called on the device's own thread (its
 * poll loop on slirp's sockets, its timers and an eventfd), so slirp needs
 * no lock.  A hart's QueueNotify on the transmit queue only wakes that
 * thread, which takes the transport's lock to pop one chain at a time,
 * copies the frame out, returns the chain, drops the lock and hands the
 * frame to slirp_input.  Frames from slirp (send_packet, on the same
 * thread) are written into receive chains under the transport's lock;
 * when the driver has no receive buffer they wait in a small FIFO that a
 * QueueNotify on the receive queue drains (further frames are dropped:
 * TCP sends again).  Lock order: the transport's lock is the only one.
 * Guest descriptors reach the device only through virtq_pop, which checks
 * them (machines/virt/virtio.h). */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <slirp/libslirp.h>

#include "core/dynlib.h"

#include "engine/irq.h"
#include "machines/virt/virt.h"
#include "machines/virt/virtio.h"

/* libslirp is loaded when a machine first has user networking
 * (core/dynlib.h): no other run loads it, nor the glib it needs.  Its
 * soname comes from the build (the Makefile reads the -dev package's). */
#ifndef VVM_SLIRP_SONAME
#define VVM_SLIRP_SONAME "libslirp.so.0"
#endif
static struct {
    __typeof__(&slirp_new) slirp_new;
    __typeof__(&slirp_cleanup) slirp_cleanup;
    __typeof__(&slirp_input) slirp_input;
    __typeof__(&slirp_add_hostfwd) slirp_add_hostfwd;
    __typeof__(&slirp_handle_timer) slirp_handle_timer;
    __typeof__(&slirp_pollfds_fill) slirp_pollfds_fill;
    __typeof__(&slirp_pollfds_poll) slirp_pollfds_poll;
} sl;
static const vvm_dynsym sl_syms[] = {
    VVM_DYNSYM(sl, slirp_new),          VVM_DYNSYM(sl, slirp_cleanup),      VVM_DYNSYM(sl, slirp_input),
    VVM_DYNSYM(sl, slirp_add_hostfwd),  VVM_DYNSYM(sl, slirp_handle_timer), VVM_DYNSYM(sl, slirp_pollfds_fill),
    VVM_DYNSYM(sl, slirp_pollfds_poll),
};
static vvm_dynlib sl_lib = {VVM_SLIRP_SONAME, sl_syms, sizeof sl_syms / sizeof sl_syms[0], 0, ""};

#define F_MAC (UINT64_C(1) << 5)

enum { RX = 0, TX = 1 };
#define QUEUE_SIZE 256
#define HDR_LEN 12
#define FIFO_MAX 64         /* frames waiting for receive buffers */

typedef struct net_timer {
    struct net_timer *next;
    SlirpTimerId id;
    SlirpTimerCb cb;        /* NULL: a timer_new_opaque one (slirp_handle_timer) */
    void *cb_opaque;
    int64_t expire_ms;      /* -1: not armed */
} net_timer;

typedef struct net_frame {
    struct net_frame *next;
    size_t len;
    uint8_t data[];
} net_frame;

struct virtio_net_backend {
    Slirp *slirp;
    int wake;               /* eventfd: a transmit notify, or stop */
    pthread_t thread;
    int running;
    _Atomic int stop;
    net_timer *timers;
    struct pollfd *pfd;
    unsigned npfd, cap;
    /* under the transport's lock */
    net_frame *fifo_head, **fifo_tail;
    unsigned fifo_n;
    /* the slirp thread's own */
    virtq_elem txe;
    uint8_t frame[VIRTIO_NET_MAX_FRAME];
};

/* ---- receive: frames into the driver's buffers (transport lock held) ---- */

/* One frame into the next receive chain: 1 done, 0 no buffer. */
static int rx_one(virtio_net *n, virtio_mmio *t, const uint8_t *buf, size_t len)
{
    virtq_elem *e = &n->rxe;
    if (virtq_pop(t, RX, e) <= 0)
        return 0;
    uint8_t hdr[HDR_LEN] = {0};
    hdr[10] = 1;            /* num_buffers: 1 (no MRG_RXBUF) */
    const struct iovec *in = e->iov + e->nout;
    if (e->in_len < HDR_LEN + len) {
        /* a buffer too small for the frame: returned empty, the frame lost */
        n->rx_dropped++;
        virtq_push(t, RX, e, 0);
        return 1;
    }
    virtio_iov_from_buf(in, e->nin, 0, hdr, HDR_LEN);
    virtio_iov_from_buf(in, e->nin, HDR_LEN, buf, len);
    virtq_push(t, RX, e, (uint32_t)(HDR_LEN + len));
    n->rx_packets++;
    return 1;
}

static void fifo_clear(struct virtio_net_backend *b)
{
    while (b->fifo_head) {
        net_frame *f = b->fifo_head;
        b->fifo_head = f->next;
        free(f);
    }
    b->fifo_tail = &b->fifo_head;
    b->fifo_n = 0;
}

/* the waiting frames into the receive queue, as far as buffers go */
static void rx_drain(virtio_net *n, virtio_mmio *t)
{
    struct virtio_net_backend *b = n->be;
    if (!virtq_ready(t, RX)) {
        n->rx_dropped += b->fifo_n;
        fifo_clear(b);
        return;
    }
    while (b->fifo_head && rx_one(n, t, b->fifo_head->data, b->fifo_head->len)) {
        net_frame *f = b->fifo_head;
        b->fifo_head = f->next;
        free(f);
        b->fifo_n--;
    }
    if (!b->fifo_head)
        b->fifo_tail = &b->fifo_head;
}

/* slirp's send_packet: a frame for the guest (the slirp thread) */
static ssize_t net_send_packet(const void *buf, size_t len, void *opaque)
{
    virtio_net *n = opaque;
    struct virtio_net_backend *b = n->be;
    virtio_mmio *t = n->t;
    virtio_lock(t);
    if (!virtq_ready(t, RX) || !(t->s.status & VIRTIO_S_DRIVER_OK)) {
        n->rx_dropped++;
    } else {
        rx_drain(n, t);
        if (b->fifo_head || !rx_one(n, t, buf, len)) {
            net_frame *f = b->fifo_n < FIFO_MAX ? malloc(sizeof *f + len) : NULL;
            if (f) {
                f->next = NULL;
                f->len = len;
                memcpy(f->data, buf, len);
                *b->fifo_tail = f;
                b->fifo_tail = &f->next;
                b->fifo_n++;
            } else
                n->rx_dropped++;
        }
        virtq_notify(t, RX);
    }
    virtio_unlock(t);
    return (ssize_t)len;
}

/* ---- transmit: the slirp thread empties the queue ---- */

static void tx_drain(virtio_net *n)
{
    struct virtio_net_backend *b = n->be;
    virtio_mmio *t = n->t;
    virtq_elem *e = &b->txe;
    for (;;) {
        virtio_lock(t);
        int r = virtq_pop(t, TX, e);
        size_t len = 0;
        if (r > 0) {
            if (e->out_len < HDR_LEN) {
                virtio_fail(t, "a transmitted packet without its %d-byte header (%llu bytes)", HDR_LEN,
                            (unsigned long long)e->out_len);
                r = -1;
            } else if (e->out_len - HDR_LEN <= sizeof b->frame) {
                len = virtio_iov_to_buf(e->iov, e->nout, HDR_LEN, b->frame, (size_t)(e->out_len - HDR_LEN));
                n->tx_packets++;
            } else
                n->tx_dropped++;    /* larger than any frame without offloads */
            if (r > 0)
                virtq_push(t, TX, e, 0);
        }
        virtq_notify(t, TX);
        virtio_unlock(t);
        if (r <= 0)
            return;
        if (len < 14)       /* not even an Ethernet header */
            continue;
        if (b->slirp)
            sl.slirp_input(b->slirp, b->frame, (int)len);
        else
            net_send_packet(b->frame, len, n);  /* loopback */
    }
}

/* ---- the device's callbacks (transport lock held, a hart's thread) ---- */

static void net_config_read(void *dev, uint32_t off, unsigned size, uint64_t *val)
{
    virtio_net *n = dev;
    uint8_t c[8] = {0};
    memcpy(c, n->mac, 6);
    uint64_t v = 0;
    if (off < sizeof c && size <= sizeof c - off)
        memcpy(&v, c + off, size);
    *val = v;
}

static void wake(struct virtio_net_backend *b)
{
    uint64_t one = 1;
    if (!b->running)
        return;     /* loopback: virtio_net_service drains */
    while (write(b->wake, &one, sizeof one) < 0 && errno == EINTR) {
    }
}

static void net_queue_notify(void *dev, virtio_mmio *t, unsigned q)
{
    virtio_net *n = dev;
    if (q == RX)
        rx_drain(n, t);     /* the transport notifies the driver after */
    else if (q == TX)
        wake(n->be);
}

static void net_reset(void *dev)
{
    virtio_net *n = dev;
    n->rx_dropped += n->be->fifo_n;
    fifo_clear(n->be);
}

/* the state: the configuration (checked on load) and the counters */
typedef struct net_state {
    uint8_t mac[8];
    uint64_t rx_packets, tx_packets, rx_dropped, tx_dropped;
} net_state;

static int net_save(void *dev, FILE *f)
{
    virtio_net *n = dev;
    net_state s = {{0}, n->rx_packets, n->tx_packets, n->rx_dropped, n->tx_dropped};
    memcpy(s.mac, n->mac, 6);
    return virt_save_tag(f, "vnet", &s, sizeof s);
}

static int net_load(void *dev, FILE *f)
{
    virtio_net *n = dev;
    net_state s;
    if (virt_load_tag(f, "vnet", &s, sizeof s) < 0 || memcmp(s.mac, n->mac, 6))
        return -1;
    /* slirp's connections are host sockets: they do not come back */
    n->rx_packets = s.rx_packets;
    n->tx_packets = s.tx_packets;
    n->rx_dropped = s.rx_dropped;
    n->tx_dropped = s.tx_dropped;
    fifo_clear(n->be);
    return 0;
}

static const virtio_dev_ops net_ops = {
    .device_id = VIRTIO_ID_NET,
    .name = "virtio-net-device",
    .config_read = net_config_read,
    .queue_notify = net_queue_notify,
    .reset = net_reset,
    .save = net_save,
    .load = net_load,
};

/* ---- slirp's callbacks and loop (the slirp thread) ---- */

static int64_t net_clock_ns(void *opaque) { return (int64_t)eng_now_ns(); }

static void net_guest_error(const char *msg, void *opaque)
{
    /* qemu logs these only with -d guest_errors: so does nothing here */
}

static net_timer *timer_add(virtio_net *n, SlirpTimerId id, SlirpTimerCb cb, void *cb_opaque)
{
    net_timer *tm = calloc(1, sizeof *tm);
    if (!tm)
        return NULL;
    tm->id = id;
    tm->cb = cb;
    tm->cb_opaque = cb_opaque;
    tm->expire_ms = -1;
    tm->next = n->be->timers;
    n->be->timers = tm;
    return tm;
}

static void *net_timer_new(SlirpTimerCb cb, void *cb_opaque, void *opaque)
{
    return timer_add(opaque, SLIRP_TIMER_NUM, cb, cb_opaque);
}

static void *net_timer_new_opaque(SlirpTimerId id, void *cb_opaque, void *opaque)
{
    return timer_add(opaque, id, NULL, cb_opaque);
}

static void net_timer_free(void *timer, void *opaque)
{
    virtio_net *n = opaque;
    for (net_timer **p = &n->be->timers; *p; p = &(*p)->next)
        if (*p == timer) {
            *p = ((net_timer *)timer)->next;
            free(timer);
            return;
        }
}

static void net_timer_mod(void *timer, int64_t expire_ms, void *opaque) { ((net_timer *)timer)->expire_ms = expire_ms; }

static void net_register_poll_fd(int fd, void *opaque) {}
static void net_unregister_poll_fd(int fd, void *opaque) {}
static void net_notify(void *opaque) { wake(((virtio_net *)opaque)->be); }
static void net_init_completed(Slirp *slirp, void *opaque) {}

static int add_poll(int fd, int events, void *opaque)
{
    struct virtio_net_backend *b = opaque;
    if (b->npfd == b->cap) {
        unsigned cap = b->cap ? 2 * b->cap : 32;
        struct pollfd *p = realloc(b->pfd, cap * sizeof *p);
        if (!p)
            return -1;      /* slirp then asks get_revents(-1): nothing */
        b->pfd = p;
        b->cap = cap;
    }
    short ev = 0;
    if (events & SLIRP_POLL_IN)
        ev |= POLLIN;
    if (events & SLIRP_POLL_OUT)
        ev |= POLLOUT;
    if (events & SLIRP_POLL_PRI)
        ev |= POLLPRI;
    b->pfd[b->npfd] = (struct pollfd){.fd = fd, .events = ev};
    return (int)b->npfd++;
}

static int get_revents(int idx, void *opaque)
{
    struct virtio_net_backend *b = opaque;
    if (idx < 0 || (unsigned)idx >= b->npfd)
        return 0;
    short r = b->pfd[idx].revents;
    int ev = 0;
    if (r & POLLIN)
        ev |= SLIRP_POLL_IN;
    if (r & POLLOUT)
        ev |= SLIRP_POLL_OUT;
    if (r & POLLPRI)
        ev |= SLIRP_POLL_PRI;
    if (r & (POLLERR | POLLNVAL))
        ev |= SLIRP_POLL_ERR;
    if (r & POLLHUP)
        ev |= SLIRP_POLL_HUP;
    return ev;
}

static void run_timers(virtio_net *n)
{
    struct virtio_net_backend *b = n->be;
    int64_t now = (int64_t)(eng_now_ns() / 1000000);
    /* a callback may free or re-arm timers: look again from the start */
    for (int again = 1; again;) {
        again = 0;
        for (net_timer *tm = b->timers; tm; tm = tm->next)
            if (tm->expire_ms >= 0 && tm->expire_ms <= now) {
                tm->expire_ms = -1;
                if (tm->cb)
                    tm->cb(tm->cb_opaque);
                else
                    sl.slirp_handle_timer(b->slirp, tm->id, tm->cb_opaque);
                again = 1;
                break;
            }
    }
}

static void *net_thread(void *arg)
{
    virtio_net *n = arg;
    struct virtio_net_backend *b = n->be;
    sigset_t all;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, NULL);
    while (!b->stop) {
        b->npfd = 0;
        add_poll(b->wake, SLIRP_POLL_IN, b);
        uint32_t timeout = UINT32_MAX;
        sl.slirp_pollfds_fill(b->slirp, &timeout, add_poll, b);
        int64_t now = (int64_t)(eng_now_ns() / 1000000);
        for (net_timer *tm = b->timers; tm; tm = tm->next)
            if (tm->expire_ms >= 0) {
                int64_t d = tm->expire_ms > now ? tm->expire_ms - now : 0;
                if ((uint64_t)d < timeout)
                    timeout = (uint32_t)d;
            }
        int r = poll(b->pfd, b->npfd, timeout == UINT32_MAX ? -1 : (int)(timeout > 60000 ? 60000 : timeout));
        if (r < 0 && errno != EINTR)
            r = -1;
        if (r > 0 && (b->pfd[0].revents & POLLIN)) {
            uint64_t v;
            while (read(b->wake, &v, sizeof v) < 0 && errno == EINTR) {
            }
        }
        sl.slirp_pollfds_poll(b->slirp, r < 0, get_revents, b);
        run_timers(n);
        tx_drain(n);
    }
    return NULL;
}

/* ---- set up and tear down ---- */

static const SlirpCb net_cb = {
    .send_packet = net_send_packet,
    .guest_error = net_guest_error,
    .clock_get_ns = net_clock_ns,
    .timer_new = net_timer_new,
    .timer_free = net_timer_free,
    .timer_mod = net_timer_mod,
    .register_poll_fd = net_register_poll_fd,
    .unregister_poll_fd = net_unregister_poll_fd,
    .notify = net_notify,
    .init_completed = net_init_completed,
    .timer_new_opaque = net_timer_new_opaque,
};

static struct in_addr ip4(uint32_t host_order)
{
    struct in_addr a = {htonl(host_order)};
    return a;
}

int virtio_net_open(virtio_net *n, virtio_mmio *t, const virt_netdev *nd, const uint8_t mac[6], char *err,
                    size_t errlen)
{
    char what[80];      /* the option, for messages */
    snprintf(what, sizeof what, nd && nd->nic ? "-nic user" : "-netdev user,id=%s", nd ? nd->id : "");
    memset(n, 0, sizeof *n);
    n->t = t;
    memcpy(n->mac, mac, 6);
    struct virtio_net_backend *b = calloc(1, sizeof *b);
    if (!b) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    n->be = b;
    b->fifo_tail = &b->fifo_head;
    b->wake = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (b->wake < 0) {
        snprintf(err, errlen, "%s: eventfd: %s", what, strerror(errno));
        virtio_net_close(n);
        return -1;
    }
    if (!nd) {
        virtio_mmio_attach(t, &net_ops, n, F_MAC, 2, QUEUE_SIZE);
        return 0;
    }
    /* qemu's defaults for -netdev user */
    SlirpConfig c = {
        .version = 4,
        .restricted = 0,
        .in_enabled = true,
        .vnetwork = ip4(0x0a000200),        /* 10.0.2.0/24 */
        .vnetmask = ip4(0xffffff00),
        .vhost = ip4(0x0a000202),           /* 10.0.2.2 */
        .in6_enabled = true,
        .vprefix_len = 64,
        .vdhcp_start = ip4(0x0a00020f),     /* 10.0.2.15 */
        .vnameserver = ip4(0x0a000203),     /* 10.0.2.3 */
    };
    /* fec0::/64, the host fec0::2, DNS fec0::3 */
    c.vprefix_addr6.s6_addr[0] = 0xfe;
    c.vprefix_addr6.s6_addr[1] = 0xc0;
    c.vhost6 = c.vprefix_addr6;
    c.vhost6.s6_addr[15] = 2;
    c.vnameserver6 = c.vprefix_addr6;
    c.vnameserver6.s6_addr[15] = 3;
    if (vvm_dynlib_load(&sl_lib) < 0) {
        snprintf(err, errlen, "%s: user networking needs libslirp: %s", what, sl_lib.why);
        virtio_net_close(n);
        return -1;
    }
    b->slirp = sl.slirp_new(&c, &net_cb, n);
    if (!b->slirp) {
        snprintf(err, errlen, "%s: libslirp could not start", what);
        virtio_net_close(n);
        return -1;
    }
    for (unsigned i = 0; i < nd->nfwd; i++) {
        const virt_hostfwd *f = &nd->fwd[i];
        errno = 0;
        if (sl.slirp_add_hostfwd(b->slirp, f->udp, ip4(f->host_addr), f->host_port,
                              ip4(f->guest_addr ? f->guest_addr : 0x0a00020f), f->guest_port) < 0) {
            int e = errno;
            snprintf(err, errlen, "%s: hostfwd=%s: cannot listen on the host port%s%s", what,
                     f->text, e ? ": " : "", e ? strerror(e) : "");
            virtio_net_close(n);
            return -1;
        }
    }
    if (pthread_create(&b->thread, NULL, net_thread, n) != 0) {
        snprintf(err, errlen, "%s: cannot start its thread", what);
        virtio_net_close(n);
        return -1;
    }
    b->running = 1;
    virtio_mmio_attach(t, &net_ops, n, F_MAC, 2, QUEUE_SIZE);
    return 0;
}

void virtio_net_service(virtio_net *n)
{
    if (n->be && !n->be->running)
        tx_drain(n);
}

void virtio_net_close(virtio_net *n)
{
    struct virtio_net_backend *b = n->be;
    if (!b)
        return;
    if (b->running) {
        b->stop = 1;
        wake(b);
        pthread_join(b->thread, NULL);
        b->running = 0;
    }
    if (b->slirp)
        sl.slirp_cleanup(b->slirp);
    while (b->timers) {
        net_timer *tm = b->timers;
        b->timers = tm->next;
        free(tm);
    }
    fifo_clear(b);
    if (b->wake >= 0)
        close(b->wake);
    free(b->pfd);
    free(b);
    n->be = NULL;
}
