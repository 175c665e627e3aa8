/* machines: the VMlets built into vvm. */
#ifndef VVM_MACHINES_H
#define VVM_MACHINES_H
#include "core/vmlet.h"
extern const vvm_vmlet vvm_rv64_linux;
#endif
