/* rv64-virt: the Goldfish RTC (google,goldfish-rtc) at 0x101000: host
 * time (CLOCK_REALTIME) in nanoseconds since the epoch.  Registers (32
 * bits): 0x00 TIME_LOW (reading it latches TIME_HIGH), 0x04 TIME_HIGH,
 * 0x08 ALARM_LOW (writing it arms the alarm), 0x0c ALARM_HIGH,
 * 0x10 IRQ_ENABLED, 0x14 CLEAR_ALARM, 0x18 ALARM_STATUS, 0x1c
 * CLEAR_INTERRUPT.  Writing TIME_LOW/TIME_HIGH sets the guest's clock (an
 * offset from the host's).  The alarm is kept but fires only when read
 * past (no interrupt line is driven yet: ALARM_STATUS tells). */
#include <time.h>

#include "machines/virt/virt.h"

static int64_t now_ns(virt_rtc *r)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec + r->offset_ns;
}

void virt_rtc_init(virt_rtc *r)
{
    pthread_mutex_init(&r->lock, NULL);
    r->s = (virt_rtc_state){0};
    r->offset_ns = 0;
}

void virt_rtc_fini(virt_rtc *r) { pthread_mutex_destroy(&r->lock); }

static int rtc_read(void *arg, uint64_t off, unsigned size, uint64_t *val)
{
    virt_rtc *r = arg;
    if (size != 4)
        return -1;
    pthread_mutex_lock(&r->lock);
    uint64_t t = (uint64_t)now_ns(r);
    uint64_t alarm = (uint64_t)r->s.alarm_high << 32 | r->s.alarm_low;
    switch (off) {
    case 0x00:
        *val = (uint32_t)t;
        r->s.time_high = (uint32_t)(t >> 32);
        break;
    case 0x04: *val = r->s.time_high; break;
    case 0x08: *val = r->s.alarm_low; break;
    case 0x0c: *val = r->s.alarm_high; break;
    case 0x10: *val = r->s.irq_enabled; break;
    case 0x18:
        if (r->s.alarm_running && t >= alarm) {
            r->s.alarm_running = 0;
            r->s.irq_pending = 1;
        }
        *val = r->s.alarm_running;
        break;
    default: *val = 0; break;
    }
    pthread_mutex_unlock(&r->lock);
    return 0;
}

static int rtc_write(void *arg, uint64_t off, unsigned size, uint64_t val)
{
    virt_rtc *r = arg;
    if (size != 4)
        return -1;
    uint32_t v = (uint32_t)val;
    pthread_mutex_lock(&r->lock);
    int64_t t = now_ns(r);
    switch (off) {
    case 0x00: {
        uint64_t nt = ((uint64_t)t & ~UINT64_C(0xffffffff)) | v;
        r->offset_ns += (int64_t)nt - t;
        break;
    }
    case 0x04: {
        uint64_t nt = ((uint64_t)t & UINT64_C(0xffffffff)) | (uint64_t)v << 32;
        r->offset_ns += (int64_t)nt - t;
        break;
    }
    case 0x08: r->s.alarm_low = v; r->s.alarm_running = 1; break;
    case 0x0c: r->s.alarm_high = v; break;
    case 0x10: r->s.irq_enabled = v & 1; break;
    case 0x14: r->s.alarm_running = 0; break;
    case 0x1c: r->s.irq_pending = 0; break;
    default: break;
    }
    pthread_mutex_unlock(&r->lock);
    return 0;
}

int virt_rtc_save(virt_rtc *r, FILE *f)
{
    pthread_mutex_lock(&r->lock);
    struct { virt_rtc_state s; int64_t offset; } st = {r->s, r->offset_ns};
    pthread_mutex_unlock(&r->lock);
    return virt_save_tag(f, "rtc", &st, sizeof st);
}

int virt_rtc_load(virt_rtc *r, FILE *f)
{
    struct { virt_rtc_state s; int64_t offset; } st;
    if (virt_load_tag(f, "rtc", &st, sizeof st) < 0)
        return -1;
    pthread_mutex_lock(&r->lock);
    r->s = st.s;
    r->offset_ns = st.offset;
    pthread_mutex_unlock(&r->lock);
    return 0;
}

const eng_mmio_ops virt_rtc_ops = {rtc_read, rtc_write};
