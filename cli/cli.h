/* cli: the subcommands of the vvm command. */
#ifndef VVM_CLI_H
#define VVM_CLI_H
#include <stdio.h>

#include "core/elf.h"
#include "core/joinpoint.h"
#define VVM_VERSION "0.1"
int cmd_disasm(int argc, char **argv);
/* The `vvm disasm` listing of an opened ELF file (cli/disasm.c); name heads
 * it.  Returns 0, or -1 when the file has no section headers. */
int vvm_disasm_listing(const vvm_elf *e, const char *name, FILE *out);
#endif
