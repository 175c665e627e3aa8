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

/* The builder a front end at run time uses: a tree made with rtl_add runs
 * like the generated one (addi's semantics, by hand: set-x rd (add (x rs1)
 * imm) inside a let), and rtl_check refuses malformed trees. */
static int builder_check(rd_ctx *c, rd_rng *r)
{
    rtl_builder b = {0};
    uint32_t k[3];
    k[0] = (uint32_t)rtl_add(&b, RTL_X, RTL_R1, 0, 0, NULL);
    k[1] = (uint32_t)rtl_add(&b, RTL_IMM, 0, 0, 0, NULL);
    k[0] = (uint32_t)rtl_add(&b, RTL_ADD, 0, 0, 2, k);
    uint32_t bind = (uint32_t)rtl_add(&b, RTL_BIND, 0, 0, 1, k);
    uint32_t var = (uint32_t)rtl_add(&b, RTL_VAR, 0, 0, 0, NULL);
    uint32_t set = (uint32_t)rtl_add(&b, RTL_SET_X, RTL_R0, 0, 1, &var);
    k[0] = bind;
    k[1] = set;
    uint32_t let = (uint32_t)rtl_add(&b, RTL_LET, 1, 0, 2, k);
    int64_t root = rtl_add(&b, RTL_SEQ, 0, 0, 1, &let);
    rtl_code code;
    rtl_builder_code(&b, &code, NULL, 0);
    char err[200];
    int bad = 0;
    if (root < 0 || rtl_check(&code, (uint32_t)root, err, sizeof err) < 0) {
        fprintf(stderr, "rtl_diff: a tree built by hand fails rtl_check: %s\n", root < 0 ? "rtl_add" : err);
        rtl_builder_free(&b);
        return 1;
    }
    for (int n = 0; n < 200 && !bad; n++) {
        uint32_t raw = 0x13 | ((uint32_t)rd_next(r) & 0xfff00000u) | ((uint32_t)rd_next(r) & 0xf8f80u);
        eng_insn i;
        static rd_state st, a, x;
        if (!rv_decode(raw, &i))
            continue;
        rd_random_state(r, &i, &st);
        rd_run_interp(c, raw, &st, &a);
        if (i.r[0] == 0)
            i.r[0] = RV_SINK;
        rd_load(&c->b, &st);
        rtl_state s = {c->b.x, c->b.f, c->b.mem, c->b.mem_limit, st.pc, &c->b, 0, 0, &c->b.res};
        if (rtl_eval(&code, (uint32_t)root, &i, &s) != RTL_OUT_NEXT)
            bad = 1;
        c->b.pc = s.pc;
        rd_save(c, &c->b, &x);
        bad |= rd_compare(raw, &st, &a, &x);
    }
    /* malformed: a name no let binds, a child built after its parent, an
     * operand missing, a binding outside a let */
    rtl_builder m = {0};
    uint32_t v = (uint32_t)rtl_add(&m, RTL_VAR, 0, 3, 0, NULL);
    uint32_t s1 = (uint32_t)rtl_add(&m, RTL_SET_X, RTL_R0, 0, 1, &v);
    uint32_t later = m.nnode + 1;
    uint32_t s2 = (uint32_t)rtl_add(&m, RTL_JUMP, 0, 0, 1, &later);
    uint32_t s3 = (uint32_t)rtl_add(&m, RTL_BRANCH, 0, 0, 1, &v);
    uint32_t s4 = (uint32_t)rtl_add(&m, RTL_BIND, 0, 0, 1, &v);
    rtl_add(&m, RTL_CONST, 0, 1, 0, NULL);
    rtl_builder_code(&m, &code, NULL, 0);
    uint32_t wrong[] = {s1, s2, s3, s4};
    for (int n = 0; n < 4; n++) {
        uint32_t seq = (uint32_t)rtl_add(&m, RTL_SEQ, 0, 0, 1, &wrong[n]);
        rtl_builder_code(&m, &code, NULL, 0);
        if (rtl_check(&code, seq, err, sizeof err) == 0) {
            fprintf(stderr, "rtl_diff: rtl_check takes malformed tree %d\n", n);
            bad = 1;
        }
    }
    rtl_builder_free(&m);
    rtl_builder_free(&b);
    return bad;
}

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
    failed += builder_check(&c, &r);
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
