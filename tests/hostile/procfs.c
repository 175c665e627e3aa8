/* A guest names its own /proc files every way it can and checks that each
 * shows this process as Linux does: every range maps, smaps, numa_maps and
 * smaps_rollup list is memory this process can read (under vvm: guest
 * memory, never vvm's own), mem reads and writes this process's memory at
 * its addresses, auxv, cmdline, environ, stat and exe describe this program.
 * The escape issue 7 found: read smaps, find vvm's text, pwrite code there
 * through /proc/self/mem; here no listed range may lie outside the guest,
 * and code written through mem runs as written. */
#include <dirent.h>
#include <pthread.h>
#include <elf.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hostile.h"

extern char **environ;

/* The whole file at (dirfd, path), NUL-terminated (malloc'd), or NULL with errno */
static char *slurp_at(int dirfd, const char *path, size_t *len)
{
    int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return NULL;
    size_t n = 0, cap = 65536;
    char *s = malloc(cap);
    for (;;) {
        if (cap - n < 4096)
            s = realloc(s, cap *= 2);
        ssize_t r = read(fd, s + n, cap - n - 1);
        if (r < 0) {
            int e = errno;
            close(fd);
            free(s);
            errno = e;
            return NULL;
        }
        if (r == 0)
            break;
        n += (size_t)r;
    }
    close(fd);
    s[n] = 0;
    if (len)
        *len = n;
    return s;
}
static char *slurp(const char *path) { return slurp_at(AT_FDCWD, path, NULL); }

static int pipefd[2];

/* Nonzero if this process can read the byte at address a (the kernel reads
 * it for write(2): EFAULT if it is not this process's readable memory) */
static int readable(uintptr_t a)
{
    char c;
    if (write(pipefd[1], (const void *)a, 1) != 1)
        return 0;
    return read(pipefd[0], &c, 1) == 1;
}

/* Every "lo-hi perms" line of a maps-like text: each readable range is
 * memory of this process (first and last byte); also one range holds the
 * local variable's address.  Returns an empty string or what is wrong. */
static const char *check_ranges(const char *text, uintptr_t local, char *why, size_t n)
{
    int lines = 0, has_local = 0;
    for (const char *l = text; l && *l; l = strchr(l, '\n'), l = l ? l + 1 : NULL) {
        unsigned long long lo, hi;
        char perms[8];
        if (sscanf(l, "%llx-%llx %7s", &lo, &hi, perms) != 3)
            continue;
        lines++;
        if (local >= lo && local < hi)
            has_local = 1;
        /* the kernel's own pages (vsyscall, vvar) are no memory write(2)
         * reads from */
        size_t ll = strcspn(l, "\n");
        const char *br = memchr(l, '[', ll);
        if ((br && (!strncmp(br, "[vsyscall]", 10) || !strncmp(br, "[vvar", 5))) || perms[0] != 'r')
            continue;
        if (!readable((uintptr_t)lo) || !readable((uintptr_t)hi - 1)) {
            snprintf(why, n, "%llx-%llx %s is not memory of this process", lo, hi, perms);
            return why;
        }
    }
    if (!lines)
        return "no ranges";
    if (!has_local)
        return "no range holds a local variable";
    return "";
}

static void maps_like(const char *name, const char *path, uintptr_t local)
{
    char *s = slurp(path);
    char why[256];
    if (!s) {
        FAIL(name, "open/read %s: %s", path, strerror(errno));
        return;
    }
    const char *w = check_ranges(s, local, why, sizeof why);
    CHECK(name, !*w, "%s: %s", path, w);
    free(s);
}

/* the same check on a descriptor the caller opened */
static void maps_fd(const char *name, int fd, uintptr_t local)
{
    if (fd < 0) {
        FAIL(name, "open: %s", strerror(errno));
        return;
    }
    char lp[64];
    snprintf(lp, sizeof lp, "/dev/fd/%d", fd);
    maps_like(name, lp, local);
    close(fd);
}

/* In a second thread: its own names for the files (thread-self, /proc/TID,
 * task/TID) */
static void *thread_main(void *arg)
{
    (void)arg;
    volatile uint64_t mine = 0x6162636465666768ULL;
    char p[128];
    pid_t tid = (pid_t)syscall(SYS_gettid);
    maps_like("thread/thread-self-maps", "/proc/thread-self/maps", (uintptr_t)&mine);
    snprintf(p, sizeof p, "/proc/%d/maps", tid);
    maps_like("thread/tid-maps", p, (uintptr_t)&mine);
    snprintf(p, sizeof p, "/proc/self/task/%d/smaps", tid);
    maps_like("thread/task-smaps", p, (uintptr_t)&mine);
    snprintf(p, sizeof p, "/proc/%d/mem", tid);
    int fd = open(p, O_RDONLY);
    uint64_t v = 0;
    CHECK("thread/tid-mem", fd >= 0 && pread(fd, &v, 8, (off_t)(uintptr_t)&mine) == 8 && v == mine, "%s: %llx", p,
          (unsigned long long)v);
    if (fd >= 0)
        close(fd);
    return NULL;
}

static int __attribute__((noipa)) patched(void)
{
    return 1;
}

int main(int argc, char **argv)
{
    if (argc > 1 && !strcmp(argv[1], "exe-child"))
        return 42; /* run again through /proc/self/exe */
    volatile uint64_t local = 0x1122334455667788ULL;
    uintptr_t la = (uintptr_t)&local;
    char p[256];
    pid_t pid = getpid(), tid = (pid_t)syscall(SYS_gettid);
    int home = open(".", O_PATH | O_DIRECTORY);
    if (pipe(pipefd) < 0) {
        FAIL("pipe", "%s", strerror(errno));
        DONE();
    }

    /* ---- every way to name maps ---- */
    maps_like("maps/self", "/proc/self/maps", la);
    maps_like("maps/double-slash", "/proc/self//maps", la);
    maps_like("maps/proc-double-slash", "/proc//self/maps", la);
    maps_like("maps/dot", "/proc/./self/maps", la);
    maps_like("maps/dotdot", "/proc/self/../self/maps", la);
    snprintf(p, sizeof p, "/proc/%d/maps", pid);
    maps_like("maps/pid", p, la);
    snprintf(p, sizeof p, "/proc/self/task/%d/maps", tid);
    maps_like("maps/task-tid", p, la);
    snprintf(p, sizeof p, "/proc/%d/task/%d/maps", pid, pid);
    maps_like("maps/pid-task-pid", p, la);
    maps_like("maps/thread-self", "/proc/thread-self/maps", la);
    maps_like("maps/root", "/proc/self/root/proc/self/maps", la);
    maps_like("maps/cwd-root", "/proc/self/cwd/../../../../../../../../proc/self/maps", la);
    unlink("link-maps");
    unlink("link-self");
    if (symlink("/proc/self/maps", "link-maps") == 0)
        maps_like("maps/symlink", "link-maps", la);
    else
        FAIL("maps/symlink", "symlink: %s", strerror(errno));
    if (symlink("/proc/self", "link-self") == 0)
        maps_like("maps/symlink-dir", "link-self/maps", la);
    else
        FAIL("maps/symlink-dir", "symlink: %s", strerror(errno));
    int procfd = open("/proc", O_RDONLY | O_DIRECTORY);
    int selffd = open("/proc/self", O_RDONLY | O_DIRECTORY);
    int selfpath = open("/proc/self", O_PATH | O_DIRECTORY);
    maps_fd("maps/openat-proc", openat(procfd, "self/maps", O_RDONLY), la);
    maps_fd("maps/openat-self", openat(selffd, "maps", O_RDONLY), la);
    maps_fd("maps/openat-self-opath", openat(selfpath, "maps", O_RDONLY), la);
    snprintf(p, sizeof p, "/dev/fd/%d/maps", selffd);
    maps_like("maps/dev-fd-dir", p, la);
    snprintf(p, sizeof p, "/proc/self/fd/%d/maps", selffd);
    maps_like("maps/self-fd-dir", p, la);
    {
        int op = open("/proc/self/maps", O_PATH);
        snprintf(p, sizeof p, "/proc/self/fd/%d", op);
        maps_like("maps/reopen-opath", p, la);
        close(op);
    }
    if (fchdir(selffd) == 0) {
        maps_like("maps/cwd-relative", "maps", la);
        maps_like("maps/cwd-dotdot", "../self/maps", la);
        if (chdir("/proc") == 0)
            maps_like("maps/cwd-proc", "self/maps", la);
    }
    /* back to the scratch directory */
    if (fchdir(home) != 0)
        FAIL("chdir", "%s", strerror(errno));

    pthread_t th;
    if (pthread_create(&th, NULL, thread_main, NULL) == 0)
        pthread_join(th, NULL);
    else
        FAIL("thread", "pthread_create failed");

    {
        /* a maps descriptor reopened through /dev/fd reads the maps of now,
         * and is called /proc/PID/maps */
        int fd = open("/proc/self/maps", O_RDONLY);
        void *m = mmap(NULL, 3 * 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        snprintf(p, sizeof p, "/dev/fd/%d", fd);
        char *s = slurp(p), key[32];
        snprintf(key, sizeof key, "%08lx-", (unsigned long)(uintptr_t)m);
        CHECK("maps/reopen-fresh", s && m != MAP_FAILED && strstr(s, key), "no line for the new mapping %s", key);
        free(s);
        char lk[128] = "", want[64];
        snprintf(p, sizeof p, "/proc/self/fd/%d", fd);
        ssize_t k = readlink(p, lk, sizeof lk - 1);
        if (k > 0)
            lk[k] = 0;
        snprintf(want, sizeof want, "/proc/%d/maps", pid);
        CHECK("maps/readlink-fd", !strcmp(lk, want), "readlink %s: %s, want %s", p, lk, want);
        close(fd);
        munmap(m, 3 * 4096);
    }

    /* ---- the other maps-like files ---- */
    maps_like("smaps/self", "/proc/self/smaps", la);
    snprintf(p, sizeof p, "/proc/%d/task/%d/smaps", pid, tid);
    maps_like("smaps/task", p, la);
    maps_like("smaps/thread-self", "/proc/thread-self/smaps", la);
    {
        /* numa_maps: each line starts with a range's first address */
        char *nm = slurp("/proc/self/numa_maps"), *mp = slurp("/proc/self/maps");
        if (!nm && (errno == ENOENT || errno == EACCES)) {
            SKIP("numa_maps", "no numa_maps here (%s)", strerror(errno));
        } else if (!nm || !mp) {
            FAIL("numa_maps", "read: %s", strerror(errno));
        } else {
            int bad = 0, n = 0;
            char what[64] = "";
            for (char *l = nm; *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : l + strlen(l)) {
                unsigned long long a;
                if (sscanf(l, "%llx", &a) != 1)
                    continue;
                n++;
                char key[32];
                snprintf(key, sizeof key, "%08llx-", a);
                if (!strstr(mp, key) && !bad) {
                    bad = 1;
                    snprintf(what, sizeof what, "%llx", a);
                }
            }
            CHECK("numa_maps", n > 0 && !bad, "%d lines; %s is no range of maps", n, what);
        }
        free(nm);
        free(mp);
    }
    {
        /* smaps_rollup: its range starts where the first mapping does */
        char *r = slurp("/proc/self/smaps_rollup"), *mp = slurp("/proc/self/maps");
        unsigned long long lo = 0, hi = 0, mlo = 1;
        if (!r || !mp)
            FAIL("smaps_rollup", "read: %s", strerror(errno));
        else if (sscanf(r, "%llx-%llx", &lo, &hi) != 2 || sscanf(mp, "%llx", &mlo) != 1)
            FAIL("smaps_rollup", "unreadable: %.60s", r);
        else
            CHECK("smaps_rollup", lo == mlo && hi > lo && strstr(r, "[rollup]"), "rollup %llx-%llx, maps from %llx",
                  lo, hi, mlo);
        free(r);
        free(mp);
    }

    /* ---- mem ---- */
    int mem = open("/proc/self/mem", O_RDWR);
    if (mem < 0) {
        FAIL("mem/open", "%s", strerror(errno));
    } else {
        uint64_t v = 0;
        CHECK("mem/pread-local", pread(mem, &v, 8, (off_t)la) == 8 && v == local,
              "pread at &local: %llx, want %llx", (unsigned long long)v, (unsigned long long)local);
        uint64_t nv = 0xa5a5a5a55a5a5a5aULL;
        CHECK("mem/pwrite-local", pwrite(mem, &nv, 8, (off_t)la) == 8 && local == nv, "local is %llx after pwrite",
              (unsigned long long)local);
        v = 0;
        CHECK("mem/lseek-read", lseek(mem, (off_t)la, SEEK_SET) == (off_t)la && read(mem, &v, 8) == 8 && v == nv &&
                                    lseek(mem, 0, SEEK_CUR) == (off_t)(la + 8),
              "read after lseek: %llx", (unsigned long long)v);
        local = 7;
        uint64_t r1 = 0;
        struct iovec iov[2] = {{&r1, 4}, {(char *)&r1 + 4, 4}};
        CHECK("mem/preadv", preadv(mem, iov, 2, (off_t)la) == 8 && r1 == 7, "preadv: %llx", (unsigned long long)r1);
        char c = 0;
        CHECK_ERR("mem/unmapped", pread(mem, &c, 1, 0), EIO);
        /* the escape: writing where no memory of this process is (under
         * vvm, past the guest's space: vvm's own memory) */
        CHECK_ERR("mem/write-past-space", pwrite(mem, &c, 1, (off_t)(1ULL << 38)), EIO);
        CHECK_ERR("mem/write-host-pie", pwrite(mem, &c, 1, (off_t)0x555555554000ULL), EIO);
        /* the escape issue 7 found: a range smaps lists that mem writes
         * (here: the byte that is there, written back) but that is no memory
         * the process can read: vvm's own */
        {
            char *sm = slurp("/proc/self/smaps");
            int bad = 0, n = 0;
            char what[96] = "";
            for (char *l = sm; l && *l; l = strchr(l, '\n'), l = l ? l + 1 : NULL) {
                unsigned long long lo, hi;
                char perms[8];
                if (sscanf(l, "%llx-%llx %7s", &lo, &hi, perms) != 3 || perms[0] != 'r')
                    continue;
                size_t ll = strcspn(l, "\n");
                const char *br = memchr(l, '[', ll);
                if (br && (!strncmp(br, "[vsyscall]", 10) || !strncmp(br, "[vvar", 5)))
                    continue;
                n++;
                unsigned char b;
                if (pread(mem, &b, 1, (off_t)lo) == 1 && pwrite(mem, &b, 1, (off_t)lo) == 1 && !readable(lo) && !bad) {
                    bad = 1;
                    snprintf(what, sizeof what, "%llx-%llx", lo, hi);
                }
            }
            CHECK("mem/escape", sm && n > 0 && !bad, "%s is written through mem but is no memory of this process",
                  what);
            free(sm);
        }
        /* a descriptor named through /proc/self/fd reads the same */
        snprintf(p, sizeof p, "/proc/self/fd/%d", mem);
        int m2 = open(p, O_RDONLY);
        v = 0;
        CHECK("mem/reopen", m2 >= 0 && pread(m2, &v, 8, (off_t)la) == 8 && v == 7, "fd %d read %llx", m2,
              (unsigned long long)v);
        if (m2 >= 0) {
            CHECK_ERR("mem/readonly-write", pwrite(m2, &v, 8, (off_t)la), EBADF);
            close(m2);
        }
        /* a copy of the descriptor shares its position */
        int m3 = dup(mem), m4 = fcntl(mem, F_DUPFD_CLOEXEC, 100);
        local = 0x0102030405060708ULL;
        v = 0;
        CHECK("mem/dup", m3 >= 0 && lseek(m3, (off_t)la, SEEK_SET) == (off_t)la && read(mem, &v, 8) == 8 &&
                             v == local && lseek(m3, 0, SEEK_CUR) == (off_t)(la + 8),
              "read %llx", (unsigned long long)v);
        v = 0;
        CHECK("mem/dupfd", m4 >= 0 && pread(m4, &v, 8, (off_t)la) == 8 && v == local, "read %llx",
              (unsigned long long)v);
        close(m3);
        close(m4);
        /* what the descriptor is called */
        char lk[256] = "";
        ssize_t k = readlink(p, lk, sizeof lk - 1);
        if (k > 0)
            lk[k] = 0;
        char want[64];
        snprintf(want, sizeof want, "/proc/%d/mem", pid);
        CHECK("mem/readlink-fd", k > 0 && !strcmp(lk, want), "readlink %s: %s, want %s", p, lk, want);

        /* code written through mem runs as written */
        int first = patched();
#if defined(__riscv)
        static const uint32_t code[] = {0x02a00513, /* li a0, 42 */ 0x00008067 /* ret */};
#elif defined(__x86_64__)
        static const uint8_t code[] = {0xb8, 42, 0, 0, 0, 0xc3}; /* mov $42, %eax; ret */
#endif
#if defined(__riscv) || defined(__x86_64__)
        ssize_t w = pwrite(mem, code, sizeof code, (off_t)(uintptr_t)patched);
#ifdef __riscv
        __asm__ volatile("fence.i" ::: "memory");
#endif
        int second = patched();
        CHECK("mem/write-code", first == 1 && w == (ssize_t)sizeof code && second == 42,
              "wrote %zd bytes; patched() gave %d then %d", w, first, second);
#else
        (void)first;
        SKIP("mem/write-code", "no code for this machine");
#endif
        close(mem);
    }

    /* ---- auxv, cmdline, environ, stat, status, exe ---- */
    {
        size_t n = 0;
        char *s = slurp_at(AT_FDCWD, "/proc/self/auxv", &n);
        int ok = s != NULL, seen = 0;
        for (size_t i = 0; s && i + 16 <= n; i += 16) {
            uint64_t k, v;
            memcpy(&k, s + i, 8);
            memcpy(&v, s + i + 8, 8);
            if (k == AT_PHDR || k == AT_ENTRY || k == AT_PAGESZ || k == AT_RANDOM) {
                seen++;
                if (v != getauxval(k))
                    ok = 0;
            }
        }
        CHECK("auxv", ok && seen == 4, "AT_PHDR/ENTRY/PAGESZ/RANDOM: %d seen, %s", seen, ok ? "equal" : "differ");
        free(s);
    }
    {
        size_t n = 0;
        char *s = slurp_at(AT_FDCWD, "/proc/self/cmdline", &n);
        size_t want = 0;
        for (int i = 0; argv[i]; i++)
            want += strlen(argv[i]) + 1;
        CHECK("cmdline", s && n == want && !strcmp(s, argv[0]), "%zu bytes (want %zu), first %s", n, want,
              s ? s : "(none)");
        free(s);
    }
    {
        size_t n = 0;
        char *s = slurp_at(AT_FDCWD, "/proc/self/environ", &n);
        CHECK("environ", s && (environ[0] ? !strcmp(s, environ[0]) : n == 0), "first %s, want %s", s ? s : "(none)",
              environ[0] ? environ[0] : "(none)");
        free(s);
    }
    {
        char *s = slurp("/proc/self/stat");
        unsigned long long f[60] = {0};
        int nf = 0;
        char *rp = s ? strrchr(s, ')') : NULL;
        if (rp) {
            char *save = NULL;
            nf = 3;
            for (char *tok = strtok_r(rp + 2, " ", &save); tok && nf < 60; tok = strtok_r(NULL, " ", &save), nf++)
                f[nf] = strtoull(tok, NULL, 10);
        }
        /* fields 26 and 27: start and end of code, with main between;
         * 28: the start of the stack, above the local variable */
        uintptr_t m = (uintptr_t)main;
        CHECK("stat", rp && f[26] <= m && m < f[27] && f[28] > la && strtol(s, NULL, 10) == pid,
              "code %llx-%llx (main %lx), stack start %llx (local %lx)", f[26], f[27], (unsigned long)m, f[28],
              (unsigned long)la);
        free(s);
        snprintf(p, sizeof p, "/proc/%d/task/%d/stat", pid, tid);
        s = slurp(p);
        rp = s ? strrchr(s, ')') : NULL;
        unsigned long long endcode = 0;
        if (rp) {
            char *save = NULL;
            int i = 3;
            for (char *tok = strtok_r(rp + 2, " ", &save); tok; tok = strtok_r(NULL, " ", &save), i++)
                if (i == 27)
                    endcode = strtoull(tok, NULL, 10);
        }
        CHECK("stat/task", rp && endcode > m, "end of code %llx, main %lx", endcode, (unsigned long)m);
        free(s);
    }
    {
        char *s = slurp("/proc/self/status");
        char *vm = s ? strstr(s, "VmSize:") : NULL;
        CHECK("status", vm && strstr(s, "Name:") && strstr(s, "Pid:"), "no VmSize/Name/Pid line");
        free(s);
    }
    {
        struct stat me, ex, viafd;
        char lk[4096] = "";
        ssize_t k = readlink("/proc/self/exe", lk, sizeof lk - 1);
        if (k > 0)
            lk[k] = 0;
        int ok = stat(argv[0], &me) == 0 && k > 0 && stat(lk, &ex) == 0 && me.st_ino == ex.st_ino &&
                 me.st_dev == ex.st_dev;
        CHECK("exe/readlink", ok, "readlink gives %s, this program is %s", lk, argv[0]);
        static const char *const names[] = {"/proc/self/exe", "/proc/self//exe", "/proc/thread-self/exe",
                                            "/proc/./self/exe", "link-exe", NULL};
        unlink("link-exe");
        if (symlink("/proc/self/exe", "link-exe") != 0)
            FAIL("exe/symlink", "%s", strerror(errno));
        for (int i = 0; names[i]; i++) {
            char nm[64];
            snprintf(nm, sizeof nm, "exe/open%d", i);
            int fd = open(names[i], O_RDONLY);
            CHECK(nm, fd >= 0 && fstat(fd, &viafd) == 0 && viafd.st_ino == me.st_ino && viafd.st_dev == me.st_dev,
                  "open %s: not this program", names[i]);
            if (fd >= 0)
                close(fd);
            snprintf(nm, sizeof nm, "exe/stat%d", i);
            CHECK(nm, stat(names[i], &ex) == 0 && ex.st_ino == me.st_ino, "stat %s: not this program", names[i]);
            struct statx sx;
            snprintf(nm, sizeof nm, "exe/statx%d", i);
            CHECK(nm, statx(AT_FDCWD, names[i], 0, STATX_INO, &sx) == 0 && sx.stx_ino == me.st_ino,
                  "statx %s: not this program", names[i]);
        }
        /* an O_PATH descriptor of exe, reopened; of the link itself, read */
        int op = open("/proc/self/exe", O_PATH);
        snprintf(p, sizeof p, "/proc/self/fd/%d", op);
        int fd = open(p, O_RDONLY);
        CHECK("exe/opath-reopen", fd >= 0 && fstat(fd, &viafd) == 0 && viafd.st_ino == me.st_ino,
              "reopening an O_PATH descriptor of /proc/self/exe: not this program");
        if (fd >= 0)
            close(fd);
        close(op);
        op = open("/proc/self/exe", O_PATH | O_NOFOLLOW);
        k = readlinkat(op, "", lk, sizeof lk - 1);
        if (k > 0)
            lk[k] = 0;
        CHECK("exe/opath-readlink", k > 0 && stat(lk, &ex) == 0 && ex.st_ino == me.st_ino,
              "readlinkat(O_PATH exe, \"\"): %s", k > 0 ? lk : strerror(errno));
        close(op);
        snprintf(p, sizeof p, "/proc/%d/exe", pid);
        k = readlink(p, lk, sizeof lk - 1);
        if (k > 0)
            lk[k] = 0;
        CHECK("exe/readlink-pid", k > 0 && stat(lk, &ex) == 0 && ex.st_ino == me.st_ino, "readlink %s gives %s", p,
              k > 0 ? lk : strerror(errno));
    }

    /* ---- running /proc/self/exe runs this program ---- */
    {
        static const char *const names[] = {"/proc/self/exe", "/proc/self//exe", "link-exe", NULL};
        for (int i = 0; names[i]; i++) {
            char nm[64];
            snprintf(nm, sizeof nm, "exe/execve%d", i);
            pid_t c = fork();
            if (c == 0) {
                char *args[] = {argv[0], "exe-child", NULL};
                execve(names[i], args, environ);
                _exit(errno);
            }
            int st = 0;
            waitpid(c, &st, 0);
            CHECK(nm, WIFEXITED(st) && WEXITSTATUS(st) == 42, "execve %s: status %#x", names[i], st);
        }
    }

    /* ---- after fork: the child's own entries are the child's ---- */
    {
        int pp[2];
        if (pipe(pp) < 0) {
            FAIL("fork/maps", "pipe");
        } else {
            pid_t c = fork();
            if (c == 0) {
                char *s = slurp("/proc/self/maps");
                char why[256];
                const char *w = s ? check_ranges(s, la, why, sizeof why) : "cannot read";
                int fd = open("/proc/self/mem", O_RDONLY);
                uint64_t v = 0;
                int memok = fd >= 0 && pread(fd, &v, 8, (off_t)la) == 8 && v == local;
                char res[300];
                snprintf(res, sizeof res, "%s%s", w, memok ? "" : "mem");
                if (write(pp[1], res, strlen(res) + 1) < 0)
                    _exit(2);
                _exit(0);
            }
            close(pp[1]);
            char res[300] = "no answer";
            ssize_t n = read(pp[0], res, sizeof res - 1);
            if (n > 0)
                res[n] = 0;
            close(pp[0]);
            int st;
            waitpid(c, &st, 0);
            CHECK("fork/maps", n > 0 && !*res, "in the child: %s", res);
        }
    }

    /* ---- another process's memory ---- */
    {
        /* natively a parent may write its child's memory; under vvm the
         * child is another vvm, whose host memory the guest must not reach */
        int pp[2];
        if (pipe(pp) < 0)
            FAIL("other/mem", "pipe");
        pid_t c = fork();
        if (c == 0) {
            char ch;
            close(pp[1]);
#ifdef __riscv
            /* the child's parent is a guest in another vvm too */
            snprintf(p, sizeof p, "/proc/%d/mem", getppid());
            CHECK_ERR("other/parent-mem", open(p, O_RDWR), EACCES);
#endif
            if (read(pp[0], &ch, 1) < 0)
                _exit(1);
            _exit(0);
        }
        close(pp[0]);
#ifdef __riscv
        snprintf(p, sizeof p, "/proc/%d/mem", c);
        CHECK_ERR("other/mem", open(p, O_RDWR), EACCES);
        snprintf(p, sizeof p, "/proc/%d/task/%d/mem", c, c);
        CHECK_ERR("other/task-mem", open(p, O_RDONLY), EACCES);
        static const char *const other[] = {"maps", "smaps", "smaps_rollup", "numa_maps", "auxv", "pagemap", NULL};
        for (int i = 0; other[i]; i++) {
            char nm[64];
            snprintf(nm, sizeof nm, "other/%s", other[i]);
            snprintf(p, sizeof p, "/proc/%d/%s", c, other[i]);
            CHECK_ERR(nm, open(p, O_RDONLY), EACCES);
        }
        /* another process's stat opens, with no addresses in it (fields
         * 26-30: code, stack, sp, pc; Linux zeroes them for a reader that
         * may not trace the process) */
        snprintf(p, sizeof p, "/proc/%d/stat", c);
        char *os = slurp(p), *orp = os ? strrchr(os, ')') : NULL;
        int zeros = 0, fno = 3;
        char *save = NULL;
        for (char *tok = orp ? strtok_r(orp + 2, " ", &save) : NULL; tok; tok = strtok_r(NULL, " ", &save), fno++)
            if (fno >= 26 && fno <= 30 && !strcmp(tok, "0"))
                zeros++;
        CHECK("other/stat", orp && zeros == 5, "%s: %d of fields 26-30 are 0", p, zeros);
        free(os);
        snprintf(p, sizeof p, "/proc/%d", c);
        unlink("link-child");
        if (symlink(p, "link-child") == 0)
            CHECK_ERR("other/symlink-mem", open("link-child/mem", O_RDWR), EACCES);
        else
            FAIL("other/symlink-mem", "symlink: %s", strerror(errno));
#else
        SKIP("other/mem", "natively a parent may write its child's memory");
#endif
        close(pp[1]);
        waitpid(c, NULL, 0);
    }

    /* ---- what may not be read is refused ---- */
    {
        /* natively these are readable (stack with CAP_SYS_ADMIN only); what
         * they show under vvm would be the host's (vvm's page frames, its
         * system call and kernel stack), so vvm refuses them as Linux
         * refuses a file the caller may not read */
        static const char *const refused[] = {"pagemap", "syscall", "stack", NULL};
        for (int i = 0; refused[i]; i++) {
            char nm[64];
            snprintf(p, sizeof p, "/proc/self/%s", refused[i]);
            snprintf(nm, sizeof nm, "refused/%s", refused[i]);
            errno = 0;
            int fd = open(p, O_RDONLY);
            int e = errno;
#ifdef __riscv
            CHECK(nm, fd < 0 && e == EACCES, "open %s: %s", p, fd >= 0 ? "opened" : strerror(e));
#else
            CHECK(nm, fd >= 0 || e == EACCES || e == EPERM, "open %s: %s", p, strerror(e));
#endif
            if (fd >= 0)
                close(fd);
        }
    }
    {
        /* the process is named after its program */
        const char *b = strrchr(argv[0], '/');
        char want[16];
        snprintf(want, sizeof want, "%s", b ? b + 1 : argv[0]);
        char *comm = slurp("/proc/self/comm"), *st = slurp("/proc/self/status");
        char line[64];
        snprintf(line, sizeof line, "Name:\t%s\n", want);
        CHECK("comm", comm && !strncmp(comm, want, strlen(want)) && comm[strlen(want)] == '\n' && st &&
                          !strncmp(st, line, strlen(line)),
              "comm %s, want %s", comm ? comm : "(none)", want);
        free(comm);
        free(st);
    }
    DONE();
}
