/* embed: the meta VM's part of the embedding API (include/vvm/vvm.h):
 * create a meta VM, evaluate a string, call a procedure, register a C
 * function as a primitive.  Values cross the boundary as 64-bit integers
 * or, for eval, as their printed form. */
#include "include/vvm/vvm.h"
#include "meta/vm/vml.h"

#include <stdio.h>
#include <string.h>

vvm_meta *vvm_meta_create(void)
{
    VM *vm = vml_new();
    if (!vm)
        return NULL;
    vm->quiet = 1;
    return (vvm_meta *)vm;   /* the handle is the VM itself */
}

void vvm_meta_destroy(vvm_meta *m) { vml_free((VM *)m); }

static void copy(char *out, size_t n, const char *s)
{
    if (out && n)
        snprintf(out, n, "%s", s);
}

int vvm_meta_eval(vvm_meta *m, const char *src, char *out, size_t outlen)
{
    VM *vm = (VM *)m;
    V r = VUNSPEC;
    VML_ROOT(vm, r);
    int rc = vml_eval_string(vm, "<embed>", src, strlen(src), &r);
    if (rc < 0)
        copy(out, outlen, vm->last_error);
    else if (out && outlen)
        vml_tostring(vm, r, 0, out, outlen);
    VML_UNROOT(vm, 1);
    return rc < 0 || vm->exit_requested ? -1 : 0;
}

int vvm_meta_call(vvm_meta *m, const char *proc, int argc, const int64_t *argv, int64_t *result, char *err, size_t errlen)
{
    VM *vm = (VM *)m;
    if (argc < 0 || argc > 64) {
        copy(err, errlen, "vvm_meta_call: 0 to 64 arguments");
        return -1;
    }
    Sym *s = vml_sym(vm, proc);
    if (s->value.t == T_UNBOUND && s->value.i)   /* a prelude procedure not loaded yet: a reference loads it */
        vml_eval_string(vm, "<embed>", proc, strlen(proc), NULL);
    if (s->value.t != T_CLO && s->value.t != T_PRIM) {
        snprintf(err, errlen, "vvm_meta_call: %s is not a procedure", proc);
        return -1;
    }
    V args[64];
    for (int i = 0; i < argc; i++)
        args[i] = vint(argv[i]);
    int ok;
    V r = vml_protected_apply(vm, s->value, argc, args, &ok);
    if (!ok) {
        char buf[900];
        vml_tostring(vm, r, 1, buf, sizeof buf);
        copy(err, errlen, buf);
        return -1;
    }
    if (r.t != T_INT) {
        char buf[200];
        snprintf(err, errlen, "vvm_meta_call: %s returned %s, not an integer", proc, vml_tostring(vm, r, 0, buf, sizeof buf));
        return -1;
    }
    if (result)
        *result = r.i;
    return 0;
}

static V trampoline(VM *vm, int argc, V *argv, V self)
{
    Prim *p = AS(Prim, self);
    vvm_meta_fn fn;
    memcpy(&fn, &p->data.u, sizeof fn);
    int64_t a[64], r = 0;
    if (argc > 64)
        vml_error(vm, VNIL, "%s: at most 64 arguments", p->name);
    for (int i = 0; i < argc; i++) {
        if (argv[i].t != T_INT)
            vml_type_error(vm, p->name, "an integer", argv[i]);
        a[i] = argv[i].i;
    }
    if (fn(p->cdata, argc, a, &r) != 0)
        vml_error(vm, VNIL, "%s: the C primitive failed", p->name);
    return vint(r);
}

int vvm_meta_define(vvm_meta *m, const char *name, int nargs, vvm_meta_fn fn, void *ctx)
{
    VM *vm = (VM *)m;
    if (!fn || nargs < -1 || nargs > 64)
        return -1;
    Sym *s = vml_sym(vm, name);     /* symbols live as long as the VM: the name stays valid */
    V p = vml_prim(vm, s->name, trampoline, nargs < 0 ? 0 : nargs, nargs);
    memcpy(&AS(Prim, p)->data.u, &fn, sizeof fn);
    AS(Prim, p)->data.t = T_INT;
    AS(Prim, p)->cdata = ctx;
    s->value = p;
    return 0;
}
