/* rv64-virt's devices driven from C through their MMIO callbacks, with the
 * interrupt callback recording what reaches each hart: the CLINT (MSIP,
 * MTIP on time from the timer thread, MTIP dropped by a later compare),
 * the PLIC (priorities, enables, thresholds, claim and complete, M and S
 * contexts), the UART (receive interrupt through the PLIC, IIR, LSR,
 * loopback, DLAB), save and load.  Prints "ok NAME" / "not ok NAME: why". */
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "machines/virt/virt.h"

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
    printf("ok end\n");
    return failed;
}
