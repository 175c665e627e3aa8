/* joinpoint: weaving advice at the named join points of joinpoints.def.
 *
 * A weaver belongs to a machine.  Advice is a C function (a built-in feature
 * such as --strace, a native VMlet, or a meta-level closure behind a C
 * trampoline) called before or after the join point.  Nothing is called, and
 * nothing is checked on the hot paths, where no advice is woven: the engine
 * decodes blocks with advice trampolines only while INSN or BLOCK advice
 * exists, and re-decodes when that set changes (the weaver's epoch).
 */
#ifndef VVM_JOINPOINT_H
#define VVM_JOINPOINT_H

#include <stdint.h>

typedef enum vvm_jp {
#define JP(id, name, doc) VVM_JP_##id,
#include "core/joinpoints.def"
#undef JP
    VVM_JP_COUNT
} vvm_jp;

typedef enum { VVM_BEFORE = 0, VVM_AFTER = 1 } vvm_when;

/* Where syscall-entry advice may answer the call instead of letting it
 * run: set = 1, value the call's result. */
typedef struct vvm_jp_answer {
    int set;
    int64_t value;
} vvm_jp_answer;

/* What advice is told.  Fields not meaningful for a join point are zero. */
typedef struct vvm_jp_event {
    vvm_jp jp;
    vvm_when when;
    void *machine;          /* the machine's context (e.g. the Linux process) */
    void *vcpu;             /* the hart (rv_cpu *) */
    uint64_t pc;
    uint32_t raw;           /* INSN: encoding */
    uint32_t n;             /* BLOCK/TRANSLATE: instructions */
    long nr;                /* SYSCALL_*: number; SIGNAL/TRAP: signal/cause */
    uint64_t args[6];       /* SYSCALL_*: arguments; SIGNAL: args[0] the handler (0 default, 1 ignore) */
    int64_t ret;            /* SYSCALL_EXIT: result */
    uint64_t tval;          /* TRAP: faulting address/encoding */
    vvm_jp_answer *answer;  /* SYSCALL_ENTER: the call's answer (NULL elsewhere) */
} vvm_jp_event;

typedef void (*vvm_advice_fn)(const vvm_jp_event *ev, void *user);

#define VVM_MAX_ADVICE 16

typedef struct vvm_advice {
    vvm_advice_fn fn;
    void *user;
    int id;
} vvm_advice;

typedef struct vvm_weaver {
    uint32_t mask;                  /* bit per join point with any advice */
    uint32_t epoch;                 /* changes whenever INSN/BLOCK advice changes */
    int next_id;
    int n[VVM_JP_COUNT][2];
    vvm_advice adv[VVM_JP_COUNT][2][VVM_MAX_ADVICE];
    void (*changed)(struct vvm_weaver *w, void *arg);  /* the machine re-decodes */
    void *changed_arg;
} vvm_weaver;

void vvm_weaver_init(vvm_weaver *w);
/* Adds advice; returns its id (>0) or -1 if the join point is full. */
/* Adding is safe while other threads fire advice (the entry is complete
 * before the count that shows it); removing is not: only while no thread
 * fires. */
int vvm_advice_add(vvm_weaver *w, vvm_jp jp, vvm_when when, vvm_advice_fn fn, void *user);
int vvm_advice_remove(vvm_weaver *w, int id);
/* Looks a join point up by name; -1 if unknown. */
int vvm_jp_lookup(const char *name);
const char *vvm_jp_name(vvm_jp jp);
const char *vvm_jp_doc(vvm_jp jp);

/* Building with -DVVM_JOINPOINTS=0 compiles the weaving out entirely; the
 * benchmark compares that build with the normal one to show that join
 * points with no advice cost nothing. */
#ifndef VVM_JOINPOINTS
#define VVM_JOINPOINTS 1
#endif

static inline int vvm_jp_woven(const vvm_weaver *w, vvm_jp jp)
{
    return VVM_JOINPOINTS && ((__atomic_load_n(&w->mask, __ATOMIC_RELAXED) >> jp) & 1);
}

/* Calls the advice of ev->jp at ev->when. */
void vvm_jp_fire(const vvm_weaver *w, vvm_jp_event *ev);

#endif
