/* vvm: the command line.  Subcommands: run, repl, disasm, info, help, version. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "core/escape.h"
#include "core/machine.h"
#include "core/vmlet.h"

extern char **environ;

static void usage(FILE *f)
{
    fprintf(f,
            "usage: vvm COMMAND [ARGS...]\n"
            "\n"
            "  run [OPTIONS] PROGRAM [ARGS...]   run a program (a riscv64 Linux ELF, a .vml script)\n"
            "  repl [FILE...]                    the meta language's read-eval-print loop\n"
            "  disasm FILE                       disassemble the code of an ELF file\n"
            "  info                              list the machines (VMlets) and join points\n"
            "  help                              this text; `vvm run --help` for run's options\n"
            "  version                           print the version\n");
}

static void run_usage(FILE *f)
{
    fprintf(f,
            "usage: vvm run [OPTIONS] PROGRAM [ARGS...]\n"
            "\n"
            "Runs PROGRAM on the machine that recognises it: a riscv64 Linux ELF runs on\n"
            "rv64-linux.  The exit status is the program's; a program killed by signal N\n"
            "makes vvm exit with 128+N.\n"
            "\n"
            "  --machine rv64-virt OPTIONS  the system VM, with qemu-system-riscv64's options\n"
            "                          (vvm run --machine rv64-virt -h lists them)\n"
            "  -L DIR, --sysroot DIR   riscv64 root for the dynamic loader and libraries\n"
            "                          (default /usr/riscv64-linux-gnu when present)\n"
            "  -E VAR=VALUE            set VAR in the guest's environment\n"
            "  -U VAR                  remove VAR from the guest's environment\n"
            "  -0 ARGV0                use ARGV0 as the guest's argv[0]\n"
            "  --load FILE.vml         run FILE in the machine's meta VM before the program\n"
            "                          starts: its advice watches and steers the guest\n"
            "                          (docs/reflection.md; repeatable)\n"
            "  --strace, -strace       print every system call with arguments and result\n"
            "  --trace WHAT            trace insn, block, translate, trap or signal\n"
            "                          (comma-separated)\n"
            "  --engine interp|jit|auto  execution tier: the interpreter, translated code\n"
            "                          from a block's first run, or translated once it\n"
            "                          ran often (default: $VVM_ENGINE, else auto)\n"
            "  --jit-cache-size N[K|M|G]  translated code per thread before a flush (32M)\n"
            "  --log FILE              write traces to FILE instead of stderr\n"
            "  --perfmap               name translated code for perf in /tmp/perf-PID.map\n"
            "                          (guest functions from the program's symbols; under\n"
            "                          --engine interp nothing is translated: no lines)\n"
            "  --rlimits A:A,D:D,S:S   the guest's RLIMIT_AS, RLIMIT_DATA and RLIMIT_STACK\n"
            "                          (CUR:MAX each; what a guest's execve hands on)\n"
            "  -h, --help              this text\n");
}

/* The guest environment: the host's, edited by -E and -U. */
typedef struct envlist {
    char **v;
    size_t n;
} envlist;

static int env_set(envlist *e, const char *kv)
{
    const char *eq = strchr(kv, '=');
    size_t klen = eq ? (size_t)(eq - kv) : strlen(kv);
    for (size_t i = 0; i < e->n; i++)
        if (!strncmp(e->v[i], kv, klen) && e->v[i][klen] == '=') {
            if (eq)
                e->v[i] = (char *)kv;
            else {
                memmove(&e->v[i], &e->v[i + 1], (e->n - i) * sizeof(char *));
                e->n--;
            }
            return 0;
        }
    if (!eq)
        return 0;
    char **nv = realloc(e->v, (e->n + 2) * sizeof(char *));
    if (!nv)
        return -1;
    e->v = nv;
    e->v[e->n++] = (char *)kv;
    e->v[e->n] = NULL;
    return 0;
}

/* Parses run's options and runs the program; env and *logf belong to the
 * caller, which frees them on every path (env_set may move env->v). */
static int run_with(int argc, char **argv, envlist *env, FILE **logfp, char **loads)
{
    vvm_run_opts o = {0};
    size_t nloads = 0;
    FILE *logf = NULL;
    int i = 1;
    for (; i < argc; i++) {
        const char *a = argv[i];
        if (a[0] != '-')
            break;
        if (!strcmp(a, "--")) {
            i++;
            break;
        }
#define NEEDARG() \
    do { \
        if (i + 1 >= argc) { \
            fprintf(stderr, "vvm run: option %s needs an argument\n", a); \
            return 2; \
        } \
    } while (0)
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            run_usage(stdout);
            return 0;
        } else if (!strcmp(a, "--machine") || !strncmp(a, "--machine=", 10)) {
            const char *name;
            if (a[9] == '=')
                name = a + 10;
            else {
                NEEDARG();
                name = argv[++i];
            }
            const vvm_machine_class *c = vvm_machine_class_find(name);
            if (!c) {
                fprintf(stderr, "vvm run: --machine: no machine '%s' (vvm info lists them)\n", name);
                return 2;
            }
            if (c->main && o.loads) {
                fprintf(stderr, "vvm run: --load: %s has no meta level yet (rv64-linux has)\n", name);
                return 2;
            }
            if (c->main) {
                o.envp = env->v;
                o.log = logf ? logf : stderr;
                return c->main(argc - i - 1, argv + i + 1, &o);
            }
            if (strcmp(name, "rv64-linux")) {
                fprintf(stderr, "vvm run: --machine %s: that machine runs no program this way\n", name);
                return 2;
            }
            /* rv64-linux: what the program's probe would choose */
        } else if (!strcmp(a, "-L") || !strcmp(a, "--sysroot")) {
            NEEDARG();
            o.sysroot = argv[++i];
        } else if (!strncmp(a, "--sysroot=", 10)) {
            o.sysroot = a + 10;
        } else if (!strcmp(a, "-E")) {
            NEEDARG();
            if (!strchr(argv[i + 1], '=')) {
                fprintf(stderr, "vvm run: -E wants VAR=VALUE, got '%s'\n", argv[i + 1]);
                return 2;
            }
            env_set(env, argv[++i]);
        } else if (!strcmp(a, "-U")) {
            NEEDARG();
            env_set(env, argv[++i]);
        } else if (!strcmp(a, "-0")) {
            NEEDARG();
            o.argv0 = argv[++i];
        } else if (!strcmp(a, "--load")) {
            NEEDARG();
            /* absolute: the guest may change directory before an execve
             * hands it on */
            char *path = realpath(argv[++i], NULL);
            if (!path) {
                fprintf(stderr, "vvm run: --load %s: %s\n", argv[i], strerror(errno));
                return 2;
            }
            loads[nloads++] = path;
            o.loads = loads;
        } else if (!strcmp(a, "--perfmap")) {
            o.perfmap = 1;
        } else if (!strcmp(a, "--strace") || !strcmp(a, "-strace")) {
            o.strace = 1;
        } else if (!strcmp(a, "--trace")) {
            NEEDARG();
            o.trace = argv[++i];
        } else if (!strncmp(a, "--trace=", 8)) {
            o.trace = a + 8;
        } else if (!strcmp(a, "--rlimits")) {
            NEEDARG();
            o.rlimits = argv[++i];
        } else if (!strcmp(a, "--engine")) {
            NEEDARG();
            o.engine = argv[++i];
            if (strcmp(o.engine, "interp") && strcmp(o.engine, "jit") && strcmp(o.engine, "auto")) {
                fprintf(stderr, "vvm run: --engine is interp, jit or auto, not '%s'\n", o.engine);
                return 2;
            }
        } else if (!strcmp(a, "--jit-cache-size")) {
            NEEDARG();
            const char *v = argv[++i];
            char *end;
            errno = 0;
            unsigned long long n = strtoull(v, &end, 10);
            unsigned long long mul = *end == 'K' || *end == 'k' ? 1ull << 10 : *end == 'M' || *end == 'm' ? 1ull << 20
                                   : *end == 'G' || *end == 'g' ? 1ull << 30 : 1;
            if (mul != 1)
                end++;
            if (errno || end == v || *end || v[0] == '-' || n == 0 || n > (4ull << 30) / mul || n * mul < 65536) {
                fprintf(stderr, "vvm run: --jit-cache-size wants a size from 64K to 4G (e.g. 32M), not '%s'\n", v);
                return 2;
            }
            o.jit_cache_size = (size_t)(n * mul);
        } else if (!strcmp(a, "--log")) {
            NEEDARG();
            if (logf)
                fclose(logf);
            logf = *logfp = fopen(argv[++i], "w");
            if (!logf) {
                fprintf(stderr, "vvm run: --log %s: %s\n", argv[i], strerror(errno));
                return 2;
            }
        } else {
            fprintf(stderr, "vvm run: unknown option '%s' (see vvm run --help)\n", a);
            return 2;
        }
    }
    if (i >= argc) {
        run_usage(stderr);
        return 2;
    }
    const char *path = argv[i];
    char err[512];
    vvm_builtin_vmlets();
    const vvm_vmlet *v = vvm_vmlet_for_file(path, err, sizeof err);
    if (!v) {
        char epath[1024]; /* the path may come from a guest's execve */
        fprintf(stderr, "vvm: %s: %s\n", vvm_escape(epath, sizeof epath, path), err);
        return errno == ENOENT ? 127 : 126;
    }
    o.envp = env->v;
    o.log = logf ? logf : stderr;
    if (logf)
        setvbuf(logf, NULL, _IOFBF, 1 << 16);
    return vvm_machine_main(v->cls, path, argv + i, &o);
}

static int cmd_run(int argc, char **argv)
{
    envlist env = {0};
    for (char **p = environ; *p; p++)
        env.n++;
    env.v = calloc(env.n + 1, sizeof(char *));
    if (!env.v)
        return 1;
    memcpy(env.v, environ, env.n * sizeof(char *));
    FILE *logf = NULL;
    char **loads = calloc((size_t)argc + 1, sizeof *loads);
    if (!loads)
        return 1;
    int rc = run_with(argc, argv, &env, &logf, loads);
    if (logf)
        fclose(logf);
    for (size_t k = 0; loads[k]; k++)
        free(loads[k]);
    free(loads);
    free(env.v);
    return rc;
}

static void print_vmlet(const vvm_vmlet *v, void *arg)
{
    (void)arg;
    printf("  %-12s %s\n", v->name, v->doc);
}

static int cmd_info(void)
{
    vvm_builtin_vmlets();
    printf("vvm %s\n\nmachines (VMlets):\n", VVM_VERSION);
    vvm_vmlet_each(print_vmlet, NULL);
    printf("\njoin points:\n");
    for (int jp = 0; jp < VVM_JP_COUNT; jp++)
        printf("  %-14s %s\n", vvm_jp_name((vvm_jp)jp), vvm_jp_doc((vvm_jp)jp));
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    const char *cmd = argv[1];
    if (!strcmp(cmd, "run"))
        return cmd_run(argc - 1, argv + 1);
    if (!strcmp(cmd, "repl")) {
        const vvm_machine_class *meta = vvm_machine_class_find("meta");
        if (!meta || !meta->repl) {
            fprintf(stderr, "vvm: no machine with a REPL in this build\n");
            return 1;
        }
        int edit = repl_edit_begin();
        int rc = meta->repl(argc - 2, argv + 2);
        if (edit)
            repl_edit_end();
        return rc;
    }
    if (!strcmp(cmd, "disasm"))
        return cmd_disasm(argc - 1, argv + 1);
    if (!strcmp(cmd, "info"))
        return cmd_info();
    if (!strcmp(cmd, "help") || !strcmp(cmd, "-h") || !strcmp(cmd, "--help")) {
        usage(stdout);
        return 0;
    }
    if (!strcmp(cmd, "version") || !strcmp(cmd, "--version")) {
        printf("vvm %s\n", VVM_VERSION);
        return 0;
    }
    fprintf(stderr, "vvm: unknown command '%s'\n", cmd);
    usage(stderr);
    return 2;
}
