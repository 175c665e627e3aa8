/* The translation tier's host layer (engine/host): every x86-64 encoder form
 * disassembled by capstone and compared with the text it should be, over a
 * spread of registers and memory operands; then small functions generated
 * into the code cache and run (a loop, division with cmov, bit counts and
 * their fallbacks, BMI2, SSE, atomics, calls, rip-relative data, a patched
 * jump, a jump patched while another thread runs through it); then what
 * bad input gives (errors, never a crash).
 *
 * Prints "ok NAME" / "not ok NAME" lines (tests/jit/suite.sh turns them into
 * results) and, last, "ok end".  `x64_test measure` times the two ways of
 * keeping the code cache W^X instead (docs/architecture.md has the numbers).
 */
#include <capstone/capstone.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "engine/host/codebuf.h"
#include "engine/host/codemem.h"
#include "engine/host/x86_64/x64.h"

static csh cs;
static codebuf B;
static unsigned checks, bad, group_bad;
static int ibits = 64;       /* width of the immediates in the current check */
#define ORG 0x10000u         /* where the form checks' code is linked */

static const char *const r64[16] = {"rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
                                    "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15"};
static const char *const r32[16] = {"eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi",
                                    "r8d", "r9d", "r10d", "r11d", "r12d", "r13d", "r14d", "r15d"};
static const char *const r16[16] = {"ax", "cx", "dx", "bx", "sp", "bp", "si", "di",
                                    "r8w", "r9w", "r10w", "r11w", "r12w", "r13w", "r14w", "r15w"};
static const char *const r8[16] = {"al", "cl", "dl", "bl", "spl", "bpl", "sil", "dil",
                                   "r8b", "r9b", "r10b", "r11b", "r12b", "r13b", "r14b", "r15b"};
static const char *const ccs[16] = {"o", "no", "b", "ae", "e", "ne", "be", "a",
                                    "s", "ns", "p", "np", "l", "ge", "le", "g"};
static const unsigned sizes[4] = {1, 2, 4, 8};

static const char *R(unsigned sz, int r)
{
    return sz == 8 ? r64[r] : sz == 4 ? r32[r] : sz == 2 ? r16[r] : r8[r];
}
static const char *X(int r)
{
    static char names[16][8];
    snprintf(names[r], sizeof names[r], "xmm%d", r);
    return names[r];
}
static const char *PTR(unsigned sz)
{
    return sz == 8 ? "qword ptr " : sz == 4 ? "dword ptr " : sz == 2 ? "word ptr " : "byte ptr ";
}

/* Immediates outside brackets as 0x<value masked to ibits>: capstone prints
 * the same value signed or unsigned depending on the instruction. */
static void normalize(const char *in, char *out, size_t n)
{
    char tmp[256];
    snprintf(tmp, sizeof tmp, "%s", in);
    out[0] = 0;
    size_t o = 0;
    char *save = NULL;
    for (char *t = strtok_r(tmp, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        while (*t == ' ')
            t++;
        /* [disp32] alone: capstone prints the sign-extended address in
         * some forms, its low 32 bits in others; both mean the same */
        unsigned long long addr;
        char *end;
        if (strncmp(strchr(t, '[') ? strchr(t, '[') : "", "[0x", 3) == 0 &&
            (addr = strtoull(strchr(t, '[') + 1, &end, 0), *end == ']') && addr >= 0x80000000u &&
            addr <= 0xffffffffu) {
            o += (size_t)snprintf(out + o, n - o, "%s%.*s0x%llx]", o ? ", " : "", (int)(strchr(t, '[') + 1 - t), t,
                                  addr | 0xffffffff00000000u);
            if (o >= n)
                break;
            continue;
        }
        long long v = strtoll(t, &end, 0);
        if ((*t == '-' || (*t >= '0' && *t <= '9')) && *end == 0) {
            unsigned long long u = (unsigned long long)v;
            if (*t != '-')
                u = strtoull(t, NULL, 0);
            if (ibits < 64)
                u &= (1ull << ibits) - 1;
            o += (size_t)snprintf(out + o, n - o, "%s0x%llx", o ? ", " : "", u);
        } else {
            o += (size_t)snprintf(out + o, n - o, "%s%s", o ? ", " : "", t);
        }
        if (o >= n)
            break;
    }
}

/* Link B at ORG, disassemble all of it, compare "mnemonic operands; ..."
 * with the expected text; empty B again. */
static void expect(const char *fmt, ...)
{
    char want[512], got[512] = "", a[256], bw[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(want, sizeof want, fmt, ap);
    va_end(ap);
    checks++;
    int err = cb_link(&B, ORG);
    size_t used = 0;
    if (err == CB_OK) {
        cs_insn *in;
        size_t n = cs_disasm(cs, B.p, B.len, ORG, 0, &in);
        size_t o = 0;
        for (size_t i = 0; i < n; i++) {
            char ops[256];
            normalize(in[i].op_str, ops, sizeof ops);
            o += (size_t)snprintf(got + o, sizeof got - o, "%s%s%s%s", i ? "; " : "", in[i].mnemonic,
                                  ops[0] ? " " : "", ops);
            used += in[i].size;
            if (o >= sizeof got)
                break;
        }
        if (n)
            cs_free(in, n);
    } else {
        snprintf(got, sizeof got, "error: %s", cb_strerror(err));
    }
    /* the expected text through the same normalisation, instruction by instruction */
    size_t o = 0;
    char *save = NULL;
    bw[0] = 0;
    for (char *t = strtok_r(want, ";", &save); t; t = strtok_r(NULL, ";", &save)) {
        while (*t == ' ')
            t++;
        char *sp = strchr(t, ' ');
        if (sp) {
            *sp = 0;
            normalize(sp + 1, a, sizeof a);
            o += (size_t)snprintf(bw + o, sizeof bw - o, "%s%s %s", o ? "; " : "", t, a);
        } else {
            o += (size_t)snprintf(bw + o, sizeof bw - o, "%s%s", o ? "; " : "", t);
        }
        if (o >= sizeof bw)
            break;
    }
    if (strcmp(bw, got) != 0 || (err == CB_OK && used != B.len)) {
        if (group_bad++ < 5) {
            fprintf(stderr, "  want '%s'\n  got  '%s' from", bw, got);
            for (size_t i = 0; i < B.len; i++)
                fprintf(stderr, " %02x", B.p[i]);
            fprintf(stderr, "\n");
        }
        bad++;
    }
    cb_reset(&B);
    ibits = 64;
}

static void group_end(const char *name, unsigned first)
{
    if (group_bad)
        printf("not ok forms/%s: %u of %u differ\n", name, group_bad, checks - first);
    else
        printf("ok forms/%s (%u forms)\n", name, checks - first);
    group_bad = 0;
}

/* A spread of memory operands: every base (and none, and rip), every index
 * but rsp (and none), every scale, displacements of every encoded width. */
static const int32_t disps[] = {0, 8, -8, 127, -128, 128, -129, 0x12345678, INT32_MIN};
#define NDISP (int)(sizeof disps / sizeof disps[0])

static x64_mem mem_case(unsigned i)
{
    int base = (int)(i % 18) - 2;         /* -2 rip, -1 none, 0..15 */
    int index = (int)(i / 18 % 17) - 1;   /* -1 none, 0..15 */
    if (index == X64_RSP)
        index = X64_NOREG;
    unsigned scale = 1u << (i / (18 * 17) % 4);
    int32_t disp = disps[i / 7 % NDISP];
    if (base == X64_RIP)
        return x64_maddr((const void *)(uintptr_t)(ORG + 0x1000 + (uint32_t)(disp & 0xFFFFF)));
    if (base == X64_NOREG && index == X64_NOREG)
        return x64_mx(X64_NOREG, X64_NOREG, 1, disp);
    return x64_mx(base, index, index == X64_NOREG ? 1 : scale, disp);
}

/* capstone's text for a memory operand; a rip-relative one is left as
 * "[rip + RIP]" for expect_mem, which knows the instruction's length. */
static const char *mtext(x64_mem m)
{
    static char buf[4][96];
    static int k;
    char *s = buf[k++ & 3];
    size_t o = 0;
    if (m.base == X64_RIP) {
        snprintf(s, 96, "[rip + RIP]");
        return s;
    }
    o += (size_t)snprintf(s + o, 96 - o, "[");
    bool any = false;
    if (m.base >= 0) {
        o += (size_t)snprintf(s + o, 96 - o, "%s", r64[m.base]);
        any = true;
    }
    if (m.index >= 0) {
        o += (size_t)snprintf(s + o, 96 - o, "%s%s", any ? " + " : "", r64[m.index]);
        if (m.scale != 1)
            o += (size_t)snprintf(s + o, 96 - o, "*%u", m.scale);
        any = true;
    }
    long long d = m.disp;
    if (!any) {
        /* [disp32] alone: capstone prints the sign-extended address */
        o += (size_t)snprintf(s + o, 96 - o, (unsigned long long)d > 9 ? "0x%llx" : "%llu", (unsigned long long)d);
    } else if (d) {
        unsigned long long u = (unsigned long long)(d < 0 ? -d : d);
        o += (size_t)snprintf(s + o, 96 - o, " %c ", d < 0 ? '-' : '+');
        o += (size_t)snprintf(s + o, 96 - o, u > 9 ? "0x%llx" : "%llu", u);
    }
    snprintf(s + o, 96 - o, "]");
    return s;
}

/* The check for a form with a memory operand: rip-relative ones name the
 * displacement capstone prints (target minus the instruction's end). */
static void expect_mem(x64_mem m, const char *fmt, ...)
{
    char want[512], ms[96];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(want, sizeof want, fmt, ap);
    va_end(ap);
    if (m.base == X64_RIP) {
        int64_t d = (int64_t)(m.addr + (uint64_t)(int64_t)m.disp) - (int64_t)(ORG + B.len);
        if (d < 0)
            snprintf(ms, sizeof ms, "[rip - %s%llx]", "0x", (unsigned long long)-d);
        else
            snprintf(ms, sizeof ms, d > 9 ? "[rip + 0x%llx]" : "[rip + %lld]", (long long)d);
        if (d < 0 && -d <= 9)
            snprintf(ms, sizeof ms, "[rip - %lld]", (long long)-d);
        char *p = strstr(want, "[rip + RIP]");
        if (p) {
            char tail[512];
            snprintf(tail, sizeof tail, "%s", p + strlen("[rip + RIP]"));
            snprintf(p, sizeof want - (size_t)(p - want), "%s%s", ms, tail);
        }
    }
    expect("%s", want);
}

static void forms_moves(void)
{
    unsigned first = checks;
    for (int d = 0; d < 16; d++)
        for (int s = 0; s < 16; s++)
            for (int k = 0; k < 4; k++) {
                unsigned sz = sizes[k];
                x64_mov_rr(&B, sz, d, s);
                expect("mov %s, %s", R(sz, d), R(sz, s));
            }
    static const uint64_t imms[] = {0, 1, 0x7f, 0xffffffff, 0x80000000, 0xffffffff80000000u,
                                    0xffffffffffffffffu, 0x100000000u, 0x123456789abcdef0u};
    for (int d = 0; d < 16; d++)
        for (unsigned i = 0; i < sizeof imms / sizeof imms[0]; i++) {
            uint64_t v = imms[i];
            x64_mov_ri(&B, 8, d, v);
            if (v <= UINT32_MAX) {
                ibits = 32;
                expect("mov %s, 0x%llx", r32[d], (unsigned long long)v);
            } else if ((int64_t)v >= INT32_MIN && (int64_t)v <= INT32_MAX) {
                expect("mov %s, 0x%llx", r64[d], (unsigned long long)v);
            } else {
                expect("movabs %s, 0x%llx", r64[d], (unsigned long long)v);
            }
            x64_mov_ri(&B, 4, d, v);
            ibits = 32;
            expect("mov %s, 0x%llx", r32[d], (unsigned long long)(uint32_t)v);
            x64_movabs_ri(&B, d, v);
            expect("movabs %s, 0x%llx", r64[d], (unsigned long long)v);
        }
    group_end("mov", first);

    /* loads, stores, lea: every register against a spread of memory operands */
    first = checks;
    for (unsigned i = 0; i < 18 * 17 * 4; i++) {
        x64_mem m = mem_case(i);
        int r = (int)(i * 5 % 16);
        for (int k = 0; k < 4; k++) {
            unsigned sz = sizes[k];
            x64_load(&B, sz, r, m);
            if (sz <= 2)
                expect_mem(m, "movzx %s, %s%s", r32[r], PTR(sz), mtext(m));
            else
                expect_mem(m, "mov %s, %s%s", R(sz, r), PTR(sz), mtext(m));
            x64_loads(&B, sz, r, m);
            expect_mem(m, "%s %s, %s%s", sz == 4 ? "movsxd" : sz == 8 ? "mov" : "movsx", r64[r], PTR(sz),
                       mtext(m));
            x64_store(&B, sz, m, r);
            expect_mem(m, "mov %s%s, %s", PTR(sz), mtext(m), R(sz, r));
            int32_t imm = sz == 1 ? -128 : sz == 2 ? 0x1234 : (int32_t)0x87654321;
            x64_store_i(&B, sz, m, imm);
            ibits = sz == 8 ? 64 : (int)sz * 8;
            expect_mem(m, "mov %s%s, %lld", PTR(sz), mtext(m), (long long)imm);
        }
        x64_lea(&B, 8, r, m);
        expect_mem(m, "lea %s, %s", r64[r], mtext(m));
        x64_lea(&B, 4, r, m);
        expect_mem(m, "lea %s, %s", r32[r], mtext(m));
    }
    group_end("load-store-lea", first);

    first = checks;
    for (int d = 0; d < 16; d++)
        for (int s = 0; s < 16; s++) {
            x64_movzx_rr(&B, 1, d, s);
            expect("movzx %s, %s", r32[d], r8[s]);
            x64_movzx_rr(&B, 2, d, s);
            expect("movzx %s, %s", r32[d], r16[s]);
            x64_movzx_rr(&B, 4, d, s);
            expect("mov %s, %s", r32[d], r32[s]);
            x64_movsx_rr(&B, 1, d, s);
            expect("movsx %s, %s", r64[d], r8[s]);
            x64_movsx_rr(&B, 2, d, s);
            expect("movsx %s, %s", r64[d], r16[s]);
            x64_movsx_rr(&B, 4, d, s);
            expect("movsxd %s, %s", r64[d], r32[s]);
        }
    group_end("movzx-movsx", first);
}

static void forms_alu(void)
{
    static const char *const names[8] = {"add", "or", "adc", "sbb", "and", "sub", "xor", "cmp"};
    static const int32_t imms[] = {0, 1, -1, 127, -128, 128, 0x7fffffff, INT32_MIN, 0x1234};
    unsigned first = checks;
    for (int op = 0; op < 8; op++)
        for (int d = 0; d < 16; d++)
            for (int s = 0; s < 16; s++) {
                unsigned sz = sizes[(d + s + op) % 4];
                x64_alu_rr(&B, op, sz, d, s);
                expect("%s %s, %s", names[op], R(sz, d), R(sz, s));
                int32_t imm = imms[(d * 3 + s) % 9];
                if (sz == 1)
                    imm = (int8_t)imm;
                if (sz == 2)
                    imm = (int16_t)imm;
                x64_alu_ri(&B, op, sz, d, imm);
                ibits = (int)sz * 8;
                expect("%s %s, %lld", names[op], R(sz, d), (long long)imm);
            }
    for (unsigned i = 0; i < 18 * 17 * 4; i += 3) {
        x64_mem m = mem_case(i);
        int op = (int)(i % 8), r = (int)(i * 7 % 16);
        unsigned sz = sizes[i / 8 % 4];
        x64_alu_rm(&B, op, sz, r, m);
        expect_mem(m, "%s %s, %s%s", names[op], R(sz, r), PTR(sz), mtext(m));
        x64_alu_mr(&B, op, sz, m, r);
        expect_mem(m, "%s %s%s, %s", names[op], PTR(sz), mtext(m), R(sz, r));
        int32_t imm = sz == 1 ? -5 : sz == 2 ? 300 : imms[i % 9];
        x64_alu_mi(&B, op, sz, m, imm);
        ibits = (int)sz * 8;
        expect_mem(m, "%s %s%s, %lld", names[op], PTR(sz), mtext(m), (long long)imm);
    }
    group_end("alu", first);

    first = checks;
    static const char *const un[8] = {"", "", "not", "neg", "mul", "imul", "div", "idiv"};
    for (int d = 0; d < 16; d++) {
        for (int k = 0; k < 4; k++) {
            unsigned sz = sizes[k];
            for (int op = X64_NOT; op <= X64_IDIV; op++) {
                x64_unary(&B, op, sz, d);
                expect("%s %s", un[op], R(sz, d));
            }
            x64_test_ri(&B, sz, d, sz == 1 ? 0x40 : 0x4000);
            ibits = (int)sz * 8;
            expect("test %s, %d", R(sz, d), sz == 1 ? 0x40 : 0x4000);
        }
        for (int s = 0; s < 16; s++) {
            unsigned sz = sizes[(d + s) % 4];
            x64_test_rr(&B, sz, d, s);
            expect("test %s, %s", R(sz, d), R(sz, s));
            sz = sizes[1 + (d + s) % 3];
            x64_imul_rr(&B, sz, d, s);
            expect("imul %s, %s", R(sz, d), R(sz, s));
            int32_t imm = (d & 1) ? -7 : 1000;
            x64_imul_rri(&B, sz, d, s, imm);
            ibits = (int)sz * 8;
            expect("imul %s, %s, %d", R(sz, d), R(sz, s), imm);
        }
    }
    x64_cqo(&B, 8);
    x64_cqo(&B, 4);
    x64_cqo(&B, 2);
    expect("cqo; cdq; cwd");
    group_end("test-imul-mul-div", first);

    first = checks;
    static const char *const sh[8] = {"rol", "ror", "", "", "shl", "shr", "", "sar"};
    static const int shops[5] = {X64_ROL, X64_ROR, X64_SHL, X64_SHR, X64_SAR};
    for (int r = 0; r < 16; r++)
        for (int k = 0; k < 4; k++)
            for (int o = 0; o < 5; o++) {
                unsigned sz = sizes[k], imm = (unsigned)(r * 3 + o) % (sz == 8 ? 64 : 32);
                x64_shift_ri(&B, shops[o], sz, r, imm);
                ibits = 8;
                expect("%s %s, %u", sh[shops[o]], R(sz, r), imm);
                x64_shift_ri(&B, shops[o], sz, r, 1);
                ibits = 8;
                expect("%s %s, 1", sh[shops[o]], R(sz, r));
                x64_shift_rcl(&B, shops[o], sz, r);
                expect("%s %s, cl", sh[shops[o]], R(sz, r));
            }
    for (int d = 0; d < 16; d++)
        for (int s = 0; s < 16; s++) {
            int a = (d + s * 5) % 16;
            unsigned sz = (d + s) & 1 ? 4 : 8;
            x64_shlx(&B, sz, d, s, a);
            expect("shlx %s, %s, %s", R(sz, d), R(sz, s), R(sz, a));
            x64_shrx(&B, sz, d, s, a);
            expect("shrx %s, %s, %s", R(sz, d), R(sz, s), R(sz, a));
            x64_sarx(&B, sz, d, s, a);
            expect("sarx %s, %s, %s", R(sz, d), R(sz, s), R(sz, a));
            x64_rorx(&B, sz, d, s, (unsigned)a);
            ibits = 8;
            expect("rorx %s, %s, %d", R(sz, d), R(sz, s), a);
            x64_andn(&B, sz, d, s, a);
            expect("andn %s, %s, %s", R(sz, d), R(sz, s), R(sz, a));
        }
    group_end("shift-rotate-bmi", first);

    first = checks;
    for (int d = 0; d < 16; d++) {
        for (int cc = 0; cc < 16; cc++) {
            x64_setcc(&B, cc, d);
            expect("set%s %s", ccs[cc], r8[d]);
            int s = (d + cc) % 16;
            unsigned sz = sizes[1 + cc % 3];
            x64_cmov_rr(&B, cc, sz, d, s);
            expect("cmov%s %s, %s", ccs[cc], R(sz, d), R(sz, s));
        }
        x64_bswap(&B, 8, d);
        expect("bswap %s", r64[d]);
        x64_bswap(&B, 4, d);
        expect("bswap %s", r32[d]);
        for (int s = 0; s < 16; s++) {
            unsigned sz = sizes[1 + (d + s) % 3];
            x64_popcnt_rr(&B, sz, d, s);
            expect("popcnt %s, %s", R(sz, d), R(sz, s));
            x64_lzcnt_rr(&B, sz, d, s);
            expect("lzcnt %s, %s", R(sz, d), R(sz, s));
            x64_tzcnt_rr(&B, sz, d, s);
            expect("tzcnt %s, %s", R(sz, d), R(sz, s));
            x64_bsr_rr(&B, sz, d, s);
            expect("bsr %s, %s", R(sz, d), R(sz, s));
            x64_bsf_rr(&B, sz, d, s);
            expect("bsf %s, %s", R(sz, d), R(sz, s));
        }
    }
    group_end("setcc-cmov-bswap-bitcount", first);
}

static void forms_control(void)
{
    unsigned first = checks;
    /* backward jumps to a bound label: short when in reach */
    for (int cc = -1; cc < 16; cc++) {
        uint32_t l = cb_label_new(&B);
        cb_bind(&B, l);
        x64_nop(&B, 1);
        if (cc < 0)
            x64_jmp(&B, l);
        else
            x64_jcc(&B, cc, l);
        expect("nop; j%s 0x%x", cc < 0 ? "mp" : ccs[cc], ORG);
        /* forward: rel32 unless forced short */
        l = cb_label_new(&B);
        if (cc < 0)
            x64_jmp(&B, l);
        else
            x64_jcc(&B, cc, l);
        x64_int3(&B);
        cb_bind(&B, l);
        expect("j%s 0x%x; int3", cc < 0 ? "mp" : ccs[cc], ORG + (cc < 0 ? 6 : 7));
        l = cb_label_new(&B);
        if (cc < 0)
            x64_jmp8(&B, l);
        else
            x64_jcc8(&B, cc, l);
        x64_ret(&B);
        cb_bind(&B, l);
        expect("j%s 0x%x; ret", cc < 0 ? "mp" : ccs[cc], ORG + 3);
        /* backward but too far for rel8: rel32 */
        l = cb_label_new(&B);
        cb_bind(&B, l);
        x64_nop(&B, 200);
        if (cc < 0)
            x64_jmp(&B, l);
        else
            x64_jcc(&B, cc, l);
        size_t n = B.len;
        cb_link(&B, ORG);
        cs_insn *in;
        size_t k = cs_disasm(cs, B.p + 200, n - 200, ORG + 200, 0, &in);
        char want[64], got[256] = "";
        snprintf(want, sizeof want, "j%s 0x%x %zu", cc < 0 ? "mp" : ccs[cc], ORG, n - 200);
        if (k == 1)
            snprintf(got, sizeof got, "%s %s %u", in[0].mnemonic, in[0].op_str, in[0].size);
        if (k)
            cs_free(in, k);
        checks++;
        if (strcmp(want, got) != 0 || (cc < 0 ? 5 : 6) != n - 200) {
            bad++;
            if (group_bad++ < 5)
                fprintf(stderr, "  want '%s' got '%s'\n", want, got);
        }
        cb_reset(&B);
        x64_jcc_abs(&B, cc < 0 ? X64_E : cc, (void *)(uintptr_t)(ORG + 0x5000));
        expect("j%s 0x%x", cc < 0 ? "e" : ccs[cc], ORG + 0x5000);
    }
    x64_jmp_abs(&B, (void *)(uintptr_t)(ORG - 0x100));
    x64_call_abs(&B, (void *)(uintptr_t)(ORG + 0x7ffff000));
    expect("jmp 0x%x; call 0x%x", ORG - 0x100, ORG + 0x7ffff000);
    for (int r = 0; r < 16; r++) {
        x64_jmp_r(&B, r);
        x64_call_r(&B, r);
        x64_push(&B, r);
        x64_pop(&B, r);
        expect("jmp %s; call %s; push %s; pop %s", r64[r], r64[r], r64[r], r64[r]);
        x64_mem m = mem_case((unsigned)r * 41 + 3);
        x64_jmp_m(&B, m);
        expect_mem(m, "jmp qword ptr %s", mtext(m));
        x64_call_m(&B, m);
        expect_mem(m, "call qword ptr %s", mtext(m));
    }
    /* call: rel32 when the place is known and reaches, else movabs + call */
    x64_call(&B, (void *)(uintptr_t)0x123456789000u, X64_R11);
    expect("movabs r11, 0x123456789000; call r11");
    {
        uint8_t mem[64];
        codebuf c;
        cb_init(&c, mem, sizeof mem, ORG);
        x64_call(&c, (void *)(uintptr_t)(ORG + 0x400), X64_R11);
        codebuf keep = B;
        B = c;
        expect("call 0x%x", ORG + 0x400);
        c = B;
        B = keep;
        cb_free(&c);
    }
    x64_ret(&B);
    x64_int3(&B);
    x64_ud2(&B);
    x64_mfence(&B);
    x64_lfence(&B);
    x64_sfence(&B);
    x64_pause(&B);
    expect("ret; int3; ud2; mfence; lfence; sfence; pause");
    /* the return-address stack's forms */
    x64_ret_i(&B, 8);
    x64_push_i(&B, 0x12345678);
    x64_push_i(&B, -2);
    expect("ret 8; push 0x12345678; push -2");
    for (unsigned n = 1; n <= 20; n++) {
        x64_nop(&B, n);
        char want[256] = "";
        size_t o = 0;
        for (unsigned left = n; left; left -= left > 9 ? 9 : left) {
            static const char *const t[10] = {"", "nop", "nop", "nop dword ptr [rax]", "nop dword ptr [rax]",
                                             "nop dword ptr [rax + rax]", "nop word ptr [rax + rax]",
                                             "nop dword ptr [rax]", "nop dword ptr [rax + rax]",
                                             "nop word ptr [rax + rax]"};
            o += (size_t)snprintf(want + o, sizeof want - o, "%s%s", o ? "; " : "", t[left > 9 ? 9 : left]);
        }
        expect("%s", want);
    }
    /* the patchable jump and call: their displacement 4-aligned wherever
     * they start */
    for (unsigned call = 0; call < 2; call++)
        for (unsigned lead = 0; lead < 8; lead++) {
            uint32_t l = cb_label_new(&B);
            x64_nop(&B, lead ? lead : 0);
            size_t site = call ? x64_call_patchable(&B, l) : x64_jmp_patchable(&B, l);
            cb_bind(&B, l);
            checks++;
            if ((site + 1) % 4 || B.p[site] != (call ? 0xE8 : 0xE9) || site - lead > 3) {
                bad++;
                if (group_bad++ < 5)
                    fprintf(stderr, "  patchable %s after %u bytes at %zu\n", call ? "call" : "jump", lead, site);
            }
            cb_reset(&B);
        }
    /* the patchable jcc: its displacement (after 0F 8x) 4-aligned too */
    for (unsigned lead = 0; lead < 8; lead++) {
        uint32_t l = cb_label_new(&B);
        x64_nop(&B, lead ? lead : 0);
        size_t site = x64_jcc_patchable(&B, X64_NE, l);
        cb_bind(&B, l);
        checks++;
        if ((site + 2) % 4 || B.p[site] != 0x0F || B.p[site + 1] != 0x85 || site - lead > 3) {
            bad++;
            if (group_bad++ < 5)
                fprintf(stderr, "  patchable jcc after %u bytes at %zu\n", lead, site);
        }
        cb_reset(&B);
    }
    group_end("control", first);
}

/* The memory operand's size in an SSE form's name: cvtXX2YY reads XX, the
 * others end in their size (sd, ss) or are packed (a whole xmmword). */
static const char *sse_ptr(const char *n)
{
    size_t l = strlen(n);
    const char *k = strncmp(n, "cvt", 3) == 0 ? n + 3 : n + l - 2;
    /* capstone 4 prints comisd's and comiss's operand as an xmmword (the
     * manual: m64, m32); the bytes are right, the text is capstone's */
    if (strcmp(n, "comisd") == 0 || strcmp(n, "comiss") == 0)
        return "xmmword ptr ";
    return strncmp(k, "sd", 2) == 0 ? "qword ptr " : strncmp(k, "ss", 2) == 0 ? "dword ptr " : "xmmword ptr ";
}

static void forms_sse_atomic(void)
{
    unsigned first = checks;
#define SSE_CHECK(n, pfx, opc)                                                                  \
    for (int d = 0; d < 16; d++) {                                                              \
        int s = (d * 7 + 3) % 16;                                                                 \
        x64_##n##_rr(&B, d, s);                                                                   \
        expect(#n " %s, %s", X(d), X(s));                                                         \
        x64_mem m = mem_case((unsigned)d * 53 + (unsigned)s);                                     \
        x64_##n##_rm(&B, d, m);                                                                   \
        const char *p = sse_ptr(#n);                                                              \
        expect_mem(m, #n " %s, %s%s", X(d), p, mtext(m));                                      \
    }
    X64_SSE_OPS(SSE_CHECK)
#undef SSE_CHECK
    for (int d = 0; d < 16; d++) {
        x64_mem m = mem_case((unsigned)d * 97 + 11);
        x64_movsd_mr(&B, m, d);
        expect_mem(m, "movsd qword ptr %s, %s", mtext(m), X(d));
        x64_movss_mr(&B, m, d);
        expect_mem(m, "movss dword ptr %s, %s", mtext(m), X(d));
        x64_ldmxcsr(&B, m);
        expect_mem(m, "ldmxcsr dword ptr %s", mtext(m));
        x64_stmxcsr(&B, m);
        expect_mem(m, "stmxcsr dword ptr %s", mtext(m));
        for (int r = 0; r < 16; r++) {
            unsigned sz = (d + r) & 1 ? 4 : 8;
            x64_movq_xr(&B, sz, d, r);
            expect("mov%c %s, %s", sz == 8 ? 'q' : 'd', X(d), R(sz, r));
            x64_movq_rx(&B, sz, r, d);
            expect("mov%c %s, %s", sz == 8 ? 'q' : 'd', R(sz, r), X(d));
            x64_cvtsi2sd(&B, sz, d, r);
            expect("cvtsi2sd %s, %s", X(d), R(sz, r));
            x64_cvtsi2ss(&B, sz, d, r);
            expect("cvtsi2ss %s, %s", X(d), R(sz, r));
            x64_cvtsd2si(&B, sz, r, d);
            expect("cvtsd2si %s, %s", R(sz, r), X(d));
            x64_cvttsd2si(&B, sz, r, d);
            expect("cvttsd2si %s, %s", R(sz, r), X(d));
            x64_cvtss2si(&B, sz, r, d);
            expect("cvtss2si %s, %s", R(sz, r), X(d));
            x64_cvttss2si(&B, sz, r, d);
            expect("cvttss2si %s, %s", R(sz, r), X(d));
        }
        int s = (d + 5) % 16, t = (d * 3) % 16;
        x64_roundsd(&B, d, s, (unsigned)d % 16);
        ibits = 8;
        expect("roundsd %s, %s, %d", X(d), X(s), d % 16);
        x64_roundss(&B, d, s, 9);
        ibits = 8;
        expect("roundss %s, %s, 9", X(d), X(s));
        static const struct { int op; const char *n; } f[4] = {
            {X64_FMADD, "vfmadd231"}, {X64_FMSUB, "vfmsub231"}, {X64_FNMADD, "vfnmadd231"}, {X64_FNMSUB, "vfnmsub231"}};
        for (int k = 0; k < 4; k++) {
            x64_fma231(&B, f[k].op, 8, d, s, t);
            expect("%ssd %s, %s, %s", f[k].n, X(d), X(s), X(t));
            x64_fma231(&B, f[k].op, 4, d, s, t);
            expect("%sss %s, %s, %s", f[k].n, X(d), X(s), X(t));
        }
    }
    group_end("sse", first);

    first = checks;
    for (unsigned i = 0; i < 18 * 17 * 4; i += 5) {
        x64_mem m = mem_case(i);
        int r = (int)(i * 3 % 16);
        unsigned sz = sizes[i % 4];
        x64_lock(&B);
        x64_cmpxchg_mr(&B, sz, m, r);
        expect_mem(m, "lock cmpxchg %s%s, %s", PTR(sz), mtext(m), R(sz, r));
        x64_lock(&B);
        x64_xadd_mr(&B, sz, m, r);
        expect_mem(m, "lock xadd %s%s, %s", PTR(sz), mtext(m), R(sz, r));
        x64_xchg_mr(&B, sz, m, r);
        expect_mem(m, "xchg %s%s, %s", PTR(sz), mtext(m), R(sz, r));
        x64_lock(&B);
        x64_or_mr(&B, sz, m, r);
        expect_mem(m, "lock or %s%s, %s", PTR(sz), mtext(m), R(sz, r));
    }
    group_end("atomic", first);
}

/* --- generated code, run ------------------------------------------------- */

static codemem M;
static unsigned feat;

static void result(const char *name, bool ok, const char *fmt, ...)
{
    if (ok) {
        printf("ok run/%s\n", name);
        return;
    }
    char why[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof why, fmt, ap);
    va_end(ap);
    printf("not ok run/%s: %s\n", name, why);
}

/* Emit with gen into the cache and return the code, or NULL. */
static void *build(const char *name, void (*gen)(codebuf *, void *), void *arg)
{
    codebuf b;
    cm_begin(&M, &b);
    gen(&b, arg);
    void *x = cm_commit(&M, &b);
    if (!x)
        printf("not ok run/%s: does not build: %s\n", name, cb_strerror(b.err));
    cb_free(&b);
    return x;
}

/* uint64_t sum(const uint64_t *a, size_t n) */
static void gen_sum(codebuf *b, void *arg)
{
    (void)arg;
    uint32_t top = cb_label_new(b), done = cb_label_new(b);
    x64_xor_rr(b, 4, X64_RAX, X64_RAX);
    x64_xor_rr(b, 4, X64_RCX, X64_RCX);
    x64_test_rr(b, 8, X64_RSI, X64_RSI);
    x64_jcc(b, X64_E, done);
    cb_bind(b, top);
    x64_add_rm(b, 8, X64_RAX, x64_mx(X64_RDI, X64_RCX, 8, 0));
    x64_add_ri(b, 8, X64_RCX, 1);
    x64_cmp_rr(b, 8, X64_RCX, X64_RSI);
    x64_jcc(b, X64_B, top);
    cb_bind(b, done);
    x64_ret(b);
}

/* int64_t rv_div(int64_t a, int64_t b): RISC-V's div (x/0 = -1, MIN/-1 = MIN) */
static void gen_div(codebuf *b, void *arg)
{
    (void)arg;
    uint32_t zero = cb_label_new(b), go = cb_label_new(b);
    x64_test_rr(b, 8, X64_RSI, X64_RSI);
    x64_jcc(b, X64_E, zero);
    x64_mov_rr(b, 8, X64_RAX, X64_RDI);
    x64_cmp_ri(b, 8, X64_RSI, -1);
    x64_jcc(b, X64_NE, go);
    x64_neg_r(b, 8, X64_RAX);     /* a * -1, wrapping: MIN stays MIN */
    x64_ret(b);
    cb_bind(b, go);
    x64_cqo(b, 8);
    x64_idiv_r(b, 8, X64_RSI);
    x64_ret(b);
    cb_bind(b, zero);
    /* x / 0 = -1 by cmov: rax = -1 unless... (always here) */
    x64_mov_ri(b, 8, X64_RAX, 0);
    x64_mov_ri(b, 8, X64_RDX, (uint64_t)-1);
    x64_test_rr(b, 8, X64_RSI, X64_RSI);
    x64_cmov_rr(b, X64_E, 8, X64_RAX, X64_RDX);
    x64_ret(b);
}

static int64_t ref_div(int64_t a, int64_t b)
{
    if (b == 0)
        return -1;
    if (b == -1)
        return (int64_t)(0 - (uint64_t)a);
    return a / b;
}

/* uint64_t f(uint64_t x): one of the bit counts, with features `feat` */
struct bc { int which; unsigned sz, feat; };
static void gen_bitcount(codebuf *b, void *arg)
{
    const struct bc *c = arg;
    /* results and scratch in awkward registers on purpose */
    x64_mov_rr(b, 8, X64_R9, X64_RDI);
    x64_push(b, X64_R12);
    x64_push(b, X64_R13);
    if (c->which == 0)
        x64_clz(b, c->feat, c->sz, X64_R12, X64_R9, X64_R13);
    else if (c->which == 1)
        x64_ctz(b, c->feat, c->sz, X64_R12, X64_R9, X64_R13);
    else
        x64_cpop(b, c->feat, c->sz, X64_R12, X64_R9, X64_R13, X64_R8);
    x64_mov_rr(b, 8, X64_RAX, X64_R12);
    x64_pop(b, X64_R13);
    x64_pop(b, X64_R12);
    x64_ret(b);
}

static uint64_t ref_bitcount(int which, unsigned sz, uint64_t x)
{
    unsigned bits = sz * 8;
    if (sz == 4)
        x = (uint32_t)x;
    if (which == 2)
        return (uint64_t)__builtin_popcountll(x);
    if (x == 0)
        return bits;
    return which == 0 ? (uint64_t)(__builtin_clzll(x) - (64 - (int)bits)) : (uint64_t)__builtin_ctzll(x);
}

static const uint64_t vals[] = {0, 1, 2, 3, 0x80, 0xff, 0x8000, 0x7fffffff, 0x80000000, 0xffffffff,
                                0x100000000u, 0x8000000000000000u, 0xffffffffffffffffu, 0x123456789abcdef0u,
                                0x0f0f0f0f0f0f0f0fu, 0x00000001fffffffeu, 0x4000000000000001u};
#define NVALS (sizeof vals / sizeof vals[0])

/* uint64_t f(uint64_t x, uint64_t n): shifts, BMI2 when present */
struct sh { int which; unsigned sz; };
static void gen_shift(codebuf *b, void *arg)
{
    const struct sh *c = arg;
    switch (c->which) {
    case 0: x64_shlx(b, c->sz, X64_RAX, X64_RDI, X64_RSI); break;
    case 1: x64_shrx(b, c->sz, X64_RAX, X64_RDI, X64_RSI); break;
    case 2: x64_sarx(b, c->sz, X64_RAX, X64_RDI, X64_RSI); break;
    default:
        x64_mov_rr(b, 8, X64_RAX, X64_RDI);
        x64_mov_rr(b, 8, X64_RCX, X64_RSI);
        x64_shift_rcl(b, c->which == 3 ? X64_SHL : c->which == 4 ? X64_SHR : c->which == 5 ? X64_SAR : X64_ROL,
                      c->sz, X64_RAX);
        break;
    }
    x64_ret(b);
}

static uint64_t ref_shift(int which, unsigned sz, uint64_t x, uint64_t n)
{
    unsigned m = sz == 8 ? 63 : 31;
    n &= m;
    if (sz == 4) {
        uint32_t v = (uint32_t)x;
        switch (which % 3 + (which == 6) * 3) {
        case 0: return (uint32_t)(v << n);
        case 1: return v >> n;
        case 2: return (uint32_t)((int32_t)v >> n);
        default: return (uint32_t)(n ? (v << n | v >> (32 - n)) : v);
        }
    }
    switch (which % 3 + (which == 6) * 3) {
    case 0: return x << n;
    case 1: return x >> n;
    case 2: return (uint64_t)((int64_t)x >> n);
    default: return n ? (x << n | x >> (64 - n)) : x;
    }
}

/* double f(double a, double b, double c): ((a + b) * c - a) / b, sqrt, min */
static void gen_fp(codebuf *b, void *arg)
{
    int which = *(int *)arg;
    switch (which) {
    case 0:     /* ((a + b) * c - a) / b with operands in high registers */
        x64_movaps_rr(b, X64_XMM9, X64_XMM0);
        x64_movaps_rr(b, X64_XMM10, X64_XMM1);
        x64_addsd_rr(b, X64_XMM0, X64_XMM1);
        x64_mulsd_rr(b, X64_XMM0, X64_XMM2);
        x64_subsd_rr(b, X64_XMM0, X64_XMM9);
        x64_divsd_rr(b, X64_XMM0, X64_XMM10);
        break;
    case 1:     /* sqrt(a) + (double)(int64_t)b via the integer registers */
        x64_sqrtsd_rr(b, X64_XMM3, X64_XMM0);
        x64_cvttsd2si(b, 8, X64_R10, X64_XMM1);
        x64_cvtsi2sd(b, 8, X64_XMM15, X64_R10);
        x64_addsd_rr(b, X64_XMM3, X64_XMM15);
        x64_movq_rx(b, 8, X64_RAX, X64_XMM3);
        x64_movq_xr(b, 8, X64_XMM0, X64_RAX);
        break;
    case 2:     /* (float)a * (float)b, back to double */
        x64_cvtsd2ss_rr(b, X64_XMM0, X64_XMM0);
        x64_cvtsd2ss_rr(b, X64_XMM1, X64_XMM1);
        x64_mulss_rr(b, X64_XMM0, X64_XMM1);
        x64_cvtss2sd_rr(b, X64_XMM0, X64_XMM0);
        break;
    case 3:     /* fma(a, b, c) */
        x64_fma231(b, X64_FMADD, 8, X64_XMM2, X64_XMM0, X64_XMM1);
        x64_movaps_rr(b, X64_XMM0, X64_XMM2);
        break;
    case 4:     /* a < b ? 1.0 : 0.0 via ucomisd, setcc, and a load from rip-relative data */
        {
            uint32_t one = cb_label_new(b);
            x64_xor_rr(b, 4, X64_RAX, X64_RAX);
            x64_ucomisd_rr(b, X64_XMM1, X64_XMM0);
            x64_setcc(b, X64_A, X64_RAX);
            x64_cvtsi2sd(b, 4, X64_XMM0, X64_RAX);
            x64_mulsd_rm(b, X64_XMM0, x64_mlabel(one, 0));
            x64_ret(b);
            x64_align(b, 8);
            cb_bind(b, one);
            cb_put64(b, 0x3ff0000000000000u);   /* 1.0 */
            return;
        }
    case 5:     /* floor(a) by roundsd */
        x64_roundsd(b, X64_XMM0, X64_XMM0, 1 | 8);
        break;
    }
    x64_ret(b);
}

/* uint64_t cas(uint64_t *p, uint64_t expect, uint64_t new): returns the old value
 * uint64_t fetch_add(uint64_t *p, uint64_t v) */
static void gen_cas(codebuf *b, void *arg)
{
    (void)arg;
    x64_mov_rr(b, 8, X64_RAX, X64_RSI);
    x64_lock(b);
    x64_cmpxchg_mr(b, 8, x64_m(X64_RDI, 0), X64_RDX);
    x64_ret(b);
}
static void gen_xadd(codebuf *b, void *arg)
{
    (void)arg;
    x64_mov_rr(b, 8, X64_RAX, X64_RSI);
    x64_lock(b);
    x64_xadd_mr(b, 8, x64_m(X64_RDI, 0), X64_RAX);
    x64_mfence(b);
    x64_ret(b);
}

static uint64_t helper_calls;
static uint64_t helper(uint64_t a, uint64_t b)
{
    helper_calls++;
    return a * 10 + b;
}

/* uint64_t f(uint64_t x) = helper(x, 7) + helper(x, 8) + helper_calls, by both call forms */
static void gen_calls(codebuf *b, void *arg)
{
    (void)arg;
    x64_push(b, X64_RBX);
    x64_push(b, X64_R12);
    x64_push(b, X64_R13);   /* three pushes: the stack 16-aligned at the calls */
    x64_mov_rr(b, 8, X64_RBX, X64_RDI);
    x64_mov_ri(b, 4, X64_RSI, 7);
    x64_call(b, (const void *)helper, X64_R11);     /* rel32 if the cache is near */
    x64_mov_rr(b, 8, X64_R12, X64_RAX);
    x64_mov_rr(b, 8, X64_RDI, X64_RBX);
    x64_mov_ri(b, 4, X64_RSI, 8);
    x64_movabs_ri(b, X64_R11, (uint64_t)(uintptr_t)helper);
    x64_call_r(b, X64_R11);
    x64_add_rr(b, 8, X64_RAX, X64_R12);
    x64_movabs_ri(b, X64_R11, (uint64_t)(uintptr_t)&helper_calls);
    x64_add_rm(b, 8, X64_RAX, x64_m(X64_R11, 0));
    x64_pop(b, X64_R13);
    x64_pop(b, X64_R12);
    x64_pop(b, X64_RBX);
    x64_ret(b);
}

/* int f(void): jmp (patchable) to the code returning 1; the 2 path follows */
struct patch { size_t site; uint32_t l2; size_t off2; };
static void gen_patch(codebuf *b, void *arg)
{
    struct patch *p = arg;
    uint32_t one = cb_label_new(b);
    p->site = x64_jmp_patchable(b, one);
    cb_bind(b, one);
    x64_mov_ri(b, 4, X64_RAX, 1);
    x64_ret(b);
    x64_align(b, 16);
    p->off2 = b->len;
    x64_mov_ri(b, 4, X64_RAX, 2);
    x64_ret(b);
}

/* int f(int x): if x != 0, jcc (patchable) to the code returning 1, else
 * return 3; the 2 path follows */
static void gen_patch_jcc(codebuf *b, void *arg)
{
    struct patch *p = arg;
    uint32_t one = cb_label_new(b);
    x64_test_rr(b, 4, X64_RDI, X64_RDI);
    p->site = x64_jcc_patchable(b, X64_NE, one);
    x64_mov_ri(b, 4, X64_RAX, 3);
    x64_ret(b);
    cb_bind(b, one);
    x64_mov_ri(b, 4, X64_RAX, 1);
    x64_ret(b);
    x64_align(b, 16);
    p->off2 = b->len;
    x64_mov_ri(b, 4, X64_RAX, 2);
    x64_ret(b);
}

struct racer { void (*loop)(volatile uint64_t *); volatile uint64_t *c; };
static void *race_thread(void *arg)
{
    struct racer *r = arg;
    r->loop(r->c);
    return NULL;
}

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

/* The racing code: entry E: jmp [patchable] -> A or B; A: inc c[0]; B: inc c[1];
 * both: if !c[2] jmp E else ret.  A and B are 32 MiB apart. */
static void race(void)
{
    const size_t far = (size_t)32 << 20;
    codebuf b;
    /* B, then 32 MiB further up the entry and A: the displacement to A is
     * small and positive, to B large and negative */
    uint8_t *bcode = cm_alloc(&M, 4096);
    uint8_t *gap = cm_alloc(&M, far);
    uint8_t *entry = cm_alloc(&M, 4096);
    if (!entry || !gap || !bcode) {
        result("patch-race", false, "no room in the code cache");
        return;
    }
    cb_init(&b, cm_wptr(&M, entry), 4096, (uint64_t)(uintptr_t)entry);
    uint32_t a = cb_label_new(&b), tail = cb_label_new(&b);
    uint32_t top = cb_label_new(&b);
    cb_bind(&b, top);
    size_t site = x64_jmp_patchable(&b, a);
    cb_bind(&b, a);
    x64_lock(&b);
    x64_add_mi(&b, 8, x64_m(X64_RDI, 0), 1);
    cb_bind(&b, tail);
    x64_cmp_mi(&b, 8, x64_m(X64_RDI, 16), 0);
    x64_jcc(&b, X64_E, top);
    x64_ret(&b);
    int err = cb_link(&b, b.origin);
    int64_t tail_pos = cb_label_pos(&b, tail), a_pos = cb_label_pos(&b, a);
    cb_free(&b);
    if (err != CB_OK) {
        result("patch-race", false, "entry: %s", cb_strerror(err));
        return;
    }
    uint8_t *tail_x = entry + tail_pos;
    codebuf c;
    cb_init(&c, cm_wptr(&M, bcode), 4096, (uint64_t)(uintptr_t)bcode);
    x64_lock(&c);
    x64_add_mi(&c, 8, x64_m(X64_RDI, 8), 1);
    x64_jmp_abs(&c, tail_x);
    err = cb_link(&c, c.origin);
    cb_free(&c);
    if (err != CB_OK) {
        result("patch-race", false, "B: %s", cb_strerror(err));
        return;
    }
    uint8_t *site_x = entry + site, *a_x = entry + a_pos;
    uint32_t da = (uint32_t)(a_x - (site_x + 5)), db = (uint32_t)(bcode - (site_x + 5));
    bool differ = true;
    for (int k = 0; k < 4; k++)
        differ &= (uint8_t)(da >> (8 * k)) != (uint8_t)(db >> (8 * k));

    static volatile uint64_t cnt[3];
    cnt[0] = cnt[1] = cnt[2] = 0;
    struct racer r = {(void (*)(volatile uint64_t *))(void *)entry, cnt};
    pthread_t t;
    if (pthread_create(&t, NULL, race_thread, &r) != 0) {
        result("patch-race", false, "pthread_create failed");
        return;
    }
    unsigned patches = 0;
    bool ok = true;
    /* 0.3 s, longer if the other thread has not yet been through both
     * paths (a loaded machine may not run it at once), 10 s at most */
    double t0 = now();
    uint64_t seen[2] = {0, 0};
    for (double t = t0; t < t0 + 10; t = now()) {
        if (t > t0 + 0.3 && cnt[0] && cnt[1] && patches > 1000)
            break;
        ok &= x64_patch_jmp(&M, site_x, (patches & 1) ? (void *)a_x : (void *)bcode) == 0;
        patches++;
        /* let the other thread take the new path a few times */
        for (int spin = 0; spin < 200; spin++)
            __asm__ volatile("pause");
    }
    cnt[2] = 1;
    pthread_join(t, NULL);
    seen[0] = cnt[0];
    seen[1] = cnt[1];
    result("patch-race", ok && differ && seen[0] > 0 && seen[1] > 0 && patches > 1000,
           "%u patches (%s), %llu runs through A, %llu through B, displacements %s", patches,
           ok ? "all applied" : "some refused", (unsigned long long)seen[0], (unsigned long long)seen[1],
           differ ? "differ in every byte" : "share a byte");
    if (ok && seen[0] > 0 && seen[1] > 0)
        fprintf(stderr, "patch-race: %u patches while the other thread ran %llu + %llu times through the site\n",
                patches, (unsigned long long)seen[0], (unsigned long long)seen[1]);
}

static void run_tests(void)
{
    char err[256];
    /* near our own code, so calls to helpers are direct */
    if (cm_init(&M, (size_t)64 << 20, (const void *)run_tests, err, sizeof err) != 0) {
        printf("not ok run/codemem: %s\n", err);
        return;
    }
    feat = x64_cpu_features();
    fprintf(stderr, "cpu features: popcnt %d lzcnt %d bmi1 %d bmi2 %d sse4.1 %d fma %d; cache %s helpers\n",
            !!(feat & X64_F_POPCNT), !!(feat & X64_F_LZCNT), !!(feat & X64_F_BMI1), !!(feat & X64_F_BMI2),
            !!(feat & X64_F_SSE41), !!(feat & X64_F_FMA), cm_reaches(&M, (const void *)helper) ? "reaches" : "does not reach");

    /* W^X: no view of the cache is writable and executable */
    {
        FILE *f = fopen("/proc/self/maps", "r");
        char line[512];
        int views = 0, wx = 0;
        while (f && fgets(line, sizeof line, f)) {
            /* the lines of either view's range (shared anonymous memory:
             * no name to find them by) */
            unsigned long lo = 0, hi = 0;
            char perm[8] = "";
            if (sscanf(line, "%lx-%lx %7s", &lo, &hi, perm) != 3)
                continue;
            uintptr_t xv = (uintptr_t)M.x, wv = (uintptr_t)M.w;
            if (!((lo < xv + M.size && hi > xv) || (lo < wv + M.size && hi > wv)))
                continue;
            views++;
            wx += perm[1] == 'w' && perm[2] == 'x';
        }
        if (f)
            fclose(f);
        result("wx", views == 2 && wx == 0, "%d views of the cache, %d writable and executable", views, wx);
    }

    uint64_t (*sum)(const uint64_t *, size_t) = (uint64_t (*)(const uint64_t *, size_t))build("sum", gen_sum, NULL);
    if (sum) {
        static uint64_t a[1000];
        uint64_t want = 0;
        for (unsigned i = 0; i < 1000; i++)
            want += a[i] = (uint64_t)i * i * 2654435761u;
        uint64_t got = sum(a, 1000), got0 = sum(a, 0), got1 = sum(a, 1);
        result("sum", got == want && got0 == 0 && got1 == a[0], "sum %llu, want %llu", (unsigned long long)got,
               (unsigned long long)want);
    }

    int64_t (*div)(int64_t, int64_t) = (int64_t (*)(int64_t, int64_t))build("div-cmov", gen_div, NULL);
    if (div) {
        static const int64_t dv[] = {0, 1, -1, 2, -2, 7, -7, 1000000007, INT64_MAX, INT64_MIN, INT64_MIN + 1};
        int wrong = 0;
        for (unsigned i = 0; i < 11; i++)
            for (unsigned j = 0; j < 11; j++)
                if (div(dv[i], dv[j]) != ref_div(dv[i], dv[j]) && wrong++ < 3)
                    fprintf(stderr, "div %lld / %lld = %lld, want %lld\n", (long long)dv[i], (long long)dv[j],
                            (long long)div(dv[i], dv[j]), (long long)ref_div(dv[i], dv[j]));
        result("div-cmov", !wrong, "%d of 121 quotients wrong", wrong);
    }

    static const char *const bcn[3] = {"clz", "ctz", "cpop"};
    static const unsigned needs[3] = {X64_F_LZCNT, X64_F_BMI1, X64_F_POPCNT};
    for (int which = 0; which < 3; which++)
        for (int fallback = 0; fallback < 2; fallback++) {
            char name[64];
            snprintf(name, sizeof name, "%s-%s", bcn[which], fallback ? "fallback" : "insn");
            if (!fallback && !(feat & needs[which])) {
                printf("skip run/%s: the CPU lacks the instruction\n", name);
                continue;
            }
            int wrong = 0;
            for (unsigned sz = 4; sz <= 8; sz += 4) {
                struct bc c = {which, sz, fallback ? 0 : feat};
                uint64_t (*f)(uint64_t) = (uint64_t (*)(uint64_t))build(name, gen_bitcount, &c);
                if (!f) {
                    wrong = -1;
                    break;
                }
                for (unsigned i = 0; i < NVALS; i++)
                    if (f(vals[i]) != ref_bitcount(which, sz, vals[i]) && wrong++ < 3)
                        fprintf(stderr, "%s/%u(%#llx) = %llu, want %llu\n", name, sz, (unsigned long long)vals[i],
                                (unsigned long long)f(vals[i]), (unsigned long long)ref_bitcount(which, sz, vals[i]));
            }
            if (wrong >= 0)
                result(name, !wrong, "%d results wrong", wrong);
        }

    {
        int wrong = 0, kinds = 0;
        for (int which = 0; which < 7; which++) {
            if (which < 3 && !(feat & X64_F_BMI2))
                continue;
            for (unsigned sz = 4; sz <= 8; sz += 4) {
                struct sh c = {which, sz};
                uint64_t (*f)(uint64_t, uint64_t) = (uint64_t (*)(uint64_t, uint64_t))build("shifts", gen_shift, &c);
                if (!f)
                    return;
                kinds++;
                for (unsigned i = 0; i < NVALS; i++)
                    for (uint64_t n = 0; n < 70; n += 3) {
                        uint64_t got = f(vals[i], n), want = ref_shift(which, sz, vals[i], n);
                        if (got != want && wrong++ < 3)
                            fprintf(stderr, "shift %d/%u %#llx by %llu = %#llx, want %#llx\n", which, sz,
                                    (unsigned long long)vals[i], (unsigned long long)n, (unsigned long long)got,
                                    (unsigned long long)want);
                    }
            }
        }
        result("shifts", !wrong, "%d of %d kinds' results wrong", wrong, kinds);
    }

    {
        static const double dvals[] = {0.0, -0.0, 1.0, -1.5, 3.25, 1e300, -1e-300, 2.5, 7.0, 0.1, 1e15};
        int wrong = 0;
        for (int which = 0; which < 6; which++) {
            if ((which == 3 && !(feat & X64_F_FMA)) || (which == 5 && !(feat & X64_F_SSE41)))
                continue;
            double (*f)(double, double, double) = (double (*)(double, double, double))build("fp", gen_fp, &which);
            if (!f)
                return;
            for (unsigned i = 0; i < 11; i++)
                for (unsigned j = 0; j < 11; j++) {
                    volatile double a = dvals[i], bb = dvals[j], c = dvals[(i + j) % 11], want;
                    switch (which) {
                    case 0: want = ((a + bb) * c - a) / bb; break;
                    case 1:     /* out of range, cvttsd2si gives INT64_MIN ("integer indefinite") */
                        a = fabs(a);
                        want = sqrt(a) + (fabs(bb) < 9.2e18 ? (double)(int64_t)bb : (double)INT64_MIN);
                        break;
                    case 2: want = (double)((float)a * (float)bb); break;
                    case 3: want = fma(a, bb, c); break;
                    case 4: want = a < bb ? 1.0 : 0.0; break;
                    default: want = floor(a); break;
                    }
                    double got = f(a, bb, c);
                    if (memcmp(&got, (const void *)&want, 8) != 0 && !(got != got && want != want) && wrong++ < 3)
                        fprintf(stderr, "fp %d (%g, %g, %g) = %.17g, want %.17g\n", which, a, bb, c, got, want);
                }
        }
        result("sse", !wrong, "%d results wrong", wrong);
    }

    uint64_t (*cas)(uint64_t *, uint64_t, uint64_t) = (uint64_t (*)(uint64_t *, uint64_t, uint64_t))build("cas", gen_cas, NULL);
    uint64_t (*xadd)(uint64_t *, uint64_t) = (uint64_t (*)(uint64_t *, uint64_t))build("xadd", gen_xadd, NULL);
    if (cas && xadd) {
        uint64_t v = 5;
        uint64_t r1 = cas(&v, 5, 9), r2 = cas(&v, 5, 11), r3 = xadd(&v, 3);
        result("atomics", r1 == 5 && r2 == 9 && r3 == 9 && v == 12, "cas %llu %llu, xadd %llu, final %llu",
               (unsigned long long)r1, (unsigned long long)r2, (unsigned long long)r3, (unsigned long long)v);
    }

    uint64_t (*calls)(uint64_t) = (uint64_t (*)(uint64_t))build("calls", gen_calls, NULL);
    if (calls) {
        helper_calls = 0;
        uint64_t got = calls(4);
        result("calls", got == 47 + 48 + 2 && helper_calls == 2, "got %llu", (unsigned long long)got);
    }

    struct patch p;
    int (*pf)(void) = (int (*)(void))build("patch", gen_patch, &p);
    if (pf) {
        uint8_t *x = (uint8_t *)(void *)pf;
        int before = pf();
        int r1 = x64_patch_jmp(&M, x + p.site, x + p.off2);
        int after = pf();
        int r2 = x64_patch_jmp(&M, x + p.site + 1, x + p.off2);      /* not a jmp */
        int r3 = x64_patch_jmp(&M, x + p.site, (void *)(uintptr_t)0x10);  /* out of reach */
        result("patch", before == 1 && r1 == 0 && after == 2 && r2 == -1 && r3 == -1 && pf() == 2,
               "before %d, after %d, patch results %d %d %d", before, after, r1, r2, r3);
    }
    int (*pj)(int) = (int (*)(int))build("patch-jcc", gen_patch_jcc, &p);
    if (pj) {
        uint8_t *x = (uint8_t *)(void *)pj;
        int before = pj(1), other = pj(0);
        int r1 = x64_patch_jmp(&M, x + p.site, x + p.off2);
        int after = pj(1), other2 = pj(0);
        int r2 = x64_patch_jmp(&M, x + p.site + 2, x + p.off2);      /* not a jump */
        result("patch-jcc", before == 1 && other == 3 && r1 == 0 && after == 2 && other2 == 3 && r2 == -1,
               "before %d/%d, after %d/%d, patch results %d %d", before, other, after, other2, r1, r2);
    }
    race();

    /* full cache: commit fails with CB_EFULL; after a flush the same code fits */
    {
        size_t used0 = M.used;
        void *fill = cm_alloc(&M, M.size - M.used - 32);
        codebuf b;
        cm_begin(&M, &b);
        gen_sum(&b, NULL);
        gen_sum(&b, NULL);
        void *x = cm_commit(&M, &b);
        int full_err = b.err;
        cb_free(&b);
        cm_flush(&M, 0);
        cm_begin(&M, &b);
        gen_sum(&b, NULL);
        uint64_t (*s2)(const uint64_t *, size_t) = (uint64_t (*)(const uint64_t *, size_t))cm_commit(&M, &b);
        cb_free(&b);
        uint64_t arr[3] = {1, 2, 3};
        result("cache-full-flush", fill && !x && full_err == CB_EFULL && s2 && s2(arr, 3) == 6 && M.flushes == 1 &&
                                       M.peak >= used0,
               "fill %p, commit %p (%s), after flush %p", fill, x, cb_strerror(full_err), (void *)s2);
    }
    cm_destroy(&M);
}

/* --- bad input: errors, not crashes --------------------------------------- */

static void bad_input(void)
{
    struct { const char *name; int want; int got; } c[16];
    int n = 0;
    uint8_t small[8];
    codebuf b;

    cb_init(&b, small, sizeof small, 0x1000);
    x64_movabs_ri(&b, X64_RAX, 1);       /* 10 bytes into 8 */
    x64_ret(&b);
    c[n++] = (typeof(c[0])){"overflow", CB_EFULL, b.err};
    c[n++] = (typeof(c[0])){"overflow-link", CB_EFULL, cb_link(&b, 0x1000)};

    cb_init_grow(&b);
    uint32_t l = cb_label_new(&b);
    x64_jmp(&b, l);
    c[n++] = (typeof(c[0])){"unbound", CB_EUNBOUND, cb_link(&b, 0x1000)};
    cb_reset(&b);
    l = cb_label_new(&b);
    x64_jmp8(&b, l);
    x64_nop(&b, 200);
    cb_bind(&b, l);
    c[n++] = (typeof(c[0])){"rel8-range", CB_ERANGE, cb_link(&b, 0x1000)};
    cb_reset(&b);
    x64_load(&b, 8, X64_RAX, x64_mx(X64_RAX, X64_RSP, 1, 0));
    c[n++] = (typeof(c[0])){"rsp-index", CB_EOPERAND, b.err};
    cb_reset(&b);
    x64_add_rr(&b, 3, X64_RAX, X64_RBX);
    c[n++] = (typeof(c[0])){"size", CB_EOPERAND, b.err};
    cb_reset(&b);
    x64_mov_rr(&b, 8, 16, X64_RAX);
    c[n++] = (typeof(c[0])){"register", CB_EOPERAND, b.err};
    cb_reset(&b);
    x64_load(&b, 8, X64_RAX, x64_mx(X64_RIP, X64_RBX, 1, 0));
    c[n++] = (typeof(c[0])){"rip-index", CB_EOPERAND, b.err};
    cb_reset(&b);
    x64_shl_ri(&b, 4, X64_RAX, 32);
    c[n++] = (typeof(c[0])){"shift-count", CB_EOPERAND, b.err};
    cb_reset(&b);
    x64_ret(&b);
    c[n++] = (typeof(c[0])){"misaligned-link", CB_EALIGN, cb_link(&b, 0x1001)};
    cb_reset(&b);
    cb_bind(&b, 5);
    c[n++] = (typeof(c[0])){"no-label", CB_ELABEL, b.err};
    cb_reset(&b);
    l = cb_label_new(&b);
    cb_bind(&b, l);
    cb_bind(&b, l);
    c[n++] = (typeof(c[0])){"bound-twice", CB_ELABEL, b.err};
    cb_reset(&b);
    x64_call_abs(&b, (void *)(uintptr_t)0x7f0000000000u);
    c[n++] = (typeof(c[0])){"call-range", CB_ERANGE, cb_link(&b, 0x1000)};
    cb_reset(&b);
    /* after an error, emits are dropped and the error stays the first one */
    x64_add_rr(&b, 5, X64_RAX, X64_RAX);
    size_t len = b.len;
    x64_ret(&b);
    c[n++] = (typeof(c[0])){"sticky", CB_EOPERAND, b.len == len ? b.err : -1};
    cb_free(&b);

    codemem m;
    char err[256];
    c[n++] = (typeof(c[0])){"cache-size", -1, cm_init(&m, 0, NULL, err, sizeof err)};
    int wrong = 0;
    for (int i = 0; i < n; i++)
        if (c[i].want != c[i].got) {
            printf("not ok bad/%s: got %d (%s), want %d\n", c[i].name, c[i].got, c[i].got >= 0 ? cb_strerror(c[i].got) : "-",
                   c[i].want);
            wrong++;
        }
    if (!wrong)
        printf("ok bad/errors (%d cases)\n", n);
}

/* --- W^X: the two ways, measured ------------------------------------------- */

static void measure(void)
{
    enum { N = 20000, BLK = 128 };
    long pg = sysconf(_SC_PAGESIZE);
    char err[256];
    codemem m;
    if (cm_init(&m, (size_t)N * BLK + 2 * (size_t)pg, NULL, err, sizeof err) != 0) {
        fprintf(stderr, "%s\n", err);
        return;
    }
    static uint8_t code[BLK];
    memset(code, 0x90, sizeof code);
    code[BLK - 1] = 0xC3;
    /* two views: write the block, run it */
    double t0 = now();
    for (int i = 0; i < N; i++) {
        uint8_t *x = cm_alloc(&m, BLK);
        memcpy(cm_wptr(&m, x), code, BLK);
        ((void (*)(void))(void *)x)();
    }
    double dual = (now() - t0) / N;
    /* mprotect toggling: the page writable, write, executable again, run */
    size_t sz = (size_t)N * BLK;
    uint8_t *p = mmap(NULL, sz, PROT_READ | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    t0 = now();
    for (int i = 0; i < N; i++) {
        uint8_t *x = p + (size_t)i * BLK;
        uint8_t *page = (uint8_t *)((uintptr_t)x & ~(uintptr_t)(pg - 1));
        mprotect(page, (size_t)pg, PROT_READ | PROT_WRITE);
        memcpy(x, code, BLK);
        mprotect(page, (size_t)pg, PROT_READ | PROT_EXEC);
        ((void (*)(void))(void *)x)();
    }
    double toggle = (now() - t0) / N;
    /* patching: one store vs. two mprotects */
    uint8_t *site = cm_alloc(&m, 16);
    codebuf b;
    cb_init(&b, cm_wptr(&m, site), 16, (uint64_t)(uintptr_t)site);
    size_t at = x64_jmp_patchable_abs(&b, site + 16);
    cb_link(&b, b.origin);
    cb_free(&b);
    t0 = now();
    for (int i = 0; i < N; i++)
        x64_patch_jmp(&m, site + at, site + 16 + (i & 1) * 16);
    double patch = (now() - t0) / N;
    printf("W^X, %d blocks of %d bytes: two views %.0f ns per block, mprotect toggling %.0f ns per block; "
           "patching a jump: %.1f ns (two views) vs the two mprotect calls above\n",
           N, BLK, dual * 1e9, toggle * 1e9, patch * 1e9);
    munmap(p, sz);
    cm_destroy(&m);
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    if (argc > 1 && strcmp(argv[1], "measure") == 0) {
        measure();
        return 0;
    }
    if (cs_open(CS_ARCH_X86, CS_MODE_64, &cs) != CS_ERR_OK) {
        printf("not ok capstone: cs_open failed\n");
        return 1;
    }
    cb_init_grow(&B);
    forms_moves();
    forms_alu();
    forms_control();
    forms_sse_atomic();
    fprintf(stderr, "%u forms checked against capstone, %u differ\n", checks, bad);
    cb_free(&B);
    cs_close(&cs);
    run_tests();
    bad_input();
    printf("ok end\n");
    return 0;
}
