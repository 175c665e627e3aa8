/* interp: the meta VM's threaded interpreter (computed goto), its C helpers,
 * run-time instruction definition and the disassembler.
 *
 * The instruction bodies and the dispatch table are generated from
 * bytecode.isa (vml_interp.inc, vml_labels.inc).  The live dispatch table is
 * vm->dispatch: define-instruction points an opcode's entry at the generic
 * handler, which calls the instruction's procedure, so new or replaced
 * bytecodes take effect without recompiling the interpreter.
 *
 * Frames live in vm->frames, values in one mmap'd stack (it never moves), so
 * a vml->vml call uses no C stack; deep recursion ends in a clean "stack
 * overflow" error.  C primitives that call back (vml_apply) nest run(). */
#include "meta/vm/vml.h"
#include "vml_ops.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const struct { const char *name; int fmt; const char *kinds; } op_info[] = {
#define X(cn, name, fmt, kinds) {name, fmt, kinds},
    VML_OP_LIST(X)
#undef X
};

/* ---- helpers named by (call ...) in bytecode.isa ---- */
static V vml_op_gget(VM *vm, V sym)
{
    V v = AS(Sym, sym)->value;
    if (v.t == T_UNBOUND) {
        if (vml_autoload(vm, AS(Sym, sym), 0))
            return vml_op_gget(vm, sym);
        vml_error(vm, VNIL, "unbound variable: %s", AS(Sym, sym)->name);
    }
    return v;
}

static V vml_op_gset(VM *vm, V sym, V val)
{
    if (AS(Sym, sym)->value.t == T_UNBOUND && !AS(Sym, sym)->value.i)   /* else a prelude name not loaded yet */
        vml_error(vm, VNIL, "set! of an undefined variable: %s", AS(Sym, sym)->name);
    AS(Sym, sym)->value = val;
    return VUNSPEC;
}

static V vml_op_gdef(VM *vm, V sym, V val)
{
    AS(Sym, sym)->value = val;
    if (val.t == T_CLO && AS(Clo, val)->p->name.t == T_FALSE)
        AS(Clo, val)->p->name = sym;
    return VUNSPEC;
}

static V vml_op_box(VM *vm, V v) { return vml_box(vm, v); }
static int vml_op_compare(VM *vm, int op, V a, V b) { return vml_compare(vm, op, a, b); }
static V vml_op_arith(VM *vm, int op, V a, V b) { return vml_arith(vm, op, a, b); }
static int vml_op_eq(VM *vm, V a, V b) { (void)vm; return a.t == b.t && a.u == b.u; }
static V vml_op_cons(VM *vm, V a, V b) { return vml_cons(vm, a, b); }
static V vml_op_car(VM *vm, V p)
{
    if (p.t != T_PAIR)
        vml_type_error(vm, "car", "a pair", p);
    return CAR(p);
}
static V vml_op_cdr(VM *vm, V p)
{
    if (p.t != T_PAIR)
        vml_type_error(vm, "cdr", "a pair", p);
    return CDR(p);
}
static V vml_op_vector_ref(VM *vm, V v, V i)
{
    if (v.t != T_VEC)
        vml_type_error(vm, "vector-ref", "a vector", v);
    if (i.t != T_INT)
        vml_type_error(vm, "vector-ref", "an integer index", i);
    if ((uint64_t)i.i >= AS(Vec, v)->n)
        vml_error(vm, vml_list(vm, 2, v, i), "vector-ref: index %lld out of range (length %zu)", (long long)i.i, AS(Vec, v)->n);
    return AS(Vec, v)->v[i.i];
}
static V vml_op_hash_ref(VM *vm, V h, V k, V dflt)
{
    if (h.t != T_HASH)
        vml_type_error(vm, "hash-table-ref", "a hash table", h);
    return vml_hash_ref(vm, h, k, dflt);
}
static V vml_op_hash_set(VM *vm, V h, V k, V x)
{
    if (h.t != T_HASH)
        vml_type_error(vm, "hash-table-set!", "a hash table", h);
    vml_hash_set(vm, h, k, x);
    return VUNSPEC;
}
static V vml_op_vector_set(VM *vm, V v, V i, V x)
{
    if (v.t != T_VEC)
        vml_type_error(vm, "vector-set!", "a vector", v);
    if (i.t != T_INT)
        vml_type_error(vm, "vector-set!", "an integer index", i);
    if ((uint64_t)i.i >= AS(Vec, v)->n)
        vml_error(vm, vml_list(vm, 2, v, i), "vector-set!: index %lld out of range (length %zu)", (long long)i.i, AS(Vec, v)->n);
    AS(Vec, v)->v[i.i] = x;
    return VUNSPEC;
}

static const char *arith_names[] = {"+", "-", "*", "/", "quotient", "remainder", "modulo"};

V vml_arith(VM *vm, int op, V a, V b)
{
    if (a.t == T_INT && b.t == T_INT) {
        int64_t x = a.i, y = b.i;
        switch (op) {
        case 0: return vint((int64_t)((uint64_t)x + (uint64_t)y));
        case 1: return vint((int64_t)((uint64_t)x - (uint64_t)y));
        case 2: return vint((int64_t)((uint64_t)x * (uint64_t)y));
        default:
            if (y == 0)
                vml_error(vm, vml_list(vm, 2, a, b), "%s: division by zero", arith_names[op]);
            if (y == -1)   /* INT64_MIN / -1 wraps */
                return op == 3 || op == 4 ? vint((int64_t)(0 - (uint64_t)x)) : vint(0);
            switch (op) {
            case 3: return x % y == 0 ? vint(x / y) : vflo((double)x / (double)y);
            case 4: return vint(x / y);
            case 5: return vint(x % y);
            default: {
                int64_t m = x % y;
                if (m != 0 && ((m < 0) != (y < 0)))
                    m += y;
                return vint(m);
            }
            }
        }
    }
    if ((a.t != T_INT && a.t != T_FLO))
        vml_type_error(vm, arith_names[op], "a number", a);
    if ((b.t != T_INT && b.t != T_FLO))
        vml_type_error(vm, arith_names[op], "a number", b);
    double x = a.t == T_INT ? (double)a.i : a.d, y = b.t == T_INT ? (double)b.i : b.d;
    switch (op) {
    case 0: return vflo(x + y);
    case 1: return vflo(x - y);
    case 2: return vflo(x * y);
    case 3: return vflo(x / y);
    case 4: return vflo(trunc(x / y));
    case 5: return vflo(fmod(x, y));
    default: {
        double m = fmod(x, y);
        if (m != 0 && ((m < 0) != (y < 0)))
            m += y;
        return vflo(m);
    }
    }
}

int vml_compare(VM *vm, int op, V a, V b)
{
    static const char *names[] = {"<", "<=", ">", ">=", "="};
    if (a.t == T_INT && b.t == T_INT) {
        int64_t x = a.i, y = b.i;
        switch (op) {
        case 0: return x < y;
        case 1: return x <= y;
        case 2: return x > y;
        case 3: return x >= y;
        default: return x == y;
        }
    }
    if (a.t != T_INT && a.t != T_FLO)
        vml_type_error(vm, names[op], "a number", a);
    if (b.t != T_INT && b.t != T_FLO)
        vml_type_error(vm, names[op], "a number", b);
    double x = a.t == T_INT ? (double)a.i : a.d, y = b.t == T_INT ? (double)b.i : b.d;
    switch (op) {
    case 0: return x < y;
    case 1: return x <= y;
    case 2: return x > y;
    case 3: return x >= y;
    default: return x == y;
    }
}

static void interrupted(VM *vm)
{
    vm->interrupt = 0;
    vml_error(vm, VNIL, "interrupted");
}

_Noreturn static void arity_error(VM *vm, V fn, int n)
{
    char buf[128];
    if (fn.t == T_CLO) {
        Proto *p = AS(Clo, fn)->p;
        vml_error(vm, VNIL, "%s: wrong number of arguments: expected %s%d, got %d",
                  vml_tostring(vm, p->name.t == T_SYM ? p->name : vml_cstr(vm, "#<procedure>"), 1, buf, sizeof buf),
                  p->rest ? "at least " : "", p->nparams, n);
    }
    Prim *p = AS(Prim, fn);
    if (p->maxargs < 0)
        vml_error(vm, VNIL, "%s: wrong number of arguments: expected at least %d, got %d", p->name, p->minargs, n);
    if (p->minargs == p->maxargs)
        vml_error(vm, VNIL, "%s: wrong number of arguments: expected %d, got %d", p->name, p->minargs, n);
    vml_error(vm, VNIL, "%s: wrong number of arguments: expected %d to %d, got %d", p->name, p->minargs, p->maxargs, n);
}

/* Checks arity and gathers rest arguments.  The other registers keep what
 * they hold (see VM.stack_hw): compiled code writes a register before it
 * reads it. */
static inline void enter(VM *vm, V fn, Proto *p, V *nb, int n)
{
    if (nb + p->nregs + 256 >= vm->stack_end || vm->nframes >= vm->maxframes)
        vml_error(vm, VNIL, "stack overflow (recursion deeper than the meta VM allows)");
    vml_stack_hw(vm, nb + p->nregs);
    if (n != p->nparams) {
        if (!p->rest || n < p->nparams)
            arity_error(vm, fn, n);
        V l = VNIL;
        VML_ROOT(vm, l);
        V *savetop = vm->top;
        if (vm->top < nb + n)
            vm->top = nb + n;
        for (int i = n - 1; i >= p->nparams; i--)
            l = vml_cons(vm, nb[i], l);
        vm->top = savetop;
        VML_UNROOT(vm, 1);
        nb[p->nparams] = l;
    } else if (p->rest) {
        nb[n] = VNIL;
    }
}

static V call_prim(VM *vm, V f, int n, V *args)
{
    Prim *pr = AS(Prim, f);
    if (n < pr->minargs || (pr->maxargs >= 0 && n > pr->maxargs))
        arity_error(vm, f, n);
    return pr->fn(vm, n, args, f);
}

/* Runs the closure in slot[0] with slot[1..argc]; slot == NULL only sets up
 * the dispatch table. */
static V run(VM *vm, V *slot, int argc)
{
    static void *labels[] = {
#include "vml_labels.inc"
        &&L_user, &&L_bad,
    };
    if (!vm->dispatch) {
        vm->dispatch = malloc(256 * sizeof(void *));
        if (!vm->dispatch)
            abort();
        for (int i = 0; i < 256; i++)
            vm->dispatch[i] = labels[i < VML_NBUILTIN_OPS ? i : VML_NBUILTIN_OPS + 1];
#if defined(__GNUC__) && !defined(__clang__) && __GNUC__ >= 12
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdangling-pointer"   /* label addresses live as long as the code */
#endif
        vm->generic_label = labels[VML_NBUILTIN_OPS];
#if defined(__GNUC__) && !defined(__clang__) && __GNUC__ >= 12
#pragma GCC diagnostic pop
#endif
        return VUNSPEC;
    }
    void **disp = vm->dispatch;
    V fn = slot[0];
    Clo *cl = AS(Clo, fn);
    V *base = slot + 1;
    enter(vm, fn, cl->p, base, argc);
    Frame *fr = &vm->frames[vm->nframes++];
    fr->cl = cl;
    fr->base = base;
    fr->entry = 1;
    const uint64_t *pc = cl->p->code;
    fr->pc = pc;
    V *k = cl->p->k;
    vm->top = base + cl->p->nregs;
    uint64_t ins;

#define R(i) base[i]
#define K(i) k[i]
#define A_ ((int)((ins >> 8) & 0xffff))
#define B_ ((int)((ins >> 24) & 0xffff))
#define C_ ((int)((ins >> 40) & 0xffff))
#define SB_ ((int16_t)(ins >> 24))
#define SC_ ((int16_t)(ins >> 40))
#define SJ_ ((int32_t)(uint32_t)(ins >> 24))
#define SAVEPC() (fr->pc = pc)
#define NEXT() do { ins = *pc++; goto *disp[ins & 0xff]; } while (0)
#define CASE(name) L_##name:
#define JUMP(off) do { int32_t o_ = (off); pc += o_; \
        if (o_ < 0 && vm->interrupt) { SAVEPC(); interrupted(vm); } } while (0)
#define FRAME_upv() (R(A_) = cl->upv[B_])
#define FRAME_upvbox() (R(A_) = AS(Box, cl->upv[B_])->v)
#define FRAME_setupvbox() (AS(Box, cl->upv[B_])->v = R(A_))
#define FRAME_unbox() (R(A_) = AS(Box, R(B_))->v)
#define FRAME_setbox() (AS(Box, R(A_))->v = R(B_))
#define FRAME_fixupv() (AS(Clo, R(A_))->upv[B_] = R(C_))
#define FRAME_closure() do { \
        Proto *p_ = AS(Proto, K(B_)); SAVEPC(); \
        Clo *c_ = vml_closure(vm, p_); \
        for (int i_ = 0; i_ < p_->nupv; i_++) \
            c_->upv[i_] = p_->upv_instack[i_] ? R(p_->upv_index[i_]) : cl->upv[p_->upv_index[i_]]; \
        R(A_) = vobj(c_); } while (0)
#define FRAME_call() do { \
        V f_ = R(A_); int n_ = B_; SAVEPC(); \
        if (f_.t == T_CLO) { \
            Clo *c_ = AS(Clo, f_); V *nb_ = &R(A_ + 1); \
            enter(vm, f_, c_->p, nb_, n_); \
            fr = &vm->frames[vm->nframes++]; fr->cl = c_; fr->base = nb_; fr->entry = 0; \
            cl = c_; base = nb_; k = c_->p->k; pc = c_->p->code; fr->pc = pc; \
            vm->top = base + c_->p->nregs; \
            if (vm->interrupt) interrupted(vm); \
        } else if (f_.t == T_PRIM) { \
            V r_ = call_prim(vm, f_, n_, &R(A_ + 1)); R(A_) = r_; \
        } else { \
            vml_error(vm, vml_list(vm, 1, f_), "not a procedure: %s", vml_tostring(vm, f_, 0, tsbuf, sizeof tsbuf)); \
        } } while (0)
#define FRAME_tailcall() do { \
        V f_ = R(A_); int n_ = B_; SAVEPC(); \
        if (f_.t == T_CLO) { \
            Clo *c_ = AS(Clo, f_); \
            memmove(base - 1, &R(A_), (size_t)(n_ + 1) * sizeof(V)); \
            enter(vm, f_, c_->p, base, n_); \
            fr->cl = c_; cl = c_; k = c_->p->k; pc = c_->p->code; fr->pc = pc; \
            vm->top = base + c_->p->nregs; \
            if (vm->interrupt) interrupted(vm); \
        } else if (f_.t == T_PRIM) { \
            V r_ = call_prim(vm, f_, n_, &R(A_ + 1)); R(A_) = r_; \
            DO_RET(A_); \
        } else { \
            vml_error(vm, vml_list(vm, 1, f_), "not a procedure: %s", vml_tostring(vm, f_, 0, tsbuf, sizeof tsbuf)); \
        } } while (0)
#define DO_RET(a) do { \
        V r_ = R(a); int entry_ = fr->entry; \
        vm->nframes--; base[-1] = r_; \
        if (entry_) { vm->top = base - 1; return r_; } \
        fr = &vm->frames[vm->nframes - 1]; cl = fr->cl; base = fr->base; pc = fr->pc; k = cl->p->k; \
        vm->top = base + cl->p->nregs; } while (0)
#define FRAME_ret() DO_RET(A_)

    char tsbuf[128];
    NEXT();
#include "vml_interp.inc"
L_user: {
        UserOp *u = &vm->userop[ins & 0xff];
        SAVEPC();
        V args[2] = {R(B_), R(C_)};
        V r = vml_apply(vm, u->proc, u->nargs, args);
        R(A_) = r;
        NEXT();
    }
L_bad:
    SAVEPC();
    vml_error(vm, VNIL, "undefined bytecode %d", (int)(ins & 0xff));
}

V vml_apply(VM *vm, V fn, int argc, V *argv)
{
    if (fn.t == T_PRIM)
        return call_prim(vm, fn, argc, argv);
    if (fn.t != T_CLO) {
        char buf[128];
        vml_error(vm, vml_list(vm, 1, fn), "not a procedure: %s", vml_tostring(vm, fn, 0, buf, sizeof buf));
    }
    if (vm->cdepth > 2000 || vm->ncroots > VML_MAX_CROOTS - 256)   /* C stack, C roots */
        vml_error(vm, VNIL, "stack overflow (too many nested calls through C primitives)");
    V *slot = vm->top;
    if (slot + argc + 300 >= vm->stack_end)
        vml_error(vm, VNIL, "stack overflow (recursion deeper than the meta VM allows)");
    vml_stack_hw(vm, slot + argc + 1);
    if (argc > 0)
        memmove(slot + 1, argv, (size_t)argc * sizeof(V));
    slot[0] = fn;
    V *savetop = vm->top;
    vm->top = slot + argc + 1;
    vm->cdepth++;
    V r = run(vm, slot, argc);
    vm->cdepth--;
    vm->top = savetop;
    return r;
}

void vml_interp_init(VM *vm)
{
    run(vm, NULL, 0);
    vm->nops = VML_NBUILTIN_OPS;
    for (int i = 0; i < VML_NBUILTIN_OPS; i++) {
        snprintf(vm->opnames[i], sizeof vm->opnames[i], "%s", op_info[i].name);
        vm->opformat[i] = op_info[i].fmt;
    }
}

static int replaceable(int op)
{
    static const int ok[] = {VML_OP_add, VML_OP_sub, VML_OP_mul, VML_OP_div, VML_OP_quotient, VML_OP_remainder,
                             VML_OP_modulo, VML_OP_lt, VML_OP_le, VML_OP_gt, VML_OP_ge, VML_OP_numeq, VML_OP_eqP,
                             VML_OP_not, VML_OP_nullP, VML_OP_pairP, VML_OP_cons, VML_OP_car, VML_OP_cdr,
                             VML_OP_vector_ref};
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++)
        if (ok[i] == op)
            return 1;
    return 0;
}

V vml_define_instruction(VM *vm, V name, int nargs, V proc, V rule)
{
    if (name.t != T_SYM)
        vml_type_error(vm, "define-instruction", "a symbol", name);
    if (proc.t != T_CLO && proc.t != T_PRIM)
        vml_type_error(vm, "define-instruction", "a procedure for (sem ...)", proc);
    const char *nm = AS(Sym, name)->name;
    int op = -1;
    for (int i = 0; i < vm->nops; i++)
        if (!strcmp(vm->opnames[i], nm))
            op = i;
    if (op >= 0 && op < VML_NBUILTIN_OPS) {
        if (!replaceable(op))
            vml_error(vm, VNIL, "define-instruction: %s controls the interpreter and cannot be replaced", nm);
        int want = vm->opformat[op] == VML_FMT_AB ? 1 : 2;
        if (nargs != want)
            vml_error(vm, VNIL, "define-instruction: %s takes %d operand(s)", nm, want);
    }
    if (op < 0) {
        if (vm->nops >= 256)
            vml_error(vm, VNIL, "define-instruction: all 256 opcodes are in use");
        op = vm->nops++;
        snprintf(vm->opnames[op], sizeof vm->opnames[op], "%s", nm);
        vm->opformat[op] = nargs == 0 ? VML_FMT_A : nargs == 1 ? VML_FMT_AB : VML_FMT_ABC;
    }
    vm->userop[op].proc = proc;
    vm->userop[op].nargs = nargs;
    vm->userop[op].name = name;
    vm->dispatch[op] = vm->generic_label;
    if (rule.t == T_SYM)
        vml_hash_set(vm, vm->rules, rule, vml_cons(vm, vint(op), vint(nargs)));
    return vint(op);
}

/* ---- disassembler ---- */
static void disasm_proto(VM *vm, FILE *f, Proto *p, int depth)
{
    char buf[256];
    if (depth > 20)
        return;
    fprintf(f, "procedure %s: %d param%s%s, %d registers, %d free variable%s",
            p->name.t == T_SYM ? AS(Sym, p->name)->name : "(anonymous)", p->nparams, p->nparams == 1 ? "" : "s",
            p->rest ? " + rest" : "", p->nregs, p->nupv, p->nupv == 1 ? "" : "s");
    for (int i = 0; i < p->nupv; i++)
        fprintf(f, "%s%s", i ? " " : " (", AS(Sym, p->upv_names[i])->name);
    fprintf(f, "%s; %s:%u:%u\n", p->nupv ? ")" : "", vm->files[p->file] ? vm->files[p->file] : "?", p->pos >> 12, p->pos & 4095);
    for (size_t i = 0; i < p->ncode; i++) {
        uint64_t ins = p->code[i];
        int op = (int)(ins & 0xff);
        int fmt = vm->opformat[op];
        int a = A_, b = B_, c = C_;
        fprintf(f, "  %4zu  %4u:%-3u %-12s", i, p->lines[i] >> 12, p->lines[i] & 4095, vm->opnames[op]);
        const char *kinds = op < VML_NBUILTIN_OPS ? op_info[op].kinds : (fmt == VML_FMT_A ? "r" : fmt == VML_FMT_AB ? "rr" : "rrr");
        int vals[3] = {0, 0, 0};
        switch (fmt) {
        case VML_FMT_sJ: vals[0] = SJ_; break;
        case VML_FMT_AsC: vals[0] = a; vals[1] = SC_; break;
        case VML_FMT_AsB: vals[0] = a; vals[1] = SB_; break;
        case VML_FMT_ABsC: vals[0] = a; vals[1] = op_info[op].kinds[1] == 'i' ? SB_ : b; vals[2] = SC_; break;
        default: vals[0] = a; vals[1] = b; vals[2] = c; break;
        }
        for (int j = 0; kinds[j] && j < 3; j++) {
            switch (kinds[j]) {
            case 'r': fprintf(f, " r%d", vals[j]); break;
            case 'i': case 'u': fprintf(f, " %d", vals[j]); break;
            case 'n': fprintf(f, " upv%d", vals[j]); break;
            case 'j': fprintf(f, " ->%zu", i + 1 + (size_t)(ptrdiff_t)vals[j]); break;
            case 'k':
                fprintf(f, " k%d=%s", vals[j], vml_tostring(vm, p->k[vals[j]], 0, buf, 60));
                break;
            }
        }
        fputc('\n', f);
    }
    for (size_t i = 0; i < p->nk; i++)
        if (p->k[i].t == T_PROTO) {
            fputc('\n', f);
            disasm_proto(vm, f, AS(Proto, p->k[i]), depth + 1);
        }
}

int vml_disassemble(VM *vm, FILE *f, V proc)
{
    if (proc.t != T_CLO)
        return -1;
    disasm_proto(vm, f, AS(Clo, proc)->p, 0);
    return 0;
}
