/* net: sockets (unix socketpair with SCM_RIGHTS, unix path/abstract, TCP
 * and UDP on the loopback), options, msghdr translation. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stddef.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <unistd.h>

#include "t.h"

static void test_pair(void)
{
    GROUP_BEGIN();
    int sv[2];
    CHECK("socketpair", socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0);
    CHECK("socketpair", fcntl(sv[0], F_GETFD) == FD_CLOEXEC);
    CHECK("socketpair", send(sv[0], "ping", 4, 0) == 4);
    char b[16] = {0};
    CHECK("socketpair", recv(sv[1], b, 2, MSG_PEEK) == 2 && !memcmp(b, "pi", 2));
    CHECK("socketpair", recv(sv[1], b, sizeof b, 0) == 4 && !memcmp(b, "ping", 4));
    CHECK("socketpair", recv(sv[1], b, sizeof b, MSG_DONTWAIT) == -1 && errno == EAGAIN);
    /* pass a descriptor with SCM_RIGHTS, data in two iovecs */
    int p[2];
    pipe(p);
    char d1[] = "ab", d2[] = "cde";
    struct iovec iov[2] = {{d1, 2}, {d2, 3}};
    union {
        struct cmsghdr h;
        char buf[CMSG_SPACE(sizeof(int))];
    } cm;
    memset(&cm, 0, sizeof cm);
    struct msghdr m = {.msg_iov = iov, .msg_iovlen = 2, .msg_control = cm.buf, .msg_controllen = sizeof cm.buf};
    struct cmsghdr *c = CMSG_FIRSTHDR(&m);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(c), &p[1], sizeof(int));
    CHECK("socketpair", sendmsg(sv[0], &m, 0) == 5);
    close(p[1]);
    char r1[3] = {0}, r2[8] = {0};
    struct iovec riov[2] = {{r1, 2}, {r2, sizeof r2}};
    union {
        struct cmsghdr h;
        char buf[CMSG_SPACE(sizeof(int)) + 16];
    } rcm;
    memset(&rcm, 0, sizeof rcm);
    struct msghdr rm = {.msg_iov = riov, .msg_iovlen = 2, .msg_control = rcm.buf, .msg_controllen = sizeof rcm.buf};
    CHECK("socketpair", recvmsg(sv[1], &rm, MSG_CMSG_CLOEXEC) == 5);
    CHECK("socketpair", !strcmp(r1, "ab") && !strcmp(r2, "cde"));
    CHECK("socketpair", rm.msg_controllen >= CMSG_LEN(sizeof(int)) && !(rm.msg_flags & MSG_CTRUNC));
    struct cmsghdr *rc = CMSG_FIRSTHDR(&rm);
    CHECK("socketpair", rc && rc->cmsg_level == SOL_SOCKET && rc->cmsg_type == SCM_RIGHTS);
    if (rc) {
        int fd;
        memcpy(&fd, CMSG_DATA(rc), sizeof fd);
        CHECK("socketpair", fd > 2 && fcntl(fd, F_GETFD) == FD_CLOEXEC);
        CHECK("socketpair", write(fd, "!", 1) == 1 && read(p[0], b, 1) == 1 && b[0] == '!');
        close(fd);
    }
    /* a truncated control buffer sets MSG_CTRUNC */
    send(sv[0], "z", 1, 0);
    char small[4];
    struct msghdr tm = {.msg_iov = riov, .msg_iovlen = 1, .msg_control = small, .msg_controllen = 0};
    CHECK("socketpair", recvmsg(sv[1], &tm, 0) == 1 && tm.msg_controllen == 0);
    CHECK("socketpair", shutdown(sv[0], SHUT_WR) == 0 && recv(sv[1], b, 1, 0) == 0);
    close(p[0]);
    close(sv[0]);
    close(sv[1]);
    GROUP_END("socketpair");
}

static void test_unix(void)
{
    GROUP_BEGIN();
    int s = socket(AF_UNIX, SOCK_SEQPACKET, 0);
    CHECK("unix", s >= 0);
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    /* abstract name */
    char name[32] = "\0vvm-test-";
    unsigned rnd = 0;
    getrandom(&rnd, sizeof rnd, 0);
    snprintf(name + 10, sizeof name - 10, "%08x", rnd);
    size_t nlen = 18;
    memcpy(a.sun_path, name, nlen);
    socklen_t alen = offsetof(struct sockaddr_un, sun_path) + nlen;
    CHECK("unix", bind(s, (struct sockaddr *)&a, alen) == 0);
    CHECK("unix", listen(s, 4) == 0);
    int c = socket(AF_UNIX, SOCK_SEQPACKET, 0);
    CHECK("unix", connect(c, (struct sockaddr *)&a, alen) == 0);
    struct sockaddr_un peer;
    socklen_t plen = sizeof peer;
    int acc = accept4(s, (struct sockaddr *)&peer, &plen, SOCK_NONBLOCK);
    CHECK("unix", acc >= 0 && (fcntl(acc, F_GETFL) & O_NONBLOCK));
    CHECK("unix", plen == offsetof(struct sockaddr_un, sun_path) && peer.sun_family == AF_UNIX);
    struct sockaddr_un me;
    socklen_t mlen = sizeof me;
    CHECK("unix", getsockname(s, (struct sockaddr *)&me, &mlen) == 0 && mlen == alen &&
                      !memcmp(me.sun_path, name, nlen));
    mlen = sizeof me;
    CHECK("unix", getpeername(c, (struct sockaddr *)&me, &mlen) == 0 && mlen == alen);
    CHECK("unix", send(c, "rec1", 4, 0) == 4 && send(c, "rec22", 5, 0) == 5);
    char b[16];
    CHECK("unix", recv(acc, b, sizeof b, 0) == 4 && recv(acc, b, sizeof b, 0) == 5);
    int type = 0;
    socklen_t tl = sizeof type;
    CHECK("unix", getsockopt(c, SOL_SOCKET, SO_TYPE, &type, &tl) == 0 && type == SOCK_SEQPACKET && tl == 4);
    CHECK("unix", getsockopt(c, SOL_SOCKET, SO_TYPE, &type, NULL) == -1 && errno == EFAULT);
    close(acc);
    close(c);
    close(s);
    GROUP_END("unix");
}

static void test_tcp(void)
{
    GROUP_BEGIN();
    int s = socket(AF_INET, SOCK_STREAM, 0);
    CHECK("tcp", s >= 0);
    int one = 1;
    CHECK("tcp", setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) == 0);
    int v = 0;
    socklen_t vl = sizeof v;
    CHECK("tcp", getsockopt(s, SOL_SOCKET, SO_REUSEADDR, &v, &vl) == 0 && v == 1);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = 0, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    CHECK("tcp", bind(s, (struct sockaddr *)&a, sizeof a) == 0);
    socklen_t al = sizeof a;
    CHECK("tcp", getsockname(s, (struct sockaddr *)&a, &al) == 0 && al == sizeof a && a.sin_port != 0);
    CHECK("tcp", listen(s, 8) == 0);
    int c = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, IPPROTO_TCP);
    CHECK("tcp", connect(c, (struct sockaddr *)&a, sizeof a) == 0);
    CHECK("tcp", setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) == 0);
    struct sockaddr_in pa;
    socklen_t pl = sizeof pa;
    int acc = accept(s, (struct sockaddr *)&pa, &pl);
    CHECK("tcp", acc >= 0 && pl == sizeof pa && pa.sin_addr.s_addr == htonl(INADDR_LOOPBACK));
    struct sockaddr_in cn;
    socklen_t cl = sizeof cn;
    CHECK("tcp", getsockname(c, (struct sockaddr *)&cn, &cl) == 0 && cn.sin_port == pa.sin_port);
    cl = sizeof cn;
    CHECK("tcp", getpeername(c, (struct sockaddr *)&cn, &cl) == 0 && cn.sin_port == a.sin_port);
    struct timeval tv = {0, 50000};
    CHECK("tcp", setsockopt(acc, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) == 0);
    char b[64];
    CHECK("tcp", recv(acc, b, sizeof b, 0) == -1 && errno == EAGAIN);
    CHECK("tcp", sendto(c, "hello tcp", 9, MSG_NOSIGNAL, NULL, 0) == 9);
    struct pollfd pf = {acc, POLLIN, 0};
    CHECK("tcp", poll(&pf, 1, 2000) == 1);
    CHECK("tcp", recvfrom(acc, b, sizeof b, 0, NULL, NULL) == 9 && !memcmp(b, "hello tcp", 9));
    CHECK("tcp", shutdown(c, SHUT_RDWR) == 0);
    CHECK("tcp", recv(acc, b, sizeof b, 0) == 0);
    int e = 0;
    socklen_t el = sizeof e;
    CHECK("tcp", getsockopt(c, SOL_SOCKET, SO_ERROR, &e, &el) == 0 && e == 0);
    close(acc);
    close(c);
    close(s);
    /* refused */
    c = socket(AF_INET, SOCK_STREAM, 0);
    CHECK("tcp", connect(c, (struct sockaddr *)&a, sizeof a) == -1 && errno == ECONNREFUSED);
    close(c);
    GROUP_END("tcp");
}

static void test_udp(void)
{
    GROUP_BEGIN();
    int s = socket(AF_INET, SOCK_DGRAM, 0), c = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    CHECK("udp", bind(s, (struct sockaddr *)&a, sizeof a) == 0);
    socklen_t al = sizeof a;
    getsockname(s, (struct sockaddr *)&a, &al);
    CHECK("udp", sendto(c, "dgram", 5, 0, (struct sockaddr *)&a, sizeof a) == 5);
    char b[16];
    struct sockaddr_in from;
    socklen_t fl = sizeof from;
    CHECK("udp", recvfrom(s, b, sizeof b, 0, (struct sockaddr *)&from, &fl) == 5 && fl == sizeof from &&
                     from.sin_addr.s_addr == htonl(INADDR_LOOPBACK) && from.sin_port != 0);
    /* sendmsg with an address, recvmsg filling msg_name */
    struct iovec iov = {"msg", 3};
    struct msghdr m = {.msg_name = &a, .msg_namelen = sizeof a, .msg_iov = &iov, .msg_iovlen = 1};
    CHECK("udp", sendmsg(c, &m, 0) == 3);
    char rb[2];
    struct iovec riov = {rb, sizeof rb};
    struct sockaddr_in src;
    struct msghdr rm = {.msg_name = &src, .msg_namelen = sizeof src, .msg_iov = &riov, .msg_iovlen = 1};
    CHECK("udp", recvmsg(s, &rm, 0) == 2 && (rm.msg_flags & MSG_TRUNC) && rm.msg_namelen == sizeof src &&
                     src.sin_port == from.sin_port);
    close(s);
    close(c);
    GROUP_END("udp");
}

static void test_mmsg(void)
{
    GROUP_BEGIN();
    int sv[2];
    CHECK("mmsg", socketpair(AF_UNIX, SOCK_DGRAM, 0, sv) == 0);
    struct iovec iov[3] = {{"one", 3}, {"three", 5}, {"xy", 2}};
    struct mmsghdr m[3];
    memset(m, 0, sizeof m);
    for (int i = 0; i < 3; i++) {
        m[i].msg_hdr.msg_iov = &iov[i];
        m[i].msg_hdr.msg_iovlen = 1;
    }
    CHECK("mmsg", sendmmsg(sv[0], m, 3, 0) == 3 && m[0].msg_len == 3 && m[1].msg_len == 5 && m[2].msg_len == 2);
    char b[3][8];
    memset(b, 0, sizeof b);
    struct iovec riov[3] = {{b[0], 8}, {b[1], 8}, {b[2], 1}};
    struct mmsghdr r[3];
    memset(r, 0, sizeof r);
    for (int i = 0; i < 3; i++) {
        r[i].msg_hdr.msg_iov = &riov[i];
        r[i].msg_hdr.msg_iovlen = 1;
    }
    struct timespec ts = {1, 0};
    CHECK("mmsg", recvmmsg(sv[1], r, 3, MSG_DONTWAIT, &ts) == 3);
    CHECK("mmsg", r[0].msg_len == 3 && !strcmp(b[0], "one") && r[1].msg_len == 5 && !strcmp(b[1], "three"));
    CHECK("mmsg", r[2].msg_len == 1 && (r[2].msg_hdr.msg_flags & MSG_TRUNC));
    CHECK("mmsg", recvmmsg(sv[1], r, 3, MSG_DONTWAIT, NULL) == -1 && errno == EAGAIN);
    close(sv[0]);
    close(sv[1]);
    GROUP_END("mmsg");
}

int main(void)
{
    test_pair();
    test_unix();
    test_tcp();
    test_udp();
    test_mmsg();
    return t_status();
}
