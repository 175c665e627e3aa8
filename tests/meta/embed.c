/* The meta language's embedding API: create, eval, call, C primitives. */
#include <stdio.h>
#include <string.h>

#include "vvm/vvm.h"

static int host_mul_add(void *ctx, int argc, const int64_t *argv, int64_t *result)
{
    *result = argv[0] * argv[1] + *(int64_t *)ctx;
    (void)argc;
    return 0;
}

int main(void)
{
    int bad = 0;
    char out[256];
    vvm_meta *m = vvm_meta_create();
    if (!m)
        return 2;
#define CHECK(c, what) do { if (c) printf("ok %s\n", what); else { printf("not ok %s: %s\n", what, out); bad++; } } while (0)
    CHECK(vvm_meta_eval(m, "(define (sq x) (* x x)) (sq 12)", out, sizeof out) == 0 && !strcmp(out, "144"), "eval");
    int64_t r = 0, a[] = {7};
    CHECK(vvm_meta_call(m, "sq", 1, a, &r, out, sizeof out) == 0 && r == 49, "call");
    int64_t k = 100;
    CHECK(vvm_meta_define(m, "host-mul-add", 2, host_mul_add, &k) == 0, "define");
    CHECK(vvm_meta_eval(m, "(host-mul-add 6 7)", out, sizeof out) == 0 && !strcmp(out, "142"), "primitive");
    CHECK(vvm_meta_eval(m, "(car 5)", out, sizeof out) < 0 && strstr(out, "car: expected a pair"), "error");
    CHECK(vvm_meta_eval(m, "(sq", out, sizeof out) < 0 && strstr(out, "syntax error"), "syntax-error");
    CHECK(vvm_meta_call(m, "sq", 2, a, &r, out, sizeof out) < 0 && strstr(out, "wrong number of arguments"), "call-arity");
    CHECK(vvm_meta_eval(m, "(sq 3)", out, sizeof out) == 0 && !strcmp(out, "9"), "alive-after-errors");
    vvm_meta_destroy(m);
    return bad ? 1 : 0;
}
