/* rv_loop: RISC-V's interpreter loop, as a template compiled once per
 * memory model: the bodies' register access (X, F, NaN-boxing), the trap
 * mapping, and the engine's loop (engine/interp_loop.h) with the bodies
 * generated into rv_interp.inc.  Included by rv_interp.c (after
 * engine/mem_flat.h) and rv_interp_tlb.c (after engine/mem_tlb.h), each of
 * which gets its own static eng_interp_run.
 */

#define X(r) (cpu->x[(r)])
#define WX(r, v) (cpu->x[(r)] = (v))
#define F(r) (cpu->f[(r)])
#define WF(r, v) (cpu->f[(r)] = (v))
#define F32(r) ((cpu->f[(r)] >> 32) == 0xffffffffu ? (uint64_t)(uint32_t)cpu->f[(r)] : UINT64_C(0x7fc00000))
#define WF32(r, v) (cpu->f[(r)] = UINT64_C(0xffffffff00000000) | (uint32_t)(v))
#define IMM ((uint64_t)(int64_t)I->imm)

/* An ecall retires (the system call is its effect; the kernel resumes after
 * it); any other trap leaves its instruction unretired, as eng_raise does. */
#define TRAP(why) \
    do { \
        if ((why) != RV_EXIT_ECALL) { \
            SYNC(); \
            rv_raise(cpu, why, 0); \
        } \
        cpu->pc = PC; \
        cpu->exit = (why); \
        cpu->tval = 0; \
        goto leave; \
    } while (0)

#define ENG_CPU rv_cpu
#define ENG_LABELS_INC "rv_labels.inc"
#define ENG_FUSE_LIST RV_FUSE_LIST
#define ENG_BODIES_INC "rv_interp.inc"
#include "engine/interp_loop.h"

