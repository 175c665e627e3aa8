/* Superblocks (the translation tier's traces): a loop whose hot path runs
 * through a forward conditional branch (its fall-through), a forward jump
 * and a load, and leaves by a side exit on one iteration.  Under the auto
 * tier the loop head's translation takes all three blocks; what the guest
 * sees must be what the interpreter shows:
 *   - rdinstret around the loop counts every instruction, side exit or not;
 *   - a fault at the load in the third block shows that load's pc and the
 *     registers as they were before it;
 *   - rewriting an instruction of the second or third block (with fence.i,
 *     and by a plain store without it) changes what runs next.
 * Prints one line per check and "superblock: ok" at the end. */
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>

/* long sb_run(long n, const long *p, long k, long *instret, long stride):
 * n iterations; each adds 1, then 2, then *p (p advancing by stride bytes);
 * the iteration where the count down (n .. 1) equals k also adds 1000.
 * *instret: the instructions from the first rdinstret to the second. */
__asm__(".text\n"
        ".option push\n"
        ".option norvc\n"
        ".globl sb_run, sb_end, sb_head, sb_ld, sb_addb, sb_addc\n"
        "sb_run:\n"
        "    rdinstret t3\n"
        "    li t0, 0\n"
        "    j sb_head\n"
        "sb_head:\n"
        "    addi t0, t0, 1\n"
        "    beq a0, a2, 3f\n"
        "2:\n"
        "sb_addb:\n"
        "    addi t0, t0, 2\n"
        "    j 4f\n"
        "    addi t0, t0, 100\n"
        "4:\n"
        "sb_ld:\n"
        "    ld t1, 0(a1)\n"
        "sb_addc:\n"
        "    add t0, t0, t1\n"
        "    add a1, a1, a4\n"
        "    addi a0, a0, -1\n"
        "    bnez a0, sb_head\n"
        "    rdinstret t4\n"
        "    sub t4, t4, t3\n"
        "    sd t4, 0(a3)\n"
        "    mv a0, t0\n"
        "    ret\n"
        "3:\n"
        "    addi t0, t0, 1000\n"
        "    j 2b\n"
        "sb_end:\n"
        ".option pop\n");
extern char sb_run[], sb_end[], sb_head[], sb_ld[], sb_addb[], sb_addc[];
typedef long (*sb_fn)(long, const long *, long, long *, long);

static int failures;
static void check(int ok, const char *what, long got, long want)
{
    if (!ok) {
        printf("FAIL %s: got %ld, want %ld\n", what, got, want);
        failures++;
    }
}

/* the expected result and instruction count of a call */
static long want_sum(long n, long k, long v, long addb, int sub)
{
    return n * (1 + addb + (sub ? -v : v)) + (k >= 1 && k <= n ? 1000 : 0);
}
/* rdinstret, li, j; 9 a normal iteration, 11 the side one */
static long want_count(long n, long k) { return 3 + 9 * n + (k >= 1 && k <= n ? 2 : 0); }

static void runs(sb_fn f, const char *where, long addb, int sub)
{
    static const long one = 1;
    for (int r = 0; r < 12; r++) {
        long n = 100 + r, k = r % 3 == 0 ? -1 : 7 + r, ic = -1;
        long got = f(n, &one, k, &ic, 0);
        char what[96];
        snprintf(what, sizeof what, "%s: run %d's sum", where, r);
        check(got == want_sum(n, k, 1, addb, sub), what, got, want_sum(n, k, 1, addb, sub));
        snprintf(what, sizeof what, "%s: run %d's instret", where, r);
        check(ic == want_count(n, k), what, ic, want_count(n, k));
    }
}

static sigjmp_buf back;
static volatile long f_pc, f_t0, f_a0, f_a1;
static void on_segv(int sig, siginfo_t *si, void *ctx)
{
    (void)sig;
    (void)si;
    ucontext_t *uc = ctx;
    f_pc = (long)uc->uc_mcontext.__gregs[REG_PC];
    f_t0 = (long)uc->uc_mcontext.__gregs[5];
    f_a0 = (long)uc->uc_mcontext.__gregs[10];
    f_a1 = (long)uc->uc_mcontext.__gregs[11];
    siglongjmp(back, 1);
}

int main(void)
{
    /* the loop, run often enough to be translated (auto: after 50 runs) */
    runs((sb_fn)sb_run, "text", 2, 0);
    printf("instret and sums: %s\n", failures ? "wrong" : "ok");

    /* a fault in the third block, on the sixth iteration: the load's pc,
     * t0 after five iterations and this one's 1 and 2, a0 and a1 as the
     * iteration found them */
    long pg = sysconf(_SC_PAGESIZE);
    char *m = mmap(0, 2 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED || mprotect(m + pg, pg, PROT_NONE) != 0) {
        printf("FAIL mmap\n");
        return 1;
    }
    long *p = (long *)(m + pg) - 5;
    for (int i = 0; i < 5; i++)
        p[i] = 1;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_segv;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGSEGV, &sa, 0);
    int before = failures;
    long ic;
    if (sigsetjmp(back, 1) == 0) {
        ((sb_fn)sb_run)(100, p, -1, &ic, 8);
        printf("FAIL no fault\n");
        failures++;
    } else {
        check(f_pc == (long)sb_ld, "fault pc", f_pc, (long)sb_ld);
        check(f_t0 == 5 * 4 + 3, "fault t0", f_t0, 23);
        check(f_a0 == 95, "fault a0", f_a0, 95);
        check(f_a1 == (long)(p + 5), "fault a1", f_a1, (long)(p + 5));
    }
    printf("fault: %s\n", failures != before ? "wrong" : "ok");

    /* the same code in a writable page, rewritten after it was translated */
    size_t len = (size_t)(sb_end - sb_run);
    char *w = mmap(0, (size_t)pg, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (w == MAP_FAILED) {
        printf("FAIL mmap rwx\n");
        return 1;
    }
    memcpy(w, sb_run, len);
    __asm__ volatile("fence.i" ::: "memory");
    before = failures;
    runs((sb_fn)w, "copy", 2, 0);
    /* the third block's add becomes a sub, announced by fence.i */
    uint32_t *addc = (uint32_t *)(w + (sb_addc - sb_run));
    check(*addc == 0x006282b3u, "add t0,t0,t1's encoding", (long)*addc, 0x006282b3);
    *addc |= 0x40000000u;
    __asm__ volatile("fence.i" ::: "memory");
    runs((sb_fn)w, "copy, sub", 2, 1);
    /* the second block's addi t0,t0,2 becomes addi t0,t0,5 by a store alone */
    uint32_t *addb = (uint32_t *)(w + (sb_addb - sb_run));
    check(*addb == 0x00228293u, "addi t0,t0,2's encoding", (long)*addb, 0x00228293);
    *addb = (*addb & 0xfffffu) | (5u << 20);
    runs((sb_fn)w, "copy, sub, 5", 5, 1);
    printf("rewritten: %s\n", failures != before ? "wrong" : "ok");

    if (failures)
        return 1;
    printf("superblock: ok\n");
    return 0;
}
