/* Shared by the tests/hostile programs.  Each program tries what a hostile
 * guest would and checks that the outcome is the one Linux gives.  It prints
 * one line per check:
 *     PASS name            FAIL name: why            SKIP name: why
 * and "done" as its last line; tests/hostile/suite.sh turns each line into a
 * test named hostile/PROGRAM/name.  Every program is also built for the host
 * and run natively, so each assertion is checked against real Linux; code
 * that only makes sense on riscv64 goes under #ifdef __riscv (natively it
 * says SKIP with the reason). */
#ifndef HOSTILE_H
#define HOSTILE_H
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static inline void h_result(const char *kind, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static inline void h_result(const char *kind, const char *name, const char *fmt, ...)
{
    char why[512] = "";
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof why, fmt, ap);
    va_end(ap);
    printf("%s %s%s%s\n", kind, name, why[0] ? ": " : "", why);
    fflush(stdout);
}
#define PASS(name) h_result("PASS", name, "%s", "")
#define FAIL(name, ...) h_result("FAIL", name, __VA_ARGS__)
#define SKIP(name, ...) h_result("SKIP", name, __VA_ARGS__)
/* CHECK(name, cond, fmt, ...): PASS when cond holds, else FAIL with the message */
#define CHECK(name, cond, ...) \
    do { \
        if (cond) \
            PASS(name); \
        else \
            FAIL(name, __VA_ARGS__); \
    } while (0)
/* A system call's outcome: want_ret, and when it is -1 also want_errno */
#define CHECK_ERR(name, expr, want_errno) \
    do { \
        errno = 0; \
        long h_r_ = (long)(expr); \
        int h_e_ = errno; \
        CHECK(name, h_r_ == -1 && h_e_ == (want_errno), "got %ld errno %d (%s), want -1 errno %d (%s)", \
              h_r_, h_e_, strerror(h_e_), (want_errno), strerror(want_errno)); \
    } while (0)
#define DONE() \
    do { \
        printf("done\n"); \
        fflush(stdout); \
        return 0; \
    } while (0)
#endif
