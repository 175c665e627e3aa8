/* embed: the public embedding API (include/vvm/vvm.h), a thin layer over
 * the machine classes (core/machine.h): vvm_create finds the class by name
 * in the VMlet registry, every other call is the class's. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/machine.h"
#include "core/vmlet.h"
#include "include/vvm/vvm.h"

struct vvm {
    const vvm_machine_class *cls;
    vvm_machine *m;
    int loaded;
    char *sysroot;
};

vvm *vvm_create(const char *machine, char *err, size_t errlen)
{
    const vvm_machine_class *c = vvm_machine_class_find(machine);
    if (!c) {
        snprintf(err, errlen, "unknown machine '%s' (vvm info lists them)", machine ? machine : "(null)");
        return NULL;
    }
    vvm *v = calloc(1, sizeof *v);
    if (!v || !(v->m = c->create(err, errlen))) {
        if (!v)
            snprintf(err, errlen, "out of memory");
        free(v);
        return NULL;
    }
    v->cls = c;
    return v;
}

int vvm_set_sysroot(vvm *v, const char *dir)
{
    if (v->loaded)
        return -1;
    free(v->sysroot);
    v->sysroot = dir ? strdup(dir) : NULL;
    return 0;
}

static vvm_run_opts embed_opts(const vvm *v)
{
    vvm_run_opts o = {0};
    o.sysroot = v->sysroot;
    o.log = stderr;
    o.embedded = 1;
    return o;
}

/* A load or restore that failed leaves a fresh machine behind, so the
 * caller can try again. */
static int loaded_or_fresh(vvm *v, int rc, char *err, size_t errlen)
{
    if (rc >= 0) {
        v->loaded = 1;
        return 0;
    }
    v->cls->destroy(v->m);
    char e2[8];
    v->m = v->cls->create(e2, sizeof e2);
    if (!v->m)
        snprintf(err, errlen, "out of memory");
    return -1;
}

int vvm_load(vvm *v, const char *path, int argc, char *const argv[], char *const envp[], char *err, size_t errlen)
{
    if (v->loaded || !v->m) {
        snprintf(err, errlen, v->m ? "a program is already loaded" : "out of memory");
        return -1;
    }
    if (argc < 0 || !v->cls->load) {
        snprintf(err, errlen, argc < 0 ? "argc < 0" : "machine %s loads no programs", v->cls->name);
        return -1;
    }
    char **args = calloc((size_t)argc + 1, sizeof *args);
    if (!args) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    for (int i = 0; i < argc; i++)
        args[i] = argv[i];
    vvm_run_opts o = embed_opts(v);
    int rc = v->cls->load(v->m, path, args, envp, &o, err, errlen);
    free(args);
    return loaded_or_fresh(v, rc, err, errlen);
}

vvm_status vvm_run(vvm *v, int64_t budget) { return v->loaded ? v->cls->run(v->m, budget) : VVM_ERROR; }

int vvm_exit_status(const vvm *v) { return v->loaded ? v->cls->exit_status(v->m) : -1; }

uint64_t vvm_instret(const vvm *v) { return v->loaded ? v->cls->instret(v->m) : 0; }

uint64_t vvm_reg(const vvm *v, int reg)
{
    uint64_t x = 0;
    if (!v->m || !v->cls->reg_read || v->cls->reg_read(v->m, reg, &x) < 0)
        return 0;
    return x;
}

int vvm_set_reg(vvm *v, int reg, uint64_t value)
{
    return v->m && v->cls->reg_write ? v->cls->reg_write(v->m, reg, value) : -1;
}

int vvm_reg_count(const vvm *v) { return v->cls->reg_name ? v->cls->nregs : 0; }

const char *vvm_reg_name(const vvm *v, int reg)
{
    return reg >= 0 && reg < vvm_reg_count(v) ? v->cls->reg_name(reg) : NULL;
}

int vvm_read(const vvm *v, uint64_t addr, void *buf, size_t n)
{
    return v->m && v->cls->mem_read ? v->cls->mem_read(v->m, addr, buf, n) : -1;
}

int vvm_write(vvm *v, uint64_t addr, const void *buf, size_t n)
{
    return v->m && v->cls->mem_write ? v->cls->mem_write(v->m, addr, buf, n) : -1;
}

int vvm_save(vvm *v, FILE *f, char *err, size_t errlen)
{
    if (!v->cls->save) {
        snprintf(err, errlen, "machine %s cannot save its state", v->cls->name);
        return -1;
    }
    if (!v->loaded) {
        snprintf(err, errlen, "nothing loaded to save");
        return -1;
    }
    return v->cls->save(v->m, f, err, errlen);
}

int vvm_restore(vvm *v, FILE *f, char *err, size_t errlen)
{
    if (!v->cls->restore) {
        snprintf(err, errlen, "machine %s cannot restore a state", v->cls->name);
        return -1;
    }
    if (v->loaded || !v->m) {
        snprintf(err, errlen, v->m ? "a program is already loaded" : "out of memory");
        return -1;
    }
    vvm_run_opts o = embed_opts(v);
    return loaded_or_fresh(v, v->cls->restore(v->m, f, &o, err, errlen), err, errlen);
}

void vvm_destroy(vvm *v)
{
    if (!v)
        return;
    if (v->m)
        v->cls->destroy(v->m);
    free(v->sysroot);
    free(v);
}
