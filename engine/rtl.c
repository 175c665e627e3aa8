/* rtl: the kinds table, the builder and the checker of runtime RTL (see rtl.h).
 * Also linked into tools/isagen, which builds the generated tables with it:
 * it depends on nothing but the C library. */
#include "engine/rtl.h"
#include "engine/rtl_fp.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* FP traps (core/hostfault.h): the calling thread's accrued host flags,
 * NULL outside that mode; here because rtl_fp.h's helpers read it */
__thread vvm_fptrap *vvm_fp_trap;

const rtl_kind_info rtl_kinds[RTL_NKINDS] = {
#define RTL_OP(id, name, args, cls, words) {name, args, cls, words},
#include "engine/rtl_ops.def"
#undef RTL_OP
};

int64_t rtl_add(rtl_builder *b, rtl_kind kind, unsigned aux, uint64_t val, unsigned n, const uint32_t *kids)
{
    if (b->oom || n > 255 || aux > 255 || (unsigned)kind >= RTL_NKINDS)
        return -1;
    if (b->nnode == b->capnode) {
        uint32_t cap = b->capnode ? b->capnode * 2 : 256;
        rtl_node *p = realloc(b->node, cap * sizeof *p);
        if (!p)
            return b->oom = 1, -1;
        b->node = p;
        b->capnode = cap;
    }
    if (b->nkid + n > b->capkid) {
        uint32_t cap = b->capkid ? b->capkid * 2 : 256;
        while (cap < b->nkid + n)
            cap *= 2;
        uint32_t *p = realloc(b->kid, cap * sizeof *p);
        if (!p)
            return b->oom = 1, -1;
        b->kid = p;
        b->capkid = cap;
    }
    rtl_node *d = &b->node[b->nnode];
    d->kind = (uint16_t)kind;
    d->aux = (uint8_t)aux;
    d->n = (uint8_t)n;
    d->kids = b->nkid;
    d->val = val;
    if (n)
        memcpy(b->kid + b->nkid, kids, n * sizeof *kids);
    b->nkid += n;
    return b->nnode++;
}

void rtl_builder_code(const rtl_builder *b, rtl_code *out, const rtl_helper *helper, uint32_t nhelper)
{
    memset(out, 0, sizeof *out);
    out->node = b->node;
    out->kid = b->kid;
    out->nnode = b->nnode;
    out->nkid = b->nkid;
    out->helper = helper;
    out->nhelper = nhelper;
    out->nvars = 256;
}

void rtl_builder_free(rtl_builder *b)
{
    free(b->node);
    free(b->kid);
    memset(b, 0, sizeof *b);
}

/* The children a kind takes: its e and s arguments (r, w and h live in the
 * node itself; a LET's bindings are BIND children). */
static void kid_range(const rtl_kind_info *k, unsigned *least, int *unbounded)
{
    *least = 0;
    *unbounded = 0;
    for (const char *p = k->args; *p; p++) {
        if (p[1] == '*') {
            *unbounded = 1;
            p++;
        } else if (*p == 'e' || *p == 's') {
            ++*least;
        } else if (*p == 'b') {
            *unbounded = 1;
        }
    }
}

typedef struct chk {
    const rtl_code *c;
    char *err;
    size_t errlen;
    uint8_t bound[256];
    int depth;
} chk;

static int fail(chk *k, uint32_t at, const char *msg)
{
    snprintf(k->err, k->errlen, "node %u: %s", at, msg);
    return -1;
}

static int check_node(chk *k, uint32_t at, int want)
{
    const rtl_code *c = k->c;
    if (at >= c->nnode)
        return fail(k, at, "no such node");
    if (++k->depth > 200)
        return fail(k, at, "nested too deeply");
    const rtl_node *n = &c->node[at];
    if (n->kind >= RTL_NKINDS)
        return fail(k, at, "unknown kind");
    const rtl_kind_info *ki = &rtl_kinds[n->kind];
    int cls = ki->cls;
    if (n->kind == RTL_FUSED)
        cls = RTL_S;
    else if (n->kind == RTL_BIND)
        cls = 0;      /* only as a LET's child, which the LET checks itself */
    else if (cls == RTL_LEAF)
        cls = RTL_E;
    if (!(cls & want))
        return fail(k, at, want == RTL_S ? "expected a statement" : "expected an expression");
    unsigned least;
    int unb;
    kid_range(ki, &least, &unb);
    if (n->n < least || (!unb && n->n != least))
        return fail(k, at, "wrong number of operands");
    if ((uint64_t)n->kids + n->n > c->nkid)
        return fail(k, at, "children out of range");
    if (ki->words) {
        unsigned nw = 1;
        for (const char *p = ki->words; *p; p++)
            nw += *p == ' ';
        if (n->aux >= nw)
            return fail(k, at, "no such word");
    }
    if (strchr(ki->args, 'r') && n->aux > RTL_R3)
        return fail(k, at, "no such register slot");
    if (n->kind == RTL_SLOT && n->aux > RTL_R3)
        return fail(k, at, "no such register slot");
    if (n->kind == RTL_LET && n->aux > n->n)
        return fail(k, at, "more bindings than children");
    if (n->kind == RTL_VAR && (n->val >= 256 || !k->bound[n->val]))
        return fail(k, at, "a name no let binds here");
    if ((n->kind == RTL_STATE || n->kind == RTL_SET_STATE) && n->aux >= c->nfield)
        return fail(k, at, "no such vCPU field");
    if (n->kind == RTL_CALL || n->kind == RTL_PURE) {
        if (n->val >= c->nhelper)
            return fail(k, at, "no such helper");
        if (c->helper[n->val].nargs != n->n || !!c->helper[n->val].pure != (n->kind == RTL_PURE))
            return fail(k, at, "helper called with the wrong arguments");
    }
    for (unsigned i = 0; i < n->n; i++) {
        uint32_t kid = c->kid[n->kids + i];
        if (kid >= at)
            return fail(k, at, "a child built after its parent");
        int kw;
        if (n->kind == RTL_LET && i < n->aux) {
            const rtl_node *b = &c->node[kid];
            if (b->kind != RTL_BIND || b->n != 1 || b->val >= 256)
                return fail(k, at, "a let binding is not a BIND");
            if (check_node(k, c->kid[b->kids], RTL_E) < 0)
                return -1;
            k->bound[b->val]++;
            continue;
        }
        switch (n->kind) {
        case RTL_WHEN: kw = i == 0 ? RTL_E : RTL_S; break;
        case RTL_IF_S: case RTL_FAST_S: kw = i == 0 ? RTL_E : RTL_S; break;
        case RTL_SEQ: case RTL_LET: case RTL_FUSED: kw = RTL_S; break;
        default: kw = RTL_E;
        }
        if (check_node(k, kid, kw) < 0)
            return -1;
    }
    if (n->kind == RTL_LET)
        for (unsigned i = 0; i < n->aux && i < n->n; i++)
            k->bound[c->node[c->kid[n->kids + i]].val]--;
    k->depth--;
    return 0;
}

int rtl_check(const rtl_code *c, uint32_t root, char *err, size_t errlen)
{
    chk k = {.c = c, .err = err, .errlen = errlen};
    return check_node(&k, root, RTL_S);
}

uint64_t rtl_fp_call(void *unused, const uint64_t *args)
{
    (void)unused;
    return rtl_fp_apply((unsigned)args[3], args[0], args[1], args[2]);
}

const uint8_t rtl_fp_mx2flags[64] = {
#define RTL_MX(m) (uint8_t)(((m) & 1 ? 16 : 0) | ((m) & 4 ? 8 : 0) | ((m) & 8 ? 4 : 0) | ((m) & 16 ? 2 : 0) | ((m) & 32 ? 1 : 0))
#define RTL_MX4(m) RTL_MX(m), RTL_MX((m) + 1), RTL_MX((m) + 2), RTL_MX((m) + 3)
#define RTL_MX16(m) RTL_MX4(m), RTL_MX4((m) + 4), RTL_MX4((m) + 8), RTL_MX4((m) + 12)
    RTL_MX16(0), RTL_MX16(16), RTL_MX16(32), RTL_MX16(48),
#undef RTL_MX16
#undef RTL_MX4
#undef RTL_MX
};
