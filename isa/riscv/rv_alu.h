/* rv_alu: integer helpers the instruction bodies call with (pure NAME ...). */
#ifndef VVM_RV_ALU_H
#define VVM_RV_ALU_H
#include <stdint.h>

/* (mulh, mulhu and division are RTL operators: engine/rtl.h) */
static inline uint64_t rv_sx32(int32_t v) { return (uint64_t)(int64_t)v; }
static inline uint64_t rv_mulhsu(uint64_t a, uint64_t b)
{ return (uint64_t)(((__int128)(int64_t)a * (__int128)(unsigned __int128)b) >> 64); }

/* Zbb: counting, rotation, bytes.  clz/ctz of 0 give the width (64 or 32);
 * register rotation amounts are taken mod 64 (mod 32 for the W forms), and
 * the W forms sign-extend their 32-bit result. */
static inline uint64_t rv_clz(uint64_t a) { return a ? (uint64_t)__builtin_clzll(a) : 64; }
static inline uint64_t rv_ctz(uint64_t a) { return a ? (uint64_t)__builtin_ctzll(a) : 64; }
static inline uint64_t rv_cpop(uint64_t a) { return (uint64_t)__builtin_popcountll(a); }
static inline uint64_t rv_clzw(uint64_t a) { return (uint32_t)a ? (uint64_t)__builtin_clz((uint32_t)a) : 32; }
static inline uint64_t rv_ctzw(uint64_t a) { return (uint32_t)a ? (uint64_t)__builtin_ctz((uint32_t)a) : 32; }
static inline uint64_t rv_cpopw(uint64_t a) { return (uint64_t)__builtin_popcount((uint32_t)a); }
static inline uint64_t rv_rol(uint64_t a, uint64_t n)
{ n &= 63; return n ? (a << n) | (a >> (64 - n)) : a; }
static inline uint64_t rv_ror(uint64_t a, uint64_t n)
{ n &= 63; return n ? (a >> n) | (a << (64 - n)) : a; }
static inline uint64_t rv_rolw(uint64_t a, uint64_t n)
{
    uint32_t x = (uint32_t)a;
    n &= 31;
    return rv_sx32((int32_t)(n ? (x << n) | (x >> (32 - n)) : x));
}
static inline uint64_t rv_rorw(uint64_t a, uint64_t n)
{
    uint32_t x = (uint32_t)a;
    n &= 31;
    return rv_sx32((int32_t)(n ? (x >> n) | (x << (32 - n)) : x));
}
/* orc.b: each byte becomes 0xff if it was nonzero, else 0x00 */
static inline uint64_t rv_orc_b(uint64_t a)
{
    uint64_t t = a | (a >> 1) | (a >> 2) | (a >> 3) | (a >> 4) | (a >> 5) | (a >> 6) | (a >> 7);
    return (t & UINT64_C(0x0101010101010101)) * 0xff;
}
static inline uint64_t rv_rev8(uint64_t a) { return __builtin_bswap64(a); }
#endif
