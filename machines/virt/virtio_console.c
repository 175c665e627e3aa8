/* rv64-virt: virtio-console (device id 3) with one port and no MULTIPORT:
 * queue 0 receives (the guest's input: none is ever given), queue 1
 * transmits (the bytes go to the output file as they come).  Linux makes
 * the port a console, /dev/hvc1 when the SBI console is hvc0 (as behind
 * QEMU's virtio-serial-device + virtconsole).  The config space (cols,
 * rows, max_nr_ports, emerg_wr) reads 0: no feature of its own. */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "machines/virt/virt.h"
#include "machines/virt/virtio.h"

enum { RX = 0, TX = 1 };

static void out(virtio_console *c, const uint8_t *p, size_t n)
{
    while (n && c->out_fd >= 0) {
        ssize_t w = write(c->out_fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return;     /* a full disk: the guest's bytes are lost, as qemu's */
        p += w;
        n -= (size_t)w;
    }
}

static void con_queue_notify(void *dev, virtio_mmio *t, unsigned q)
{
    virtio_console *c = dev;
    if (q != TX)
        return;         /* receive buffers wait for input, which never comes */
    virtq_elem *e = &c->elem;
    while (virtq_pop(t, q, e) > 0) {
        for (unsigned i = 0; i < e->nout; i++)
            out(c, e->iov[i].iov_base, e->iov[i].iov_len);
        c->bytes += e->out_len;
        virtq_push(t, q, e, 0);
    }
}

static int con_save(void *dev, FILE *f)
{
    virtio_console *c = dev;
    return virt_save_tag(f, "vcons", &c->bytes, sizeof c->bytes);
}

static int con_load(void *dev, FILE *f)
{
    virtio_console *c = dev;
    return virt_load_tag(f, "vcons", &c->bytes, sizeof c->bytes);
}

static const virtio_dev_ops con_ops = {
    .device_id = VIRTIO_ID_CONSOLE,
    .name = "virtconsole",
    .queue_notify = con_queue_notify,
    .save = con_save,
    .load = con_load,
};

void virtio_console_attach(virtio_console *c, virtio_mmio *t, int out_fd)
{
    memset(c, 0, sizeof *c);
    c->out_fd = out_fd;
    virtio_mmio_attach(t, &con_ops, c, 0, 2, 128);
}
