/* procfs: what a guest sees of its own process under /proc.
 *
 * Guest paths pass to the host, so a guest can name vvm's own /proc entries
 * in endless ways (/proc/self//maps, task/TID, thread-self, symbolic links,
 * `..`, directory descriptors, /dev/fd, .../root/proc/...).  The decision is
 * therefore taken on the file actually opened: the host opens the guest's
 * path, and when the descriptor is on procfs and names an entry of this
 * process (any of its threads), it is replaced by the guest's view (maps,
 * smaps, smaps_rollup, numa_maps, auxv, cmdline, environ, stat, status,
 * statm, mem, exe) or refused with EACCES (pagemap, syscall, stack,
 * map_files, clear_refs).  Another process's entries that show its memory
 * or its addresses (mem, maps, smaps, smaps_rollup, numa_maps, auxv and the
 * refused ones) are refused too: it may be another vvm (a forked guest runs
 * in one), whose host memory a guest must neither write nor locate.  ptrace, kcmp and
 * process_vm_readv/writev are not offered to guests at all (ENOSYS).
 * (vvm stays dumpable: a non-dumpable process's /proc entries belong to
 * root, and a guest could no longer write its own comm, uid_map or
 * oom_score_adj.  Native programs a guest runs are host code with the
 * user's rights; they are outside this.)
 */
#ifndef VVM_LX_PROCFS_H
#define VVM_LX_PROCFS_H

#include <stdint.h>
#include <sys/types.h>

#include "os/linux/lx.h"

/* Once per vvm process, before the guest runs: notes vvm's own program
 * file and names the host process after the guest program (comm). */
void lx_proc_init(lx_process *p);

/* After the host opened the guest's path (dirfd, path as given to the host,
 * the guest's flags) with result r (a descriptor or -errno): the descriptor
 * the guest gets, or -errno.  Closes r when it substitutes it. */
int64_t lx_proc_opened(lx_thread *t, int dirfd, const char *path, int flags, int64_t r);

/* When the host path (dirfd, path) led to the file (dev, ino) and that is
 * vvm's own program reached through this process's /proc/PID/exe (its last
 * symbolic links followed): the guest program's host path; else NULL. */
const char *lx_proc_exe(lx_thread *t, dev_t dev, ino_t ino, int dirfd, const char *path);

/* readlinkat for a host path: when the link is this process's exe, writes
 * the guest program's path to the guest buffer gbuf (n bytes, copied
 * fault-safely) and returns its length; when it is a descriptor link to a
 * substituted entry, the /proc name Linux would give; otherwise what the
 * host's readlinkat gives.  Returns the length or -errno. */
int64_t lx_proc_readlink(lx_thread *t, int dirfd, const char *path, uint64_t gbuf, size_t n);

/* dup, dup3, F_DUPFD: descriptor to (or -errno) is a copy of from;
 * returns to. */
int64_t lx_proc_dup(int from, int64_t to);
/* Nonzero if guest descriptor fd is one of the guest's /proc/PID/mem. */
int lx_proc_is_mem(int fd);
/* When fn is a read or write call (read, write, pread64, pwrite64, readv,
 * writev, preadv, pwritev, preadv2, pwritev2) and its descriptor one of the
 * guest's /proc/PID/mem: does it on guest memory, sets *ret and returns 1;
 * else returns 0. */
int lx_proc_mem_call(lx_thread *t, lx_syscall_fn fn, const uint64_t *a, int64_t *ret);

#endif
