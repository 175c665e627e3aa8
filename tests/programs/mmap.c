/* mmap, mprotect, munmap, mremap, file mappings; protection faults are
 * observed with a SIGSEGV handler. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static int failures;
#define CHECK(c) do { if (!(c)) { printf("FAILED %s:%d: %s\n", __FILE__, __LINE__, #c); failures++; } } while (0)

static sigjmp_buf jb;
static void *fault_addr;

static void on_segv(int sig, siginfo_t *si, void *uc)
{
	fault_addr = si->si_addr;
	siglongjmp(jb, 1);
}

static int faults_on_write(volatile char *p)
{
	if (sigsetjmp(jb, 1) == 0) {
		*p = 1;
		return 0;
	}
	return fault_addr == (void *)p;
}

static int faults_on_read(volatile char *p)
{
	if (sigsetjmp(jb, 1) == 0) {
		(void)*p;
		return 0;
	}
	return fault_addr == (void *)p;
}

int main(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = on_segv;
	sa.sa_flags = SA_SIGINFO | SA_NODEFER;
	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGBUS, &sa, NULL);

	long pg = sysconf(_SC_PAGESIZE);
	printf("pagesize: %ld\n", pg);
	size_t len = 16 * pg;
	char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(p != MAP_FAILED);
	CHECK(((uintptr_t)p & (pg - 1)) == 0);
	int zero = 1;
	for (size_t i = 0; i < len; i++)
		if (p[i])
			zero = 0;
	for (size_t i = 0; i < len; i++)
		p[i] = (char)(i * 3);
	long sum = 0;
	for (size_t i = 0; i < len; i++)
		sum += (unsigned char)p[i];
	printf("anon: zeroed=%d sum=%ld\n", zero, sum);

	CHECK(mprotect(p + 4 * pg, pg, PROT_READ) == 0);
	int w = faults_on_write(p + 4 * pg + 10);
	int ro_read_ok = p[4 * pg + 10] == (char)((4 * pg + 10) * 3);
	CHECK(mprotect(p + 5 * pg, pg, PROT_NONE) == 0);
	int r = faults_on_read(p + 5 * pg);
	printf("mprotect: write_faults=%d read_ok=%d none_faults=%d neighbour_ok=%d\n",
	       w, ro_read_ok, r, !faults_on_write(p + 6 * pg));
	CHECK(mprotect(p + 4 * pg, 2 * pg, PROT_READ | PROT_WRITE) == 0);
	printf("mprotect restore: write_ok=%d\n", !faults_on_write(p + 4 * pg + 10));

	CHECK(munmap(p + 8 * pg, pg) == 0);
	printf("munmap: hole_faults=%d after_ok=%d\n", faults_on_read(p + 8 * pg), !faults_on_read(p + 9 * pg));

	/* MAP_FIXED over part of an existing mapping replaces it with zeros. */
	char *q = mmap(p + 2 * pg, pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	printf("fixed: same=%d zero=%d\n", q == p + 2 * pg, q[0] == 0 && q[pg - 1] == 0);
	CHECK(munmap(p, len) == 0);

	/* mremap grows a mapping, keeping its contents. */
	char *m = mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	strcpy(m, "keep me");
	char *m2 = mremap(m, pg, 64 * pg, MREMAP_MAYMOVE);
	CHECK(m2 != MAP_FAILED);
	m2[64 * pg - 1] = 'x';
	printf("mremap: [%s] end=%c\n", m2, m2[64 * pg - 1]);
	munmap(m2, 64 * pg);

	/* A shared file mapping: writes reach the file. */
	const char *tmp = getenv("TMPDIR");
	char path[256];
	snprintf(path, sizeof path, "%s/mmap.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	int fd = mkstemp(path);
	CHECK(fd >= 0);
	CHECK(ftruncate(fd, 2 * pg) == 0);
	char *f = mmap(NULL, 2 * pg, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	CHECK(f != MAP_FAILED);
	memcpy(f + pg, "through the mapping", 20);
	CHECK(msync(f, 2 * pg, MS_SYNC) == 0);
	char buf[32] = { 0 };
	CHECK(pread(fd, buf, 19, pg) == 19);
	printf("shared file: [%s]\n", buf);
	CHECK(pwrite(fd, "written by pwrite", 17, 100) == 17);
	printf("file->map: [%.17s]\n", f + 100);
	munmap(f, 2 * pg);
	/* A private file mapping: writes stay private. */
	char *g = mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	g[100] = 'W';
	CHECK(pread(fd, buf, 1, 100) == 1);
	printf("private file: map=%c file=%c\n", g[100], buf[0]);
	munmap(g, pg);
	close(fd);
	unlink(path);

	/* Bad requests fail cleanly. */
	errno = 0;
	void *bad = mmap(NULL, 0, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	printf("zero-length: failed=%d EINVAL=%d\n", bad == MAP_FAILED, errno == EINVAL);
	errno = 0;
	bad = mmap(NULL, pg, PROT_READ, MAP_PRIVATE, 12345, 0);
	printf("bad fd: failed=%d EBADF=%d\n", bad == MAP_FAILED, errno == EBADF);

	/* brk-backed malloc still works after all of this. */
	char *h = malloc(100000);
	memset(h, 7, 100000);
	free(h);
	if (failures)
		return 1;
	printf("ok mmap\n");
	return 0;
}
