/* libFuzzer target: rv64-virt's virtio-net queue handling
 * (machines/virt/virtio_net.c) under a hostile driver.  The device runs
 * without a network (loopback: what the guest transmits comes back to its
 * receive queue), so that no input ever makes a host socket; its transmit
 * queue is drained on this thread (virtio_net_service).  RAM is 64 KiB of
 * a buffer of its own, so that ASan sees any access outside it.
 *
 * Input: the first RAM_INIT bytes are RAM's initial contents; the rest is
 * 8-byte operations (kind, a, a 16-bit b, a 32-bit v): the feature and
 * status handshake, a queue set up at RAM offsets (sizes valid or not),
 * register reads and writes (the config space too), notifies followed by
 * the transmit drain, RAM pokes, a chain made as a driver makes it (on a
 * queue's table, readable or writable, with a next), interrupt acks, a
 * save/load round trip.  Checks: no crash, no access outside RAM (ASan),
 * no more frames received than transmitted, a save loads back with the
 * same status; a hang is libFuzzer's timeout. */
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "machines/virt/virt.h"
#include "machines/virt/virtio.h"
#include "tests/virt/virtq_driver.h"

#define RAM_BASE UINT64_C(0x80000000)
#define RAM_SIZE 0x10000u
#define RAM_INIT 2048u

static eng_phys *phys;
static uint8_t *ram;
static virtio_mmio t;
static virtio_net net;

/* the driver's view of the two queues (set by op 1) */
static struct { unsigned desc, avail, num, next; int set; } q[2];

static void setup(void)
{
    uint8_t *buf = aligned_alloc(4096, RAM_SIZE);
    phys = eng_phys_new(NULL);
    ram = eng_phys_add_ram(phys, RAM_BASE, RAM_SIZE, buf);
    assert(ram == buf);
    virtio_mmio_init(&t, phys, NULL, 1, 0x10001000);
    t.quiet = 1;
    static const uint8_t mac[6] = {0x52, 0x54, 0x00, 0x12, 0x34, 0x56};
    char err[200];
    int rc = virtio_net_open(&net, &t, NULL, mac, err, sizeof err);
    assert(rc == 0);
    (void)rc;
}

static uint32_t get32(const uint8_t *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!phys)
        setup();
    virtio_mmio_reset(&t);
    memset(ram, 0, RAM_SIZE);
    size_t init = size < RAM_INIT ? size : RAM_INIT;
    memcpy(ram, data, init);
    data += init;
    size -= init;
    memset(q, 0, sizeof q);
    uint64_t before_tx = net.tx_packets, before_rx = net.rx_packets;
    for (; size >= 8; data += 8, size -= 8) {
        unsigned kind = data[0] % 10, a = data[1];
        uint16_t b = (uint16_t)(data[2] | data[3] << 8);
        uint32_t v = get32(data + 4);
        switch (kind) {
        case 0:     /* handshake with these features */
            vd_handshake(&t, (uint64_t)b << 32 | v);
            break;
        case 1: {   /* queue a&1: 2^(b%11) entries at RAM offsets from v */
            unsigned qi = a & 1, num = 1u << (b % 11);
            unsigned d = (v & 0xff) << 8, av = (v >> 8 & 0xff) << 8, u = (v >> 16 & 0xff) << 8;
            vd_queue(&t, qi, num, RAM_BASE + d, RAM_BASE + av, RAM_BASE + u);
            q[qi].desc = d;
            q[qi].avail = av;
            q[qi].num = num;
            q[qi].next = 0;
            q[qi].set = 1;
            break;
        }
        case 2:     /* a notify (queue 2 does not exist), then the transmit drain */
            vd_wr(&t, 0x50, a % 3);
            virtio_net_service(&net);
            break;
        case 3:     /* poke RAM */
            if ((unsigned)b + 4 <= RAM_SIZE)
                memcpy(ram + b, &v, 4);
            break;
        case 4:     /* a register or config write */
            virtio_mmio_ops.write(&t, (uint64_t)(a * 4) & 0x1ff, 4, v);
            break;
        case 5: {   /* a register or config read of 1, 2, 4 or 8 bytes */
            uint64_t r;
            virtio_mmio_ops.read(&t, (uint64_t)a + (b & 0x100), 1u << (b & 3), &r);
            break;
        }
        case 6: {   /* a chain as a driver makes it: a descriptor on queue a&1, offered unless b says it continues */
            unsigned qi = a & 1;
            if (!q[qi].set || q[qi].desc + 16 * q[qi].num > RAM_SIZE || q[qi].avail + 4 + 2 * q[qi].num > RAM_SIZE)
                break;
            unsigned i = q[qi].next++ % q[qi].num;
            uint16_t flags = (uint16_t)((qi == 0 ? VD_WRITE : 0) | (b & 0x8000 ? VD_NEXT : 0) | (b & 0x4000 ? VD_INDIRECT : 0));
            vd_desc(ram, q[qi].desc, i, RAM_BASE + (v & 0xffff), (v >> 16) & 0x7ff, flags,
                    (uint16_t)((i + 1) % q[qi].num));
            if (!(b & 0x8000))
                vd_offer(ram, q[qi].avail, q[qi].num, (uint16_t)(b % q[qi].num));
            break;
        }
        case 7:     /* interrupt ack */
            vd_wr(&t, 0x64, v);
            break;
        case 8: {   /* save, load: the same state comes back */
            static char buf[65536];
            FILE *f = fmemopen(buf, sizeof buf, "w+");
            if (!f)
                break;
            uint32_t status = (uint32_t)vd_rd(&t, 0x70, 4);
            int rc = virtio_mmio_save(&t, f);
            rewind(f);
            if (rc == 0) {
                rc = virtio_mmio_load(&t, f);
                assert(rc == 0 && (uint32_t)vd_rd(&t, 0x70, 4) == status);
            }
            fclose(f);
            break;
        }
        default:    /* the transmit drain alone */
            virtio_net_service(&net);
            break;
        }
        /* loopback: nothing is received that was not sent */
        assert(net.rx_packets - before_rx <= net.tx_packets - before_tx);
    }
    return 0;
}
