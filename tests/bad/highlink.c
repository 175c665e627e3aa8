/* A valid static program linked near the top of the Sv39 user space
 * (-Wl,-Ttext-segment=0x3ffffe0000, no libc: it has to fit below 2^38).
 * vvm used to map its stack with MAP_FIXED at the top of the guest space,
 * over the program.  It checks that its stack, an anonymous mmap and its own
 * code and data are all distinct and intact, then prints "highlink ok". */
#include <stddef.h>
#include <stdint.h>

static long sys(long nr, long a0, long a1, long a2, long a3, long a4, long a5)
{
    register long r_a0 __asm__("a0") = a0;
    register long r_a1 __asm__("a1") = a1;
    register long r_a2 __asm__("a2") = a2;
    register long r_a3 __asm__("a3") = a3;
    register long r_a4 __asm__("a4") = a4;
    register long r_a5 __asm__("a5") = a5;
    register long r_nr __asm__("a7") = nr;
    __asm__ volatile("ecall"
                     : "+r"(r_a0)
                     : "r"(r_a1), "r"(r_a2), "r"(r_a3), "r"(r_a4), "r"(r_a5), "r"(r_nr)
                     : "memory");
    return r_a0;
}

static void say(const char *s)
{
    size_t n = 0;
    while (s[n])
        n++;
    sys(64 /* write */, 1, (long)s, (long)n, 0, 0, 0);
}

static volatile uint64_t data_word = 0x5151515151515151ULL;

/* uses about 256 KiB of stack */
static __attribute__((noinline)) uint64_t deep(int n)
{
    volatile uint8_t pad[4096];
    pad[0] = (uint8_t)n;
    pad[4095] = (uint8_t)(n >> 1);
    return n ? deep(n - 1) + pad[0] + pad[4095] : data_word;
}

static int in(uint64_t a, uint64_t lo, uint64_t hi) { return a >= lo && a < hi; }

void entry(uint64_t *sp)
{
    extern char __executable_start[], _end[];
    uint64_t lo = (uint64_t)__executable_start, hi = (uint64_t)_end;
    int ok = 1;
    if (in((uint64_t)sp, lo, hi)) {
        say("FAIL: the stack lies inside the program\n");
        ok = 0;
    }
    uint64_t m = (uint64_t)sys(222 /* mmap */, 0, 1 << 20, 3 /* rw */, 0x22 /* private|anonymous */, -1, 0);
    if (m > (uint64_t)-4096) {
        say("FAIL: mmap failed\n");
        ok = 0;
    } else if (in(m, lo, hi) || in(m + (1 << 20) - 1, lo, hi) || (m < lo && m + (1 << 20) > hi)) {
        say("FAIL: mmap returned memory inside the program\n");
        ok = 0;
    } else {
        *(volatile uint64_t *)m = 1;
    }
    if (deep(64) == 0 || data_word != 0x5151515151515151ULL) {
        say("FAIL: the program's data changed\n");
        ok = 0;
    }
    if (ok)
        say("highlink ok\n");
    sys(93 /* exit */, ok ? 0 : 1, 0, 0, 0, 0, 0);
}

__asm__(".globl _start\n"
        "_start:\n"
        "  .option push\n"
        "  .option norelax\n"
        "  mv a0, sp\n"
        "  andi sp, sp, -16\n"
        "  call entry\n"
        "  .option pop\n");
