/* rv64-virt's devices driven from C through their MMIO callbacks, with the
 * interrupt callback recording what reaches each hart: the CLINT (MSIP,
 * MTIP on time from the timer thread, MTIP dropped by a later compare),
 * the PLIC (priorities, enables, thresholds, claim and complete, M and S
 * contexts), the UART (receive interrupt through the PLIC, IIR, LSR,
 * loopback, DLAB), save and load; the virtio-mmio transport with
 * virtio-blk, -rng and -console on a RAM of their own (tests/virt/
 * virtq_driver.h: registers, handshake, rings, interrupts through the PLIC,
 * EVENT_IDX and NO_INTERRUPT, indirect tables, hostile chains marking
 * DEVICE_NEEDS_RESET, a read-only disk, save and load) and virtio-net
 * without a network (its frames looped back).
 * Prints "ok NAME" / "not ok NAME: why". */
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "machines/virt/virt.h"
#include "tests/virt/virtq_driver.h"

static int failed;
static void check(int ok, const char *name, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void check(int ok, const char *name, const char *fmt, ...)
{
    if (ok) {
        printf("ok %s\n", name);
        return;
    }
    va_list ap;
    va_start(ap, fmt);
    printf("not ok %s: ", name);
    vprintf(fmt, ap);
    printf("\n");
    va_end(ap);
    failed = 1;
}

static _Atomic uint64_t mip[4];
static _Atomic int64_t mtip_at[4];

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void irq(void *ctx, unsigned hart, unsigned bit, int level)
{
    (void)ctx;
    if (level)
        atomic_fetch_or(&mip[hart], UINT64_C(1) << bit);
    else
        atomic_fetch_and(&mip[hart], ~(UINT64_C(1) << bit));
    if (bit == VIRT_MIP_MTIP && level)
        atomic_store(&mtip_at[hart], now_ns());
}
static int has(unsigned hart, unsigned bit) { return (int)(atomic_load(&mip[hart]) >> bit & 1); }

static uint64_t rd(const eng_mmio_ops *o, void *d, uint64_t off, unsigned size)
{
    uint64_t v = ~UINT64_C(0);
    if (o->read(d, off, size, &v) != 0)
        return 0xdeadbeef;
    return v;
}
static void wr(const eng_mmio_ops *o, void *d, uint64_t off, unsigned size, uint64_t v) { o->write(d, off, size, v); }

/* ---- virtio-mmio: RAM at 0x80000000 (64 KiB): descriptors at 0x1000,
 * avail 0x2000, used 0x3000, request headers 0x4000, data 0x5000.., status
 * bytes 0x7000.. ---- */
#define VR_BASE UINT64_C(0x80000000)
#define VR_SIZE 0x10000u
#define VQ_N 16

static uint8_t *vram;

/* a blk request as 3 descriptors from d: header, data (n bytes at data,
 * writable for a read), status byte; offered; returns the status byte's offset */
static unsigned blk_req(unsigned d, uint32_t type, uint64_t sector, unsigned data, uint32_t n, unsigned k)
{
    struct { uint32_t type, res; uint64_t sector; } h = {type, 0, sector};
    memcpy(vram + 0x4000 + 16 * k, &h, 16);
    unsigned st = 0x7000 + k;
    vram[st] = 0xee;
    vd_desc(vram, 0x1000, d, VR_BASE + 0x4000 + 16 * k, 16, VD_NEXT, (uint16_t)(d + 1));
    if (n) {
        vd_desc(vram, 0x1000, d + 1, VR_BASE + data, n, (uint16_t)(VD_NEXT | (type == 0 || type == 8 ? VD_WRITE : 0)),
                (uint16_t)(d + 2));
        vd_desc(vram, 0x1000, d + 2, VR_BASE + st, 1, VD_WRITE, 0);
    } else
        vd_desc(vram, 0x1000, d + 1, VR_BASE + st, 1, VD_WRITE, 0);
    vd_offer(vram, 0x2000, VQ_N, (uint16_t)d);
    return st;
}

/* the used entry of the last chain */
static uint32_t last_used_len(void)
{
    uint16_t idx = vd_get16(vram, 0x3002);
    return vd_get32(vram, 0x3004 + 8 * ((idx - 1u) % VQ_N) + 4);
}

static void test_virtio(void)
{
    eng_phys *ph = eng_phys_new(NULL);
    vram = eng_phys_add_ram(ph, VR_BASE, VR_SIZE, NULL);
    if (!ph || !vram) {
        check(0, "virtio-setup", "no RAM");
        return;
    }
    static virt_plic p;
    memset(mip, 0, sizeof mip);
    virt_plic_init(&p, 1, irq, NULL);
    wr(&virt_plic_ops, &p, 4 * 1, 4, 1);            /* source 1 (slot 0): priority 1 */
    wr(&virt_plic_ops, &p, 0x2000, 4, 1u << 1);     /* enabled for hart 0 M */

    /* an empty slot: magic, version 2, vendor, device id 0 */
    static virtio_mmio t;
    virtio_mmio_init(&t, ph, &p, 1, 0x10001000);
    check(vd_rd(&t, 0, 4) == 0x74726976 && vd_rd(&t, 4, 4) == 2 && vd_rd(&t, 8, 4) == 0 &&
              vd_rd(&t, 0xc, 4) == 0x554d4551 && vd_rd(&t, 0x34, 4) == 0,
          "virtio-empty-slot", "id %lu", (unsigned long)vd_rd(&t, 8, 4));

    /* virtio-blk on a 64 KiB scratch file */
    char path[] = "/tmp/vvm-devices-blk.XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0 || ftruncate(fd, 65536) != 0 || pwrite(fd, "sector-one", 10, 512) != 10) {
        check(0, "virtio-blk-file", "cannot make %s", path);
        return;
    }
    close(fd);
    static virtio_blk b;
    char err[200];
    check(virtio_blk_open(&b, path, 0, "devices-1", err, sizeof err) == 0, "virtio-blk-open", "%s", err);
    virtio_blk_attach(&b, &t);
    uint64_t cap = vd_rd(&t, 0x100, 4) | vd_rd(&t, 0x104, 4) << 32;
    check(vd_rd(&t, 8, 4) == VIRTIO_ID_BLOCK && cap == 128 && vd_rd(&t, 0x100, 8) == 128 && vd_rd(&t, 0x10c, 4) == 254,
          "virtio-blk-config", "id %lu capacity %lu", (unsigned long)vd_rd(&t, 8, 4), (unsigned long)cap);
    /* VERSION_1 is required */
    uint32_t st = vd_handshake(&t, ~VIRTIO_F_VERSION_1);
    check(!(st & VIRTIO_S_FEATURES_OK), "virtio-version1-required", "status %#x", st);
    st = vd_handshake(&t, ~VIRTIO_F_EVENT_IDX);
    check(st == 15, "virtio-handshake", "status %#x", st);
    vd_wr(&t, 0x30, 1);
    check(vd_rd(&t, 0x34, 4) == 0, "virtio-no-queue-1", "QueueNumMax %lu", (unsigned long)vd_rd(&t, 0x34, 4));
    vd_wr(&t, 0x30, 0);
    check(vd_rd(&t, 0x34, 4) == 256 && vd_rd(&t, 0x44, 4) == 0, "virtio-queue-max", "%lu",
          (unsigned long)vd_rd(&t, 0x34, 4));
    vd_queue(&t, 0, VQ_N, VR_BASE + 0x1000, VR_BASE + 0x2000, VR_BASE + 0x3000);
    check(vd_rd(&t, 0x44, 4) == 1, "virtio-queue-ready", "not ready");

    /* read sector 1: the data, OK, 513 bytes used, the interrupt through the PLIC */
    unsigned s0 = blk_req(0, 0, 1, 0x5000, 512, 0);
    vd_wr(&t, 0x50, 0);
    check(vram[s0] == 0 && !memcmp(vram + 0x5000, "sector-one", 10) && vd_get16(vram, 0x3002) == 1 &&
              last_used_len() == 513,
          "virtio-blk-read", "status %d used %u len %u", vram[s0], vd_get16(vram, 0x3002), last_used_len());
    check(vd_rd(&t, 0x60, 4) == 1 && has(0, VIRT_MIP_MEIP), "virtio-irq-up", "status %lu meip %d",
          (unsigned long)vd_rd(&t, 0x60, 4), has(0, VIRT_MIP_MEIP));
    vd_wr(&t, 0x64, 1);
    check(vd_rd(&t, 0x60, 4) == 0 && !has(0, VIRT_MIP_MEIP), "virtio-irq-ack", "still up");
    /* write sector 2 (on the file), flush, GET_ID, an unknown type */
    memcpy(vram + 0x5200, "guest-wrote", 11);
    unsigned s1 = blk_req(3, 1, 2, 0x5200, 512, 1);
    unsigned s2 = blk_req(6, 4, 0, 0, 0, 2);
    memset(vram + 0x5400, 0x55, 20);
    unsigned s3 = blk_req(8, 8, 0, 0x5400, 20, 3);
    unsigned s4 = blk_req(11, 77, 0, 0, 0, 4);
    vd_wr(&t, 0x50, 0);
    char back[12] = {0};
    fd = open(path, O_RDONLY);
    check(fd >= 0 && pread(fd, back, 11, 1024) == 11 && !strcmp(back, "guest-wrote") && vram[s1] == 0,
          "virtio-blk-write", "file has '%s', status %d", back, vram[s1]);
    if (fd >= 0)
        close(fd);
    check(vram[s2] == 0, "virtio-blk-flush", "status %d", vram[s2]);
    check(vram[s3] == 0 && !memcmp(vram + 0x5400, "devices-1", 10) && vram[0x5400 + 19] == 0, "virtio-blk-get-id",
          "status %d id '%.20s'", vram[s3], (char *)vram + 0x5400);
    check(vram[s4] == 2, "virtio-blk-unsupported", "status %d", vram[s4]);
    /* past the end, and not a multiple of 512: IOERR */
    unsigned s5 = blk_req(0, 0, 127, 0x5000, 1024, 5);
    unsigned s6 = blk_req(3, 0, 0, 0x5000, 100, 6);
    vd_wr(&t, 0x50, 0);
    check(vram[s5] == 1 && vram[s6] == 1, "virtio-blk-bounds", "status %d %d", vram[s5], vram[s6]);
    /* NO_INTERRUPT (without EVENT_IDX): no interrupt */
    vd_wr(&t, 0x64, 3);
    vd_put16(vram, 0x2000, 1);
    blk_req(0, 4, 0, 0, 0, 7);
    vd_wr(&t, 0x50, 0);
    check(vd_rd(&t, 0x60, 4) == 0 && vd_get16(vram, 0x3002) == 8, "virtio-no-interrupt", "int %lu used %u",
          (unsigned long)vd_rd(&t, 0x60, 4), vd_get16(vram, 0x3002));
    vd_put16(vram, 0x2000, 0);

    /* an indirect table (a read of sector 1, through 3 entries at 0x6000) */
    memset(vram, 0, 0x4000);
    st = vd_handshake(&t, ~UINT64_C(0));
    vd_queue(&t, 0, VQ_N, VR_BASE + 0x1000, VR_BASE + 0x2000, VR_BASE + 0x3000);
    struct { uint32_t type, res; uint64_t sector; } h = {0, 0, 1};
    memcpy(vram + 0x4000, &h, 16);
    memset(vram + 0x5000, 0, 512);
    vd_desc(vram, 0x6000, 0, VR_BASE + 0x4000, 16, VD_NEXT, 1);
    vd_desc(vram, 0x6000, 1, VR_BASE + 0x5000, 512, VD_NEXT | VD_WRITE, 2);
    vd_desc(vram, 0x6000, 2, VR_BASE + 0x7000, 1, VD_WRITE, 0);
    vd_desc(vram, 0x1000, 0, VR_BASE + 0x6000, 48, VD_INDIRECT, 0);
    vram[0x7000] = 0xee;
    vd_offer(vram, 0x2000, VQ_N, 0);
    vd_wr(&t, 0x50, 0);
    check(vram[0x7000] == 0 && !memcmp(vram + 0x5000, "sector-one", 10), "virtio-indirect", "status %d",
          vram[0x7000]);
    /* EVENT_IDX: the driver wants an interrupt at used index 5 (used_event,
     * after avail's ring): none for the second chain; the device asks to be
     * notified at the next avail entry (avail_event, after used's ring) */
    vd_wr(&t, 0x64, 3);
    vd_put16(vram, 0x2004 + 2 * VQ_N, 5);
    blk_req(1, 4, 0, 0, 0, 1);
    vd_wr(&t, 0x50, 0);
    check(vd_rd(&t, 0x60, 4) == 0 && vd_get16(vram, 0x3002) == 2 && vd_get16(vram, 0x3004 + 8 * VQ_N) == 2,
          "virtio-event-idx", "interrupt %lu used %u avail_event %u", (unsigned long)vd_rd(&t, 0x60, 4),
          vd_get16(vram, 0x3002), vd_get16(vram, 0x3004 + 8 * VQ_N));

    /* hostile chains: each marks the device DEVICE_NEEDS_RESET (with a config interrupt), no crash */
    struct { const char *name; uint64_t addr; uint32_t len; uint16_t flags, next; } bad[] = {
        {"virtio-bad-outside-ram", VR_BASE + VR_SIZE - 8, 16, 0, 0},
        {"virtio-bad-loop", VR_BASE + 0x4000, 16, VD_NEXT, 0},
        {"virtio-bad-next", VR_BASE + 0x4000, 16, VD_NEXT, VQ_N},
        {"virtio-bad-indirect-next", VR_BASE + 0x6000, 48, VD_INDIRECT | VD_NEXT, 1},
        {"virtio-bad-address-wrap", UINT64_MAX - 4, 16, 0, 0},
    };
    t.quiet = 1;
    for (unsigned i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        memset(vram, 0, 0x4000);
        vd_handshake(&t, ~UINT64_C(0));
        vd_queue(&t, 0, VQ_N, VR_BASE + 0x1000, VR_BASE + 0x2000, VR_BASE + 0x3000);
        vd_desc(vram, 0x1000, 0, bad[i].addr, bad[i].len, bad[i].flags, bad[i].next);
        vd_offer(vram, 0x2000, VQ_N, 0);
        vd_wr(&t, 0x50, 0);
        st = (uint32_t)vd_rd(&t, 0x70, 4);
        check((st & VIRTIO_S_NEEDS_RESET) && (vd_rd(&t, 0x60, 4) & 2) && vd_get16(vram, 0x3002) == 0, bad[i].name,
              "status %#x interrupt %lu used %u", st, (unsigned long)vd_rd(&t, 0x60, 4), vd_get16(vram, 0x3002));
    }
    /* the avail index far ahead; a head past the queue; rings outside RAM */
    memset(vram, 0, 0x4000);
    vd_handshake(&t, ~UINT64_C(0));
    vd_queue(&t, 0, VQ_N, VR_BASE + 0x1000, VR_BASE + 0x2000, VR_BASE + 0x3000);
    vd_put16(vram, 0x2002, VQ_N + 1);
    vd_wr(&t, 0x50, 0);
    check(vd_rd(&t, 0x70, 4) & VIRTIO_S_NEEDS_RESET, "virtio-bad-avail-index", "accepted");
    memset(vram, 0, 0x4000);
    vd_handshake(&t, ~UINT64_C(0));
    vd_queue(&t, 0, VQ_N, VR_BASE + 0x1000, VR_BASE + 0x2000, VR_BASE + 0x3000);
    vd_offer(vram, 0x2000, VQ_N, VQ_N + 3);
    vd_wr(&t, 0x50, 0);
    check(vd_rd(&t, 0x70, 4) & VIRTIO_S_NEEDS_RESET, "virtio-bad-head", "accepted");
    vd_handshake(&t, ~UINT64_C(0));
    vd_queue(&t, 0, VQ_N, VR_BASE + VR_SIZE - 64, VR_BASE + 0x2000, VR_BASE + 0x3000);
    check((vd_rd(&t, 0x70, 4) & VIRTIO_S_NEEDS_RESET) && vd_rd(&t, 0x44, 4) == 0, "virtio-bad-ring-address",
          "queue ready");
    vd_handshake(&t, ~UINT64_C(0));
    vd_queue(&t, 0, 12, VR_BASE + 0x1000, VR_BASE + 0x2000, VR_BASE + 0x3000);
    check((vd_rd(&t, 0x70, 4) & VIRTIO_S_NEEDS_RESET) && vd_rd(&t, 0x44, 4) == 0, "virtio-bad-queue-size",
          "size 12 accepted");
    vd_wr(&t, 0x70, 0);
    check(vd_rd(&t, 0x70, 4) == 0 && vd_rd(&t, 0x60, 4) == 0, "virtio-reset", "status %lu",
          (unsigned long)vd_rd(&t, 0x70, 4));

    /* save and load: a queue in use comes back */
    memset(vram, 0, 0x4000);
    vd_handshake(&t, ~UINT64_C(0));
    vd_queue(&t, 0, VQ_N, VR_BASE + 0x1000, VR_BASE + 0x2000, VR_BASE + 0x3000);
    blk_req(0, 4, 0, 0, 0, 0);
    vd_wr(&t, 0x50, 0);
    FILE *f = tmpfile();
    check(f && virtio_mmio_save(&t, f) == 0, "virtio-save", "failed");
    vd_wr(&t, 0x70, 0);
    if (f)
        rewind(f);
    check(f && virtio_mmio_load(&t, f) == 0 && vd_rd(&t, 0x44, 4) == 1 && vd_rd(&t, 0x70, 4) == 15 &&
              t.s.q[0].used_idx == 1 && vd_rd(&t, 0x60, 4) == 1,
          "virtio-load", "ready %lu status %lu", (unsigned long)vd_rd(&t, 0x44, 4), (unsigned long)vd_rd(&t, 0x70, 4));
    if (f)
        fclose(f);
    virtio_blk_close(&b);

    /* read-only: RO offered, a write is IOERR */
    check(virtio_blk_open(&b, path, 1, NULL, err, sizeof err) == 0, "virtio-blk-ro-open", "%s", err);
    virtio_blk_attach(&b, &t);
    vd_wr(&t, 0x14, 0);
    check(vd_rd(&t, 0x10, 4) & (1u << 5), "virtio-blk-ro-feature", "no RO");
    memset(vram, 0, 0x4000);
    vd_handshake(&t, ~UINT64_C(0));
    vd_queue(&t, 0, VQ_N, VR_BASE + 0x1000, VR_BASE + 0x2000, VR_BASE + 0x3000);
    unsigned s7 = blk_req(0, 1, 3, 0x5200, 512, 0);
    vd_wr(&t, 0x50, 0);
    check(vram[s7] == 1, "virtio-blk-ro-write", "status %d", vram[s7]);
    virtio_blk_close(&b);
    unlink(path);

    /* virtio-rng: a 48-byte buffer filled */
    static virtio_rng rg;
    virtio_mmio_reset(&t);
    virtio_rng_attach(&rg, &t);
    memset(vram, 0, 0x8000);
    vd_handshake(&t, ~UINT64_C(0));
    vd_queue(&t, 0, VQ_N, VR_BASE + 0x1000, VR_BASE + 0x2000, VR_BASE + 0x3000);
    vd_desc(vram, 0x1000, 0, VR_BASE + 0x5000, 48, VD_WRITE, 0);
    vd_offer(vram, 0x2000, VQ_N, 0);
    vd_wr(&t, 0x50, 0);
    unsigned nz = 0;
    for (unsigned i = 0; i < 48; i++)
        nz += vram[0x5000 + i] != 0;
    check(vd_rd(&t, 8, 4) == VIRTIO_ID_RNG && last_used_len() == 48 && nz > 30, "virtio-rng", "len %u, %u nonzero",
          last_used_len(), nz);

    /* virtio-console: two readable segments reach the output; receive buffers wait */
    static virtio_console cn;
    int cfd[2];
    if (pipe(cfd) < 0)
        return;
    virtio_mmio_reset(&t);
    virtio_console_attach(&cn, &t, cfd[1]);
    memset(vram, 0, 0x8000);
    vd_handshake(&t, ~UINT64_C(0));
    vd_queue(&t, 0, VQ_N, VR_BASE + 0x1000, VR_BASE + 0x2000, VR_BASE + 0x3000);
    vd_queue(&t, 1, VQ_N, VR_BASE + 0x1800, VR_BASE + 0x2800, VR_BASE + 0x3800);
    memcpy(vram + 0x5000, "hello, ", 7);
    memcpy(vram + 0x5100, "host", 4);
    vd_desc(vram, 0x1800, 0, VR_BASE + 0x5000, 7, VD_NEXT, 1);
    vd_desc(vram, 0x1800, 1, VR_BASE + 0x5100, 4, 0, 0);
    vd_offer(vram, 0x2800, VQ_N, 0);
    vd_desc(vram, 0x1000, 0, VR_BASE + 0x6000, 64, VD_WRITE, 0);
    vd_offer(vram, 0x2000, VQ_N, 0);
    vd_wr(&t, 0x50, 0);
    vd_wr(&t, 0x50, 1);
    char got[16] = {0};
    ssize_t gn = read(cfd[0], got, sizeof got - 1);
    check(vd_rd(&t, 8, 4) == VIRTIO_ID_CONSOLE && gn == 11 && !strcmp(got, "hello, host") &&
              vd_get16(vram, 0x3802) == 1 && vd_get16(vram, 0x3002) == 0,
          "virtio-console", "got %zd '%s'", gn, got);
    close(cfd[0]);
    close(cfd[1]);

    /* virtio-net without a network (loopback): the MAC in the config
     * space; a frame sent (header and frame in two descriptors) comes back
     * in a receive buffer behind a header of zeros and num_buffers 1; a
     * frame with no receive buffer waits until one comes; a buffer too
     * small is returned empty; a chain shorter than the header needs a
     * reset; save and load */
    static virtio_net nt;
    static const uint8_t mac[6] = {0x52, 0x54, 0x00, 0xab, 0xcd, 0xef};
    char nerr[200];
    virtio_mmio_reset(&t);
    check(virtio_net_open(&nt, &t, NULL, mac, nerr, sizeof nerr) == 0, "virtio-net-open", "%s", nerr);
    memset(vram, 0, 0x8000);
    uint8_t cmac[6];
    for (unsigned i = 0; i < 6; i++)
        cmac[i] = (uint8_t)vd_rd(&t, 0x100 + i, 1);
    vd_wr(&t, 0x14, 0);
    check(vd_rd(&t, 8, 4) == VIRTIO_ID_NET && (vd_rd(&t, 0x10, 4) & (1u << 5)) && !memcmp(cmac, mac, 6) &&
              vd_rd(&t, 0x100, 4) == 0xab005452u,
          "virtio-net-config", "id %lu, mac %02x:%02x:...:%02x", (unsigned long)vd_rd(&t, 8, 4), cmac[0], cmac[1],
          cmac[5]);
    vd_handshake(&t, ~UINT64_C(0));
    vd_queue(&t, 0, VQ_N, VR_BASE + 0x1000, VR_BASE + 0x2000, VR_BASE + 0x3000);
    vd_queue(&t, 1, VQ_N, VR_BASE + 0x1800, VR_BASE + 0x2800, VR_BASE + 0x3800);
    for (unsigned i = 0; i < 60; i++)
        vram[0x5100 + i] = (uint8_t)(i * 3 + 1);
    memset(vram + 0x5000, 0x77, 12);    /* a header the device ignores */
    vd_desc(vram, 0x1800, 0, VR_BASE + 0x5000, 12, VD_NEXT, 1);
    vd_desc(vram, 0x1800, 1, VR_BASE + 0x5100, 60, 0, 0);
    vd_offer(vram, 0x2800, VQ_N, 0);
    memset(vram + 0x6000, 0xee, 0x800);
    vd_desc(vram, 0x1000, 0, VR_BASE + 0x6000, 1526, VD_WRITE, 0);
    vd_offer(vram, 0x2000, VQ_N, 0);
    vd_wr(&t, 0x50, 0);
    vd_wr(&t, 0x50, 1);
    virtio_net_service(&nt);
    static const uint8_t hdr1[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0};
    check(vd_get16(vram, 0x3802) == 1 && vd_get16(vram, 0x3002) == 1 && last_used_len() == 72 &&
              !memcmp(vram + 0x6000, hdr1, 12) && !memcmp(vram + 0x600c, vram + 0x5100, 60) && vram[0x6048] == 0xee &&
              (vd_rd(&t, 0x60, 4) & 1) && nt.tx_packets == 1 && nt.rx_packets == 1,
          "virtio-net-loopback", "tx used %u, rx used %u len %u, header %02x..%02x", vd_get16(vram, 0x3802),
          vd_get16(vram, 0x3002), last_used_len(), vram[0x6000], vram[0x600a]);
    /* no receive buffer: the frame waits; a notify on the receive queue delivers it */
    memcpy(vram + 0x500c, vram + 0x5100, 60);
    vd_desc(vram, 0x1800, 2, VR_BASE + 0x5000, 72, 0, 0);   /* header and frame in one */
    vd_offer(vram, 0x2800, VQ_N, 2);
    vd_wr(&t, 0x50, 1);
    virtio_net_service(&nt);
    int waited = vd_get16(vram, 0x3802) == 2 && vd_get16(vram, 0x3002) == 1;
    vd_desc(vram, 0x1000, 1, VR_BASE + 0x6800, 1526, VD_WRITE, 0);
    vd_offer(vram, 0x2000, VQ_N, 1);
    vd_wr(&t, 0x50, 0);
    check(waited && vd_get16(vram, 0x3002) == 2 && last_used_len() == 72 && !memcmp(vram + 0x680c, vram + 0x5100, 60),
          "virtio-net-rx-waits", "waited %d, rx used %u", waited, vd_get16(vram, 0x3002));
    /* a receive buffer too small: returned empty, the frame counted as dropped */
    vd_desc(vram, 0x1000, 2, VR_BASE + 0x7000, 40, VD_WRITE, 0);
    vd_offer(vram, 0x2000, VQ_N, 2);
    vd_offer(vram, 0x2800, VQ_N, 2);
    vd_wr(&t, 0x50, 1);
    virtio_net_service(&nt);
    check(vd_get16(vram, 0x3002) == 3 && last_used_len() == 0 && nt.rx_dropped == 1, "virtio-net-rx-small",
          "rx used %u len %u, dropped %lu", vd_get16(vram, 0x3002), last_used_len(), (unsigned long)nt.rx_dropped);
    /* save and load: the same MAC loads, the counters come back */
    FILE *nf = tmpfile();
    int saved = nf && virtio_mmio_save(&t, nf) == 0;
    nt.tx_packets = 99;
    if (nf)
        rewind(nf);
    check(saved && virtio_mmio_load(&t, nf) == 0 && nt.tx_packets == 3 && vd_rd(&t, 0x44, 4) == 1,
          "virtio-net-save-load", "saved %d, tx %lu", saved, (unsigned long)nt.tx_packets);
    if (nf)
        fclose(nf);
    /* a transmitted chain shorter than its header */
    vd_desc(vram, 0x1800, 3, VR_BASE + 0x5000, 8, 0, 0);
    vd_offer(vram, 0x2800, VQ_N, 3);
    t.quiet = 1;
    vd_wr(&t, 0x50, 1);
    virtio_net_service(&nt);
    check(vd_rd(&t, 0x70, 4) & VIRTIO_S_NEEDS_RESET, "virtio-net-short-header", "status %#lx",
          (unsigned long)vd_rd(&t, 0x70, 4));
    t.quiet = 0;
    virtio_net_close(&nt);
    virtio_mmio_fini(&t);
    virt_plic_fini(&p);
    eng_phys_free(ph);
}

int main(void)
{
    /* ---- CLINT ---- */
    static virt_clint c;
    virt_clint_init(&c, 2, irq, NULL);
    check(virt_clint_start(&c) == 0, "clint-start", "no timer thread");
    wr(&virt_clint_ops, &c, 4, 4, 1);
    check(has(1, VIRT_MIP_MSIP) && !has(0, VIRT_MIP_MSIP) && rd(&virt_clint_ops, &c, 4, 4) == 1, "clint-msip",
          "mip %#lx", (unsigned long)mip[1]);
    wr(&virt_clint_ops, &c, 4, 4, 0);
    check(!has(1, VIRT_MIP_MSIP), "clint-msip-clear", "still up");
    uint64_t t0 = rd(&virt_clint_ops, &c, 0xbff8, 8);
    usleep(2000);
    uint64_t t1 = rd(&virt_clint_ops, &c, 0xbff8, 8);
    check(t1 - t0 >= 15000 && t1 - t0 < 2000000, "clint-mtime-10mhz", "2 ms gave %lu ticks", (unsigned long)(t1 - t0));
    /* a compare 20 ms ahead: MTIP arrives on time (not early, not much late) */
    int64_t start = now_ns();
    uint64_t cmp = rd(&virt_clint_ops, &c, 0xbff8, 8) + 200000;
    wr(&virt_clint_ops, &c, 0x4000, 8, cmp);
    check(!has(0, VIRT_MIP_MTIP), "clint-mtip-not-yet", "up at once");
    for (int i = 0; i < 2000 && !has(0, VIRT_MIP_MTIP); i++)
        usleep(1000);
    int64_t late = atomic_load(&mtip_at[0]) - start;
    check(has(0, VIRT_MIP_MTIP) && late >= 19000000 && late < 120000000, "clint-mtip-on-time",
          "MTIP %d after %ld us (want ~20000)", has(0, VIRT_MIP_MTIP), (long)(late / 1000));
    check(rd(&virt_clint_ops, &c, 0xbff8, 8) >= cmp, "clint-mtime-past", "mtime behind");
    /* a compare in the future drops it; 32-bit halves */
    wr(&virt_clint_ops, &c, 0x4004, 4, 0xffffffff);
    check(!has(0, VIRT_MIP_MTIP), "clint-mtip-drop", "still up");
    check(rd(&virt_clint_ops, &c, 0x4004, 4) == 0xffffffff, "clint-mtimecmp-hi", "read back wrong");
    wr(&virt_clint_ops, &c, 0x4008, 8, 0);     /* hart 1: now */
    check(has(1, VIRT_MIP_MTIP), "clint-mtip-past-compare", "not up");
    FILE *f = tmpfile();
    check(f && virt_clint_save(&c, f) == 0, "clint-save", "failed");
    rewind(f);
    atomic_store(&mip[1], 0);
    check(virt_clint_load(&c, f) == 0 && has(1, VIRT_MIP_MTIP), "clint-load", "state or MTIP lost");
    fclose(f);
    virt_clint_fini(&c);

    /* ---- PLIC ---- */
    static virt_plic p;
    memset(mip, 0, sizeof mip);
    virt_plic_init(&p, 2, irq, NULL);
    const eng_mmio_ops *po = &virt_plic_ops;
    wr(po, &p, 4 * 5, 4, 3);            /* priority of source 5 */
    wr(po, &p, 4 * 7, 4, 6);            /* source 7 */
    wr(po, &p, 0x2000 + 0x80 * 0, 4, 1u << 5 | 1u << 7);  /* hart 0 M: 5 and 7 */
    wr(po, &p, 0x2000 + 0x80 * 3, 4, 1u << 5);            /* hart 1 S: 5 */
    virt_plic_set(&p, 5, 1);
    check(has(0, VIRT_MIP_MEIP) && has(1, VIRT_MIP_SEIP) && !has(1, VIRT_MIP_MEIP), "plic-route",
          "mip %#lx %#lx", (unsigned long)mip[0], (unsigned long)mip[1]);
    check(rd(po, &p, 0x1000, 4) == 1u << 5, "plic-pending", "%#lx", (unsigned long)rd(po, &p, 0x1000, 4));
    virt_plic_set(&p, 7, 1);
    check(rd(po, &p, 0x200004, 4) == 7, "plic-claim-highest", "not 7");
    check(rd(po, &p, 0x200004, 4) == 5, "plic-claim-next", "not 5");
    check(!has(0, VIRT_MIP_MEIP) && !has(1, VIRT_MIP_SEIP), "plic-claimed-drops", "still up");
    check(rd(po, &p, 0x200004, 4) == 0, "plic-claim-none", "not 0");
    wr(po, &p, 0x200004, 4, 7);         /* complete 7: its line is still up */
    check(has(0, VIRT_MIP_MEIP), "plic-complete-repends", "not up again");
    wr(po, &p, 0x200000, 4, 6);         /* threshold 6 masks priority 6 */
    check(!has(0, VIRT_MIP_MEIP), "plic-threshold", "still up");
    wr(po, &p, 0x200000, 4, 0);
    virt_plic_set(&p, 7, 0);
    check(!has(0, VIRT_MIP_MEIP), "plic-level-low", "still up");
    wr(po, &p, 0x200004, 4, 5);
    virt_plic_set(&p, 5, 0);

    /* ---- UART (on the PLIC: source 10 for hart 0 M) ---- */
    static virt_uart u;
    int pfd[2];
    if (pipe(pfd) < 0)
        return 1;
    virt_uart_init(&u, pfd[1], &p, VIRT_UART_IRQ);
    const eng_mmio_ops *uo = &virt_uart_ops;
    wr(po, &p, 4 * VIRT_UART_IRQ, 4, 1);
    wr(po, &p, 0x2000, 4, 1u << VIRT_UART_IRQ);
    check(rd(uo, &u, 5, 1) == 0x60 && rd(uo, &u, 2, 1) == 0x01, "uart-idle", "lsr %#lx iir %#lx",
          (unsigned long)rd(uo, &u, 5, 1), (unsigned long)rd(uo, &u, 2, 1));
    wr(uo, &u, 0, 1, 'A');
    char ch = 0;
    check(read(pfd[0], &ch, 1) == 1 && ch == 'A', "uart-thr", "got %d", ch);
    wr(uo, &u, 1, 1, 1);                /* IER: receive */
    virt_uart_input(&u, (const uint8_t *)"xy", 2);
    check(has(0, VIRT_MIP_MEIP) && (rd(uo, &u, 2, 1) & 0x0f) == 0x04 && (rd(uo, &u, 5, 1) & 1), "uart-rx-irq",
          "meip %d iir %#lx", has(0, VIRT_MIP_MEIP), (unsigned long)rd(uo, &u, 2, 1));
    check(rd(uo, &u, 0, 1) == 'x' && rd(uo, &u, 0, 1) == 'y' && !(rd(uo, &u, 5, 1) & 1), "uart-rbr", "wrong bytes");
    check(!has(0, VIRT_MIP_MEIP), "uart-rx-irq-drops", "still up");
    wr(uo, &u, 1, 1, 2);                /* IER: THR empty: pending at once */
    check(has(0, VIRT_MIP_MEIP) && (rd(uo, &u, 2, 1) & 0x0f) == 0x02, "uart-thre-irq", "not reported");
    check(!has(0, VIRT_MIP_MEIP) && rd(uo, &u, 2, 1) == 0x01, "uart-thre-iir-clears", "still pending");
    wr(uo, &u, 1, 1, 0);
    wr(uo, &u, 3, 1, 0x83);             /* DLAB */
    wr(uo, &u, 0, 1, 0x12);
    wr(uo, &u, 1, 1, 0x34);
    check(rd(uo, &u, 0, 1) == 0x12 && rd(uo, &u, 1, 1) == 0x34, "uart-dlab", "divisor lost");
    wr(uo, &u, 3, 1, 0x03);
    wr(uo, &u, 4, 1, 0x10);             /* loopback */
    wr(uo, &u, 0, 1, 'L');
    check(rd(uo, &u, 0, 1) == 'L', "uart-loopback", "not looped");
    wr(uo, &u, 7, 1, 0x5a);
    f = tmpfile();
    check(f && virt_uart_save(&u, f) == 0 && virt_plic_save(&p, f) == 0, "uart-plic-save", "failed");
    wr(uo, &u, 7, 1, 0);
    rewind(f);
    check(virt_uart_load(&u, f) == 0 && virt_plic_load(&p, f) == 0 && rd(uo, &u, 7, 1) == 0x5a, "uart-plic-load",
          "scr %#lx", (unsigned long)rd(uo, &u, 7, 1));
    fclose(f);
    virt_uart_fini(&u);
    virt_plic_fini(&p);

    /* ---- RTC ---- */
    static virt_rtc r;
    virt_rtc_init(&r);
    uint64_t lo = rd(&virt_rtc_ops, &r, 0, 4), hi = rd(&virt_rtc_ops, &r, 4, 4);
    time_t host = time(NULL);
    int64_t guest_s = (int64_t)((hi << 32 | lo) / 1000000000);
    check(guest_s >= host - 2 && guest_s <= host + 2, "rtc-host-time", "%ld vs %ld", (long)guest_s, (long)host);
    virt_rtc_fini(&r);

    test_virtio();
    printf("ok end\n");
    return failed;
}
