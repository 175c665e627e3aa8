/* rv64-virt: virtio-rng (device id 4): one queue (64 entries) whose
 * writable buffers it fills from the host's getrandom, at most 64 KiB a
 * buffer (the device may give fewer bytes than asked).  No config, no
 * features of its own. */
#include <errno.h>
#include <string.h>
#include <sys/random.h>

#include "machines/virt/virt.h"
#include "machines/virt/virtio.h"

#define MAX_PER_BUFFER 65536u

static void rng_queue_notify(void *dev, virtio_mmio *t, unsigned q)
{
    virtio_rng *r = dev;
    virtq_elem *e = &r->elem;
    while (virtq_pop(t, q, e) > 0) {
        uint32_t given = 0;
        for (unsigned i = 0; i < e->nin && given < MAX_PER_BUFFER; i++) {
            uint8_t *p = e->iov[e->nout + i].iov_base;
            size_t want = e->iov[e->nout + i].iov_len;
            if (want > MAX_PER_BUFFER - given)
                want = MAX_PER_BUFFER - given;
            while (want) {
                ssize_t k = getrandom(p, want, 0);
                if (k < 0 && errno == EINTR)
                    continue;
                if (k <= 0)
                    break;
                p += k;
                want -= (size_t)k;
                given += (uint32_t)k;
            }
        }
        r->bytes += given;
        virtq_push(t, q, e, given);
    }
}

static int rng_save(void *dev, FILE *f)
{
    virtio_rng *r = dev;
    return virt_save_tag(f, "vrng", &r->bytes, sizeof r->bytes);
}

static int rng_load(void *dev, FILE *f)
{
    virtio_rng *r = dev;
    return virt_load_tag(f, "vrng", &r->bytes, sizeof r->bytes);
}

static const virtio_dev_ops rng_ops = {
    .device_id = VIRTIO_ID_RNG,
    .name = "virtio-rng-device",
    .queue_notify = rng_queue_notify,
    .save = rng_save,
    .load = rng_load,
};

void virtio_rng_attach(virtio_rng *r, virtio_mmio *t)
{
    memset(r, 0, sizeof *r);
    virtio_mmio_attach(t, &rng_ops, r, 0, 1, 64);
}
