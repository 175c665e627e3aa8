/* t.h: tiny self-checking test helpers for tests/linux programs.
 * CHECK(name, cond) prints "FAIL name: ..." and remembers the failure;
 * OK(name) prints "ok name".  main returns t_status(). */
#ifndef T_H
#define T_H
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int t_failed;

#define CHECK(name, cond)                                                                          \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            printf("FAIL %s: %s (line %d, errno %d %s)\n", name, #cond, __LINE__, errno,           \
                   strerror(errno));                                                               \
            fflush(stdout);                                                                        \
            t_failed = 1;                                                                          \
        }                                                                                          \
    } while (0)
#define OK(name)                                                                                   \
    do {                                                                                           \
        printf("ok %s\n", name);                                                                   \
        fflush(stdout);                                                                            \
    } while (0)
/* checks a group: prints ok only if no CHECK in it failed */
#define GROUP_BEGIN() int t_before = t_failed; t_failed = 0
#define GROUP_END(name)                                                                            \
    do {                                                                                           \
        if (!t_failed)                                                                             \
            OK(name);                                                                              \
        t_failed |= t_before;                                                                      \
    } while (0)

static int t_status(void)
{
    printf(t_failed ? "some checks FAILED\n" : "all ok\n");
    return t_failed ? 1 : 0;
}
#endif
