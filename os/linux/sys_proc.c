/* sys_proc: guest processes: fork (clone without CLONE_THREAD), execve,
 * wait4/waitid, pids, and the interval timer behind alarm().
 *
 * A guest process is a vvm process: fork forks vvm (the guest address space
 * is host memory, so the child gets its copy); execve of a riscv64 program
 * re-executes vvm (/proc/self/exe run ...) with the options this run was
 * given, and anything else (/bin/sh, a host ELF, a script for a host
 * interpreter) is executed on the host as qemu-user with binfmt would.
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "engine/jit.h"
#include "os/linux/lx.h"
#include "os/linux/lx_sys.h"
#include "os/linux/procfs.h"

int64_t lx_fork(lx_thread *t, uint64_t flags, uint64_t sp, uint64_t ptid, uint64_t tls, uint64_t ctid)
{
    lx_process *p = t->proc;
    int vfork_pipe[2] = {-1, -1};
    if ((flags & CLONE_VFORK) && pipe2(vfork_pipe, O_CLOEXEC) < 0)
        vfork_pipe[0] = vfork_pipe[1] = -1;
    /* no lock of vvm's may be held by a thread that does not exist in the child */
    lx_signal_block_all(NULL);
    if (p->fork_lock)
        p->fork_lock(p->meta_arg, 1);
    pthread_mutex_lock(&p->lock);
    pthread_mutex_lock(&p->as.lock);
    fflush(NULL);
    pid_t pid = fork();
    int err = errno;
    pthread_mutex_unlock(&p->as.lock);
    pthread_mutex_unlock(&p->lock);
    if (p->fork_lock)
        p->fork_lock(p->meta_arg, 0);
    if (pid < 0) {
        if (vfork_pipe[0] >= 0) {
            close(vfork_pipe[0]);
            close(vfork_pipe[1]);
        }
        lx_signal_sync_mask(t);
        return -err;
    }
    if (pid == 0) {
        /* the child: this thread is the only one */
        if (vfork_pipe[0] >= 0)
            close(vfork_pipe[0]);  /* the write end closes at exec or exit */
        p->inval.lock = 0;
        eng_jit_after_fork(&t->cpu.vcpu);
        p->pid = getpid();
        t->tid = (int)syscall(SYS_gettid);
        p->threads = t;
        t->next = NULL;
        p->nthreads = 1;
        p->nhosts = 0;
        p->nzombies = 0;  /* the parent's to join */
        /* an embedded guest's child is a process of its own: it ends with
         * its guest, never returning to the embedder's code, whatever the
         * budget of the thread that forked */
        p->opt.embedded = 0;
        t->cpu.budget = -1;
        /* host-write windows of threads that are not here end now */
        for (int k = 0; k < VVM_HOST_WRITES; k++)
            vvm_aspace_host_write_end(&p->as, k);
        t->nhost_writes = 0;
        t->pending = 0;
        p->pending = 0;
        if (sp)
            t->cpu.x[2] = sp;
        if (flags & CLONE_SETTLS)
            t->cpu.x[4] = tls;
        if (flags & CLONE_CHILD_SETTID) {
            uint32_t v = (uint32_t)t->tid;
            (void)vvm_copy_to_guest(lx_as(t), ctid, &v, 4);
        }
        if (flags & CLONE_CHILD_CLEARTID)
            t->clear_child_tid = ctid;
        lx_signal_sync_mask(t);
        return 0;
    }
    if (flags & CLONE_PARENT_SETTID) {
        uint32_t v = (uint32_t)pid;
        (void)vvm_copy_to_guest(lx_as(t), ptid, &v, 4);
    }
    if (vfork_pipe[0] >= 0) {
        /* vfork: wait until the child has exec'd or exited */
        char c;
        close(vfork_pipe[1]);
        while (read(vfork_pipe[0], &c, 1) < 0 && errno == EINTR)
            ;
        close(vfork_pipe[0]);
    }
    lx_signal_sync_mask(t);
    return pid;
}

/* ---- execve ---- */

static void free_vec(char **v)
{
    if (!v)
        return;
    for (char **q = v; *q; q++)
        free(*q);
    free(v);
}

/* Reads a guest argv/envp vector; NULL with *err on failure. */
static char **read_vec(lx_thread *t, uint64_t at, int *err)
{
    size_t n = 0, cap = 16;
    char **v = calloc(cap + 1, sizeof *v);
    if (!v) {
        *err = -ENOMEM;
        return NULL;
    }
    while (at) {
        uint64_t ptr;
        if (vvm_copy_from_guest(lx_as(t), &ptr, at + 8 * n, 8) < 0) {
            *err = -EFAULT;
            goto fail;
        }
        if (!ptr)
            break;
        if (n >= 1 << 20) {
            *err = -E2BIG;
            goto fail;
        }
        if (n == cap) {
            char **nv = realloc(v, (2 * cap + 1) * sizeof *v);
            if (!nv) {
                *err = -ENOMEM;
                goto fail;
            }
            v = nv;
            cap *= 2;
        }
        v[n] = vvm_strdup_from_guest(lx_as(t), ptr, 1 << 20, err);
        if (!v[n])
            goto fail;
        v[++n] = NULL;
    }
    v[n] = NULL;
    return v;
fail:
    v[n] = NULL;
    free_vec(v);
    return NULL;
}

/* Nonzero if the host file is a riscv64 ELF. */
static int is_riscv_elf(const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
    if (fd < 0)
        return 0;
    unsigned char h[20];
    ssize_t n = read(fd, h, sizeof h);
    close(fd);
    return n == (ssize_t)sizeof h && !memcmp(h, ELFMAG, SELFMAG) && (h[18] | h[19] << 8) == EM_RISCV;
}

/* The interpreter line of a #! script: *interp and *arg point into buf. */
static int shebang(const char *path, char *buf, size_t n, char **interp, char **arg)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
    if (fd < 0)
        return 0;
    ssize_t r = read(fd, buf, n - 1);
    close(fd);
    if (r < 3 || buf[0] != '#' || buf[1] != '!')
        return 0;
    buf[r] = 0;
    char *nl = strchr(buf, '\n');
    if (!nl)
        return 0;
    *nl = 0;
    char *s = buf + 2;
    while (*s == ' ' || *s == '\t')
        s++;
    if (!*s)
        return 0;
    *interp = s;
    while (*s && *s != ' ' && *s != '\t')
        s++;
    *arg = NULL;
    if (*s) {
        *s++ = 0;
        while (*s == ' ' || *s == '\t')
            s++;
        if (*s) {
            char *e = s + strlen(s);
            while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
                *--e = 0;
            *arg = s;
        }
    }
    return 1;
}

/* vvm run [options] -0 ARGV0 -- PROG ARGS... */
static void exec_vvm(lx_process *p, const char *prog, char *const *gargv, int skip, const char *argv0,
                     char *const *extra, char **envp)
{
    size_t n = 0, nl = 0;
    while (gargv[n])
        n++;
    while (p->opt.loads && p->opt.loads[nl])
        nl++;
    char **v = calloc(n + 24 + 2 * nl, sizeof *v);
    if (!v)
        return;
    size_t k = 0;
    v[k++] = "vvm";
    v[k++] = "run";
    if (p->opt.sysroot) {
        v[k++] = "--sysroot";
        v[k++] = (char *)p->opt.sysroot;
    }
    if (p->opt.strace)
        v[k++] = "--strace";
    if (p->opt.perfmap)
        v[k++] = "--perfmap";
    if (p->opt.trace) {
        v[k++] = "--trace";
        v[k++] = (char *)p->opt.trace;
    }
    for (size_t i = 0; i < nl; i++) {
        v[k++] = "--load";
        v[k++] = p->opt.loads[i];
    }
    /* the tier this run chose, whether by --engine or $VVM_ENGINE */
    static const char *const tiers[] = {"interp", "jit", "auto"};
    v[k++] = "--engine";
    v[k++] = (char *)tiers[p->opt.tier >= 0 && p->opt.tier <= 2 ? p->opt.tier : 0];
    char cs[32];
    if (p->opt.jit_cache_size) {
        snprintf(cs, sizeof cs, "%zu", p->opt.jit_cache_size);
        v[k++] = "--jit-cache-size";
        v[k++] = cs;
    }
    char rl[128];
    if (lx_rlimit_format(p, rl, sizeof rl) == 0) {
        v[k++] = "--rlimits";
        v[k++] = rl;
    }
    if (argv0) {
        v[k++] = "-0";
        v[k++] = (char *)argv0;
    }
    v[k++] = "--";
    v[k++] = (char *)prog;
    for (size_t i = 0; extra && extra[i]; i++)
        v[k++] = extra[i];
    for (size_t i = (size_t)skip; i < n; i++)
        v[k++] = gargv[i];
    v[k] = NULL;
    execve("/proc/self/exe", v, envp);
    free(v);
}

LX_SYSCALL(execve)
{
    lx_process *p = t->proc;
    int err = 0;
    /* an embedded guest's process is the embedding program: a new image
     * would end it (a child the guest forked is a process of its own) */
    if (p->opt.embedded)
        return -EPERM;
    char *path = lx_sys_path(t, a[0], &err);
    if (!path)
        return err;
    char **argv = read_vec(t, a[1], &err);
    char **envp = argv ? read_vec(t, a[2], &err) : NULL;
    if (!argv || !envp) {
        free(path);
        free_vec(argv);
        return err;
    }
    int64_t ret;
    struct stat st;
    if (access(path, X_OK) != 0 || stat(path, &st) != 0) {
        ret = -errno;
        goto out;
    }
    if (!S_ISREG(st.st_mode)) { /* a FIFO or device: Linux refuses it, and opening it could block */
        ret = -EACCES;
        goto out;
    }
    const char *exe; /* /proc/PID/exe is the guest program */
    if ((exe = lx_proc_exe(t, st.st_dev, st.st_ino, AT_FDCWD, path))) {
        char *e = strdup(exe);
        if (!e) {
            ret = -ENOMEM;
            goto out;
        }
        free(path);
        path = e;
    }
    /* the new image starts with the guest's mask (vvm reads it back) */
    lx_signal_block_all(NULL);
    sigset_t hs;
    sigemptyset(&hs);
    for (int g = 1; g <= LX_NSIG; g++) {
        int h = lx_sig_g2h(g);
        if (h && h != SIGSEGV && h != SIGBUS && (t->sigmask >> (g - 1) & 1))
            sigaddset(&hs, h);
    }
    pthread_sigmask(SIG_SETMASK, &hs, NULL);
    fflush(NULL);
    char buf[512], *interp, *arg;
    if (is_riscv_elf(path)) {
        exec_vvm(p, path, argv, 1, argv[0], NULL, envp);
    } else if (shebang(path, buf, sizeof buf, &interp, &arg)) {
        char ibuf[4096];
        const char *hi = lx_sysroot_path(p, interp, ibuf, sizeof ibuf);
        if (is_riscv_elf(hi)) {
            /* a script for a riscv64 interpreter: vvm runs the interpreter */
            char *extra[3] = {arg, NULL, NULL};
            char *gpath = vvm_strdup_from_guest(lx_as(t), a[0], 4096, &err);
            if (arg)
                extra[1] = gpath;
            else
                extra[0] = gpath;
            if (gpath)
                exec_vvm(p, hi, argv, 1, interp, extra, envp);
            free(gpath);
        } else {
            execve(path, argv, envp);
        }
    } else {
        execve(path, argv, envp);
    }
    ret = -errno;
    lx_signal_sync_mask(t);
out:
    free(path);
    free_vec(argv);
    free_vec(envp);
    return ret;
}

/* ---- waiting ---- */

LX_SYSCALL(wait4)
{
    int status = 0;
    struct rusage ru;
    pid_t r = wait4((pid_t)(int)a[0], &status, (int)a[2], a[3] ? &ru : NULL);
    if (r < 0)
        return -errno;
    if (r > 0 && a[1] && vvm_copy_to_guest(lx_as(t), a[1], &status, 4) < 0)
        return -EFAULT;
    if (a[3] && vvm_copy_to_guest(lx_as(t), a[3], &ru, sizeof ru) < 0)
        return -EFAULT;
    return r;
}

LX_SYSCALL(waitid)
{
    siginfo_t si;
    struct rusage ru;
    memset(&si, 0, sizeof si);
    long r = syscall(SYS_waitid, (int)a[0], (int)a[1], a[2] ? &si : NULL, (int)a[3], a[4] ? &ru : NULL);
    if (r < 0)
        return -errno;
    if (a[2]) {
        if (si.si_signo)
            si.si_signo = lx_sig_h2g(si.si_signo);
        if (vvm_copy_to_guest(lx_as(t), a[2], &si, 128) < 0)
            return -EFAULT;
    }
    if (a[4] && vvm_copy_to_guest(lx_as(t), a[4], &ru, sizeof ru) < 0)
        return -EFAULT;
    return r;
}

LX_SYSCALL(getpid) { (void)a; (void)t; return getpid(); }
LX_SYSCALL(getppid) { (void)a; (void)t; return getppid(); }

/* ---- interval timers (alarm) ---- */

LX_SYSCALL(getitimer)
{
    struct itimerval v;
    if (getitimer((int)a[0], &v) < 0)
        return -errno;
    if (vvm_copy_to_guest(lx_as(t), a[1], &v, sizeof v) < 0)
        return -EFAULT;
    return 0;
}

LX_SYSCALL(setitimer)
{
    struct itimerval nv, ov;
    if (vvm_copy_from_guest(lx_as(t), &nv, a[1], sizeof nv) < 0)
        return -EFAULT;
    if (setitimer((int)a[0], &nv, &ov) < 0)
        return -errno;
    if (a[2] && vvm_copy_to_guest(lx_as(t), a[2], &ov, sizeof ov) < 0)
        return -EFAULT;
    return 0;
}
