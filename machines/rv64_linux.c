/* rv64-linux: the process VM that runs riscv64 Linux programs.  A thin
 * composition: the RISC-V interpreter (isa/riscv) on a guest address space
 * (core/aspace) with the Linux personality (os/linux), offered as a machine
 * class (core/machine.h).
 *
 * Each machine owns its guest process (lx_process).  The guest's first
 * thread runs on run's caller; the threads it makes are host threads of
 * their own, which go on between run calls.  Embedded (vvm.h), its end
 * (exit_group, the last thread's exit, a fatal signal in any thread) ends
 * only the machine: every guest thread leaves its loop, the host threads
 * are joined, and run returns VVM_EXITED.  Under `vvm run` the guest's end
 * is vvm's. */
#include <elf.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "core/machine.h"
#include "core/vmlet.h"
#include "isa/riscv/rv_disasm.h"
#include "machines/machines.h"
#include "meta/reflect.h"
#include "os/linux/lx.h"

#define DEFAULT_SYSROOT "/usr/riscv64-linux-gnu"

typedef struct rvl_machine {
    vvm_machine base;
    lx_process proc;
    lx_thread *main;            /* the guest's first thread */
    int inited;                 /* proc initialised (lx_process_init) */
    int loaded;
    int started;                /* lx_process_start done: host signals are the guest's */
    int exited;
    int status;                 /* once exited */
    vvm_reflect *meta;          /* --load's meta VM, or NULL */
} rvl_machine;

#define RVL(m) ((rvl_machine *)(m))

static int probe(const uint8_t *h, size_t n, const char *path)
{
    (void)path;
    if (n < 4 || memcmp(h, ELFMAG, SELFMAG) != 0)
        return 0;
    if (n < 20)
        return 1;  /* a truncated ELF: let the loader say so */
    unsigned m = h[18] | h[19] << 8;
    return m == EM_RISCV ? 10 : 0;
}

extern const vvm_machine_class rvl_class;

static vvm_machine *rvl_create(char *err, size_t errlen)
{
    rvl_machine *m = calloc(1, sizeof *m);
    if (!m) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    m->base.cls = &rvl_class;
    return &m->base;
}

/* The guest process, with the options load and restore take. */
static int init_proc(rvl_machine *m, const vvm_run_opts *o, char *err, size_t errlen)
{
    if (m->inited) {
        snprintf(err, errlen, "a program is already loaded");
        return -1;
    }
    lx_options lo = {0};
    lo.sysroot = o->sysroot;
    if (!lo.sysroot && access(DEFAULT_SYSROOT, F_OK) == 0)
        lo.sysroot = DEFAULT_SYSROOT;
    lo.strace = o->strace;
    lo.trace = o->trace;
    lo.log = o->log ? o->log : stderr;
    lo.argv0 = o->argv0;
    lo.embedded = o->embedded;
    lo.jit_cache_size = o->jit_cache_size;
    lo.perfmap = o->perfmap;
    lo.loads = o->loads;
    const char *engine = o->engine ? o->engine : getenv("VVM_ENGINE");
    if (!engine || !*engine || !strcmp(engine, "auto"))
        lo.tier = ENG_TIER_AUTO;    /* the default: interpret, translate what runs often */
    else if (!strcmp(engine, "jit"))
        lo.tier = ENG_TIER_JIT;
    else if (!strcmp(engine, "interp"))
        lo.tier = ENG_TIER_INTERP;
    else {
        snprintf(err, errlen, "%s is interp, jit or auto, not '%.64s'", o->engine ? "--engine" : "VVM_ENGINE", engine);
        return -2;
    }
    lx_process *p = &m->proc;
    int rc = lx_process_init(p, &lo);
    if (rc < 0) {
        snprintf(err, errlen, "cannot reserve the guest address space: %s", strerror(-rc));
        return -1;
    }
    m->inited = 1;
    if (o->rlimits && lx_rlimit_parse(p, o->rlimits) < 0) {
        snprintf(err, errlen, "--rlimits wants AS,DATA,STACK limits as CUR:MAX,CUR:MAX,CUR:MAX");
        return -2;
    }
    return 0;
}

/* The guest's first thread, at pc with stack pointer sp. */
static int main_thread(rvl_machine *m, uint64_t pc, uint64_t sp, char *err, size_t errlen)
{
    lx_thread *t = lx_thread_new(&m->proc);
    if (!t) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    t->cpu.pc = pc;
    t->cpu.x[2] = sp;
    m->main = t;
    m->loaded = 1;
    return 0;
}

static void meta_fork_lock(void *arg, int lock) { vvm_reflect_fork(arg, lock); }
static int meta_syscall(void *arg, rv_cpu *cpu, long nr, const uint64_t a[6], int64_t *ret)
{
    return vvm_reflect_syscall(arg, cpu, nr, a, ret);
}

static const char *syscall_name(long nr) { return nr >= 0 && nr < LX_NR_MAX ? lx_syscalls[nr].name : NULL; }

/* --load: the machine's meta VM runs each file before the guest starts */
static int load_vmlets(rvl_machine *m, char *const *loads, char *err, size_t errlen)
{
    lx_process *p = &m->proc;
    if (!(m->meta = vvm_reflect_new(&p->weaver, &rv_isa, syscall_name, err, errlen)))
        return -1;
    for (size_t k = 0; loads[k]; k++)
        if (vvm_reflect_load(m->meta, loads[k]) < 0) {
            snprintf(err, errlen, "--load %s failed (the error is above)", loads[k]);
            return -1;
        }
    vvm_reflect_started(m->meta);
    p->fork_lock = meta_fork_lock;
    p->meta_syscall = meta_syscall;
    p->meta_arg = m->meta;
    return 0;
}

static int rvl_load(vvm_machine *vm, const char *path, char *const argv[], char *const envp[], const vvm_run_opts *o,
                    char *err, size_t errlen)
{
    rvl_machine *m = RVL(vm);
    int rc = init_proc(m, o, err, errlen);
    if (rc < 0)
        return rc;
    lx_process *p = &m->proc;
    /* lx_load keeps nothing of argv: a copy that can take -0's argv[0] */
    size_t argc = 0;
    while (argv[argc])
        argc++;
    char **args = calloc(argc + 1, sizeof *args);
    if (!args) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    memcpy(args, argv, argc * sizeof *args);
    if (o->argv0 && argc)
        args[0] = (char *)o->argv0;
    char *const noenv[] = {NULL};
    rc = lx_load(p, path, args, envp ? envp : noenv, err, errlen);
    free(args);
    if (rc < 0)
        return -126;
    if (o->strace && lx_strace_install(p) < 0) {
        snprintf(err, errlen, "cannot weave --strace advice");
        return -1;
    }
    if (o->loads && o->loads[0] && load_vmlets(m, o->loads, err, errlen) < 0)
        return -1;
    return main_thread(m, p->interp_entry ? p->interp_entry : p->entry, p->start_sp, err, errlen);
}

/* The guest is gone: its threads joined, the host's dispositions back. */
static void finish(rvl_machine *m)
{
    lx_threads_reap(&m->proc, 1);
    if (m->started)
        lx_signal_fini(&m->proc);
    m->status = m->proc.exit_status;
    m->exited = 1;
}

static vvm_status rvl_run(vvm_machine *vm, int64_t budget)
{
    rvl_machine *m = RVL(vm);
    if (!m->loaded || m->exited)
        return m->exited ? VVM_EXITED : VVM_ERROR;
    lx_process *p = &m->proc;
    lx_thread *t = m->main;
    if (!p->opt.embedded) {
        /* vvm run: the guest's first thread on vvm's main thread, to its end */
        m->status = lx_run(p);
        m->exited = 1;
        return VVM_EXITED;
    }
    /* the caller's mask: the guest thread's own while it runs here */
    sigset_t mask;
    pthread_sigmask(SIG_SETMASK, NULL, &mask);
    if (!m->started) {
        if ((p->opt.trace || p->opt.perfmap) && lx_trace_setup(p, p->opt.trace) < 0)
            return VVM_ERROR;
        if (lx_process_start(p) < 0)
            return VVM_ERROR;
        m->started = 1;
    }
    if (!t->exited && !p->exiting) {
        t->cpu.budget = budget < 0 ? -1 : budget;
        lx_thread_loop(t);
    }
    vvm_status st = VVM_BUDGET;
    if (t->exited || p->exiting) {
        /* the process has ended, or ends with the last of the threads the
         * first one left behind when it exited alone */
        finish(m);
        st = VVM_EXITED;
    }
    pthread_sigmask(SIG_SETMASK, &mask, NULL);
    return st;
}

static int rvl_exit_status(const vvm_machine *vm) { return RVL(vm)->exited ? RVL(vm)->status : -1; }

static uint64_t rvl_instret(const vvm_machine *vm) { return RVL(vm)->loaded ? RVL(vm)->main->cpu.instret : 0; }

/* The register file: x0..x31, pc, f0..f31 (vvm.h's VVM_REG_* numbers). */
#define REG_PC 32
#define REG_F0 33
#define NREGS (REG_F0 + 32)

static const char *rvl_reg_name(int reg) { return reg >= 0 && reg < NREGS ? rv_isa.reg_name((unsigned)reg) : NULL; }

static int rvl_reg_read(const vvm_machine *vm, int reg, uint64_t *v)
{
    const rvl_machine *m = RVL(vm);
    if (!m->loaded || reg < 0 || reg >= NREGS)
        return -1;
    const rv_cpu *c = &m->main->cpu;
    *v = reg < 32 ? c->x[reg] : reg == REG_PC ? c->pc : c->f[reg - REG_F0];
    return 0;
}

static int rvl_reg_write(vvm_machine *vm, int reg, uint64_t v)
{
    rvl_machine *m = RVL(vm);
    if (!m->loaded || reg < 0 || reg >= NREGS)
        return -1;
    rv_cpu *c = &m->main->cpu;
    if (reg == 0)
        return 0;  /* x0 stays zero */
    if (reg < 32)
        c->x[reg] = v;
    else if (reg == REG_PC)
        c->pc = v;
    else
        c->f[reg - REG_F0] = v;
    return 0;
}

static int rvl_mem_read(const vvm_machine *vm, uint64_t addr, void *buf, size_t n)
{
    const rvl_machine *m = RVL(vm);
    if (!m->loaded)
        return -1;
    return vvm_aspace_peek(&m->proc.as, addr, buf, n) < 0 ? -1 : 0;
}

static int rvl_mem_write(vvm_machine *vm, uint64_t addr, const void *buf, size_t n)
{
    rvl_machine *m = RVL(vm);
    if (!m->loaded || vvm_aspace_poke(&m->proc.as, addr, buf, n) < 0)
        return -1;
    /* the write may have changed code */
    eng_inval_announce(&m->proc.inval, addr, addr + n);
    return 0;
}

/* One instruction: 2 or 4 bytes as its low bits say (2 when only 2 are left). */
static int rvl_disasm(uint64_t pc, const uint8_t *code, size_t n, char *out, size_t outlen, vvm_dis *info)
{
    memset(info, 0, sizeof *info);
    if (n < 2)
        return 0;
    uint32_t raw = code[0] | (uint32_t)code[1] << 8;
    int len = (raw & 3) == 3 && n >= 4 ? 4 : 2;
    if (len == 4)
        raw |= (uint32_t)code[2] << 16 | (uint32_t)code[3] << 24;
    rv_dis_info ri;
    info->len = len;
    info->valid = rv_disasm_ex(pc, raw, out, outlen, &ri) != 0;
    if (!info->valid && outlen)
        out[0] = 0;
    info->has_target = info->valid && ri.has_target;
    info->target = ri.target;
    return len;
}

/* ---- save and restore ----
 *
 * The format, for the same vvm on the same host: the magic line, the
 * rvl_state record, the program's path, then one record per run of guest
 * pages with the same protection (address, length, protection, whether
 * the contents follow) and the contents of the readable ones, and a record
 * of length 0 to end. */

#define STATE_MAGIC "vvm state: rv64-linux 1\n"

/* The scalar fields saved as they are, each named once: the process's
 * (lx_process), its address space's layout (vvm_aspace) and the first
 * thread's (lx_thread).  Save copies them into rvl_state, restore back. */
#define RVL_PROC_FIELDS(X) \
    X(entry) X(interp_entry) X(load_bias) X(interp_base) X(phdr) X(phnum) X(stack_top) X(stack_bottom) \
    X(start_sp) X(arg_start) X(arg_end) X(env_start) X(env_end) X(nauxv) X(mlock_future)
#define RVL_AS_FIELDS(X) X(brk_start) X(brk_cur) X(brk_mapped) X(mmap_top) X(mmap_min)
#define RVL_THREAD_FIELDS(X) \
    X(sigmask) X(clear_child_tid) X(robust_list) X(altstack_sp) X(altstack_size) X(altstack_flags)

typedef struct rvl_state {
    /* the first thread */
    uint64_t x[32], f[32], pc, instret;
    uint32_t fflags, frm;
    uint64_t sigmask, clear_child_tid, robust_list, altstack_sp, altstack_size;
    int64_t altstack_flags;
    /* the process */
    uint64_t entry, interp_entry, load_bias, interp_base, phdr, phnum;
    uint64_t stack_top, stack_bottom, start_sp, arg_start, arg_end, env_start, env_end;
    uint64_t auxv[32][2], nauxv;
    lx_sigaction sigact[LX_NSIG + 1];
    lx_rlimit rlim[RLIMIT_NLIMITS];
    int64_t mlock_future;
    uint64_t brk_start, brk_cur, brk_mapped, mmap_top, mmap_min;
    uint64_t exe_len;
} rvl_state;

typedef struct rvl_run {
    uint64_t addr, len, prot, data;
} rvl_span;

#define PAGE_PROT(b) ((b) & (VVM_PAGE_MAPPED | VVM_PROT_R | VVM_PROT_W | VVM_PROT_X))

/* A shared host mapping inside the guest's space (a MAP_SHARED mmap), as
 * /proc/self/maps shows it: its guest address, or 0 when there is none. */
static uint64_t shared_mapping(const vvm_aspace *as)
{
    FILE *f = fopen("/proc/self/maps", "re");
    if (!f)
        return 0;
    uintptr_t lo = (uintptr_t)as->base, hi = lo + as->size, found = 0;
    char line[512];
    while (!found && fgets(line, sizeof line, f)) {
        unsigned long a, b;
        char perms[8];
        if (sscanf(line, "%lx-%lx %7s", &a, &b, perms) == 3 && a >= lo && b <= hi && perms[3] == 's')
            found = a - lo;
        size_t n = strlen(line);
        while (n && line[n - 1] != '\n' && fgets(line, sizeof line, f))  /* the rest of a long line */
            n = strlen(line);
    }
    fclose(f);
    return found ? found : 0;
}

static int rvl_save(vvm_machine *vm, FILE *f, char *err, size_t errlen)
{
    rvl_machine *m = RVL(vm);
    lx_process *p = &m->proc;
    if (!m->loaded || m->exited) {
        snprintf(err, errlen, "%s", m->exited ? "the guest has exited: nothing to save" : "nothing loaded to save");
        return -1;
    }
    lx_thread *t = m->main;
    pthread_mutex_lock(&p->lock);
    int nthreads = p->nthreads, nhosts = p->nhosts;
    pthread_mutex_unlock(&p->lock);
    if (nthreads != 1 || nhosts || t->exited) {
        snprintf(err, errlen, "the guest runs %d threads: saving a guest with several threads is not supported yet",
                 nthreads + nhosts - (t->exited ? 1 : 0));
        return -1;
    }
    if (__atomic_load_n(&t->pending, __ATOMIC_SEQ_CST) | __atomic_load_n(&p->pending, __ATOMIC_SEQ_CST)) {
        snprintf(err, errlen, "a signal is pending for the guest: saving it is not supported yet");
        return -1;
    }
    vvm_aspace *as = &p->as;
    uint64_t sh = shared_mapping(as);
    if (sh) {
        snprintf(err, errlen, "the guest has a shared mapping at 0x%llx: saving one is not supported yet",
                 (unsigned long long)sh);
        return -1;
    }
    rvl_state s;
    memset(&s, 0, sizeof s);
    const rv_cpu *c = &t->cpu;
    memcpy(s.x, c->x, sizeof s.x);
    memcpy(s.f, c->f, sizeof s.f);
    s.pc = c->pc;
    s.instret = c->instret;
    s.fflags = c->fflags;
    s.frm = c->frm;
#define SAVE(from, fld) s.fld = from->fld;
#define SAVE_T(fld) SAVE(t, fld)
#define SAVE_P(fld) SAVE(p, fld)
#define SAVE_AS(fld) SAVE(as, fld)
    RVL_THREAD_FIELDS(SAVE_T)
    RVL_PROC_FIELDS(SAVE_P)
    RVL_AS_FIELDS(SAVE_AS)
    memcpy(s.auxv, p->auxv, sizeof s.auxv);
    pthread_mutex_lock(&p->lock);
    memcpy(s.sigact, p->sigact, sizeof s.sigact);
    pthread_mutex_unlock(&p->lock);
    pthread_mutex_lock(&p->rlim_lock);
    memcpy(s.rlim, p->rlim, sizeof s.rlim);
    pthread_mutex_unlock(&p->rlim_lock);
    s.exe_len = p->exe_path ? strlen(p->exe_path) : 0;
    if (fputs(STATE_MAGIC, f) < 0 || fwrite(&s, sizeof s, 1, f) != 1 || fwrite(p->exe_path, 1, s.exe_len, f) != s.exe_len)
        goto werr;
    uint64_t npages = as->size / VVM_PAGE;
    for (uint64_t pg = vvm_aspace_next_used(as, 0); pg < npages;) {
        uint8_t b = PAGE_PROT(as->pages[pg]);
        if (!(b & VVM_PAGE_MAPPED)) {
            pg = pg + 1 < npages ? vvm_aspace_next_used(as, pg + 1) : npages;
            continue;
        }
        uint64_t end = pg + 1;
        while (end < npages && PAGE_PROT(as->pages[end]) == b)
            end++;
        rvl_span r = {pg * VVM_PAGE, (end - pg) * VVM_PAGE, b & 7, (b & (VVM_PROT_R | VVM_PROT_X)) != 0};
        if (fwrite(&r, sizeof r, 1, f) != 1)
            goto werr;
        for (uint64_t a = r.addr; r.data && a < r.addr + r.len; a += VVM_PAGE) {
            uint8_t page[VVM_PAGE];
            if (vvm_aspace_peek(as, a, page, VVM_PAGE) < 0) {
                snprintf(err, errlen, "guest page 0x%llx has no memory behind it (a mapping past the end of its file)",
                         (unsigned long long)a);
                return -1;
            }
            if (fwrite(page, VVM_PAGE, 1, f) != 1)
                goto werr;
        }
        pg = end;
    }
    rvl_span last = {0, 0, 0, 0};
    if (fwrite(&last, sizeof last, 1, f) != 1 || fflush(f) != 0)
        goto werr;
    return 0;
werr:
    snprintf(err, errlen, "cannot write the state: %s", strerror(errno));
    return -1;
}

static int rvl_restore(vvm_machine *vm, FILE *f, const vvm_run_opts *o, char *err, size_t errlen)
{
    rvl_machine *m = RVL(vm);
    char magic[sizeof STATE_MAGIC];
    rvl_state s;
    if (fread(magic, 1, sizeof magic - 1, f) != sizeof magic - 1 || memcmp(magic, STATE_MAGIC, sizeof magic - 1)) {
        snprintf(err, errlen, "not a saved rv64-linux state of this vvm");
        return -1;
    }
    if (fread(&s, sizeof s, 1, f) != 1 || s.exe_len > 65536 || s.nauxv > 32) {
        snprintf(err, errlen, "truncated or damaged state");
        return -1;
    }
    int rc = init_proc(m, o, err, errlen);
    if (rc < 0)
        return -1;
    lx_process *p = &m->proc;
    vvm_aspace *as = &p->as;
    p->exe_path = calloc(1, s.exe_len + 1);
    if (!p->exe_path || fread(p->exe_path, 1, s.exe_len, f) != s.exe_len)
        goto bad;
#define LOAD(to, fld) to->fld = s.fld;
#define LOAD_T(fld) LOAD(t, fld)
#define LOAD_P(fld) LOAD(p, fld)
#define LOAD_AS(fld) LOAD(as, fld)
    RVL_PROC_FIELDS(LOAD_P)
    memcpy(p->auxv, s.auxv, sizeof s.auxv);
    memcpy(p->sigact, s.sigact, sizeof s.sigact);
    memcpy(p->rlim, s.rlim, sizeof s.rlim);
    for (;;) {
        rvl_span r;
        if (fread(&r, sizeof r, 1, f) != 1)
            goto bad;
        if (!r.len)
            break;
        if ((r.addr | r.len) & VVM_PAGE_MASK || r.addr >= as->size || r.len > as->size - r.addr || r.prot > 7 ||
            r.data > 1)
            goto bad;
        if (vvm_aspace_map(as, r.addr, r.len, VVM_PROT_R | VVM_PROT_W, MAP_PRIVATE, -1, 0) < 0) {
            snprintf(err, errlen, "cannot map guest 0x%llx (%llu bytes)", (unsigned long long)r.addr,
                     (unsigned long long)r.len);
            return -1;
        }
        for (uint64_t a = r.addr; r.data && a < r.addr + r.len; a += VVM_PAGE) {
            uint8_t page[VVM_PAGE];
            if (fread(page, VVM_PAGE, 1, f) != 1 || vvm_aspace_poke(as, a, page, VVM_PAGE) < 0)
                goto bad;
        }
        vvm_aspace_protect(as, r.addr, r.len, (int)r.prot);
    }
    if (s.brk_start > s.brk_cur || s.brk_cur > s.brk_mapped || s.brk_mapped > as->size)
        goto bad;
    RVL_AS_FIELDS(LOAD_AS)
    if (main_thread(m, s.pc, s.x[2], err, errlen) < 0)
        return -1;
    lx_thread *t = m->main;
    rv_cpu *c = &t->cpu;
    memcpy(c->x + 1, s.x + 1, sizeof s.x - sizeof s.x[0]);
    memcpy(c->f, s.f, sizeof s.f);
    c->instret = s.instret;
    c->fflags = s.fflags & 0x1f;
    c->frm = s.frm & 7;
    RVL_THREAD_FIELDS(LOAD_T)
    t->sigmask_init = 1;
    return 0;
bad:
    snprintf(err, errlen, "truncated or damaged state");
    return -1;
}

static void rvl_destroy(vvm_machine *vm)
{
    rvl_machine *m = RVL(vm);
    if (!m)
        return;
    lx_process *p = &m->proc;
    if (m->loaded && !m->exited) {
        /* its threads may run between run calls: stop them first */
        lx_process_end(p, 128 + SIGKILL);
        finish(m);
    }
    if (m->main) {
        /* a first thread that exited alone is off the list: free it here */
        int listed = 0;
        for (lx_thread *t = p->threads; t; t = t->next)
            listed |= t == m->main;
        if (!listed)
            lx_thread_free(m->main);
    }
    if (m->inited)
        lx_process_fini(p);
    vvm_reflect_free(m->meta);
    free(m);
}

const vvm_machine_class rvl_class = {
    .name = "rv64-linux",
    .create = rvl_create,
    .load = rvl_load,
    .run = rvl_run,
    .exit_status = rvl_exit_status,
    .instret = rvl_instret,
    .nregs = NREGS,
    .reg_name = rvl_reg_name,
    .reg_read = rvl_reg_read,
    .reg_write = rvl_reg_write,
    .mem_read = rvl_mem_read,
    .mem_write = rvl_mem_write,
    .elf_machine = EM_RISCV,
    .elf_format = "elf64-littleriscv",
    .disasm = rvl_disasm,
    .save = rvl_save,
    .restore = rvl_restore,
    .destroy = rvl_destroy,
};

const vvm_vmlet vvm_rv64_linux = {
    .abi = VVM_ABI_VERSION,
    .name = "rv64-linux",
    .doc = "riscv64 Linux programs (ELF, static or dynamic) on this host: process VM",
    .probe = probe,
    .cls = &rvl_class,
};
