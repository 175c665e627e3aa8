/* engine: interrupt lines and the wfi sleep (engine/irq.h).  A futex on
 * eng_vcpu.wake_seq: a waker changes a line (or nothing, for a kick), sets
 * the interrupt flag, bumps the sequence and wakes; a sleeper reads the
 * sequence, then looks at its lines, and sleeps only while the sequence is
 * the one it read, so a wake-up between its look and the sleep is not
 * lost (the sequence's atomics order the line's change before the bump,
 * and the sleeper's read before its look). */
#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <pthread.h>
#include <signal.h>
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

int eng_wfi_wait(eng_vcpu *v, uint32_t seq, uint64_t deadline_ns)
{
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

/* ---- the timer thread: kicks vCPUs at their deadlines ---- */

static pthread_mutex_t tm_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t tm_cond;
static eng_vcpu *tm_list;           /* the armed vCPUs */
static int tm_state;                /* 0 not started, 1 running, -1 cannot start */
static uint64_t tm_until = UINT64_MAX;  /* what the thread sleeps until */

static void *tm_main(void *arg)
{
    (void)arg;
    /* the process's signals are its other threads' */
    sigset_t all;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, NULL);
    pthread_mutex_lock(&tm_lock);
    for (;;) {
        uint64_t now = eng_now_ns(), next = UINT64_MAX;
        for (eng_vcpu **pp = &tm_list; *pp;) {
            eng_vcpu *v = *pp;
            if (v->timer_at <= now) {
                *pp = v->timer_next;
                __atomic_store_n(&v->timer_listed, 0, __ATOMIC_RELEASE);
                v->timer_at = UINT64_MAX;
                eng_irq_kick(v);
                continue;
            }
            next = v->timer_at < next ? v->timer_at : next;
            pp = &v->timer_next;
        }
        tm_until = next;
        if (next == UINT64_MAX) {
            pthread_cond_wait(&tm_cond, &tm_lock);
        } else {
            struct timespec ts = {(time_t)(next / 1000000000u), (long)(next % 1000000000u)};
            pthread_cond_timedwait(&tm_cond, &tm_lock, &ts);
        }
    }
    return NULL;
}

static int tm_start(void)
{
    pthread_condattr_t ca;
    pthread_attr_t ta;
    pthread_t t;
    if (pthread_condattr_init(&ca) || pthread_condattr_setclock(&ca, CLOCK_MONOTONIC) ||
        pthread_cond_init(&tm_cond, &ca))
        return -1;
    pthread_condattr_destroy(&ca);
    if (pthread_attr_init(&ta))
        return -1;
    pthread_attr_setdetachstate(&ta, PTHREAD_CREATE_DETACHED);
    pthread_attr_setstacksize(&ta, 64 << 10);
    int rc = pthread_create(&t, &ta, tm_main, NULL);
    pthread_attr_destroy(&ta);
    return rc ? -1 : 0;
}

int eng_irq_timer(eng_vcpu *v, uint64_t deadline_ns)
{
    pthread_mutex_lock(&tm_lock);
    if (deadline_ns == UINT64_MAX) {
        if (v->timer_listed) {
            eng_vcpu **pp = &tm_list;
            while (*pp != v)
                pp = &(*pp)->timer_next;
            *pp = v->timer_next;
            v->timer_listed = 0;
        }
        v->timer_at = UINT64_MAX;
        pthread_mutex_unlock(&tm_lock);
        return 0;
    }
    if (tm_state == 0)
        tm_state = tm_start() == 0 ? 1 : -1;
    if (tm_state < 0) {
        pthread_mutex_unlock(&tm_lock);
        return -1;
    }
    v->timer_at = deadline_ns;
    if (!v->timer_listed) {
        v->timer_next = tm_list;
        tm_list = v;
        v->timer_listed = 1;
    }
    if (deadline_ns < tm_until)
        pthread_cond_signal(&tm_cond);
    pthread_mutex_unlock(&tm_lock);
    return 0;
}
