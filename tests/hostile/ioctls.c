/* ioctls: every family of ioctl request on a pty, a socket, a pipe,
 * /dev/null and a regular file.  Known requests work; requests vvm does not
 * know the argument of (the old tty ones whose numbers carry no size or
 * direction, made-up numbers, encoded numbers of no known request) get the
 * errno Linux gives and never reach the host kernel with a guest integer
 * taken as a host address; TIOCSIG takes a signal number, not a pointer. */
#include <fcntl.h>
#include <net/if.h>
#include <signal.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "hostile.h"

/* the kernel's struct termios and termios2 (not glibc's) */
struct k_termios {
    unsigned c_iflag, c_oflag, c_cflag, c_lflag;
    unsigned char c_line, c_cc[19];
};
struct k_termios2 {
    struct k_termios t;
    unsigned c_ispeed, c_ospeed;
};

#define WILD 0x4141414140UL /* an integer that is no guest address */

/* old tty requests without _IOC size or direction, with what their argument is */
static const struct {
    unsigned long cmd;
    const char *name;
} shapeless[] = {
    {0x541C, "TIOCLINUX"},     {0x541E, "TIOCGSERIAL"},   {0x541F, "TIOCSSERIAL"}, {0x5459, "TIOCSERGETLSR"},
    {0x545D, "TIOCGICOUNT"},   {0x5454, "TIOCSERGWILD"},  {0x5455, "TIOCSERSWILD"}, {0x5458, "TIOCSERGSTRUCT"},
    {0x545A, "TIOCSERGETMULTI"}, {0x545B, "TIOCSERSETMULTI"}, {0x5432, "TCGETX"}, {0x542E, "TIOCGRS485"},
};
/* numbers of no request at all: shapeless, and _IOC-encoded ones of several types */
static const unsigned long unknown[] = {
    0x5499, 0x54FF, 0x12345678, 0x80045499 /* _IOR('T', 0x99, int) */, 0xC0405899 /* _IOWR('X', 0x99, 64) */,
    0x80086699 /* _IOR('f', 0x99, long) */, 0x0000, 0xFFFFFFFF,
};

/* each unknown number on fd: the errno Linux gives, with a pointer to a
 * buffer and with a wild integer */
static void unknown_on(const char *what, int fd, int want)
{
    char name[96];
    uint64_t buf[32];
    for (size_t i = 0; i < sizeof unknown / sizeof unknown[0]; i++) {
        memset(buf, 0, sizeof buf);
        snprintf(name, sizeof name, "%s_unknown_%#lx", what, unknown[i]);
        CHECK_ERR(name, ioctl(fd, unknown[i], buf), want);
        snprintf(name, sizeof name, "%s_unknown_%#lx_wild", what, unknown[i]);
        CHECK_ERR(name, ioctl(fd, unknown[i], WILD), want);
    }
}

/* the shapeless old tty requests on a file that is no serial line or VT:
 * ENOTTY both with a real buffer and with a wild integer (the file refuses
 * the request before it looks at the argument) */
static void shapeless_on(const char *what, int fd)
{
    char name[96];
    uint64_t buf[32];
    for (size_t i = 0; i < sizeof shapeless / sizeof shapeless[0]; i++) {
        memset(buf, 0, sizeof buf);
        snprintf(name, sizeof name, "%s_%s", what, shapeless[i].name);
        CHECK_ERR(name, ioctl(fd, shapeless[i].cmd, buf), ENOTTY);
    }
}

static void on_pty(void)
{
    int m = posix_openpt(O_RDWR | O_NOCTTY);
    if (m < 0) {
        SKIP("pty", "posix_openpt: %s", strerror(errno));
        return;
    }
    unsigned ptn = 99;
    CHECK("pty_TIOCGPTN", ioctl(m, TIOCGPTN, &ptn) == 0 && ptn != 99, "errno %s", strerror(errno));
    int unlock = 0;
    CHECK("pty_TIOCSPTLCK", ioctl(m, TIOCSPTLCK, &unlock) == 0, "%s", strerror(errno));
    int locked = 7;
    CHECK("pty_TIOCGPTLCK", ioctl(m, TIOCGPTLCK, &locked) == 0 && locked == 0, "got %d errno %s", locked,
          strerror(errno));
    char *sn = ptsname(m);
    int s = sn ? open(sn, O_RDWR | O_NOCTTY) : -1;
    if (s < 0) {
        SKIP("pty_slave", "cannot open %s: %s", sn ? sn : "(no ptsname)", strerror(errno));
        close(m);
        return;
    }
    struct k_termios kt;
    memset(&kt, 0xee, sizeof kt);
    CHECK("pty_TCGETS", ioctl(s, TCGETS, &kt) == 0 && kt.c_line == 0, "errno %s", strerror(errno));
    CHECK("pty_TCSETS", ioctl(s, TCSETS, &kt) == 0, "%s", strerror(errno));
    struct k_termios2 kt2;
    memset(&kt2, 0, sizeof kt2);
    CHECK("pty_TCGETS2", ioctl(s, 0x802C542A /* TCGETS2 */, &kt2) == 0 && kt2.t.c_cflag == kt.c_cflag, "errno %s",
          strerror(errno));
    CHECK("pty_isatty", isatty(s) == 1, "not a tty");
    struct winsize ws = {.ws_row = 33, .ws_col = 77}, ws2 = {0};
    CHECK("pty_TIOCSWINSZ", ioctl(m, TIOCSWINSZ, &ws) == 0, "%s", strerror(errno));
    CHECK("pty_TIOCGWINSZ", ioctl(s, TIOCGWINSZ, &ws2) == 0 && ws2.ws_row == 33 && ws2.ws_col == 77,
          "got %ux%u errno %s", ws2.ws_row, ws2.ws_col, strerror(errno));
    int n = -1;
    CHECK("pty_write", write(m, "hello\n", 6) == 6, "%s", strerror(errno));
    usleep(20000);
    CHECK("pty_FIONREAD", ioctl(s, FIONREAD, &n) == 0 && n == 6, "got %d errno %s", n, strerror(errno));
    int ld = -1;
    CHECK("pty_TIOCGETD", ioctl(s, TIOCGETD, &ld) == 0 && ld == 0, "got %d", ld);
    CHECK_ERR("pty_TCGETS_wild", ioctl(s, TCGETS, WILD), EFAULT);
    CHECK_ERR("pty_TIOCGWINSZ_null", ioctl(s, TIOCGWINSZ, NULL), EFAULT);
    /* TIOCSSERIAL reads its argument before the pty refuses it: with a real
     * buffer it must get ENOTTY (not EFAULT from a guest address taken as a
     * host one), with a wild integer EFAULT */
    char serial[72] = {0};
    CHECK_ERR("pty_TIOCSSERIAL_buf", ioctl(s, 0x541F, serial), ENOTTY);
    CHECK_ERR("pty_TIOCSSERIAL_wild", ioctl(s, 0x541F, WILD), EFAULT);
    CHECK_ERR("pty_TIOCGSERIAL_wild", ioctl(s, 0x541E, WILD), ENOTTY);
    CHECK_ERR("pty_TIOCGICOUNT_wild", ioctl(s, 0x545D, WILD), ENOTTY);
    shapeless_on("pty", s);
    unknown_on("pty", s, ENOTTY);
    unknown_on("ptmx", m, ENOTTY);
    /* TIOCSIG: the number is a signal (SIGINT, SIGQUIT or SIGTSTP), sent to
     * the slave's foreground group */
    CHECK_ERR("pty_TIOCSIG_0", ioctl(m, TIOCSIG, 0), EINVAL);
    CHECK_ERR("pty_TIOCSIG_65", ioctl(m, TIOCSIG, 65), EINVAL);
    CHECK_ERR("pty_TIOCSIG_USR1", ioctl(m, TIOCSIG, SIGUSR1), EINVAL);
    CHECK_ERR("pty_TIOCSIG_slave", ioctl(s, TIOCSIG, SIGQUIT), ENOTTY);
    close(s);
    int ready[2];
    if (pipe(ready) < 0) {
        FAIL("pty_TIOCSIG", "pipe: %s", strerror(errno));
        close(m);
        return;
    }
    pid_t c = fork();
    if (c == 0) {
        sigset_t set;
        sigemptyset(&set);
        sigaddset(&set, SIGQUIT);
        sigprocmask(SIG_BLOCK, &set, NULL);
        setsid();
        int cs = open(sn, O_RDWR); /* the session leader's controlling tty */
        if (cs < 0)
            _exit(3);
        close(ready[0]);
        if (write(ready[1], "r", 1) != 1)
            _exit(4);
        struct timespec ts = {5, 0};
        _exit(sigtimedwait(&set, NULL, &ts) == SIGQUIT ? 0 : 1);
    }
    close(ready[1]);
    char r;
    int got = read(ready[0], &r, 1);
    close(ready[0]);
    long rc = got == 1 ? ioctl(m, TIOCSIG, SIGQUIT) : -2;
    int e = errno, st = 0;
    waitpid(c, &st, 0);
    CHECK("pty_TIOCSIG", rc == 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0,
          "ioctl %ld (%s), child status %#x", rc, strerror(e), st);
    close(m);
}

static void on_socket(void)
{
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0) {
        SKIP("socket", "socketpair: %s", strerror(errno));
        return;
    }
    int n = -1;
    CHECK("unix_write", write(sv[0], "abcde", 5) == 5, "%s", strerror(errno));
    CHECK("unix_FIONREAD", ioctl(sv[1], FIONREAD, &n) == 0 && n == 5, "got %d errno %s", n, strerror(errno));
    n = -1;
    CHECK("unix_TIOCOUTQ", ioctl(sv[0], TIOCOUTQ, &n) == 0 && n >= 0, "got %d errno %s", n, strerror(errno));
    CHECK_ERR("unix_FIONREAD_wild", ioctl(sv[1], FIONREAD, WILD), EFAULT);
    CHECK_ERR("unix_TCGETS", ioctl(sv[0], TCGETS, &(struct k_termios){0}), ENOTTY);
    shapeless_on("unix", sv[0]);
    unknown_on("unix", sv[0], ENOTTY);
    close(sv[0]);
    close(sv[1]);
    int u = socket(AF_INET, SOCK_DGRAM, 0);
    if (u < 0) {
        SKIP("inet", "socket: %s", strerror(errno));
        return;
    }
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    strcpy(ifr.ifr_name, "lo");
    if (ioctl(u, SIOCGIFINDEX, &ifr) == 0) {
        PASS("inet_SIOCGIFINDEX");
        int idx = ifr.ifr_ifindex;
        memset(&ifr, 0, sizeof ifr);
        ifr.ifr_ifindex = idx;
        CHECK("inet_SIOCGIFNAME", ioctl(u, SIOCGIFNAME, &ifr) == 0 && !strcmp(ifr.ifr_name, "lo"), "got %s errno %s",
              ifr.ifr_name, strerror(errno));
        memset(&ifr, 0, sizeof ifr);
        strcpy(ifr.ifr_name, "lo");
        CHECK("inet_SIOCGIFFLAGS", ioctl(u, SIOCGIFFLAGS, &ifr) == 0 && (ifr.ifr_flags & IFF_LOOPBACK),
              "flags %#x errno %s", ifr.ifr_flags, strerror(errno));
    } else {
        SKIP("inet_SIOCGIFINDEX", "no lo here: %s", strerror(errno));
    }
    char ifbuf[40 * 16];
    struct ifconf ifc = {.ifc_len = sizeof ifbuf, .ifc_buf = ifbuf};
    CHECK("inet_SIOCGIFCONF", ioctl(u, SIOCGIFCONF, &ifc) == 0 && ifc.ifc_len >= 0 && ifc.ifc_len % 40 == 0,
          "len %d errno %s", ifc.ifc_len, strerror(errno));
    CHECK_ERR("inet_SIOCGIFCONF_wild", ioctl(u, SIOCGIFCONF, WILD), EFAULT);
    struct ifconf wild = {.ifc_len = 40 * 4, .ifc_buf = (char *)WILD};
    CHECK_ERR("inet_SIOCGIFCONF_wild_buf", ioctl(u, SIOCGIFCONF, &wild), EFAULT);
    int at = -1;
    CHECK_ERR("inet_SIOCATMARK", ioctl(u, SIOCATMARK, &at), ENOTTY); /* only stream sockets know it */
    shapeless_on("inet", u);
    unknown_on("inet", u, ENOTTY);
    close(u);
}

static void on_pipe(void)
{
    int p[2];
    if (pipe(p) < 0) {
        FAIL("pipe", "%s", strerror(errno));
        return;
    }
    int n = -1;
    CHECK("pipe_write", write(p[1], "xyz", 3) == 3, "%s", strerror(errno));
    CHECK("pipe_FIONREAD", ioctl(p[0], FIONREAD, &n) == 0 && n == 3, "got %d errno %s", n, strerror(errno));
    CHECK("pipe_FIOCLEX", ioctl(p[0], FIOCLEX) == 0 && (fcntl(p[0], F_GETFD) & FD_CLOEXEC), "not close-on-exec");
    CHECK("pipe_FIONCLEX", ioctl(p[0], FIONCLEX) == 0 && !(fcntl(p[0], F_GETFD) & FD_CLOEXEC), "still close-on-exec");
    int on = 1;
    CHECK("pipe_FIONBIO", ioctl(p[0], FIONBIO, &on) == 0 && (fcntl(p[0], F_GETFL) & O_NONBLOCK), "not nonblocking");
    CHECK("pipe_isatty", !isatty(p[0]) && errno == ENOTTY, "errno %s", strerror(errno));
    /* a request the pipe refuses first: the wild argument is never looked at */
    CHECK_ERR("pipe_TCGETS_wild", ioctl(p[0], TCGETS, WILD), ENOTTY);
    CHECK_ERR("pipe_TIOCGWINSZ_wild", ioctl(p[0], TIOCGWINSZ, WILD), ENOTTY);
    CHECK_ERR("pipe_TIOCSIG", ioctl(p[0], TIOCSIG, SIGQUIT), ENOTTY);
    CHECK_ERR("pipe_SIOCGIFCONF_wild", ioctl(p[0], SIOCGIFCONF, WILD), ENOTTY);
    shapeless_on("pipe", p[0]);
    unknown_on("pipe", p[0], ENOTTY);
    close(p[0]);
    close(p[1]);
}

static void on_files(void)
{
    int z = open("/dev/null", O_RDWR);
    if (z < 0) {
        SKIP("devnull", "%s", strerror(errno));
    } else {
        int n = -1;
        CHECK_ERR("devnull_FIONREAD", ioctl(z, FIONREAD, &n), ENOTTY);
        CHECK_ERR("devnull_TCGETS", ioctl(z, TCGETS, &(struct k_termios){0}), ENOTTY);
        CHECK("devnull_FIOCLEX", ioctl(z, FIOCLEX) == 0, "%s", strerror(errno));
        shapeless_on("devnull", z);
        unknown_on("devnull", z, ENOTTY);
        close(z);
    }
    int f = open("ioctls.tmp", O_RDWR | O_CREAT | O_TRUNC, 0600);
    if (f < 0) {
        SKIP("file", "%s", strerror(errno));
        return;
    }
    CHECK("file_write", write(f, "0123456789", 10) == 10, "%s", strerror(errno));
    lseek(f, 4, SEEK_SET);
    int n = -1;
    CHECK("file_FIONREAD", ioctl(f, FIONREAD, &n) == 0 && n == 6, "got %d errno %s", n, strerror(errno));
    long long q = -1;
    CHECK("file_FIOQSIZE", ioctl(f, FIOQSIZE, &q) == 0 && q >= 0 /* bytes in use */, "got %lld errno %s", q, strerror(errno));
    int bs = -1;
    CHECK("file_FIGETBSZ", ioctl(f, 2 /* FIGETBSZ */, &bs) == 0 && bs > 0, "got %d errno %s", bs, strerror(errno));
    CHECK_ERR("file_FIGETBSZ_wild", ioctl(f, 2, WILD), EFAULT);
    CHECK_ERR("file_TCGETS", ioctl(f, TCGETS, &(struct k_termios){0}), ENOTTY);
    shapeless_on("file", f);
    close(f);
    unlink("ioctls.tmp");
}

int main(void)
{
    on_pty();
    on_socket();
    on_pipe();
    on_files();
    DONE();
}
