/* rtl_diff: every instruction of every .isa file, in random encodings with
 * random operands (FP edge values, every rounding mode, loads and stores in a
 * buffer, addresses past the end of memory, branches), run by the generated
 * interpreter and by engine/rtl_eval.c from the runtime RTL; all state must
 * agree (tests/engine/rtl_diff.h).  Also checks every op's and every fused
 * run's tree with rtl_check, and that the encodings reach every op.
 *
 *   rtl_diff [ROUNDS [SEED]]    prints "ok N words, M ops" or the differences
 */
#include "tests/engine/rtl_diff.h"

int main(int argc, char **argv)
{
    long rounds = argc > 1 ? atol(argv[1]) : 200;
    rd_rng r = {.s = argc > 2 ? strtoull(argv[2], NULL, 0) : UINT64_C(0x9e3779b97f4a7c15)};
    static rd_ctx c;
    if (rd_init(&c) < 0) {
        fprintf(stderr, "rtl_diff: cannot set up a machine\n");
        return 2;
    }
    char err[200];
    int failed = 0;
    for (unsigned op = 0; op < rv_rtl.nops; op++)
        if (rtl_check(rv_rtl.code, rv_rtl.op_root[op], err, sizeof err) < 0) {
            fprintf(stderr, "rtl_diff: the RTL of %s fails rtl_check: %s\n", rv_ops[op].name, err);
            failed++;
        }
    for (unsigned k = 0; k < rv_rtl.nfuse; k++)
        if (rtl_check(rv_rtl.code, rv_rtl.fuse_root[k], err, sizeof err) < 0) {
            fprintf(stderr, "rtl_diff: fused run %u fails rtl_check: %s\n", k, err);
            failed++;
        }
    static const struct { uint32_t mask, match; int len; } ops[] = {
#define X(c, name, flags, h, mask, match, len) {mask, match, len},
        RV_OP_LIST(X)
#undef X
    };
    static rd_state st;
    long words = 0;
    unsigned reached = 0;
    for (unsigned op = 0; op < RV_NOPS; op++) {
        int hits = 0, timed = 0;
        for (long k = 0; k < rounds * 20 && hits < rounds; k++) {
            uint32_t raw = ops[op].match | ((uint32_t)rd_next(&r) & ~ops[op].mask);
            if (ops[op].len == 2)
                raw &= 0xffff;
            eng_insn i;
            if (!rv_decode(raw, &i) || i.op != op)
                continue;
            int res = rd_check_word(&c, raw, &r, &st);
            timed |= res == -2;
            if (res < 0)
                continue;
            hits++;
            words++;
            if (res > 0 && ++failed >= 20) {
                fprintf(stderr, "rtl_diff: stopping after 20 differences\n");
                return 1;
            }
        }
        if (hits || timed)  /* rdtime: decoded, not comparable */
            reached++;
        else
            fprintf(stderr, "rtl_diff: no encoding of %s was tried\n", rv_ops[op].name);
    }
    if (failed || reached != RV_NOPS) {
        fprintf(stderr, "rtl_diff: %d differences, %u of %u ops reached\n", failed, reached, (unsigned)RV_NOPS);
        return 1;
    }
    printf("ok %ld words, %u ops\n", words, reached);
    return 0;
}
