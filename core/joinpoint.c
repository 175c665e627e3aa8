/* joinpoint: the advice registry (see joinpoint.h). */
#include "core/joinpoint.h"

#include <string.h>

static const char *const jp_names[] = {
#define JP(id, name, doc) name,
#include "core/joinpoints.def"
#undef JP
};
static const char *const jp_docs[] = {
#define JP(id, name, doc) doc,
#include "core/joinpoints.def"
#undef JP
};

void vvm_weaver_init(vvm_weaver *w)
{
    memset(w, 0, sizeof *w);
    w->next_id = 1;
}

static void recompute(vvm_weaver *w, vvm_jp jp)
{
    uint32_t old = w->mask, mask = old;
    if (w->n[jp][0] + w->n[jp][1])
        mask |= 1u << jp;
    else
        mask &= ~(1u << jp);
    __atomic_store_n(&w->mask, mask, __ATOMIC_RELEASE);
    uint32_t eng = (1u << VVM_JP_INSN) | (1u << VVM_JP_BLOCK);
    if ((old ^ w->mask) & eng) {
        w->epoch++;
        if (w->changed)
            w->changed(w, w->changed_arg);
    }
}

int vvm_advice_add(vvm_weaver *w, vvm_jp jp, vvm_when when, vvm_advice_fn fn, void *user)
{
    if (!VVM_JOINPOINTS || (unsigned)jp >= VVM_JP_COUNT || (when != VVM_BEFORE && when != VVM_AFTER) || !fn)
        return -1;
    int *n = &w->n[jp][when];
    if (*n >= VVM_MAX_ADVICE)
        return -1;
    vvm_advice *a = &w->adv[jp][when][*n];
    a->fn = fn;
    a->user = user;
    a->id = w->next_id++;
    __atomic_store_n(n, *n + 1, __ATOMIC_RELEASE);   /* then a thread firing sees it whole */
    recompute(w, jp);
    return a->id;
}

int vvm_advice_remove(vvm_weaver *w, int id)
{
    for (int jp = 0; jp < VVM_JP_COUNT; jp++)
        for (int when = 0; when < 2; when++)
            for (int i = 0; i < w->n[jp][when]; i++)
                if (w->adv[jp][when][i].id == id) {
                    memmove(&w->adv[jp][when][i], &w->adv[jp][when][i + 1],
                            (size_t)(w->n[jp][when] - i - 1) * sizeof(vvm_advice));
                    w->n[jp][when]--;
                    recompute(w, (vvm_jp)jp);
                    return 0;
                }
    return -1;
}

int vvm_jp_lookup(const char *name)
{
    for (int i = 0; i < VVM_JP_COUNT; i++)
        if (!strcmp(jp_names[i], name))
            return i;
    return -1;
}

const char *vvm_jp_name(vvm_jp jp) { return (unsigned)jp < VVM_JP_COUNT ? jp_names[jp] : "?"; }
const char *vvm_jp_doc(vvm_jp jp) { return (unsigned)jp < VVM_JP_COUNT ? jp_docs[jp] : "?"; }

void vvm_jp_fire(const vvm_weaver *w, vvm_jp_event *ev)
{
    int when = ev->when;
    int n = __atomic_load_n(&w->n[ev->jp][when], __ATOMIC_ACQUIRE);
    for (int i = 0; i < n; i++)
        w->adv[ev->jp][when][i].fn(ev, w->adv[ev->jp][when][i].user);
}
