/* trace: --trace insn|block|translate as advice on the engine's join points.
 * The same API a loaded VMlet uses; with no --trace nothing is woven and the
 * interpreter runs its plain dispatch table. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "os/linux/lx.h"

static void on_insn(const vvm_jp_event *ev, void *user)
{
    FILE *f = user;
    char buf[128];
    if (!rv_disasm(ev->pc, ev->raw, buf, sizeof buf))
        snprintf(buf, sizeof buf, "(illegal)");
    fprintf(f, "%#" PRIx64 ": %0*" PRIx32 "  %s\n", ev->pc, (ev->raw & 3) == 3 ? 8 : 4, ev->raw, buf);
}

static void on_block(const vvm_jp_event *ev, void *user)
{
    fprintf((FILE *)user, "block %#" PRIx64 " (%u instructions)\n", ev->pc, ev->n);
}

static void on_translate(const vvm_jp_event *ev, void *user)
{
    fprintf((FILE *)user, "translate %#" PRIx64 " (%u instructions)\n", ev->pc, ev->n);
}

int lx_trace_setup(lx_process *p, const char *what)
{
    char buf[256];
    snprintf(buf, sizeof buf, "%s", what);
    for (char *tok = strtok(buf, ","); tok; tok = strtok(NULL, ",")) {
        vvm_advice_fn fn = !strcmp(tok, "insn") ? on_insn : !strcmp(tok, "block") ? on_block
                         : !strcmp(tok, "translate") ? on_translate : NULL;
        int jp = vvm_jp_lookup(tok);
        if (!fn || jp < 0) {
            fprintf(stderr, "vvm: --trace: unknown item '%s' (insn, block, translate)\n", tok);
            return -1;
        }
        if (vvm_advice_add(&p->weaver, (vvm_jp)jp, VVM_BEFORE, fn, p->opt.log) < 0)
            return -1;
    }
    return 0;
}
