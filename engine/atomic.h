/* engine: atomic memory operations and load-reserved/store-conditional, as
 * every tier runs them (the RTL's amo, load-reserved and store-conditional:
 * engine/rtl_ops.def, docs/isa-format.md).
 *
 * The functions here do the access itself on an aligned host address the
 * memory model has checked (engine/mem_flat.h: AMO, LOAD_RESERVED,
 * STORE_CONDITIONAL for the interpreter's bodies; rtl_eval; the translation
 * tier lowers the same operations inline, with the same host atomics).
 * Every access is a seq_cst host atomic on the guest's own memory, so guest
 * harts on different host threads are atomic with respect to each other,
 * and memory order is at least what any aq/rl combination asks.
 *
 * Before the access (the memory model's part, in this order): a misaligned
 * address raises ENG_EXIT_MISALIGNED with the address as tval; an address
 * outside memory raises ENG_EXIT_LOAD (load-reserved) or ENG_EXIT_STORE
 * (amo, store-conditional).  A host fault in the access (an unmapped or
 * read-only page) is a guest fault through the host fault handler, which
 * classes it by the instruction (engine/mem_flat.c): an instruction that
 * stores (amo, store-conditional) takes a store/AMO fault even where the
 * host saw a read.
 *
 * Reservations (eng_resv, in the vCPU: eng_vcpu.res): load-reserved records
 * (address, value read, size).  store-conditional succeeds (gives 0) only
 * when the reservation is valid, of the same size and address, and a
 * compare-and-swap from the value read to the new value succeeds; otherwise
 * it gives 1.  It always clears the reservation, before the access (a
 * faulting one leaves it cleared).  A store of the same value by another
 * hart between the two is not noticed (the ABA case is allowed, as in
 * QEMU).  Whatever else ends a reservation (a signal delivered or returned
 * from, a context switch) sets size to 0.
 *
 * Values: amo gives the old value zero-extended from its width, and
 * load-reserved the value read, likewise (a 32-bit form's sign extension
 * is the ISA description's: (sext32 (amo add32 ...))).  min/max compare
 * signed, minu/maxu unsigned, at the access width.
 */
#ifndef VVM_ENGINE_ATOMIC_H
#define VVM_ENGINE_ATOMIC_H

#include <stdbool.h>
#include <stdint.h>

/* A hart's reservation: size 0 when it holds none. */
typedef struct eng_resv {
    uint64_t addr, val;
    int size;
} eng_resv;

/* The operations of amo, in the order of its words (engine/rtl_ops.def):
 * word = op for 32 bits, op + ENG_AMO_NOPS for 64. */
enum { ENG_AMO_SWAP, ENG_AMO_ADD, ENG_AMO_XOR, ENG_AMO_AND, ENG_AMO_OR,
       ENG_AMO_MIN, ENG_AMO_MAX, ENG_AMO_MINU, ENG_AMO_MAXU, ENG_AMO_NOPS };
static inline unsigned eng_amo_op(unsigned word) { return word % ENG_AMO_NOPS; }
static inline unsigned eng_amo_size(unsigned word) { return word < ENG_AMO_NOPS ? 4 : 8; }
/* load-reserved's and store-conditional's words: 32, 64 */
static inline unsigned eng_lrsc_size(unsigned word) { return word ? 8 : 4; }

/* min/max by compare-and-swap: keep the old value when keep(old, new) */
#define ENG_AMO_CAS_(T, ST, p, v, keep)                                                        \
    ({                                                                                         \
        T o_ = __atomic_load_n((T *)(p), __ATOMIC_RELAXED), n_ = (T)(v);                       \
        while (!__atomic_compare_exchange_n((T *)(p), &o_, keep((ST)o_, (ST)n_) ? o_ : n_,    \
                                            false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))        \
            ;                                                                                  \
        o_;                                                                                    \
    })
#define ENG_KEEP_MIN_(o, n) ((o) <= (n))
#define ENG_KEEP_MAX_(o, n) ((o) >= (n))

#define ENG_AMO_WIDTH_(T, ST, op, p, v)                                                        \
    do {                                                                                       \
        T *q_ = (T *)(p), x_ = (T)(v);                                                         \
        switch (op) {                                                                          \
        case ENG_AMO_SWAP: return __atomic_exchange_n(q_, x_, __ATOMIC_SEQ_CST);               \
        case ENG_AMO_ADD: return __atomic_fetch_add(q_, x_, __ATOMIC_SEQ_CST);                 \
        case ENG_AMO_XOR: return __atomic_fetch_xor(q_, x_, __ATOMIC_SEQ_CST);                 \
        case ENG_AMO_AND: return __atomic_fetch_and(q_, x_, __ATOMIC_SEQ_CST);                 \
        case ENG_AMO_OR: return __atomic_fetch_or(q_, x_, __ATOMIC_SEQ_CST);                   \
        case ENG_AMO_MIN: return ENG_AMO_CAS_(T, ST, q_, x_, ENG_KEEP_MIN_);                   \
        case ENG_AMO_MAX: return ENG_AMO_CAS_(T, ST, q_, x_, ENG_KEEP_MAX_);                   \
        case ENG_AMO_MINU: return ENG_AMO_CAS_(T, T, q_, x_, ENG_KEEP_MIN_);                   \
        default: return ENG_AMO_CAS_(T, T, q_, x_, ENG_KEEP_MAX_);                             \
        }                                                                                      \
    } while (0)

/* amo WORD on the aligned host address p: the old value, zero-extended */
static inline uint64_t eng_amo(unsigned word, void *p, uint64_t v)
{
    if (eng_amo_size(word) == 4)
        ENG_AMO_WIDTH_(uint32_t, int32_t, eng_amo_op(word), p, v);
    ENG_AMO_WIDTH_(uint64_t, int64_t, eng_amo_op(word), p, v);
}

/* load-reserved of size bytes at guest address a (host address p) */
static inline uint64_t eng_load_reserved(eng_resv *r, unsigned size, const void *p, uint64_t a)
{
    uint64_t v = size == 4 ? __atomic_load_n((const uint32_t *)p, __ATOMIC_SEQ_CST)
                           : __atomic_load_n((const uint64_t *)p, __ATOMIC_SEQ_CST);
    r->addr = a;
    r->val = v;
    r->size = (int)size;
    return v;
}

/* store-conditional of v: 0 when it stored, 1 when not */
static inline uint64_t eng_store_conditional(eng_resv *r, unsigned size, void *p, uint64_t a, uint64_t v)
{
    bool ok = r->size == (int)size && r->addr == a;
    uint64_t expect = r->val;
    r->size = 0;
    if (!ok)
        return 1;
    if (size == 4) {
        uint32_t e32 = (uint32_t)expect;
        return !__atomic_compare_exchange_n((uint32_t *)p, &e32, (uint32_t)v, false, __ATOMIC_SEQ_CST,
                                            __ATOMIC_SEQ_CST);
    }
    return !__atomic_compare_exchange_n((uint64_t *)p, &expect, v, false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
}

#endif
