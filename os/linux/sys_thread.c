/* sys_thread: guest threads and what they synchronise with.
 *
 * A guest thread (clone with CLONE_VM|CLONE_THREAD) is a host pthread that
 * runs lx_thread_loop on a copy of the parent's registers; its guest tid is
 * its host tid.  Guest memory is host memory, so futex passes the host
 * address of the futex word straight to the host futex call: waiters and
 * wakers in any guest thread (and the host's atomics) agree on it.
 *
 * The host threads are joined, not detached: one that ends leaves its
 * pthread_t on the process's zombie list, which the next clone empties, and
 * so does lx_threads_reap when an embedded process ends (vvm_run, then,
 * leaves no thread of the guest's behind).
 */
#include <errno.h>
#include <linux/futex.h>
#include <linux/sched.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "os/linux/lx.h"

typedef struct thread_start {
    lx_thread *t;
    uint64_t flags, ptid, ctid;
    int tid;                    /* futex word: the parent waits for it */
} thread_start;

static void put_tid(lx_thread *t, uint64_t addr, int tid)
{
    uint32_t v = (uint32_t)tid;
    (void)vvm_copy_to_guest(lx_as(t), addr, &v, 4);
}

static void *thread_main(void *arg)
{
    thread_start *s = arg;
    lx_thread *t = s->t;
    int tid = (int)syscall(SYS_gettid);
    t->tid = tid;
    if (s->flags & CLONE_PARENT_SETTID)
        put_tid(t, s->ptid, tid);
    if (s->flags & CLONE_CHILD_SETTID)
        put_tid(t, s->ctid, tid);
    /* s lives on the parent's stack: the last touch */
    __atomic_store_n(&s->tid, tid, __ATOMIC_SEQ_CST);
    syscall(SYS_futex, &s->tid, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
    lx_thread_loop(t);
    lx_process *p = t->proc;
    pthread_mutex_lock(&p->lock);
    lx_thread_unlink_locked(t);  /* if it left because the process ends */
    pthread_mutex_unlock(&p->lock);
    lx_thread_free(t);
    /* the last touch of p: whoever joins this host thread may free it next */
    pthread_mutex_lock(&p->lock);
    if (p->nzombies == p->zombies_cap) {
        int cap = p->zombies_cap ? 2 * p->zombies_cap : 16;
        pthread_t *z = realloc(p->zombies, (size_t)cap * sizeof *z);
        if (z) {
            p->zombies = z;
            p->zombies_cap = cap;
        }
    }
    if (p->nzombies < p->zombies_cap)
        p->zombies[p->nzombies++] = pthread_self();
    else
        pthread_detach(pthread_self());
    p->nhosts--;
    pthread_cond_broadcast(&p->changed);
    pthread_mutex_unlock(&p->lock);
    return NULL;
}

void lx_threads_reap(lx_process *p, int all)
{
    pthread_mutex_lock(&p->lock);
    while (all && p->nhosts > 0)
        pthread_cond_wait(&p->changed, &p->lock);
    pthread_t *z = p->zombies;
    int n = p->nzombies;
    p->zombies = NULL;
    p->nzombies = p->zombies_cap = 0;
    pthread_mutex_unlock(&p->lock);
    for (int i = 0; i < n; i++)
        pthread_join(z[i], NULL);
    free(z);
}

static int64_t new_thread(lx_thread *t, uint64_t flags, uint64_t sp, uint64_t ptid, uint64_t tls, uint64_t ctid)
{
    lx_process *p = t->proc;
    lx_threads_reap(p, 0);
    lx_thread *c = lx_thread_new(p);
    if (!c)
        return -EAGAIN;
    rv_cpu *pc = &t->cpu, *cc = &c->cpu;
    memcpy(cc->x, pc->x, sizeof cc->x);
    memcpy(cc->f, pc->f, sizeof cc->f);
    cc->fflags = pc->fflags;
    cc->frm = pc->frm;
    cc->pc = pc->pc + 4;
    cc->x[10] = 0;
    if (sp)
        cc->x[2] = sp;
    if (flags & CLONE_SETTLS)
        cc->x[4] = tls;
    c->sigmask = t->sigmask;
    c->sigmask_init = 1;
    if (flags & CLONE_CHILD_CLEARTID)
        c->clear_child_tid = ctid;

    thread_start s = {.t = c, .flags = flags, .ptid = ptid, .ctid = ctid, .tid = 0};
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, 2u << 20);
    /* the new host thread starts with every signal blocked and unblocks
     * what its guest mask allows once it is a guest thread */
    lx_signal_block_all(NULL);
    pthread_mutex_lock(&p->lock);
    p->nhosts++;
    pthread_mutex_unlock(&p->lock);
    pthread_t th;  /* not c->host: c is the new thread's, which may end before this returns */
    int rc = pthread_create(&th, &attr, thread_main, &s);
    pthread_attr_destroy(&attr);
    if (rc != 0) {
        lx_signal_sync_mask(t);
        pthread_mutex_lock(&p->lock);
        lx_thread_unlink_locked(c);
        p->nhosts--;
        pthread_mutex_unlock(&p->lock);
        lx_thread_free(c);
        return -EAGAIN;
    }
    while (__atomic_load_n(&s.tid, __ATOMIC_SEQ_CST) == 0)
        syscall(SYS_futex, &s.tid, FUTEX_WAIT_PRIVATE, 0, NULL, NULL, 0);
    int tid = s.tid;
    lx_signal_sync_mask(t);
    return tid;
}

/* The combinations of clone flags Linux refuses with EINVAL (copy_process,
 * before it looks at permissions): a thread shares the signal handlers,
 * shared handlers need a shared VM, a thread stays in its namespaces, a
 * new mount or user namespace cannot share the fs info, and CLONE_DETACHED
 * is kept from CLONE_PIDFD (since Linux 6.9 a thread may have a pidfd). */
static int clone_flags_bad(uint64_t flags)
{
    if ((flags & (CLONE_NEWNS | CLONE_FS)) == (CLONE_NEWNS | CLONE_FS) ||
        (flags & (CLONE_NEWUSER | CLONE_FS)) == (CLONE_NEWUSER | CLONE_FS))
        return 1;
    if ((flags & CLONE_THREAD) && !(flags & CLONE_SIGHAND))
        return 1;
    if ((flags & CLONE_SIGHAND) && !(flags & CLONE_VM))
        return 1;
    if ((flags & CLONE_THREAD) && (flags & (CLONE_NEWUSER | CLONE_NEWPID)))
        return 1;
    if ((flags & CLONE_PIDFD) && (flags & CLONE_DETACHED))
        return 1;
    return 0;
}

int64_t lx_clone(lx_thread *t, uint64_t flags, uint64_t sp, uint64_t ptid, uint64_t tls, uint64_t ctid)
{
    if (clone_flags_bad(flags))
        return -EINVAL;
    if (flags & CLONE_THREAD)
        return new_thread(t, flags, sp, ptid, tls, ctid);
    if ((flags & (CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET |
                  CLONE_NEWCGROUP)))
        return -EPERM;
    /* a new process: CLONE_VM without CLONE_THREAD is vfork-like use
     * (posix_spawn, Go's forkExec), which a fork serves: the child only
     * execs or exits */
    return lx_fork(t, flags, sp, ptid, tls, ctid);
}

LX_SYSCALL(clone)
{
    /* riscv64: flags, newsp, parent_tid, tls, child_tid; the pidfd would go
     * where parent_tid points, so the two cannot both be asked for */
    if ((a[0] & CLONE_PIDFD) && (a[0] & CLONE_PARENT_SETTID))
        return -EINVAL;
    return lx_clone(t, a[0], a[1], a[2], a[3], a[4]);
}

LX_SYSCALL(clone3)
{
    struct {
        uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls;
    } ca;
    if (a[1] < 64 || a[1] > 4096)
        return -EINVAL;
    if (vvm_copy_from_guest(lx_as(t), &ca, a[0], sizeof ca) < 0)
        return -EFAULT;
    if (ca.flags & (CLONE_PIDFD | CLONE_CLEAR_SIGHAND | CLONE_INTO_CGROUP))
        return -EINVAL;  /* glibc falls back to clone */
    if (ca.exit_signal > LX_NSIG || (ca.flags & 0xff))
        return -EINVAL;
    uint64_t sp = ca.stack ? ca.stack + ca.stack_size : 0;
    return lx_clone(t, ca.flags | ca.exit_signal, sp, ca.parent_tid, ca.tls, ca.child_tid);
}

LX_SYSCALL(set_tid_address)
{
    t->clear_child_tid = a[0];
    return t->tid;
}

LX_SYSCALL(gettid) { (void)a; return t->tid; }

LX_SYSCALL(set_robust_list)
{
    if (a[1] != 24)
        return -EINVAL;
    t->robust_list = a[0];
    return 0;
}

LX_SYSCALL(get_robust_list)
{
    lx_process *p = t->proc;
    int tid = (int)a[0];
    uint64_t head = 0;
    int found = 0;
    if (tid == 0 || tid == t->tid) {
        head = t->robust_list;
        found = 1;
    } else {
        pthread_mutex_lock(&p->lock);
        for (lx_thread *o = p->threads; o; o = o->next)
            if (o->tid == tid) {
                head = o->robust_list;
                found = 1;
            }
        pthread_mutex_unlock(&p->lock);
    }
    if (!found)
        return -ESRCH;
    uint64_t len = 24;
    if (vvm_copy_to_guest(lx_as(t), a[1], &head, 8) < 0 || vvm_copy_to_guest(lx_as(t), a[2], &len, 8) < 0)
        return -EFAULT;
    return 0;
}

/* Host address of a futex word; NULL if outside guest memory or misaligned. */
static uint32_t *futex_word(lx_thread *t, uint64_t addr)
{
    if (addr & 3)
        return NULL;
    return vvm_g2h(lx_as(t), addr, 4);
}

LX_SYSCALL(futex)
{
    int op = (int)a[1];
    int cmd = op & FUTEX_CMD_MASK;
    uint32_t *uaddr = futex_word(t, a[0]);
    if (!uaddr)
        return a[0] & 3 ? -EINVAL : -EFAULT;
    uint32_t val = (uint32_t)a[2];
    void *arg4 = (void *)(uintptr_t)a[3];  /* timeout or val2 */
    uint32_t *uaddr2 = NULL;
    struct timespec ts;
    long r;
    switch (cmd) {
    case FUTEX_WAIT:
    case FUTEX_WAIT_BITSET:
    case FUTEX_LOCK_PI:
    case FUTEX_LOCK_PI2:
    case FUTEX_WAIT_REQUEUE_PI:
        if (a[3]) {
            if (vvm_copy_from_guest(lx_as(t), &ts, a[3], sizeof ts) < 0)
                return -EFAULT;
            arg4 = &ts;
        }
        if (cmd == FUTEX_WAIT_REQUEUE_PI) {
            uaddr2 = futex_word(t, a[4]);
            if (!uaddr2)
                return -EFAULT;
        }
        /* a signal taken just now would otherwise wait with us */
        if (t->pending & ~t->sigmask)
            return -EINTR;
        break;
    case FUTEX_REQUEUE:
    case FUTEX_CMP_REQUEUE:
    case FUTEX_WAKE_OP:
    case FUTEX_CMP_REQUEUE_PI:
        uaddr2 = futex_word(t, a[4]);
        if (!uaddr2)
            return -EFAULT;
        break;
    case FUTEX_WAKE:
    case FUTEX_WAKE_BITSET:
    case FUTEX_UNLOCK_PI:
    case FUTEX_TRYLOCK_PI:
        break;
    default:
        return -ENOSYS;
    }
    r = syscall(SYS_futex, uaddr, op, val, arg4, uaddr2, (uint32_t)a[5]);
    return r < 0 ? -errno : r;
}

/* The kernel's exit_robust_list for a guest thread that exits: every robust
 * mutex it still holds is marked FUTEX_OWNER_DIED and one waiter woken. */
static void futex_death(lx_thread *t, uint64_t addr)
{
    uint32_t *w = futex_word(t, addr);
    uint32_t v;
    if (!w || vvm_copy_from_guest(lx_as(t), &v, addr, 4) < 0)
        return;
    for (int tries = 0; tries < 64 && (v & FUTEX_TID_MASK) == (uint32_t)t->tid; tries++) {
        uint32_t nv = (v & FUTEX_WAITERS) | FUTEX_OWNER_DIED;
        int r = vvm_aspace_cas32(lx_as(t), addr, &v, nv);
        if (r < 0)
            break;
        if (r) {
            if (v & FUTEX_WAITERS)
                syscall(SYS_futex, w, FUTEX_WAKE, 1, NULL, NULL, 0);
            break;
        }
    }
}

void lx_robust_exit(lx_thread *t)
{
    uint64_t head = t->robust_list, h[3];
    if (!head || vvm_copy_from_guest(lx_as(t), h, head, sizeof h) < 0)
        return;
    int64_t off = (int64_t)h[1];
    uint64_t pending = h[2] & ~1ULL, e = h[0];
    for (int n = 0; e != head && n < 2048; n++) {
        uint64_t next;
        if (vvm_copy_from_guest(lx_as(t), &next, e & ~1ULL, 8) < 0)
            break;
        if ((e & ~1ULL) != pending)
            futex_death(t, (e & ~1ULL) + (uint64_t)off);
        e = next;
    }
    if (pending)
        futex_death(t, pending + (uint64_t)off);
}
