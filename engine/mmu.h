/* engine: the soft-TLB memory model (the system VM's), and the translation
 * context the privileged ISA's code sets (the hot side, what the
 * interpreter's bodies call, is engine/mem_tlb.h).
 *
 * Guest physical memory (eng_phys) is RAM regions, each one block of host
 * memory, plus an MMIO bus of ranges with read and write callbacks; a
 * physical address in neither is an access fault.  Several vCPUs (harts)
 * share one eng_phys.
 *
 * Each vCPU of this model has an eng_mmu: its translation context (satp:
 * mode Bare/Sv39/Sv48/Sv57, ASID, root page; the effective privilege of
 * loads and stores and that of fetches; SUM; MXR) and a soft TLB per access
 * kind (fetch, load, store), ENG_TLB_SIZE entries each, direct-mapped by
 * the virtual page number.  An entry maps one 4 KiB virtual page of RAM to
 * host memory: tag = the page's virtual address, and host = addend + va.
 * MMIO pages are never entered (every access to them takes the slow path),
 * nor are pages a store would need to notice (code was decoded from them,
 * or their PTE's D bit is clear under the Svade behaviour).
 *
 * The tag is the virtual page alone: the TLBs hold the translations of the
 * current context only, and every change of context (satp with its ASID,
 * the privileges, SUM, MXR) flushes what it affects.  ASID tags would let a
 * context switch keep entries; flushing is simpler and is always allowed.
 * sfence.vma for another ASID then has nothing to flush.
 *
 * A miss walks the page table (Sv39/48/57, privileged spec 1.12 section
 * 4.3.2: engine/mem_tlb.c) and fills the entry; a fault raises
 *   ENG_EXIT_FETCH_PAGE, ENG_EXIT_LOAD_PAGE, ENG_EXIT_STORE_PAGE (tval: the
 *   virtual address), or ENG_EXIT_FETCH, ENG_EXIT_LOAD, ENG_EXIT_STORE
 *   (access faults: a PTE or the data outside RAM and MMIO, an MMIO
 *   callback refusing, an atomic on MMIO; tval: the virtual address),
 *   ENG_EXIT_LOAD_MISALIGNED, ENG_EXIT_STORE_MISALIGNED (tval: the address)
 *   when the vCPU traps misaligned accesses (eng_mmu_set_misaligned).
 * An access crossing a page takes the slow path: both pages are translated
 * (a fault on the second gives its first byte as tval) before any byte is
 * written.
 *
 * The interpreter template (engine/interp_loop.h) is compiled once per
 * memory model: an ISA's second translation unit includes this header
 * instead of engine/mem_flat.h (isa/riscv/rv_interp_tlb.c) and the ISA's
 * run entry picks the loop by eng_vcpu.mem_model.
 *
 * Decoded blocks (and their translations) survive changes of address
 * space, as qemu's do: a block is looked up by virtual pc and the vCPU's
 * fetch key (eng_vcpu.fkey), and records where its bytes came from (the
 * physical ranges, eng_block.code_lo/hi) and the bytes themselves.  The
 * key is 0 while fetches are untranslated (M mode, Bare) and otherwise
 * says the fetch privilege (S or U); in all cases it holds a generation
 * that a satp write, every sfence.vma (of this ASID) and fence.i advance.
 * A block runs only while its key is the vCPU's: every way into a block
 * checks it (the loop's dispatch and its chaining, the translated code's
 * chain entry, which links and both jump caches reach), and a block whose
 * key is not is checked again before it runs (eng_tlb_find_block: each of
 * its pages translated for a fetch now, at the fetch privilege, to the
 * physical page it came from, and its bytes there unchanged), then gets
 * the new key; one that fails is looked past (decoded again), and one
 * whose bytes changed is never entered again.  So a change of privilege
 * or of address space runs no stale code and drops nothing: returning to
 * a privilege or an address space finds its blocks (the kernel's blocks,
 * under every process), checked once per generation as they are reached.
 *
 * Code pages are tracked physically: decoding marks each RAM page the code
 * came from and flushes the vCPU's store TLB; a store to a marked page
 * takes the slow path, which announces the invalidation of the blocks
 * decoded from it (their physical ranges, at whatever virtual address) in
 * the harts' shared log and clears the mark.  Code written otherwise
 * (another hart's store through a store TLB entry older than the mark, a
 * device, the host) is caught by the byte comparison after the fence.i
 * the ISA requires before running modified code.
 */
#ifndef VVM_ENGINE_MMU_H
#define VVM_ENGINE_MMU_H

#include <string.h>

#include "engine/engine.h"

/* ---- guest physical memory ---- */

/* An MMIO device's callbacks: off from the range's base, size 1, 2, 4 or
 * 8 (an access is never split for a device: a misaligned one is an access
 * fault).  Return 0, or nonzero for an access fault. */
typedef struct eng_mmio_ops {
    int (*read)(void *arg, uint64_t off, unsigned size, uint64_t *val);
    int (*write)(void *arg, uint64_t off, unsigned size, uint64_t val);
} eng_mmio_ops;

typedef struct eng_phys eng_phys;
/* inval: the invalidation log the harts on it share (NULL: one of its own). */
eng_phys *eng_phys_new(eng_inval *inval);
void eng_phys_free(eng_phys *p);
/* RAM at [base, base + size) (4 KiB aligned); host NULL: zeroed memory
 * the eng_phys allocates and frees.  Returns the host address, or NULL
 * (overlap, misalignment, out of memory, too many regions). */
void *eng_phys_add_ram(eng_phys *p, uint64_t base, uint64_t size, void *host);
/* A device at [base, base + size).  Returns 0 or -1. */
int eng_phys_add_mmio(eng_phys *p, uint64_t base, uint64_t size, const eng_mmio_ops *ops, void *arg);
/* The host address of n bytes of RAM at physical pa, or NULL. */
void *eng_phys_host(eng_phys *p, uint64_t pa, uint64_t n);
/* Something other than a hart's store (a device's DMA, the host) wrote n
 * bytes of RAM at pa: the blocks decoded from those pages go, as a hart's
 * store to them would make them go (announced in the invalidation log,
 * applied by each hart at its next fence.i or sooner).  Whoever writes
 * guest RAM through eng_phys_host calls it. */
void eng_phys_written(eng_phys *p, uint64_t pa, uint64_t n);

/* ---- the per-vCPU context (what the privileged ISA's code calls) ---- */

enum { ENG_ACC_FETCH = 0, ENG_ACC_LOAD = 1, ENG_ACC_STORE = 2 };
enum { ENG_PRIV_U = 0, ENG_PRIV_S = 1, ENG_PRIV_M = 3 };
enum { ENG_SATP_BARE = 0, ENG_SATP_SV39 = 8, ENG_SATP_SV48 = 9, ENG_SATP_SV57 = 10 };

#define ENG_TLB_BITS 12
#define ENG_TLB_SIZE (1u << ENG_TLB_BITS)
/* How many fills of a TLB since its last clear are remembered, so that the
 * clear writes those entries only (most clears, a trap's change of
 * privilege or an sfence.vma, follow a few dozen fills); beyond it a clear
 * writes the whole TLB. */
#define ENG_TLB_TRACK 128
#define ENG_CODE_VPN_BITS 12
#define ENG_TLB_EMPTY UINT64_MAX     /* a tag no lookup compares equal to */

typedef struct eng_tlb_entry {
    uint64_t tag;           /* virtual address of the page; ENG_TLB_EMPTY */
    uintptr_t addend;       /* host address = addend + virtual address */
} eng_tlb_entry;

typedef struct eng_mmu {
    /* Two sets of TLBs: set 0 serves U mode, set 1 S and M (M's accesses
     * are untranslated: a switch between S and M clears set 1).  A trap
     * from U to S and the sret back switch sets and clear nothing: each
     * set's entries were checked with its privilege.  By set, ENG_ACC_*,
     * then VPN mod size. */
    eng_tlb_entry tlb[2][3][ENG_TLB_SIZE];
    /* the set of the data privilege: what loads and stores probe (the
     * translated code keeps it in a host register) */
    eng_tlb_entry (*cur)[ENG_TLB_SIZE];
    /* per TLB: the indices filled since its last clear (nfilled of them, up
     * to ENG_TLB_TRACK; more: unknown, ENG_TLB_TRACK + 1); and the indices
     * filled from superpages (an sfence.vma of one address drops them all,
     * since the superpage's other pieces may sit anywhere) */
    uint16_t filled[2][3][ENG_TLB_TRACK], super[2][3][ENG_TLB_TRACK];
    uint16_t nfilled[2][3], nsuper[2][3];
    uint64_t align_mask;    /* 0: misaligned accesses work; ~0: they trap */
    eng_phys *phys;
    uint64_t satp;
    unsigned mode, levels;  /* ENG_SATP_*; page-table levels (0: bare) */
    uint64_t root;          /* physical address of the root table */
    uint16_t asid;
    uint8_t priv_data, priv_fetch;  /* ENG_PRIV_*: loads/stores, fetches */
    uint8_t sum, mxr;
    uint8_t ad_fault;       /* 1: a clear A (or D on a store) faults (Svade); 0: set by the walk */
    uint64_t gen;           /* the generation of code and translations (eng_vcpu.fkey) */
    /* The virtual pages holding code of blocks keyed with this generation,
     * hashed into a bit set (ENG_CODE_VPN_BITS bits; a collision only
     * costs a generation): an sfence.vma of one address on no page of it
     * changes no block's translation, and keeps the generation. */
    uint64_t code_vpn[(1u << ENG_CODE_VPN_BITS) / 64];
    int code_keyed;         /* some block has this generation's key */
    /* statistics: walks, TLB fills, generations (satp changes,
     * sfence.vma, fence.i), blocks checked again under a new key, blocks
     * found changed in memory */
    uint64_t walks, fills, gens, revalidations, stale;
} eng_mmu;

/* Puts v (eng_vcpu_init'ed, not running) on the TLB model over p: satp
 * Bare, privilege S for both, SUM and MXR 0, A/D set by the walk, misaligned
 * accesses working (as the flat model's).  Returns 0 or -1. */
int eng_vcpu_use_tlb(eng_vcpu *v, eng_phys *p);
/* A debugger's breakpoints: hook sees the bytes of every fetch a hart on
 * p decodes code from (virtual address a, n bytes at buf) and may change
 * them (an ebreak where a breakpoint is).  Blocks decoded before stay: the
 * caller drops them (eng_phys_written on the RAM).  hook NULL: none. */
void eng_phys_fetch_hook(eng_phys *p, void (*hook)(void *ctx, uint64_t a, uint8_t *buf, unsigned n), void *ctx);
/* A vCPU on p goes (eng_vcpu_fini, before p is freed): p counts the
 * vCPUs on it, since a machine of one hart may skip what several need. */
void eng_phys_leave(eng_phys *p);

/* satp as RV64 lays it out (MODE 63:60, ASID 59:44, PPN 43:0).  Returns -1
 * (nothing changed) for a mode not supported (the CSR keeps its old value,
 * WARL); 0 else.  Any change flushes the TLBs and drops the vCPU's blocks. */
int eng_mmu_set_satp(eng_vcpu *v, uint64_t satp);
/* The effective privileges: data (loads, stores: MPRV's effect is the
 * caller's to work out) and fetch.  ENG_PRIV_M means no translation. */
void eng_mmu_set_priv(eng_vcpu *v, unsigned data_priv, unsigned fetch_priv);
/* mstatus/sstatus.SUM and MXR. */
void eng_mmu_set_status(eng_vcpu *v, int sum, int mxr);
/* sfence.vma: has_va (rs1 != x0) with va, has_asid (rs2 != x0) with asid. */
void eng_mmu_sfence_vma(eng_vcpu *v, int has_va, uint64_t va, int has_asid, unsigned asid);
/* Options of the machine: trap misaligned loads and stores (else they
 * work, split at page boundaries); fault on clear A/D bits (Svade) instead
 * of setting them (the default). */
void eng_mmu_set_misaligned(eng_vcpu *v, int trap);
void eng_mmu_set_ad_fault(eng_vcpu *v, int fault);
/* fence.i: no block whose bytes in memory changed runs again (each is
 * compared with memory before it next runs; code written through the TLBs
 * is dropped at the next block boundary). */
void eng_mmu_fence_i(eng_vcpu *v);
/* Empties every TLB of v (the other changes call it). */
void eng_mmu_flush_tlb(eng_vcpu *v);

/* Translates va for an access of kind acc as the vCPU would (no fault
 * raised): returns ENG_EXIT_NONE with *pa, or the fault's exit kind.  May
 * set A/D bits.  For debuggers and tests. */
eng_exit eng_mmu_translate(eng_vcpu *v, uint64_t va, int acc, uint64_t *pa);

/* ---- the model's cold side ---- */

extern const eng_mem_ops eng_mem_tlb;

/* Slow paths: a miss, MMIO, a page crossing, a misaligned trap; raise the
 * guest's fault (eng_raise) with the vCPU's current slot. */
uint64_t eng_tlb_load_slow(eng_vcpu *v, uint64_t va, unsigned n);
void eng_tlb_store_slow(eng_vcpu *v, uint64_t va, unsigned n, uint64_t val);
/* The host address of an aligned atomic access of n bytes (RAM only; a
 * misaligned one raises ENG_EXIT_MISALIGNED as the flat model's atomics do,
 * MMIO an access fault of kind acc). */
void *eng_tlb_atomic_at(eng_vcpu *v, uint64_t va, unsigned n, int acc);
/* Drops what eng_vcpu.mem_stale says is stale (the loop, at a block boundary). */
void eng_tlb_refresh_blocks(eng_vcpu *v);
/* With VVM_JIT_STATS set in the environment: prints the TLB statistics
 * of the n vCPUs v[0..n) (summed) on stderr. */
void eng_tlb_report(eng_vcpu *const *v, unsigned n);
/* The key of a block found changed in memory: never entered again. */
#define ENG_KEY_DEAD UINT64_MAX
/* The block the vCPU runs at pc now (its key the vCPU's fetch key), or NULL
 * (the loop decodes one). */
eng_block *eng_tlb_find_block(eng_vcpu *v, uint64_t pc);
/* Block b, whose key is not v's: when it is still what its pc fetches,
 * it gets v's key and 1 is returned (translated code asks at a chain
 * entry, so that a new generation costs no trip through the loop); else 0. */
int eng_tlb_rekey(eng_vcpu *v, eng_block *b);


#endif
