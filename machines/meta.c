/* meta: the meta language as a VMlet.  `vvm run x.vml` (or a script whose
 * first line is `#!... vvm`) runs a script on a fresh meta VM (meta/vm/);
 * `vvm repl` talks to one interactively. */
#include <stdio.h>
#include <string.h>

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

static int meta_run(const char *path, char **argv, const vvm_run_opts *o)
{
    (void)o;
    VM *vm = vml_new();
    if (!vm) {
        fprintf(stderr, "vvm: cannot create the meta VM (out of memory)\n");
        return 70;
    }
    int argc = 0;
    while (argv[argc])
        argc++;
    vm->argc = argc;
    vm->argv = argv;
    int rc = vml_load_file(vm, path) < 0 ? 1 : 0;
    if (vm->exit_requested)
        rc = vm->exit_status;
    fflush(stdout);
    vml_free(vm);
    return rc;
}

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

const vvm_vmlet vvm_meta = {
    .abi = VVM_ABI_VERSION,
    .name = "meta",
    .doc = "the meta language: .vml scripts on vvm's own bytecode VM (vvm repl to talk to it)",
    .probe = meta_probe,
    .run = meta_run,
};
