/* meta: the meta language as a VMlet.  `vvm run x.vml` (or a script whose
 * first line is `#!... vvm`) runs a script on a fresh meta VM (meta/vm/);
 * `vvm repl` talks to one interactively. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/machine.h"
#include "core/vmlet.h"
#include "machines/machines.h"
#include "meta/vm/vml.h"

static int meta_probe(const uint8_t *head, size_t n, const char *path)
{
    size_t pl = path ? strlen(path) : 0;
    if (pl > 4 && !strcmp(path + pl - 4, ".vml"))
        return 1;
    if (n > 2 && head[0] == '#' && head[1] == '!') {
        size_t end = 2;
        while (end < n && head[end] != '\n')
            end++;
        for (size_t i = 2; i + 3 <= end; i++)
            if (!memcmp(head + i, "vvm", 3))
                return 1;
    }
    return 0;
}

/* A meta machine runs one script: load keeps its path and arguments, run
 * evaluates it on a fresh meta VM to its end (the meta VM counts no
 * instructions: the budget is not used). */
typedef struct meta_machine {
    vvm_machine base;
    char *path;
    char **argv;
    int loaded, status;         /* status: -1 until run */
} meta_machine;

extern const vvm_machine_class meta_class;

static vvm_machine *meta_create(char *err, size_t errlen)
{
    meta_machine *m = calloc(1, sizeof *m);
    if (!m) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    m->base.cls = &meta_class;
    m->status = -1;
    return &m->base;
}

static int meta_load(vvm_machine *vm, const char *path, char *const argv[], char *const envp[], const vvm_run_opts *o,
                     char *err, size_t errlen)
{
    (void)envp;
    (void)o;
    meta_machine *m = (meta_machine *)vm;
    if (m->loaded) {
        snprintf(err, errlen, "a program is already loaded");
        return -1;
    }
    size_t argc = 0;
    while (argv[argc])
        argc++;
    m->path = strdup(path);
    m->argv = calloc(argc + 1, sizeof *m->argv);
    if (!m->path || !m->argv) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    memcpy(m->argv, argv, argc * sizeof *m->argv);  /* the caller's strings outlive the machine */
    m->loaded = 1;
    return 0;
}

static vvm_status meta_run(vvm_machine *vm, int64_t budget)
{
    (void)budget;
    meta_machine *m = (meta_machine *)vm;
    if (!m->loaded)
        return VVM_ERROR;
    if (m->status >= 0)
        return VVM_EXITED;
    VM *v = vml_new();
    if (!v) {
        fprintf(stderr, "vvm: cannot create the meta VM (out of memory)\n");
        m->status = 70;
        return VVM_EXITED;
    }
    int argc = 0;
    while (m->argv[argc])
        argc++;
    v->argc = argc;
    v->argv = m->argv;
    int rc = vml_load_file(v, m->path) < 0 ? 1 : 0;
    if (v->exit_requested)
        rc = v->exit_status;
    fflush(stdout);
    vml_free(v);
    m->status = rc;
    return VVM_EXITED;
}

static int meta_exit_status(const vvm_machine *vm) { return ((const meta_machine *)vm)->status; }

static uint64_t meta_instret(const vvm_machine *vm)
{
    (void)vm;
    return 0;
}

static void meta_destroy(vvm_machine *vm)
{
    meta_machine *m = (meta_machine *)vm;
    if (!m)
        return;
    free(m->path);
    free(m->argv);
    free(m);
}

const vvm_machine_class meta_class = {
    .name = "meta",
    .create = meta_create,
    .load = meta_load,
    .run = meta_run,
    .exit_status = meta_exit_status,
    .instret = meta_instret,
    .repl = vvm_meta_repl,
    .destroy = meta_destroy,
};

int vvm_meta_repl(int argc, char **argv)
{
    VM *vm = vml_new();
    if (!vm) {
        fprintf(stderr, "vvm: cannot create the meta VM (out of memory)\n");
        return 70;
    }
    vm->argc = argc;
    vm->argv = argv;
    int rc = -1;
    for (int i = 0; i < argc && rc < 0; i++) {   /* vvm repl FILE...: load them first */
        int lr = vml_load_file(vm, argv[i]);
        if (vm->exit_requested)
            rc = vm->exit_status;
        else if (lr == -2)   /* cannot be read (missing, a directory): no REPL */
            rc = 1;
        else if (lr < 0)     /* an error in it: the REPL goes on, as after any error */
            break;
    }
    if (rc < 0)
        rc = vml_repl(vm);
    fflush(stdout);
    vml_free(vm);
    return rc;
}

const vvm_vmlet vvm_meta_vmlet = {
    .abi = VVM_ABI_VERSION,
    .name = "meta",
    .doc = "the meta language: .vml scripts on vvm's own bytecode VM (vvm repl to talk to it)",
    .probe = meta_probe,
    .cls = &meta_class,
};
