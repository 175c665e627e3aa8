/* machine: what every front end does with a machine class (see machine.h). */
#include "core/machine.h"

#include <string.h>

#include "core/vmlet.h"

const vvm_machine_class *vvm_machine_class_find(const char *name)
{
    vvm_builtin_vmlets();
    const vvm_vmlet *v = name ? vvm_vmlet_find(name) : NULL;
    return v ? v->cls : NULL;
}

typedef struct elf_q {
    unsigned em;
    const vvm_machine_class *found;
} elf_q;

static void match_elf(const vvm_vmlet *v, void *arg)
{
    elf_q *q = arg;
    if (!q->found && v->cls->disasm && v->cls->elf_machine == q->em)
        q->found = v->cls;
}

const vvm_machine_class *vvm_machine_class_for_elf(unsigned em)
{
    vvm_builtin_vmlets();
    elf_q q = {em, NULL};
    vvm_vmlet_each(match_elf, &q);
    return q.found;
}

int vvm_machine_reg_index(const vvm_machine_class *c, const char *name)
{
    for (int i = 0; name && i < c->nregs; i++)
        if (!strcmp(c->reg_name(i), name))
            return i;
    return -1;
}

int vvm_machine_main(const vvm_machine_class *c, const char *path, char **argv, const vvm_run_opts *o)
{
    char err[8192];
    vvm_machine *m = c->create(err, sizeof err);
    if (!m) {
        fprintf(stderr, "vvm: %s\n", err);
        return 1;
    }
    int rc = c->load(m, path, argv, o->envp, o, err, sizeof err);
    if (rc < 0) {
        fprintf(stderr, "vvm: %s\n", err);
        c->destroy(m);
        return -rc;
    }
    vvm_status st = c->run(m, -1);
    rc = st == VVM_EXITED ? c->exit_status(m) : 1;
    c->destroy(m);
    return rc;
}
