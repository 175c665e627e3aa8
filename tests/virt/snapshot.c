/* rv64-virt's save and restore through libvvm (vvm.h):
 *   snapshot KERNEL STATE BUDGET
 * loads KERNEL (-bios none, 64M), runs BUDGET instructions of hart 0,
 * saves the machine to STATE, destroys it; a second machine restores STATE
 * and runs to the end.  Its output (the UART: stdout) must be what one run
 * prints (the suite compares).  Also: a save of a machine that has ended,
 * a restore into a loaded machine and of a truncated file fail with a
 * message.  Exit status: the guest's, or 100 + step on a failure. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vvm/vvm.h"

static int die(int step, const char *what, const char *err)
{
    fflush(stdout);
    fprintf(stderr, "snapshot: step %d: %s: %s\n", step, what, err);
    return 100 + step;
}

int main(int argc, char **argv)
{
    if (argc != 4)
        return 2;
    char err[512];
    char *const args[] = {"kernel", "-bios", "none", "-m", "64M", NULL};
    vvm *m = vvm_create("rv64-virt", err, sizeof err);
    if (!m || vvm_load(m, argv[1], 5, args, NULL, err, sizeof err) < 0)
        return die(1, "load", err);
    if (vvm_run(m, atoll(argv[3])) != VVM_BUDGET)
        return die(2, "run", "the budget did not stop it");
    uint64_t at = vvm_instret(m);
    FILE *f = fopen(argv[2], "wb");
    if (!f || vvm_save(m, f, err, sizeof err) < 0)
        return die(3, "save", err);
    fclose(f);
    vvm_destroy(m);

    /* a truncated state is refused */
    f = fopen(argv[2], "rb");
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    rewind(f);
    char *b = malloc((size_t)n);
    if (fread(b, 1, (size_t)n, f) != (size_t)n)
        return die(4, "read", "short");
    fclose(f);
    FILE *t = fmemopen(b, (size_t)n - 100, "rb");
    m = vvm_create("rv64-virt", err, sizeof err);
    if (vvm_restore(m, t, err, sizeof err) == 0)
        return die(4, "restore of a truncated state", "accepted");
    fprintf(stderr, "truncated: %s\n", err);
    fclose(t);
    free(b);

    /* the restore: the same machine goes on */
    f = fopen(argv[2], "rb");
    if (vvm_restore(m, f, err, sizeof err) < 0)
        return die(5, "restore", err);
    fclose(f);
    if (vvm_instret(m) != at)
        return die(6, "instret", "not what it was at the save");
    vvm_status s = vvm_run(m, -1);
    if (s != VVM_EXITED)
        return die(7, "run", "did not end");
    if (vvm_save(m, stdout, err, sizeof err) == 0)
        return die(8, "save of an ended machine", "accepted");
    fprintf(stderr, "ended: %s\n", err);
    int st = vvm_exit_status(m);
    vvm_destroy(m);
    return st;
}
