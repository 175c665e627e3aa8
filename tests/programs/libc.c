/* A libc workout: formatted output, sorting, parsing, malloc, time, files,
 * directories.  Prints only deterministic results; "ok libc" at the end. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static int failures;
#define CHECK(c) do { if (!(c)) { printf("FAILED %s:%d: %s\n", __FILE__, __LINE__, #c); failures++; } } while (0)

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;
	return (x > y) - (x < y);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void formatting(void)
{
	printf("ints: %d %i %u %ld %lld %x %X %o %#x %+d % d %05d %-5d|\n",
	       -42, 17, 3000000000u, -1234567890123L, 9223372036854775807LL,
	       0xbeef, 0xbeef, 0755, 255, 5, 5, 42, 42);
	printf("floats: %f %.3f %e %.10g %g %g %G\n", 3.14159265358979, 2.0 / 3.0,
	       6.02214076e23, 1.0 / 7.0, 1e-5, 100000.0, 1e20);
	printf("special: %f %f %f %.0f %.1f\n", 1.0 / 0.0, -1.0 / 0.0, 0.0 / 0.0 * 0, 2.5, 0.05);
	printf("strings: [%s] [%10s] [%-10s] [%.3s] [%c]\n", "abc", "right", "left", "truncate", 'z');
	char buf[64];
	int n = snprintf(buf, sizeof buf, "%s-%d-%.2f", "snp", 99, 1.005);
	printf("snprintf: %d [%s]\n", n, buf);
	n = snprintf(buf, 8, "%s", "0123456789abcdef");
	printf("snprintf trunc: %d [%s]\n", n, buf);
	printf("size: %zu %zd %p\n", (size_t)123, (ssize_t)-5, (void *)0);
}

static void sorting(void)
{
	int a[1000];
	uint32_t x = 12345;
	for (int i = 0; i < 1000; i++) {
		x = x * 1103515245u + 12345u;
		a[i] = (int)(x >> 8) % 100000 - 50000;
	}
	qsort(a, 1000, sizeof a[0], cmp_int);
	int sorted = 1;
	long sum = 0;
	for (int i = 0; i < 1000; i++) {
		if (i && a[i - 1] > a[i])
			sorted = 0;
		sum += a[i];
	}
	printf("qsort: sorted=%d min=%d max=%d sum=%ld\n", sorted, a[0], a[999], sum);
	const char *words[] = { "pear", "apple", "fig", "banana", "cherry" };
	qsort(words, 5, sizeof words[0], cmp_str);
	printf("words:");
	for (int i = 0; i < 5; i++)
		printf(" %s", words[i]);
	printf("\n");
	int key = a[500];
	int *hit = bsearch(&key, a, 1000, sizeof a[0], cmp_int);
	CHECK(hit && *hit == key);
}

static void parsing(void)
{
	char *end;
	double d = strtod("  -1.25e3xyz", &end);
	printf("strtod: %g rest=%s\n", d, end);
	printf("strtod hex: %a\n", strtod("0x1.8p3", NULL));
	printf("strtod inf/nan: %f %d\n", strtod("inf", NULL), strtod("nan", NULL) != strtod("nan", NULL));
	printf("strtol: %ld %ld %ld\n", strtol("-0x7f", NULL, 16), strtol("0755", NULL, 0), strtol("zz", NULL, 36));
	errno = 0;
	long big = strtol("999999999999999999999", NULL, 10);
	printf("strtol overflow: %d %d\n", big == LONG_MAX, errno == ERANGE);
	printf("strtoull: %llu\n", strtoull("18446744073709551615", NULL, 10));
	printf("atoi: %d sscanf:", atoi("  123abc"));
	int i1; double f1; char s1[16];
	int n = sscanf("7 2.5 word", "%d %lf %15s", &i1, &f1, s1);
	printf(" %d %d %g %s\n", n, i1, f1, s1);
}

static void memory(void)
{
	enum { N = 2000 };
	static void *p[N];
	static size_t sz[N];
	uint32_t x = 99;
	unsigned long bytes = 0;
	for (int round = 0; round < 20; round++) {
		for (int i = 0; i < N; i++) {
			x = x * 1664525u + 1013904223u;
			if (p[i]) {
				unsigned char *c = p[i];
				for (size_t k = 0; k < sz[i]; k += 61)
					if (c[k] != (unsigned char)(i + k)) {
						printf("FAILED heap corruption\n");
						failures++;
						return;
					}
				free(p[i]);
				p[i] = NULL;
			} else if (x & 1) {
				sz[i] = (x >> 4) % (x & 2 ? 200000 : 300) + 1;
				p[i] = malloc(sz[i]);
				CHECK(p[i] != NULL);
				unsigned char *c = p[i];
				for (size_t k = 0; k < sz[i]; k += 61)
					c[k] = (unsigned char)(i + k);
				bytes += sz[i];
			}
		}
	}
	for (int i = 0; i < N; i++)
		free(p[i]);
	char *r = NULL;
	for (int i = 1; i <= 100; i++) {
		r = realloc(r, i * 1000);
		r[i * 1000 - 1] = (char)i;
		CHECK(i == 1 || r[(i - 1) * 1000 - 1] == (char)(i - 1));
	}
	free(r);
	int *z = calloc(10000, sizeof(int));
	long zs = 0;
	for (int i = 0; i < 10000; i++)
		zs += z[i];
	free(z);
	printf("malloc: stress done calloc_zero=%d\n", zs == 0);
	(void)bytes;
}

static void times(void)
{
	time_t t = 1700000000;
	struct tm tm;
	gmtime_r(&t, &tm);
	char buf[128];
	strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S %A %j", &tm);
	printf("gmtime: %s\n", buf);
	setenv("TZ", "UTC", 1);
	tzset();
	tm.tm_mday += 40; /* normalisation across a month */
	time_t t2 = mktime(&tm);
	printf("mktime: %lld wday=%d\n", (long long)(t2 - t), tm.tm_wday);
	struct timespec a, b, r;
	clock_gettime(CLOCK_MONOTONIC, &a);
	struct timespec d = { 0, 20 * 1000 * 1000 };
	nanosleep(&d, NULL);
	clock_gettime(CLOCK_MONOTONIC, &b);
	long ns = (b.tv_sec - a.tv_sec) * 1000000000L + (b.tv_nsec - a.tv_nsec);
	CHECK(ns >= 20 * 1000 * 1000);
	CHECK(ns < 5L * 1000 * 1000 * 1000);
	clock_getres(CLOCK_MONOTONIC, &r);
	CHECK(r.tv_sec == 0 && r.tv_nsec > 0);
	time_t now = time(NULL);
	CHECK(now > 1600000000);
	struct timespec rt;
	clock_gettime(CLOCK_REALTIME, &rt);
	CHECK(rt.tv_sec >= now - 2 && rt.tv_sec <= now + 2);
	CHECK(clock() >= 0);
	printf("clocks: sleep measured ok\n");
}

static void files(void)
{
	const char *tmp = getenv("TMPDIR");
	char dir[PATH_MAX];
	snprintf(dir, sizeof dir, "%s/libc.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(dir)) {
		printf("FAILED mkdtemp: %s\n", strerror(errno));
		failures++;
		return;
	}
	char oldcwd[PATH_MAX];
	CHECK(getcwd(oldcwd, sizeof oldcwd) != NULL);
	CHECK(chdir(dir) == 0);
	char cwd[PATH_MAX], real[PATH_MAX];
	CHECK(getcwd(cwd, sizeof cwd) != NULL);
	CHECK(realpath(dir, real) != NULL);
	printf("chdir: cwd matches=%d\n", strcmp(cwd, real) == 0);

	FILE *f = fopen("a.txt", "w");
	CHECK(f != NULL);
	for (int i = 0; i < 1000; i++)
		fprintf(f, "line %d\n", i);
	CHECK(fclose(f) == 0);
	struct stat st;
	CHECK(stat("a.txt", &st) == 0);
	printf("stat: size=%lld reg=%d\n", (long long)st.st_size, S_ISREG(st.st_mode));
	f = fopen("a.txt", "r");
	char line[64];
	int count = 0;
	long total = 0;
	while (fgets(line, sizeof line, f)) {
		int v;
		if (sscanf(line, "line %d", &v) == 1)
			total += v;
		count++;
	}
	fclose(f);
	printf("read: lines=%d total=%ld\n", count, total);

	int fd = open("b.bin", O_CREAT | O_RDWR | O_TRUNC, 0600);
	CHECK(fd >= 0);
	unsigned char data[4096];
	for (int i = 0; i < 4096; i++)
		data[i] = (unsigned char)(i * 7);
	CHECK(write(fd, data, sizeof data) == sizeof data);
	CHECK(lseek(fd, 100, SEEK_SET) == 100);
	unsigned char back[16];
	CHECK(read(fd, back, 16) == 16);
	CHECK(back[0] == (unsigned char)700 && back[15] == (unsigned char)(115 * 7));
	CHECK(pread(fd, back, 4, 4000) == 4 && back[0] == (unsigned char)(4000 * 7));
	CHECK(ftruncate(fd, 10) == 0);
	CHECK(fstat(fd, &st) == 0 && st.st_size == 10);
	CHECK(close(fd) == 0);
	CHECK(rename("b.bin", "c.bin") == 0);
	CHECK(access("b.bin", F_OK) != 0 && errno == ENOENT);
	CHECK(access("c.bin", R_OK) == 0);
	CHECK(mkdir("sub", 0700) == 0);
	CHECK(symlink("a.txt", "link") == 0);
	char tgt[64];
	ssize_t tl = readlink("link", tgt, sizeof tgt - 1);
	CHECK(tl == 5);
	CHECK(lstat("link", &st) == 0 && S_ISLNK(st.st_mode));

	DIR *dp = opendir(".");
	CHECK(dp != NULL);
	char *names[16];
	int nn = 0;
	struct dirent *de;
	while (dp && (de = readdir(dp)) && nn < 16)
		names[nn++] = strdup(de->d_name);
	if (dp)
		closedir(dp);
	qsort(names, nn, sizeof names[0], cmp_str);
	printf("readdir:");
	for (int i = 0; i < nn; i++) {
		printf(" %s", names[i]);
		free(names[i]);
	}
	printf("\n");

	CHECK(unlink("a.txt") == 0);
	CHECK(unlink("c.bin") == 0);
	CHECK(unlink("link") == 0);
	CHECK(rmdir("sub") == 0);
	CHECK(stat("a.txt", &st) != 0 && errno == ENOENT);
	CHECK(open("/nonexistent/x", O_RDONLY) == -1 && errno == ENOENT);
	CHECK(chdir(oldcwd) == 0);
	CHECK(rmdir(dir) == 0);
	printf("files: cleanup done\n");
}

int main(void)
{
	formatting();
	sorting();
	parsing();
	memory();
	times();
	files();
	if (failures) {
		printf("%d failures\n", failures);
		return 1;
	}
	printf("ok libc\n");
	return 0;
}
