/* sys_todo: system calls listed in syscalls.def that have no implementation
 * yet.  Each returns -ENOSYS, exactly as an unlisted number does; a line is
 * deleted here when its implementation lands elsewhere. */
#include <errno.h>

#include "os/linux/lx.h"

#define TODO(name) LX_SYSCALL(name) { (void)t; (void)a; return -ENOSYS; }

TODO(waitid)
TODO(set_tid_address)
TODO(futex)
TODO(set_robust_list)
TODO(get_robust_list)
TODO(kill)
TODO(tkill)
TODO(tgkill)
TODO(sigaltstack)
TODO(rt_sigsuspend)
TODO(rt_sigaction)
TODO(rt_sigprocmask)
TODO(rt_sigpending)
TODO(rt_sigtimedwait)
TODO(rt_sigreturn)
TODO(getpid)
TODO(getppid)
TODO(gettid)
TODO(clone)
TODO(execve)
TODO(wait4)
TODO(clone3)
