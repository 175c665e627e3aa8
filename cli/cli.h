/* cli: the subcommands of the vvm command. */
#ifndef VVM_CLI_H
#define VVM_CLI_H
#include <stdio.h>

#include "core/elf.h"
#include "core/joinpoint.h"
#include "core/machine.h"
#define VVM_VERSION "0.1"
int cmd_disasm(int argc, char **argv);
/* The `vvm disasm` listing of an opened ELF file whose code class c reads
 * (cli/disasm.c); name heads it.  Returns 0, or -1 when the file has no
 * section headers. */
int vvm_disasm_listing(const vvm_machine_class *c, const vvm_elf *e, const char *name, FILE *out);
/* `vvm repl`'s line editor and history (cli/repl_edit.c): begin installs
 * them when stdin and stdout are terminals and returns 1, else 0; end saves
 * the history. */
int repl_edit_begin(void);
void repl_edit_end(void);
#endif
