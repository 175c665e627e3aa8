/* Illegal F/D/Zicsr encodings: an invalid static rm (5, 6), dyn with an
 * invalid frm, writes to the read-only counters, unknown or privileged CSRs.
 * Each must raise SIGILL (caught here) without side effects. */
#include <setjmp.h>
#include <signal.h>
#include <string.h>

#include "fptest.h"

static sigjmp_buf jb;
static volatile int got_sigill;
static void on_sigill(int sig)
{
    (void)sig;
    got_sigill = 1;
    siglongjmp(jb, 1);
}

#define EXPECT_SIGILL(name, code)                 \
    do {                                          \
        got_sigill = 0;                           \
        if (sigsetjmp(jb, 1) == 0) {              \
            code;                                 \
        }                                         \
        check_int(name, got_sigill, 1);           \
    } while (0)

int main(void)
{
    uint64_t a;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_sigill;
    sigaction(SIGILL, &sa, NULL);

    __asm__ volatile("fsflags zero");
    /* fadd.d fa0, fa0, fa1 with rm = 5 and 6 */
    EXPECT_SIGILL("rm=5 illegal", __asm__ volatile(".insn 0x02b55553" ::: "fa0"));
    EXPECT_SIGILL("rm=6 illegal", __asm__ volatile(".insn 0x02b56553" ::: "fa0"));
    EXPECT_SIGILL("dyn frm=5 illegal", __asm__ volatile("fsrmi 5\n\tfadd.d fa0, fa0, fa1, dyn" ::: "fa0"));
    __asm__ volatile("fsrmi 0");
    EXPECT_SIGILL("dyn frm=7 fcvt illegal", __asm__ volatile("fsrmi 7\n\tfcvt.w.d a0, fa0, dyn" ::: "a0"));
    __asm__ volatile("fsrmi 0");
    EXPECT_SIGILL("fmadd.s rm=5 illegal", __asm__ volatile(".insn 0x68c5d543" ::: "fa0"));
    EXPECT_SIGILL("csrw cycle illegal", __asm__ volatile("csrw cycle, %0" : : "r"(UINT64_C(0))));
    EXPECT_SIGILL("csrrs instret,a0 illegal", __asm__ volatile("csrrs a0, instret, %0" : : "r"(UINT64_C(1)) : "a0"));
    EXPECT_SIGILL("csrr 0x7c0 illegal", __asm__ volatile("csrr a0, 0x7c0" ::: "a0"));
    EXPECT_SIGILL("csrr sstatus illegal", __asm__ volatile("csrr a0, sstatus" ::: "a0"));
    __asm__ volatile("frflags %0" : "=r"(a));
    check_int("illegal rm leaves fflags", a, 0);
    /* rm 0..4 are fine; rmm as the static mode */
    __asm__ volatile("fadd.d fa0, fa0, fa1, rmm" ::: "fa0");
    check_int("rm=4 legal", 1, 1);
    return fp_done();
}
