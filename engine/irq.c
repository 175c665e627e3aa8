/* engine: interrupt lines and the wfi sleep (engine/irq.h).  A futex on
 * eng_vcpu.wake_seq: a waker changes a line (or nothing, for a kick), sets
 * the interrupt flag, bumps the sequence and wakes; a sleeper reads the
 * sequence, then the flag, and sleeps only while the sequence is the one it
 * read, so a wake-up between its last look and the sleep is not lost. */
#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "engine/irq.h"

uint64_t eng_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void eng_irq_kick(eng_vcpu *v)
{
    v->interrupt = 1;
    __atomic_add_fetch(&v->wake_seq, 1, __ATOMIC_SEQ_CST);
    syscall(SYS_futex, &v->wake_seq, FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0);
}

void eng_irq_set(eng_vcpu *v, unsigned bit, int level)
{
    uint64_t m = UINT64_C(1) << (bit & 63);
    uint64_t old = level ? __atomic_fetch_or(&v->irq_lines, m, __ATOMIC_SEQ_CST)
                         : __atomic_fetch_and(&v->irq_lines, ~m, __ATOMIC_SEQ_CST);
    if (!!(old & m) != !!level)
        eng_irq_kick(v);
}

int eng_wfi_wait(eng_vcpu *v, uint64_t deadline_ns)
{
    uint32_t seq = __atomic_load_n(&v->wake_seq, __ATOMIC_SEQ_CST);
    if (v->interrupt)
        return 1;
    struct timespec ts, *tp = NULL;
    if (deadline_ns != UINT64_MAX) {
        uint64_t now = eng_now_ns();
        if (now >= deadline_ns)
            return 0;
        uint64_t d = deadline_ns - now;
        ts.tv_sec = (time_t)(d / 1000000000u);
        ts.tv_nsec = (long)(d % 1000000000u);
        tp = &ts;
    }
    long r = syscall(SYS_futex, &v->wake_seq, FUTEX_WAIT_PRIVATE, seq, tp, NULL, 0);
    if (r < 0 && errno == ETIMEDOUT)
        return 0;
    return 1;
}
