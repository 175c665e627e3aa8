/* rv64-virt: the PLIC (sifive,plic-1.0.0) at 0xc000000.  Sources
 * 1..VIRT_PLIC_NSRC-1, level-triggered; two contexts per hart (2h: M mode,
 * driving MEIP; 2h+1: S mode, driving SEIP).  Registers (32 bits):
 *   0x000000 + 4*src          priority (0..7; 0: never interrupts)
 *   0x001000 + 4*word         pending bits (read-only)
 *   0x002000 + 0x80*ctx + 4*w enable bits of a context
 *   0x200000 + 0x1000*ctx     threshold; +4: claim (read) / complete (write)
 * A context's line is up while some pending, enabled source not claimed has
 * a priority above its threshold; a claim returns the highest (lowest id on
 * a tie) and clears its pending bit; a complete lets a line still up pend
 * again. */
#include <string.h>

#include "machines/virt/virt.h"

#define NW (VIRT_PLIC_NSRC / 32)

void virt_plic_init(virt_plic *p, unsigned nharts, virt_irq_fn irq, void *ctx)
{
    pthread_mutex_init(&p->lock, NULL);
    p->nharts = nharts;
    p->irq = irq;
    p->ctx = ctx;
    memset(&p->s, 0, sizeof p->s);
}

void virt_plic_fini(virt_plic *p) { pthread_mutex_destroy(&p->lock); }

static int bit(const uint32_t *w, unsigned i) { return w[i / 32] >> (i % 32) & 1; }
static void setbit(uint32_t *w, unsigned i, int v)
{
    if (v)
        w[i / 32] |= 1u << (i % 32);
    else
        w[i / 32] &= ~(1u << (i % 32));
}

/* the best source for context c, or 0 */
static unsigned best(virt_plic *p, unsigned c)
{
    unsigned id = 0, prio = 0;
    for (unsigned s = 1; s < VIRT_PLIC_NSRC; s++)
        if (bit(p->s.pending, s) && bit(p->s.enable[c], s) && p->s.priority[s] > prio) {
            prio = p->s.priority[s];
            id = s;
        }
    return prio > p->s.threshold[c] ? id : 0;
}

/* the contexts' lines to the harts (lock held) */
static void update(virt_plic *p)
{
    for (unsigned c = 0; c < 2 * p->nharts; c++) {
        int up = best(p, c) != 0;
        if (up != p->s.eip[c]) {
            p->s.eip[c] = (uint8_t)up;
            if (p->irq)
                p->irq(p->ctx, c / 2, c & 1 ? VIRT_MIP_SEIP : VIRT_MIP_MEIP, up);
        }
    }
}

void virt_plic_set(virt_plic *p, unsigned src, int level)
{
    if (src == 0 || src >= VIRT_PLIC_NSRC)
        return;
    pthread_mutex_lock(&p->lock);
    setbit(p->s.level, src, level);
    if (level && !bit(p->s.claimed, src))
        setbit(p->s.pending, src, 1);
    else if (!level)
        setbit(p->s.pending, src, 0);
    update(p);
    pthread_mutex_unlock(&p->lock);
}

static int plic_read(void *arg, uint64_t off, unsigned size, uint64_t *val)
{
    virt_plic *p = arg;
    if (size != 4)
        return -1;
    uint32_t v = 0;
    pthread_mutex_lock(&p->lock);
    if (off < 0x1000) {
        if (off / 4 < VIRT_PLIC_NSRC)
            v = p->s.priority[off / 4];
    } else if (off < 0x2000) {
        if ((off - 0x1000) / 4 < NW)
            v = p->s.pending[(off - 0x1000) / 4];
    } else if (off < 0x200000) {
        unsigned c = (unsigned)((off - 0x2000) / 0x80), w = (unsigned)((off - 0x2000) % 0x80 / 4);
        if (c < 2 * p->nharts && w < NW)
            v = p->s.enable[c][w];
    } else {
        unsigned c = (unsigned)((off - 0x200000) / 0x1000), r = (unsigned)((off - 0x200000) % 0x1000);
        if (c < 2 * p->nharts) {
            if (r == 0)
                v = p->s.threshold[c];
            else if (r == 4) {
                unsigned id = best(p, c);
                if (id) {
                    setbit(p->s.pending, id, 0);
                    setbit(p->s.claimed, id, 1);
                    update(p);
                }
                v = id;
            }
        }
    }
    pthread_mutex_unlock(&p->lock);
    *val = v;
    return 0;
}

static int plic_write(void *arg, uint64_t off, unsigned size, uint64_t val)
{
    virt_plic *p = arg;
    if (size != 4)
        return -1;
    uint32_t v = (uint32_t)val;
    pthread_mutex_lock(&p->lock);
    if (off < 0x1000) {
        if (off / 4 && off / 4 < VIRT_PLIC_NSRC)
            p->s.priority[off / 4] = v & 7;
    } else if (off < 0x2000) {
        /* pending is read-only */
    } else if (off < 0x200000) {
        unsigned c = (unsigned)((off - 0x2000) / 0x80), w = (unsigned)((off - 0x2000) % 0x80 / 4);
        if (c < 2 * p->nharts && w < NW)
            p->s.enable[c][w] = w == 0 ? v & ~1u : v;   /* source 0 does not exist */
    } else {
        unsigned c = (unsigned)((off - 0x200000) / 0x1000), r = (unsigned)((off - 0x200000) % 0x1000);
        if (c < 2 * p->nharts) {
            if (r == 0)
                p->s.threshold[c] = v & 7;
            else if (r == 4 && v && v < VIRT_PLIC_NSRC && bit(p->s.claimed, v)) {
                setbit(p->s.claimed, v, 0);
                if (bit(p->s.level, v))
                    setbit(p->s.pending, v, 1);
            }
        }
    }
    update(p);
    pthread_mutex_unlock(&p->lock);
    return 0;
}

int virt_plic_save(virt_plic *p, FILE *f)
{
    pthread_mutex_lock(&p->lock);
    int rc = virt_save_tag(f, "plic", &p->s, sizeof p->s);
    pthread_mutex_unlock(&p->lock);
    return rc;
}

int virt_plic_load(virt_plic *p, FILE *f)
{
    pthread_mutex_lock(&p->lock);
    int rc = virt_load_tag(f, "plic", &p->s, sizeof p->s);
    if (rc == 0) {
        for (unsigned c = 0; c < 2 * VIRT_MAX_HARTS; c++)
            p->s.eip[c] = p->s.eip[c] != 0;
        for (unsigned i = 0; i < VIRT_PLIC_NSRC; i++)
            p->s.priority[i] &= 7;
        /* the harts' lines as the state says */
        for (unsigned c = 0; c < 2 * p->nharts; c++)
            if (p->irq)
                p->irq(p->ctx, c / 2, c & 1 ? VIRT_MIP_SEIP : VIRT_MIP_MEIP, p->s.eip[c]);
    }
    pthread_mutex_unlock(&p->lock);
    return rc;
}

const eng_mmio_ops virt_plic_ops = {plic_read, plic_write};
