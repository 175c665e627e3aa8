/* rv_disasm: RISC-V disassembly in objdump's syntax (binutils 2.40,
 * `objdump -d`): the same mnemonics and pseudo-instructions, ABI register
 * names, CSR names, rounding modes and fence sets.  The listing around it
 * (addresses, bytes, symbols) is cli/disasm.c's. */
#ifndef VVM_RV_DISASM_H
#define VVM_RV_DISASM_H

#include <stddef.h>
#include <stdint.h>

/* What rv_disasm_ex tells its caller besides the text. */
typedef struct rv_dis_info {
    int len;            /* bytes of the instruction (2 or 4), 0 if it does not decode */
    int has_target;     /* the last operand is a code address (branch/jump target) */
    uint64_t target;
} rv_dis_info;

/* Disassembles the instruction `raw` at pc into buf ("mnemonic\toperands",
 * operand addresses in hex without 0x as objdump prints them).  Returns the
 * length (2 or 4) or 0 for an encoding that does not decode (buf is then
 * empty).  info may be NULL.  Two illegal 16-bit words print as objdump
 * names them (length 2): 0x0000 "unimp" and 0x6101 "add sp,sp,0". */
int rv_disasm_ex(uint64_t pc, uint32_t raw, char *buf, size_t n, rv_dis_info *info);

/* objdump's name of a CSR, or NULL when it has none (it prints 0x%x then).
 * A numbered name (hpmcounter5) lives in a per-thread buffer until the next
 * call. */
const char *rv_csr_name(unsigned csr);

#endif
