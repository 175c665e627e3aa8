/* sys_misc: identity, limits, scheduling, system information and the
 * riscv-specific hwprobe.  Mostly pass-through: struct utsname, rlimit,
 * rusage, sysinfo, tms and the resource/prctl numbers are the same on both
 * ABIs.  What the guest must not change in vvm itself is emulated:
 * RLIMIT_AS/DATA/STACK (vvm's own reservation of the guest space would
 * break under a small RLIMIT_AS) and seccomp. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/sysinfo.h>
#include <sys/times.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "os/linux/lx_sys.h"

/* ---- identity ---- */

LX_SYSCALL(getuid) { (void)t; (void)a; return getuid(); }
LX_SYSCALL(geteuid) { (void)t; (void)a; return geteuid(); }
LX_SYSCALL(getgid) { (void)t; (void)a; return getgid(); }
LX_SYSCALL(getegid) { (void)t; (void)a; return getegid(); }

LX_SYSCALL(setuid)
{
    /* one thread's credentials: the guest's libc broadcasts to its threads */
    (void)t;
    return lx_host(syscall(SYS_setuid, (uid_t)a[0]));
}

/* getresuid/getresgid: the three 32-bit ids to the guest pointers a[0..2] */
static int64_t put_res_ids(lx_thread *t, const uint64_t *a, const uint32_t id[3])
{
    for (int i = 0; i < 3; i++)
        if (vvm_copy_to_guest(lx_as(t), a[i], &id[i], 4) < 0)
            return -EFAULT;
    return 0;
}

LX_SYSCALL(getresuid)
{
    uid_t id[3];
    if (getresuid(&id[0], &id[1], &id[2]) < 0)
        return -errno;
    return put_res_ids(t, a, id);
}

LX_SYSCALL(getresgid)
{
    gid_t id[3];
    if (getresgid(&id[0], &id[1], &id[2]) < 0)
        return -errno;
    return put_res_ids(t, a, id);
}

LX_SYSCALL(getgroups)
{
    int n = (int)a[0];
    if (n < 0)
        return -EINVAL;
    int bad = 0;
    void *list = n ? lx_gptr_opt(t, a[1], (uint64_t)n * sizeof(gid_t), VVM_PROT_W, &bad) : NULL;
    if (bad || (n && !list))
        return -EFAULT;
    return lx_host(syscall(SYS_getgroups, n, list));
}

LX_SYSCALL(setpgid) { (void)t; return lx_host(setpgid((pid_t)a[0], (pid_t)a[1])); }
LX_SYSCALL(getpgid) { (void)t; return lx_host(getpgid((pid_t)a[0])); }
LX_SYSCALL(getsid) { (void)t; return lx_host(getsid((pid_t)a[0])); }
LX_SYSCALL(setsid) { (void)t; (void)a; return lx_host(setsid()); }

/* ---- system information ---- */

LX_SYSCALL(uname)
{
    struct utsname u;
    if (uname(&u) < 0)
        return -errno;
    memset(u.machine, 0, sizeof u.machine);
    strcpy(u.machine, "riscv64");
    return vvm_copy_to_guest(lx_as(t), a[0], &u, sizeof u);
}

LX_SYSCALL(sysinfo)
{
    void *si = lx_guest_ptr(t, a[0], sizeof(struct sysinfo), VVM_PROT_W);
    if (!si)
        return -EFAULT;
    return lx_host(syscall(SYS_sysinfo, si));
}

LX_SYSCALL(times)
{
    int bad = 0;
    void *tb = lx_gptr_opt(t, a[0], sizeof(struct tms), VVM_PROT_W, &bad);
    if (bad)
        return -EFAULT;
    return lx_host(syscall(SYS_times, tb));
}

LX_SYSCALL(getrusage)
{
    void *ru = lx_guest_ptr(t, a[1], sizeof(struct rusage), VVM_PROT_W);
    if (!ru)
        return -EFAULT;
    return lx_host(syscall(SYS_getrusage, (int)a[0], ru));
}

LX_SYSCALL(getrandom)
{
    void *buf = lx_guest_buf(t, a[0], a[1], VVM_PROT_W);
    if (!buf)
        return -EFAULT;
    return lx_host(syscall(SYS_getrandom, buf, (size_t)a[1], (unsigned)a[2]));
}

/* ---- resource limits ---- */

/* The guest's view of a limit (struct rlimit64). */
typedef struct rv_rlimit {
    uint64_t cur, max;
} rv_rlimit;

/* The limits kept for the guest instead of the host (vvm's reservation
 * would break under them): p->rlim, one set per guest process. */

/* The emulated resources, in the order --rlimits gives them. */
static const int rlim_kept[] = {RLIMIT_AS, RLIMIT_DATA, RLIMIT_STACK};
#define NKEPT (sizeof rlim_kept / sizeof rlim_kept[0])

static int rlim_emulated(int res)
{
    for (size_t i = 0; i < NKEPT; i++)
        if (rlim_kept[i] == res)
            return 1;
    return 0;
}

/* An emulated limit, taken from the host's on first use; p->rlim_lock held. */
static lx_rlimit *rlim_slot(lx_process *p, int res)
{
    lx_rlimit *l = &p->rlim[res];
    if (!l->set) {
        struct rlimit h;
        if (getrlimit(res, &h) == 0) {
            l->cur = h.rlim_cur;
            l->max = h.rlim_max;
        } else {
            l->cur = l->max = RLIM_INFINITY;
        }
        l->set = 1;
    }
    return l;
}

uint64_t lx_rlimit_cur(lx_process *p, int res)
{
    pthread_mutex_lock(&p->rlim_lock);
    uint64_t v = rlim_slot(p, res)->cur;
    pthread_mutex_unlock(&p->rlim_lock);
    return v;
}

int lx_rlimit_format(lx_process *p, char *buf, size_t n)
{
    size_t k = 0;
    pthread_mutex_lock(&p->rlim_lock);
    for (size_t i = 0; i < NKEPT && k < n; i++) {
        const lx_rlimit *v = rlim_slot(p, rlim_kept[i]);
        k += (size_t)snprintf(buf + k, n - k, "%s%llu:%llu", i ? "," : "", (unsigned long long)v->cur,
                              (unsigned long long)v->max);
    }
    pthread_mutex_unlock(&p->rlim_lock);
    return k < n ? 0 : -1;
}

int lx_rlimit_parse(lx_process *p, const char *spec)
{
    rv_rlimit v[NKEPT];
    const char *s = spec;
    for (size_t i = 0; i < NKEPT; i++) {
        char *end;
        if (*s < '0' || *s > '9')
            return -1;
        errno = 0;
        v[i].cur = strtoull(s, &end, 10);
        if (*end != ':' || end[1] < '0' || end[1] > '9')
            return -1;
        v[i].max = strtoull(end + 1, &end, 10);
        if (errno || v[i].cur > v[i].max || *end != (i + 1 < NKEPT ? ',' : 0))
            return -1;
        s = end + 1;
    }
    pthread_mutex_lock(&p->rlim_lock);
    for (size_t i = 0; i < NKEPT; i++)
        p->rlim[rlim_kept[i]] = (lx_rlimit){v[i].cur, v[i].max, 1};
    pthread_mutex_unlock(&p->rlim_lock);
    return 0;
}

uint64_t lx_stack_size(lx_process *p)
{
    /* Linux grows the stack up to RLIMIT_STACK; vvm maps that much up front
     * (MAP_NORESERVE), at least 128 KiB as Linux's first expansion, and at
     * most 1 GiB (RLIM_INFINITY included) so the mmap area keeps its room */
    uint64_t v = lx_rlimit_cur(p, RLIMIT_STACK) & ~VVM_PAGE_MASK;
    return v < (128ULL << 10) ? 128ULL << 10 : v > (1ULL << 30) ? 1ULL << 30 : v;
}

static int64_t do_prlimit(lx_thread *t, pid_t pid, int res, uint64_t gnew, uint64_t gold)
{
    rv_rlimit nv, ov;
    if (gnew && vvm_copy_from_guest(lx_as(t), &nv, gnew, sizeof nv) < 0)
        return -EFAULT;
    if (gold && !lx_guest_ptr(t, gold, sizeof ov, VVM_PROT_W))
        return -EFAULT;
    int self = pid == 0 || pid == getpid();
    if (self && res >= 0 && res < RLIMIT_NLIMITS && rlim_emulated(res)) {
        if (gnew && nv.cur > nv.max)
            return -EINVAL;
        lx_process *p = t->proc;
        pthread_mutex_lock(&p->rlim_lock);
        lx_rlimit *l = rlim_slot(p, res);
        ov.cur = l->cur;
        ov.max = l->max;
        int64_t r = 0;
        if (gnew) {
            if (nv.max > ov.max && geteuid() != 0)
                r = -EPERM;
            else
                l->cur = nv.cur, l->max = nv.max;
        }
        pthread_mutex_unlock(&p->rlim_lock);
        if (r < 0)
            return r;
    } else {
        struct rlimit hn, ho;
        if (gnew) {
            hn.rlim_cur = nv.cur;
            hn.rlim_max = nv.max;
        }
        if (syscall(SYS_prlimit64, pid, res, gnew ? &hn : NULL, gold ? &ho : NULL) < 0)
            return -errno;
        ov.cur = ho.rlim_cur;
        ov.max = ho.rlim_max;
    }
    if (gold && vvm_copy_to_guest(lx_as(t), gold, &ov, sizeof ov) < 0)
        return -EFAULT;
    return 0;
}

LX_SYSCALL(prlimit64)
{
    return do_prlimit(t, (pid_t)a[0], (int)a[1], a[2], a[3]);
}

LX_SYSCALL(getrlimit)
{
    if (!a[1])
        return -EFAULT;
    return do_prlimit(t, 0, (int)a[0], 0, a[1]);
}

LX_SYSCALL(setrlimit)
{
    if (!a[1])
        return -EFAULT;
    return do_prlimit(t, 0, (int)a[0], a[1], 0);
}

/* ---- scheduling ---- */

LX_SYSCALL(sched_getaffinity)
{
    void *mask = lx_guest_ptr(t, a[2], a[1], VVM_PROT_W);
    if (!mask)
        return -EFAULT;
    return lx_host(syscall(SYS_sched_getaffinity, (pid_t)a[0], (size_t)a[1], mask));
}

LX_SYSCALL(sched_setaffinity)
{
    const void *mask = lx_guest_ptr(t, a[2], a[1], VVM_PROT_R);
    if (!mask)
        return -EFAULT;
    return lx_host(syscall(SYS_sched_setaffinity, (pid_t)a[0], (size_t)a[1], mask));
}

LX_SYSCALL(sched_yield)
{
    (void)t;
    (void)a;
    return lx_host(sched_yield());
}

LX_SYSCALL(getcpu)
{
    int bad = 0;
    void *cpu = lx_gptr_opt(t, a[0], sizeof(unsigned), VVM_PROT_W, &bad);
    void *node = lx_gptr_opt(t, a[1], sizeof(unsigned), VVM_PROT_W, &bad);
    if (bad)
        return -EFAULT;
    return lx_host(syscall(SYS_getcpu, cpu, node, NULL));
}

LX_SYSCALL(membarrier)
{
    /* guest threads are host threads: the host's barrier is the guest's */
    (void)t;
    return lx_host(syscall(SYS_membarrier, (int)a[0], (unsigned)a[1], (int)a[2]));
}

LX_SYSCALL(rseq)
{
    /* as qemu-user: restartable sequences are not offered */
    (void)t;
    (void)a;
    return -ENOSYS;
}

/* ---- prctl ---- */

LX_SYSCALL(prctl)
{
    int op = (int)a[0];
    int bad = 0;
    switch (op) {
    case PR_SET_NAME: {
        char name[16];
        size_t i;
        for (i = 0; i < sizeof name - 1; i++) {
            if (vvm_copy_from_guest(lx_as(t), &name[i], a[1] + i, 1) < 0)
                return -EFAULT;
            if (!name[i])
                break;
        }
        name[i] = 0;
        return lx_host(prctl(PR_SET_NAME, name, 0, 0, 0));
    }
    case PR_GET_NAME: {
        char *buf = lx_guest_ptr(t, a[1], 16, VVM_PROT_W);
        if (!buf)
            return -EFAULT;
        return lx_host(prctl(PR_GET_NAME, buf, 0, 0, 0));
    }
    case PR_GET_PDEATHSIG:
    case PR_GET_CHILD_SUBREAPER: {
        void *p = lx_gptr_opt(t, a[1], sizeof(int), VVM_PROT_W, &bad);
        if (bad || !p)
            return -EFAULT;
        return lx_host(prctl(op, p, 0, 0, 0));
    }
    case PR_GET_TID_ADDRESS:
        return vvm_copy_to_guest(lx_as(t), a[1], &t->clear_child_tid, 8);
    case PR_SET_PDEATHSIG:
    case PR_GET_DUMPABLE:
    case PR_SET_DUMPABLE:
    case PR_GET_KEEPCAPS:
    case PR_SET_KEEPCAPS:
    case PR_GET_TIMERSLACK:
    case PR_SET_TIMERSLACK:
    case PR_CAPBSET_READ:
    case PR_GET_SECCOMP:
    case PR_GET_NO_NEW_PRIVS:
    case PR_SET_NO_NEW_PRIVS:
    case PR_SET_CHILD_SUBREAPER:
    case PR_GET_THP_DISABLE:
    case PR_SET_THP_DISABLE:
    case PR_SET_PTRACER:
        return lx_host(prctl(op, (unsigned long)a[1], (unsigned long)a[2], (unsigned long)a[3], (unsigned long)a[4]));
    case PR_SET_SECCOMP: /* a filter would see vvm's x86-64 calls */
    case PR_SET_MM:
        return -EINVAL;
    default: /* PR_SET_VMA, PR_RISCV_V_*, ...: not offered */
        return -EINVAL;
    }
}

/* ---- riscv_hwprobe ---- */

enum {
    HWPROBE_MVENDORID = 0,
    HWPROBE_MARCHID = 1,
    HWPROBE_MIMPID = 2,
    HWPROBE_BASE_BEHAVIOR = 3,
    HWPROBE_IMA_EXT_0 = 4,
    HWPROBE_CPUPERF_0 = 5,
    HWPROBE_ZICBOZ_BLOCK_SIZE = 6,
    HWPROBE_HIGHEST_VIRT_ADDRESS = 7,
    HWPROBE_TIME_CSR_FREQ = 8,
    HWPROBE_MISALIGNED_SCALAR_PERF = 9,
};
#define HWPROBE_BASE_BEHAVIOR_IMA 1
#define HWPROBE_IMA_FD (1 << 0)
#define HWPROBE_IMA_C (1 << 1)
#define HWPROBE_EXT_ZBA (1 << 3)
#define HWPROBE_EXT_ZBB (1 << 4)
#define HWPROBE_EXT_ZBS (1 << 5)
#define HWPROBE_MISALIGNED_FAST 3

LX_SYSCALL(riscv_hwprobe)
{
    uint64_t count = a[1];
    if (a[4] != 0) /* RISCV_HWPROBE_WHICH_CPUS and future flags */
        return -EINVAL;
    if (count > (1u << 20))
        return -EINVAL;
    if (count && !vvm_aspace_check(lx_as(t), a[0], count * 16, VVM_PROT_R | VVM_PROT_W))
        return -EFAULT;
    /* the cpu set (a[2], a[3]) does not matter: every hart is the same */
    for (uint64_t i = 0; i < count; i++) {
        int64_t pair[2];
        if (vvm_copy_from_guest(lx_as(t), pair, a[0] + 16 * i, 16) < 0)
            return -EFAULT;
        int64_t key = pair[0];
        uint64_t v = 0;
        switch (key) {
        case HWPROBE_MVENDORID:
        case HWPROBE_MARCHID:
        case HWPROBE_MIMPID:
            v = 0;
            break;
        case HWPROBE_BASE_BEHAVIOR: v = HWPROBE_BASE_BEHAVIOR_IMA; break;
        case HWPROBE_IMA_EXT_0:
            v = HWPROBE_IMA_FD | HWPROBE_IMA_C | HWPROBE_EXT_ZBA | HWPROBE_EXT_ZBB | HWPROBE_EXT_ZBS;
            break;
        case HWPROBE_CPUPERF_0:
        case HWPROBE_MISALIGNED_SCALAR_PERF: v = HWPROBE_MISALIGNED_FAST; break;
        case HWPROBE_HIGHEST_VIRT_ADDRESS: v = (1ULL << LX_SPACE_BITS) - 1; break;
        case HWPROBE_TIME_CSR_FREQ: v = 10000000; break; /* rv_csr.c: 10 MHz */
        default:
            pair[0] = -1;
            v = 0;
            break;
        }
        pair[1] = (int64_t)v;
        if (vvm_copy_to_guest(lx_as(t), a[0] + 16 * i, pair, 16) < 0)
            return -EFAULT;
    }
    return 0;
}

/* ---- more credentials: one thread's each, like setuid ---- */

LX_SYSCALL(setgid) { (void)t; return lx_host(syscall(SYS_setgid, (gid_t)a[0])); }
LX_SYSCALL(setreuid) { (void)t; return lx_host(syscall(SYS_setreuid, (uid_t)a[0], (uid_t)a[1])); }
LX_SYSCALL(setregid) { (void)t; return lx_host(syscall(SYS_setregid, (gid_t)a[0], (gid_t)a[1])); }
LX_SYSCALL(setresuid) { (void)t; return lx_host(syscall(SYS_setresuid, (uid_t)a[0], (uid_t)a[1], (uid_t)a[2])); }
LX_SYSCALL(setresgid) { (void)t; return lx_host(syscall(SYS_setresgid, (gid_t)a[0], (gid_t)a[1], (gid_t)a[2])); }
LX_SYSCALL(setfsuid) { (void)t; return syscall(SYS_setfsuid, (uid_t)a[0]); }
LX_SYSCALL(setfsgid) { (void)t; return syscall(SYS_setfsgid, (gid_t)a[0]); }

LX_SYSCALL(setgroups)
{
    int n = (int)a[0];
    if (n < 0 || n > 65536)
        return -EINVAL;
    int bad = 0;
    const void *list = n ? lx_gptr_opt(t, a[1], (uint64_t)n * sizeof(gid_t), VVM_PROT_R, &bad) : NULL;
    if (bad || (n && !list))
        return -EFAULT;
    return lx_host(syscall(SYS_setgroups, n, list));
}

/* capget/capset: header {u32 version; int pid}, then 1 (v1) or 2 (v2, v3)
 * {effective, permitted, inheritable} u32 triples */
static int64_t do_cap(lx_thread *t, const uint64_t *a, int set)
{
    void *hdr = lx_guest_ptr(t, a[0], 8, VVM_PROT_R | VVM_PROT_W);
    uint32_t version;
    if (!hdr || vvm_copy_from_guest(lx_as(t), &version, a[0], 4) < 0)
        return -EFAULT;
    uint64_t n = version == 0x19980330 ? 1 : 2;
    int bad = 0;
    void *data = lx_gptr_opt(t, a[1], n * 12, set ? VVM_PROT_R : VVM_PROT_W, &bad);
    if (bad)
        return -EFAULT;
    return lx_host(syscall(set ? SYS_capset : SYS_capget, hdr, data));
}
LX_SYSCALL(capget) { return do_cap(t, a, 0); }
LX_SYSCALL(capset) { return do_cap(t, a, 1); }

LX_SYSCALL(personality)
{
    (void)t;
    return lx_host(syscall(SYS_personality, (unsigned long)(uint32_t)a[0]));
}

/* ---- priorities and scheduling policy (struct sched_param is one int) ---- */

LX_SYSCALL(getpriority)
{
    (void)t;
    /* the raw call returns 20 - nice, never negative */
    return lx_host(syscall(SYS_getpriority, (int)a[0], (id_t)a[1]));
}

LX_SYSCALL(setpriority)
{
    (void)t;
    return lx_host(syscall(SYS_setpriority, (int)a[0], (id_t)a[1], (int)a[2]));
}

LX_SYSCALL(sched_setparam)
{
    const void *p = lx_guest_ptr(t, a[1], sizeof(int), VVM_PROT_R);
    if (!p)
        return -EINVAL;
    return lx_host(syscall(SYS_sched_setparam, (pid_t)a[0], p));
}

LX_SYSCALL(sched_getparam)
{
    void *p = lx_guest_ptr(t, a[1], sizeof(int), VVM_PROT_W);
    if (!p)
        return -EINVAL;
    return lx_host(syscall(SYS_sched_getparam, (pid_t)a[0], p));
}

LX_SYSCALL(sched_setscheduler)
{
    const void *p = lx_guest_ptr(t, a[2], sizeof(int), VVM_PROT_R);
    if (!p)
        return -EINVAL;
    return lx_host(syscall(SYS_sched_setscheduler, (pid_t)a[0], (int)a[1], p));
}

LX_SYSCALL(sched_getscheduler) { (void)t; return lx_host(syscall(SYS_sched_getscheduler, (pid_t)a[0])); }
LX_SYSCALL(sched_get_priority_max) { (void)t; return lx_host(syscall(SYS_sched_get_priority_max, (int)a[0])); }
LX_SYSCALL(sched_get_priority_min) { (void)t; return lx_host(syscall(SYS_sched_get_priority_min, (int)a[0])); }

LX_SYSCALL(sched_rr_get_interval)
{
    void *ts = lx_guest_ptr(t, a[1], sizeof(struct timespec), VVM_PROT_W);
    if (!ts)
        return -EFAULT;
    return lx_host(syscall(SYS_sched_rr_get_interval, (pid_t)a[0], ts));
}
