/* trace: --trace insn|block|translate|trap|signal as advice on the join points.
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

static void on_trap(const vvm_jp_event *ev, void *user)
{
    fprintf((FILE *)user, "trap %s at %#" PRIx64 " (tval %#" PRIx64 ")\n", rv_exit_name((rv_exit)ev->nr), ev->pc,
            ev->tval);
}

static void on_signal(const vvm_jp_event *ev, void *user)
{
    /* guest signal numbers are Linux's generic ones, as the host's below 32 */
    const char *ab = ev->nr > 0 && ev->nr < 32 ? sigabbrev_np((int)ev->nr) : NULL;
    uint64_t h = ev->args[0];
    fprintf((FILE *)user, "signal %ld%s%s%s at %#" PRIx64 ": ", ev->nr, ab ? " (SIG" : "", ab ? ab : "", ab ? ")" : "",
            ev->pc);
    if (h == 0)
        fprintf((FILE *)user, "default action\n");
    else if (h == 1)
        fprintf((FILE *)user, "ignored\n");
    else
        fprintf((FILE *)user, "handler %#" PRIx64 "\n", h);
}

static const struct {
    const char *name;
    vvm_advice_fn fn;
} kinds[] = {{"insn", on_insn}, {"block", on_block}, {"translate", on_translate}, {"trap", on_trap}, {"signal", on_signal}};

int lx_trace_setup(lx_process *p, const char *what)
{
    char buf[256];
    snprintf(buf, sizeof buf, "%s", what);
    for (char *tok = strtok(buf, ","); tok; tok = strtok(NULL, ",")) {
        vvm_advice_fn fn = NULL;
        for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
            if (!strcmp(tok, kinds[i].name))
                fn = kinds[i].fn;
        int jp = vvm_jp_lookup(tok);
        if (!fn || jp < 0) {
            fprintf(stderr, "vvm: --trace: unknown item '%s' (insn, block, translate, trap, signal)\n", tok);
            return -1;
        }
        if (vvm_advice_add(&p->weaver, (vvm_jp)jp, VVM_BEFORE, fn, p->opt.log) < 0)
            return -1;
    }
    return 0;
}
