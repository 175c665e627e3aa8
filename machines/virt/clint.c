/* rv64-virt: the CLINT (sifive,clint0; ACLINT MSWI + MTIMER) at 0x2000000.
 *   0x0000 + 4*hart   msip (bit 0: MSIP of the hart)
 *   0x4000 + 8*hart   mtimecmp (64 bits; 32-bit halves too)
 *   0xbff8            mtime (read-only here), 10 MHz from CLOCK_MONOTONIC
 * MTIP of a hart is up while mtime >= its mtimecmp: a write of mtimecmp
 * sets the level at once, and a timer thread sleeps until the earliest
 * compare in the future and raises MTIP then (on time: an absolute
 * CLOCK_MONOTONIC deadline). */
#include <errno.h>
#include <string.h>
#include <time.h>

#include "machines/virt/virt.h"

static int64_t mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

#define NS_PER_TICK (1000000000 / VIRT_TIMEBASE)

uint64_t virt_clint_mtime(virt_clint *c) { return (uint64_t)(mono_ns() - c->base_ns) / NS_PER_TICK; }

int virt_clint_init(virt_clint *c, unsigned nharts, virt_irq_fn irq, void *ctx)
{
    memset(c, 0, sizeof *c);
    pthread_mutex_init(&c->lock, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&c->cond, &ca);
    pthread_condattr_destroy(&ca);
    c->nharts = nharts;
    c->irq = irq;
    c->ctx = ctx;
    c->base_ns = mono_ns();
    for (unsigned h = 0; h < VIRT_MAX_HARTS; h++)
        c->s.mtimecmp[h] = UINT64_MAX;
    return 0;
}

/* MTIP of every hart as mtime says (lock held); the earliest future compare */
static uint64_t check(virt_clint *c)
{
    uint64_t now = virt_clint_mtime(c), next = UINT64_MAX;
    for (unsigned h = 0; h < c->nharts; h++) {
        int up = now >= c->s.mtimecmp[h];
        if (up != c->mtip[h]) {
            c->mtip[h] = (uint8_t)up;
            if (c->irq)
                c->irq(c->ctx, h, VIRT_MIP_MTIP, up);
        }
        if (!up && c->s.mtimecmp[h] < next)
            next = c->s.mtimecmp[h];
    }
    return next;
}

static void *timer_main(void *arg)
{
    virt_clint *c = arg;
    pthread_mutex_lock(&c->lock);
    while (!c->stop) {
        uint64_t next = check(c);
        if (next == UINT64_MAX) {
            pthread_cond_wait(&c->cond, &c->lock);
            continue;
        }
        /* the deadline in CLOCK_MONOTONIC (capped: far compares wait again) */
        uint64_t ticks = next;
        if (ticks > (uint64_t)INT64_MAX / NS_PER_TICK / 2)
            ticks = (uint64_t)INT64_MAX / NS_PER_TICK / 2;
        int64_t dl = c->base_ns + (int64_t)ticks * NS_PER_TICK;
        struct timespec ts = {dl / 1000000000, dl % 1000000000};
        int rc;
        do
            rc = pthread_cond_timedwait(&c->cond, &c->lock, &ts);
        while (rc == EINTR);
    }
    pthread_mutex_unlock(&c->lock);
    return NULL;
}

int virt_clint_start(virt_clint *c)
{
    if (pthread_create(&c->thread, NULL, timer_main, c) != 0)
        return -1;
    c->running = 1;
    return 0;
}

void virt_clint_fini(virt_clint *c)
{
    if (c->running) {
        pthread_mutex_lock(&c->lock);
        c->stop = 1;
        pthread_cond_signal(&c->cond);
        pthread_mutex_unlock(&c->lock);
        pthread_join(c->thread, NULL);
        c->running = 0;
    }
    pthread_cond_destroy(&c->cond);
    pthread_mutex_destroy(&c->lock);
}

static int clint_read(void *arg, uint64_t off, unsigned size, uint64_t *val)
{
    virt_clint *c = arg;
    if (size != 4 && size != 8)
        return -1;
    uint64_t v = 0;
    pthread_mutex_lock(&c->lock);
    if (off < 0x4000) {
        if (size == 4 && off / 4 < c->nharts)
            v = c->s.msip[off / 4];
    } else if (off < 0xbff8) {
        unsigned h = (unsigned)((off - 0x4000) / 8);
        if (h < c->nharts)
            v = c->s.mtimecmp[h] >> (off & 4 ? 32 : 0);
    } else {
        v = virt_clint_mtime(c) >> (off & 4 ? 32 : 0);
    }
    pthread_mutex_unlock(&c->lock);
    *val = size == 4 ? (uint32_t)v : v;
    return 0;
}

static int clint_write(void *arg, uint64_t off, unsigned size, uint64_t val)
{
    virt_clint *c = arg;
    if (size != 4 && size != 8)
        return -1;
    pthread_mutex_lock(&c->lock);
    if (off < 0x4000) {
        unsigned h = (unsigned)(off / 4);
        if (size == 4 && h < c->nharts) {
            uint32_t b = (uint32_t)val & 1;
            if (b != c->s.msip[h] && c->irq)
                c->irq(c->ctx, h, VIRT_MIP_MSIP, (int)b);
            c->s.msip[h] = b;
        }
    } else if (off < 0xbff8) {
        unsigned h = (unsigned)((off - 0x4000) / 8);
        if (h < c->nharts) {
            uint64_t *cmp = &c->s.mtimecmp[h];
            if (size == 8)
                *cmp = val;
            else if (off & 4)
                *cmp = (*cmp & 0xffffffffu) | val << 32;
            else
                *cmp = (*cmp & ~UINT64_C(0xffffffff)) | (uint32_t)val;
            check(c);
            pthread_cond_signal(&c->cond);
        }
    }
    /* mtime is read-only here */
    pthread_mutex_unlock(&c->lock);
    return 0;
}

int virt_clint_save(virt_clint *c, FILE *f)
{
    pthread_mutex_lock(&c->lock);
    c->s.mtime_at_save = virt_clint_mtime(c);
    int rc = virt_save_tag(f, "clint", &c->s, sizeof c->s);
    pthread_mutex_unlock(&c->lock);
    return rc;
}

int virt_clint_load(virt_clint *c, FILE *f)
{
    pthread_mutex_lock(&c->lock);
    virt_clint_state st;
    int rc = virt_load_tag(f, "clint", &st, sizeof st);
    if (rc == 0 && st.mtime_at_save > (uint64_t)(mono_ns() / NS_PER_TICK) + (UINT64_C(1) << 50))
        rc = -1;    /* from a file: an mtime the clock cannot go on from */
    if (rc == 0) {
        c->s = st;
        for (unsigned h = 0; h < VIRT_MAX_HARTS; h++)
            c->s.msip[h] &= 1;
        /* mtime goes on from where it was saved */
        c->base_ns = mono_ns() - (int64_t)(c->s.mtime_at_save * NS_PER_TICK);
        for (unsigned h = 0; h < c->nharts; h++)
            if (c->irq)
                c->irq(c->ctx, h, VIRT_MIP_MSIP, (int)c->s.msip[h]);
        memset(c->mtip, 0, sizeof c->mtip);
        for (unsigned h = 0; h < c->nharts; h++)
            if (c->irq)
                c->irq(c->ctx, h, VIRT_MIP_MTIP, 0);
        check(c);
        pthread_cond_signal(&c->cond);
    }
    pthread_mutex_unlock(&c->lock);
    return rc;
}

const eng_mmio_ops virt_clint_ops = {clint_read, clint_write};
