/* machines/virt: the gdb stub (gdbstub.h).  GDB's remote serial protocol
 * (the GDB manual, "Remote Protocol"): packets $data#checksum, each
 * acknowledged with + (until QStartNoAckMode), a 0x03 byte to interrupt
 * the running target. */
#include "machines/virt/gdbstub.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_PACKET 4096
#define MAX_BREAKS 64

struct bp { uint64_t addr; unsigned kind; };

struct virt_gdb {
    int lfd, fd;
    virt_gdb_target t;
    pthread_t th;
    int running;            /* the thread */
    volatile int closing;
    int noack;
    pthread_mutex_t lock;   /* the breakpoints (the harts ask at an ebreak) */
    struct bp bp[MAX_BREAKS];
    unsigned nbp;
    /* input read ahead of the packet being handled */
    uint8_t in[MAX_PACKET + 8];
    size_t nin;
};

/* The ebreak encodings a breakpoint of kind 2 (C) and 4 writes. */
static const uint8_t EBREAK_C[2] = {0x02, 0x90};
static const uint8_t EBREAK_4[4] = {0x73, 0x00, 0x10, 0x00};

virt_gdb *virt_gdb_listen(const char *spec, char *err, size_t errlen)
{
    char host[64] = "127.0.0.1";
    const char *port = spec;
    if (!strncmp(spec, "tcp:", 4)) {
        const char *hp = spec + 4, *colon = strrchr(hp, ':');
        if (!colon) {
            snprintf(err, errlen, "-gdb %s: tcp:[HOST]:PORT", spec);
            return NULL;
        }
        if (colon > hp) {
            size_t n = (size_t)(colon - hp);
            if (n >= sizeof host) {
                snprintf(err, errlen, "-gdb %s: the host is too long", spec);
                return NULL;
            }
            memcpy(host, hp, n);
            host[n] = 0;
        }
        port = colon + 1;
    }
    char *end;
    long p = strtol(port, &end, 10);
    if (!*port || *end || p <= 0 || p > 65535) {
        snprintf(err, errlen, "-gdb %s: not a port (tcp::PORT, tcp:HOST:PORT; only TCP is built)", spec);
        return NULL;
    }
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)p)};
    if (inet_pton(AF_INET, host, &a.sin_addr) != 1) {
        snprintf(err, errlen, "-gdb %s: '%s' is not an IPv4 address", spec, host);
        return NULL;
    }
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0 ||
        bind(fd, (struct sockaddr *)&a, sizeof a) < 0 || listen(fd, 1) < 0) {
        snprintf(err, errlen, "-gdb %s: cannot listen on %s:%ld: %s", spec, host, p, strerror(errno));
        if (fd >= 0)
            close(fd);
        return NULL;
    }
    virt_gdb *g = calloc(1, sizeof *g);
    if (!g) {
        close(fd);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    g->lfd = fd;
    g->fd = -1;
    pthread_mutex_init(&g->lock, NULL);
    return g;
}

int virt_gdb_break_at(void *arg, uint64_t pc)
{
    virt_gdb *g = arg;
    int hit = 0;
    pthread_mutex_lock(&g->lock);
    for (unsigned i = 0; i < g->nbp && !hit; i++)
        hit = g->bp[i].addr == pc;
    pthread_mutex_unlock(&g->lock);
    return hit;
}

/* ---- the wire ---- */

static int put_all(virt_gdb *g, const void *p, size_t n)
{
    const char *c = p;
    while (n) {
        ssize_t w = send(g->fd, c, n, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        c += w;
        n -= (size_t)w;
    }
    return 0;
}

/* one byte from the debugger (-1: gone, or the stub closing) */
static int get_byte(virt_gdb *g)
{
    if (g->nin) {
        int c = g->in[0];
        memmove(g->in, g->in + 1, --g->nin);
        return c;
    }
    for (;;) {
        if (g->closing)
            return -1;
        struct pollfd pf = {g->fd, POLLIN, 0};
        int r = poll(&pf, 1, 100);
        if (r < 0 && errno != EINTR)
            return -1;
        if (r <= 0)
            continue;
        uint8_t c;
        ssize_t n = recv(g->fd, &c, 1, 0);
        if (n == 1)
            return c;
        if (n == 0 || errno != EINTR)
            return -1;
    }
}

static int send_packet(virt_gdb *g, const char *data, size_t n)
{
    char *buf = malloc(n + 5);   /* $, the data, #, two digits, the NUL snprintf writes */
    if (!buf)
        return -1;
    unsigned sum = 0;
    buf[0] = '$';
    for (size_t i = 0; i < n; i++) {
        buf[1 + i] = data[i];
        sum += (uint8_t)data[i];
    }
    snprintf(buf + 1 + n, 4, "#%02x", sum & 0xff);
    for (int tries = 0; tries < 8; tries++) {
        if (put_all(g, buf, n + 4) < 0)
            break;
        if (g->noack) {
            free(buf);
            return 0;
        }
        int c;
        do
            c = get_byte(g);
        while (c >= 0 && c != '+' && c != '-');
        if (c == '+') {
            free(buf);
            return 0;
        }
        if (c < 0)
            break;
    }
    free(buf);
    return -1;
}
static int send_str(virt_gdb *g, const char *s) { return send_packet(g, s, strlen(s)); }

/* The next packet's data into p (NUL-ended): its length, or -1 (gone). */
static int get_packet(virt_gdb *g, char *p, size_t cap)
{
    for (;;) {
        int c;
        do
            c = get_byte(g);
        while (c >= 0 && c != '$' && c != 3);
        if (c < 0)
            return -1;
        if (c == 3) {   /* an interrupt while stopped: report the stop again */
            strcpy(p, "?");
            return 1;
        }
        size_t n = 0;
        unsigned sum = 0;
        int over = 0;
        while ((c = get_byte(g)) >= 0 && c != '#') {
            if (n + 1 < cap)
                p[n++] = (char)c;
            else
                over = 1;
            sum += (unsigned)c;
        }
        if (c < 0)
            return -1;
        char cs[3] = {0};
        for (int i = 0; i < 2; i++) {
            if ((c = get_byte(g)) < 0)
                return -1;
            cs[i] = (char)c;
        }
        p[n] = 0;
        int ok = !over && strtoul(cs, NULL, 16) == (sum & 0xff);
        if (!g->noack && put_all(g, ok ? "+" : "-", 1) < 0)
            return -1;
        if (ok)
            return (int)n;
    }
}

/* ---- packets ---- */

static int hexval(int c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}
static void put_hex(char *o, const uint8_t *b, size_t n)
{
    static const char h[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        o[2 * i] = h[b[i] >> 4];
        o[2 * i + 1] = h[b[i] & 15];
    }
    o[2 * n] = 0;
}
static int get_hex(const char *s, uint8_t *b, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        int hi = hexval((unsigned char)s[2 * i]), lo = hi < 0 ? -1 : hexval((unsigned char)s[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return -1;
        b[i] = (uint8_t)(hi << 4 | lo);
    }
    return 0;
}
/* a register's 8 bytes, little-endian, as hex */
static void put_reg(char *o, uint64_t v)
{
    uint8_t b[8];
    for (int i = 0; i < 8; i++)
        b[i] = (uint8_t)(v >> (8 * i));
    put_hex(o, b, 8);
}
static int get_reg(const char *s, uint64_t *v)
{
    uint8_t b[8];
    if (strlen(s) < 16 || get_hex(s, b, 8) < 0)
        return -1;
    *v = 0;
    for (int i = 0; i < 8; i++)
        *v |= (uint64_t)b[i] << (8 * i);
    return 0;
}
/* "ADDR,LEN" (hex) and what follows */
static int addr_len(const char *s, uint64_t *a, uint64_t *n, const char **rest)
{
    char *e;
    errno = 0;
    *a = strtoull(s, &e, 16);
    if (e == s || *e != ',' || errno)
        return -1;
    const char *l = e + 1;
    *n = strtoull(l, &e, 16);
    if (e == l || errno)
        return -1;
    *rest = e;
    return 0;
}

static const char *const reg_names[VIRT_GDB_NREGS] = {
    "zero", "ra", "sp", "gp", "tp", "t0", "t1", "t2", "fp", "s1", "a0", "a1", "a2", "a3", "a4", "a5", "a6",
    "a7", "s2", "s3", "s4", "s5", "s6", "s7", "s8", "s9", "s10", "s11", "t3", "t4", "t5", "t6", "pc"};

/* the target description gdb reads with qXfer:features:read */
static size_t target_xml(char *o, size_t cap)
{
    size_t n = (size_t)snprintf(o, cap,
                                "<?xml version=\"1.0\"?><!DOCTYPE target SYSTEM \"gdb-target.dtd\">"
                                "<target version=\"1.0\"><architecture>riscv:rv64</architecture>"
                                "<feature name=\"org.gnu.gdb.riscv.cpu\">");
    for (unsigned r = 0; r < VIRT_GDB_NREGS && n < cap; r++)
        n += (size_t)snprintf(o + n, cap - n, "<reg name=\"%s\" bitsize=\"64\" type=\"%s\" regnum=\"%u\"/>",
                              reg_names[r], r == 1 || r == 32 ? "code_ptr" : r == 2 || r == 8 ? "data_ptr" : "int", r);
    if (n < cap)
        n += (size_t)snprintf(o + n, cap - n, "</feature></target>");
    return n < cap ? n : cap;
}

static int interrupted(void *arg)
{
    virt_gdb *g = arg;
    struct pollfd pf = {g->fd, POLLIN, 0};
    if (g->closing)
        return 1;
    if (poll(&pf, 1, 0) <= 0)
        return 0;
    uint8_t c;
    ssize_t n = recv(g->fd, &c, 1, 0);
    if (n <= 0)
        return 1;   /* the debugger went: stop, the serving loop sees it */
    if (c == 3)
        return 1;
    if (g->nin < sizeof g->in)
        g->in[g->nin++] = c;
    return 0;
}

void virt_gdb_patch_fetch(void *arg, uint64_t a, uint8_t *buf, unsigned n)
{
    virt_gdb *g = arg;
    pthread_mutex_lock(&g->lock);
    for (unsigned i = 0; i < g->nbp; i++) {
        const struct bp *b = &g->bp[i];
        const uint8_t *enc = b->kind == 2 ? EBREAK_C : EBREAK_4;
        for (unsigned k = 0; k < b->kind; k++)
            if (b->addr + k >= a && b->addr + k - a < n)
                buf[b->addr + k - a] = enc[k];
    }
    pthread_mutex_unlock(&g->lock);
}

static int set_break(virt_gdb *g, uint64_t addr, unsigned kind)
{
    if (kind != 2 && kind != 4)
        return -1;
    pthread_mutex_lock(&g->lock);
    int rc = 0, changed = 0;
    unsigned i;
    for (i = 0; i < g->nbp && g->bp[i].addr != addr; i++)
        ;
    if (i == g->nbp) {
        if (g->nbp == MAX_BREAKS)
            rc = -1;
        else {
            g->bp[g->nbp++] = (struct bp){addr, kind};
            changed = 1;
        }
    }
    pthread_mutex_unlock(&g->lock);
    if (changed)
        g->t.breaks_changed(g->t.ctx);
    return rc;
}

static int clear_break(virt_gdb *g, uint64_t addr)
{
    pthread_mutex_lock(&g->lock);
    int rc = -1;
    for (unsigned i = 0; i < g->nbp; i++)
        if (g->bp[i].addr == addr) {
            g->bp[i] = g->bp[--g->nbp];
            rc = 0;
            break;
        }
    pthread_mutex_unlock(&g->lock);
    if (rc == 0)
        g->t.breaks_changed(g->t.ctx);
    return rc;
}

static void clear_breaks(virt_gdb *g)
{
    pthread_mutex_lock(&g->lock);
    int any = g->nbp > 0;
    g->nbp = 0;
    pthread_mutex_unlock(&g->lock);
    if (any)
        g->t.breaks_changed(g->t.ctx);
}

/* Serves one debugger: 0 when it detached or went, 1 when the machine
 * ended (said to the debugger). */
static int serve(virt_gdb *g)
{
    static char pkt[MAX_PACKET + 1], out[2 * MAX_PACKET + 64];
    int status = 0;
    g->noack = 0;
    g->nin = 0;
    /* the harts stop while a debugger looks */
    if (g->t.stop(g->t.ctx, &status) < 0)
        goto ended;
    int sig = 5;
    for (;;) {
        int n = get_packet(g, pkt, sizeof pkt);
        if (n < 0)
            break;
        const char *p = pkt;
        switch (p[0]) {
        case '?':
            snprintf(out, sizeof out, "S%02x", sig);
            send_str(g, out);
            break;
        case 'g': {
            uint64_t r[VIRT_GDB_NREGS];
            g->t.get_regs(g->t.ctx, r);
            for (unsigned i = 0; i < VIRT_GDB_NREGS; i++)
                put_reg(out + 16 * i, r[i]);
            send_str(g, out);
            break;
        }
        case 'G': {
            uint64_t v;
            int ok = strlen(p + 1) >= 16 * VIRT_GDB_NREGS;
            for (unsigned i = 0; ok && i < VIRT_GDB_NREGS; i++) {
                ok = get_reg(p + 1 + 16 * i, &v) == 0;
                if (ok && i)
                    g->t.set_reg(g->t.ctx, i, v);
            }
            send_str(g, ok ? "OK" : "E01");
            break;
        }
        case 'p': {
            unsigned long r = strtoul(p + 1, NULL, 16);
            uint64_t regs[VIRT_GDB_NREGS];
            if (r >= VIRT_GDB_NREGS) {
                send_str(g, "E01");
                break;
            }
            g->t.get_regs(g->t.ctx, regs);
            put_reg(out, regs[r]);
            send_str(g, out);
            break;
        }
        case 'P': {
            char *e;
            unsigned long r = strtoul(p + 1, &e, 16);
            uint64_t v;
            if (*e != '=' || r >= VIRT_GDB_NREGS || get_reg(e + 1, &v) < 0) {
                send_str(g, "E01");
                break;
            }
            if (r)
                g->t.set_reg(g->t.ctx, (unsigned)r, v);
            send_str(g, "OK");
            break;
        }
        case 'm': {
            uint64_t a, len;
            const char *rest;
            uint8_t buf[MAX_PACKET / 2];
            if (addr_len(p + 1, &a, &len, &rest) < 0 || len > sizeof buf) {
                send_str(g, "E01");
                break;
            }
            if (g->t.read_mem(g->t.ctx, a, buf, len) < 0) {
                send_str(g, "E14");
                break;
            }
            put_hex(out, buf, len);
            send_str(g, out);
            break;
        }
        case 'M': {
            uint64_t a, len;
            const char *rest;
            uint8_t buf[MAX_PACKET / 2];
            if (addr_len(p + 1, &a, &len, &rest) < 0 || *rest != ':' || len > sizeof buf ||
                strlen(rest + 1) < 2 * len || get_hex(rest + 1, buf, len) < 0) {
                send_str(g, "E01");
                break;
            }
            send_str(g, g->t.write_mem(g->t.ctx, a, buf, len) < 0 ? "E14" : "OK");
            break;
        }
        case 'Z':
        case 'z': {
            uint64_t a, kind;
            const char *rest;
            if (p[1] != '0' || p[2] != ',') {
                send_str(g, "");    /* only software breakpoints */
                break;
            }
            if (addr_len(p + 3, &a, &kind, &rest) < 0) {
                send_str(g, "E01");
                break;
            }
            int rc = p[0] == 'Z' ? set_break(g, a, (unsigned)kind) : clear_break(g, a);
            send_str(g, rc < 0 ? "E01" : "OK");
            break;
        }
        case 'c':
        case 's':
            if (p[1]) {     /* an address to resume at */
                uint64_t pc = strtoull(p + 1, NULL, 16);
                g->t.set_reg(g->t.ctx, 32, pc);
            }
            sig = g->t.resume(g->t.ctx, p[0] == 's', interrupted, g, &status);
            if (sig < 0)
                goto ended;
            snprintf(out, sizeof out, "S%02x", sig);
            send_str(g, out);
            break;
        case 'D':
            clear_breaks(g);
            send_str(g, "OK");
            return 0;
        case 'k':
            clear_breaks(g);
            g->t.kill(g->t.ctx);
            return 1;
        case 'H':
            send_str(g, "OK");
            break;
        case 'T':
            send_str(g, strtoul(p + 1, NULL, 16) == 1 ? "OK" : "E01");
            break;
        case 'q':
            if (!strncmp(p, "qSupported", 10)) {
                send_str(g, "PacketSize=1000;qXfer:features:read+;QStartNoAckMode+");
            } else if (!strncmp(p, "qXfer:features:read:target.xml:", 31)) {
                static char xml[8192];
                size_t xn = target_xml(xml, sizeof xml);
                uint64_t off, len;
                const char *rest;
                if (addr_len(p + 31, &off, &len, &rest) < 0) {
                    send_str(g, "E01");
                    break;
                }
                if (len > MAX_PACKET - 2)
                    len = MAX_PACKET - 2;
                if (off >= xn) {
                    send_str(g, "l");
                    break;
                }
                size_t k = xn - off < len ? xn - off : len;
                out[0] = off + k >= xn ? 'l' : 'm';
                memcpy(out + 1, xml + off, k);
                send_packet(g, out, k + 1);
            } else if (!strcmp(p, "qAttached")) {
                send_str(g, "1");
            } else if (!strcmp(p, "qC")) {
                send_str(g, "QC1");
            } else if (!strcmp(p, "qfThreadInfo")) {
                send_str(g, "m1");
            } else if (!strcmp(p, "qsThreadInfo")) {
                send_str(g, "l");
            } else if (!strncmp(p, "qSymbol", 7)) {
                send_str(g, "OK");
            } else {
                send_str(g, "");
            }
            break;
        case 'Q':
            if (!strcmp(p, "QStartNoAckMode")) {
                send_str(g, "OK");
                g->noack = 1;
            } else {
                send_str(g, "");
            }
            break;
        case 'v':
            if (!strncmp(p, "vKill", 5)) {
                clear_breaks(g);
                send_str(g, "OK");
                g->t.kill(g->t.ctx);
                return 1;
            }
            send_str(g, "");    /* vCont and the rest: gdb falls back to c and s */
            break;
        default:
            send_str(g, "");
            break;
        }
    }
    /* the debugger went: its breakpoints go, the machine goes on */
    clear_breaks(g);
    return 0;
ended:
    snprintf(out, sizeof out, "W%02x", status & 0xff);
    send_str(g, out);
    return 1;
}

static void *gdb_main(void *arg)
{
    virt_gdb *g = arg;
    while (!g->closing) {
        struct pollfd pf = {g->lfd, POLLIN, 0};
        int r = poll(&pf, 1, 100);
        if (r <= 0)
            continue;
        int fd = accept4(g->lfd, NULL, NULL, SOCK_CLOEXEC);
        if (fd < 0)
            continue;
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        g->fd = fd;
        int ended = serve(g);
        g->fd = -1;
        close(fd);
        if (ended)
            break;
        g->t.detach(g->t.ctx);
    }
    return NULL;
}

int virt_gdb_session(const virt_gdb_target *t, int fd)
{
    virt_gdb *g = calloc(1, sizeof *g);
    if (!g)
        return -1;
    g->lfd = -1;
    g->fd = fd;
    g->t = *t;
    pthread_mutex_init(&g->lock, NULL);
    int rc = serve(g);
    pthread_mutex_destroy(&g->lock);
    free(g);
    return rc;
}

int virt_gdb_start(virt_gdb *g, const virt_gdb_target *t, char *err, size_t errlen)
{
    g->t = *t;
    if (pthread_create(&g->th, NULL, gdb_main, g) != 0) {
        snprintf(err, errlen, "cannot start the gdb stub's thread");
        return -1;
    }
    g->running = 1;
    return 0;
}

void virt_gdb_close(virt_gdb *g)
{
    if (!g)
        return;
    g->closing = 1;
    if (g->running)
        pthread_join(g->th, NULL);
    close(g->lfd);
    pthread_mutex_destroy(&g->lock);
    free(g);
}
