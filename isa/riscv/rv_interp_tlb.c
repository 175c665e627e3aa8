/* rv_interp_tlb: RISC-V's interpreter loop over the soft-TLB memory model
 * (engine/mem_tlb.h): the same template as rv_interp.c's (rv_loop.h),
 * compiled a second time with the TLB model's loads and stores.  rv_run
 * picks it for a hart whose mem_model is ENG_MEM_TLB. */
#include <stdlib.h>
#include <string.h>

#include "engine/mem_tlb.h"
#include "isa/riscv/rv_alu.h"
#include "isa/riscv/rv_cpu.h"
#include "rv_gen.h"
#include "isa/riscv/rv_fp.h"
#include "engine/rtl_fp.h"
#include "isa/riscv/rv_rtl.h"

#include "isa/riscv/rv_loop.h"

rv_exit rv_interp_run_tlb(rv_cpu *cpu) { return eng_interp_run(cpu); }
