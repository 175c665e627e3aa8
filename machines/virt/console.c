/* rv64-virt: the console.  When stdin is a terminal it is put in raw mode
 * (restored at every exit: the normal one, exit(), and the signals that
 * end vvm) and read by a thread of its own that feeds the UART; QEMU's
 * escape, Ctrl-A, is taken: Ctrl-A x quits, Ctrl-A c switches between the
 * guest's console and the monitor (a line editor here; the machine runs
 * the commands), Ctrl-A h lists the keys, Ctrl-A Ctrl-A sends one Ctrl-A.  When stdin is not a terminal it is read as it is (no escape),
 * until its end. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "machines/virt/virt.h"

struct virt_console {
    virt_uart *uart;
    void (*quit)(void *);
    virt_monitor_fn monitor;
    void *ctx;
    int in_monitor;         /* keys go to the monitor's line */
    char line[256];
    size_t len;
    int tty;
    int wake[2];            /* a byte here stops the thread */
    pthread_t thread;
    int escape;             /* Ctrl-A seen */
};

/* the terminal's settings before raw mode: one terminal per process */
static struct termios saved_tio;
static volatile sig_atomic_t tio_saved;

static void tio_restore(void)
{
    if (tio_saved) {
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved_tio);
        tio_saved = 0;
    }
}

static const int fatal_sigs[] = {SIGTERM, SIGHUP, SIGINT, SIGQUIT, SIGSEGV, SIGBUS, SIGABRT, SIGILL, SIGFPE};

static void on_signal(int sig)
{
    if (tio_saved)
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved_tio);
    tio_saved = 0;
    signal(sig, SIG_DFL);
    raise(sig);
}

static void say(const char *s)
{
    ssize_t r = write(STDERR_FILENO, s, strlen(s));
    (void)r;
}

static const char help[] =
    "\r\nC-a h    print this help\r\n"
    "C-a x    exit emulator\r\n"
    "C-a c    switch between console and monitor\r\n"
    "C-a C-a  sends C-a\r\n";

static void feed(virt_console *c, const uint8_t *b, size_t n)
{
    while (n) {
        size_t k = virt_uart_input(c->uart, b, n);
        b += k;
        n -= k;
        if (n) {
            /* the FIFO is full: let the guest read */
            struct pollfd p = {c->wake[0], POLLIN, 0};
            if (poll(&p, 1, 10) > 0)
                return;
        }
    }
}

static void out(const char *s, size_t n)
{
    while (n) {
        ssize_t r = write(STDOUT_FILENO, s, n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return;
        s += r;
        n -= (size_t)r;
    }
}

static void prompt(void) { out("(vvm) ", 6); }

/* A key typed to the monitor: the line is edited here (the terminal is
 * raw: echo, backspace, Ctrl-U), Enter runs it. */
static void monitor_key(virt_console *c, uint8_t b)
{
    if (b == '\r' || b == '\n') {
        out("\r\n", 2);
        c->line[c->len] = 0;
        c->len = 0;
        c->monitor(c->ctx, c->line, STDOUT_FILENO);
        if (c->in_monitor)
            prompt();
    } else if (b == 0x7f || b == 8) {
        if (c->len) {
            c->len--;
            out("\b \b", 3);
        }
    } else if (b == 0x15) {
        for (; c->len; c->len--)
            out("\b \b", 3);
    } else if (b >= 0x20 && b < 0x7f && c->len + 1 < sizeof c->line) {
        c->line[c->len++] = (char)b;
        out((const char *)&b, 1);
    }
}

static void *input_main(void *arg)
{
    virt_console *c = arg;
    uint8_t buf[256], o[256];
    for (;;) {
        struct pollfd p[2] = {{STDIN_FILENO, POLLIN, 0}, {c->wake[0], POLLIN, 0}};
        int r = poll(p, 2, -1);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0 || p[1].revents)
            return NULL;
        ssize_t n = read(STDIN_FILENO, buf, sizeof buf);
        if (n < 0 && (errno == EINTR || errno == EAGAIN))
            continue;
        if (n <= 0)
            return NULL;    /* end of input */
        if (!c->tty) {
            feed(c, buf, (size_t)n);
            continue;
        }
        size_t k = 0;
        for (ssize_t i = 0; i < n; i++) {
            uint8_t b = buf[i];
            if (c->escape) {
                c->escape = 0;
                if (b == 'x' || b == 'X') {
                    feed(c, o, k);
                    say("\r\nvvm: terminated (C-a x)\r\n");
                    c->quit(c->ctx);
                    return NULL;
                } else if (b == 'c' || b == 'C') {
                    feed(c, o, k);
                    k = 0;
                    c->in_monitor = !c->in_monitor;
                    c->len = 0;
                    if (c->in_monitor) {
                        say("\r\nQEMU-style monitor of vvm: help lists the commands; C-a c goes back\r\n");
                        prompt();
                    } else {
                        out("\r\n", 2);
                    }
                } else if (b == 'h' || b == 'H' || b == '?') {
                    say(help);
                } else if (b == 1) {
                    o[k++] = 1;
                }
                continue;
            }
            if (b == 1) {
                c->escape = 1;
                continue;
            }
            if (c->in_monitor)
                monitor_key(c, b);
            else
                o[k++] = b;
        }
        feed(c, o, k);
    }
}

virt_console *virt_console_start(virt_uart *u, void (*quit)(void *ctx), virt_monitor_fn monitor, void *ctx, char *err,
                                 size_t errlen)
{
    virt_console *c = calloc(1, sizeof *c);
    if (!c || pipe(c->wake) < 0) {
        snprintf(err, errlen, "console: %s", strerror(errno));
        free(c);
        return NULL;
    }
    c->uart = u;
    c->quit = quit;
    c->monitor = monitor;
    c->ctx = ctx;
    c->tty = isatty(STDIN_FILENO);
    if (c->tty && !tio_saved && tcgetattr(STDIN_FILENO, &saved_tio) == 0) {
        struct termios raw = saved_tio;
        cfmakeraw(&raw);
        raw.c_oflag |= OPOST | ONLCR;   /* the guest's \n still starts a line */
        tio_saved = 1;
        static int hooked;
        if (!hooked) {
            hooked = 1;
            atexit(tio_restore);
            for (size_t i = 0; i < sizeof fatal_sigs / sizeof fatal_sigs[0]; i++) {
                struct sigaction sa;
                memset(&sa, 0, sizeof sa);
                sa.sa_handler = on_signal;
                sigemptyset(&sa.sa_mask);
                sa.sa_flags = SA_RESETHAND;
                sigaction(fatal_sigs[i], &sa, NULL);
            }
        }
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &raw);
    }
    if (pthread_create(&c->thread, NULL, input_main, c) != 0) {
        tio_restore();
        close(c->wake[0]);
        close(c->wake[1]);
        free(c);
        snprintf(err, errlen, "console: cannot start the input thread");
        return NULL;
    }
    return c;
}

void virt_console_stop(virt_console *c)
{
    if (!c)
        return;
    char b = 1;
    ssize_t r = write(c->wake[1], &b, 1);
    (void)r;
    pthread_join(c->thread, NULL);
    close(c->wake[0]);
    close(c->wake[1]);
    tio_restore();
    free(c);
}
