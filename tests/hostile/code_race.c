/* Code and data on one read-write-execute page, used at once: one thread
 * keeps calling a function on the page while another has system calls write
 * into the rest of it (fstat, read, clock_gettime, pipe2, getrandom, ...).
 * On Linux every call succeeds and the function keeps returning 42; vvm
 * write-protects pages it decoded code from, and its copies into such a page
 * must not race with that protection. */
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "hostile.h"

#define PG 4096
#define ROUNDS 20000

static uint8_t *page;
static volatile int stop;
static volatile long bad_result, calls;

static void *runner(void *arg)
{
    int (*fn)(void) = (int (*)(void))(void *)page;
    (void)arg;
    while (!stop) {
        if (fn() != 42)
            bad_result++;
        calls++;
    }
    return NULL;
}

int main(void)
{
#if defined(__riscv)
    static const uint32_t code[] = {0x02a00513 /* li a0, 42 */, 0x00008067 /* ret */};
#elif defined(__x86_64__)
    static const uint8_t code[] = {0xb8, 0x2a, 0x00, 0x00, 0x00, 0xc3}; /* mov eax, 42; ret */
#else
    SKIP("all", "no code for this machine");
    DONE();
#endif
    page = mmap(NULL, PG, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (page == MAP_FAILED) {
        FAIL("setup", "mmap rwx: errno %d", errno);
        DONE();
    }
    memcpy(page, code, sizeof code);
    __builtin___clear_cache((char *)page, (char *)page + sizeof code);
    int pfd[2];
    if (pipe(pfd) < 0) {
        FAIL("setup", "pipe");
        DONE();
    }
    pthread_t th;
    if (pthread_create(&th, NULL, runner, NULL) != 0) {
        FAIL("setup", "pthread_create");
        DONE();
    }
    while (calls == 0)
        usleep(100);
    long fstat_err = 0, read_err = 0, clock_err = 0, pipe_err = 0, rand_err = 0, uname_err = 0;
    int fstat_errno = 0, read_errno = 0;
    for (int i = 0; i < ROUNDS; i++) {
        /* a C copy in vvm (struct stat is translated) at an odd place */
        if (syscall(SYS_fstat, pfd[0], page + 1024 + (i & 7)) != 0)
            fstat_err++, fstat_errno = errno;
        /* the host kernel's own copy */
        if (write(pfd[1], "abcdefgh", 8) != 8 || syscall(SYS_read, pfd[0], page + 2048 + (i & 15), 8) != 8)
            read_err++, read_errno = errno;
        if (syscall(SYS_clock_gettime, CLOCK_MONOTONIC, page + 2560) != 0)
            clock_err++;
        if (syscall(SYS_getrandom, page + 3100, 16, 0) != 16)
            rand_err++;
        if (syscall(SYS_uname, page + 3072 - 390) != 0)
            uname_err++;
        if ((i & 255) == 0) {
            int *fds = (int *)(void *)(page + 3900);
            if (syscall(SYS_pipe2, fds, 0) != 0)
                pipe_err++;
            else
                close(fds[0]), close(fds[1]);
        }
    }
    stop = 1;
    pthread_join(th, NULL);
    CHECK("fstat-into-code-page", fstat_err == 0, "%ld of %d failed, last errno %d", fstat_err, ROUNDS, fstat_errno);
    CHECK("read-into-code-page", read_err == 0, "%ld of %d failed, last errno %d", read_err, ROUNDS, read_errno);
    CHECK("clock_gettime-into-code-page", clock_err == 0, "%ld of %d failed", clock_err, ROUNDS);
    CHECK("getrandom-into-code-page", rand_err == 0, "%ld of %d failed", rand_err, ROUNDS);
    CHECK("uname-into-code-page", uname_err == 0, "%ld of %d failed", uname_err, ROUNDS);
    CHECK("pipe2-into-code-page", pipe_err == 0, "%ld failed", pipe_err);
    CHECK("code-still-runs", bad_result == 0 && calls > 0, "%ld of %ld calls returned something else", bad_result,
          calls);
    struct stat st;
    memcpy(&st, page + 1024 + ((ROUNDS - 1) & 7), sizeof st);
    CHECK("fstat-result", S_ISFIFO(st.st_mode), "st_mode %o", (unsigned)st.st_mode);
    DONE();
}
