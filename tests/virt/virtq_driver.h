/* A tiny virtio driver for tests of rv64-virt's virtio-mmio transport from
 * C (tests/virt/devices.c, fuzz/fuzz_virtq.c): register accesses through
 * the transport's MMIO callbacks, the feature/status handshake, a queue's
 * setup, descriptors and ring fields poked into a RAM buffer. */
#ifndef VVM_TESTS_VIRTQ_DRIVER_H
#define VVM_TESTS_VIRTQ_DRIVER_H

#include <assert.h>
#include <string.h>

#include "machines/virt/virtio.h"

static inline uint64_t vd_rd(virtio_mmio *t, uint64_t off, unsigned size)
{
    uint64_t v = 0;
    int rc = virtio_mmio_ops.read(t, off, size, &v);
    assert(rc == 0);
    (void)rc;
    return v;
}

static inline void vd_wr(virtio_mmio *t, uint64_t off, uint32_t v)
{
    int rc = virtio_mmio_ops.write(t, off, 4, v);
    assert(rc == 0);
    (void)rc;
}

/* reset, then the features offered & mask, FEATURES_OK, DRIVER_OK; returns
 * the status read back */
static inline uint32_t vd_handshake(virtio_mmio *t, uint64_t mask)
{
    vd_wr(t, 0x70, 0);
    vd_wr(t, 0x70, VIRTIO_S_ACKNOWLEDGE | VIRTIO_S_DRIVER);
    uint64_t f = 0;
    for (unsigned s = 0; s < 2; s++) {
        vd_wr(t, 0x14, s);
        f |= vd_rd(t, 0x10, 4) << (32 * s);
    }
    f &= mask;
    for (unsigned s = 0; s < 2; s++) {
        vd_wr(t, 0x24, s);
        vd_wr(t, 0x20, (uint32_t)(f >> (32 * s)));
    }
    vd_wr(t, 0x70, VIRTIO_S_ACKNOWLEDGE | VIRTIO_S_DRIVER | VIRTIO_S_FEATURES_OK);
    vd_wr(t, 0x70, VIRTIO_S_ACKNOWLEDGE | VIRTIO_S_DRIVER | VIRTIO_S_FEATURES_OK | VIRTIO_S_DRIVER_OK);
    return (uint32_t)vd_rd(t, 0x70, 4);
}

static inline void vd_queue(virtio_mmio *t, unsigned q, unsigned num, uint64_t desc, uint64_t avail, uint64_t used)
{
    vd_wr(t, 0x30, q);
    vd_wr(t, 0x38, num);
    vd_wr(t, 0x80, (uint32_t)desc);
    vd_wr(t, 0x84, (uint32_t)(desc >> 32));
    vd_wr(t, 0x90, (uint32_t)avail);
    vd_wr(t, 0x94, (uint32_t)(avail >> 32));
    vd_wr(t, 0xa0, (uint32_t)used);
    vd_wr(t, 0xa4, (uint32_t)(used >> 32));
    vd_wr(t, 0x44, 1);
}

/* descriptor i of the table at RAM offset off */
static inline void vd_desc(uint8_t *ram, unsigned off, unsigned i, uint64_t addr, uint32_t len, uint16_t flags,
                           uint16_t next)
{
    uint8_t *d = ram + off + 16 * i;
    memcpy(d, &addr, 8);
    memcpy(d + 8, &len, 4);
    memcpy(d + 12, &flags, 2);
    memcpy(d + 14, &next, 2);
}

static inline void vd_put16(uint8_t *ram, unsigned off, uint16_t v) { memcpy(ram + off, &v, 2); }
static inline uint16_t vd_get16(const uint8_t *ram, unsigned off)
{
    uint16_t v;
    memcpy(&v, ram + off, 2);
    return v;
}
static inline uint32_t vd_get32(const uint8_t *ram, unsigned off)
{
    uint32_t v;
    memcpy(&v, ram + off, 4);
    return v;
}

/* makes head the next avail entry of the ring at RAM offset avail (num entries) and bumps the index */
static inline void vd_offer(uint8_t *ram, unsigned avail, unsigned num, uint16_t head)
{
    uint16_t idx = vd_get16(ram, avail + 2);
    vd_put16(ram, avail + 4 + 2 * (idx % num), head);
    vd_put16(ram, avail + 2, (uint16_t)(idx + 1));
}

#define VD_NEXT 1
#define VD_WRITE 2
#define VD_INDIRECT 4

#endif
