#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
/* Pipes, dup/dup2, poll, epoll, eventfd, non-blocking I/O, a pipe shared
 * with a thread. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

static int failures;
#define CHECK(c) do { if (!(c)) { printf("FAILED %s:%d: %s\n", __FILE__, __LINE__, #c); failures++; } } while (0)

static int tp[2];

static void *writer(void *arg)
{
	for (int i = 0; i < 100; i++) {
		char msg[16];
		int n = snprintf(msg, sizeof msg, "%03d;", i);
		if (write(tp[1], msg, n) != n)
			return (void *)1;
		if (i % 10 == 0)
			usleep(1000);
	}
	close(tp[1]);
	return NULL;
}

int main(void)
{
	int p[2];
	CHECK(pipe(p) == 0);
	CHECK(write(p[1], "hello pipe", 10) == 10);
	char buf[4096];
	ssize_t n = read(p[0], buf, sizeof buf);
	printf("pipe: %zd [%.*s]\n", n, (int)n, buf);

	struct pollfd pf[2] = { { .fd = p[0], .events = POLLIN }, { .fd = p[1], .events = POLLOUT } };
	int r = poll(pf, 2, 0);
	printf("poll empty: r=%d in=%d out=%d\n", r, (pf[0].revents & POLLIN) != 0, (pf[1].revents & POLLOUT) != 0);
	write(p[1], "x", 1);
	r = poll(pf, 1, 1000);
	printf("poll data: r=%d in=%d\n", r, (pf[0].revents & POLLIN) != 0);
	read(p[0], buf, 1);
	r = poll(pf, 1, 30);
	printf("poll timeout: r=%d\n", r);

	/* dup2 a pipe onto a new fd number. */
	int d = dup2(p[1], 40);
	CHECK(d == 40);
	write(40, "via dup2", 8);
	n = read(p[0], buf, sizeof buf);
	printf("dup2: [%.*s]\n", (int)n, buf);
	close(40);
	int d2 = fcntl(p[1], F_DUPFD_CLOEXEC, 50);
	printf("dupfd: %d cloexec=%d\n", d2, (fcntl(d2, F_GETFD) & FD_CLOEXEC) != 0);
	close(d2);

	/* Non-blocking: an empty read is EAGAIN; fill the pipe until EAGAIN. */
	CHECK(fcntl(p[0], F_SETFL, fcntl(p[0], F_GETFL) | O_NONBLOCK) == 0);
	errno = 0;
	printf("nonblock read: %zd EAGAIN=%d\n", read(p[0], buf, 1), errno == EAGAIN);
	CHECK(fcntl(p[1], F_SETFL, O_NONBLOCK) == 0);
	long total = 0;
	memset(buf, 'z', sizeof buf);
	for (;;) {
		ssize_t w = write(p[1], buf, sizeof buf);
		if (w < 0) {
			CHECK(errno == EAGAIN);
			break;
		}
		total += w;
	}
	printf("pipe capacity >= 4096: %d\n", total >= 4096);
	long drained = 0;
	while ((n = read(p[0], buf, sizeof buf)) > 0)
		drained += n;
	printf("drained all: %d\n", drained == total);
	close(p[1]);
	n = read(p[0], buf, 1);
	printf("eof: %zd\n", n);
	close(p[0]);

	/* epoll over a pipe fed by a thread, plus an eventfd. */
	CHECK(pipe2(tp, O_CLOEXEC) == 0);
	int ep = epoll_create1(EPOLL_CLOEXEC);
	CHECK(ep >= 0);
	int efd = eventfd(0, EFD_NONBLOCK);
	struct epoll_event ev = { .events = EPOLLIN, .data.u32 = 1 };
	CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, tp[0], &ev) == 0);
	ev.data.u32 = 2;
	CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, efd, &ev) == 0);
	uint64_t one = 5;
	write(efd, &one, 8);
	pthread_t t;
	pthread_create(&t, NULL, writer, NULL);
	char all[1024];
	size_t got = 0;
	int eof = 0, efd_seen = 0;
	while (!eof) {
		struct epoll_event out[4];
		int k = epoll_wait(ep, out, 4, 5000);
		CHECK(k > 0);
		if (k <= 0)
			break;
		for (int i = 0; i < k; i++) {
			if (out[i].data.u32 == 2) {
				uint64_t v;
				CHECK(read(efd, &v, 8) == 8);
				efd_seen = (int)v;
				continue;
			}
			n = read(tp[0], all + got, sizeof all - got);
			if (n == 0)
				eof = 1;
			else if (n > 0)
				got += n;
		}
	}
	pthread_join(t, NULL);
	int ordered = got == 400;
	for (int i = 0; i < 100 && ordered; i++) {
		char want[8];
		snprintf(want, sizeof want, "%03d;", i);
		ordered = memcmp(all + 4 * i, want, 4) == 0;
	}
	printf("epoll: bytes=%zu ordered=%d eventfd=%d\n", got, ordered, efd_seen);
	close(ep);
	close(efd);
	close(tp[0]);

	/* Writing to a pipe with no reader: EPIPE once SIGPIPE is ignored. */
	signal(SIGPIPE, SIG_IGN);
	CHECK(pipe(p) == 0);
	close(p[0]);
	errno = 0;
	printf("epipe: %zd %d\n", write(p[1], "x", 1), errno == EPIPE);
	close(p[1]);

	if (failures)
		return 1;
	printf("ok pipes\n");
	return 0;
}
