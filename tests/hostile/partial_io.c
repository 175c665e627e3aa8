/* Buffers that end in an unmapped page: for a regular file (and getrandom,
 * a stream socket) Linux moves the bytes that fit and returns their count,
 * and EFAULT only when not one byte could move; a pipe fails with EFAULT.  A zero-length transfer does not look
 * at the buffer: write(fd, bad, 0) is 0. */
#include <fcntl.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include "hostile.h"

#define PG 4096

int main(void)
{
    /* two pages, the second unmapped: the last 8 bytes of the first are usable */
    char *m = mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED || munmap(m + PG, PG) < 0) {
        FAIL("setup", "mmap/munmap: errno %d", errno);
        DONE();
    }
    char *edge = m + PG - 8;
    memcpy(edge, "12345678", 8);
    int p[2];
    if (pipe(p) < 0) {
        FAIL("setup", "pipe");
        DONE();
    }

    /* a regular file: the bytes that fit */
    int f = open("partial.tmp", O_RDWR | O_CREAT | O_TRUNC, 0600);
    if (f < 0) {
        FAIL("setup", "open: errno %d", errno);
        DONE();
    }
    long r = syscall(SYS_write, f, edge, 100);
    CHECK("write-file-straddling", r == 8, "got %ld errno %d, want 8", r, errno);
    char back[32] = {0};
    r = pread(f, back, sizeof back, 0);
    CHECK("write-file-straddling-data", r == 8 && !memcmp(back, "12345678", 8), "file has %ld bytes", r);

    (void)!pwrite(f, "abcdefghijklmnopqrstuvwxyz", 26, 0);
    r = syscall(SYS_pread64, f, edge, 100, 0);
    CHECK("pread-file-straddling", r == 8 && !memcmp(edge, "abcdefgh", 8), "got %ld errno %d, want 8", r, errno);
    lseek(f, 0, SEEK_SET);
    r = syscall(SYS_read, f, edge, 100);
    CHECK("read-file-straddling", r == 8, "got %ld errno %d, want 8", r, errno);
    CHECK("read-file-straddling-offset", lseek(f, 0, SEEK_CUR) == 8, "offset %ld", (long)lseek(f, 0, SEEK_CUR));

    /* readv: the second buffer straddles, the third is not reached */
    lseek(f, 0, SEEK_SET);
    char first[4];
    struct iovec v[3] = {{first, 4}, {edge, 100}, {back, 4}};
    r = syscall(SYS_readv, f, v, 3);
    CHECK("readv-file-straddling", r == 12 && !memcmp(first, "abcd", 4) && !memcmp(edge, "efghijkl", 8),
          "got %ld errno %d, want 12", r, errno);
    struct iovec bad[2] = {{m + PG, 4}, {back, 4}};
    CHECK_ERR("readv-first-unmapped", syscall(SYS_readv, f, bad, 2), EFAULT);
    memcpy(edge, "ABCDEFGH", 8);
    struct iovec w[2] = {{(void *)"xy", 2}, {edge, 100}};
    lseek(f, 0, SEEK_SET);
    r = syscall(SYS_writev, f, w, 2);
    CHECK("writev-file-straddling", r == 10, "got %ld errno %d, want 10", r, errno);

    CHECK_ERR("read-all-unmapped", syscall(SYS_read, f, m + PG, 10), EFAULT);
    CHECK_ERR("write-all-unmapped", syscall(SYS_write, f, m + PG, 10), EFAULT);

    /* a pipe copies a whole buffer or fails: EFAULT, nothing moves */
    memcpy(edge, "12345678", 8);
    CHECK_ERR("write-pipe-straddling", syscall(SYS_write, p[1], edge, 100), EFAULT);
    (void)!write(p[1], "pipedata", 8);
    r = syscall(SYS_read, p[0], edge, 8);
    CHECK("read-pipe-fits", r == 8 && !memcmp(edge, "pipedata", 8), "got %ld errno %d", r, errno);

    r = syscall(SYS_write, p[1], (void *)0x4141414141, 0);
    CHECK("write-bad-zero-length", r == 0, "got %ld errno %d, want 0", r, errno);
    r = syscall(SYS_read, p[0], (void *)0x4141414141, 0);
    CHECK("read-bad-zero-length", r == 0, "got %ld errno %d, want 0", r, errno);
    r = syscall(SYS_write, p[1], NULL, 0);
    CHECK("write-null-zero-length", r == 0, "got %ld errno %d, want 0", r, errno);
    CHECK_ERR("write-kernel-half-zero-length", syscall(SYS_write, p[1], (void *)-4096L, 0), EFAULT);

    r = syscall(SYS_getrandom, edge, 100, 0);
    CHECK("getrandom-straddling", r == 8, "got %ld errno %d, want 8", r, errno);

    /* a unix stream socket copies a whole skb or fails, as a pipe */
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0) {
        (void)!write(sv[0], "streamdata!!", 12);
        CHECK_ERR("recvfrom-stream-straddling", syscall(SYS_recvfrom, sv[1], edge, 100, 0, NULL, NULL), EFAULT);
        CHECK_ERR("sendto-stream-straddling", syscall(SYS_sendto, sv[0], edge, 100, 0, NULL, 0), EFAULT);
    }
    DONE();
}
