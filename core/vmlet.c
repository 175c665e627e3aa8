/* vmlet: the VMlet registry (see vmlet.h). */
#include "core/vmlet.h"

#include "core/machine.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_VMLETS 32
static const vvm_vmlet *vmlets[MAX_VMLETS];
static int nvmlets;

int vvm_vmlet_register(const vvm_vmlet *v)
{
    if (!v || v->abi != VVM_ABI_VERSION || !v->name || !v->cls || !v->cls->create)
        return -EINVAL;
    if (vvm_vmlet_find(v->name))
        return -EEXIST;
    if (nvmlets >= MAX_VMLETS)
        return -ENOSPC;
    vmlets[nvmlets++] = v;
    return 0;
}

const vvm_vmlet *vvm_vmlet_find(const char *name)
{
    for (int i = 0; i < nvmlets; i++)
        if (!strcmp(vmlets[i]->name, name))
            return vmlets[i];
    return NULL;
}

void vvm_vmlet_each(void (*fn)(const vvm_vmlet *v, void *arg), void *arg)
{
    for (int i = 0; i < nvmlets; i++)
        fn(vmlets[i], arg);
}

const vvm_vmlet *vvm_vmlet_for_file(const char *path, char *err, size_t errlen)
{
    /* O_NONBLOCK: a FIFO or a device must not keep vvm waiting in open */
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
    if (fd < 0) {
        snprintf(err, errlen, "%s", strerror(errno));
        return NULL;
    }
    struct stat st;
    if (fstat(fd, &st) == 0 && !S_ISREG(st.st_mode)) {
        close(fd);
        snprintf(err, errlen, "%s", S_ISDIR(st.st_mode) ? "is a directory" : "not a regular file");
        return NULL;
    }
    uint8_t head[256];
    ssize_t n = read(fd, head, sizeof head);
    close(fd);
    if (n < 0) {
        snprintf(err, errlen, "%s", strerror(errno));
        return NULL;
    }
    const vvm_vmlet *best = NULL;
    int score = 0;
    for (int i = 0; i < nvmlets; i++) {
        if (!vmlets[i]->probe)
            continue;
        int s = vmlets[i]->probe(head, (size_t)n, path);
        if (s > score) {
            score = s;
            best = vmlets[i];
        }
    }
    if (!best) {
        if (n >= 20 && !memcmp(head, "\177ELF", 4)) {
            unsigned m = head[18] | head[19] << 8;
            snprintf(err, errlen, "not a RISC-V program: an ELF file for machine %u%s", m,
                     m == 62 ? " (x86-64): run it directly" : "");
        } else if (n < 4 && n >= 0) {
            snprintf(err, errlen, "%s", n == 0 ? "empty file: not a program vvm can run" : "truncated file: not a program vvm can run");
        } else {
            snprintf(err, errlen, "not a program vvm can run (no VMlet recognises it)");
        }
    }
    return best;
}
