/* engine: the soft-TLB memory model's cold side -- guest physical memory,
 * the page-table walk, TLB fills, the slow paths of loads and stores, code
 * page tracking, and the translation context's setters (engine/mem_tlb.h).
 *
 * The walk follows the RISC-V privileged spec 1.12, section 4.3.2, for
 * Sv39, Sv48 and Sv57 (4.4-4.6):
 *   - the virtual address must be canonical (bits 63..VA bits equal to the
 *     top VA bit), else a page fault;
 *   - from the root (satp.PPN), level LEVELS-1 down to 0, the PTE at
 *     a + VPN[i] * 8 is read atomically (8 bytes); a PTE outside RAM is an
 *     access fault of the original access's kind;
 *   - V clear, W set without R, or any of bits 63..54 set (N, PBMT and the
 *     reserved bits: Svnapot and Svpbmt are not implemented) is a page
 *     fault; R or X set is a leaf, else a pointer to the next level (a
 *     pointer at level 0 is a page fault).  The D, A and U bits of a
 *     pointer are left unchecked (the spec reserves them; Linux clears
 *     them);
 *   - a leaf's permissions: fetch needs X, and U set from U-mode, U clear
 *     from S-mode (S never executes U pages); a load needs R, or X with
 *     MXR; a store needs W; from U-mode the page must be U, from S-mode a
 *     U page only with SUM;
 *   - a superpage (a leaf at level i > 0) whose PPN's low 9*i bits are not
 *     0 is misaligned: a page fault;
 *   - A clear, or D clear on a store: by default the walk sets them (the
 *     spec's "hardware update" option) with a compare-and-swap of the PTE
 *     against the value the walk read, starting the walk again when
 *     another hart changed the PTE in between, so that no store to it is
 *     lost; with eng_mmu_set_ad_fault (Svade) it raises a page fault
 *     instead.  D is set only by a store, so a page whose D is clear gets
 *     a load entry and no store entry;
 *   - the physical address: the leaf's PPN above level i, the virtual
 *     address's VPN[i-1..0] and offset below.
 * Every fault's tval is the virtual address.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "engine/jit.h"
#include "engine/mem_tlb.h"

#define PAGE 4096u
#define PTE_V 1u
#define PTE_R 2u
#define PTE_W 4u
#define PTE_X 8u
#define PTE_U 16u
#define PTE_G 32u
#define PTE_A 64u
#define PTE_D 128u
#define PPN_BITS 44

#define MAX_RAM 8
#define MAX_MMIO 32

typedef struct eng_ram {
    uint64_t base, size;
    uint8_t *host;
    int owned;
    uint8_t *code;          /* per page: code was decoded from it */
} eng_ram;

typedef struct eng_mmio {
    uint64_t base, size;
    const eng_mmio_ops *ops;
    void *arg;
} eng_mmio;

struct eng_phys {
    eng_ram ram[MAX_RAM];
    unsigned nram;
    eng_mmio mmio[MAX_MMIO];
    unsigned nmmio;
    eng_inval *inval, *own_inval;
    /* how many vCPUs are on it (eng_vcpu_use_tlb, eng_phys_leave): with
     * one, no store can reach a code page unannounced (eng_mmu_fence_i) */
    unsigned nvcpu;
    /* a debugger's view of the code the harts decode (eng_phys_fetch_hook) */
    void (*fetch_hook)(void *ctx, uint64_t a, uint8_t *buf, unsigned n);
    void *fetch_ctx;
};

void eng_phys_fetch_hook(eng_phys *p, void (*hook)(void *ctx, uint64_t a, uint8_t *buf, unsigned n), void *ctx)
{
    p->fetch_ctx = ctx;
    p->fetch_hook = hook;
}

/* ---- physical memory ---- */

eng_phys *eng_phys_new(eng_inval *inval)
{
    eng_phys *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    if (!inval && !(inval = p->own_inval = calloc(1, sizeof *inval))) {
        free(p);
        return NULL;
    }
    p->inval = inval;
    return p;
}

void eng_phys_free(eng_phys *p)
{
    if (!p)
        return;
    for (unsigned i = 0; i < p->nram; i++) {
        if (p->ram[i].owned)
            munmap(p->ram[i].host, p->ram[i].size);
        free(p->ram[i].code);
    }
    free(p->own_inval);
    free(p);
}

static int overlaps(const eng_phys *p, uint64_t base, uint64_t size)
{
    for (unsigned i = 0; i < p->nram; i++)
        if (base < p->ram[i].base + p->ram[i].size && p->ram[i].base < base + size)
            return 1;
    for (unsigned i = 0; i < p->nmmio; i++)
        if (base < p->mmio[i].base + p->mmio[i].size && p->mmio[i].base < base + size)
            return 1;
    return 0;
}

void *eng_phys_add_ram(eng_phys *p, uint64_t base, uint64_t size, void *host)
{
    if (p->nram == MAX_RAM || size == 0 || (base | size) & (PAGE - 1) || base + size < base ||
        overlaps(p, base, size))
        return NULL;
    eng_ram *r = &p->ram[p->nram];
    memset(r, 0, sizeof *r);
    if (!host) {
        host = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
        if (host == MAP_FAILED)
            return NULL;
        r->owned = 1;
    }
    r->code = calloc(size / PAGE, 1);
    if (!r->code) {
        if (r->owned)
            munmap(host, size);
        return NULL;
    }
    r->base = base;
    r->size = size;
    r->host = host;
    p->nram++;
    return host;
}

int eng_phys_add_mmio(eng_phys *p, uint64_t base, uint64_t size, const eng_mmio_ops *ops, void *arg)
{
    if (p->nmmio == MAX_MMIO || size == 0 || base + size < base || overlaps(p, base, size))
        return -1;
    p->mmio[p->nmmio++] = (eng_mmio){base, size, ops, arg};
    return 0;
}

static eng_ram *ram_at(eng_phys *p, uint64_t pa)
{
    for (unsigned i = 0; i < p->nram; i++)
        if (pa - p->ram[i].base < p->ram[i].size)
            return &p->ram[i];
    return NULL;
}

static eng_mmio *mmio_at(eng_phys *p, uint64_t pa)
{
    for (unsigned i = 0; i < p->nmmio; i++)
        if (pa - p->mmio[i].base < p->mmio[i].size)
            return &p->mmio[i];
    return NULL;
}

void *eng_phys_host(eng_phys *p, uint64_t pa, uint64_t n)
{
    eng_ram *r = ram_at(p, pa);
    if (!r || n > r->size - (pa - r->base))
        return NULL;
    return r->host + (pa - r->base);
}

void eng_phys_leave(eng_phys *p)
{
    if (p)
        __atomic_sub_fetch(&p->nvcpu, 1, __ATOMIC_RELAXED);
}

/* RAM page pa of r is about to change: when code was decoded from it, its
 * mark goes and the blocks decoded from it are announced (1), else 0. */
static int code_unmark(eng_inval *log, eng_ram *r, uint64_t pa)
{
    uint64_t idx = (pa - r->base) / PAGE;
    if (!__atomic_load_n(&r->code[idx], __ATOMIC_RELAXED))
        return 0;
    __atomic_store_n(&r->code[idx], 0, __ATOMIC_RELEASE);
    uint64_t pg = pa & ~(uint64_t)(PAGE - 1);
    eng_inval_announce(log, pg, pg + PAGE);
    return 1;
}

void eng_phys_written(eng_phys *p, uint64_t pa, uint64_t n)
{
    if (n == 0)
        return;
    for (uint64_t pg = pa & ~(uint64_t)(PAGE - 1); pg < pa + n && pg >= (pa & ~(uint64_t)(PAGE - 1)); pg += PAGE) {
        eng_ram *r = ram_at(p, pg);
        if (r)
            code_unmark(p->inval, r, pg);
    }
}

/* ---- the context ---- */

/* The TLB set of a privilege (eng_mmu.tlb) */
static unsigned set_of(unsigned priv) { return priv == ENG_PRIV_U ? 0 : 1; }

/* Empties TLB k of set st: the entries filled since the last clear, when
 * they are known, else all of them. */
static void tlb_clear(eng_mmu *m, unsigned st, int k)
{
    eng_tlb_entry *t = m->tlb[st][k];
    if (m->nfilled[st][k] <= ENG_TLB_TRACK) {
        for (unsigned i = 0; i < m->nfilled[st][k]; i++)
            t[m->filled[st][k][i]].tag = ENG_TLB_EMPTY;
    } else {
        for (unsigned i = 0; i < ENG_TLB_SIZE; i++)
            t[i].tag = ENG_TLB_EMPTY;
    }
    m->nfilled[st][k] = 0;
    m->nsuper[st][k] = 0;
}

/* kind k in both sets */
static void tlb_clear_kind(eng_mmu *m, int k)
{
    tlb_clear(m, 0, k);
    tlb_clear(m, 1, k);
}

static void tlb_clear_all(eng_mmu *m)
{
    for (unsigned st = 0; st < 2; st++)
        for (int k = 0; k < 3; k++) {
            m->nfilled[st][k] = ENG_TLB_TRACK + 1;
            tlb_clear(m, st, k);
        }
}

void eng_mmu_flush_tlb(eng_vcpu *v)
{
    eng_mmu *m = v->mmu;
    for (int k = 0; k < 3; k++)
        tlb_clear_kind(m, k);
}

/* the TLB set access kind k uses now (fetches: the fetch privilege's) */
static unsigned set_for(const eng_mmu *m, int k)
{
    return set_of(k == ENG_ACC_FETCH ? m->priv_fetch : m->priv_data);
}

/* the entry of va in TLB k of the set the access's privilege uses */
static eng_tlb_entry *tlb_ent(eng_mmu *m, int k, uint64_t va)
{
    return &m->tlb[set_for(m, k)][k][(va >> 12) & (ENG_TLB_SIZE - 1)];
}

/* The fetch key (eng_vcpu.fkey): 0 while fetches are not translated (M
 * mode, Bare), else the translation's generation with the fetch privilege
 * (1 S, 2 U).  A change of it needs no block dropped: the loop and the
 * translated code enter a block only while its key is the vCPU's, and a
 * block whose key is not is looked up again (eng_tlb_find_block). */
static void fkey_update(eng_vcpu *v)
{
    const eng_mmu *m = v->mmu;
    if (m->levels == 0 || m->priv_fetch == ENG_PRIV_M)
        v->fkey = 0;
    else
        v->fkey = m->gen << 2 | (m->priv_fetch == ENG_PRIV_U ? 2 : 1);
}

/* Something the vCPU's translations depend on changed (satp, an
 * sfence.vma): every translated block is looked up again before it runs. */
static void new_generation(eng_vcpu *v)
{
    eng_mmu *m = v->mmu;
    /* no block has the current generation's key (a satp write and the
     * sfence.vma after it): a new one would change nothing */
    if (!m->code_keyed)
        return;
    m->gen++;
    m->gens++;
    memset(m->code_vpn, 0, sizeof m->code_vpn);
    m->code_keyed = 0;
    fkey_update(v);
    /* the next block boundary goes through the loop, even a jump linked
     * past the key check (eng_mem_ops.link_keyed): a block vouches for
     * another only under the key both were found valid under.  (A change
     * of privilege alone needs none of this: it comes with a trap or an
     * xret, whose jump is never linked.) */
    v->mem_stale = 1;
}

static unsigned code_vpn_bit(uint64_t va)
{
    uint64_t vpn = va >> 12;
    return (unsigned)((vpn ^ vpn >> ENG_CODE_VPN_BITS) & ((1u << ENG_CODE_VPN_BITS) - 1));
}

/* Block b is keyed with the current generation: its pages into the set
 * an sfence.vma of one address consults. */
static void code_vpn_mark(eng_mmu *m, const eng_block *b)
{
    unsigned i = code_vpn_bit(b->pc), j = code_vpn_bit(b->end ? b->end - 1 : b->pc);
    m->code_vpn[i / 64] |= UINT64_C(1) << (i % 64);
    m->code_vpn[j / 64] |= UINT64_C(1) << (j % 64);
    m->code_keyed = 1;
}

void eng_tlb_refresh_blocks(eng_vcpu *v)
{
    v->mem_stale = 0;
    v->cur_block = NULL;
    v->cur = NULL;
}


int eng_vcpu_use_tlb(eng_vcpu *v, eng_phys *p)
{
    eng_mmu *m = v->mmu;
    /* aligned_alloc wants a size that is a multiple of the alignment */
    if (!m && !(m = aligned_alloc(64, (sizeof *m + 63) & ~(size_t)63)))
        return -1;
    /* a vCPU new to p counts (one put on it again does not) */
    if (v->mmu != m || m->phys != p)
        __atomic_add_fetch(&p->nvcpu, 1, __ATOMIC_RELAXED);
    memset(m, 0, sizeof *m);
    v->mmu = m;
    m->phys = p;
    m->priv_data = m->priv_fetch = ENG_PRIV_S;
    m->cur = m->tlb[set_of(ENG_PRIV_S)];
    m->gen = 1;
    fkey_update(v);
    tlb_clear_all(m);
    v->mem_model = ENG_MEM_TLB;
    v->mem_ops = &eng_mem_tlb;
    v->mem = NULL;
    v->mem_limit = 0;
    /* code written through the bus is announced in the log the harts share */
    if (v->inval != p->inval) {
        free(v->own_inval);
        v->own_inval = NULL;
        v->inval = p->inval;
        v->cache.inval_seen = p->inval->seq;
    }
    eng_cache_flush(&v->cache);
    return 0;
}

int eng_mmu_set_satp(eng_vcpu *v, uint64_t satp)
{
    eng_mmu *m = v->mmu;
    unsigned mode = (unsigned)(satp >> 60), levels;
    switch (mode) {
    case ENG_SATP_BARE: levels = 0; break;
    case ENG_SATP_SV39: levels = 3; break;
    case ENG_SATP_SV48: levels = 4; break;
    case ENG_SATP_SV57: levels = 5; break;
    default: return -1;
    }
    if (mode == ENG_SATP_BARE)
        satp = 0;   /* the spec: Bare wants ASID and PPN 0; keep them out of the comparison */
    if (satp == m->satp)
        return 0;
    m->satp = satp;
    m->mode = mode;
    m->levels = levels;
    m->asid = (uint16_t)(satp >> 44);
    m->root = (satp & ((UINT64_C(1) << PPN_BITS) - 1)) << 12;
    eng_mmu_flush_tlb(v);
    new_generation(v);
    return 0;
}

void eng_mmu_set_priv(eng_vcpu *v, unsigned data_priv, unsigned fetch_priv)
{
    eng_mmu *m = v->mmu;
    /* U and S have sets of their own; S and M share one, which a switch
     * between them clears (under Bare every privilege translates alike:
     * nothing to clear) */
    if (data_priv != m->priv_data) {
        unsigned was = set_of(m->priv_data), st = set_of(data_priv);
        m->priv_data = (uint8_t)data_priv;
        m->cur = m->tlb[st];
        if (m->levels && st == was) {
            tlb_clear(m, st, ENG_ACC_LOAD);
            tlb_clear(m, st, ENG_ACC_STORE);
        }
    }
    if (fetch_priv != m->priv_fetch) {
        unsigned was = set_of(m->priv_fetch), st = set_of(fetch_priv);
        m->priv_fetch = (uint8_t)fetch_priv;
        if (m->levels && st == was)
            tlb_clear(m, st, ENG_ACC_FETCH);
        fkey_update(v);
    }
}

void eng_mmu_set_status(eng_vcpu *v, int sum, int mxr)
{
    eng_mmu *m = v->mmu;
    if (!!sum != m->sum || !!mxr != m->mxr) {
        /* SUM changes what S reaches; MXR what every privilege reads */
        int both = !!mxr != m->mxr;
        m->sum = !!sum;
        m->mxr = !!mxr;
        if (m->levels) {
            tlb_clear(m, 1, ENG_ACC_LOAD);
            tlb_clear(m, 1, ENG_ACC_STORE);
            if (both) {
                tlb_clear(m, 0, ENG_ACC_LOAD);
                tlb_clear(m, 0, ENG_ACC_STORE);
            }
        }
    }
}

void eng_mmu_sfence_vma(eng_vcpu *v, int has_va, uint64_t va, int has_asid, unsigned asid)
{
    eng_mmu *m = v->mmu;
    /* the TLBs hold the current ASID's translations (and global ones, which
     * an ASID-specific fence keeps): another ASID has nothing here */
    if (has_asid && (uint16_t)asid != m->asid)
        return;
    if (has_va) {
        uint64_t pg = va & ~(uint64_t)(PAGE - 1);
        for (unsigned st = 0; st < 2; st++)
            for (int k = 0; k < 3; k++) {
                eng_tlb_entry *e = &m->tlb[st][k][(va >> 12) & (ENG_TLB_SIZE - 1)];
                if (e->tag == pg)
                    e->tag = ENG_TLB_EMPTY;
                /* a superpage's 4 KiB pieces sit in several entries: the
                 * entries filled from superpages go (all of them, when too
                 * many were filled to be known) */
                if (m->nsuper[st][k] > ENG_TLB_TRACK) {
                    tlb_clear(m, st, k);
                } else {
                    for (unsigned i = 0; i < m->nsuper[st][k]; i++)
                        m->tlb[st][k][m->super[st][k][i]].tag = ENG_TLB_EMPTY;
                    m->nsuper[st][k] = 0;
                }
            }
    } else {
        eng_mmu_flush_tlb(v);
    }
    /* one page that holds no block's code (as far as the set tells):
     * every block keeps its translation, and its key */
    if (has_va) {
        unsigned i = code_vpn_bit(va);
        if (!(m->code_vpn[i / 64] & UINT64_C(1) << (i % 64)))
            return;
    }
    new_generation(v);
}

void eng_mmu_fence_i(eng_vcpu *v)
{
    /* code written through the TLBs, by devices and by the host
     * (eng_phys_written) was announced in the log, which the loop applies
     * at the next block boundary; code written otherwise -- by another
     * hart, through a store TLB entry it filled before the page became
     * code -- is found by comparing each block's bytes with memory before
     * it runs again, which a new generation makes the loop do.  With one
     * hart there is no other. */
    if (__atomic_load_n(&v->mmu->phys->nvcpu, __ATOMIC_RELAXED) > 1)
        new_generation(v);
    v->mem_stale = 1;
}

void eng_mmu_set_misaligned(eng_vcpu *v, int trap)
{
    v->mmu->align_mask = trap ? ~(uint64_t)0 : 0;
}

void eng_mmu_set_ad_fault(eng_vcpu *v, int fault)
{
    eng_mmu *m = v->mmu;
    if (!!fault != m->ad_fault) {
        m->ad_fault = !!fault;
        eng_mmu_flush_tlb(v);
    }
}

/* ---- the walk ---- */

static eng_exit page_fault(int acc)
{
    return acc == ENG_ACC_FETCH ? ENG_EXIT_FETCH_PAGE : acc == ENG_ACC_LOAD ? ENG_EXIT_LOAD_PAGE : ENG_EXIT_STORE_PAGE;
}

static eng_exit access_fault(int acc)
{
    return acc == ENG_ACC_FETCH ? ENG_EXIT_FETCH : acc == ENG_ACC_LOAD ? ENG_EXIT_LOAD : ENG_EXIT_STORE;
}

/* va -> *pa for an access of kind acc; *level: the leaf's level (0: a 4 KiB
 * page or no translation). */
static eng_exit walk(eng_mmu *m, uint64_t va, int acc, uint64_t *pa, unsigned *level)
{
    unsigned priv = acc == ENG_ACC_FETCH ? m->priv_fetch : m->priv_data;
    unsigned levels = m->levels;
    *level = 0;
    if (levels == 0 || priv == ENG_PRIV_M) {
        *pa = va;
        return ENG_EXIT_NONE;
    }
    unsigned vabits = 12 + 9 * levels;
    if ((uint64_t)((int64_t)(va << (64 - vabits)) >> (64 - vabits)) != va)
        return page_fault(acc);
    m->walks++;
restart:;
    uint64_t a = m->root;
    for (int i = (int)levels - 1;; i--) {
        uint64_t pte_pa = a + ((va >> (12 + 9 * i)) & 511) * 8;
        uint64_t *pp = eng_phys_host(m->phys, pte_pa, 8);
        if (!pp)
            return access_fault(acc);
        uint64_t pte = __atomic_load_n(pp, __ATOMIC_ACQUIRE);
        if (!(pte & PTE_V) || (!(pte & PTE_R) && (pte & PTE_W)) || (pte >> 54))
            return page_fault(acc);
        uint64_t ppn = (pte >> 10) & ((UINT64_C(1) << PPN_BITS) - 1);
        if (!(pte & (PTE_R | PTE_X))) {
            if (i == 0)
                return page_fault(acc);
            a = ppn << 12;
            continue;
        }
        /* a leaf: permissions */
        if (acc == ENG_ACC_FETCH) {
            if (!(pte & PTE_X) || (priv == ENG_PRIV_U) != !!(pte & PTE_U))
                return page_fault(acc);
        } else {
            if (priv == ENG_PRIV_U ? !(pte & PTE_U) : (pte & PTE_U) && !m->sum)
                return page_fault(acc);
            if (acc == ENG_ACC_LOAD ? !((pte & PTE_R) || (m->mxr && (pte & PTE_X))) : !(pte & PTE_W))
                return page_fault(acc);
        }
        uint64_t lowmask = (UINT64_C(1) << (9 * i)) - 1;
        if (ppn & lowmask)
            return page_fault(acc);     /* a misaligned superpage */
        if (!(pte & PTE_A) || (acc == ENG_ACC_STORE && !(pte & PTE_D))) {
            if (m->ad_fault)
                return page_fault(acc);
            uint64_t npte = pte | PTE_A | (acc == ENG_ACC_STORE ? PTE_D : 0);
            if (!__atomic_compare_exchange_n(pp, &pte, npte, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
                goto restart;
        }
        *pa = (ppn & ~lowmask) << 12 | (va & ((UINT64_C(1) << (12 + 9 * i)) - 1));
        *level = (unsigned)i;
        return ENG_EXIT_NONE;
    }
}

eng_exit eng_mmu_translate(eng_vcpu *v, uint64_t va, int acc, uint64_t *pa)
{
    unsigned level;
    return walk(v->mmu, va, acc, pa, &level);
}

/* ---- code pages ---- */

/* A store is about to change RAM page pa's bytes: when code was decoded
 * from it, the blocks decoded from it go (at the next block boundary). */
static void code_write(eng_vcpu *v, eng_ram *r, uint64_t pa)
{
    if (code_unmark(v->inval, r, pa))
        v->mem_stale = 1;
}

/* Marks the RAM pages of block b's code and records where it came from:
 * its physical ranges, one per page. */
static void tlb_code_decoded(eng_vcpu *v, eng_block *b)
{
    eng_mmu *m = v->mmu;
    code_vpn_mark(m, b);
    uint64_t va = b->pc;
    for (int k = 0; k < 2; k++) {
        b->code_lo[k] = b->code_hi[k] = 0;
        if (va >= b->end)
            continue;
        uint64_t n = PAGE - (va & (PAGE - 1));
        if (n > b->end - va)
            n = b->end - va;
        uint64_t pa;
        unsigned level;
        eng_ram *r = NULL;
        if (walk(m, va, ENG_ACC_FETCH, &pa, &level) == ENG_EXIT_NONE)
            r = ram_at(m->phys, pa);
        if (!r) {
            /* (the bytes were just fetched from RAM): any invalidation takes it */
            b->code_hi[k] = UINT64_MAX;
            va += n;
            continue;
        }
        b->code_lo[k] = pa;
        b->code_hi[k] = pa + n;
        uint64_t idx = (pa - r->base) / PAGE;
        if (!r->code[idx]) {
            __atomic_store_n(&r->code[idx], 1, __ATOMIC_RELEASE);
            /* stores to it must take the slow path from now on */
            tlb_clear_kind(m, ENG_ACC_STORE);
        }
        va += n;
    }
}

/* ---- translation with TLB fill ---- */

typedef struct xl {
    uint8_t *host;      /* RAM: host address of the byte at va */
    eng_mmio *dev;      /* else the device, */
    uint64_t off;       /* at this offset */
} xl;

static eng_exit xlate(eng_vcpu *v, uint64_t va, int acc, xl *out)
{
    eng_mmu *m = v->mmu;
    uint64_t pa;
    unsigned level;
    eng_exit why = walk(m, va, acc, &pa, &level);
    if (why != ENG_EXIT_NONE)
        return why;
    eng_ram *r = ram_at(m->phys, pa);
    if (r) {
        if (acc == ENG_ACC_STORE)
            code_write(v, r, pa);
        out->host = r->host + (pa - r->base);
        out->dev = NULL;
        /* the page into the TLB: its pieces map to one host page */
        uint64_t vpg = va & ~(uint64_t)(PAGE - 1);
        unsigned idx = (unsigned)(va >> 12) & (ENG_TLB_SIZE - 1);
        unsigned st = set_for(m, acc);
        eng_tlb_entry *e = &m->tlb[st][acc][idx];
        e->tag = vpg;
        e->addend = (uintptr_t)(out->host - (va - vpg)) - (uintptr_t)vpg;
        if (m->nfilled[st][acc] < ENG_TLB_TRACK)
            m->filled[st][acc][m->nfilled[st][acc]++] = (uint16_t)idx;
        else
            m->nfilled[st][acc] = ENG_TLB_TRACK + 1;
        if (level) {
            if (m->nsuper[st][acc] < ENG_TLB_TRACK)
                m->super[st][acc][m->nsuper[st][acc]++] = (uint16_t)idx;
            else
                m->nsuper[st][acc] = ENG_TLB_TRACK + 1;
        }
        m->fills++;
        return ENG_EXIT_NONE;
    }
    eng_mmio *d = mmio_at(m->phys, pa);
    if (!d)
        return access_fault(acc);
    out->host = NULL;
    out->dev = d;
    out->off = pa - d->base;
    return ENG_EXIT_NONE;
}

static void xlate_or_raise(eng_vcpu *v, uint64_t va, int acc, xl *out)
{
    eng_exit why = xlate(v, va, acc, out);
    if (why != ENG_EXIT_NONE)
        eng_raise(v, why, va);
}

/* Is b what pc fetches now: is each of its pages translated (for a fetch,
 * at the fetch privilege) to the physical page it was decoded from, and
 * are its bytes there still the same?  A block that is not stays in the
 * cache, never entered (its key ENG_KEY_DEAD), until the cache lets it go. */
static int block_valid(void *arg, const eng_block *cb)
{
    eng_vcpu *v = arg;
    eng_mmu *m = v->mmu;
    eng_block *b = (eng_block *)(uintptr_t)cb;
    if (b->key == ENG_KEY_DEAD)
        return 0;
    m->revalidations++;
    const uint8_t *bytes = eng_block_bytes(b);
    unsigned done = 0;
    for (int k = 0; k < 2; k++) {
        uint64_t n = b->code_hi[k] - b->code_lo[k];
        if (n == 0)
            break;
        uint64_t va = k == 0 ? b->pc : (b->pc | (PAGE - 1)) + 1;
        const eng_tlb_entry *e = tlb_ent(m, ENG_ACC_FETCH, va);
        uint8_t *host;
        if (e->tag == (va & ~(uint64_t)(PAGE - 1))) {
            host = (uint8_t *)(e->addend + va);
        } else {
            xl x;
            if (xlate(v, va, ENG_ACC_FETCH, &x) != ENG_EXIT_NONE || !x.host)
                return 0;   /* (the fault is the decoding's to raise) */
            host = x.host;
        }
        if (n > b->nbytes - done || host != eng_phys_host(m->phys, b->code_lo[k], n))
            return 0;
        if (memcmp(host, bytes + done, n)) {
            b->key = ENG_KEY_DEAD;
            m->stale++;
            return 0;
        }
        done += (unsigned)n;
    }
    if (done != b->nbytes)
        return 0;
    code_vpn_mark(m, b);
    return 1;
}

void eng_tlb_report(eng_vcpu *const *v, unsigned n)
{
    const char *st = getenv("VVM_JIT_STATS");
    if (!st || !*st || *st == '0')
        return;
    uint64_t walks = 0, fills = 0, gens = 0, reval = 0, stale = 0;
    for (unsigned i = 0; i < n; i++) {
        const eng_mmu *m = v[i]->mmu;
        if (!m)
            continue;
        walks += m->walks;
        fills += m->fills;
        gens += m->gens;
        reval += m->revalidations;
        stale += m->stale;
    }
    fprintf(stderr,
            "vvm tlb: %u vCPUs: %llu page walks, %llu TLB fills, %llu new generations (satp, sfence.vma, fence.i), "
            "%llu blocks checked again, %llu of them changed in memory\n",
            n, (unsigned long long)walks, (unsigned long long)fills, (unsigned long long)gens,
            (unsigned long long)reval, (unsigned long long)stale);
}

int eng_tlb_rekey(eng_vcpu *v, eng_block *b)
{
    if (!block_valid(v, b))
        return 0;
    b->key = v->fkey;
    return 1;
}

eng_block *eng_tlb_find_block(eng_vcpu *v, uint64_t pc)
{
    return eng_cache_find_key(&v->cache, pc, v->fkey, block_valid, v);
}

static int tlb_fetch(eng_vcpu *v, uint64_t a, void *out, unsigned n)
{
    uint8_t *o = out;
    while (n) {
        unsigned chunk = PAGE - (unsigned)(a & (PAGE - 1));
        if (chunk > n)
            chunk = n;
        const eng_tlb_entry *e = tlb_ent(v->mmu, ENG_ACC_FETCH, a);
        xl x;
        eng_exit why = ENG_EXIT_NONE;
        if (e->tag == (a & ~(uint64_t)(PAGE - 1)))
            x.host = (uint8_t *)(e->addend + a);
        else
            why = xlate(v, a, ENG_ACC_FETCH, &x);
        if (why == ENG_EXIT_NONE && !x.host)
            why = ENG_EXIT_FETCH;   /* no code from devices */
        if (why != ENG_EXIT_NONE) {
            v->fetch_exit = why;
            return 0;
        }
        memcpy(o, x.host, chunk);
        eng_phys *p = v->mmu->phys;
        if (p->fetch_hook)
            p->fetch_hook(p->fetch_ctx, a, o, chunk);
        o += chunk;
        a += chunk;
        n -= chunk;
    }
    return 1;
}

/* A direct jump from `from` to `to` may enter past to's key check when
 * to's validity follows from from's: both blocks lie in one virtual page,
 * decoded from one physical page (the link is made while both are valid:
 * the page's mapping then is the one both were decoded under), so that a
 * later check finding from's page still mapped there finds to's too; and
 * their bytes cannot change unannounced, which only another hart can do
 * (eng_mmu_fence_i), so the machine has one. */
static int tlb_link_keyed(eng_vcpu *v, const eng_block *from, const eng_block *to)
{
    const uint64_t pm = ~(uint64_t)(PAGE - 1);
    if (__atomic_load_n(&v->mmu->phys->nvcpu, __ATOMIC_RELAXED) != 1)
        return 0;
    if (from->code_hi[1] != from->code_lo[1] || to->code_hi[1] != to->code_lo[1])
        return 0;   /* a block on two pages */
    if (from->code_hi[0] == UINT64_MAX || to->code_hi[0] == UINT64_MAX)
        return 0;   /* code not from RAM */
    if ((from->pc & pm) != (to->pc & pm) || ((from->end - 1) & pm) != (from->pc & pm) ||
        ((to->end - 1) & pm) != (to->pc & pm))
        return 0;
    return (from->code_lo[0] & pm) == (to->code_lo[0] & pm) && from->key == to->key && from->key != ENG_KEY_DEAD;
}

const eng_mem_ops eng_mem_tlb = {"tlb", tlb_fetch, tlb_code_decoded, 1, tlb_link_keyed};

/* ---- slow paths ---- */

uint64_t eng_tlb_load_slow(eng_vcpu *v, uint64_t va, unsigned n)
{
    eng_mmu *m = v->mmu;
    uint64_t val = 0;
    if ((va & (n - 1)) && m->align_mask)
        eng_raise(v, ENG_EXIT_LOAD_MISALIGNED, va);
    unsigned n1 = PAGE - (unsigned)(va & (PAGE - 1));
    xl x;
    if (n1 >= n) {
        /* misaligned within a page (the translated code's probe misses
         * those): the TLB's entry when it has one */
        const eng_tlb_entry *e = tlb_ent(m, ENG_ACC_LOAD, va);
        if (e->tag == (va & ~(uint64_t)(PAGE - 1))) {
            memcpy(&val, (const void *)(e->addend + va), n);
            return val;
        }
        xlate_or_raise(v, va, ENG_ACC_LOAD, &x);
        if (x.host) {
            memcpy(&val, x.host, n);
            return val;
        }
        if ((va & (n - 1)) || x.dev->ops->read(x.dev->arg, x.off, n, &val))
            eng_raise(v, ENG_EXIT_LOAD, va);
        return n == 8 ? val : val & ((UINT64_C(1) << (8 * n)) - 1);
    }
    /* across two pages: both translated first, RAM only */
    xl y;
    xlate_or_raise(v, va, ENG_ACC_LOAD, &x);
    if (!x.host)
        eng_raise(v, ENG_EXIT_LOAD, va);
    xlate_or_raise(v, va + n1, ENG_ACC_LOAD, &y);
    if (!y.host)
        eng_raise(v, ENG_EXIT_LOAD, va + n1);
    memcpy(&val, x.host, n1);
    memcpy((uint8_t *)&val + n1, y.host, n - n1);
    return val;
}

void eng_tlb_store_slow(eng_vcpu *v, uint64_t va, unsigned n, uint64_t val)
{
    eng_mmu *m = v->mmu;
    if ((va & (n - 1)) && m->align_mask)
        eng_raise(v, ENG_EXIT_STORE_MISALIGNED, va);
    unsigned n1 = PAGE - (unsigned)(va & (PAGE - 1));
    xl x;
    if (n1 >= n) {
        eng_tlb_entry *e = tlb_ent(m, ENG_ACC_STORE, va);
        if (e->tag == (va & ~(uint64_t)(PAGE - 1))) {
            memcpy((void *)(e->addend + va), &val, n);
            return;
        }
        xlate_or_raise(v, va, ENG_ACC_STORE, &x);
        if (x.host) {
            memcpy(x.host, &val, n);
            return;
        }
        if ((va & (n - 1)) || x.dev->ops->write(x.dev->arg, x.off, n, val))
            eng_raise(v, ENG_EXIT_STORE, va);
        return;
    }
    xl y;
    xlate_or_raise(v, va, ENG_ACC_STORE, &x);
    if (!x.host)
        eng_raise(v, ENG_EXIT_STORE, va);
    xlate_or_raise(v, va + n1, ENG_ACC_STORE, &y);
    if (!y.host)
        eng_raise(v, ENG_EXIT_STORE, va + n1);
    memcpy(x.host, &val, n1);
    memcpy(y.host, (uint8_t *)&val + n1, n - n1);
}

void *eng_tlb_atomic_at(eng_vcpu *v, uint64_t va, unsigned n, int acc)
{
    if (va & (n - 1))
        eng_raise(v, ENG_EXIT_MISALIGNED, va);
    eng_mmu *m = v->mmu;
    const eng_tlb_entry *e = tlb_ent(m, acc, va);
    if (e->tag == (va & ~(uint64_t)(PAGE - 1)))
        return (void *)(e->addend + va);
    xl x;
    xlate_or_raise(v, va, acc, &x);
    if (!x.host)
        eng_raise(v, access_fault(acc), va);    /* no atomics on devices */
    return x.host;
}
