/* vmlrun: a stand-alone driver for the meta VM while it is built in
 * isolation (vvm run x.vml / vvm repl are the real commands).
 *   vml FILE [ARGS...]     run a script     vml -e EXPR     vml   (REPL) */
#include "meta/vm/vml.h"

#include <string.h>

int main(int argc, char **argv)
{
    VM *vm = vml_new();
    if (!vm)
        return 70;
    int rc;
    vm->argc = argc - 1;
    vm->argv = argv + 1;
    if (argc > 2 && !strcmp(argv[1], "-e")) {
        V r;
        rc = vml_eval_string(vm, "<command line>", argv[2], strlen(argv[2]), &r) < 0 ? 1 : 0;
        if (!rc && r.t != T_UNSPEC) {
            vml_write(vm, stdout, r, 0);
            putchar('\n');
        }
    } else if (argc > 1) {
        rc = vml_load_file(vm, argv[1]) < 0 ? 1 : 0;
    } else {
        rc = vml_repl(vm);
    }
    if (vm->exit_requested)
        rc = vm->exit_status;
    fflush(stdout);
    vml_free(vm);
    return rc;
}
