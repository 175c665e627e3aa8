/* machines: the VMlets built into vvm. */
#ifndef VVM_MACHINES_H
#define VVM_MACHINES_H
#include "core/vmlet.h"
extern const vvm_vmlet vvm_rv64_linux;
extern const vvm_vmlet vvm_meta_vmlet;
extern const vvm_vmlet vvm_rv64_virt;
/* vvm repl [FILE...]: the meta language's read-eval-print loop (the meta
 * class's repl). */
int vvm_meta_repl(int argc, char **argv);
#endif
