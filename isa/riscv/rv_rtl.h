/* rv_rtl: the RISC-V instructions' semantics as runtime RTL (engine/rtl.h),
 * generated from isa/riscv/NAME.isa into rv_rtl.inc (included by rv_interp.c,
 * where the helpers the thunks call are).  rv_rtl.op_root is indexed by the
 * RV_OP_ numbers, rv_rtl.fuse_root by the rows of RV_FUSE_LIST. */
#ifndef VVM_RV_RTL_H
#define VVM_RV_RTL_H

#include "engine/rtl.h"

extern const rtl_isa rv_rtl;

#endif
