/* engine/host: the ISA-neutral half of the translation tier's host layer.
 *
 * A code buffer collects the bytes of host code an encoder emits (one
 * encoder per host: engine/host/x86_64/x64.h today), with labels inside the
 * buffer and the records of every displacement that is not known while
 * emitting (a forward jump, a call to an absolute address when the buffer's
 * final place is not known yet).  cb_link resolves them once the place is
 * known.
 *
 * Emitting never fails on the spot: the first problem (a full fixed buffer,
 * no memory, an operand the form cannot encode, a displacement out of range)
 * is kept in `err` and later emits are dropped, so an encoder's functions
 * return nothing and the caller checks once, at cb_link.
 *
 * A buffer's byte 0 runs at an address aligned to CB_ALIGN: offsets and
 * addresses then agree modulo CB_ALIGN, which is what lets an encoder align
 * a field for atomic patching while it emits.
 */
#ifndef VVM_ENGINE_HOST_CODEBUF_H
#define VVM_ENGINE_HOST_CODEBUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define CB_ALIGN 16

enum {
    CB_OK = 0,
    CB_EFULL,       /* a fixed buffer has no room left */
    CB_ENOMEM,      /* a growing buffer (or its label/fixup tables) could not grow */
    CB_EOPERAND,    /* an operand or size the instruction form cannot encode */
    CB_ERANGE,      /* a displacement does not fit its field */
    CB_EUNBOUND,    /* a label was used but never bound */
    CB_ELABEL,      /* a label that does not exist, or bound twice */
    CB_EALIGN,      /* linked at an address not aligned to CB_ALIGN */
};

/* What a fixup writes at `at`: the target's distance from `end` (the end of
 * the instruction, where the host pc points) in 1 or 4 bytes, or the target's
 * address in 8 bytes.  These are the fields x86-64 has; an arm64 host adds
 * its own kinds here (the scaled imm26 and imm19 of b and b.cond inside an
 * instruction word) and cb_link learns to fill them. */
enum { CB_REL8 = 1, CB_REL32 = 4, CB_ABS64 = 8 };

typedef struct cb_fixup {
    uint32_t at, end;       /* offsets of the field and of the instruction's end */
    uint8_t kind;           /* CB_REL8, CB_REL32, CB_ABS64 */
    bool to_addr;           /* target is `addr`, else label `label` */
    uint32_t label;
    int32_t addend;         /* added to the target */
    uint64_t addr;
} cb_fixup;

typedef struct codebuf {
    uint8_t *p;             /* where the bytes are written */
    size_t len, cap;
    uint64_t origin;        /* host address byte 0 runs at; 0 while not known */
    bool grows;             /* p is the buffer's own (malloc) and grows */
    int err;                /* first error (CB_E*), sticky */
    size_t err_at;          /* offset of the instruction that caused it */
    int64_t *labels;        /* offset each label is bound to, -1 while unbound */
    uint32_t nlabels, labcap;
    cb_fixup *fix;
    uint32_t nfix, fixcap;
} codebuf;

/* A buffer over memory the caller owns (e.g. a code cache's writable view:
 * see cm_begin), whose byte 0 runs at `origin` (0: not known yet). */
void cb_init(codebuf *b, void *mem, size_t cap, uint64_t origin);
/* A buffer of its own that grows as needed. */
void cb_init_grow(codebuf *b);
/* Release the label and fixup tables (every buffer has its own) and the
 * bytes of a growing buffer. */
void cb_free(codebuf *b);
/* Empty the buffer, its labels and fixups, and its error; keep the memory. */
void cb_reset(codebuf *b);

/* Record the first error; later emits are dropped. */
void cb_fail(codebuf *b, int err);
const char *cb_strerror(int err);

bool cb_room_slow(codebuf *b, size_t n);
/* Make room for n more bytes; false (and the buffer's error set) if there is none. */
static inline bool cb_room(codebuf *b, size_t n)
{
    if (b->err)
        return false;
    return b->cap - b->len >= n || cb_room_slow(b, n);
}
static inline void cb_put8(codebuf *b, uint8_t v)
{
    if (cb_room(b, 1))
        b->p[b->len++] = v;
}
/* Little-endian, as both hosts in view (x86-64, arm64) are. */
static inline void cb_putn(codebuf *b, uint64_t v, size_t n)
{
    if (cb_room(b, n))
        for (size_t i = 0; i < n; i++, v >>= 8)
            b->p[b->len++] = (uint8_t)v;
}
/* n zero bytes (room a header filled in later takes) */
static inline void cb_zero(codebuf *b, size_t n)
{
    if (cb_room(b, n)) {
        memset(b->p + b->len, 0, n);
        b->len += n;
    }
}
static inline void cb_put16(codebuf *b, uint16_t v)
{
    cb_putn(b, v, 2);
}
static inline void cb_put32(codebuf *b, uint32_t v)
{
    cb_putn(b, v, 4);
}
static inline void cb_put64(codebuf *b, uint64_t v)
{
    cb_putn(b, v, 8);
}
static inline size_t cb_len(const codebuf *b)
{
    return b->len;
}

/* Labels: positions inside the buffer, made before or after they are bound. */
uint32_t cb_label_new(codebuf *b);
void cb_bind(codebuf *b, uint32_t label);
/* Offset the label is bound to, or -1. */
int64_t cb_label_pos(const codebuf *b, uint32_t label);

/* Record a field to fill in at link time: at `at`, `kind` bytes, the
 * distance (CB_REL*) or address (CB_ABS64) of a label or an absolute address
 * plus `addend`, measured from the instruction's end at `end`. */
void cb_fixup_label(codebuf *b, int kind, size_t at, size_t end, uint32_t label, int32_t addend);
void cb_fixup_addr(codebuf *b, int kind, size_t at, size_t end, uint64_t addr, int32_t addend);

/* The buffer runs at `origin` (aligned to CB_ALIGN): fill in every fixup.
 * Returns the buffer's error (CB_OK when the code is complete and right). */
int cb_link(codebuf *b, uint64_t origin);

/* Does a rel32 at offset `end` of a buffer running at `origin` reach addr? */
static inline bool cb_rel32_reaches(uint64_t origin, size_t end, uint64_t addr)
{
    int64_t d = (int64_t)(addr - (origin + end));
    return d >= INT32_MIN && d <= INT32_MAX;
}

#endif
