/* embed_multi: several rv64-linux machines in one embedding program, each
 * on a host thread of its own (include/vvm/vvm.h: no process-wide state).
 *
 *   embed_multi LOOP MULTI DIE BUDGET DIR
 *     LOOP    tests/engine/loop.S: 37037040 instructions, exits 78
 *     MULTI   tests/engine/multi.c: 4 threads, writes "total T" to its
 *             argument, exits 42
 *     DIE     tests/engine/die.c ("null": a NULL store, 139; "spin")
 *     BUDGET  tests/engine/budget.S: 750006 instructions, exits 144
 *     DIR     where the guests write their files
 *
 * At once: LOOP in slices of 100000 instructions, MULTI without a budget,
 * and DIE null, which dies of its fault while LOOP waits between two of its
 * slices (LOOP goes on afterwards and must end exactly as alone).  Then
 * machines created afterwards, two whose runs overlap on one thread (the
 * host's dispositions come back only after the last), save and restore (a round trip in the middle of LOOP, and the
 * refusals).  No check reads the guests' stdout: the machines share the
 * host's file descriptors.  One line per check, "ok NAME" or "not ok NAME:
 * why", and "ok end" last. */
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "vvm/vvm.h"

static const char *loop_path, *multi_path, *die_path, *budget_path, *dir;
static int bad;
static pthread_mutex_t out_lock = PTHREAD_MUTEX_INITIALIZER;

static void check(int okay, const char *name, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void check(int okay, const char *name, const char *fmt, ...)
{
    pthread_mutex_lock(&out_lock);
    if (okay) {
        printf("ok %s\n", name);
    } else {
        va_list ap;
        va_start(ap, fmt);
        printf("not ok %s: ", name);
        vprintf(fmt, ap);
        printf("\n");
        va_end(ap);
        bad++;
    }
    fflush(stdout);
    pthread_mutex_unlock(&out_lock);
}

static vvm *make(const char *name, const char *path, int argc, char **argv)
{
    char err[512];
    vvm *m = vvm_create("rv64-linux", err, sizeof err);
    if (!m) {
        check(0, name, "vvm_create: %s", err);
        return NULL;
    }
    if (vvm_load(m, path, argc, argv, NULL, err, sizeof err) < 0) {
        check(0, name, "vvm_load: %s", err);
        vvm_destroy(m);
        return NULL;
    }
    return m;
}

/* ---- the machines of the first round ---- */

static volatile int loop_paused, die_done;

typedef struct result {
    int status;
    uint64_t instret;
    int slices;
} result;

static void sleep_ms(int ms)
{
    struct timespec ts = {0, ms * 1000000L};
    nanosleep(&ts, NULL);
}

/* LOOP in slices; after slice 10 it waits until DIE has died. */
static void *run_loop(void *arg)
{
    result *r = arg;
    char *argv[] = {(char *)loop_path, NULL};
    vvm *m = make("loop/create", loop_path, 1, argv);
    if (!m)
        return NULL;
    vvm_status st;
    while ((st = vvm_run(m, 100000)) == VVM_BUDGET) {
        if (++r->slices == 10) {
            __atomic_store_n(&loop_paused, 1, __ATOMIC_SEQ_CST);
            for (int i = 0; i < 6000 && !__atomic_load_n(&die_done, __ATOMIC_SEQ_CST); i++)
                sleep_ms(5);
        }
        if (r->slices == 10 && vvm_instret(m) != 1000000)
            check(0, "loop/slice", "instret %" PRIu64 " after 10 slices of 100000", vvm_instret(m));
    }
    r->status = st == VVM_EXITED ? vvm_exit_status(m) : -100 - (int)st;
    r->instret = vvm_instret(m);
    vvm_destroy(m);
    return NULL;
}

static void *run_multi(void *arg)
{
    result *r = arg;
    char file[4096];
    snprintf(file, sizeof file, "%s/multi.out", dir);
    char *argv[] = {(char *)multi_path, file, NULL};
    vvm *m = make("multi/create", multi_path, 2, argv);
    if (!m)
        return NULL;
    vvm_status st = vvm_run(m, -1);
    r->status = st == VVM_EXITED ? vvm_exit_status(m) : -100 - (int)st;
    r->instret = vvm_instret(m);
    vvm_destroy(m);
    return NULL;
}

static void *run_die(void *arg)
{
    result *r = arg;
    /* dies while LOOP's machine waits between two slices */
    for (int i = 0; i < 6000 && !__atomic_load_n(&loop_paused, __ATOMIC_SEQ_CST); i++)
        sleep_ms(5);
    char *argv[] = {(char *)die_path, "null", NULL};
    vvm *m = make("die/create", die_path, 2, argv);
    if (m) {
        vvm_status st = vvm_run(m, -1);
        r->status = st == VVM_EXITED ? vvm_exit_status(m) : -100 - (int)st;
        vvm_destroy(m);
    }
    __atomic_store_n(&die_done, 1, __ATOMIC_SEQ_CST);
    return NULL;
}

static void check_multi(const char *name, const result *r)
{
    char file[4096], got[128] = "";
    snprintf(file, sizeof file, "%s/multi.out", dir);
    FILE *f = fopen(file, "r");
    if (f) {
        if (!fgets(got, sizeof got, f))
            got[0] = 0;
        fclose(f);
    }
    /* 4000000 * 3999999 / 2 */
    check(r->status == 42 && !strcmp(got, "total 7999998000000\n") && r->instret > 0, name,
          "status %d, file '%s', instret %" PRIu64, r->status, got, r->instret);
    remove(file);
}

/* ---- the host's own state ---- */

typedef struct host_state {
    struct sigaction act[65];
    sigset_t mask;
} host_state;

static void snapshot(host_state *s)
{
    memset(s, 0, sizeof *s);
    for (int h = 1; h <= 64; h++)
        if (h != SIGSEGV && h != SIGBUS && h != SIGKILL && h != SIGSTOP)
            sigaction(h, NULL, &s->act[h]);
    pthread_sigmask(SIG_SETMASK, NULL, &s->mask);
}

static int same_state(const host_state *a, const host_state *b, int *which)
{
    for (int h = 1; h <= 64; h++)
        if (a->act[h].sa_handler != b->act[h].sa_handler ||
            (a->act[h].sa_flags & SA_SIGINFO) != (b->act[h].sa_flags & SA_SIGINFO)) {
            *which = h;
            return 0;
        }
    *which = 0;
    for (int h = 1; h <= 64; h++)
        if (sigismember(&a->mask, h) != sigismember(&b->mask, h))
            return 0;
    return 1;
}

static void on_usr1(int sig) { (void)sig; }

static int usr1_is_ours(void)
{
    struct sigaction sa;
    sigaction(SIGUSR1, NULL, &sa);
    return sa.sa_handler == on_usr1;
}

/* Two machines driven alternately from this thread, the second started
 * after the first and ending after it: vvm's handlers stay while either
 * runs, and this program's come back after the last. */
static void overlap(const host_state *before)
{
    char *largv[] = {(char *)loop_path, NULL}, *bargv[] = {(char *)budget_path, NULL};
    vvm *a = make("overlap/create", loop_path, 1, largv), *b = make("overlap/create", budget_path, 1, bargv);
    if (!a || !b) {
        vvm_destroy(a);
        vvm_destroy(b);
        return;
    }
    vvm_status sa = vvm_run(a, 100000);
    int during_a = !usr1_is_ours();
    vvm_status sb = vvm_run(b, 1000);
    sa = vvm_run(a, -1);
    int after_a = !usr1_is_ours();
    check(sb == VVM_BUDGET && sa == VVM_EXITED && vvm_exit_status(a) == 78 && during_a && after_a, "overlap/first-ends",
          "status %d/%d, exit %d, vvm's SIGUSR1 handler while the first ran %d, after it ended with the second running %d",
          sb, sa, vvm_exit_status(a), during_a, after_a);
    sb = vvm_run(b, -1);
    host_state now;
    snapshot(&now);
    int which, same = same_state(before, &now, &which);
    check(sb == VVM_EXITED && vvm_exit_status(b) == 144 && vvm_instret(b) == 750006 && same, "overlap/last-ends",
          "status %d, exit %d, instret %" PRIu64 ", host state as before: %s (signal %d; 0: the mask)", sb,
          vvm_exit_status(b), vvm_instret(b), same ? "yes" : "no", which);
    vvm_destroy(a);
    vvm_destroy(b);
}

/* ---- save and restore ---- */

static void save_restore(void)
{
    char err[512];
    char *argv[] = {(char *)loop_path, NULL};
    /* a round trip in the middle: the restored machine ends as the whole
     * run would, with the instructions counted across both */
    vvm *m = make("save/create", loop_path, 1, argv);
    if (!m)
        return;
    int n = 0;
    while (n < 5 && vvm_run(m, 1000001) == VVM_BUDGET)
        n++;
    uint64_t a0 = vvm_reg(m, 8), pc = vvm_reg(m, VVM_REG_PC);
    FILE *f = tmpfile();
    int rc = f ? vvm_save(m, f, err, sizeof err) : -1;
    check(rc == 0 && vvm_instret(m) == 5000005, "save/save", "vvm_save: %s (instret %" PRIu64 ")", rc ? err : "",
          vvm_instret(m));
    vvm_destroy(m);  /* the saved machine is gone before the restore */
    if (rc)
        return;
    rewind(f);
    m = vvm_create("rv64-linux", err, sizeof err);
    rc = m ? vvm_restore(m, f, err, sizeof err) : -1;
    check(rc == 0, "save/restore", "vvm_restore: %s", err);
    if (rc == 0) {
        check(vvm_reg(m, 8) == a0 && vvm_reg(m, VVM_REG_PC) == pc && vvm_instret(m) == 5000005, "save/registers",
              "s0 %" PRIx64 " (saved %" PRIx64 "), pc %" PRIx64 " (saved %" PRIx64 "), instret %" PRIu64,
              vvm_reg(m, 8), a0, vvm_reg(m, VVM_REG_PC), pc, vvm_instret(m));
        vvm_status st = vvm_run(m, -1);
        check(st == VVM_EXITED && vvm_exit_status(m) == 78 && vvm_instret(m) == 37037040, "save/run-on",
              "status %d, exit %d, instret %" PRIu64, st, vvm_exit_status(m), vvm_instret(m));
        /* a restored machine restores nothing more */
        rewind(f);
        check(vvm_restore(m, f, err, sizeof err) < 0 && strstr(err, "already"), "save/restore-twice", "'%s'", err);
    }
    vvm_destroy(m);
    fclose(f);

    /* refused: a damaged state, nothing loaded, several threads */
    m = vvm_create("rv64-linux", err, sizeof err);
    f = tmpfile();
    fputs("vvm state: rv64-linux 1\ngarbage", f);
    rewind(f);
    check(vvm_restore(m, f, err, sizeof err) < 0 && strstr(err, "damaged"), "save/damaged", "'%s'", err);
    fclose(f);
    f = tmpfile();
    check(vvm_save(m, f, err, sizeof err) < 0 && strstr(err, "nothing loaded"), "save/unloaded", "'%s'", err);
    /* and after the refusals the machine still loads and runs */
    char *bargv[] = {(char *)budget_path, NULL};
    rc = vvm_load(m, budget_path, 1, bargv, NULL, err, sizeof err);
    check(rc == 0 && vvm_run(m, -1) == VVM_EXITED && vvm_exit_status(m) == 144, "save/fresh-after-refusal",
          "load %d: %s", rc, err);
    vvm_destroy(m);
    char *sargv[] = {(char *)die_path, "spin", NULL};
    m = make("save/threads", die_path, 2, sargv);
    if (m) {
        vvm_status st = VVM_BUDGET;
        for (int i = 0; i < 50 && st == VVM_BUDGET; i++)
            st = vvm_run(m, 1000000);
        rewind(f);
        rc = vvm_save(m, f, err, sizeof err);
        check(st == VVM_BUDGET && rc < 0 && strstr(err, "threads"), "save/threads", "status %d, save %d: '%s'", st, rc,
              err);
        vvm_destroy(m);
    }
    fclose(f);
}

int main(int argc, char **argv)
{
    if (argc != 6) {
        fprintf(stderr, "usage: embed_multi LOOP MULTI DIE BUDGET DIR\n");
        return 2;
    }
    loop_path = argv[1], multi_path = argv[2], die_path = argv[3], budget_path = argv[4], dir = argv[5];
    setvbuf(stdout, NULL, _IOLBF, 0);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_usr1;
    sigaction(SIGUSR1, &sa, NULL);
    signal(SIGUSR2, SIG_IGN);
    host_state before, after;
    snapshot(&before);

    /* the register file as the ISA names it */
    char err[512];
    vvm *m = vvm_create("rv64-linux", err, sizeof err);
    check(m && vvm_reg_count(m) == 65 && !strcmp(vvm_reg_name(m, 10), "a0") && !strcmp(vvm_reg_name(m, 32), "pc") &&
              !strcmp(vvm_reg_name(m, 33 + 10), "fa0") && !vvm_reg_name(m, 65),
          "registers", "count %d", m ? vvm_reg_count(m) : -1);
    vvm_destroy(m);
    check(!vvm_create("no-such-machine", err, sizeof err) && strstr(err, "no-such-machine"), "unknown-machine", "'%s'",
          err);

    /* round one: three machines at once */
    result rl = {0}, rm = {0}, rd = {0};
    pthread_t tl, tm, td;
    pthread_create(&tl, NULL, run_loop, &rl);
    pthread_create(&tm, NULL, run_multi, &rm);
    pthread_create(&td, NULL, run_die, &rd);
    pthread_join(td, NULL);
    pthread_join(tm, NULL);
    pthread_join(tl, NULL);
    check(rd.status == 139, "round1/die", "status %d (want 139)", rd.status);
    check(rl.status == 78 && rl.instret == 37037040 && rl.slices == 370, "round1/loop",
          "status %d, instret %" PRIu64 ", %d budget stops", rl.status, rl.instret, rl.slices);
    check_multi("round1/multi", &rm);

    /* round two: machines created after the others ended, both at once */
    result r2l = {0}, r2m = {0};
    pthread_create(&tl, NULL, run_loop, &r2l);
    pthread_create(&tm, NULL, run_multi, &r2m);
    __atomic_store_n(&die_done, 1, __ATOMIC_SEQ_CST);  /* no one to wait for this time */
    pthread_join(tm, NULL);
    pthread_join(tl, NULL);
    check(r2l.status == 78 && r2l.instret == 37037040, "round2/loop", "status %d, instret %" PRIu64, r2l.status,
          r2l.instret);
    check_multi("round2/multi", &r2m);

    /* the third: one more, alone, on this thread */
    char *bargv[] = {(char *)budget_path, NULL};
    m = make("round3/create", budget_path, 1, bargv);
    if (m) {
        int stops = 0;
        vvm_status st;
        while ((st = vvm_run(m, 1000)) == VVM_BUDGET)
            stops++;
        check(st == VVM_EXITED && vvm_exit_status(m) == 144 && vvm_instret(m) == 750006 && stops == 750, "round3/budget",
              "status %d, exit %d, instret %" PRIu64 ", %d stops", st, vvm_exit_status(m), vvm_instret(m), stops);
        vvm_destroy(m);
    }

    overlap(&before);
    save_restore();

    snapshot(&after);
    int which;
    check(same_state(&before, &after, &which), "host-state", "signal %d's disposition or the mask changed", which);
    printf("ok end\n");
    return bad ? 1 : 0;
}
