/* Floating point: libm results printed bit-exactly with %a, rounding modes,
 * exception flags, fused multiply-add, conversions with RISC-V's saturating
 * semantics, NaN handling, single precision. */
#include <fenv.h>
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* volatile so the compiler cannot fold anything at build time */
static volatile double one = 1.0, three = 3.0, two = 2.0, zero = 0.0, tenth = 0.1;
static volatile double big = 1e300, tiny = 1e-300, huge = 1e30, neg = -2.5;
static volatile float fone = 1.0f, fthree = 3.0f;

static uint64_t bits(double d)
{
	uint64_t u;
	memcpy(&u, &d, 8);
	return u;
}

static uint32_t fbits(float f)
{
	uint32_t u;
	memcpy(&u, &f, 4);
	return u;
}

static void flags(const char *what)
{
	printf("%s flags:%s%s%s%s%s\n", what,
	       fetestexcept(FE_INEXACT) ? " inexact" : "",
	       fetestexcept(FE_DIVBYZERO) ? " divbyzero" : "",
	       fetestexcept(FE_INVALID) ? " invalid" : "",
	       fetestexcept(FE_OVERFLOW) ? " overflow" : "",
	       fetestexcept(FE_UNDERFLOW) ? " underflow" : "");
	feclearexcept(FE_ALL_EXCEPT);
}

int main(void)
{
	printf("sin %a cos %a tan %a\n", sin(one), cos(one), tan(one));
	printf("exp %a log %a log2 %a log10 %a\n", exp(one), log(three), log2(three), log10(three));
	printf("pow %a %a %a\n", pow(two, tenth), pow(three, 40.5), pow(neg, three));
	printf("sqrt %a cbrt %a hypot %a\n", sqrt(two), cbrt(three), hypot(three, two));
	printf("atan2 %a asin %a sinh %a tanh %a\n", atan2(one, three), asin(tenth), sinh(three), tanh(tenth));
	volatile double prod = tenth * three;
	printf("fma %a vs %a\n", fma(tenth, three, -0.3), prod - 0.3);
	printf("floor %g ceil %g trunc %g round %g\n", floor(neg), ceil(neg), trunc(neg), round(neg));
	printf("fmod %a remainder %a\n", fmod(big, three), remainder(three * 7 + 1, two * 2));
	printf("frexp/ldexp: ");
	int e;
	double m = frexp(big, &e);
	printf("%a %d %a\n", m, e, ldexp(m, e));

	static const int modes[] = { FE_TONEAREST, FE_UPWARD, FE_DOWNWARD, FE_TOWARDZERO };
	static const char *names[] = { "nearest", "upward", "downward", "towardzero" };
	for (int i = 0; i < 4; i++) {
		fesetround(modes[i]);
		volatile double q = one / three, nq = -one / three;
		volatile float fq = fone / fthree;
		printf("%-10s 1/3=%a -1/3=%a f=%a rint(2.5)=%g rint(-2.5)=%g nearbyint(3.5)=%g lrint(-1.5)=%ld sqrt2=%a\n",
		       names[i], q, nq, (double)fq, rint(2.5 + zero), rint(-2.5 + zero), nearbyint(3.5 + zero),
		       lrint(-1.5 + zero), sqrt(two));
		if (fegetround() != modes[i])
			printf("FAILED fegetround\n");
	}
	fesetround(FE_TONEAREST);

	feclearexcept(FE_ALL_EXCEPT);
	volatile double r = one / three;
	flags("1/3");
	r = one / zero;
	flags("1/0");
	r = zero / zero;
	flags("0/0");
	r = big * big;
	flags("big*big");
	r = tiny * tiny;
	flags("tiny*tiny");
	r = two * three;
	flags("2*3");
	(void)r;

	/* Conversions: RISC-V saturates out-of-range and NaN conversions. */
	volatile double nan_ = zero / zero;
	printf("conv: %ld %ld %d %u %lu %ld\n", (long)huge, (long)-huge, (int)huge, (unsigned)neg,
	       (unsigned long)huge, (long)nan_);
	feclearexcept(FE_ALL_EXCEPT);
	printf("conv: %lld %d\n", (long long)(neg * 1e10), (int)(neg));
	printf("int->fp: %a %a %a\n", (double)INT64_MAX, (double)(uint64_t)UINT64_MAX, (double)(float)16777217);

	/* NaNs: canonical NaN, min/max with NaN and signed zeros. */
	printf("nan bits: %016llx %08x\n", (unsigned long long)bits(nan_), fbits((float)(zero / zero)));
	printf("fmin/fmax: %g %g %g %g\n", fmin(nan_, one), fmax(one, nan_), fmin(-zero, zero), fmax(-zero, zero));
	printf("signbit: %d %d copysign %g\n", signbit(-zero) != 0, signbit(zero) != 0, copysign(three, -zero));
	printf("isnan %d isinf %d isfinite %d fpclassify(denorm)=%d\n", isnan(nan_), isinf(one / zero),
	       isfinite(big), fpclassify(DBL_MIN / 4 + zero) == FP_SUBNORMAL);
	printf("compare nan: %d %d %d\n", nan_ == nan_, nan_ < one, isunordered(nan_, one));

	/* Single precision. */
	float f = fthree;
	printf("float: %a %a %a %a\n", (double)(fone / f), (double)sqrtf(f), (double)fmaf(f, f, -fone),
	       (double)sinf(f));
	printf("float->double->float: %08x\n", fbits((float)(double)(fone / f)));

	/* A small accumulation loop, bit-exact. */
	double acc = 0;
	for (int i = 1; i <= 1000; i++)
		acc += 1.0 / ((double)i * i);
	printf("basel: %a %.15f\n", acc, acc);
	printf("ok fp\n");
	return 0;
}
