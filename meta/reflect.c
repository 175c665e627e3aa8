/* reflect: the meta level's hold on a running machine (see reflect.h). */
#include "meta/reflect.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/aspace.h"
#include "meta/vm/prims.h"
#include "meta/vm/vml.h"

struct vvm_reflect {
    VM *vm;
    pthread_mutex_t lock;
    vvm_weaver *w;
    const eng_isa *isa;
    const char *(*syscall_name)(long nr);
    /* the advice of .vml code: a vector indexed by join point of lists of
     * (handle . procedure), in weaving order (rooted in the VM) */
    V table;
    V cpu_type;                 /* the record type of cpu values (never bound to a name) */
    V syscalls;                 /* define-syscall's: a hash, number -> procedure */
    int any_syscalls;           /* it has any, read without the lock */
    int64_t next_handle;
    int woven[VVM_JP_COUNT];    /* the weaver's id of this join point's trampoline, 0: none */
    int started;
    /* the vCPU of the advice running (NULL: none), and the generation its
     * cpu values carry (a cpu value of an earlier one is refused) */
    eng_vcpu *cur;
    int64_t gen;
};

/* the join point's event as advice sees it: fired before, or (syscall-exit)
 * after */
static vvm_when jp_when(vvm_jp jp) { return jp == VVM_JP_SYSCALL_EXIT ? VVM_AFTER : VVM_BEFORE; }

static vvm_reflect *self_of(V self) { return AS(Prim, self)->cdata; }

/* ---- cpu values and registers ---- */

static eng_vcpu *cpu_arg(VM *vm, vvm_reflect *r, const char *who, V c)
{
    if (c.t != T_REC || &AS(Rec, c)->rt->h != r->cpu_type.o)
        vml_error(vm, vml_list(vm, 1, c), "%s: expected a cpu value, got %s", who, vml_typename(c));
    if (!r->cur || AS(Rec, c)->f[0].i != r->gen)
        vml_error(vm, VNIL, "%s: this cpu value belongs to advice that has returned", who);
    return r->cur;
}

/* (reg CPU NAME ...) and (set-reg! CPU NAME ...): the register's field in
 * the ISA's vCPU (*size bytes, at most 8), or NULL for the zero register */
static char *reg_field(VM *vm, V self, const char *who, V *argv, size_t *size)
{
    vvm_reflect *r = self_of(self);
    eng_vcpu *v = cpu_arg(vm, r, who, argv[0]);
    V name = argv[1];
    const char *n = name.t == T_SYM ? AS(Sym, name)->name : name.t == T_STR ? AS(Str, name)->s : NULL;
    if (!n)
        vml_error(vm, vml_list(vm, 1, name), "%s: a register is named by a symbol, got %s", who, vml_typename(name));
    for (unsigned k = 0; k < r->isa->nregs; k++)
        if (!strcmp(r->isa->regs[k].name, n) || (r->isa->reg_name && !strcmp(r->isa->reg_name(k), n))) {
            *size = r->isa->regs[k].size < 8 ? r->isa->regs[k].size : 8;
            return (int)k == r->isa->zero_reg ? NULL : (char *)eng_vcpu_outer(v) + r->isa->regs[k].offset;
        }
    vml_error(vm, vml_list(vm, 1, name), "%s: %s has no register %s", who, r->isa->name, n);
}

PRIM(p_reg)
{
    UNUSED;
    size_t size;
    const char *f = reg_field(vm, self, "reg", argv, &size);
    uint64_t x = 0;
    if (f)
        memcpy(&x, f, size);
    return vint((int64_t)x);
}

PRIM(p_set_reg)
{
    UNUSED;
    size_t size;
    char *f = reg_field(vm, self, "set-reg!", argv, &size);
    if (argv[2].t != T_INT)
        vml_error(vm, vml_list(vm, 1, argv[2]), "set-reg!: the value is an integer, got %s", vml_typename(argv[2]));
    if (!f)
        return VFALSE;  /* the zero register stays zero */
    uint64_t x = (uint64_t)argv[2].i;
    memcpy(f, &x, size);
    return vbool(1);
}

/* ---- memory ---- */

static uint64_t addr_arg(VM *vm, const char *who, V a)
{
    if (a.t != T_INT)
        vml_error(vm, vml_list(vm, 1, a), "%s: the address is an integer, got %s", who, vml_typename(a));
    return (uint64_t)a.i;
}

PRIM(p_mem_read)
{
    UNUSED;
    vvm_reflect *r = self_of(self);
    eng_vcpu *v = cpu_arg(vm, r, "mem-read", argv[0]);
    uint64_t a = addr_arg(vm, "mem-read", argv[1]);
    if (argv[2].t != T_INT || argv[2].i < 0 || argv[2].i > (1 << 24))
        vml_error(vm, vml_list(vm, 1, argv[2]), "mem-read: the length is an integer from 0 to 16M");
    V b = vml_bvec(vm, (size_t)argv[2].i);
    if (!v->as || vvm_copy_from_guest(v->as, AS(Bvec, b)->b, a, (size_t)argv[2].i) < 0)
        vml_error(vm, VNIL, "mem-read: the guest cannot read %lld bytes at 0x%llx", (long long)argv[2].i,
                  (unsigned long long)a);
    return b;
}

PRIM(p_mem_write)
{
    UNUSED;
    vvm_reflect *r = self_of(self);
    eng_vcpu *v = cpu_arg(vm, r, "mem-write!", argv[0]);
    uint64_t a = addr_arg(vm, "mem-write!", argv[1]);
    if (argv[2].t != T_BVEC)
        vml_error(vm, vml_list(vm, 1, argv[2]), "mem-write!: expected a bytevector, got %s", vml_typename(argv[2]));
    Bvec *b = AS(Bvec, argv[2]);
    if (!v->as || vvm_copy_to_guest(v->as, a, b->b, b->n) < 0)
        vml_error(vm, VNIL, "mem-write!: the guest cannot write %zu bytes at 0x%llx", b->n, (unsigned long long)a);
    return VFALSE;
}

PRIM(p_mem_string)
{
    vvm_reflect *r = self_of(self);
    eng_vcpu *v = cpu_arg(vm, r, "mem-string", argv[0]);
    uint64_t a = addr_arg(vm, "mem-string", argv[1]);
    int64_t max = 4096;
    if (argc > 2) {
        if (argv[2].t != T_INT || argv[2].i < 1 || argv[2].i > (1 << 24))
            vml_error(vm, vml_list(vm, 1, argv[2]), "mem-string: the most bytes to read is an integer from 1 to 16M");
        max = argv[2].i;
    }
    int err = 0;
    /* (the NUL counts: max + 1 bytes, a string of max at most) */
    char *s = v->as ? vvm_strdup_from_guest(v->as, a, (size_t)max + 1, &err) : NULL;
    if (!s)
        vml_error(vm, VNIL, "mem-string: %s at 0x%llx",
                  err == -ENAMETOOLONG ? "no NUL in the bytes allowed" : "the guest cannot read the string",
                  (unsigned long long)a);
    V str = vml_cstr(vm, s);
    free(s);
    return str;
}

/* Advice (or a defined call) runs on the vCPU of the ISA's vCPU structure
 * vcpu, under the lock, from advice_begin to advice_end; cpu_value gives
 * it a cpu value, good until then. */
static void advice_begin(vvm_reflect *r, const void *vcpu)
{
    pthread_mutex_lock(&r->lock);
    r->cur = (eng_vcpu *)(void *)((char *)vcpu + r->isa->vcpu_offset);
    r->gen++;
}
static V cpu_value(vvm_reflect *r)
{
    Rec *c = vml_alloc(r->vm, T_REC, sizeof *c + sizeof(V));
    c->rt = AS(Rtype, r->cpu_type);
    c->n = 1;
    c->f[0] = vint(r->gen);
    return vobj(c);
}
static void advice_end(vvm_reflect *r)
{
    r->cur = NULL;
    r->gen++;
    pthread_mutex_unlock(&r->lock);
}

/* what failed (res: what it raised, or what it returned when ok), after a
 * line saying so */
static void advice_failed(vvm_reflect *r, const char *what, int ok, V res)
{
    fflush(stdout);
    fprintf(stderr, "vvm: %s:\n", what);
    if (ok) {
        fprintf(stderr, "error: it returned %s, not an integer\n", vml_typename(res));
        return;
    }
    int quiet = r->vm->quiet;
    r->vm->quiet = 0;
    vml_print_error(r->vm, res, stderr);
    r->vm->quiet = quiet;
}

/* ---- weaving ---- */

static void on_event(const vvm_jp_event *ev, void *user);

PRIM(p_advise)
{
    UNUSED;
    vvm_reflect *r = self_of(self);
    V j = argv[0];
    const char *name = j.t == T_SYM ? AS(Sym, j)->name : j.t == T_STR ? AS(Str, j)->s : NULL;
    int jp = name ? vvm_jp_lookup(name) : -1;
    if (jp < 0)
        vml_error(vm, vml_list(vm, 1, j), "advise: no join point %s (vvm info lists them)",
                  name ? name : vml_typename(j));
    if (argv[1].t != T_CLO && argv[1].t != T_PRIM)
        vml_error(vm, vml_list(vm, 1, argv[1]), "advise: the advice is a procedure, got %s", vml_typename(argv[1]));
    /* the join point's trampoline first (it finds an empty list until the
     * advice is in) */
    if (!r->woven[jp]) {
        int id = vvm_advice_add(r->w, (vvm_jp)jp, jp_when((vvm_jp)jp), on_event, r);
        if (id <= 0)
            vml_error(vm, VNIL, "advise: join point %s has all the advice it can take", name);
        r->woven[jp] = id;
    }
    int64_t h = r->next_handle++;
    V ent = vml_cons(vm, vint(h), argv[1]);
    VML_ROOT(vm, ent);
    V cell = vml_cons(vm, ent, VNIL);
    VML_UNROOT(vm, 1);
    /* appended: advice runs in the order it was woven */
    V *at = &AS(Vec, r->table)->v[jp];
    while (at->t != T_NIL)
        at = &CDR(*at);
    *at = cell;
    return vint(h);
}

/* removes the advice with handle h: 1, or 0 when there is none */
static int remove_advice(vvm_reflect *r, int64_t h)
{
    for (int jp = 0; jp < VVM_JP_COUNT; jp++) {
        V *p = &AS(Vec, r->table)->v[jp];
        while (p->t != T_NIL) {
            if (CAR(CAR(*p)).i == h) {
                *p = CDR(*p);
                /* the trampoline goes with the last advice, unless guest
                 * threads may be firing it (vvm_reflect_started) */
                if (AS(Vec, r->table)->v[jp].t == T_NIL && !r->started) {
                    vvm_advice_remove(r->w, r->woven[jp]);
                    r->woven[jp] = 0;
                }
                return 1;
            }
            p = &CDR(*p);
        }
    }
    return 0;
}

PRIM(p_syscall_name)
{
    UNUSED;
    vvm_reflect *r = self_of(self);
    const char *n = argv[0].t == T_INT && r->syscall_name ? r->syscall_name(argv[0].i) : NULL;
    return n ? vml_cstr(vm, n) : VFALSE;
}

/* (define-syscall NR PROC): system call NR is PROC's from now on (PROC
 * #f: the personality's again) */
PRIM(p_define_syscall)
{
    UNUSED;
    vvm_reflect *r = self_of(self);
    if (argv[0].t != T_INT || argv[0].i < 0 || argv[0].i > 1 << 20)
        vml_error(vm, vml_list(vm, 1, argv[0]), "define-syscall: the number is an integer from 0 to 2^20, got %s",
                  vml_typename(argv[0]));
    if (argv[1].t != T_CLO && argv[1].t != T_PRIM && argv[1].t != T_FALSE)
        vml_error(vm, vml_list(vm, 1, argv[1]), "define-syscall: the call is a procedure (or #f), got %s",
                  vml_typename(argv[1]));
    if (argv[1].t == T_FALSE)
        vml_hash_del(vm, r->syscalls, argv[0]);
    else
        vml_hash_set(vm, r->syscalls, argv[0], argv[1]);
    __atomic_store_n(&r->any_syscalls, AS(Hash, r->syscalls)->count > 0, __ATOMIC_RELEASE);
    return argv[0];
}

PRIM(p_unadvise)
{
    UNUSED;
    if (argv[0].t != T_INT)
        return VFALSE;
    return vbool(remove_advice(self_of(self), argv[0].i));
}

/* The C side of every join point .vml advice is woven at: the event's
 * values, then each piece of advice, under the lock. */
static void on_event(const vvm_jp_event *ev, void *user)
{
    vvm_reflect *r = user;
    if (ev->jp == VVM_JP_TRANSLATE && ev->args[0])
        return;     /* the second firing, with host code (engine/jit.h) */
    if (!ev->vcpu)
        return;
    VM *vm = r->vm;
    V args[9];
    int n = 1;
    advice_begin(r, ev->vcpu);    /* (then the VM is this thread's: its roots too) */
    for (int k = 0; k < 9; k++) {
        args[k] = VNIL;
        VML_ROOT(vm, args[k]);
    }
    V list = AS(Vec, r->table)->v[ev->jp];
    VML_ROOT(vm, list);
    if (list.t != T_NIL)    /* (empty when unwoven while guest threads run) */
        args[0] = cpu_value(r);
    switch (ev->jp) {
    case VVM_JP_SYSCALL_ENTER:
        args[n++] = vint(ev->nr);
        for (int k = 0; k < 6; k++)
            args[n++] = vint((int64_t)ev->args[k]);
        break;
    case VVM_JP_SYSCALL_EXIT:
        args[n++] = vint(ev->nr);
        args[n++] = vint(ev->ret);
        break;
    case VVM_JP_INSN: args[n++] = vint((int64_t)ev->pc); break;
    case VVM_JP_BLOCK: case VVM_JP_TRANSLATE:
        args[n++] = vint((int64_t)ev->pc);
        args[n++] = vint(ev->n);
        break;
    case VVM_JP_TRAP:
        args[n++] = vint((int64_t)ev->pc);
        args[n++] = vint(ev->nr);
        args[n++] = vint((int64_t)ev->tval);
        break;
    case VVM_JP_SIGNAL:
        args[n++] = vint(ev->nr);
        args[n++] = vint((int64_t)ev->args[0]);
        break;
    default:
        break;
    }
    for (V l = list; l.t != T_NIL; l = CDR(l)) {
        V ent = CAR(l);
        int ok;
        V res = vml_protected_apply(vm, CDR(ent), n, args, &ok);
        if (!ok) {
            char what[64];
            snprintf(what, sizeof what, "%s advice failed and is unwoven", vvm_jp_name(ev->jp));
            advice_failed(r, what, ok, res);
            remove_advice(r, CAR(ent).i);
            continue;
        }
        if (ev->jp == VVM_JP_SYSCALL_ENTER && ev->answer && res.t == T_INT) {
            ev->answer->set = 1;
            ev->answer->value = res.i;
            break;  /* answered: the call does not run, later advice is not asked */
        }
    }
    VML_UNROOT(vm, 10);
    advice_end(r);
}

/* ---- system calls defined in .vml ---- */

int vvm_reflect_syscall(vvm_reflect *r, void *vcpu, long nr, const uint64_t a[6], int64_t *ret)
{
    if (!__atomic_load_n(&r->any_syscalls, __ATOMIC_ACQUIRE))
        return 0;
    VM *vm = r->vm;
    advice_begin(r, vcpu);
    V proc = vml_hash_ref(vm, r->syscalls, vint(nr), VFALSE);
    if (proc.t == T_FALSE) {
        advice_end(r);
        return 0;
    }
    V args[7];
    for (int k = 0; k < 7; k++) {
        args[k] = VNIL;
        VML_ROOT(vm, args[k]);
    }
    VML_ROOT(vm, proc);
    args[0] = cpu_value(r);
    for (int k = 0; k < 6; k++)
        args[1 + k] = vint((int64_t)a[k]);
    int ok, done = 0;
    V res = vml_protected_apply(vm, proc, 7, args, &ok);
    if (ok && res.t == T_INT) {
        *ret = res.i;
        done = 1;
    } else {
        /* the personality's call runs instead, this time and from now on */
        char what[96];
        snprintf(what, sizeof what, "system call %ld of define-syscall failed and is undefined", nr);
        advice_failed(r, what, ok, res);
        vml_hash_del(vm, r->syscalls, vint(nr));
        __atomic_store_n(&r->any_syscalls, AS(Hash, r->syscalls)->count > 0, __ATOMIC_RELEASE);
    }
    VML_UNROOT(vm, 8);
    advice_end(r);
    return done;
}

/* ---- life cycle ---- */

static void def(vvm_reflect *r, const char *name, vml_cfn fn, int min, int max)
{
    Sym *s = vml_sym(r->vm, name);
    V p = vml_prim(r->vm, s->name, fn, min, max);
    AS(Prim, p)->cdata = r;
    s->value = p;
}

vvm_reflect *vvm_reflect_new(vvm_weaver *w, const eng_isa *isa, const char *(*syscall_name)(long nr), char *err,
                             size_t errlen)
{
    vvm_reflect *r = calloc(1, sizeof *r);
    if (!r || !(r->vm = vml_new())) {
        free(r);
        snprintf(err, errlen, "out of memory for the meta VM");
        return NULL;
    }
    pthread_mutex_init(&r->lock, NULL);
    r->w = w;
    r->isa = isa;
    r->syscall_name = syscall_name;
    r->next_handle = 1;
    VM *vm = r->vm;
    r->table = r->cpu_type = r->syscalls = VNIL;
    VML_ROOT(vm, r->table);
    VML_ROOT(vm, r->cpu_type);
    r->table = vml_vec(vm, VVM_JP_COUNT, VNIL);
    VML_ROOT(vm, r->syscalls);
    r->syscalls = vml_hash(vm, 0, 16);
    Rtype *t = vml_alloc(vm, T_RTYPE, sizeof *t);
    t->name = vobj(vml_sym(vm, "cpu"));
    t->fields = VNIL;
    r->cpu_type = vobj(t);
    t->fields = vml_vec(vm, 1, VNIL);
    AS(Vec, t->fields)->v[0] = vobj(vml_sym(vm, "generation"));
    def(r, "advise", p_advise, 2, 2);
    def(r, "unadvise", p_unadvise, 1, 1);
    def(r, "reg", p_reg, 2, 2);
    def(r, "set-reg!", p_set_reg, 3, 3);
    def(r, "mem-read", p_mem_read, 3, 3);
    def(r, "mem-write!", p_mem_write, 3, 3);
    def(r, "mem-string", p_mem_string, 2, 3);
    def(r, "syscall-name", p_syscall_name, 1, 1);
    def(r, "define-syscall", p_define_syscall, 2, 2);
    return r;
}

int vvm_reflect_load(vvm_reflect *r, const char *path)
{
    pthread_mutex_lock(&r->lock);
    int rc = vml_load_file(r->vm, path);
    pthread_mutex_unlock(&r->lock);
    return rc < 0 ? -1 : 0;
}

void vvm_reflect_started(vvm_reflect *r)
{
    pthread_mutex_lock(&r->lock);
    r->started = 1;
    pthread_mutex_unlock(&r->lock);
}

void vvm_reflect_fork(vvm_reflect *r, int lock)
{
    if (lock)
        pthread_mutex_lock(&r->lock);
    else
        pthread_mutex_unlock(&r->lock);
}

void vvm_reflect_free(vvm_reflect *r)
{
    if (!r)
        return;
    for (int jp = 0; jp < VVM_JP_COUNT; jp++)
        if (r->woven[jp])
            vvm_advice_remove(r->w, r->woven[jp]);
    vml_free(r->vm);
    pthread_mutex_destroy(&r->lock);
    free(r);
}
