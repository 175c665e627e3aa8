/* libFuzzer target: the RISC-V decoder and disassembler on arbitrary words.
 * The input is a stream of instructions (2 or 4 bytes each, by the low two
 * bits, as fetched).  Checks: the decoded length is 0, 2 or 4 and agrees with
 * the low bits; a 16-bit encoding ignores the upper half-word; operands are in
 * range; the disassembler agrees with the decoder, stays in its buffer
 * (whatever its size) and prints no unknown operand ("?"). */
#include <assert.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "isa/riscv/rv_cpu.h"
#include "isa/riscv/rv_disasm.h"

static void check(uint32_t raw, uint64_t pc, size_t bufsize)
{
    eng_insn a, b;
    int want = (raw & 3) == 3 ? 4 : 2;
    int len = rv_decode(raw, &a);
    assert(len == 0 || len == want);
    if (len) {
        assert(a.op < rv_nops);
        assert(a.len == len);
        assert(a.r[0] < 32 && a.r[1] < 32 && a.r[2] < 32 && a.r[3] < 32);
        assert(!!(rv_ops[a.op].flags & RV_OPF_COMPRESSED) == (len == 2));
    }
    if (want == 2) {  /* the upper half-word is the next instruction's */
        int len2 = rv_decode((raw & 0xffff) | (~raw & 0xffff0000u), &b);
        assert(len2 == len);
        if (len)
            assert(b.op == a.op && b.imm == a.imm && b.r[0] == a.r[0] && b.r[1] == a.r[1] && b.r[2] == a.r[2]);
    }

    char buf[160], small[24];
    rv_dis_info info;
    int dl = rv_disasm_ex(pc, raw, buf, sizeof buf, &info);
    if (len)
        assert(dl == len);
    else
        assert(dl == 0 || (dl == 2 && ((raw & 0xffff) == 0 || (raw & 0xffff) == 0x6101)));
    assert(info.len == dl);
    assert(strlen(buf) < sizeof buf);
    assert(!dl || buf[0]);
    assert(!strchr(buf, '?'));
    if (info.has_target)
        assert(dl);
    /* a short buffer truncates, NUL-terminated, and changes nothing else */
    bufsize %= sizeof small + 1;
    memset(small, 0x5a, sizeof small);
    int sl = rv_disasm_ex(pc, raw, small, bufsize, NULL);
    assert(sl == dl);
    if (bufsize) {
        assert(memchr(small, 0, bufsize));
        assert(!strncmp(small, buf, strlen(small)));
    }
    for (size_t k = bufsize; k < sizeof small; k++)
        assert(small[k] == 0x5a);
}

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
    uint64_t pc = 0x10000;
    for (size_t off = 0; off + 2 <= n;) {
        uint32_t raw = d[off] | (uint32_t)d[off + 1] << 8;
        size_t len = (raw & 3) == 3 ? 4 : 2;
        if (off + len > n)
            break;
        if (len == 4)
            raw |= (uint32_t)d[off + 2] << 16 | (uint32_t)d[off + 3] << 24;
        check(raw, pc + off, d[off] ^ d[n - 1]);
        off += len;
    }
    return 0;
}
