/* files: descriptors, file I/O, stat and the file system name space. */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdint.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "t.h"

static char dir[64];
static void *volatile badp = (void *)8; /* an address no guest maps */
static char pbuf[256];

static const char *P(const char *name)
{
    snprintf(pbuf, sizeof pbuf, "%s/%s", dir, name);
    return pbuf;
}

static void test_rw(void)
{
    GROUP_BEGIN();
    int fd = open(P("a"), O_CREAT | O_RDWR | O_TRUNC | O_CLOEXEC, 0644);
    CHECK("rw", fd >= 3);
    CHECK("rw", write(fd, "hello world\n", 12) == 12);
    CHECK("rw", lseek(fd, 0, SEEK_CUR) == 12);
    CHECK("rw", lseek(fd, 6, SEEK_SET) == 6);
    char b[32] = {0};
    CHECK("rw", read(fd, b, sizeof b) == 6 && !memcmp(b, "world\n", 6));
    CHECK("rw", read(fd, b, sizeof b) == 0);
    CHECK("rw", pwrite(fd, "W", 1, 6) == 1);
    memset(b, 0, sizeof b);
    CHECK("rw", pread(fd, b, 5, 6) == 5 && !strcmp(b, "World"));
    CHECK("rw", lseek(fd, 0, SEEK_END) == 12);
    struct iovec v[3] = {{"ab", 2}, {NULL, 0}, {"cde", 3}};
    CHECK("rw", writev(fd, v, 3) == 5);
    char x[4] = {0}, y[16] = {0};
    struct iovec r[2] = {{x, 3}, {y, sizeof y}};
    CHECK("rw", lseek(fd, 0, SEEK_SET) == 0);
    CHECK("rw", readv(fd, r, 2) == 17 && !strcmp(x, "hel") && !memcmp(y, "lo World\nabcde", 14));
    CHECK("rw", write(fd, badp, 10) == -1 && errno == EFAULT);
    CHECK("rw", read(fd, badp, 10) == -1 && errno == EFAULT);
    CHECK("rw", lseek(fd, -1, SEEK_SET) == -1 && errno == EINVAL);
    CHECK("rw", close(fd) == 0);
    CHECK("rw", close(fd) == -1 && errno == EBADF);
    CHECK("rw", open(P("missing"), O_RDONLY) == -1 && errno == ENOENT);
    CHECK("rw", open(P("a"), O_CREAT | O_EXCL | O_WRONLY, 0600) == -1 && errno == EEXIST);
    GROUP_END("rw");
}

static void test_stat(void)
{
    GROUP_BEGIN();
    struct stat st, st2;
    CHECK("stat", stat(P("a"), &st) == 0);
    CHECK("stat", S_ISREG(st.st_mode) && (st.st_mode & 0777) == 0644 && st.st_size == 17 && st.st_nlink == 1);
    CHECK("stat", st.st_uid == getuid() && st.st_gid == getgid() && st.st_blksize > 0);
    CHECK("stat", st.st_mtim.tv_sec > 1600000000);
    int fd = open(P("a"), O_RDONLY);
    CHECK("stat", fstat(fd, &st2) == 0 && st2.st_ino == st.st_ino && st2.st_dev == st.st_dev &&
                      st2.st_size == 17);
    close(fd);
    CHECK("stat", stat(dir, &st) == 0 && S_ISDIR(st.st_mode));
    CHECK("stat", stat(P("nope"), &st) == -1 && errno == ENOENT);
    CHECK("stat", fstatat(AT_FDCWD, P("a"), &st, AT_SYMLINK_NOFOLLOW) == 0 && st.st_size == 17);
    CHECK("stat", stat("/dev/null", &st) == 0 && S_ISCHR(st.st_mode) && st.st_rdev == makedev(1, 3));
    struct statx sx;
    CHECK("stat", statx(AT_FDCWD, P("a"), 0, STATX_BASIC_STATS, &sx) == 0 && sx.stx_size == 17 &&
                      (sx.stx_mode & 0777) == 0644);
    fd = open(P("a"), O_RDONLY);
    CHECK("stat", statx(fd, "", AT_EMPTY_PATH, STATX_SIZE, &sx) == 0 && sx.stx_size == 17);
    close(fd);
    GROUP_END("stat");
}

static void test_dirs(void)
{
    GROUP_BEGIN();
    CHECK("dirs", mkdir(P("d"), 0755) == 0);
    CHECK("dirs", mkdir(P("d"), 0755) == -1 && errno == EEXIST);
    char p2[256];
    snprintf(p2, sizeof p2, "%s/d/f1", dir);
    int fd = open(p2, O_CREAT | O_WRONLY, 0600);
    CHECK("dirs", fd >= 0);
    close(fd);
    snprintf(p2, sizeof p2, "%s/d/f2", dir);
    fd = open(p2, O_CREAT | O_WRONLY, 0600);
    close(fd);
    DIR *d = opendir(P("d"));
    CHECK("dirs", d != NULL);
    int n = 0, f1 = 0, f2 = 0;
    struct dirent *e;
    while (d && (e = readdir(d))) {
        n++;
        f1 |= !strcmp(e->d_name, "f1") && e->d_type == DT_REG;
        f2 |= !strcmp(e->d_name, "f2");
    }
    if (d)
        closedir(d);
    CHECK("dirs", n == 4 && f1 && f2);
    CHECK("dirs", rmdir(P("d")) == -1 && errno == ENOTEMPTY);
    int dfd = open(P("d"), O_RDONLY | O_DIRECTORY);
    CHECK("dirs", dfd >= 0);
    CHECK("dirs", unlinkat(dfd, "f1", 0) == 0 && unlinkat(dfd, "f2", 0) == 0);
    CHECK("dirs", mkdirat(dfd, "sub", 0700) == 0);
    CHECK("dirs", unlinkat(dfd, "sub", AT_REMOVEDIR) == 0);
    char cwd[PATH_MAX], cwd2[PATH_MAX];
    CHECK("dirs", getcwd(cwd, sizeof cwd) == cwd);
    CHECK("dirs", fchdir(dfd) == 0);
    CHECK("dirs", getcwd(cwd2, sizeof cwd2) && strstr(cwd2, "/d") == cwd2 + strlen(cwd2) - 2);
    CHECK("dirs", chdir("..") == 0 && getcwd(cwd2, sizeof cwd2) && !strcmp(strrchr(cwd2, '/'), strrchr(dir, '/')));
    CHECK("dirs", chdir(cwd) == 0);
    CHECK("dirs", getcwd(cwd2, 2) == NULL && errno == ERANGE);
    close(dfd);
    CHECK("dirs", rmdir(P("d")) == 0);
    GROUP_END("dirs");
}

static void test_links(void)
{
    GROUP_BEGIN();
    char t[256], buf[256];
    CHECK("links", symlink("a", P("sl")) == 0);
    ssize_t n = readlink(P("sl"), buf, sizeof buf);
    CHECK("links", n == 1 && buf[0] == 'a');
    struct stat st;
    CHECK("links", lstat(P("sl"), &st) == 0 && S_ISLNK(st.st_mode));
    CHECK("links", stat(P("sl"), &st) == 0 && S_ISREG(st.st_mode));
    snprintf(t, sizeof t, "%s", P("hl"));
    CHECK("links", link(P("a"), t) == 0);
    CHECK("links", stat(P("a"), &st) == 0 && st.st_nlink == 2);
    snprintf(t, sizeof t, "%s", P("hl2"));
    CHECK("links", rename(P("hl"), t) == 0);
    CHECK("links", access(t, F_OK) == 0 && access(P("hl"), F_OK) == -1 && errno == ENOENT);
    CHECK("links", renameat2(AT_FDCWD, t, AT_FDCWD, P("a"), RENAME_NOREPLACE) == -1 && errno == EEXIST);
    CHECK("links", unlink(t) == 0 && unlink(P("sl")) == 0);
    CHECK("links", readlink(P("a"), buf, sizeof buf) == -1 && errno == EINVAL);
    /* /proc/self/exe names the guest program */
    n = readlink("/proc/self/exe", buf, sizeof buf - 1);
    CHECK("links", n > 0);
    if (n > 0) {
        buf[n] = 0;
        const char *b = strrchr(buf, '/');
        CHECK("links", b && !strncmp(b + 1, "files", 5));
    }
    int fd = open("/proc/self/exe", O_RDONLY);
    char elf[4] = {0};
    CHECK("links", fd >= 0 && read(fd, elf, 4) == 4 && !memcmp(elf, "\177ELF", 4));
    unsigned char hdr[20];
    CHECK("links", pread(fd, hdr, 20, 0) == 20 && hdr[18] == 243); /* EM_RISCV */
    close(fd);
    GROUP_END("links");
}

static void test_perms(void)
{
    GROUP_BEGIN();
    mode_t old = umask(022);
    CHECK("perms", umask(old) == 022);
    CHECK("perms", chmod(P("a"), 0600) == 0);
    struct stat st;
    CHECK("perms", stat(P("a"), &st) == 0 && (st.st_mode & 0777) == 0600);
    int fd = open(P("a"), O_RDWR);
    CHECK("perms", fchmod(fd, 0640) == 0 && fstat(fd, &st) == 0 && (st.st_mode & 0777) == 0640);
    CHECK("perms", fchmodat(AT_FDCWD, P("a"), 0644, 0) == 0 && stat(P("a"), &st) == 0 && (st.st_mode & 0777) == 0644);
    CHECK("perms", fchown(fd, -1, -1) == 0 && chown(P("a"), getuid(), -1) == 0);
    CHECK("perms", fchownat(AT_FDCWD, P("a"), -1, getgid(), 0) == 0);
    CHECK("perms", access(P("a"), R_OK | W_OK) == 0);
    CHECK("perms", faccessat(AT_FDCWD, P("a"), X_OK, 0) == -1 && errno == EACCES);
    CHECK("perms", faccessat(AT_FDCWD, P("a"), R_OK, AT_EACCESS) == 0);
    struct timespec ts[2] = {{1000000000, 5}, {1200000000, 7000}};
    CHECK("perms", utimensat(AT_FDCWD, P("a"), ts, 0) == 0);
    CHECK("perms", stat(P("a"), &st) == 0 && st.st_mtim.tv_sec == 1200000000 && st.st_mtim.tv_nsec == 7000 &&
                       st.st_atim.tv_sec == 1000000000);
    struct timespec now[2] = {{0, UTIME_NOW}, {0, UTIME_OMIT}};
    CHECK("perms", futimens(fd, now) == 0 && fstat(fd, &st) == 0 && st.st_mtim.tv_sec == 1200000000 &&
                       st.st_atim.tv_sec > 1600000000);
    close(fd);
    GROUP_END("perms");
}

static void test_sizes(void)
{
    GROUP_BEGIN();
    struct stat st;
    CHECK("sizes", truncate(P("a"), 5) == 0 && stat(P("a"), &st) == 0 && st.st_size == 5);
    int fd = open(P("a"), O_RDWR);
    CHECK("sizes", ftruncate(fd, 100000) == 0 && fstat(fd, &st) == 0 && st.st_size == 100000);
    int r = fallocate(fd, 0, 0, 200000);
    CHECK("sizes", (r == 0 && fstat(fd, &st) == 0 && st.st_size == 200000) || (r == -1 && errno == EOPNOTSUPP));
    CHECK("sizes", ftruncate(fd, 12) == 0);
    CHECK("sizes", fsync(fd) == 0 && fdatasync(fd) == 0);
    sync();
    CHECK("sizes", posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL) == 0);
    CHECK("sizes", posix_fadvise(fd, 0, 0, 12345) == EINVAL);
    struct statfs sf;
    CHECK("sizes", fstatfs(fd, &sf) == 0 && sf.f_bsize > 0 && sf.f_namelen > 0);
    struct statfs sf2;
    CHECK("sizes", statfs(dir, &sf2) == 0 && sf2.f_type == sf.f_type && sf2.f_fsid.__val[0] == sf.f_fsid.__val[0]);
    CHECK("sizes", statfs("/proc", &sf2) == 0 && sf2.f_type == 0x9fa0); /* PROC_SUPER_MAGIC */
    close(fd);
    GROUP_END("sizes");
}

static void test_fds(void)
{
    GROUP_BEGIN();
    int fd = open(P("a"), O_RDONLY);
    int d = dup(fd);
    CHECK("fds", d > fd);
    CHECK("fds", fcntl(d, F_GETFD) == 0);
    int d2 = dup3(fd, 40, O_CLOEXEC);
    CHECK("fds", d2 == 40 && fcntl(40, F_GETFD) == FD_CLOEXEC);
    CHECK("fds", dup2(fd, 41) == 41 && fcntl(41, F_GETFD) == 0);
    CHECK("fds", dup3(fd, fd, 0) == -1 && errno == EINVAL);
    CHECK("fds", fcntl(fd, F_DUPFD, 50) == 50);
    CHECK("fds", fcntl(fd, F_DUPFD_CLOEXEC, 50) == 51 && fcntl(51, F_GETFD) == FD_CLOEXEC);
    CHECK("fds", fcntl(fd, F_SETFD, FD_CLOEXEC) == 0 && fcntl(fd, F_GETFD) == FD_CLOEXEC);
    CHECK("fds", (fcntl(fd, F_GETFL) & O_ACCMODE) == O_RDONLY);
    CHECK("fds", fcntl(fd, F_SETFL, O_NONBLOCK) == 0 && (fcntl(fd, F_GETFL) & O_NONBLOCK));
    CHECK("fds", fcntl(12345, F_GETFD) == -1 && errno == EBADF);
    /* record locks */
    int w = open(P("a"), O_RDWR);
    struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 4};
    CHECK("fds", fcntl(w, F_SETLK, &fl) == 0);
    struct flock q = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 4};
    CHECK("fds", fcntl(w, F_GETLK, &q) == 0 && q.l_type == F_UNLCK);
    struct flock o = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 4};
    CHECK("fds", fcntl(w, F_OFD_GETLK, &o) == 0 && o.l_type == F_WRLCK && o.l_pid > 0);
    CHECK("fds", flock(w, LOCK_EX) == 0 && flock(w, LOCK_UN) == 0);
    CHECK("fds", flock(w, LOCK_SH | LOCK_NB) == 0);
    close(w);
    /* close_range */
    CHECK("fds", close_range(40, 51, 0) == 0);
    CHECK("fds", fcntl(40, F_GETFD) == -1 && fcntl(41, F_GETFD) == -1 && fcntl(50, F_GETFD) == -1);
    CHECK("fds", close_range(d, d, CLOSE_RANGE_CLOEXEC) == 0 && fcntl(d, F_GETFD) == FD_CLOEXEC);
    close(d);
    close(fd);
    /* pipes */
    int p[2];
    CHECK("fds", pipe2(p, O_CLOEXEC | O_NONBLOCK) == 0 && fcntl(p[0], F_GETFD) == FD_CLOEXEC);
    char c;
    CHECK("fds", read(p[0], &c, 1) == -1 && errno == EAGAIN);
    CHECK("fds", write(p[1], "xyz", 3) == 3);
    int avail = -1;
    CHECK("fds", ioctl(p[0], FIONREAD, &avail) == 0 && avail == 3);
    CHECK("fds", fcntl(p[0], F_GETPIPE_SZ) >= 4096);
    CHECK("fds", read(p[0], &c, 1) == 1 && c == 'x');
    close(p[1]);
    char b2[8];
    CHECK("fds", read(p[0], b2, 8) == 2 && read(p[0], b2, 8) == 0);
    close(p[0]);
    CHECK("fds", pipe(badp) == -1 && errno == EFAULT);
    GROUP_END("fds");
}

static void test_copy(void)
{
    GROUP_BEGIN();
    int in = open(P("a"), O_RDWR | O_TRUNC);
    CHECK("copy", write(in, "0123456789", 10) == 10);
    int out = open(P("b"), O_CREAT | O_RDWR | O_TRUNC, 0600);
    off_t off = 2;
    CHECK("copy", sendfile(out, in, &off, 5) == 5 && off == 7);
    lseek(in, 0, SEEK_SET);
    CHECK("copy", sendfile(out, in, NULL, 3) == 3 && lseek(in, 0, SEEK_CUR) == 3);
    char buf[16] = {0};
    CHECK("copy", pread(out, buf, 16, 0) == 8 && !strcmp(buf, "23456012"));
    loff_t oi = 8, oo = 0;
    ssize_t n = copy_file_range(in, &oi, out, &oo, 2, 0);
    CHECK("copy", n == 2 && oi == 10 && oo == 2);
    memset(buf, 0, sizeof buf);
    CHECK("copy", pread(out, buf, 16, 0) == 8 && !strcmp(buf, "89456012"));
    close(in);
    close(out);
    unlink(P("b"));
    /* memfd */
    int m = memfd_create("vvm-test", MFD_CLOEXEC);
    CHECK("copy", m >= 0 && ftruncate(m, 4096) == 0);
    char *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, m, 0);
    CHECK("copy", p != MAP_FAILED);
    if (p != MAP_FAILED) {
        strcpy(p, "shared");
        CHECK("copy", pread(m, buf, 7, 0) == 7 && !strcmp(buf, "shared"));
        munmap(p, 4096);
    }
    char link[64], target[64];
    snprintf(link, sizeof link, "/proc/self/fd/%d", m);
    n = readlink(link, target, sizeof target - 1);
    CHECK("copy", n > 0 && (target[n] = 0, !strncmp(target, "/memfd:vvm-test", 15)));
    close(m);
    GROUP_END("copy");
}


static void test_more(void)
{
    GROUP_BEGIN();
    int fd = open(P("m"), O_CREAT | O_RDWR | O_TRUNC, 0600);
    struct iovec w[2] = {{"abc", 3}, {"defg", 4}};
    CHECK("more", pwritev(fd, w, 2, 10) == 7);
    char x[4] = {0}, y[8] = {0};
    struct iovec r[2] = {{x, 3}, {y, 4}};
    CHECK("more", preadv(fd, r, 2, 10) == 7 && !strcmp(x, "abc") && !strcmp(y, "defg"));
    CHECK("more", lseek(fd, 0, SEEK_CUR) == 0);
    memset(x, 0, sizeof x);
    struct iovec r1 = {x, 2};
    CHECK("more", preadv2(fd, &r1, 1, 11, 0) == 2 && !strcmp(x, "bc"));
    CHECK("more", pwritev2(fd, w, 1, 0, 0) == 3);
    CHECK("more", sync_file_range(fd, 0, 0, SYNC_FILE_RANGE_WRITE) == 0);
    CHECK("more", syncfs(fd) == 0);
    /* splice a file into a pipe, tee it to a second pipe */
    int p1[2], p2[2];
    pipe(p1);
    pipe(p2);
    loff_t off = 10;
    CHECK("more", splice(fd, &off, p1[1], NULL, 7, 0) == 7 && off == 17);
    CHECK("more", tee(p1[0], p2[1], 7, 0) == 7);
    char b[8] = {0};
    CHECK("more", read(p1[0], b, 8) == 7 && !strcmp(b, "abcdefg"));
    memset(b, 0, sizeof b);
    CHECK("more", read(p2[0], b, 8) == 7 && !strcmp(b, "abcdefg"));
    close(p1[0]), close(p1[1]), close(p2[0]), close(p2[1]);
    /* extended attributes, where the file system has them */
    int xr = fsetxattr(fd, "user.vvm", "v1", 2, 0);
    if (xr == 0) {
        char v[8] = {0};
        CHECK("more", fgetxattr(fd, "user.vvm", v, sizeof v) == 2 && !strcmp(v, "v1"));
        CHECK("more", getxattr(P("m"), "user.vvm", NULL, 0) == 2);
        CHECK("more", lsetxattr(P("m"), "user.vvm2", "v22", 3, XATTR_CREATE) == 0);
        char list[64];
        ssize_t n = listxattr(P("m"), list, sizeof list);
        CHECK("more", n >= 19 && llistxattr(P("m"), NULL, 0) == n && flistxattr(fd, list, sizeof list) == n);
        CHECK("more", lremovexattr(P("m"), "user.vvm2") == 0 && fremovexattr(fd, "user.vvm") == 0);
        CHECK("more", removexattr(P("m"), "user.vvm") == -1 && errno == ENODATA);
    } else {
        CHECK("more", errno == ENOTSUP || errno == EPERM);
    }
    CHECK("more", getxattr(P("nope"), "user.x", NULL, 0) == -1 && errno == ENOENT);
    close(fd);
    unlink(P("m"));
    /* a FIFO */
    CHECK("more", mknodat(AT_FDCWD, P("fifo"), S_IFIFO | 0600, 0) == 0);
    struct stat st;
    CHECK("more", stat(P("fifo"), &st) == 0 && S_ISFIFO(st.st_mode));
    CHECK("more", mkfifo(P("fifo"), 0600) == -1 && errno == EEXIST);
    unlink(P("fifo"));
    GROUP_END("more");
}

/* /proc/self/maps shows the guest's own mappings (glibc reads it for the
 * main thread's pthread_getattr_np) */
static void test_maps(void)
{
    GROUP_BEGIN();
    pthread_attr_t a;
    void *addr = NULL;
    size_t sz = 0;
    int local = 0;
    CHECK("maps", pthread_getattr_np(pthread_self(), &a) == 0);
    CHECK("maps", pthread_attr_getstack(&a, &addr, &sz) == 0);
    CHECK("maps", (char *)&local >= (char *)addr && (char *)&local < (char *)addr + sz);
    FILE *f = fopen("/proc/self/maps", "r");
    CHECK("maps", f != NULL);
    char line[512];
    int stack = 0, code = 0;
    unsigned long me = (unsigned long)(uintptr_t)&test_maps;
    while (f && fgets(line, sizeof line, f)) {
        unsigned long lo, hi;
        char perm[8];
        if (sscanf(line, "%lx-%lx %7s", &lo, &hi, perm) != 3)
            continue;
        if (strstr(line, "[stack]") && lo <= (unsigned long)(uintptr_t)&local && (unsigned long)(uintptr_t)&local < hi)
            stack = 1;
        if (lo <= me && me < hi && perm[0] == 'r' && perm[2] == 'x')
            code = 1;
    }
    if (f)
        fclose(f);
    CHECK("maps", stack && code);
    GROUP_END("maps");
}

int main(void)
{
    strcpy(dir, "/tmp/vvm-files-XXXXXX");
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 2;
    }
    test_rw();
    test_stat();
    test_dirs();
    test_links();
    test_perms();
    test_sizes();
    test_fds();
    test_copy();
    test_more();
    test_maps();
    unlink(P("a"));
    rmdir(dir);
    return t_status();
}
