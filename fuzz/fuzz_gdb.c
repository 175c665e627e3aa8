/* libFuzzer target: rv64-virt's gdb stub (machines/virt/gdbstub.c) on
 * bytes from a debugger, which come from the network: the input is what
 * arrives on the connection (packets well-formed or not, acknowledgements,
 * 0x03 interrupts, garbage), served against a target of 33 registers and
 * 64 KiB of memory at 0x10000 that checks every access the stub asks for
 * is within what it was given.  The stub's end of the socket pair is
 * non-blocking, so replies nobody reads end the session instead of
 * blocking it.  Any read outside a buffer, leak or crash is an ASan/UBSan
 * report; an access outside the target's memory aborts. */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "machines/virt/gdbstub.h"

#define MEM_BASE 0x10000u
#define MEM_SIZE 0x10000u
static uint64_t regs[VIRT_GDB_NREGS];
static uint8_t mem[MEM_SIZE];
static int resumes;

static int t_stop(void *ctx, int *status)
{
    (void)ctx;
    *status = 0;
    return 0;
}
static int t_resume(void *ctx, int step, int (*interrupt)(void *), void *arg, int *status)
{
    (void)ctx, (void)step;
    *status = 3;
    if (interrupt(arg))
        return 2;
    return ++resumes % 7 == 0 ? -1 : 5;     /* now and then the machine ends */
}
static void t_get_regs(void *ctx, uint64_t r[VIRT_GDB_NREGS])
{
    (void)ctx;
    memcpy(r, regs, sizeof regs);
}
static void t_set_reg(void *ctx, unsigned n, uint64_t v)
{
    (void)ctx;
    if (n >= VIRT_GDB_NREGS)
        abort();
    regs[n] = v;
}
static int in_mem(uint64_t va, size_t n) { return va >= MEM_BASE && n <= MEM_SIZE && va - MEM_BASE <= MEM_SIZE - n; }
static int t_read(void *ctx, uint64_t va, void *buf, size_t n)
{
    (void)ctx;
    if (!in_mem(va, n))
        return -1;
    memcpy(buf, mem + (va - MEM_BASE), n);
    return 0;
}
static int t_write(void *ctx, uint64_t va, const void *buf, size_t n)
{
    (void)ctx;
    if (!in_mem(va, n))
        return -1;
    memcpy(mem + (va - MEM_BASE), buf, n);
    return 0;
}
static void t_none(void *ctx) { (void)ctx; }

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int sv[2];
    if (size > 32768 || socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
        return 0;
    /* the debugger's bytes, then its end shut for writing: the stub reads
     * them and then the end of the connection */
    size_t off = 0;
    fcntl(sv[0], F_SETFL, O_NONBLOCK);
    fcntl(sv[1], F_SETFL, O_NONBLOCK);
    while (off < size) {
        ssize_t w = write(sv[0], data + off, size - off);
        if (w <= 0)
            break;
        off += (size_t)w;
    }
    shutdown(sv[0], SHUT_WR);
    const virt_gdb_target t = {NULL, t_stop, t_resume, t_get_regs, t_set_reg, t_read, t_write, t_none, t_none, t_none};
    virt_gdb_session(&t, sv[1]);
    close(sv[0]);
    close(sv[1]);
    return 0;
}
