/* sys_file: files and descriptors.  Guest descriptors are host descriptors. */
#include <errno.h>
#include <unistd.h>

#include "os/linux/lx.h"

LX_SYSCALL(write)
{
    const void *buf = lx_guest_ptr(t, a[1], a[2], VVM_PROT_R);
    if (!buf)
        return -EFAULT;
    ssize_t n = write((int)a[0], buf, a[2]);
    return n < 0 ? -errno : n;
}

LX_SYSCALL(read)
{
    void *buf = lx_guest_ptr(t, a[1], a[2], VVM_PROT_W);
    if (!buf)
        return -EFAULT;
    ssize_t n = read((int)a[0], buf, a[2]);
    return n < 0 ? -errno : n;
}
