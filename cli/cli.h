/* cli: the subcommands of the vvm command. */
#ifndef VVM_CLI_H
#define VVM_CLI_H
#include "core/joinpoint.h"
#define VVM_VERSION "0.1"
int cmd_disasm(int argc, char **argv);
#endif
