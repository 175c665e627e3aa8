/* Division and remainder (div, divu, rem, remu and their 32-bit forms)
 * against a shift-and-subtract long division written here, for edge and
 * random operands.  Each divisor is used for many dividends in a row at the same
 * instruction, then the divisor changes: the translation tier caches a
 * division site's divisor with its reciprocal (engine/host/x86_64), so this
 * runs its hot path, its refill and, past its refill limit, its plain path.
 * Exits 0 when every check passes, else prints the first few differences
 * and exits 1. */
#include <stdint.h>
#include <stdio.h>

static int failures;

static __attribute__((noipa)) uint64_t divu(uint64_t n, uint64_t d) { return n / d; }
static __attribute__((noipa)) uint64_t remu(uint64_t n, uint64_t d) { return n % d; }
static __attribute__((noipa)) uint32_t divuw(uint32_t n, uint32_t d) { return n / d; }
static __attribute__((noipa)) uint32_t remuw(uint32_t n, uint32_t d) { return n % d; }
static __attribute__((noipa)) int64_t divs(int64_t n, int64_t d) { return n / d; }
static __attribute__((noipa)) int64_t rems(int64_t n, int64_t d) { return n % d; }
static __attribute__((noipa)) int32_t divw(int32_t n, int32_t d) { return n / d; }
static __attribute__((noipa)) int32_t remw(int32_t n, int32_t d) { return n % d; }

/* the RISC-V results, by long division: x/0 is all ones, x%0 is x */
static void ref(uint64_t n, uint64_t d, uint64_t *q, uint64_t *r)
{
    if (!d) {
        *q = UINT64_MAX;
        *r = n;
        return;
    }
    uint64_t qq = 0, rr = 0;
    for (int b = 63; b >= 0; b--) {
        int top = (int)(rr >> 63);
        rr = rr << 1 | (n >> b & 1);
        if (top || rr >= d) {
            rr -= d;
            qq |= UINT64_C(1) << b;
        }
    }
    *q = qq;
    *r = rr;
}

/* the signed results of `bits` bits: the magnitudes divided, the quotient
 * negated when the signs differ, the remainder given n's sign; x/0 is -1,
 * x%0 is x, MIN/-1 is MIN and MIN%-1 is 0 (what the ISA defines, where C
 * leaves these undefined: the functions above are only called on them
 * through the ISA's instructions) */
static void sref(int64_t n, int64_t d, int bits, int64_t *q, int64_t *r)
{
    int64_t min = bits == 64 ? INT64_MIN : INT32_MIN;
    if (!d) {
        *q = -1;
        *r = n;
        return;
    }
    if (n == min && d == -1) {
        *q = min;
        *r = 0;
        return;
    }
    uint64_t an = n < 0 ? -(uint64_t)n : (uint64_t)n, ad = d < 0 ? -(uint64_t)d : (uint64_t)d, uq, ur;
    ref(an, ad, &uq, &ur);
    *q = (n < 0) != (d < 0) ? -(int64_t)uq : (int64_t)uq;
    *r = n < 0 ? -(int64_t)ur : (int64_t)ur;
}

static void bad(const char *what, uint64_t n, uint64_t d, uint64_t got, uint64_t want)
{
    if (failures++ < 10)
        printf("FAIL %s %#llx / %#llx: got %#llx, want %#llx\n", what, (unsigned long long)n,
               (unsigned long long)d, (unsigned long long)got, (unsigned long long)want);
}

static uint64_t rng = 0x9e3779b97f4a7c15u;
static uint64_t next(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static const uint64_t edges[] = {
    0, 1, 2, 3, 5, 7, 10, 16, 17, 31, 32, 33, 1000003, 0x7fffffff, 0x80000000, 0x80000001,
    0xffffffff, 0x100000000, 0x100000001, 0x7fffffffffffffff, 0x8000000000000000, 0x8000000000000001,
    0xfffffffffffffffe, 0xffffffffffffffff, 0xaaaaaaaaaaaaaaab, 0x5555555555555555, 0x0123456789abcdef,
    0xfffffffffffffffd, 0xfffffffffff0bdbd, 0xffffffff80000000, 0xffffffff7fffffff,
};
#define NEDGES (sizeof edges / sizeof *edges)

static void check(uint64_t n, uint64_t d)
{
    uint64_t q, r;
    ref(n, d, &q, &r);
    uint64_t gq = divu(n, d), gr = remu(n, d);
    if (gq != q)
        bad("divu", n, d, gq, q);
    if (gr != r)
        bad("remu", n, d, gr, r);
    uint32_t n32 = (uint32_t)n, d32 = (uint32_t)d;
    ref(n32, d32, &q, &r);
    if (!d32)
        q = UINT32_MAX;     /* divuw: all ones of 32 bits */
    uint32_t gq32 = divuw(n32, d32), gr32 = remuw(n32, d32);
    if (gq32 != (uint32_t)q)
        bad("divuw", n32, d32, gq32, (uint32_t)q);
    if (gr32 != (uint32_t)r)
        bad("remuw", n32, d32, gr32, (uint32_t)r);
    int64_t sq, sr;
    sref((int64_t)n, (int64_t)d, 64, &sq, &sr);
    int64_t gsq = divs((int64_t)n, (int64_t)d), gsr = rems((int64_t)n, (int64_t)d);
    if (gsq != sq)
        bad("div", n, d, (uint64_t)gsq, (uint64_t)sq);
    if (gsr != sr)
        bad("rem", n, d, (uint64_t)gsr, (uint64_t)sr);
    sref((int32_t)n32, (int32_t)d32, 32, &sq, &sr);
    int32_t gwq = divw((int32_t)n32, (int32_t)d32), gwr = remw((int32_t)n32, (int32_t)d32);
    if (gwq != (int32_t)sq)
        bad("divw", n32, d32, (uint32_t)gwq, (uint32_t)sq);
    if (gwr != (int32_t)sr)
        bad("remw", n32, d32, (uint32_t)gwr, (uint32_t)sr);
}

int main(void)
{
    /* each divisor for a run of dividends: edges, their neighbours, random
     * values, and random values below a few multiples of the divisor */
    uint64_t divisors[NEDGES + 200];
    unsigned nd = 0;
    for (unsigned k = 0; k < NEDGES; k++)
        divisors[nd++] = edges[k];
    for (unsigned k = 0; k < 200; k++) {
        uint64_t v = next();
        divisors[nd++] = k % 4 == 0 ? v : k % 4 == 1 ? v >> (v % 64) : k % 4 == 2 ? v >> 32 : (v & 0xffff) + 1;
    }
    for (unsigned i = 0; i < nd; i++) {
        uint64_t d = divisors[i];
        for (unsigned k = 0; k < NEDGES; k++) {
            check(edges[k], d);
            check(edges[k] + d, d);
            check(edges[k] - d, d);
        }
        for (unsigned k = 0; k < 300; k++) {
            uint64_t v = next();
            check(v, d);
            check(v >> (v % 64), d);
            check(d * (v % 5) + (v >> 60), d);
            check(d * (v % 5) - 1, d);
        }
    }
    /* a divisor that changes at every division (Euclid's algorithm) */
    for (unsigned k = 0; k < 20000; k++) {
        uint64_t a = next() >> (k % 50), b = next() >> (k % 61);
        while (b) {
            check(a, b);
            uint64_t t = a % b;
            a = b;
            b = t;
        }
    }
    if (failures) {
        printf("%d failures\n", failures);
        return 1;
    }
    return 0;
}
