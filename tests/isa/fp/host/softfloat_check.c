/* Host-side check of isa/riscv/rv_fp.c (built with -DRV_FP_SELFTEST):
 *  1. the software path (used for RMM) against the host SSE path in RNE, RTZ,
 *     RDN and RUP, results and flags, on random and edge-case operands of
 *     add/sub/mul/div/fma (single and double) and double->single;
 *  2. the float->int and int->float conversions against the host C library
 *     (nearbyintl/fesetround reference).
 * Exits 0 when everything agrees.  usage: softfloat_check [N] */
#include <fenv.h>
#include <math.h>
#include "isa/riscv/rv_fp.h"
#include <stdio.h>
#include <stdlib.h>
uint64_t rv_fp_soft(rv_cpu *cpu, int op, uint64_t a, uint64_t b, uint64_t c, int is_d, unsigned rm);
_Noreturn void rv_raise(rv_cpu *cpu, rv_exit why, uint64_t tval) { (void)cpu; (void)why; (void)tval; abort(); }
static uint64_t s = 88172645463325252ull;
static uint64_t rnd(void) { s ^= s << 13; s ^= s >> 7; s ^= s << 17; return s; }
static uint64_t gen(int is_d) {
    int mb = is_d ? 52 : 23, eb = is_d ? 11 : 8;
    uint64_t r = rnd(); int k = r & 15;
    uint64_t emax = (1ull << eb) - 1;
    uint64_t e, f;
    switch (k) {
    case 0: e = 0; break;
    case 1: e = 1 + (rnd() % 3); break;
    case 2: e = emax; break;
    case 3: e = emax - 1 - rnd() % 3; break;
    case 4: e = (emax >> 1) + (rnd() % 5) - 2; break;
    default: e = rnd() % emax; break;
    }
    switch ((r >> 4) & 7) {
    case 0: f = 0; break;
    case 1: f = (1ull << mb) - 1 - (rnd() & 3); break;
    case 2: f = rnd() & 7; break;
    case 3: f = (rnd() & 0xff) << (mb - 8); break;
    default: f = rnd() & ((1ull << mb) - 1); break;
    }
    uint64_t sg = (r >> 8) & 1;
    return sg << (mb + eb) | e << mb | f;
}
static int soft_main(long n) {
    rv_cpu cpu; memset(&cpu, 0, sizeof cpu);
    long bad = 0;
    for (long i = 0; i < n; i++) {
        int is_d = rnd() & 1; int op = rnd() % 7; unsigned rm = rnd() % 4;
        if (op == RV_FOP_SQRT) continue;
        if (op == RV_FOP_CVT) is_d = 0;
        uint64_t a = gen(is_d || op == RV_FOP_CVT), b = gen(is_d), c = gen(is_d);
        if (op == RV_FOP_FMA && (rnd() & 1)) {  /* make c close to -a*b */
            uint64_t p = is_d ? rv_fp_op_d(&cpu, RV_FOP_MUL, a, b, 0, rnd()%4) : rv_fp_op_s(&cpu, RV_FOP_MUL, a, b, 0, rnd()%4);
            c = p ^ (is_d ? 1ull << 63 : 1ull << 31);
            if (rnd() & 1) c += (rnd() % 5) - 2;
        }
        rv_fp_set_fflags(&cpu, 0);
        uint64_t h = is_d ? rv_fp_op_d(&cpu, op, a, b, c, rm) : rv_fp_op_s(&cpu, op, a, b, c, rm);
        uint32_t hf = rv_fp_get_fflags(&cpu);
        rv_fp_set_fflags(&cpu, 0);
        uint64_t sres = rv_fp_soft(&cpu, op, a, b, c, is_d && op != RV_FOP_CVT, rm);
        uint32_t sf = rv_fp_get_fflags(&cpu);
        if (h != sres || hf != sf) {
            if (bad++ < 20) printf("FAIL op %d d%d rm %u a %llx b %llx c %llx: host %llx/%x soft %llx/%x\n", op, is_d, rm,
                   (unsigned long long)a, (unsigned long long)b, (unsigned long long)c, (unsigned long long)h, hf, (unsigned long long)sres, sf);
        }
    }
    /* conversions to int: compare with a reference via long double */
    printf("%s soft-vs-host: %ld mismatches of %ld\n", bad ? "FAIL" : "ok", bad, n);
    return bad != 0;
}
static const int fe[4] = {FE_TONEAREST, FE_TOWARDZERO, FE_DOWNWARD, FE_UPWARD};
static int cvt_main(long iters) {
    rv_cpu cpu; memset(&cpu, 0, sizeof cpu);
    long bad = 0, n = 0;
    for (long i = 0; i < iters; i++) {
        unsigned rm = rnd() % 4; int kind = rnd() % 4; int is_d = rnd() & 1;
        double x;
        switch (rnd() % 6) {
        case 0: x = (double)(int64_t)rnd() / (1 << (rnd() % 40)); break;
        case 1: x = ldexp((double)(rnd() >> 11), (int)(rnd() % 80) - 60); break;
        case 2: x = (int64_t)(rnd() % 9) - 4 + (double)(rnd() % 5) * 0.25; break;
        case 3: { double e[] = {2147483647.5, 2147483648.0, -2147483648.5, -2147483649.0, 4294967295.5, 4294967296.0, 9223372036854775808.0, -9223372036854775808.0, 18446744073709551616.0, 18446744073709549568.0, -1.0, -0.5, 0.5, 1.5, 2.5, -2.5, INFINITY, -INFINITY, NAN, 0.0, -0.0}; x = e[rnd() % 21]; break; }
        default: x = ldexp((double)(rnd() >> 11), (int)(rnd() % 20) + 10); if (rnd()&1) x = -x; break;
        }
        if (!is_d) x = (float)x;
        uint64_t bits = is_d ? rv_fp_db(x) : rv_fp_sb((float)x);
        cpu.fflags = 0;
        uint64_t got = rv_fp_f2i(&cpu, bits, is_d, kind, rm);
        uint32_t gf = cpu.fflags;
        /* reference */
        fesetround(fe[rm]);
        long double r = nearbyintl((long double)x);
        fesetround(FE_TONEAREST);
        long double lo[4] = {-2147483648.0L, 0, -9223372036854775808.0L, 0};
        long double hi[4] = {2147483647.0L, 4294967295.0L, 9223372036854775807.0L, 18446744073709551615.0L};
        uint64_t mx[4] = {0x7fffffff, ~0ull, 0x7fffffffffffffffull, ~0ull}, mn[4] = {0xffffffff80000000ull, 0, 0x8000000000000000ull, 0};
        uint64_t want; uint32_t wf;
        if (isnan(x)) { want = mx[kind]; wf = RV_FLAG_NV; }
        else if (r < lo[kind]) { want = mn[kind]; wf = RV_FLAG_NV; }
        else if (r > hi[kind]) { want = mx[kind]; wf = RV_FLAG_NV; }
        else {
            wf = r != (long double)x ? RV_FLAG_NX : 0;
            if (kind == 0) want = (uint64_t)(int64_t)(int32_t)(int64_t)r;
            else if (kind == 1) want = (uint64_t)(int64_t)(int32_t)(uint32_t)(uint64_t)r;
            else if (kind == 2) want = (uint64_t)(int64_t)r;
            else want = (uint64_t)r;
        }
        n++;
        if (want != got || wf != gf) { if (bad++ < 10) printf("FAIL f2i x=%a d%d kind %d rm %u got %llx/%x want %llx/%x\n", x, is_d, kind, rm, (unsigned long long)got, gf, (unsigned long long)want, wf); }
        /* i2f */
        uint64_t v = rnd() >> (rnd() % 64);
        int neg = rnd() & 1;
        cpu.fflags = 0;
        uint64_t g2 = rv_fp_i2f(&cpu, neg, v, is_d, rm);
        uint32_t g2f = cpu.fflags;
        fesetround(fe[rm]); feclearexcept(FE_ALL_EXCEPT);
        long double lv = neg ? -(long double)v : (long double)v;
        uint64_t w2 = is_d ? rv_fp_db((double)lv) : rv_fp_sb((float)lv);
        uint32_t w2f = fetestexcept(FE_INEXACT) ? RV_FLAG_NX : 0;
        fesetround(FE_TONEAREST);
        if (v == 0) w2 = 0;
        if (w2 != g2 || w2f != g2f) { if (bad++ < 10) printf("FAIL i2f v=%llx neg %d d%d rm %u got %llx/%x want %llx/%x\n", (unsigned long long)v, neg, is_d, rm, (unsigned long long)g2, g2f, (unsigned long long)w2, w2f); }
    }
    printf("%s conversions: %ld mismatches of %ld\n", bad ? "FAIL" : "ok", bad, n);
    return bad != 0;
}

int main(int argc, char **argv)
{
    long n = argc > 1 ? atol(argv[1]) : 1000000;
    int bad = soft_main(n);
    bad |= cvt_main(n);
    return bad;
}
