/* lockstep: the interpreter and the translation tier on random instruction
 * sequences, compared after every budget step (tests/jit/lockstep.h).
 *
 *   lockstep [SEQUENCES [SEED]]
 *
 * Sequence k is generated from the seed SEED + k (a quarter of them run on
 * harts of the soft-TLB model: tests/jit/lockstep.h), and a difference prints
 * that seed: `lockstep 1 SEED` runs the one sequence again.  Prints
 * "ok N sequences, S steps, I instructions, O ops" when every sequence
 * agrees.  With 500 sequences or more it also checks that every op of the
 * .isa files was generated (rdtime aside, which is not comparable).
 * LOCKSTEP_TIERS=interp,interp (or jit,jit, auto,...) picks the two tiers.
 */
#include "tests/jit/lockstep.h"

static int parse_tier(const char *s, size_t n, eng_tier *t)
{
    if (n == 6 && !strncmp(s, "interp", 6))
        *t = ENG_TIER_INTERP;
    else if (n == 3 && !strncmp(s, "jit", 3))
        *t = ENG_TIER_JIT;
    else if (n == 4 && !strncmp(s, "auto", 4))
        *t = ENG_TIER_AUTO;
    else
        return -1;
    return 0;
}

int main(int argc, char **argv)
{
    char *end = NULL;
    long n = 2000;
    uint64_t seed = UINT64_C(0x5eed1ab5);
    if (argc > 3 || (argc > 1 && ((n = strtol(argv[1], &end, 0)) < 1 || *end))) {
        fprintf(stderr, "usage: lockstep [SEQUENCES [SEED]]  (SEQUENCES >= 1)\n");
        return 2;
    }
    if (argc > 2) {
        seed = strtoull(argv[2], &end, 0);
        if (!*argv[2] || *end) {
            fprintf(stderr, "lockstep: SEED is a number, not '%s'\n", argv[2]);
            return 2;
        }
    }
    static ls_ctx c;
    if (ls_init(&c) < 0) {
        fprintf(stderr, "lockstep: cannot set up the two machines\n");
        return 2;
    }
    const char *tiers = getenv("LOCKSTEP_TIERS");
    if (tiers && *tiers) {
        const char *comma = strchr(tiers, ',');
        if (!comma || parse_tier(tiers, (size_t)(comma - tiers), &c.tier[0]) < 0 ||
            parse_tier(comma + 1, strlen(comma + 1), &c.tier[1]) < 0) {
            fprintf(stderr, "lockstep: LOCKSTEP_TIERS is two of interp, jit, auto: 'interp,jit', not '%s'\n", tiers);
            return 2;
        }
    }
    int failed = 0;
    for (long k = 0; k < n; k++) {
        uint64_t s = seed + (uint64_t)k;
        /* xorshift needs a nonzero state; the seed is mixed so neighbours differ */
        rd_rng r = {.s = (s ^ UINT64_C(0x9e3779b97f4a7c15)) * UINT64_C(0xbf58476d1ce4e5b9) | 1};
        int res = ls_check(&c, &r);
        if (res < 0) {
            fprintf(stderr, "lockstep: generator bug in sequence seed %#llx\n", (unsigned long long)s);
            ls_fini(&c);
            return 2;
        }
        if (res > 0) {
            fprintf(stderr, "  seed %#llx; again: lockstep 1 %#llx\n", (unsigned long long)s, (unsigned long long)s);
            if (++failed >= 5) {
                fprintf(stderr, "lockstep: stopping after 5 differing sequences\n");
                break;
            }
        }
    }
    unsigned reached = 0, missing = 0;
    for (unsigned op = 0; op < RV_NOPS; op++) {
        if (c.seen[op])
            reached++;
        else if (op != RV_OP_rdtime && n >= 500) {
            fprintf(stderr, "lockstep: %s was never generated\n", rv_ops[op].name);
            missing++;
        }
    }
    ls_fini(&c);
    if (failed || missing) {
        fprintf(stderr, "lockstep: %d sequences differ, %u ops not generated\n", failed, missing);
        return 1;
    }
    printf("ok %ld sequences (%ld on the TLB model), %ld steps, %ld instructions, %u ops (%s vs %s)\n", n,
           c.tlb_seqs, c.steps, c.retired, reached, ls_tier_name(c.tier[0]), ls_tier_name(c.tier[1]));
    return 0;
}
