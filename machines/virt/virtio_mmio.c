/* rv64-virt: the virtio-mmio transport (version 2) and split virtqueues
 * (virtio 1.x; machines/virt/virtio.h says what a device gets).
 *
 * Registers (32 bits, 4-byte accesses; others read 0 and are ignored):
 *   0x000 MagicValue "virt"   0x004 Version 2   0x008 DeviceID   0x00c VendorID
 *   0x010 DeviceFeatures (32 bits of them, chosen by 0x014 DeviceFeaturesSel)
 *   0x020 DriverFeatures (chosen by 0x024 DriverFeaturesSel)
 *   0x030 QueueSel   0x034 QueueNumMax   0x038 QueueNum   0x044 QueueReady
 *   0x050 QueueNotify   0x060 InterruptStatus   0x064 InterruptACK
 *   0x070 Status   0x080/0x084 QueueDesc   0x090/0x094 QueueDriver (avail)
 *   0x0a0/0x0a4 QueueDevice (used)   0x0fc ConfigGeneration
 *   0x100... the device's config space (any size)
 * An empty slot reads magic, version and vendor, and 0 elsewhere (QEMU).
 *
 * Split virtqueue of num entries (a power of 2): the descriptor table (16
 * bytes each: addr, len, flags NEXT 1 / WRITE 2 / INDIRECT 4, next), the
 * avail ring (flags, idx, ring[num], used_event) and the used ring (flags,
 * idx, ring[num] of {id, len}, avail_event).  Their addresses are checked
 * when the driver sets QueueReady: aligned (16, 2, 4) and in RAM, else the
 * device needs a reset. */
#include <stdarg.h>
#include <string.h>

#include "machines/virt/virt.h"
#include "machines/virt/virtio.h"

#define MAGIC 0x74726976u       /* "virt" */
#define VENDOR 0x554d4551u      /* "QEMU", as QEMU's devices say */

#define DESC_F_NEXT 1
#define DESC_F_WRITE 2
#define DESC_F_INDIRECT 4
#define AVAIL_F_NO_INTERRUPT 1

#define INT_USED 1
#define INT_CONFIG 2

typedef struct desc {
    uint64_t addr;
    uint32_t len;
    uint16_t flags, next;
} desc;

void virtio_lock(virtio_mmio *t) { pthread_mutex_lock(&t->lock); }
void virtio_unlock(virtio_mmio *t) { pthread_mutex_unlock(&t->lock); }

void virtio_mmio_init(virtio_mmio *t, eng_phys *phys, virt_plic *plic, unsigned irq, uint64_t base)
{
    memset(t, 0, sizeof *t);
    pthread_mutex_init(&t->lock, NULL);
    t->phys = phys;
    t->plic = plic;
    t->irq = irq;
    t->base = base;
}

void virtio_mmio_fini(virtio_mmio *t) { pthread_mutex_destroy(&t->lock); }

void virtio_mmio_attach(virtio_mmio *t, const virtio_dev_ops *ops, void *dev, uint64_t features, unsigned nqueues,
                        uint16_t queue_max)
{
    t->ops = ops;
    t->dev = dev;
    t->features = features | VIRTIO_F_TRANSPORT;
    t->nqueues = nqueues <= VIRTIO_MAX_QUEUES ? nqueues : VIRTIO_MAX_QUEUES;
    t->queue_max = queue_max <= VIRTQ_MAX_SIZE ? queue_max : VIRTQ_MAX_SIZE;
}

/* the interrupt line: up while InterruptStatus is not 0 (lock held) */
static void update_irq(virtio_mmio *t)
{
    if (t->plic)
        virt_plic_set(t->plic, t->irq, t->s.int_status != 0);
}

/* status 0: everything as at power-on but the device's configuration */
static void reset_locked(virtio_mmio *t)
{
    memset(&t->s, 0, sizeof t->s);
    memset(t->hdesc, 0, sizeof t->hdesc);
    memset(t->havail, 0, sizeof t->havail);
    memset(t->hused, 0, sizeof t->hused);
    if (t->ops && t->ops->reset)
        t->ops->reset(t->dev);
    update_irq(t);
}

void virtio_mmio_reset(virtio_mmio *t)
{
    pthread_mutex_lock(&t->lock);
    reset_locked(t);
    pthread_mutex_unlock(&t->lock);
}

void virtio_fail(virtio_mmio *t, const char *fmt, ...)
{
    if (t->s.broken)
        return;
    if (!t->quiet) {
        char why[200];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(why, sizeof why, fmt, ap);
        va_end(ap);
        fprintf(stderr, "vvm: rv64-virt: %s at 0x%llx: %s; the device needs a reset\n",
                t->ops ? t->ops->name : "virtio", (unsigned long long)t->base, why);
    }
    t->s.broken = 1;
    t->s.status |= VIRTIO_S_NEEDS_RESET;
    /* a device in DRIVER_OK tells the driver with a config interrupt */
    if (t->s.status & VIRTIO_S_DRIVER_OK) {
        t->s.int_status |= INT_CONFIG;
        update_irq(t);
    }
}

void virtio_config_changed(virtio_mmio *t)
{
    t->s.config_gen++;
    if (t->s.status & VIRTIO_S_DRIVER_OK) {
        t->s.int_status |= INT_CONFIG;
        update_irq(t);
    }
}

int virtq_ready(const virtio_mmio *t, unsigned q)
{
    return q < t->nqueues && t->s.q[q].ready && !t->s.broken && t->hdesc[q];
}

/* ---- the rings in guest RAM (host addresses checked at QueueReady) ---- */

static uint16_t ld16(const uint8_t *p) { return __atomic_load_n((const uint16_t *)p, __ATOMIC_ACQUIRE); }
static void st16(uint8_t *p, uint16_t v) { __atomic_store_n((uint16_t *)p, v, __ATOMIC_RELEASE); }

/* the avail ring's entry i and used_event; the used ring's avail_event */
static uint8_t *avail_ring(virtio_mmio *t, unsigned q, unsigned i) { return t->havail[q] + 4 + 2 * i; }
static uint8_t *used_event(virtio_mmio *t, unsigned q) { return avail_ring(t, q, t->s.q[q].num); }
static uint8_t *avail_event(virtio_mmio *t, unsigned q) { return t->hused[q] + 4 + 8 * t->s.q[q].num; }

/* host addresses of the rings of queue q as its registers say, or -1 */
static int map_queue(virtio_mmio *t, unsigned q)
{
    virtq_state *v = &t->s.q[q];
    uint64_t n = v->num;
    if (n == 0 || n > t->queue_max || (n & (n - 1)))
        return -1;
    if ((v->desc & 15) || (v->avail & 1) || (v->used & 3))
        return -1;
    uint8_t *d = eng_phys_host(t->phys, v->desc, 16 * n);
    uint8_t *a = eng_phys_host(t->phys, v->avail, 6 + 2 * n);
    uint8_t *u = eng_phys_host(t->phys, v->used, 6 + 8 * n);
    if (!d || !a || !u)
        return -1;
    t->hdesc[q] = d;
    t->havail[q] = a;
    t->hused[q] = u;
    return 0;
}

static void read_desc(const uint8_t *table, unsigned i, desc *d)
{
    /* one copy: the guest may change the table meanwhile */
    uint8_t b[16];
    memcpy(b, table + 16 * (size_t)i, 16);
    memcpy(&d->addr, b, 8);
    memcpy(&d->len, b + 8, 4);
    memcpy(&d->flags, b + 12, 2);
    memcpy(&d->next, b + 14, 2);
}

static int add_seg(virtio_mmio *t, unsigned q, virtq_elem *e, const desc *d)
{
    if (d->flags & DESC_F_WRITE) {
        if (e->nout + e->nin >= VIRTQ_MAX_SEG) {
            virtio_fail(t, "queue %u: a chain of more than %d segments", q, VIRTQ_MAX_SEG);
            return -1;
        }
    } else if (e->nin) {
        virtio_fail(t, "queue %u: a device-readable descriptor after a writable one", q);
        return -1;
    } else if (e->nout >= VIRTQ_MAX_SEG) {
        virtio_fail(t, "queue %u: a chain of more than %d segments", q, VIRTQ_MAX_SEG);
        return -1;
    }
    if (d->len == 0)
        return 0;
    void *h = eng_phys_host(t->phys, d->addr, d->len);
    if (!h) {
        virtio_fail(t, "queue %u: a buffer at 0x%llx (%u bytes) outside RAM", q, (unsigned long long)d->addr, d->len);
        return -1;
    }
    struct iovec *s = &e->iov[e->nout + e->nin];
    s->iov_base = h;
    s->iov_len = d->len;
    if (d->flags & DESC_F_WRITE) {
        /* the device writes it: code decoded from it goes (the guest
         * runs what a device wrote only after a fence.i, which applies
         * the announcement) */
        eng_phys_written(t->phys, d->addr, d->len);
        e->nin++;
        e->in_len += d->len;
    } else {
        e->nout++;
        e->out_len += d->len;
    }
    return 0;
}

int virtq_pop(virtio_mmio *t, unsigned q, virtq_elem *e)
{
    if (!virtq_ready(t, q))
        return t->s.broken ? -1 : 0;
    virtq_state *v = &t->s.q[q];
    uint16_t avail = ld16(t->havail[q] + 2);
    if (avail == v->last_avail && (t->s.drv_features & VIRTIO_F_EVENT_IDX)) {
        /* empty: ask for a notification at the next one, then look again
         * (the driver may have added one before seeing avail_event) */
        st16(avail_event(t, q), v->last_avail);
        __atomic_thread_fence(__ATOMIC_SEQ_CST);
        avail = ld16(t->havail[q] + 2);
    }
    if (avail == v->last_avail)
        return 0;
    if ((uint16_t)(avail - v->last_avail) > v->num) {
        virtio_fail(t, "queue %u: avail index %u is more than %u ahead of %u", q, avail, v->num, v->last_avail);
        return -1;
    }
    uint16_t head = ld16(avail_ring(t, q, v->last_avail & (v->num - 1)));
    v->last_avail++;
    if (head >= v->num) {
        virtio_fail(t, "queue %u: head descriptor %u of %u", q, head, v->num);
        return -1;
    }
    e->head = head;
    e->nout = e->nin = 0;
    e->out_len = e->in_len = 0;
    const uint8_t *table = t->hdesc[q];
    unsigned max = v->num, i = head, steps = 0;
    desc d;
    read_desc(table, i, &d);
    if (d.flags & DESC_F_INDIRECT) {
        if (!(t->s.drv_features & VIRTIO_F_INDIRECT_DESC) || (d.flags & DESC_F_NEXT) || d.len == 0 || d.len % 16) {
            virtio_fail(t, "queue %u: bad indirect descriptor (flags %#x, %u bytes)", q, d.flags, d.len);
            return -1;
        }
        if (!(table = eng_phys_host(t->phys, d.addr, d.len))) {
            virtio_fail(t, "queue %u: an indirect table at 0x%llx (%u bytes) outside RAM", q,
                        (unsigned long long)d.addr, d.len);
            return -1;
        }
        max = d.len / 16;
        i = 0;
        read_desc(table, i, &d);
    }
    for (;;) {
        if (++steps > max) {
            virtio_fail(t, "queue %u: a descriptor chain longer than its table (a loop?)", q);
            return -1;
        }
        if (d.flags & DESC_F_INDIRECT) {
            virtio_fail(t, "queue %u: an indirect descriptor inside a chain", q);
            return -1;
        }
        if (add_seg(t, q, e, &d) < 0)
            return -1;
        if (!(d.flags & DESC_F_NEXT))
            break;
        i = d.next;
        if (i >= max) {
            virtio_fail(t, "queue %u: next descriptor %u of %u", q, i, max);
            return -1;
        }
        read_desc(table, i, &d);
    }
    return 1;
}

void virtq_push(virtio_mmio *t, unsigned q, const virtq_elem *e, uint32_t len)
{
    if (!virtq_ready(t, q))
        return;
    virtq_state *v = &t->s.q[q];
    uint8_t *u = t->hused[q] + 4 + 8 * (size_t)(v->used_idx & (v->num - 1));
    uint32_t id = e->head;
    memcpy(u, &id, 4);
    memcpy(u + 4, &len, 4);
    v->used_idx++;
    st16(t->hused[q] + 2, v->used_idx);
    v->pushed = 1;
}

void virtq_notify(virtio_mmio *t, unsigned q)
{
    if (!virtq_ready(t, q) || !t->s.q[q].pushed)
        return;
    virtq_state *v = &t->s.q[q];
    v->pushed = 0;
    __atomic_thread_fence(__ATOMIC_SEQ_CST);   /* used idx out before reading the driver's wish */
    int send;
    if (t->s.drv_features & VIRTIO_F_EVENT_IDX) {
        uint16_t ev = ld16(used_event(t, q)), old = v->signalled_used, now = v->used_idx;
        /* the spec's vring_need_event: the event index is in (old, now] */
        send = !v->signalled_valid || (uint16_t)(now - ev - 1) < (uint16_t)(now - old);
        v->signalled_used = now;
        v->signalled_valid = 1;
    } else
        send = !(ld16(t->havail[q]) & AVAIL_F_NO_INTERRUPT);
    if (send) {
        t->s.int_status |= INT_USED;
        update_irq(t);
    }
}

void virtio_kick(virtio_mmio *t, unsigned q)
{
    pthread_mutex_lock(&t->lock);
    if (t->ops && virtq_ready(t, q)) {
        t->ops->queue_notify(t->dev, t, q);
        virtq_notify(t, q);
    }
    pthread_mutex_unlock(&t->lock);
}

/* ---- segment lists ---- */

/* copies between iov (from off on) and buf, either way */
static size_t iov_copy(const struct iovec *iov, unsigned n, size_t off, uint8_t *buf, size_t len, int into_iov)
{
    size_t done = 0;
    for (unsigned i = 0; i < n && done < len; i++) {
        if (off >= iov[i].iov_len) {
            off -= iov[i].iov_len;
            continue;
        }
        size_t k = iov[i].iov_len - off < len - done ? iov[i].iov_len - off : len - done;
        uint8_t *seg = (uint8_t *)iov[i].iov_base + off;
        memcpy(into_iov ? seg : buf + done, into_iov ? buf + done : seg, k);
        done += k;
        off = 0;
    }
    return done;
}

size_t virtio_iov_to_buf(const struct iovec *iov, unsigned n, size_t off, void *buf, size_t len)
{
    return iov_copy(iov, n, off, buf, len, 0);
}

size_t virtio_iov_from_buf(const struct iovec *iov, unsigned n, size_t off, const void *buf, size_t len)
{
    return iov_copy(iov, n, off, (uint8_t *)buf, len, 1);
}

unsigned virtio_iov_slice(const struct iovec *iov, unsigned n, size_t off, size_t len, struct iovec *dst,
                          unsigned max)
{
    unsigned k = 0;
    for (unsigned i = 0; i < n && len && k < max; i++) {
        if (off >= iov[i].iov_len) {
            off -= iov[i].iov_len;
            continue;
        }
        size_t c = iov[i].iov_len - off < len ? iov[i].iov_len - off : len;
        dst[k].iov_base = (uint8_t *)iov[i].iov_base + off;
        dst[k].iov_len = c;
        k++;
        len -= c;
        off = 0;
    }
    return k;
}

/* ---- registers ---- */

static int mmio_read(void *arg, uint64_t off, unsigned size, uint64_t *val)
{
    virtio_mmio *t = arg;
    *val = 0;
    pthread_mutex_lock(&t->lock);
    if (off >= 0x100) {
        if (t->ops && t->ops->config_read)
            t->ops->config_read(t->dev, (uint32_t)(off - 0x100), size, val);
        pthread_mutex_unlock(&t->lock);
        return 0;
    }
    if (size != 4 || (off & 3)) {
        pthread_mutex_unlock(&t->lock);
        return 0;
    }
    unsigned qs = t->s.queue_sel;
    virtq_state *v = qs < VIRTIO_MAX_QUEUES ? &t->s.q[qs] : NULL;
    uint64_t r = 0;
    switch (off) {
    case 0x000: r = MAGIC; break;
    case 0x004: r = 2; break;
    case 0x00c: r = VENDOR; break;
    default:
        if (!t->ops)
            break;  /* an empty slot */
        switch (off) {
        case 0x008: r = t->ops->device_id; break;
        case 0x010:
            r = t->s.dev_features_sel < 2 ? (uint32_t)(t->features >> (32 * t->s.dev_features_sel)) : 0;
            break;
        case 0x034: r = qs < t->nqueues ? t->queue_max : 0; break;
        case 0x038: r = v ? v->num : 0; break;
        case 0x044: r = v ? v->ready : 0; break;
        case 0x060: r = t->s.int_status; break;
        case 0x070: r = t->s.status; break;
        case 0x080: r = v ? (uint32_t)v->desc : 0; break;
        case 0x084: r = v ? v->desc >> 32 : 0; break;
        case 0x090: r = v ? (uint32_t)v->avail : 0; break;
        case 0x094: r = v ? v->avail >> 32 : 0; break;
        case 0x0a0: r = v ? (uint32_t)v->used : 0; break;
        case 0x0a4: r = v ? v->used >> 32 : 0; break;
        case 0x0fc: r = t->s.config_gen; break;
        default: break;
        }
    }
    pthread_mutex_unlock(&t->lock);
    *val = r;
    return 0;
}

static void set_addr(uint64_t *a, int high, uint32_t v)
{
    *a = high ? (*a & 0xffffffffu) | (uint64_t)v << 32 : (*a & ~(uint64_t)0xffffffffu) | v;
}

static void write_status(virtio_mmio *t, uint32_t v)
{
    if (v == 0) {
        reset_locked(t);
        return;
    }
    v &= 0xff;
    if ((v & VIRTIO_S_FEATURES_OK) && !(t->s.status & VIRTIO_S_FEATURES_OK)) {
        /* the driver's features must be offered ones, VERSION_1 among them */
        uint64_t f = t->s.drv_features;
        if ((f & ~t->features) || !(f & VIRTIO_F_VERSION_1))
            v &= ~(uint32_t)VIRTIO_S_FEATURES_OK;
    }
    if (t->s.broken)
        v |= VIRTIO_S_NEEDS_RESET;
    t->s.status = v;
}

static int mmio_write(void *arg, uint64_t off, unsigned size, uint64_t val)
{
    virtio_mmio *t = arg;
    pthread_mutex_lock(&t->lock);
    if (!t->ops) {
        pthread_mutex_unlock(&t->lock);
        return 0;
    }
    if (off >= 0x100) {
        if (t->ops->config_write)
            t->ops->config_write(t->dev, (uint32_t)(off - 0x100), size, val);
        pthread_mutex_unlock(&t->lock);
        return 0;
    }
    if (size != 4 || (off & 3)) {
        pthread_mutex_unlock(&t->lock);
        return 0;
    }
    uint32_t v32 = (uint32_t)val;
    unsigned qs = t->s.queue_sel;
    virtq_state *v = qs < t->nqueues ? &t->s.q[qs] : NULL;
    int can_setup = v && !v->ready;     /* a queue's registers change only while it is not ready */
    switch (off) {
    case 0x014: t->s.dev_features_sel = v32; break;
    case 0x020:
        if (t->s.drv_features_sel < 2 && !(t->s.status & VIRTIO_S_FEATURES_OK)) {
            unsigned sh = 32 * t->s.drv_features_sel;
            t->s.drv_features = (t->s.drv_features & ~(UINT64_C(0xffffffff) << sh)) | (uint64_t)v32 << sh;
        }
        break;
    case 0x024: t->s.drv_features_sel = v32; break;
    case 0x030: t->s.queue_sel = v32; break;
    case 0x038:
        if (can_setup)
            v->num = v32;
        break;
    case 0x044:
        if (!v)
            break;
        if (v32 & 1) {
            if (v->ready)
                break;
            if (map_queue(t, qs) < 0) {
                virtio_fail(t, "queue %u: size %u or ring addresses (0x%llx, 0x%llx, 0x%llx) not usable", qs, v->num,
                            (unsigned long long)v->desc, (unsigned long long)v->avail, (unsigned long long)v->used);
                break;
            }
            v->ready = 1;
            v->last_avail = 0;      /* a fresh queue starts at 0 */
            v->used_idx = 0;
            v->signalled_valid = 0;
            v->pushed = 0;
        } else {
            v->ready = 0;
            t->hdesc[qs] = t->havail[qs] = t->hused[qs] = NULL;
        }
        break;
    case 0x050:
        if (v32 < t->nqueues && virtq_ready(t, v32)) {
            t->ops->queue_notify(t->dev, t, v32);
            virtq_notify(t, v32);
        }
        break;
    case 0x064:
        t->s.int_status &= ~v32;
        update_irq(t);
        break;
    case 0x070: write_status(t, v32); break;
    case 0x080: if (can_setup) set_addr(&v->desc, 0, v32); break;
    case 0x084: if (can_setup) set_addr(&v->desc, 1, v32); break;
    case 0x090: if (can_setup) set_addr(&v->avail, 0, v32); break;
    case 0x094: if (can_setup) set_addr(&v->avail, 1, v32); break;
    case 0x0a0: if (can_setup) set_addr(&v->used, 0, v32); break;
    case 0x0a4: if (can_setup) set_addr(&v->used, 1, v32); break;
    default: break;
    }
    pthread_mutex_unlock(&t->lock);
    return 0;
}

const eng_mmio_ops virtio_mmio_ops = {mmio_read, mmio_write};

/* ---- state ---- */

int virtio_mmio_save(virtio_mmio *t, FILE *f)
{
    pthread_mutex_lock(&t->lock);
    int rc = virt_save_tag(f, "vmmio", &t->s, sizeof t->s);
    if (rc == 0 && t->ops && t->ops->save)
        rc = t->ops->save(t->dev, f);
    pthread_mutex_unlock(&t->lock);
    return rc;
}

int virtio_mmio_load(virtio_mmio *t, FILE *f)
{
    virtio_mmio_state s;
    if (virt_load_tag(f, "vmmio", &s, sizeof s) < 0)
        return -1;
    pthread_mutex_lock(&t->lock);
    int rc = 0;
    t->s = s;
    memset(t->hdesc, 0, sizeof t->hdesc);
    memset(t->havail, 0, sizeof t->havail);
    memset(t->hused, 0, sizeof t->hused);
    for (unsigned q = 0; q < VIRTIO_MAX_QUEUES && rc == 0; q++)
        if (t->s.q[q].ready && (q >= t->nqueues || map_queue(t, q) < 0))
            rc = -1;
    if (rc == 0 && t->ops && t->ops->load)
        rc = t->ops->load(t->dev, f);
    if (rc < 0)
        reset_locked(t);
    else
        update_irq(t);
    pthread_mutex_unlock(&t->lock);
    return rc;
}
