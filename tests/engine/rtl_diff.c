/* rtl_diff: every instruction of every .isa file, in random encodings with
 * random operands (FP edge values, every rounding mode, loads and stores in a
 * buffer, addresses past the end of memory, branches), run by the generated
 * interpreter and by engine/rtl_eval.c from the runtime RTL; all state must
 * agree (tests/engine/rtl_diff.h).  Every fused run of isa/riscv/fusion.isa
 * the same way: its instructions encoded at random one after the other, run
 * by the interpreter (which decodes them into the run's fused handler) and
 * by the evaluator from the run's tree (RTL_FUSED).  Also checks every op's
 * and every fused run's tree with rtl_check, and that the encodings reach
 * every op and every fused run.
 *
 *   rtl_diff [ROUNDS [SEED]]    prints "ok N words, M ops, R runs" or the differences
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

/* A random encoding of op, decoded into i (the x0 sink mapped), or 0. */
static int encode(rd_rng *r, unsigned op, uint32_t *raw, eng_insn *i)
{
    for (int tries = 0; tries < 100; tries++) {
        uint32_t w = rd_random_word(r, op);
        if (rv_decode(w, i) && i->op == op) {
            if ((rv_ops[op].flags & RV_OPF_WRITES_X) && i->r[0] == 0)
                i->r[0] = RV_SINK;
            *raw = w;
            return 1;
        }
    }
    return 0;
}

/* Fused run f at random: -1 when skipped (an access the state cannot make
 * safe), else whether the interpreter and the evaluator differ. */
static int check_run(rd_ctx *c, unsigned f, rd_rng *r, rd_state *st)
{
    unsigned n = rd_fuse[f].n;
    uint32_t raw[4];
    eng_insn ins[4] = {{0}};
    uint8_t code[16];
    size_t len = 0;
    for (unsigned k = 0; k < n; k++) {
        if (!encode(r, rd_fuse[f].op[k], &raw[k], &ins[k]))
            return -1;
        ins[k].pcoff = (uint16_t)len;
        memcpy(code + len, &raw[k], ins[k].len);
        len += ins[k].len;
    }
    /* the state for the first memory access; every other one's base
     * register into the buffer too, where it is not the first's */
    unsigned first = 0;
    while (first < n && !rd_is_mem(&ins[first]))
        first++;
    rd_random_state(r, &ins[first < n ? first : 0], st);
    for (unsigned k = first + 1; k < n; k++)
        if (rd_is_mem(&ins[k]) && ins[k].r[1] && ins[k].r[1] != ins[first].r[1]) {
            uint64_t imm = (rv_ops[ins[k].op].flags & (RV_OPF_LOAD | RV_OPF_STORE)) ? (uint64_t)(int64_t)ins[k].imm : 0;
            st->x[ins[k].r[1]] = RD_DATA + ((rd_next(r) % (RD_DATA_LEN - 8)) & ~(uint64_t)7) - imm;
        }
    /* each access as the run reaches it (the interpreter run that far) must
     * be one both sides can make */
    static rd_state a, b;
    for (unsigned k = 0; k < n; k++) {
        rd_run_interp_code(c, code, len, k, st, &a);
        if (a.exit != RV_EXIT_NONE || a.pc != RD_CODE + ins[k].pcoff)
            break;  /* the run left before instruction k */
        if (rd_skip(&ins[k], &a))
            return -1;
    }
    rd_run_interp_code(c, code, len, n, st, &a);
    rd_run_rtl_root(c, rv_rtl.fuse_root[f], ins, st, &b);
    int bad = rd_compare(raw[0], st, &a, &b);
    if (bad) {
        fprintf(stderr, "  in the fused run");
        for (unsigned k = 0; k < n; k++) {
            char dis[128];
            rv_disasm(RD_CODE + ins[k].pcoff, raw[k], dis, sizeof dis);
            fprintf(stderr, "; %s", dis);
        }
        fprintf(stderr, "\n");
    }
    return bad;
}

/* One op at random: rd_check_word's result, -1 when the word is another op. */
static int check_op(rd_ctx *c, unsigned op, rd_rng *r, rd_state *st)
{
    uint32_t raw = rd_random_word(r, op);
    eng_insn i;
    if (!rv_decode(raw, &i) || i.op != op)
        return -1;
    return rd_check_word(c, raw, r, st);
}

/* check(k) for every k < n until rounds comparisons each (20 * rounds
 * tries at most); counts comparisons and differences (stops at 20) and
 * returns how many k were reached (compared, or -2: decoded but not
 * comparable), naming the others. */
static unsigned sweep(rd_ctx *c, rd_rng *r, unsigned n, int (*check)(rd_ctx *, unsigned, rd_rng *, rd_state *),
                      long rounds, long *checks, int *failed, const char *what)
{
    static rd_state st;
    unsigned reached = 0;
    for (unsigned k = 0; k < n && *failed < 20; k++) {
        long hits = 0;
        int seen = 0;
        for (long t = 0; t < rounds * 20 && hits < rounds && *failed < 20; t++) {
            int res = check(c, k, r, &st);
            seen |= res == -2;
            if (res < 0)
                continue;
            hits++;
            ++*checks;
            *failed += res > 0;
        }
        if (hits || seen)
            reached++;
        else
            fprintf(stderr, "rtl_diff: no encoding of %s %s was tried\n", what,
                    n == RV_NOPS ? rv_ops[k].name : "(a fused run)");
    }
    if (*failed >= 20)
        fprintf(stderr, "rtl_diff: stopping after 20 differences\n");
    return reached;
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
    long words = 0, run_checks = 0;
    unsigned nruns = sizeof rd_fuse / sizeof rd_fuse[0];
    unsigned reached = sweep(&c, &r, RV_NOPS, check_op, rounds, &words, &failed, "op");
    unsigned runs_reached = sweep(&c, &r, nruns, check_run, rounds, &run_checks, &failed, "fused run");
    if (failed || reached != RV_NOPS || runs_reached != nruns) {
        fprintf(stderr, "rtl_diff: %d differences, %u of %u ops and %u of %u fused runs reached\n", failed, reached,
                (unsigned)RV_NOPS, runs_reached, nruns);
        return 1;
    }
    printf("ok %ld words, %u ops, %ld runs of %u fused kinds\n", words, reached, run_checks, nruns);
    return 0;
}
