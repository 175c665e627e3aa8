/* Sockets on loopback: socketpair, TCP on 127.0.0.1 with an ephemeral port
 * (server in a thread), UDP, socket options, poll on sockets. */
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
#include <sys/un.h>
#include <unistd.h>

static int failures;
#define CHECK(c) do { if (!(c)) { printf("FAILED %s:%d: %s\n", __FILE__, __LINE__, #c); failures++; } } while (0)

static int listen_fd;

static ssize_t read_full(int fd, char *buf, size_t n)
{
	size_t got = 0;
	while (got < n) {
		ssize_t r = read(fd, buf + got, n - got);
		if (r <= 0)
			return r < 0 ? r : (ssize_t)got;
		got += r;
	}
	return got;
}

/* Echo server: for each of 3 connections, reads a length-prefixed message
 * and sends it back upper-cased. */
static void *server(void *arg)
{
	for (int c = 0; c < 3; c++) {
		struct sockaddr_in peer;
		socklen_t pl = sizeof peer;
		int fd = accept(listen_fd, (struct sockaddr *)&peer, &pl);
		if (fd < 0)
			return (void *)1;
		unsigned char len;
		char buf[256];
		if (read_full(fd, (char *)&len, 1) != 1 || read_full(fd, buf, len) != len)
			return (void *)2;
		for (int i = 0; i < len; i++)
			if (buf[i] >= 'a' && buf[i] <= 'z')
				buf[i] -= 32;
		if (write(fd, buf, len) != len)
			return (void *)3;
		close(fd);
	}
	return NULL;
}

int main(void)
{
	int sv[2];
	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	CHECK(send(sv[0], "ping", 4, 0) == 4);
	char buf[256];
	ssize_t n = recv(sv[1], buf, sizeof buf, 0);
	printf("socketpair: [%.*s]\n", (int)n, buf);
	CHECK(write(sv[1], "pong", 4) == 4);
	n = read(sv[0], buf, sizeof buf);
	printf("socketpair back: [%.*s]\n", (int)n, buf);
	shutdown(sv[1], SHUT_WR);
	printf("shutdown: read=%zd\n", read(sv[0], buf, sizeof buf));
	close(sv[0]);
	close(sv[1]);

	CHECK(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv) == 0);
	send(sv[0], "one", 3, 0);
	send(sv[0], "three", 5, 0);
	n = recv(sv[1], buf, sizeof buf, 0);
	ssize_t n2 = recv(sv[1], buf + 10, sizeof buf - 10, 0);
	printf("dgram pair: %zd %zd\n", n, n2);
	close(sv[0]);
	close(sv[1]);

	listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	CHECK(listen_fd >= 0);
	int one = 1;
	CHECK(setsockopt(listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) == 0);
	int val = 0;
	socklen_t vl = sizeof val;
	CHECK(getsockopt(listen_fd, SOL_SOCKET, SO_REUSEADDR, &val, &vl) == 0);
	struct sockaddr_in addr = { .sin_family = AF_INET, .sin_port = 0 };
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	CHECK(bind(listen_fd, (struct sockaddr *)&addr, sizeof addr) == 0);
	CHECK(listen(listen_fd, 8) == 0);
	socklen_t al = sizeof addr;
	CHECK(getsockname(listen_fd, (struct sockaddr *)&addr, &al) == 0);
	printf("tcp listen: reuseaddr=%d port_assigned=%d\n", val != 0, ntohs(addr.sin_port) != 0);

	pthread_t t;
	pthread_create(&t, NULL, server, NULL);
	const char *msgs[] = { "hello tcp", "second message", "the quick brown fox" };
	for (int i = 0; i < 3; i++) {
		int c = socket(AF_INET, SOCK_STREAM, 0);
		CHECK(c >= 0);
		CHECK(connect(c, (struct sockaddr *)&addr, sizeof addr) == 0);
		int nd = 1;
		setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &nd, sizeof nd);
		struct sockaddr_in peer;
		socklen_t pl = sizeof peer;
		CHECK(getpeername(c, (struct sockaddr *)&peer, &pl) == 0 && peer.sin_port == addr.sin_port);
		unsigned char len = (unsigned char)strlen(msgs[i]);
		CHECK(write(c, &len, 1) == 1);
		CHECK(write(c, msgs[i], len) == len);
		struct pollfd pf = { .fd = c, .events = POLLIN };
		CHECK(poll(&pf, 1, 5000) == 1);
		n = read_full(c, buf, len);
		printf("tcp %d: [%.*s]\n", i, (int)n, buf);
		close(c);
	}
	void *ret;
	pthread_join(t, &ret);
	printf("server: %ld\n", (long)ret);
	close(listen_fd);

	/* Connecting to a closed port is refused. */
	int c = socket(AF_INET, SOCK_STREAM, 0);
	errno = 0;
	int r = connect(c, (struct sockaddr *)&addr, sizeof addr);
	printf("refused: %d %d\n", r, errno == ECONNREFUSED);
	close(c);

	/* UDP on loopback. */
	int u1 = socket(AF_INET, SOCK_DGRAM, 0), u2 = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in ua = { .sin_family = AF_INET };
	ua.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	CHECK(bind(u1, (struct sockaddr *)&ua, sizeof ua) == 0);
	al = sizeof ua;
	getsockname(u1, (struct sockaddr *)&ua, &al);
	CHECK(sendto(u2, "datagram", 8, 0, (struct sockaddr *)&ua, sizeof ua) == 8);
	struct sockaddr_in from;
	socklen_t fl = sizeof from;
	n = recvfrom(u1, buf, sizeof buf, 0, (struct sockaddr *)&from, &fl);
	printf("udp: [%.*s] from_loopback=%d\n", (int)n, buf, from.sin_addr.s_addr == htonl(INADDR_LOOPBACK));
	close(u1);
	close(u2);

	/* A named unix socket in the temp dir. */
	const char *tmp = getenv("TMPDIR");
	struct sockaddr_un un = { .sun_family = AF_UNIX };
	snprintf(un.sun_path, sizeof un.sun_path, "%s/sock.%d", tmp && *tmp ? tmp : "/tmp", (int)getpid());
	int ls = socket(AF_UNIX, SOCK_STREAM, 0);
	CHECK(bind(ls, (struct sockaddr *)&un, sizeof un) == 0);
	CHECK(listen(ls, 1) == 0);
	int cs = socket(AF_UNIX, SOCK_STREAM, 0);
	CHECK(connect(cs, (struct sockaddr *)&un, sizeof un) == 0);
	int as = accept(ls, NULL, NULL);
	write(cs, "unix", 4);
	n = read(as, buf, sizeof buf);
	printf("unix socket: [%.*s]\n", (int)n, buf);
	close(as);
	close(cs);
	close(ls);
	unlink(un.sun_path);

	if (failures || ret)
		return 1;
	printf("ok sockets\n");
	return 0;
}
