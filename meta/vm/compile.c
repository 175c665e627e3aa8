/* compile: core forms (see expand.c) -> register bytecode (bytecode.isa).
 *
 * One pass per function, Lua-style: locals live in registers, temporaries
 * are allocated above them stack-wise, calls put the procedure and its
 * arguments in consecutive registers.  Closures capture only their free
 * variables, by value; a variable that is both assigned (set!) and captured
 * lives in a box.  letrec of lambdas needs no boxes: the closures are
 * created, then their captured slots patched (fixupv).  Tests in `if` compile
 * to compare-and-branch instructions; calls in tail position to tailcall. */
#include "meta/vm/vml.h"
#include "vml_ops.h"

#include <stdlib.h>
#include <string.h>

typedef struct Local { V name; int reg, boxed; } Local;
typedef struct Upv { V name; int instack, index, boxed; } Upv;

typedef struct JL { int idx[64]; int n; struct JL *more; } JL;

/* Blocks a function's compilation needs for a while (jump-list chunks,
 * letrec's prototype lists): freed with the function's other buffers when it
 * is finished or abandoned by an error (see guarded). */
typedef struct Scratch { struct Scratch *next; max_align_t data[]; } Scratch;

/* A named let whose name is only called in tail position of its own body:
 * compiled as a loop in the enclosing frame (params are registers, a
 * self-call is moves and a backward jump). */
typedef struct Loop { V name, params; int base, n, head; JL exit; struct Loop *prev; } Loop;

typedef struct FS {
    struct FS *parent;
    VM *vm;
    uint64_t *code;
    uint32_t *lines;
    size_t n, cap;
    V kvec;
    size_t nk;
    Local *locals;
    int nlocals, loccap;
    Upv *upv;
    int nupv, upvcap;
    int freereg, maxreg;
    uint32_t pos;
    uint16_t file;
    V assigned;                    /* hash of symbols that some set! targets */
    Loop *loop;                    /* innermost loop being compiled (tail mode 2 exits it) */
    int ncopies;                   /* loop tests copied to the back edge: (copy, original) */
    int copies[32][2];
    Scratch *scratch;
} FS;


#define ENC(op, a, b, c) ((uint64_t)(op) | (uint64_t)(uint16_t)(a) << 8 | (uint64_t)(uint16_t)(b) << 24 | (uint64_t)(uint16_t)(c) << 40)

_Noreturn static void cerr(FS *fs, V form, const char *fmt, const char *arg)
{
    VM *vm = fs->vm;
    uint32_t pos = form.t == T_PAIR && form.o->pos ? form.o->pos : fs->pos;
    uint16_t file = form.t == T_PAIR && form.o->pos ? form.o->file : fs->file;
    vml_error(vm, VNIL, "%s:%u:%u: %s%s", vm->files[file] ? vm->files[file] : "?", pos >> 12, pos & 4095, fmt, arg ? arg : "");
}

static int emit(FS *fs, uint64_t ins)
{
    if (fs->n == fs->cap) {
        fs->cap = fs->cap ? fs->cap * 2 : 64;
        uint64_t *c = realloc(fs->code, fs->cap * sizeof *c);
        uint32_t *l = realloc(fs->lines, fs->cap * sizeof *l);
        if (c) fs->code = c;
        if (l) fs->lines = l;
        if (!c || !l)
            vml_error(fs->vm, VNIL, "out of memory (compiling)");
    }
    fs->code[fs->n] = ins;
    fs->lines[fs->n] = fs->pos;
    return (int)fs->n++;
}

/* Is r the register of a variable in scope? */
static int is_local_reg(const FS *fs, int r)
{
    for (int i = 0; i < fs->nlocals; i++)
        if (fs->locals[i].reg == r)
            return 1;
    return 0;
}

static int reserve(FS *fs, int n)
{
    int r = fs->freereg;
    fs->freereg += n;
    if (fs->freereg > fs->maxreg)
        fs->maxreg = fs->freereg;
    if (fs->freereg > 60000)
        vml_error(fs->vm, VNIL, "procedure too large (more than 60000 registers)");
    return r;
}

static int addk(FS *fs, V v)
{
    Vec *kv = AS(Vec, fs->kvec);
    for (size_t i = 0; i < fs->nk; i++)
        if (kv->v[i].t == v.t && kv->v[i].u == v.u)
            return (int)i;
    if (fs->nk >= 65535)
        vml_error(fs->vm, VNIL, "procedure too large (more than 65535 constants)");
    if (fs->nk == kv->n) {
        size_t nn = kv->n ? kv->n * 2 : 16;
        V *p = realloc(kv->v, nn * sizeof(V));
        if (!p)
            vml_error(fs->vm, VNIL, "out of memory (compiling)");
        kv->v = p;
        for (size_t i = kv->n; i < nn; i++)
            p[i] = VNIL;
        fs->vm->bytes += (nn - kv->n) * sizeof(V);
        kv->n = nn;
    }
    kv->v[fs->nk] = v;
    return (int)fs->nk++;
}

static void *scratch(FS *fs, size_t n)
{
    Scratch *s = calloc(1, sizeof *s + n);
    if (!s)
        vml_error(fs->vm, VNIL, "out of memory (compiling)");
    s->next = fs->scratch;
    fs->scratch = s;
    return s->data;
}

static void jl_add(FS *fs, JL *l, int idx)
{
    while (l->n == 64) {
        if (!l->more)
            l->more = scratch(fs, sizeof *l->more);
        l = l->more;
    }
    l->idx[l->n++] = idx;
}

static void patch_one(FS *fs, int idx, int target)
{
    int64_t off = (int64_t)target - (idx + 1);
    uint64_t ins = fs->code[idx];
    int op = (int)(ins & 0xff);
    if (op == VML_OP_jmp) {
        fs->code[idx] = (ins & 0xffffffULL) | (uint64_t)(uint32_t)(int32_t)off << 24;
        return;
    }
    if (off < -32768 || off > 32767)
        vml_error(fs->vm, VNIL, "procedure too large (a branch spans more than 32767 instructions)");
    fs->code[idx] = (ins & ~(0xffffULL << 40)) | (uint64_t)(uint16_t)(int16_t)off << 40;
}

/* The conditional branches (target in sC, no effect but the jump). */
static int is_cbranch(int op)
{
    switch (op) {
    case VML_OP_jf: case VML_OP_jt: case VML_OP_jlt: case VML_OP_jle: case VML_OP_jgt: case VML_OP_jge:
    case VML_OP_jeq: case VML_OP_jne: case VML_OP_jlti: case VML_OP_jlei: case VML_OP_jgti: case VML_OP_jgei:
    case VML_OP_jeqi: case VML_OP_jnei: case VML_OP_jeqP: case VML_OP_jneqP: case VML_OP_jnull:
    case VML_OP_jnnull: case VML_OP_jpair: case VML_OP_jnpair:
        return 1;
    default:
        return 0;
    }
}

static void jl_patch(FS *fs, JL *l, int target)
{
    for (JL *p = l; p; p = p->more)
        for (int i = 0; i < p->n; i++)
            patch_one(fs, p->idx[i], target);
    l->more = NULL;   /* the chunks are freed with fs's scratch */
    l->n = 0;
}

static int here(FS *fs) { return (int)fs->n; }

/* ---- variables ---- */
enum { VAR_LOCAL, VAR_UPV, VAR_GLOBAL };

static int add_upv(FS *fs, V name, int instack, int index, int boxed)
{
    for (int i = 0; i < fs->nupv; i++)
        if (fs->upv[i].instack == instack && fs->upv[i].index == index && fs->upv[i].name.o == name.o)
            return i;
    if (fs->nupv == fs->upvcap) {
        fs->upvcap = fs->upvcap ? fs->upvcap * 2 : 8;
        Upv *u = realloc(fs->upv, (size_t)fs->upvcap * sizeof *u);
        if (!u)
            vml_error(fs->vm, VNIL, "out of memory (compiling)");
        fs->upv = u;
    }
    if (fs->nupv >= 65535)
        vml_error(fs->vm, VNIL, "too many free variables");
    fs->upv[fs->nupv] = (Upv){name, instack, index, boxed};
    return fs->nupv++;
}

static int resolve(FS *fs, V name, int *idx, int *boxed)
{
    for (int i = fs->nlocals - 1; i >= 0; i--)
        if (fs->locals[i].name.o == name.o) {
            *idx = fs->locals[i].reg;
            *boxed = fs->locals[i].boxed;
            return VAR_LOCAL;
        }
    for (int i = 0; i < fs->nupv; i++)
        if (fs->upv[i].name.o == name.o) {
            *idx = i;
            *boxed = fs->upv[i].boxed;
            return VAR_UPV;
        }
    if (!fs->parent)
        return VAR_GLOBAL;
    int pidx, pboxed;
    int kind = resolve(fs->parent, name, &pidx, &pboxed);
    if (kind == VAR_GLOBAL)
        return VAR_GLOBAL;
    *idx = add_upv(fs, name, kind == VAR_LOCAL, pidx, pboxed);
    *boxed = pboxed;
    return VAR_UPV;
}

static void add_local(FS *fs, V name, int reg, int boxed)
{
    if (fs->nlocals == fs->loccap) {
        fs->loccap = fs->loccap ? fs->loccap * 2 : 16;
        Local *l = realloc(fs->locals, (size_t)fs->loccap * sizeof *l);
        if (!l)
            vml_error(fs->vm, VNIL, "out of memory (compiling)");
        fs->locals = l;
    }
    fs->locals[fs->nlocals++] = (Local){name, reg, boxed};
}

/* ---- analysis ---- */
static void scan_assigned(VM *vm, V x, V set, int depth)
{
    if (depth > 10000)
        return;
    while (x.t == T_PAIR) {
        V h = CAR(x);
        if (h.t == T_SYM && h.o == &vm->s_quote->h)
            return;
        if (h.t == T_SYM && h.o == &vm->s_set->h && CDR(x).t == T_PAIR && CAR(CDR(x)).t == T_SYM)
            vml_hash_set(vm, set, CAR(CDR(x)), VTRUE);
        if (h.t == T_PAIR)
            scan_assigned(vm, h, set, depth + 1);
        x = CDR(x);
    }
}

static int occurs(V x, V name, int depth)
{
    if (depth > 10000)
        return 1;
    while (x.t == T_PAIR) {
        V h = CAR(x);
        if (h.t == T_SYM ? h.o == name.o : h.t == T_PAIR && occurs(h, name, depth + 1))
            return 1;
        x = CDR(x);
    }
    return x.t == T_SYM && x.o == name.o;
}

/* does name occur inside some lambda within x? */
static int in_lambda(VM *vm, V x, V name, int depth)
{
    if (depth > 10000)
        return 1;
    while (x.t == T_PAIR) {
        V h = CAR(x);
        if (h.t == T_SYM && h.o == &vm->s_lambda->h)
            return occurs(CDR(x), name, 0);
        if (h.t == T_SYM && h.o == &vm->s_quote->h)
            return 0;
        if (h.t == T_PAIR && in_lambda(vm, h, name, depth + 1))
            return 1;
        x = CDR(x);
    }
    return 0;
}

static int is_assigned(FS *fs, V name) { return vml_hash_ref(fs->vm, fs->assigned, name, VFALSE).t != T_FALSE; }

/* ---- expressions ---- */
static void comp(FS *fs, V x, int dst, int tail);
static Proto *comp_lambda(FS *fs, V x, V name);

static V nth(V l, int n)
{
    while (n-- > 0 && l.t == T_PAIR)
        l = CDR(l);
    return l.t == T_PAIR ? CAR(l) : VUNSPEC;
}

static int is_global_sym(FS *fs, V h)
{
    if (h.t != T_SYM)
        return 0;
    for (FS *f = fs; f; f = f->parent)
        for (int i = 0; i < f->nlocals; i++)
            if (f->locals[i].name.o == h.o)
                return 0;
    return 1;
}

/* A global still bound to the builtin primitive of its name: only then may
 * a call to it compile to a bytecode (after (define (car x) ...), code
 * compiled later calls the new definition). */
static int is_builtin_prim(FS *fs, V h)
{
    if (!is_global_sym(fs, h))
        return 0;
    V v = AS(Sym, h)->value;
    return v.t == T_PRIM && AS(Prim, v)->name && !strcmp(AS(Prim, v)->name, AS(Sym, h)->name);
}

static int is_small_int(V x) { return x.t == T_INT && x.i >= -32768 && x.i <= 32767; }

/* The register holding x: a local's own register, or a fresh temporary. */
static int anyreg(FS *fs, V x)
{
    if (x.t == T_SYM) {
        int idx, boxed;
        int kind = VAR_GLOBAL;
        for (int i = fs->nlocals - 1; i >= 0; i--)
            if (fs->locals[i].name.o == x.o) {
                kind = VAR_LOCAL;
                idx = fs->locals[i].reg;
                boxed = fs->locals[i].boxed;
                break;
            }
        if (kind == VAR_LOCAL && !boxed)
            return idx;
    }
    int r = reserve(fs, 1);
    comp(fs, x, r, 0);
    return r;
}

/* tail: 0 = value in dst, 1 = return it, 2 = value in dst then leave the innermost loop */
static void ret_if(FS *fs, int dst, int tail)
{
    if (tail == 1)
        emit(fs, ENC(VML_OP_ret, dst, 0, 0));
    else if (tail == 2)
        jl_add(fs, &fs->loop->exit, emit(fs, ENC(VML_OP_jmp, 0, 0, 0)));
}

static void load_const(FS *fs, V v, int dst)
{
    if (is_small_int(v))
        emit(fs, ENC(VML_OP_loadi, dst, (int16_t)v.i, 0));
    else
        emit(fs, ENC(VML_OP_loadk, dst, addk(fs, v), 0));
}

typedef struct { const char *name; int op, nargs, kind; } Inline;
enum { K_VAL, K_EFFECT3, K_REF /* (ref table key [default]): key, default in C, C+1 */ };
static const Inline inlines[] = {
    {"+", VML_OP_add, 2, K_VAL}, {"-", VML_OP_sub, 2, K_VAL}, {"*", VML_OP_mul, 2, K_VAL},
    {"/", VML_OP_div, 2, K_VAL}, {"<", VML_OP_lt, 2, K_VAL}, {"<=", VML_OP_le, 2, K_VAL},
    {">", VML_OP_gt, 2, K_VAL}, {">=", VML_OP_ge, 2, K_VAL}, {"=", VML_OP_numeq, 2, K_VAL},
    {"quotient", VML_OP_quotient, 2, K_VAL}, {"remainder", VML_OP_remainder, 2, K_VAL},
    {"modulo", VML_OP_modulo, 2, K_VAL}, {"eq?", VML_OP_eqP, 2, K_VAL}, {"not", VML_OP_not, 1, K_VAL},
    {"null?", VML_OP_nullP, 1, K_VAL}, {"pair?", VML_OP_pairP, 1, K_VAL}, {"cons", VML_OP_cons, 2, K_VAL},
    {"car", VML_OP_car, 1, K_VAL}, {"cdr", VML_OP_cdr, 1, K_VAL}, {"vector-ref", VML_OP_vector_ref, 2, K_VAL},
    {"vector-set!", VML_OP_vector_setX, 3, K_EFFECT3},
    {"hash-table-ref", VML_OP_hash_ref, 2, K_REF}, {"hash-table-ref", VML_OP_hash_ref, 3, K_REF},
    {"hash-ref", VML_OP_hash_ref, 2, K_REF}, {"hash-ref", VML_OP_hash_ref, 3, K_REF},
    {"hash-table-set!", VML_OP_hash_setX, 3, K_EFFECT3}, {"hash-set!", VML_OP_hash_setX, 3, K_EFFECT3},
};

/* An inlined primitive or a run-time instruction rule for (h args...), or -1. */
static int find_inline(FS *fs, V h, int nargs, int *kind)
{
    if (!is_global_sym(fs, h))
        return -1;
    V rule = vml_hash_ref(fs->vm, fs->vm->rules, h, VFALSE);
    if (rule.t == T_PAIR && CDR(rule).i == nargs) {
        *kind = K_VAL;
        return (int)CAR(rule).i;
    }
    if (!is_builtin_prim(fs, h))
        return -1;
    const char *name = AS(Sym, h)->name;
    for (size_t i = 0; i < sizeof inlines / sizeof inlines[0]; i++)
        if (inlines[i].nargs == nargs && !strcmp(inlines[i].name, name)) {
            *kind = inlines[i].kind;
            return inlines[i].op;
        }
    return -1;
}

/* Conditional jump: adds to l the jumps taken when x's truth == when_true. */
static void cjump(FS *fs, V x, int when_true, JL *l)
{
    VM *vm = fs->vm;
    if (x.t != T_PAIR && x.t != T_SYM) {
        if (TRUTHY(x) == when_true)
            jl_add(fs, l, emit(fs, ENC(VML_OP_jmp, 0, 0, 0)));
        return;
    }
    if (x.t == T_PAIR && x.o->pos) {
        fs->pos = x.o->pos;
    }
    if (x.t == T_PAIR && CAR(x).t == T_SYM) {
        V h = CAR(x);
        size_t n = vml_list_length(CDR(x));
        int save = fs->freereg;
        if (h.o == &vm->s_and->h || h.o == &vm->s_or->h) {
            int is_and = h.o == &vm->s_and->h;
            if (n == 0) {
                cjump(fs, vbool(is_and), when_true, l);
                return;
            }
            /* and, jumping when false: every part jumps to l when false */
            if (is_and != when_true) {
                for (V p = CDR(x); p.t == T_PAIR; p = CDR(p))
                    cjump(fs, CAR(p), when_true, l);
                return;
            }
            JL skip = {0};
            for (V p = CDR(x); p.t == T_PAIR; p = CDR(p)) {
                if (CDR(p).t == T_NIL)
                    cjump(fs, CAR(p), when_true, l);
                else
                    cjump(fs, CAR(p), !when_true, &skip);
            }
            jl_patch(fs, &skip, here(fs));
            return;
        }
        if (is_builtin_prim(fs, h)) {
            const char *name = AS(Sym, h)->name;
            if (n == 1 && !strcmp(name, "not")) {
                cjump(fs, nth(x, 1), !when_true, l);
                return;
            }
            if (n == 1 && (!strcmp(name, "null?") || !strcmp(name, "pair?"))) {
                int r = anyreg(fs, nth(x, 1));
                int op = name[0] == 'n' ? (when_true ? VML_OP_jnull : VML_OP_jnnull)
                                        : (when_true ? VML_OP_jpair : VML_OP_jnpair);
                jl_add(fs, l, emit(fs, ENC(op, r, 0, 0)));
                fs->freereg = save;
                return;
            }
            static const struct { const char *n; int op, neg, imm, negimm; } cmps[] = {
                {"<", VML_OP_jlt, VML_OP_jge, VML_OP_jlti, VML_OP_jgei},
                {"<=", VML_OP_jle, VML_OP_jgt, VML_OP_jlei, VML_OP_jgti},
                {">", VML_OP_jgt, VML_OP_jle, VML_OP_jgti, VML_OP_jlei},
                {">=", VML_OP_jge, VML_OP_jlt, VML_OP_jgei, VML_OP_jlti},
                {"=", VML_OP_jeq, VML_OP_jne, VML_OP_jeqi, VML_OP_jnei},
                {"eq?", VML_OP_jeqP, VML_OP_jneqP, -1, -1},
            };
            V rule = vml_hash_ref(vm, vm->rules, h, VFALSE);
            for (size_t i = 0; n == 2 && rule.t == T_FALSE && i < sizeof cmps / sizeof cmps[0]; i++)
                if (!strcmp(name, cmps[i].n)) {
                    int a = anyreg(fs, nth(x, 1));
                    V bx = nth(x, 2);
                    if (cmps[i].imm >= 0 && is_small_int(bx)) {
                        jl_add(fs, l, emit(fs, ENC(when_true ? cmps[i].imm : cmps[i].negimm, a, (int16_t)bx.i, 0)));
                    } else {
                        int b = anyreg(fs, bx);
                        jl_add(fs, l, emit(fs, ENC(when_true ? cmps[i].op : cmps[i].neg, a, b, 0)));
                    }
                    fs->freereg = save;
                    return;
                }
        }
    }
    int save = fs->freereg;
    int r = anyreg(fs, x);
    jl_add(fs, l, emit(fs, ENC(when_true ? VML_OP_jt : VML_OP_jf, r, 0, 0)));
    fs->freereg = save;
}

static void comp_var(FS *fs, V x, int dst)
{
    int idx, boxed;
    switch (resolve(fs, x, &idx, &boxed)) {
    case VAR_LOCAL:
        if (boxed)
            emit(fs, ENC(VML_OP_unbox, dst, idx, 0));
        else if (idx != dst)
            emit(fs, ENC(VML_OP_move, dst, idx, 0));
        break;
    case VAR_UPV:
        emit(fs, ENC(boxed ? VML_OP_upvbox : VML_OP_upv, dst, idx, 0));
        break;
    default:
        emit(fs, ENC(VML_OP_gget, dst, addk(fs, x), 0));
        break;
    }
}

static void comp_body_seq(FS *fs, V body, int dst, int tail)
{
    if (body.t == T_NIL) {
        load_const(fs, VUNSPEC, dst);
        ret_if(fs, dst, tail);
        return;
    }
    for (; body.t == T_PAIR; body = CDR(body)) {
        if (CDR(body).t == T_NIL) {
            comp(fs, CAR(body), dst, tail);
        } else {
            V e = CAR(body);
            if (e.t == T_SYM || e.t != T_PAIR)
                continue;   /* no effect */
            int save = fs->freereg;
            int r = reserve(fs, 1);
            comp(fs, e, r, 0);
            fs->freereg = save;
        }
    }
}

static int is_special(VM *vm, V h)
{
    Sym *s = AS(Sym, h);
    return s == vm->s_if || s == vm->s_and || s == vm->s_or || s == vm->s_let || s == vm->s_letrec ||
           s == vm->s_begin || s == vm->s_set || s == vm->s_define || s == vm->s_lambda || s == vm->s_quote;
}

static void comp_call(FS *fs, V x, int dst, int tail)
{
    V h = CAR(x);
    int n = (int)vml_list_length(CDR(x));
    if (fs->loop && h.t == T_SYM && h.o == fs->loop->name.o) {   /* a loop's self-call */
        Loop *L = fs->loop;
        int save = fs->freereg;
        int t = reserve(fs, n);
        int i = 0;
        /* an argument goes straight to its parameter unless a later argument reads that parameter */
        char direct[256];
        V pp = L->params;
        for (V p = CDR(x); p.t == T_PAIR; p = CDR(p), pp = CDR(pp), i++) {
            V pname = CAR(pp);
            int idx, boxed;
            resolve(fs, pname, &idx, &boxed);
            V a = CAR(p);
            /* control forms may write their target before they read the parameter */
            int early = a.t == T_PAIR && CAR(a).t == T_SYM && is_special(fs->vm, CAR(a)) && occurs(a, pname, 0);
            direct[i] = !boxed && idx == L->base + i && !early && !occurs(CDR(p), pname, 0);
            if (CAR(p).t == T_SYM && CAR(p).o == pname.o && !boxed && idx == L->base + i)
                direct[i] = 2;   /* unchanged */
            if (direct[i] == 1)
                comp(fs, CAR(p), L->base + i, 0);
            else if (direct[i] == 0)
                comp(fs, CAR(p), t + i, 0);
        }
        for (i = 0; i < n; i++)
            if (!direct[i])
                emit(fs, ENC(VML_OP_move, L->base + i, t + i, 0));
        /* a loop that starts with its test: the back edge repeats the test
         * (same branch, same target, fixed up in fs_finish) and falls
         * through to what follows the original, one dispatch per turn */
        if ((size_t)L->head < fs->n && is_cbranch((int)(fs->code[L->head] & 0xff)) && fs->ncopies < 32) {
            int c = emit(fs, fs->code[L->head]);
            fs->lines[c] = fs->lines[L->head];
            fs->copies[fs->ncopies][0] = c;
            fs->copies[fs->ncopies++][1] = L->head;
            patch_one(fs, emit(fs, ENC(VML_OP_jmp, 0, 0, 0)), L->head + 1);
        } else {
            patch_one(fs, emit(fs, ENC(VML_OP_jmp, 0, 0, 0)), L->head);
        }
        fs->freereg = save;
        return;
    }
    int kind;
    int op = find_inline(fs, h, n, &kind);
    int save = fs->freereg;
    if (op >= 0) {
        if (n == 2 && (op == VML_OP_add || op == VML_OP_sub) && is_small_int(nth(x, 2)) && nth(x, 2).i != -32768 &&
            fs->vm->userop[op].proc.t == T_FALSE) {   /* a replaced add/sub is not bypassed by addi */
            int b = anyreg(fs, nth(x, 1));
            int64_t c = op == VML_OP_add ? nth(x, 2).i : -nth(x, 2).i;
            emit(fs, ENC(VML_OP_addi, dst, b, (int16_t)c));
        } else if (n == 2 && (op == VML_OP_add || op == VML_OP_sub || op == VML_OP_mul || op == VML_OP_div) &&
                   fs->vm->userop[op].proc.t == T_FALSE &&
                   (nth(x, 2).t == T_FLO || (nth(x, 2).t == T_INT && (op == VML_OP_mul || op == VML_OP_div || !is_small_int(nth(x, 2)))))) {
            int b = anyreg(fs, nth(x, 1));
            int kop = op == VML_OP_add ? VML_OP_addk : op == VML_OP_sub ? VML_OP_subk : op == VML_OP_mul ? VML_OP_mulk : VML_OP_divk;
            emit(fs, ENC(kop, dst, b, addk(fs, nth(x, 2))));
        } else if (kind == K_REF) {
            int b = anyreg(fs, nth(x, 1));
            int c = reserve(fs, 2);
            comp(fs, nth(x, 2), c, 0);
            if (n == 3)
                comp(fs, nth(x, 3), c + 1, 0);
            else
                load_const(fs, VFALSE, c + 1);
            emit(fs, ENC(op, dst, b, c));
        } else if (kind == K_EFFECT3) {
            int a = anyreg(fs, nth(x, 1));
            int b = anyreg(fs, nth(x, 2));
            int c = anyreg(fs, nth(x, 3));
            emit(fs, ENC(op, a, b, c));
            load_const(fs, VUNSPEC, dst);
        } else {
            int b = n >= 1 ? anyreg(fs, nth(x, 1)) : 0;
            int c = n >= 2 ? anyreg(fs, nth(x, 2)) : 0;
            emit(fs, ENC(op, dst, b, c));
        }
        fs->freereg = save;
        ret_if(fs, dst, tail);
        return;
    }
    /* (+ a b c ...) folds left */
    if (n > 2 && is_builtin_prim(fs, h) && (!strcmp(AS(Sym, h)->name, "+") || !strcmp(AS(Sym, h)->name, "*"))) {
        int opx = AS(Sym, h)->name[0] == '+' ? VML_OP_add : VML_OP_mul;
        int acc = reserve(fs, 1);
        int a0 = anyreg(fs, nth(x, 1));
        int a1 = anyreg(fs, nth(x, 2));
        emit(fs, ENC(opx, acc, a0, a1));
        fs->freereg = acc + 1;
        for (V p = CDR(CDR(CDR(x))); p.t == T_PAIR; p = CDR(p)) {
            int s2 = fs->freereg;
            if (CAR(p).t == T_FLO || (CAR(p).t == T_INT && !is_small_int(CAR(p)))) {
                emit(fs, ENC(opx == VML_OP_add ? VML_OP_addk : VML_OP_mulk, acc, acc, addk(fs, CAR(p))));
            } else {
                int b = anyreg(fs, CAR(p));
                emit(fs, ENC(opx, acc, acc, b));
            }
            fs->freereg = s2;
        }
        if (acc != dst)   /* the last step writes dst itself (its operands are read first) */
            fs->code[fs->n - 1] = (fs->code[fs->n - 1] & ~((uint64_t)0xffff << 8)) | (uint64_t)(uint16_t)dst << 8;
        fs->freereg = save;
        ret_if(fs, dst, tail);
        return;
    }
    if (n > 250)
        cerr(fs, x, "too many arguments in a call (at most 250)", NULL);
    /* When dst is a fresh temporary on top of the registers (nothing above it
     * is live and no variable lives in it), the call's frame starts at dst
     * and the result needs no move: (+ (f a) (g b)) puts f's frame in the
     * first operand's register, as Lua does.  (A variable's register is never
     * used: the procedure would overwrite it before the arguments read it.) */
    int base = tail != 1 && dst == fs->freereg - 1 && !is_local_reg(fs, dst) ? dst : reserve(fs, 1);
    uint32_t pos = fs->pos;
    comp(fs, h, base, 0);
    /* each argument's register is reserved just before it is compiled, so an
     * argument that is itself a call gets its frame there (the same rule) */
    int i = 1;
    for (V p = CDR(x); p.t == T_PAIR; p = CDR(p), i++) {
        if (reserve(fs, 1) != base + i)
            cerr(fs, x, "internal error: a call's registers are not contiguous", NULL);
        comp(fs, CAR(p), base + i, 0);
    }
    fs->pos = pos;
    if (tail == 1) {
        emit(fs, ENC(VML_OP_tailcall, base, n, 0));
    } else {
        emit(fs, ENC(VML_OP_call, base, n, 0));
        if (base != dst)
            emit(fs, ENC(VML_OP_move, dst, base, 0));
        fs->freereg = save;
        ret_if(fs, dst, tail);
    }
    fs->freereg = save;
}

static void comp_let(FS *fs, V x, int dst, int tail)
{
    V binds = nth(x, 1), body = nth(x, 2);
    int save = fs->freereg, savel = fs->nlocals;
    int n = (int)vml_list_length(binds);
    int base = reserve(fs, n);
    int i = 0;
    for (V b = binds; b.t == T_PAIR; b = CDR(b), i++) {
        V init = nth(CAR(b), 1);
        if (init.t == T_PAIR && CAR(init).o == &fs->vm->s_lambda->h && CAR(init).t == T_SYM) {
            Proto *p = comp_lambda(fs, init, CAR(CAR(b)));
            emit(fs, ENC(VML_OP_closure, base + i, addk(fs, vobj(p)), 0));
        } else {
            comp(fs, init, base + i, 0);
        }
    }
    i = 0;
    for (V b = binds; b.t == T_PAIR; b = CDR(b), i++) {
        V name = CAR(CAR(b));
        int boxed = is_assigned(fs, name) && in_lambda(fs->vm, body, name, 0);
        if (boxed)
            emit(fs, ENC(VML_OP_box, base + i, 0, 0));
        add_local(fs, name, base + i, boxed);
    }
    comp(fs, body, dst, tail);
    fs->nlocals = savel;
    fs->freereg = save;
}

static int is_lambda(FS *fs, V x) { return x.t == T_PAIR && CAR(x).t == T_SYM && CAR(x).o == &fs->vm->s_lambda->h; }

/* Is every use of name in x a call with n arguments in tail position (tp)? */
static int loop_ok(VM *vm, V x, V name, int tp, int n, int depth)
{
    if (depth > 5000)
        return 0;
    if (x.t == T_SYM)
        return x.o != name.o;
    if (x.t != T_PAIR)
        return 1;
    V h = CAR(x);
    if (h.t == T_SYM) {
        Sym *s = AS(Sym, h);
        if (s == vm->s_quote)
            return 1;
        if (s == vm->s_if)
            return loop_ok(vm, nth(x, 1), name, 0, n, depth + 1) && loop_ok(vm, nth(x, 2), name, tp, n, depth + 1) &&
                   loop_ok(vm, nth(x, 3), name, tp, n, depth + 1);
        if (s == vm->s_define || s == vm->s_set)
            return nth(x, 1).o != name.o && loop_ok(vm, nth(x, 2), name, 0, n, depth + 1);
        if (s == vm->s_lambda)
            return !occurs(CDR(x), name, 0);
        if (s == vm->s_begin || s == vm->s_and || s == vm->s_or) {
            for (V p = CDR(x); p.t == T_PAIR; p = CDR(p))
                if (!loop_ok(vm, CAR(p), name, CDR(p).t == T_NIL ? tp : 0, n, depth + 1))
                    return 0;
            return 1;
        }
        if (s == vm->s_let || s == vm->s_letrec) {
            for (V b = nth(x, 1); b.t == T_PAIR; b = CDR(b))
                if (CAR(CAR(b)).o == name.o || !loop_ok(vm, nth(CAR(b), 1), name, 0, n, depth + 1))
                    return 0;
            return loop_ok(vm, nth(x, 2), name, tp, n, depth + 1);
        }
        if (h.o == name.o) {
            if (!tp || (int)vml_list_length(CDR(x)) != n)
                return 0;
            for (V p = CDR(x); p.t == T_PAIR; p = CDR(p))
                if (!loop_ok(vm, CAR(p), name, 0, n, depth + 1))
                    return 0;
            return 1;
        }
    }
    for (V p = x; p.t == T_PAIR; p = CDR(p))
        if (!loop_ok(vm, CAR(p), name, 0, n, depth + 1))
            return 0;
    return 1;
}

/* (letrec ((name (lambda params body))) (name args...)) as a loop, when it can be */
static int comp_loop(FS *fs, V x, int dst, int tail)
{
    VM *vm = fs->vm;
    V binds = nth(x, 1), call = nth(x, 2);
    if (binds.t != T_PAIR || CDR(binds).t != T_NIL)
        return 0;
    V name = CAR(CAR(binds)), lam = nth(CAR(binds), 1);
    if (!is_lambda(fs, lam) || call.t != T_PAIR || CAR(call).o != name.o || is_assigned(fs, name))
        return 0;
    V params = nth(lam, 1), body = nth(lam, 2);
    size_t n = vml_list_length(params);
    if (n == (size_t)-1 || n > 200 || vml_list_length(CDR(call)) != n || occurs(CDR(call), name, 0))
        return 0;
    for (V p = params; p.t == T_PAIR; p = CDR(p))
        if (CAR(p).t != T_SYM || CAR(p).o == name.o)
            return 0;
    if (!loop_ok(vm, body, name, 1, (int)n, 0))
        return 0;
    int save = fs->freereg, savel = fs->nlocals;
    int base = reserve(fs, (int)n);
    int i = 0;
    for (V p = CDR(call); p.t == T_PAIR; p = CDR(p), i++)
        comp(fs, CAR(p), base + i, 0);
    i = 0;
    for (V p = params; p.t == T_PAIR; p = CDR(p), i++)
        add_local(fs, CAR(p), base + i, is_assigned(fs, CAR(p)) && in_lambda(vm, body, CAR(p), 0));
    Loop L;
    memset(&L, 0, sizeof L);
    L.name = name;
    L.params = params;
    L.base = base;
    L.n = (int)n;
    L.head = here(fs);
    L.prev = fs->loop;
    for (int j = savel; j < fs->nlocals; j++)
        if (fs->locals[j].boxed)
            emit(fs, ENC(VML_OP_box, fs->locals[j].reg, 0, 0));
    fs->loop = &L;
    int btail = tail == 1 ? 1 : 2;
    comp(fs, body, dst, btail);
    fs->loop = L.prev;
    if (btail == 2) {
        jl_patch(fs, &L.exit, here(fs));
        ret_if(fs, dst, tail);
    }
    fs->nlocals = savel;
    fs->freereg = save;
    return 1;
}

static void comp_letrec(FS *fs, V x, int dst, int tail)
{
    if (comp_loop(fs, x, dst, tail))
        return;
    V binds = nth(x, 1), body = nth(x, 2);
    int save = fs->freereg, savel = fs->nlocals;
    int n = (int)vml_list_length(binds);
    int base = reserve(fs, n);
    Proto **protos = scratch(fs, ((size_t)n + 1) * sizeof *protos);
    /* A closure patched after a later non-lambda init has run is patched
     * through a copy in a register of its own: that code may have assigned
     * the variable (and a boxed variable's register holds its box). */
    int copies = -1, lambdas = 0;
    for (V b = binds; b.t == T_PAIR; b = CDR(b))
        if (is_lambda(fs, nth(CAR(b), 1)))
            lambdas = 1;
        else if (lambdas && copies < 0)
            copies = reserve(fs, n);
    int i = 0;
    for (V b = binds; b.t == T_PAIR; b = CDR(b), i++) {
        V name = CAR(CAR(b));
        int boxed = 0;
        if (is_assigned(fs, name) && in_lambda(fs->vm, x, name, 0))
            boxed = 1;
        /* a non-lambda init at or before this one that captures it would see it uninitialised */
        int j = 0;
        for (V c = binds; !boxed && j <= i; c = CDR(c), j++)
            if (!is_lambda(fs, nth(CAR(c), 1)) && in_lambda(fs->vm, nth(CAR(c), 1), name, 0))
                boxed = 1;
        if (boxed) {
            emit(fs, ENC(VML_OP_loadk, base + i, addk(fs, VUNSPEC), 0));
            emit(fs, ENC(VML_OP_box, base + i, 0, 0));
        } else {
            emit(fs, ENC(VML_OP_loadk, base + i, addk(fs, VUNSPEC), 0));
        }
        add_local(fs, name, base + i, boxed);
    }
    i = 0;
    for (V b = binds; b.t == T_PAIR; b = CDR(b), i++) {
        V init = nth(CAR(b), 1);
        Local *lv = &fs->locals[savel + i];
        int boxed = lv->boxed;
        int target = boxed ? reserve(fs, 1) : base + i;
        if (is_lambda(fs, init)) {
            protos[i] = comp_lambda(fs, init, CAR(CAR(b)));
            emit(fs, ENC(VML_OP_closure, target, addk(fs, vobj(protos[i])), 0));
            if (copies >= 0)
                emit(fs, ENC(VML_OP_move, copies + i, target, 0));
        } else {
            comp(fs, init, target, 0);
        }
        if (boxed) {
            emit(fs, ENC(VML_OP_setbox, base + i, target, 0));
            fs->freereg--;
        }
        /* patch closures made so far that captured this variable before it was set */
        if (!boxed)
            for (int k = 0; k <= i; k++) {
                if (!protos[k])
                    continue;
                for (int u = 0; u < protos[k]->nupv; u++)
                    if (protos[k]->upv_instack[u] && protos[k]->upv_index[u] == base + i) {
                        if (copies >= 0) {
                            emit(fs, ENC(VML_OP_fixupv, copies + k, u, base + i));
                        } else if (fs->locals[savel + k].boxed) {   /* that closure is in a box */
                            int t = reserve(fs, 1);
                            emit(fs, ENC(VML_OP_unbox, t, base + k, 0));
                            emit(fs, ENC(VML_OP_fixupv, t, u, base + i));
                            fs->freereg--;
                        } else {
                            emit(fs, ENC(VML_OP_fixupv, base + k, u, base + i));
                        }
                    }
            }
    }
    comp(fs, body, dst, tail);
    fs->nlocals = savel;
    fs->freereg = save;
}

static void comp(FS *fs, V x, int dst, int tail)
{
    VM *vm = fs->vm;
    if (x.t == T_SYM) {
        int idx, boxed;
        if (tail == 1 && resolve(fs, x, &idx, &boxed) == VAR_LOCAL && !boxed) {
            emit(fs, ENC(VML_OP_ret, idx, 0, 0));
            return;
        }
        comp_var(fs, x, dst);
        ret_if(fs, dst, tail);
        return;
    }
    if (x.t != T_PAIR) {
        if (x.t == T_NIL)
            cerr(fs, x, "empty application ()", NULL);
        load_const(fs, x, dst);
        ret_if(fs, dst, tail);
        return;
    }
    uint32_t savepos = fs->pos;
    if (x.o->pos) {
        fs->pos = x.o->pos;
        fs->file = x.o->file;
    }
    V h = CAR(x);
    if (h.t == T_SYM) {
        Sym *s = AS(Sym, h);
        int local = !is_global_sym(fs, h);
        if (!local && s == vm->s_quote) {
            load_const(fs, nth(x, 1), dst);
            ret_if(fs, dst, tail);
        } else if (!local && s == vm->s_if) {
            JL f = {0};
            cjump(fs, nth(x, 1), 0, &f);
            comp(fs, nth(x, 2), dst, tail);
            if (tail) {
                jl_patch(fs, &f, here(fs));
                comp(fs, vml_list_length(x) > 3 ? nth(x, 3) : VUNSPEC, dst, tail);
            } else {
                int j = emit(fs, ENC(VML_OP_jmp, 0, 0, 0));
                jl_patch(fs, &f, here(fs));
                comp(fs, vml_list_length(x) > 3 ? nth(x, 3) : VUNSPEC, dst, 0);
                patch_one(fs, j, here(fs));
            }
        } else if (!local && s == vm->s_define) {
            V name = nth(x, 1), e = nth(x, 2);
            int save = fs->freereg;
            int r = reserve(fs, 1);
            if (is_lambda(fs, e)) {
                Proto *p = comp_lambda(fs, e, name);
                emit(fs, ENC(VML_OP_closure, r, addk(fs, vobj(p)), 0));
            } else {
                comp(fs, e, r, 0);
            }
            emit(fs, ENC(VML_OP_gdef, r, addk(fs, name), 0));
            fs->freereg = save;
            load_const(fs, VUNSPEC, dst);
            ret_if(fs, dst, tail);
        } else if (!local && s == vm->s_set) {
            V name = nth(x, 1);
            int idx, boxed;
            int kind = resolve(fs, name, &idx, &boxed);
            int save = fs->freereg;
            if (kind == VAR_LOCAL && !boxed) {
                comp(fs, nth(x, 2), idx, 0);
            } else {
                int r = anyreg(fs, nth(x, 2));
                if (kind == VAR_LOCAL)
                    emit(fs, ENC(VML_OP_setbox, idx, r, 0));
                else if (kind == VAR_UPV && boxed)
                    emit(fs, ENC(VML_OP_setupvbox, r, idx, 0));
                else if (kind == VAR_UPV)
                    cerr(fs, x, "internal error: set! of an unboxed captured variable", NULL);
                else
                    emit(fs, ENC(VML_OP_gset, r, addk(fs, name), 0));
            }
            fs->freereg = save;
            load_const(fs, VUNSPEC, dst);
            ret_if(fs, dst, tail);
        } else if (!local && s == vm->s_lambda) {
            Proto *p = comp_lambda(fs, x, VFALSE);
            emit(fs, ENC(VML_OP_closure, dst, addk(fs, vobj(p)), 0));
            ret_if(fs, dst, tail);
        } else if (!local && s == vm->s_begin) {
            comp_body_seq(fs, CDR(x), dst, tail);
        } else if (!local && s == vm->s_let) {
            comp_let(fs, x, dst, tail);
        } else if (!local && s == vm->s_letrec) {
            comp_letrec(fs, x, dst, tail);
        } else if (!local && (s == vm->s_and || s == vm->s_or)) {
            int is_and = s == vm->s_and;
            if (CDR(x).t == T_NIL) {
                load_const(fs, vbool(is_and), dst);
                ret_if(fs, dst, tail);
            } else {
                JL end = {0};
                for (V p = CDR(x); p.t == T_PAIR; p = CDR(p)) {
                    if (CDR(p).t == T_NIL) {
                        comp(fs, CAR(p), dst, tail);
                    } else {
                        comp(fs, CAR(p), dst, 0);
                        jl_add(fs, &end, emit(fs, ENC(is_and ? VML_OP_jf : VML_OP_jt, dst, 0, 0)));
                    }
                }
                jl_patch(fs, &end, here(fs));
                ret_if(fs, dst, tail);
            }
        } else {
            comp_call(fs, x, dst, tail);
        }
    } else {
        comp_call(fs, x, dst, tail);
    }
    fs->pos = savepos;
}

static void fs_init(FS *fs, VM *vm, FS *parent)
{
    memset(fs, 0, sizeof *fs);
    fs->vm = vm;
    fs->parent = parent;
    fs->kvec = vml_vec(vm, 0, VNIL);
    VML_ROOT(vm, fs->kvec);
    if (parent) {
        fs->assigned = parent->assigned;
        fs->pos = parent->pos;
        fs->file = parent->file;
    }
}

/* Frees what fs holds outside the heap (the prototype owns code and lines once made). */
static void fs_release(FS *fs)
{
    free(fs->code);
    free(fs->lines);
    free(fs->locals);
    free(fs->upv);
    fs->code = NULL;
    fs->lines = NULL;
    fs->locals = NULL;
    fs->upv = NULL;
    for (Scratch *s = fs->scratch, *nx; s; s = nx) {
        nx = s->next;
        free(s);
    }
    fs->scratch = NULL;
}

static Proto *fs_finish(FS *fs, int nparams, int rest, V name, uint32_t pos)
{
    VM *vm = fs->vm;
    for (int i = 0; i < fs->ncopies; i++) {   /* a copied loop test jumps where the original does */
        int c = fs->copies[i][0], h = fs->copies[i][1];
        patch_one(fs, c, h + 1 + (int16_t)(fs->code[h] >> 40));
    }
    VML_ROOT(vm, name);
    Proto *p = vml_alloc(vm, T_PROTO, sizeof *p);
    VML_UNROOT(vm, 1);
    memset((char *)p + sizeof(Obj), 0, sizeof *p - sizeof(Obj));
    p->code = fs->code;
    p->lines = fs->lines;
    fs->code = NULL;
    fs->lines = NULL;
    p->ncode = fs->n;
    p->nk = fs->nk;
    p->k = malloc((fs->nk ? fs->nk : 1) * sizeof(V));
    p->nupv = fs->nupv;
    p->upv_instack = malloc((size_t)fs->nupv + 1);
    p->upv_index = malloc(((size_t)fs->nupv + 1) * sizeof(uint16_t));
    p->upv_names = malloc(((size_t)fs->nupv + 1) * sizeof(V));
    if (!p->k || !p->upv_instack || !p->upv_index || !p->upv_names) {
        p->nk = 0;
        p->nupv = 0;
        vml_error(vm, VNIL, "out of memory (compiling)");
    }
    memcpy(p->k, AS(Vec, fs->kvec)->v, fs->nk * sizeof(V));
    for (int i = 0; i < fs->nupv; i++) {
        p->upv_instack[i] = (uint8_t)fs->upv[i].instack;
        p->upv_index[i] = (uint16_t)fs->upv[i].index;
        p->upv_names[i] = fs->upv[i].name;
    }
    p->nparams = nparams;
    p->rest = rest;
    p->nregs = fs->maxreg + 1;
    p->name = name;
    p->file = fs->file;
    p->pos = pos;
    vm->bytes += fs->n * 12 + fs->nk * sizeof(V) + (size_t)fs->nupv * (3 + sizeof(V));
    fs_release(fs);
    VML_UNROOT(vm, 1);   /* kvec */
    return p;
}

/* Runs body(fs, x, name) with a handler: if compiling raises an error, what
 * fs holds outside the heap is freed before the error goes on. */
static Proto *guarded(FS *fs, V x, V name, Proto *(*body)(FS *, V, V))
{
    VM *vm = fs->vm;
    Handler h;
    HANDLER_ENTER(vm, h);
    if (setjmp(h.jb) != 0) {
        vm->handler = h.prev;
        fs_release(fs);
        vml_raise(vm, h.value);
    }
    Proto *p = body(fs, x, name);
    vm->handler = h.prev;
    return p;
}

static Proto *lambda_body(FS *fs, V x, V name);

static Proto *comp_lambda(FS *parent, V x, V name)
{
    FS fs;
    fs_init(&fs, parent->vm, parent);
    return guarded(&fs, x, name, lambda_body);
}

static Proto *lambda_body(FS *fs, V x, V name)
{
    VM *vm = fs->vm;
    if (x.o->pos) {
        fs->pos = x.o->pos;
        fs->file = x.o->file;
    }
    uint32_t pos = fs->pos;
    V params = nth(x, 1), body = nth(x, 2);
    int n = 0, rest = 0;
    V p;
    for (p = params; p.t == T_PAIR; p = CDR(p)) {
        if (CAR(p).t != T_SYM)
            cerr(fs, x, "a parameter must be a symbol", NULL);
        add_local(fs, CAR(p), reserve(fs, 1), 0);
        n++;
    }
    if (p.t == T_SYM) {
        rest = 1;
        add_local(fs, p, reserve(fs, 1), 0);
    } else if (p.t != T_NIL) {
        cerr(fs, x, "bad parameter list", NULL);
    }
    if (n > 250)
        cerr(fs, x, "too many parameters (at most 250)", NULL);
    for (int i = 0; i < fs->nlocals; i++)
        if (is_assigned(fs, fs->locals[i].name) && in_lambda(vm, body, fs->locals[i].name, 0)) {
            fs->locals[i].boxed = 1;
            emit(fs, ENC(VML_OP_box, fs->locals[i].reg, 0, 0));
        }
    int dst = reserve(fs, 1);
    comp(fs, body, dst, 1);
    return fs_finish(fs, n, rest, name, pos);
}

static Proto *toplevel_body(FS *fs, V x, V name)
{
    (void)name;
    /* not a tail call: the form's own frame stays, so a backtrace names it */
    int dst = reserve(fs, 1);
    comp(fs, x, dst, 0);
    ret_if(fs, dst, 1);
    Proto *p = fs_finish(fs, 0, 0, VFALSE, fs->pos);
    p->toplevel = 1;
    return p;
}

V vml_compile_toplevel(VM *vm, V form) { return vml_compile_toplevel_at(vm, form, 0, 0); }

V vml_compile_toplevel_at(VM *vm, V form, uint16_t file, uint32_t pos)
{
    VML_ROOT(vm, form);
    V x = vml_expand(vm, form);
    VML_ROOT(vm, x);
    V assigned = vml_hash(vm, 0, 16);
    VML_ROOT(vm, assigned);
    scan_assigned(vm, x, assigned, 0);
    FS fs;
    fs_init(&fs, vm, NULL);
    fs.assigned = assigned;
    fs.pos = pos;
    fs.file = file;
    if (form.t == T_PAIR && form.o->pos) {
        fs.pos = form.o->pos;
        fs.file = form.o->file;
    }
    Proto *p = guarded(&fs, x, VFALSE, toplevel_body);
    V pv = vobj(p);
    VML_ROOT(vm, pv);
    Clo *c = vml_closure(vm, p);
    VML_UNROOT(vm, 4);
    return vobj(c);
}
