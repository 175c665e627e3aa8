/* path: guest paths to host paths.  With a sysroot (-L/--sysroot), an
 * absolute guest path that exists under the sysroot means that file, as with
 * qemu-user; anything else is the host's own path. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "os/linux/lx.h"

const char *lx_sysroot_path(lx_process *p, const char *path, char *buf, size_t n)
{
    const char *root = p->opt.sysroot;
    if (!root || !*root || path[0] != '/')
        return path;
    struct stat st;
    if ((size_t)snprintf(buf, n, "%s%s", root, path) >= n)
        return path;
    if (lstat(buf, &st) == 0)
        return buf;
    return path;
}
