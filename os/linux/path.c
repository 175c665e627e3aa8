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

char *lx_path(lx_thread *t, uint64_t guest_path, int *err)
{
    char *s = vvm_strdup_from_guest(lx_as(t), guest_path, 4096, err);
    if (!s)
        return NULL;
    char buf[4096 + 256];
    const char *h = lx_sysroot_path(t->proc, s, buf, sizeof buf);
    if (h != s) {
        char *d = strdup(h);
        free(s);
        if (!d)
            *err = -ENOMEM;
        return d;
    }
    return s;
}
