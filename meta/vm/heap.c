/* heap: allocation and the precise mark-sweep collector of the meta VM.
 *
 * Objects are malloc'd and linked on vm->objects.  A collection marks from
 * the roots (see vml.h) with an explicit mark stack (no C recursion, so deep
 * lists cannot overflow the C stack) and frees what is unmarked.  The next
 * collection starts when the heap has grown to twice what survived.  With
 * vm->gc_stress every allocation collects first.  Exceeding vm->max_bytes
 * after a full collection raises an "out of memory" error. */
#include "meta/vm/vml.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void free_obj(VM *vm, Obj *o);

/* Past the next-collection threshold (which never exceeds the limit):
 * collect (unless collections are off), then fail if size more bytes would
 * still pass the limit. */
__attribute__((noinline, cold)) static void heap_full(VM *vm, size_t size)
{
    if (!vm->gc_off)
        vml_gc(vm);
    if (size > vm->max_bytes || vm->bytes > vm->max_bytes - size)
        vml_error(vm, VNIL, "out of memory (heap limit %zu MB)", vm->max_bytes >> 20);
}

/* Before size more bytes: collect when due; past the limit, an error. */
static inline void heap_reserve(VM *vm, size_t size)
{
    if (__builtin_expect(vm->bytes + size > vm->threshold || vm->gc_stress, 0))
        heap_full(vm, size);
}

/* The threshold: twice what survived plus 4 MB, never past the limit. */
static void set_threshold(VM *vm)
{
    size_t t = vm->bytes * 2 + (4 << 20);
    vm->threshold = t < vm->max_bytes ? t : vm->max_bytes;
}

size_t vml_heap_room(VM *vm)
{
    size_t room = vm->max_bytes > vm->bytes ? vm->max_bytes - vm->bytes : 0;
    return room > (64u << 10) ? room : 64u << 10;
}

void vml_set_heap_limit(VM *vm, size_t bytes)
{
    vm->max_bytes = bytes;
    set_threshold(vm);
}

/* Small objects (pairs, closures, boxes, short strings ...) come from
 * slabs cut into blocks of one size class and go back to that class's free
 * list when swept: no malloc or free per object.  Slabs live until the VM
 * is freed. */
#define SLAB_BYTES (64u << 10)
#if defined(__SANITIZE_ADDRESS__)
#define POOL_MAX 0   /* under ASan every object is malloc'd, so use-after-free is caught */
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define POOL_MAX 0
#endif
#endif
#ifndef POOL_MAX
#define POOL_MAX (VML_POOL_CLASSES * 16)
#endif
struct PoolSlab { struct PoolSlab *next; char mem[]; };

static Obj *pool_get(VM *vm, unsigned cls)
{
    Obj *o = vm->pool[cls];
    if (o) {
        vm->pool[cls] = o->gcnext;
        return o;
    }
    size_t bs = (size_t)cls * 16;
    if (vm->pool_end[cls] - vm->pool_next[cls] < (ptrdiff_t)bs) {   /* cut blocks as needed: untouched pages stay free */
        struct PoolSlab *s = malloc(sizeof *s + SLAB_BYTES);
        if (!s)
            return NULL;
        s->next = vm->slabs;
        vm->slabs = s;
        vm->pool_next[cls] = s->mem;
        vm->pool_end[cls] = s->mem + SLAB_BYTES;
    }
    o = (Obj *)vm->pool_next[cls];
    vm->pool_next[cls] += bs;
    return o;
}

void *vml_alloc(VM *vm, int type, size_t size)
{
    heap_reserve(vm, size);
    unsigned cls = size <= POOL_MAX ? (unsigned)(size + 15) / 16 : 0;
    Obj *o = cls ? pool_get(vm, cls) : malloc(size);
    if (!o)
        vml_error(vm, VNIL, "out of memory (malloc of %zu bytes failed)", size);
    memset(o, 0, sizeof *o);
    o->sizeclass = cls & 127;
    o->type = (uint8_t)type;
    o->gcnext = vm->objects;
    vm->objects = o;
    vm->bytes += size;
    vm->allocs++;
    return o;
}

/* ---- marking ---- */
typedef struct mstack { Obj **v; size_t n, cap; } mstack;

static void push(mstack *s, Obj *o)
{
    if (!o || o->mark)
        return;
    o->mark = 1;
    if (s->n == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 1024;
        Obj **nv = realloc(s->v, s->cap * sizeof *nv);
        if (!nv)
            abort();   /* cannot continue a collection without memory */
        s->v = nv;
    }
    s->v[s->n++] = o;
}
#define PUSHV(s, val) do { V v_ = (val); if (ISOBJ(v_)) push((s), v_.o); } while (0)

static void trace(mstack *s, Obj *o)
{
    switch (o->type) {
    case T_PAIR: PUSHV(s, ((Pair *)o)->car); PUSHV(s, ((Pair *)o)->cdr); break;
    case T_SYM: PUSHV(s, ((Sym *)o)->value); break;
    case T_VEC: { Vec *v = (Vec *)o; for (size_t i = 0; i < v->n; i++) PUSHV(s, v->v[i]); break; }
    case T_HASH: {
        Hash *h = (Hash *)o;
        for (size_t i = 0; i < h->n; i++)
            if (VML_HASH_LIVE(h->e[i].k)) {
                PUSHV(s, h->e[i].k);
                PUSHV(s, h->e[i].v);
            }
        break;
    }
    case T_RTYPE: PUSHV(s, ((Rtype *)o)->name); PUSHV(s, ((Rtype *)o)->fields); break;
    case T_REC: {
        Rec *r = (Rec *)o;
        push(s, &r->rt->h);
        for (size_t i = 0; i < r->n; i++) PUSHV(s, r->f[i]);
        break;
    }
    case T_CLO: { Clo *c = (Clo *)o; push(s, &c->p->h); for (int i = 0; i < c->nupv; i++) PUSHV(s, c->upv[i]); break; }
    case T_PRIM: PUSHV(s, ((Prim *)o)->data); break;
    case T_PROTO: {
        Proto *p = (Proto *)o;
        for (size_t i = 0; i < p->nk; i++) PUSHV(s, p->k[i]);
        for (int i = 0; i < p->nupv; i++) PUSHV(s, p->upv_names[i]);
        PUSHV(s, p->name);
        break;
    }
    case T_BOX: PUSHV(s, ((Box *)o)->v); break;
    case T_ERR: {
        Err *e = (Err *)o;
        PUSHV(s, e->msg); PUSHV(s, e->irritants); PUSHV(s, e->where); PUSHV(s, e->trace); PUSHV(s, e->payload);
        break;
    }
    default: break;
    }
}

void vml_gc(VM *vm)
{
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    mstack s = {0};
    for (V *p = vm->stack; p < vm->top; p++)
        PUSHV(&s, *p);
    for (int i = 0; i < vm->nframes; i++)
        if (vm->frames[i].cl)
            push(&s, &vm->frames[i].cl->h);
    for (size_t i = 0; i < vm->symcap; i++)
        for (Sym *y = vm->symtab[i]; y; y = y->chain)
            push(&s, &y->h);
    for (int i = 0; i < vm->ncroots; i++)
        PUSHV(&s, *vm->croots[i]);
    for (Handler *h = vm->handler; h; h = h->prev) {
        PUSHV(&s, h->winds);
        PUSHV(&s, h->value);
        PUSHV(&s, h->proc);
    }
    for (int i = 0; i < 256; i++) {
        PUSHV(&s, vm->userop[i].proc);
        PUSHV(&s, vm->userop[i].name);
    }
    PUSHV(&s, vm->winds);
    PUSHV(&s, vm->macros);
    PUSHV(&s, vm->rules);
    PUSHV(&s, vm->features);
    if (vm->out) push(&s, &vm->out->h);
    if (vm->in) push(&s, &vm->in->h);
    if (vm->err) push(&s, &vm->err->h);
    while (s.n > 0)
        trace(&s, s.v[--s.n]);
    free(s.v);
    /* what finished frames left above top may point to what is freed next */
    for (V *p = vm->top; p < vm->stack_hw; p++)
        p->t = T_NIL;
    vm->stack_hw = vm->top;

    size_t before = vm->bytes;
    Obj **link = &vm->objects;
    while (*link) {
        Obj *o = *link;
        if (o->mark) {
            o->mark = 0;
            link = &o->gcnext;
        } else {
            *link = o->gcnext;
            free_obj(vm, o);
        }
    }
    for (size_t i = 0; i < vm->symcap; i++)
        for (Sym *y = vm->symtab[i]; y; y = y->chain)
            y->h.mark = 0;
    vm->gc_count++;
    vm->gc_freed += before - vm->bytes;
    set_threshold(vm);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    vm->gc_seconds += (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) * 1e-9;
}

static size_t obj_size(Obj *o)
{
    switch (o->type) {
    case T_PAIR: return sizeof(Pair);
    case T_STR: return sizeof(Str) + ((Str *)o)->len + 1;
    case T_SYM: return sizeof(Sym) + ((Sym *)o)->len + 1;
    case T_VEC: return sizeof(Vec) + ((Vec *)o)->n * sizeof(V);
    case T_BVEC: return sizeof(Bvec) + ((Bvec *)o)->n;
    case T_HASH: return sizeof(Hash) + vml_hash_bytes(((Hash *)o)->cap);
    case T_RTYPE: return sizeof(Rtype);
    case T_REC: return sizeof(Rec) + ((Rec *)o)->n * sizeof(V);
    case T_CLO: return sizeof(Clo) + (size_t)((Clo *)o)->nupv * sizeof(V);
    case T_PRIM: return sizeof(Prim);
    case T_PROTO: {
        Proto *p = (Proto *)o;
        return sizeof(Proto) + p->ncode * 12 + p->nk * sizeof(V) + (size_t)p->nupv * (3 + sizeof(V));
    }
    case T_BOX: return sizeof(Box);
    case T_ERR: return sizeof(Err);
    case T_PORT: return sizeof(Port);
    default: return 0;
    }
}

static void free_obj(VM *vm, Obj *o)
{
    vm->bytes -= obj_size(o);
    switch (o->type) {
    case T_STR: if (((Str *)o)->s != (char *)((Str *)o + 1)) free(((Str *)o)->s); break;
    case T_VEC: free(((Vec *)o)->v); break;
    case T_BVEC: free(((Bvec *)o)->b); break;
    case T_HASH: free(((Hash *)o)->idx); free(((Hash *)o)->e); break;
    case T_PROTO: {
        Proto *p = (Proto *)o;
        free(p->code); free(p->lines); free(p->k); free(p->upv_instack); free(p->upv_index); free(p->upv_names);
        break;
    }
    case T_PORT: {
        Port *p = (Port *)o;
        if (p->owned && p->f)
            fclose(p->f);
        break;
    }
    default: break;
    }
    if (o->sizeclass) {
        o->gcnext = vm->pool[o->sizeclass];
        vm->pool[o->sizeclass] = o;
    } else {
        free(o);
    }
}

/* ---- constructors ---- */
V vml_cons(VM *vm, V a, V d)
{
    VML_ROOT(vm, a);
    VML_ROOT(vm, d);
    Pair *p = vml_alloc(vm, T_PAIR, sizeof *p);
    VML_UNROOT(vm, 2);
    p->car = a;
    p->cdr = d;
    return vobj(p);
}

V vml_str(VM *vm, const char *s, size_t len)
{
    if (len > ((size_t)1 << 40))
        vml_error(vm, VNIL, "out of memory (string of %zu bytes)", len);
    Str *o = vml_alloc(vm, T_STR, sizeof *o + len + 1);
    o->len = len;
    o->s = (char *)(o + 1);
    if (s)
        memcpy(o->s, s, len);
    else
        memset(o->s, ' ', len);
    o->s[len] = 0;
    return vobj(o);
}

V vml_cstr(VM *vm, const char *s) { return vml_str(vm, s, strlen(s)); }

static uint32_t strhash(const char *s, size_t n)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (uint8_t)s[i]) * 16777619u;
    return h;
}

V vml_intern(VM *vm, const char *s, size_t len)
{
    uint32_t h = strhash(s, len);
    for (Sym *y = vm->symtab[h & (vm->symcap - 1)]; y; y = y->chain)
        if (y->hash == h && y->len == len && !memcmp(y->name, s, len))
            return vobj(y);
    if (vm->nsyms >= vm->symcap) {
        size_t ncap = vm->symcap * 2;
        Sym **nt = calloc(ncap, sizeof *nt);
        if (!nt)
            vml_error(vm, VNIL, "out of memory (symbol table)");
        for (size_t i = 0; i < vm->symcap; i++)
            for (Sym *y = vm->symtab[i], *nx; y; y = nx) {
                nx = y->chain;
                y->chain = nt[y->hash & (ncap - 1)];
                nt[y->hash & (ncap - 1)] = y;
            }
        free(vm->symtab);
        vm->symtab = nt;
        vm->symcap = ncap;
    }
    Sym *y = vml_alloc(vm, T_SYM, sizeof *y + len + 1);
    /* symbols are never collected: unlink from the object list */
    vm->objects = y->h.gcnext;
    y->h.gcnext = NULL;
    y->value = VUNBOUND;
    y->special = 0;
    y->hash = h;
    y->len = len;
    memcpy(y->name, s, len);
    y->name[len] = 0;
    y->chain = vm->symtab[h & (vm->symcap - 1)];
    vm->symtab[h & (vm->symcap - 1)] = y;
    vm->nsyms++;
    return vobj(y);
}

Sym *vml_sym(VM *vm, const char *s) { return AS(Sym, vml_intern(vm, s, strlen(s))); }

V vml_vec(VM *vm, size_t n, V fill)
{
    VML_ROOT(vm, fill);
    if (n > ((size_t)1 << 40))
        vml_error(vm, VNIL, "out of memory (vector of %zu elements)", n);
    heap_reserve(vm, n * sizeof(V));
    Vec *v = vml_alloc(vm, T_VEC, sizeof *v);
    VML_UNROOT(vm, 1);
    v->n = 0;
    v->v = malloc((n ? n : 1) * sizeof(V));
    if (!v->v)
        vml_error(vm, VNIL, "out of memory (vector of %zu elements)", n);
    vm->bytes += n * sizeof(V);   /* obj_size counts the elements */
    for (size_t i = 0; i < n; i++)
        v->v[i] = fill;
    v->n = n;
    return vobj(v);
}

V vml_bvec(VM *vm, size_t n)
{
    if (n > ((size_t)1 << 40))
        vml_error(vm, VNIL, "out of memory (bytevector of %zu bytes)", n);
    heap_reserve(vm, n);
    Bvec *b = vml_alloc(vm, T_BVEC, sizeof *b);
    b->n = 0;
    b->b = calloc(n ? n : 1, 1);
    if (!b->b)
        vml_error(vm, VNIL, "out of memory (bytevector of %zu bytes)", n);
    vm->bytes += n;   /* obj_size counts the bytes */
    b->n = n;
    return vobj(b);
}

void vml_buf_reserve(VM *vm, V *buf, size_t need)
{
    if (buf->t != T_BVEC) {
        *buf = vml_bvec(vm, need < 4096 ? 4096 : need);
        return;
    }
    Bvec *b = AS(Bvec, *buf);
    if (b->n >= need)
        return;
    if (need > ((size_t)1 << 40))
        vml_error(vm, VNIL, "out of memory (buffer of %zu bytes)", need);
    size_t cap = b->n * 2 > need ? b->n * 2 : need;
    size_t room = vm->max_bytes > vm->bytes ? vm->max_bytes - vm->bytes : 0;
    if (cap - b->n > room && need - b->n <= room)   /* near the limit: no more than fits */
        cap = b->n + room;
    heap_reserve(vm, cap - b->n);   /* may collect: the caller roots *buf */
    uint8_t *nb = realloc(b->b, cap);
    if (!nb)
        vml_error(vm, VNIL, "out of memory (buffer of %zu bytes)", cap);
    vm->bytes += cap - b->n;   /* obj_size counts the bytes */
    b->b = nb;
    b->n = cap;
}

V vml_box(VM *vm, V v)
{
    VML_ROOT(vm, v);
    Box *b = vml_alloc(vm, T_BOX, sizeof *b);
    VML_UNROOT(vm, 1);
    b->v = v;
    return vobj(b);
}

V vml_prim(VM *vm, const char *name, vml_cfn fn, int minargs, int maxargs)
{
    Prim *p = vml_alloc(vm, T_PRIM, sizeof *p);
    p->fn = fn;
    p->minargs = minargs;
    p->maxargs = maxargs;
    p->name = name;
    p->data = VFALSE;
    p->cdata = NULL;
    return vobj(p);
}

Clo *vml_closure(VM *vm, Proto *p)
{
    Clo *c = vml_alloc(vm, T_CLO, sizeof *c + (size_t)p->nupv * sizeof(V));
    c->p = p;
    c->nupv = p->nupv;
    for (int i = 0; i < p->nupv; i++)
        c->upv[i] = VNIL;
    return c;
}

V vml_list(VM *vm, int n, ...)
{
    V items[16];
    va_list ap;
    va_start(ap, n);
    for (int i = 0; i < n && i < 16; i++)
        items[i] = va_arg(ap, V);
    va_end(ap);
    int nr = 0;
    for (int i = 0; i < n && i < 16; i++, nr++)
        VML_ROOT(vm, items[i]);
    V l = VNIL;
    VML_ROOT(vm, l);
    for (int i = n - 1; i >= 0; i--)
        l = vml_cons(vm, items[i], l);
    VML_UNROOT(vm, nr + 1);
    return l;
}

size_t vml_list_length(V l)
{
    size_t n = 0;
    V slow = l;   /* a circular list is not a proper one (Floyd: slow takes every other step) */
    while (l.t == T_PAIR) {
        n++;
        l = CDR(l);
        if (!(n & 1)) {
            slow = CDR(slow);
            if (l.t == T_PAIR && l.o == slow.o)
                return (size_t)-1;
        }
    }
    return l.t == T_NIL ? n : (size_t)-1;
}

/* ---- equality and hashing ---- */
int vml_eqv(V a, V b)
{
    if (a.t != b.t)
        return 0;
    if (a.t == T_FLO)
        return a.d == b.d || (a.d != a.d && b.d != b.d);
    if (a.t == T_STR && a.o != b.o)
        return 0;
    return a.u == b.u;
}

/* equal? on any structure, circular ones too: the walk keeps the pairs
 * still to compare on a stack of its own (no C recursion), and once it has
 * been long it remembers the pairs of objects it compared; a pair met again
 * is taken as equal, which is right (those compared form a bisimulation). */
#define EQ_REMEMBER 10000
typedef struct EqWalk { V *v; size_t n, cap; const void **seen; size_t scap, sn; V local[64]; } EqWalk;
static inline uint64_t mix(uint64_t x);

static int eq_push(EqWalk *w, V a, V b)
{
    if (w->n + 2 > w->cap) {
        size_t nc = w->cap * 2;
        V *nv = w->v == w->local ? malloc(nc * sizeof *nv) : realloc(w->v, nc * sizeof *nv);
        if (!nv)
            return -1;
        if (w->v == w->local)
            memcpy(nv, w->local, w->n * sizeof *nv);
        w->v = nv;
        w->cap = nc;
    }
    w->v[w->n++] = a;
    w->v[w->n++] = b;
    return 0;
}

/* 1: a and b were compared before; 0: not (now they are recorded); -1: no memory */
static int eq_seen(EqWalk *w, const void *a, const void *b)
{
    if ((w->sn + 1) * 2 > w->scap / 2) {
        size_t oc = w->scap / 2, nc = oc ? oc * 2 : 1024;
        const void **ns = calloc(nc * 2, sizeof *ns);
        if (!ns)
            return -1;
        for (size_t i = 0; i < oc; i++)
            if (w->seen[2 * i])
                for (size_t j = mix((uintptr_t)w->seen[2 * i] * 31 + (uintptr_t)w->seen[2 * i + 1]) & (nc - 1);; j = (j + 1) & (nc - 1))
                    if (!ns[2 * j]) {
                        ns[2 * j] = w->seen[2 * i];
                        ns[2 * j + 1] = w->seen[2 * i + 1];
                        break;
                    }
        free(w->seen);
        w->seen = ns;
        w->scap = nc * 2;
    }
    size_t mask = w->scap / 2 - 1;
    for (size_t j = mix((uintptr_t)a * 31 + (uintptr_t)b) & mask;; j = (j + 1) & mask) {
        if (!w->seen[2 * j]) {
            w->seen[2 * j] = a;
            w->seen[2 * j + 1] = b;
            w->sn++;
            return 0;
        }
        if (w->seen[2 * j] == a && w->seen[2 * j + 1] == b)
            return 1;
    }
}

/* 1: a and b are one object, or were compared before (so equal as far as
 * this walk is concerned); 0: compare them; -1: no memory */
static int eq_known(EqWalk *w, size_t *steps, V a, V b)
{
    if (a.o == b.o)
        return 1;
    return ++*steps > EQ_REMEMBER ? eq_seen(w, a.o, b.o) : 0;
}

int vml_equal(V a, V b)
{
    EqWalk w;
    w.v = w.local;
    w.n = 0;
    w.cap = sizeof w.local / sizeof w.local[0];
    w.seen = NULL;
    w.scap = w.sn = 0;
    size_t steps = 0;
    int r = 1, s;
    for (;;) {
        if (a.t != b.t) {
            r = 0;
            break;
        }
        switch (a.t) {
        case T_PAIR:
            if ((s = eq_known(&w, &steps, a, b)) > 0)
                break;
            if (s < 0 || eq_push(&w, CDR(a), CDR(b)) < 0) {
                r = 0;
                goto out;
            }
            b = CAR(b);
            a = CAR(a);
            continue;
        case T_STR:
            r = AS(Str, a)->len == AS(Str, b)->len && !memcmp(AS(Str, a)->s, AS(Str, b)->s, AS(Str, a)->len);
            break;
        case T_VEC: {
            Vec *x = AS(Vec, a), *y = AS(Vec, b);
            if (x->n != y->n) {
                r = 0;
                break;
            }
            if ((s = eq_known(&w, &steps, a, b)) > 0)
                break;
            if (s < 0) {
                r = 0;
                goto out;
            }
            for (size_t i = x->n; i-- > 0;)
                if (eq_push(&w, x->v[i], y->v[i]) < 0) {
                    r = 0;
                    goto out;
                }
            break;
        }
        case T_BVEC:
            r = AS(Bvec, a)->n == AS(Bvec, b)->n && !memcmp(AS(Bvec, a)->b, AS(Bvec, b)->b, AS(Bvec, a)->n);
            break;
        default:
            r = vml_eqv(a, b);
            break;
        }
        if (!r || w.n == 0)
            break;
        b = w.v[--w.n];
        a = w.v[--w.n];
    }
out:
    if (w.v != w.local)
        free(w.v);
    free(w.seen);
    return r;
}

static inline uint64_t mix(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    return x;
}

/* equal-hashing looks at most 8 elements of a list or vector and 8 levels
 * deep, so it ends on circular structures too */
static uint64_t hash_value(V v, int equal, int depth);
uint64_t vml_hash_value(V v, int equal) { return hash_value(v, equal, 0); }

static uint64_t hash_value(V v, int equal, int depth)
{
    if (equal) {
        switch (v.t) {
        case T_STR: return strhash(AS(Str, v)->s, AS(Str, v)->len);
        case T_PAIR: {
            uint64_t h = 17;
            int n = 0;
            while (v.t == T_PAIR && n++ < 8 && depth < 8) {
                h = h * 31 + hash_value(CAR(v), 1, depth + 1);
                v = CDR(v);
            }
            return mix(h);
        }
        case T_VEC: {
            uint64_t h = 19;
            Vec *x = AS(Vec, v);
            for (size_t i = 0; i < x->n && i < 8 && depth < 8; i++)
                h = h * 31 + hash_value(x->v[i], 1, depth + 1);
            return mix(h);
        }
        default: break;
        }
    }
    if (v.t == T_FLO && v.d == 0)
        return 0;
    return mix(v.u ^ ((uint64_t)v.t << 56));
}

static size_t ecap_of(size_t cap) { return cap - cap / 4; }
size_t vml_hash_bytes(size_t cap) { return cap * sizeof(uint32_t) + ecap_of(cap) * sizeof(HEnt); }

/* Where a key's probe sequence starts.  Integers hash to themselves, as in
 * Lua and CPython: keys near each other land near each other, which keeps
 * the caches and TLB warm on the common patterns; the perturbed probe
 * sequence (next_slot) spreads keys that share their low bits. */
static inline uint64_t key_hash(const Hash *h, V key, int slow)
{
    if (key.t == T_INT)
        return key.u;
    return slow ? vml_hash_value(key, h->weak_equal) : mix(key.u ^ ((uint64_t)key.t << 56));
}
static inline int slow_key(const Hash *h, V key) { return key.t == T_FLO || (h->weak_equal && key.t >= T_PAIR); }
#define next_slot(i, perturb, mask) ((perturb) >>= 5, (i) = ((i) * 5 + (perturb) + 1) & (mask))

/* A fresh index of cap free slots and room for cap * 3/4 entries (the
 * old entries moved over); on failure the table is unchanged. */
static void hash_resize(VM *vm, Hash *h, size_t cap)
{
    uint32_t *idx = calloc(cap, sizeof *idx);
    HEnt *e = idx ? malloc(ecap_of(cap) * sizeof *e) : NULL;
    if (!e) {
        free(idx);
        vml_error(vm, VNIL, "out of memory (hash table of %zu entries)", ecap_of(cap));
    }
    size_t n = 0, mask = cap - 1;
    for (size_t i = 0; i < h->n; i++) {
        V k = h->e[i].k;
        if (!VML_HASH_LIVE(k))
            continue;
        uint64_t perturb = key_hash(h, k, slow_key(h, k));
        size_t j = perturb & mask;
        while (idx[j])
            next_slot(j, perturb, mask);
        idx[j] = (uint32_t)(n + 1);
        e[n++] = h->e[i];
    }
    free(h->idx);
    free(h->e);
    if (h->cap)
        vm->bytes -= vml_hash_bytes(h->cap);
    vm->bytes += vml_hash_bytes(cap);
    h->idx = idx;
    h->e = e;
    h->cap = cap;
    h->n = h->count = n;
}

V vml_hash(VM *vm, int equal, size_t size)
{
    size_t c = 8;
    while (ecap_of(c) < size)
        c *= 2;
    heap_reserve(vm, sizeof(Hash) + vml_hash_bytes(c));
    Hash *h = vml_alloc(vm, T_HASH, sizeof *h);
    h->weak_equal = equal;
    h->cap = h->count = h->n = 0;
    h->idx = NULL;
    h->e = NULL;
    hash_resize(vm, h, c);   /* a failure leaves an empty table */
    return vobj(h);
}

/* Tombstones are keys tagged T_EOF with payload 1. */
static void set_tomb(V *k) { k->t = T_EOF; k->i = 1; }

/* The index slot of key, or the first free or deleted slot where it would
 * go (*found = 0).  Identical bits are eqv (and equal); only doubles (0.0 =
 * -0.0, NaNs) and, in equal tables, heap objects need a full comparison. */
static inline size_t find_slot(Hash *h, V key, int *found)
{
    size_t mask = h->cap - 1, dummy = (size_t)-1;
    int slow = slow_key(h, key);
    uint64_t perturb = key_hash(h, key, slow);
    size_t i = perturb & mask;
    for (;;) {
        uint32_t x = h->idx[i];
        if (x == 0) {
            *found = 0;
            return dummy != (size_t)-1 ? dummy : i;
        }
        if (x != VML_HASH_DUMMY) {
            V k = h->e[x - 1].k;
            if (k.t == key.t && (k.u == key.u || (slow && (h->weak_equal ? vml_equal(k, key) : vml_eqv(k, key))))) {
                *found = 1;
                return i;
            }
        } else if (dummy == (size_t)-1) {
            dummy = i;
        }
        next_slot(i, perturb, mask);
    }
}

V vml_hash_ref(VM *vm, V hv, V key, V dflt)
{
    (void)vm;
    Hash *h = AS(Hash, hv);
    int found;
    size_t i = find_slot(h, key, &found);
    return found ? h->e[h->idx[i] - 1].v : dflt;
}

void vml_hash_set(VM *vm, V hv, V key, V val)
{
    Hash *h = AS(Hash, hv);
    int found;
    size_t i = find_slot(h, key, &found);
    if (found) {
        h->e[h->idx[i] - 1].v = val;
        return;
    }
    if (h->n == ecap_of(h->cap)) {   /* entries full: drop the deleted ones, or grow */
        size_t cap = h->count * 2 >= h->n ? h->cap * 2 : h->cap;
        if (cap > h->cap)
            heap_reserve(vm, vml_hash_bytes(cap) - vml_hash_bytes(h->cap));   /* may collect: h is reachable */
        if (cap > ((size_t)1 << 32))
            vml_error(vm, VNIL, "hash table too large");
        hash_resize(vm, h, cap);
        i = find_slot(h, key, &found);
    }
    h->e[h->n].k = key;
    h->e[h->n].v = val;
    h->idx[i] = (uint32_t)++h->n;
    h->count++;
}

int vml_hash_del(VM *vm, V hv, V key)
{
    (void)vm;
    Hash *h = AS(Hash, hv);
    int found;
    size_t i = find_slot(h, key, &found);
    if (!found)
        return 0;
    HEnt *e = &h->e[h->idx[i] - 1];
    set_tomb(&e->k);
    e->v = VNIL;
    h->idx[i] = VML_HASH_DUMMY;
    h->count--;
    return 1;
}

void vml_hash_clear(VM *vm, V hv)
{
    (void)vm;
    Hash *h = AS(Hash, hv);
    memset(h->idx, 0, h->cap * sizeof *h->idx);
    h->n = h->count = 0;
}

void vml_heap_init(VM *vm)
{
    vm->symcap = 1024;
    vm->symtab = calloc(vm->symcap, sizeof *vm->symtab);
    const char *s = getenv("VVM_VML_GC_STRESS");
    vm->gc_stress = s && *s && *s != '0';
    const char *m = getenv("VVM_VML_HEAP_MB");
    /* the first collection comes early: at 4 MB (set_threshold) */
    vml_set_heap_limit(vm, m && atol(m) > 0 ? (size_t)atol(m) << 20 : (size_t)1 << 30);
}

void vml_heap_free(VM *vm)
{
    for (Obj *o = vm->objects, *n; o; o = n) {
        n = o->gcnext;
        free_obj(vm, o);
    }
    vm->objects = NULL;
    for (size_t i = 0; i < vm->symcap; i++)
        for (Sym *y = vm->symtab[i], *n; y; y = n) {
            n = y->chain;
            if (!y->h.sizeclass)
                free(y);
        }
    for (struct PoolSlab *p = vm->slabs, *n; p; p = n) {
        n = p->next;
        free(p);
    }
    vm->slabs = NULL;
    memset(vm->pool, 0, sizeof vm->pool);
    memset(vm->pool_next, 0, sizeof vm->pool_next);
    memset(vm->pool_end, 0, sizeof vm->pool_end);
    free(vm->symtab);
}
