/* engine/host: code buffer, labels and fixups (see codebuf.h). */
#include "engine/host/codebuf.h"

#include <stdlib.h>
#include <string.h>

void cb_init(codebuf *b, void *mem, size_t cap, uint64_t origin)
{
    memset(b, 0, sizeof *b);
    b->p = mem;
    b->cap = cap;
    b->origin = origin;
}

void cb_init_grow(codebuf *b)
{
    memset(b, 0, sizeof *b);
    b->grows = true;
}

void cb_free(codebuf *b)
{
    if (b->grows)
        free(b->p);
    free(b->labels);
    free(b->fix);
    memset(b, 0, sizeof *b);
}

void cb_reset(codebuf *b)
{
    b->len = 0;
    b->err = CB_OK;
    b->err_at = 0;
    b->nlabels = 0;
    b->nfix = 0;
}

void cb_fail(codebuf *b, int err)
{
    if (!b->err) {
        b->err = err;
        b->err_at = b->len;
    }
}

const char *cb_strerror(int err)
{
    switch (err) {
    case CB_OK: return "no error";
    case CB_EFULL: return "code buffer full";
    case CB_ENOMEM: return "out of memory for code";
    case CB_EOPERAND: return "operand the instruction form cannot encode";
    case CB_ERANGE: return "displacement out of range";
    case CB_EUNBOUND: return "label used but never bound";
    case CB_ELABEL: return "no such label, or a label bound twice";
    case CB_EALIGN: return "code placed at a misaligned address";
    }
    return "unknown code buffer error";
}

/* Grow an array of `size`-byte elements to hold at least `need`. */
static bool grow(void **arr, uint32_t *cap, uint32_t need, size_t size)
{
    if (need <= *cap)
        return true;
    uint32_t n = *cap ? *cap : 16;
    while (n < need) {
        if (n > UINT32_MAX / 2)
            return false;
        n *= 2;
    }
    void *p = realloc(*arr, (size_t)n * size);
    if (!p)
        return false;
    *arr = p;
    *cap = n;
    return true;
}

bool cb_room_slow(codebuf *b, size_t n)
{
    if (!b->grows) {
        cb_fail(b, CB_EFULL);
        return false;
    }
    size_t cap = b->cap ? b->cap : 256;
    while (cap - b->len < n) {
        if (cap > SIZE_MAX / 2) {
            cb_fail(b, CB_ENOMEM);
            return false;
        }
        cap *= 2;
    }
    uint8_t *p = realloc(b->p, cap);
    if (!p) {
        cb_fail(b, CB_ENOMEM);
        return false;
    }
    b->p = p;
    b->cap = cap;
    return true;
}

uint32_t cb_label_new(codebuf *b)
{
    if (b->nlabels == UINT32_MAX || !grow((void **)&b->labels, &b->labcap, b->nlabels + 1, sizeof *b->labels)) {
        cb_fail(b, CB_ENOMEM);
        return UINT32_MAX;
    }
    b->labels[b->nlabels] = -1;
    return b->nlabels++;
}

void cb_bind(codebuf *b, uint32_t label)
{
    if (label >= b->nlabels || b->labels[label] >= 0) {
        cb_fail(b, CB_ELABEL);
        return;
    }
    b->labels[label] = (int64_t)b->len;
}

int64_t cb_label_pos(const codebuf *b, uint32_t label)
{
    return label < b->nlabels ? b->labels[label] : -1;
}

static void add_fixup(codebuf *b, const cb_fixup *f)
{
    if (b->err)
        return;
    if (!grow((void **)&b->fix, &b->fixcap, b->nfix + 1, sizeof *b->fix)) {
        cb_fail(b, CB_ENOMEM);
        return;
    }
    b->fix[b->nfix++] = *f;
}

void cb_fixup_label(codebuf *b, int kind, size_t at, size_t end, uint32_t label, int32_t addend)
{
    if (label >= b->nlabels) {
        cb_fail(b, CB_ELABEL);
        return;
    }
    add_fixup(b, &(cb_fixup){.at = (uint32_t)at, .end = (uint32_t)end, .kind = (uint8_t)kind,
                             .label = label, .addend = addend});
}

void cb_fixup_addr(codebuf *b, int kind, size_t at, size_t end, uint64_t addr, int32_t addend)
{
    add_fixup(b, &(cb_fixup){.at = (uint32_t)at, .end = (uint32_t)end, .kind = (uint8_t)kind,
                             .to_addr = true, .addr = addr, .addend = addend});
}

int cb_link(codebuf *b, uint64_t origin)
{
    if (b->err)
        return b->err;
    if (origin % CB_ALIGN) {
        cb_fail(b, CB_EALIGN);
        return b->err;
    }
    b->origin = origin;
    for (uint32_t i = 0; i < b->nfix; i++) {
        const cb_fixup *f = &b->fix[i];
        uint64_t target;
        if (f->to_addr) {
            target = f->addr;
        } else {
            if (b->labels[f->label] < 0) {
                b->err_at = f->at;
                b->err = CB_EUNBOUND;
                return b->err;
            }
            target = origin + (uint64_t)b->labels[f->label];
        }
        target += (uint64_t)(int64_t)f->addend;
        int64_t d = (int64_t)(target - (origin + f->end));
        uint64_t v;
        if (f->kind == CB_ABS64) {
            v = target;
        } else if ((f->kind == CB_REL8 && (d < INT8_MIN || d > INT8_MAX)) ||
                   (f->kind == CB_REL32 && (d < INT32_MIN || d > INT32_MAX))) {
            b->err_at = f->at;
            b->err = CB_ERANGE;
            return b->err;
        } else {
            v = (uint64_t)d;
        }
        for (unsigned k = 0; k < f->kind; k++, v >>= 8)
            b->p[f->at + k] = (uint8_t)v;
    }
    return CB_OK;
}
