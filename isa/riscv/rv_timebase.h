/* rv_timebase: what the time CSR (rdtime) counts.  It is the host's
 * CLOCK_MONOTONIC in units of 1/RV_TIME_HZ seconds; at 1 GHz that is
 * nanoseconds, so the guest's vDSO (os/linux/vdso) turns it into a
 * struct timespec exactly and agrees with clock_gettime to the nanosecond. */
#ifndef VVM_RV_TIMEBASE_H
#define VVM_RV_TIMEBASE_H

#define RV_TIME_HZ 1000000000ULL
/* nanoseconds per tick: RV_TIME_HZ divides 10^9 */
#define RV_TIME_NS_PER_TICK (1000000000ULL / RV_TIME_HZ)
_Static_assert(1000000000ULL % RV_TIME_HZ == 0, "the timebase divides one second into whole nanoseconds");

#endif
