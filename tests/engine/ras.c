/* Calls and returns that a return-address stack must not get wrong
 * (engine/host/x86_64/jit_x64.c): recursion deeper than the stack holds,
 * longjmp out of a deep recursion, a callee that returns past the
 * instruction after its call, a return through t0 (the other link
 * register), a return that skips a frame, and indirect calls.  Each runs
 * often enough to be translated under auto; prints one line of sums. */
#include <setjmp.h>
#include <stdio.h>

__attribute__((noinline)) static long deep(long n) { return n ? 1 + deep(n - 1) : 0; }

static jmp_buf jb;
__attribute__((noinline)) static long dive(long n)
{
    if (n == 0)
        longjmp(jb, 7);
    return 1 + dive(n - 1);
}

/* skip(a0): a0 + 1, returning 4 bytes past its call, so that the caller's
 * next instruction (a0 += 100) is skipped; alt(a0): a0 + 3, called through
 * t0; call_over(a0): calls over_frame, whose callee under_pop pops
 * over_frame's frame and returns straight to call_over: a0 + 27 */
__asm__(".option push\n.option norvc\n"
        ".text\n"
        "skip: addi a0, a0, 1\n addi ra, ra, 4\n ret\n"
        "call_skip: addi sp, sp, -16\n sd ra, 8(sp)\n jal ra, skip\n addi a0, a0, 100\n addi a0, a0, 1000\n"
        " ld ra, 8(sp)\n addi sp, sp, 16\n ret\n"
        "alt: addi a0, a0, 3\n jr t0\n"
        "call_alt: jal t0, alt\n addi a0, a0, 10\n ret\n"
        "call_over: addi sp, sp, -16\n sd ra, 0(sp)\n sd s1, 8(sp)\n jal ra, over_frame\n"
        " ld s1, 8(sp)\n ld ra, 0(sp)\n addi sp, sp, 16\n addi a0, a0, 20\n ret\n"
        "over_frame: mv s1, ra\n addi sp, sp, -16\n jal ra, under_pop\n addi a0, a0, 2000\n"
        "under_pop: addi sp, sp, 16\n addi a0, a0, 7\n mv ra, s1\n ret\n"
        ".option pop\n");
long call_skip(long), call_alt(long), call_over(long);

__attribute__((noinline)) static long twice(long x) { return 2 * x; }
__attribute__((noinline)) static long thrice(long x) { return 3 * x; }

int main(void)
{
    long a = 0, b = 0, c = 0, d = 0, e = 0, f = 0;
    long (*volatile fn[2])(long) = {twice, thrice};
    for (int i = 0; i < 300; i++) {
        a += deep(200 + i % 7);
        volatile long got = 0;
        int r = setjmp(jb);
        if (r == 0)
            got = dive(80 + i % 5);
        else
            got = r;
        b += got + deep(3);
        c += call_skip(i);
        d += call_alt(i);
        e += call_over(i);
        f += fn[i & 1](i);
    }
    printf("%ld %ld %ld %ld %ld %ld\n", a, b, c, d, e, f);
    return 0;
}
