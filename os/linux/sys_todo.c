/* sys_todo: system calls listed in syscalls.def that have no implementation
 * yet.  Each returns -ENOSYS, exactly as an unlisted number does; a line is
 * deleted here when its implementation lands elsewhere. */
#include <errno.h>

#include "os/linux/lx.h"

#define TODO(name) LX_SYSCALL(name) { (void)t; (void)a; return -ENOSYS; }

