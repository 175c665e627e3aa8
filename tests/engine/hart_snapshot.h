/* hart_snapshot: a RISC-V hart's architectural state as plain data, put
 * into a hart and taken back out of it, for the tests that run one piece of
 * code two ways and compare (tests/jit/lockstep.h: the interpreter against
 * the translation tier; tests/engine/rtl_diff.h: the interpreter against
 * the RTL evaluator).
 *
 * A test's own state embeds the fields with HART_SNAPSHOT_EMBED, so that
 * they keep their names (s->x[5], s->pc) and the whole is s->hart for the
 * functions below, and adds its data area. */
#ifndef VVM_TESTS_HART_SNAPSHOT_H
#define VVM_TESTS_HART_SNAPSHOT_H

#include <stdint.h>
#include <string.h>

#include "core/aspace.h"
#include "isa/riscv/rv_cpu.h"
#include "isa/riscv/rv_fp.h"

#define HART_SNAPSHOT_FIELDS \
    uint64_t x[32], f[32]; \
    uint32_t fflags, frm; \
    uint64_t pc, instret; \
    rv_exit exit; \
    uint64_t tval; \
    uint64_t res_addr, res_val; \
    int res_valid; \
    int interrupt;      /* the hart was asked to leave its loop (fence.i) */

typedef struct hart_snapshot { HART_SNAPSHOT_FIELDS } hart_snapshot;

#define HART_SNAPSHOT_EMBED \
    union { \
        hart_snapshot hart; \
        struct { HART_SNAPSHOT_FIELDS }; \
    }

/* The fields copied as they are, both ways. */
#define HART_SNAPSHOT_SAME(X) X(frm) X(pc) X(instret)
#define HART_TO_CPU(f) cpu->f = s->f;
#define HART_FROM_CPU(f) s->f = cpu->f;

/* Puts s into cpu, ready to run: x0 and the x0 sink zero, no exit, no
 * interrupt, no budget. */
static inline void hart_put(rv_cpu *cpu, const hart_snapshot *s)
{
    memcpy(cpu->x, s->x, sizeof s->x);
    cpu->x[0] = cpu->x[RV_SINK] = 0;
    memcpy(cpu->f, s->f, sizeof s->f);
    rv_fp_set_fflags(cpu, s->fflags);
    HART_SNAPSHOT_SAME(HART_TO_CPU)
    cpu->res.addr = s->res_addr;   /* the engine's reservation (eng_vcpu.res) */
    cpu->res.val = s->res_val;
    cpu->res.size = s->res_valid;
    cpu->exit = RV_EXIT_NONE;
    cpu->tval = 0;
    cpu->interrupt = 0;
    cpu->budget = -1;
}

/* Takes cpu's state into s (x0 as the hart holds it), and len bytes of
 * guest memory at addr into data. */
static inline void hart_get(rv_cpu *cpu, hart_snapshot *s, vvm_aspace *as, uint64_t addr, uint8_t *data, size_t len)
{
    rv_fp_leave(cpu);
    memcpy(s->x, cpu->x, sizeof s->x);
    memcpy(s->f, cpu->f, sizeof s->f);
    s->fflags = rv_fp_get_fflags(cpu);
    HART_SNAPSHOT_SAME(HART_FROM_CPU)
    s->res_addr = cpu->res.addr;
    s->res_val = cpu->res.val;
    s->res_valid = cpu->res.size;
    s->exit = cpu->exit;
    s->tval = cpu->tval;
    s->interrupt = cpu->interrupt;
    vvm_aspace_peek(as, addr, data, len);
}

#undef HART_TO_CPU
#undef HART_FROM_CPU

#endif
