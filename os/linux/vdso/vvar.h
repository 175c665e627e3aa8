/* vvar: the data page vvm maps read-only just below the guest's vDSO
 * ([vvar] in /proc/PID/maps), shared between vvm (os/linux/vdso.c, which
 * fills it) and the vDSO code (os/linux/vdso/vdso.c, which reads it).
 * Every field is one aligned 64-bit word, written with one store and read
 * with one load, so no reader ever sees half an update. */
#ifndef VVM_VVAR_H
#define VVM_VVAR_H

#include <stdint.h>

#define VVM_VVAR_SIZE 4096

struct vvm_vvar {
    /* CLOCK_REALTIME - CLOCK_MONOTONIC and CLOCK_BOOTTIME - CLOCK_MONOTONIC,
     * in nanoseconds, as vvm last measured them */
    int64_t realtime_off;
    int64_t boottime_off;
    /* CLOCK_MONOTONIC nanoseconds after which the offsets may be stale (the
     * host clock may have been set): the vDSO then asks the kernel once,
     * which measures them again */
    uint64_t refresh_after;
};

#endif
