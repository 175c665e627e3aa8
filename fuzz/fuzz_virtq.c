/* libFuzzer target: rv64-virt's virtio-mmio transport and devices
 * (machines/virt/virtio*.c) driven by arbitrary guest memory and MMIO
 * accesses, as a hostile guest could: four slots on 64 KiB of RAM (between
 * inaccessible guard areas, so that any access outside it faults) -- virtio-blk
 * on a scratch file, virtio-rng, virtio-console (into /dev/null) and a
 * probe device that pops chains and checks each segment lies in RAM.
 *
 * Input: the first RAM_INIT bytes are RAM's initial contents; the rest is
 * 8-byte operations (kind, slot, a 16-bit a, a 32-bit v): register writes
 * and reads, a queue set up at RAM offsets, the driver's feature and
 * status handshake, notifies, RAM pokes (descriptors, avail entries and
 * index), interrupt acks, resets, a save/load round trip, a device
 * thread's kick, a chain as a driver makes it (offer_chain).  Checks: no
 * crash, no access outside RAM (ASan, and the probe), a broken queue sets
 * DEVICE_NEEDS_RESET, the used index never runs ahead of what was
 * popped, a state saved and loaded reads back the same; a hang is
 * libFuzzer's timeout.  A first run drives well-formed requests through
 * each device and checks their answers. */
#include <assert.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "machines/virt/virt.h"
#include "machines/virt/virtio.h"
#include "tests/virt/virtq_driver.h"

#define RAM_BASE UINT64_C(0x80000000)
#define RAM_SIZE 0x10000u
#define RAM_INIT 4096u
#define NSLOT 4

static eng_phys *phys;
static uint8_t *ram;
static virt_plic plic;
static virtio_mmio slot[NSLOT];
static virtio_blk blk;
static virtio_rng rng;
static virtio_console con;
static int irq_level[2 * 8];

static void on_irq(void *ctx, unsigned hart, unsigned bit, int level)
{
    (void)ctx;
    irq_level[(2 * hart + (bit == VIRT_MIP_SEIP)) % 16] = level;
}

/* ---- the probe device: pops whatever is there, checks, pushes ---- */
static virtq_elem probe_elem;
static uint64_t probe_popped, probe_pushed;

static void probe_notify(void *dev, virtio_mmio *t, unsigned q)
{
    (void)dev;
    int r;
    while ((r = virtq_pop(t, q, &probe_elem)) > 0) {
        probe_popped++;
        uint64_t in = 0, out = 0;
        for (unsigned i = 0; i < probe_elem.nout + probe_elem.nin; i++) {
            const uint8_t *p = probe_elem.iov[i].iov_base;
            size_t n = probe_elem.iov[i].iov_len;
            assert(n > 0 && p >= ram && p <= ram + RAM_SIZE && n <= (size_t)(ram + RAM_SIZE - p));
            *(i < probe_elem.nout ? &out : &in) += n;
        }
        assert(in == probe_elem.in_len && out == probe_elem.out_len);
        assert(probe_elem.nout + probe_elem.nin <= VIRTQ_MAX_SEG);
        /* write into the writable part, then claim a length (maybe a lie) */
        uint8_t fill[64];
        memset(fill, 0xa5, sizeof fill);
        virtio_iov_from_buf(probe_elem.iov + probe_elem.nout, probe_elem.nin, 0, fill, sizeof fill);
        virtq_push(t, q, &probe_elem, (uint32_t)(in < 64 ? in : 64));
        probe_pushed++;
        if (probe_popped % 7 == 3)
            break;      /* leave some for later */
    }
    if (r < 0)
        assert(t->s.status & VIRTIO_S_NEEDS_RESET);
}

static void probe_config_read(void *dev, uint32_t off, unsigned size, uint64_t *val)
{
    (void)dev, (void)size;
    *val = off;
}

static const virtio_dev_ops probe_ops = {
    .device_id = 42,
    .name = "probe",
    .config_read = probe_config_read,
    .queue_notify = probe_notify,
};

/* RAM layout of the first run: desc at 0x1000, avail 0x2000, used 0x3000, data 0x4000 */
static void first_run(void)
{
    /* blk: write sector 1, read it back, flush, GET_ID, a bad type */
    vd_handshake(&slot[0], ~UINT64_C(0));
    vd_queue(&slot[0], 0, 16, RAM_BASE + 0x1000, RAM_BASE + 0x2000, RAM_BASE + 0x3000);
    assert(vd_rd(&slot[0], 0x44, 4) == 1 && vd_rd(&slot[0], 0x08, 4) == VIRTIO_ID_BLOCK);
    struct { uint32_t type, res; uint64_t sector; } h[5] = {{1, 0, 1}, {0, 0, 1}, {4, 0, 0}, {8, 0, 0}, {99, 0, 0}};
    memcpy(ram + 0x4000, h, sizeof h);
    for (unsigned i = 0; i < 512; i++)
        ram[0x5000 + i] = (uint8_t)(i * 7);
    for (unsigned r = 0; r < 5; r++) {
        unsigned d = 3 * r;
        vd_desc(ram, 0x1000, d, RAM_BASE + 0x4000 + 16 * r, 16, 1, (uint16_t)(d + 1));
        uint64_t data = r == 0 ? 0x5000 : r == 1 ? 0x5200 : 0x5400;
        uint16_t wf = r == 0 ? 1 : 3;
        vd_desc(ram, 0x1000, d + 1, RAM_BASE + data, r == 3 ? 20 : 512, wf, (uint16_t)(d + 2));
        vd_desc(ram, 0x1000, d + 2, RAM_BASE + 0x6000 + r, 1, 2, 0);
        if (r >= 2 && r != 3)
            vd_desc(ram, 0x1000, d, RAM_BASE + 0x4000 + 16 * r, 16, 1, (uint16_t)(d + 2));
        vd_put16(ram, 0x2000 + 4 + 2 * r, (uint16_t)d);
        ram[0x6000 + r] = 0xff;
    }
    vd_put16(ram, 0x2002, 5);
    vd_wr(&slot[0], 0x50, 0);
    assert(vd_get16(ram, 0x3002) == 5);
    assert(ram[0x6000] == 0 && ram[0x6001] == 0 && ram[0x6002] == 0 && ram[0x6003] == 0 && ram[0x6004] == 2);
    assert(!memcmp(ram + 0x5000, ram + 0x5200, 512));
    assert(!memcmp(ram + 0x5400, "fuzz-serial", 11) && ram[0x5400 + 11] == 0);
    assert(vd_rd(&slot[0], 0x60, 4) & 1);      /* used-buffer interrupt */
    vd_wr(&slot[0], 0x64, 1);
    assert(vd_rd(&slot[0], 0x60, 4) == 0);
    /* a loop: the device needs a reset */
    vd_desc(ram, 0x1000, 0, RAM_BASE + 0x4000, 16, 1, 1);
    vd_desc(ram, 0x1000, 1, RAM_BASE + 0x4000, 16, 1, 0);
    vd_put16(ram, 0x2000 + 4 + 2 * 5, 0);
    vd_put16(ram, 0x2002, 6);
    vd_wr(&slot[0], 0x50, 0);
    assert(vd_rd(&slot[0], 0x70, 4) & VIRTIO_S_NEEDS_RESET);
    vd_wr(&slot[0], 0x70, 0);
    assert(vd_rd(&slot[0], 0x70, 4) == 0);
    /* rng: 32 bytes */
    vd_handshake(&slot[1], ~UINT64_C(0));
    vd_queue(&slot[1], 0, 8, RAM_BASE + 0x1000, RAM_BASE + 0x2000, RAM_BASE + 0x3000);
    memset(ram + 0x4000, 0, 64);
    vd_desc(ram, 0x1000, 0, RAM_BASE + 0x4000, 32, 2, 0);
    vd_put16(ram, 0x2000 + 4, 0);
    vd_put16(ram, 0x2002, 1);
    vd_wr(&slot[1], 0x50, 0);
    uint32_t len;
    memcpy(&len, ram + 0x3000 + 4 + 4, 4);
    assert(vd_get16(ram, 0x3002) == 1 && len == 32);
    /* an empty slot reads device id 0 */
    virtio_mmio empty;
    virtio_mmio_init(&empty, phys, NULL, 0, 0);
    assert(vd_rd(&empty, 0, 4) == 0x74726976 && vd_rd(&empty, 4, 4) == 2 && vd_rd(&empty, 8, 4) == 0);
    virtio_mmio_fini(&empty);
}

static void setup(void)
{
    phys = eng_phys_new(NULL);
    /* RAM between two 1 MiB guards: a read past it (a descriptor index
     * out of range, a table beyond RAM) faults even where ASan's redzones
     * would not reach */
    uint8_t *area = mmap(NULL, RAM_SIZE + (2u << 20), PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    assert(area != MAP_FAILED);
    ram = area + (1u << 20);
    assert(mprotect(ram, RAM_SIZE, PROT_READ | PROT_WRITE) == 0);
    assert(phys && eng_phys_add_ram(phys, RAM_BASE, RAM_SIZE, ram));
    virt_plic_init(&plic, 1, on_irq, NULL);
    for (unsigned i = 0; i < NSLOT; i++)
        virtio_mmio_init(&slot[i], phys, &plic, 1 + i, 0x10001000 + 0x1000 * i);
    char path[] = "/tmp/vvm-fuzz-virtq.XXXXXX";
    int fd = mkstemp(path);
    assert(fd >= 0 && ftruncate(fd, 64 * 1024) == 0);
    close(fd);
    char err[200];
    assert(virtio_blk_open(&blk, path, 0, "fuzz-serial", err, sizeof err) == 0);
    unlink(path);
    virtio_blk_attach(&blk, &slot[0]);
    virtio_rng_attach(&rng, &slot[1]);
    virtio_console_attach(&con, &slot[2], open("/dev/null", O_WRONLY | O_CLOEXEC));
    virtio_mmio_attach(&slot[3], &probe_ops, NULL, UINT64_C(1) << 3, 3, 64);
    for (unsigned i = 0; i < NSLOT; i++)
        slot[i].quiet = 1;
    memset(ram, 0, RAM_SIZE);
    first_run();
}

/* A chain a driver would make on queue q (ready), as v says: 1-4
 * descriptors over buffers at 0x8000.. (a 16-byte blk header first, its
 * type and sector from v), readable then writable, direct or through an
 * indirect table at 0xa000; then offered in the avail ring. */
static void offer_chain(virtio_mmio *t, unsigned q, uint32_t v)
{
    if (q >= t->nqueues || !t->s.q[q].ready || !t->havail[q])
        return;
    unsigned n = t->s.q[q].num, k = 1 + (v & 3), avail = (unsigned)(t->havail[q] - ram);
    unsigned table = (unsigned)(t->hdesc[q] - ram), first = 0, head = vd_get16(ram, avail + 2) % n;
    static const uint32_t types[8] = {0, 1, 4, 8, 0, 1, 2, 99};
    struct { uint32_t type, res; uint64_t sector; } h = {types[(v >> 16) & 7], 0, (v >> 20) & 0x7f};
    memcpy(ram + 0x8000, &h, sizeof h);
    int indirect = (v >> 27) & 1;
    if (indirect) {
        vd_desc(ram, table, head, RAM_BASE + 0xa000, 16 * k, VD_INDIRECT, 0);
        table = 0xa000;
    } else
        first = head;
    unsigned writable_from = 1 + ((v >> 8) & 3);  /* descriptors from this one on are writable */
    for (unsigned j = 0; j < k; j++) {
        unsigned i = indirect ? j : (first + j) % n;
        uint32_t len = j == 0 ? 16 : j == k - 1 && j >= writable_from ? 1 : 512u << ((v >> 10) & 1);
        uint16_t flags = (uint16_t)((j + 1 < k ? VD_NEXT : 0) | (j >= writable_from ? VD_WRITE : 0));
        vd_desc(ram, table, i, RAM_BASE + 0x8000 + 0x800 * j, len, flags,
                (uint16_t)(indirect ? j + 1 : (first + j + 1) % n));
    }
    vd_offer(ram, avail, n, (uint16_t)head);
}

/* a save and a load give back the same state */
static void round_trip(void)
{
    char *buf = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&buf, &n);
    assert(f);
    for (unsigned i = 0; i < NSLOT; i++)
        assert(virtio_mmio_save(&slot[i], f) == 0);
    fclose(f);
    virtio_mmio_state before[NSLOT];
    for (unsigned i = 0; i < NSLOT; i++)
        before[i] = slot[i].s;
    f = fmemopen(buf, n, "rb");
    assert(f);
    for (unsigned i = 0; i < NSLOT; i++)
        assert(virtio_mmio_load(&slot[i], f) == 0);
    fclose(f);
    free(buf);
    for (unsigned i = 0; i < NSLOT; i++)
        assert(!memcmp(&before[i], &slot[i].s, sizeof before[i]));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!phys)
        setup();
    memset(ram, 0, RAM_SIZE);
    size_t init = size < RAM_INIT ? size : RAM_INIT;
    memcpy(ram, data, init);
    for (unsigned i = 0; i < NSLOT; i++)
        virtio_mmio_reset(&slot[i]);
    probe_popped = probe_pushed = 0;
    for (size_t p = init; p + 8 <= size; p += 8) {
        const uint8_t *o = data + p;
        unsigned kind = o[0] % 14;
        virtio_mmio *t = &slot[o[1] % NSLOT];
        uint16_t a = (uint16_t)(o[2] | o[3] << 8);
        uint32_t v;
        memcpy(&v, o + 4, 4);
        switch (kind) {
        case 0: vd_wr(t, a & 0x1fc, v); break;                 /* any register, config too */
        case 1: vd_rd(t, a & 0x1ff, 1u << (v & 3)); break;     /* any size, aligned or not */
        case 2:                                             /* a queue at RAM offsets (or anywhere) */
            vd_queue(t, a % 4, 1u << (v & 7),
                        (v & 0x80000000u) ? (uint64_t)v << 3 : RAM_BASE + ((v >> 8) & 0xff) * 256,
                        RAM_BASE + ((v >> 16) & 0xff) * 256, RAM_BASE + ((v >> 24) & 0x7f) * 256);
            break;
        case 3: vd_handshake(t, a & 1 ? ~UINT64_C(0) : ~((uint64_t)v << 16)); break;
        case 4: vd_wr(t, 0x50, a % 5); break;                  /* notify */
        case 5: memcpy(ram + (a % (RAM_SIZE / 4)) * 4, &v, 4); break;
        case 6: {   /* descriptor a>>2 of queue a&3's table: any next, flags, length; in RAM or not */
            unsigned q = a & 3;
            if (q < t->nqueues && t->hdesc[q]) {
                uint64_t addr = v & 0x8000 ? (uint64_t)(a >> 10) << 40 | 0xff0 : RAM_BASE + (uint64_t)(a >> 10) * 1024;
                vd_desc(ram, (unsigned)(t->hdesc[q] - ram), (a >> 2) % t->s.q[q].num, addr, v & 0xfff,
                        (uint16_t)((v >> 12) & 7), (uint16_t)(v >> 16));
            }
            break;
        }
        case 7: vd_wr(t, 0x64, v); break;                      /* interrupt ack */
        case 8: vd_wr(t, 0x70, 0); break;                      /* reset */
        case 9:                                             /* the avail index moves */
            if (t->s.q[a % 4].ready && t->havail[a % 4])
            {
                unsigned at = (unsigned)(t->havail[a % 4] - ram) + 2;
                vd_put16(ram, at, (uint16_t)(vd_get16(ram, at) + v % 5));
            }
            break;
        case 10: round_trip(); break;
        case 11: virtio_kick(t, a % 4); break;              /* a device thread's kick */
        default: offer_chain(t, a % 4, v); break;           /* a well-formed chain (mostly) */
        }
        /* the used index moves only by pushes of popped chains */
        assert(probe_pushed <= probe_popped);
        for (unsigned q = 0; q < VIRTIO_MAX_QUEUES; q++)
            assert(!t->s.q[q].ready || (uint16_t)(t->s.q[q].last_avail - t->s.q[q].used_idx) <= t->s.q[q].num);
    }
    return 0;
}
