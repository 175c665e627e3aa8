/* rv64-virt: virtio-blk (device id 2) on a raw image file, one request
 * queue of 256 entries.  Offers SEG_MAX (254, QEMU's), BLK_SIZE (512),
 * FLUSH, and RO for a read-only image.  A request is a 16-byte header
 * (type, reserved, sector) in the readable part, then data (readable for
 * OUT, writable for IN), then a status byte (the last writable byte):
 *   IN 0: read, OUT 1: write (IOERR on a read-only image), FLUSH 4:
 *   fdatasync, GET_ID 8: the serial (20 bytes, zero-padded), others UNSUPP;
 * data a multiple of 512 bytes within the capacity (the file's size in
 * 512-byte sectors), else IOERR.  When the driver did not accept FLUSH the
 * device is write-through: every write is followed by fdatasync.  A chain
 * too short for a header and a status byte needs a reset.  The work is
 * done at once, in the notifying hart's thread. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "machines/virt/virt.h"
#include "machines/virt/virtio.h"

#define F_SEG_MAX (UINT64_C(1) << 2)
#define F_RO (UINT64_C(1) << 5)
#define F_BLK_SIZE (UINT64_C(1) << 6)
#define F_FLUSH (UINT64_C(1) << 9)

enum { T_IN = 0, T_OUT = 1, T_FLUSH = 4, T_GET_ID = 8 };
enum { S_OK = 0, S_IOERR = 1, S_UNSUPP = 2 };

#define QUEUE_SIZE 256
#define SECTOR 512u

int virtio_blk_open(virtio_blk *b, const char *path, int ro, const char *serial, char *err, size_t errlen)
{
    memset(b, 0, sizeof *b);
    b->fd = open(path, (ro ? O_RDONLY : O_RDWR) | O_CLOEXEC);
    if (b->fd < 0) {
        snprintf(err, errlen, "%s: %s%s", path, strerror(errno),
                 !ro && (errno == EACCES || errno == EROFS) ? " (readonly=on opens it read-only)" : "");
        return -1;
    }
    struct stat st;
    if (fstat(b->fd, &st) < 0 || !(S_ISREG(st.st_mode) || S_ISBLK(st.st_mode))) {
        snprintf(err, errlen, "%s: not a regular file or block device", path);
        close(b->fd);
        b->fd = -1;
        return -1;
    }
    off_t size = S_ISREG(st.st_mode) ? st.st_size : lseek(b->fd, 0, SEEK_END);
    b->sectors = size > 0 ? (uint64_t)size / SECTOR : 0;
    b->ro = ro;
    if (serial)    /* 20 bytes, not NUL-terminated when that long */
        memcpy(b->serial, serial, strnlen(serial, sizeof b->serial));
    return 0;
}

void virtio_blk_close(virtio_blk *b)
{
    if (b->fd >= 0)
        close(b->fd);
    b->fd = -1;
}

static void blk_config_read(void *dev, uint32_t off, unsigned size, uint64_t *val)
{
    virtio_blk *b = dev;
    uint8_t c[64] = {0};
    uint32_t seg_max = QUEUE_SIZE - 2, blk_size = SECTOR;
    memcpy(c + 0, &b->sectors, 8);
    memcpy(c + 12, &seg_max, 4);
    memcpy(c + 20, &blk_size, 4);
    uint64_t v = 0;
    if (off < sizeof c && size <= sizeof c - off)
        memcpy(&v, c + off, size);
    *val = v;
}

/* whole transfers at a file offset, segment by segment */
static int transfer(virtio_blk *b, int write, const struct iovec *seg, unsigned n, uint64_t pos)
{
    for (unsigned i = 0; i < n; i++) {
        uint8_t *p = seg[i].iov_base;
        size_t left = seg[i].iov_len;
        while (left) {
            ssize_t r = write ? pwrite(b->fd, p, left, (off_t)pos) : pread(b->fd, p, left, (off_t)pos);
            if (r < 0 && errno == EINTR)
                continue;
            if (r < 0)
                return -1;
            if (r == 0) {
                if (write)
                    return -1;
                memset(p, 0, left);     /* past the file's end (a size not a multiple of 512) */
                r = (ssize_t)left;
            }
            p += r;
            left -= (size_t)r;
            pos += (uint64_t)r;
        }
    }
    return 0;
}

static int sync_file(virtio_blk *b)
{
    int r;
    do
        r = fdatasync(b->fd);
    while (r < 0 && errno == EINTR);
    return r;
}

/* one request: its status, *written the bytes put in the writable part */
static uint8_t request(virtio_blk *b, virtio_mmio *t, const virtq_elem *e, uint32_t *written)
{
    const struct iovec *out = e->iov, *in = e->iov + e->nout;
    struct { uint32_t type, reserved; uint64_t sector; } h;
    virtio_iov_to_buf(out, e->nout, 0, &h, sizeof h);
    uint64_t in_data = e->in_len - 1;   /* all but the status byte */
    switch (h.type) {
    case T_IN:
    case T_OUT: {
        int wr = h.type == T_OUT;
        uint64_t len = wr ? e->out_len - sizeof h : in_data;
        if (wr && b->ro)
            return S_IOERR;
        if (len % SECTOR || h.sector > b->sectors || len / SECTOR > b->sectors - h.sector)
            return S_IOERR;
        unsigned n = wr ? virtio_iov_slice(out, e->nout, sizeof h, len, b->seg, VIRTQ_MAX_SEG)
                        : virtio_iov_slice(in, e->nin, 0, len, b->seg, VIRTQ_MAX_SEG);
        if (transfer(b, wr, b->seg, n, h.sector * SECTOR) < 0)
            return S_IOERR;
        if (wr && !(virtio_features(t) & F_FLUSH) && sync_file(b) < 0)
            return S_IOERR;     /* write-through when the driver does not flush */
        if (!wr)
            *written = (uint32_t)len;
        return S_OK;
    }
    case T_FLUSH: return b->ro || sync_file(b) == 0 ? S_OK : S_IOERR;
    case T_GET_ID: {
        size_t n = in_data < sizeof b->serial ? (size_t)in_data : sizeof b->serial;
        *written = (uint32_t)virtio_iov_from_buf(in, e->nin, 0, b->serial, n);
        return S_OK;
    }
    default: return S_UNSUPP;
    }
}

static void blk_queue_notify(void *dev, virtio_mmio *t, unsigned q)
{
    virtio_blk *b = dev;
    virtq_elem *e = &b->elem;
    while (virtq_pop(t, q, e) > 0) {
        if (e->out_len < 16 || e->in_len < 1) {
            virtio_fail(t, "a request without a header or a status byte (%llu readable, %llu writable bytes)",
                        (unsigned long long)e->out_len, (unsigned long long)e->in_len);
            return;
        }
        uint32_t written = 0;
        uint8_t st = request(b, t, e, &written);
        virtio_iov_from_buf(e->iov + e->nout, e->nin, e->in_len - 1, &st, 1);
        virtq_push(t, q, e, written + 1);
    }
}

/* the state: the configuration, checked on load */
typedef struct blk_state {
    uint64_t sectors;
    uint32_t ro;
    char serial[20];
} blk_state;

static int blk_save(void *dev, FILE *f)
{
    virtio_blk *b = dev;
    blk_state s = {b->sectors, (uint32_t)b->ro, {0}};
    memcpy(s.serial, b->serial, sizeof s.serial);
    return virt_save_tag(f, "vblk", &s, sizeof s);
}

static int blk_load(void *dev, FILE *f)
{
    virtio_blk *b = dev;
    blk_state s;
    if (virt_load_tag(f, "vblk", &s, sizeof s) < 0)
        return -1;
    return s.sectors == b->sectors && s.ro == (uint32_t)b->ro ? 0 : -1;
}

static const virtio_dev_ops blk_ops = {
    .device_id = VIRTIO_ID_BLOCK,
    .name = "virtio-blk-device",
    .config_read = blk_config_read,
    .queue_notify = blk_queue_notify,
    .save = blk_save,
    .load = blk_load,
};

void virtio_blk_attach(virtio_blk *b, virtio_mmio *t)
{
    virtio_mmio_attach(t, &blk_ops, b, F_SEG_MAX | F_BLK_SIZE | F_FLUSH | (b->ro ? F_RO : 0), 1, QUEUE_SIZE);
}
