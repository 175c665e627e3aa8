/* rv64-virt: virtio over MMIO (virtio 1.x, the "virtio-mmio" transport,
 * version 2) and the interface a virtio device implements.
 *
 * The transport (virtio_mmio.c) is one slot of QEMU virt's eight, at
 * VIRT_VIRTIO_BASE + i * VIRT_VIRTIO_SIZE on PLIC source VIRT_VIRTIO_IRQ + i.
 * It owns the registers (magic, version 2, device id, features, status,
 * queue selection and setup, notify, interrupt status/ack, config
 * generation), the split virtqueues and the interrupt line; a slot with no
 * device reads device id 0 (as QEMU's empty slots).  A device is
 *   a device id, the feature bits it offers (besides the transport's:
 *   VIRTIO_F_VERSION_1, which the driver must accept, EVENT_IDX and
 *   INDIRECT_DESC), a number of queues and their maximum size, its config
 *   space (read/write callbacks), a handler called when a queue has new
 *   buffers, a reset, and state save/load
 * (virtio_dev_ops), attached to a slot with virtio_mmio_attach.
 *
 * Locking: each transport has its own lock; every callback of a device is
 * called with it held, from the thread of the hart whose MMIO access caused
 * it (QueueNotify runs the queue handler at once, in that hart's thread).
 * A device with a thread of its own (network receive) calls virtio_kick, or
 * takes the lock (virtio_lock) around virtq_pop/virtq_push/virtq_notify.
 *
 * Descriptors are the guest's, hostile input: every buffer must lie in
 * guest RAM (eng_phys_host), a chain is at most the queue's size long (an
 * indirect table at most its own), readable segments come before writable
 * ones, indices stay in range; a queue breaking a rule marks the device
 * DEVICE_NEEDS_RESET (status bit 0x40, a config-change interrupt) and the
 * transport then ignores its queues until the driver resets it.  The
 * device only ever sees segments that are host memory of guest RAM.
 *
 * DMA into RAM does not announce code changes to the harts: as on hardware
 * (no I/O coherence with instruction fetch), the guest runs fence.i before
 * executing what a device wrote (Linux does, when it maps the page). */
#ifndef VVM_MACHINES_VIRTIO_H
#define VVM_MACHINES_VIRTIO_H

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/uio.h>

#include "engine/mmu.h"

typedef struct virt_plic virt_plic;

#define VIRT_VIRTIO_BASE 0x10001000u
#define VIRT_VIRTIO_SIZE 0x1000u
#define VIRT_VIRTIO_COUNT 8
#define VIRT_VIRTIO_IRQ 1           /* slot i: PLIC source 1 + i */

enum { VIRTIO_ID_NET = 1, VIRTIO_ID_BLOCK = 2, VIRTIO_ID_CONSOLE = 3, VIRTIO_ID_RNG = 4 };

/* feature bits */
#define VIRTIO_F_INDIRECT_DESC (UINT64_C(1) << 28)
#define VIRTIO_F_EVENT_IDX (UINT64_C(1) << 29)
#define VIRTIO_F_VERSION_1 (UINT64_C(1) << 32)
/* what the transport offers for every device */
#define VIRTIO_F_TRANSPORT (VIRTIO_F_INDIRECT_DESC | VIRTIO_F_EVENT_IDX | VIRTIO_F_VERSION_1)

/* device status bits */
enum {
    VIRTIO_S_ACKNOWLEDGE = 1, VIRTIO_S_DRIVER = 2, VIRTIO_S_DRIVER_OK = 4, VIRTIO_S_FEATURES_OK = 8,
    VIRTIO_S_NEEDS_RESET = 64, VIRTIO_S_FAILED = 128
};

#define VIRTIO_MAX_QUEUES 8
#define VIRTQ_MAX_SIZE 1024         /* the largest queue a device may offer */
#define VIRTQ_MAX_SEG 1024          /* segments of one chain (readable + writable) */

/* One chain popped from a queue: nout device-readable segments, then nin
 * device-writable ones (iov[nout..nout+nin)), all host memory of guest RAM. */
typedef struct virtq_elem {
    uint16_t head;
    unsigned nout, nin;
    uint64_t out_len, in_len;       /* their total sizes */
    struct iovec iov[VIRTQ_MAX_SEG];
} virtq_elem;

typedef struct virtio_mmio virtio_mmio;
typedef struct virtio_dev_ops virtio_dev_ops;

struct virtio_dev_ops {
    uint32_t device_id;
    const char *name;               /* qemu's name, for messages: "virtio-blk-device" */
    /* the device-specific config space (register 0x100 + off): size 1, 2,
     * 4 or 8; reads past its end give 0, writes there are ignored */
    void (*config_read)(void *dev, uint32_t off, unsigned size, uint64_t *val);
    void (*config_write)(void *dev, uint32_t off, unsigned size, uint64_t val);
    /* queue q may have new buffers: virtq_pop them, virtq_push the answers
     * (the transport calls virtq_notify after) */
    void (*queue_notify)(void *dev, virtio_mmio *t, unsigned q);
    /* the driver wrote status 0, or the machine reset (optional) */
    void (*reset)(void *dev);
    /* the device's own state (optional: none) */
    int (*save)(void *dev, FILE *f);
    int (*load)(void *dev, FILE *f);
};

/* what the transport saves (virtio_mmio_save) */
typedef struct virtq_state {
    uint32_t num, ready;
    uint64_t desc, avail, used;     /* guest physical addresses */
    uint16_t last_avail;            /* next avail entry to take */
    uint16_t used_idx;              /* next used entry to fill */
    uint16_t signalled_used;        /* used_idx at the last interrupt decision */
    uint8_t signalled_valid, pushed;
} virtq_state;

typedef struct virtio_mmio_state {
    uint32_t status, dev_features_sel, drv_features_sel, queue_sel;
    uint32_t int_status, config_gen, broken;
    uint64_t drv_features;
    virtq_state q[VIRTIO_MAX_QUEUES];
} virtio_mmio_state;

struct virtio_mmio {
    pthread_mutex_t lock;
    eng_phys *phys;
    virt_plic *plic;
    unsigned irq;
    uint64_t base;                  /* for messages */
    int quiet;                      /* no message on a broken queue (the fuzzer) */
    /* the device: NULL ops for an empty slot */
    const virtio_dev_ops *ops;
    void *dev;
    uint64_t features;              /* offered: the device's and VIRTIO_F_TRANSPORT */
    unsigned nqueues;
    uint16_t queue_max;
    virtio_mmio_state s;
    /* host addresses of the ready queues' rings */
    uint8_t *hdesc[VIRTIO_MAX_QUEUES], *havail[VIRTIO_MAX_QUEUES], *hused[VIRTIO_MAX_QUEUES];
};

/* An empty slot at base on PLIC source irq (plic NULL: no interrupt line). */
void virtio_mmio_init(virtio_mmio *t, eng_phys *phys, virt_plic *plic, unsigned irq, uint64_t base);
void virtio_mmio_fini(virtio_mmio *t);
/* Puts a device in the slot: features it offers (VIRTIO_F_TRANSPORT is
 * added), nqueues queues (1..VIRTIO_MAX_QUEUES) of up to queue_max
 * (a power of 2, up to VIRTQ_MAX_SIZE) entries. */
void virtio_mmio_attach(virtio_mmio *t, const virtio_dev_ops *ops, void *dev, uint64_t features, unsigned nqueues,
                        uint16_t queue_max);
/* The machine's reset: the transport and the device as after status 0. */
void virtio_mmio_reset(virtio_mmio *t);
/* the slot's state: the transport's, then the device's (its ops' save) */
int virtio_mmio_save(virtio_mmio *t, FILE *f);
int virtio_mmio_load(virtio_mmio *t, FILE *f);
extern const eng_mmio_ops virtio_mmio_ops;

/* ---- for devices (the transport's lock held) ---- */
void virtio_lock(virtio_mmio *t);
void virtio_unlock(virtio_mmio *t);
/* the features the driver accepted */
static inline uint64_t virtio_features(const virtio_mmio *t) { return t->s.drv_features; }
/* The next chain of queue q in *e: 1; 0 when there is none (or the queue is
 * not ready, or the device needs a reset); -1 when the chain broke a rule
 * (the device now needs a reset). */
int virtq_pop(virtio_mmio *t, unsigned q, virtq_elem *e);
/* Returns chain e to the driver, len bytes written into its writable part. */
void virtq_push(virtio_mmio *t, unsigned q, const virtq_elem *e, uint32_t len);
/* Interrupts the driver if chains were pushed since the last call and it
 * wants to hear of them (EVENT_IDX's used_event, or NO_INTERRUPT). */
void virtq_notify(virtio_mmio *t, unsigned q);
/* Queue q is set up and the device works. */
int virtq_ready(const virtio_mmio *t, unsigned q);
/* The device's config changed: generation bumped, a config interrupt. */
void virtio_config_changed(virtio_mmio *t);
/* The device cannot go on (a malformed request): DEVICE_NEEDS_RESET. */
void virtio_fail(virtio_mmio *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* From a device's own thread: lock, queue_notify(q), notify, unlock. */
void virtio_kick(virtio_mmio *t, unsigned q);

/* Copies between a segment list and a buffer, starting off bytes in;
 * returns the bytes copied. */
size_t virtio_iov_to_buf(const struct iovec *iov, unsigned n, size_t off, void *buf, size_t len);
size_t virtio_iov_from_buf(const struct iovec *iov, unsigned n, size_t off, const void *buf, size_t len);
/* Segments [off, off + len) of iov in dst (at most max); returns how many. */
unsigned virtio_iov_slice(const struct iovec *iov, unsigned n, size_t off, size_t len, struct iovec *dst,
                          unsigned max);

/* ---- the devices ---- */

/* virtio-blk on a raw image */
typedef struct virtio_blk {
    int fd, ro;
    uint64_t sectors;               /* capacity in 512-byte sectors */
    char serial[20];                /* GET_ID (not NUL-terminated when 20 long) */
    virtq_elem elem;
    struct iovec seg[VIRTQ_MAX_SEG];
} virtio_blk;
/* Opens path (read-only with ro); 0, or -1 with err. */
int virtio_blk_open(virtio_blk *b, const char *path, int ro, const char *serial, char *err, size_t errlen);
void virtio_blk_close(virtio_blk *b);
/* attaches b to slot t */
void virtio_blk_attach(virtio_blk *b, virtio_mmio *t);

/* virtio-rng: host getrandom */
typedef struct virtio_rng {
    virtq_elem elem;
    uint64_t bytes;                 /* given so far */
} virtio_rng;
void virtio_rng_attach(virtio_rng *r, virtio_mmio *t);

/* virtio-console: one port (no MULTIPORT), its output into out_fd (-1:
 * discarded); no input */
typedef struct virtio_console {
    int out_fd;
    virtq_elem elem;
    uint64_t bytes;                 /* written so far */
} virtio_console;
void virtio_console_attach(virtio_console *c, virtio_mmio *t, int out_fd);

/* virtio-net on user networking (libslirp, qemu's -netdev user): a host
 * port forwarding, a network (its forwardings), the device */
#define VIRT_MAX_HOSTFWD 8
typedef struct virt_hostfwd {
    int udp;
    uint32_t host_addr, guest_addr;     /* IPv4, host byte order; 0: any host address, the guest's 10.0.2.15 */
    uint16_t host_port, guest_port;
    char text[80];                      /* as given, for messages */
} virt_hostfwd;
typedef struct virt_netdev {
    char *id;
    unsigned nfwd;
    virt_hostfwd fwd[VIRT_MAX_HOSTFWD];
    int used, nic;                      /* nic: made by -nic (for messages) */
} virt_netdev;
#define VIRTIO_NET_MAX_FRAME 65550      /* no offloads: one frame, at most 64 KiB and its Ethernet header */
struct virtio_net_backend;
typedef struct virtio_net {
    virtio_mmio *t;
    uint8_t mac[6];
    uint64_t rx_packets, tx_packets, rx_dropped, tx_dropped;
    virtq_elem rxe;                     /* under the transport's lock */
    struct virtio_net_backend *be;      /* slirp, its thread */
} virtio_net;
/* Starts user networking on nd (its hostfwd ports listening, its thread
 * running) and attaches the device to slot t; 0, or -1 with err.  nd
 * NULL (tests, the fuzzer): no network and no thread, every frame sent
 * comes back as received once virtio_net_service drains the queue. */
int virtio_net_open(virtio_net *n, virtio_mmio *t, const virt_netdev *nd, const uint8_t mac[6], char *err,
                    size_t errlen);
/* Without a thread: the transmit queue drained on the caller's thread. */
void virtio_net_service(virtio_net *n);
/* Stops the thread, closes slirp's sockets (before the slot's fini). */
void virtio_net_close(virtio_net *n);

/* ---- the command line's virtio devices (devopts.c): qemu's -drive,
 * -device, -chardev, -netdev, -nic for what is built ---- */
enum { VIRT_VDEV_BLK = 1, VIRT_VDEV_RNG, VIRT_VDEV_CONSOLE, VIRT_VDEV_NET };
typedef struct virt_vdev {
    int kind;
    const char *file, *serial;      /* blk: the image, GET_ID's serial (NULL: empty) */
    int ro;
    const char *out;                /* console: the output file (NULL: discarded) */
    int append;
    const virt_netdev *net;         /* net: its network */
    uint8_t mac[6];
} virt_vdev;
#define VIRT_MAX_DRIVES 16
typedef struct virt_vdevs {
    virt_vdev dev[VIRT_VIRTIO_COUNT];   /* in slot order from the last slot down (QEMU's) */
    unsigned n;
    /* what the options name, resolved by virt_vdevs_finish */
    struct { char *file, *id; int ro, virtio, used; } drive[VIRT_MAX_DRIVES];
    unsigned ndrives;
    struct { char *id, *path; int append; } chardev[VIRT_MAX_DRIVES];
    unsigned nchardevs;
    virt_netdev netdev[VIRT_MAX_DRIVES];
    unsigned nnetdevs, nnics;
    struct { int kind; char *drive, *serial; int has_port; char *chardev; char *netdev; int has_mac; uint8_t mac[6]; }
        req[VIRT_MAX_DRIVES];
    unsigned nreq;
} virt_vdevs;
/* One option's argument: 0; -1 with err (bad input, status 1); -2 with
 * err (not built yet, status 2). */
int virt_opt_drive(virt_vdevs *v, const char *arg, char *err, size_t errlen);
int virt_opt_device(virt_vdevs *v, const char *arg, char *err, size_t errlen);
int virt_opt_chardev(virt_vdevs *v, const char *arg, char *err, size_t errlen);
int virt_opt_netdev(virt_vdevs *v, const char *arg, char *err, size_t errlen);
int virt_opt_nic(virt_vdevs *v, const char *arg, char *err, size_t errlen);
/* After the options: references resolved, v->dev filled; 0 or -1 with err. */
int virt_vdevs_finish(virt_vdevs *v, char *err, size_t errlen);
void virt_vdevs_free(virt_vdevs *v);

#endif
