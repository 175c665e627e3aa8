/* load: puts a riscv64 ELF program (and its dynamic loader) into a fresh
 * guest address space and builds the initial stack the way Linux does:
 * argc, argv, envp, the auxiliary vector, then the strings. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <unistd.h>

#include "core/elf.h"
#include "core/escape.h"
#include "os/linux/lx.h"
#include "os/linux/procfs.h"

#define PAGE_DOWN(x) ((x) & ~VVM_PAGE_MASK)
#define PAGE_UP(x) (((x) + VVM_PAGE_MASK) & ~VVM_PAGE_MASK)

typedef struct loaded {
    uint64_t bias, entry, phdr, phnum, end;
    char interp[4096];
} loaded;

static int seg_prot(uint32_t f)
{
    return ((f & PF_R) ? VVM_PROT_R : 0) | ((f & PF_W) ? VVM_PROT_W : 0) | ((f & PF_X) ? VVM_PROT_X : 0);
}

static int load_one(lx_process *p, const char *path, const char *shown, int is_interp, loaded *out, char *err,
                    size_t errlen)
{
    vvm_aspace *as = &p->as;
    vvm_elf e;
    char why[256];
    int rc = vvm_elf_open(&e, path, EM_RISCV, why, sizeof why);
    if (rc < 0) {
        snprintf(err, errlen, "%s: %s", shown, why);
        return rc;
    }
    const Elf64_Ehdr *eh = e.eh;
    rc = -ENOEXEC;
    if (eh->e_type != ET_EXEC && eh->e_type != ET_DYN) {
        snprintf(err, errlen, "%s: not an executable (ELF type %u)", shown, eh->e_type);
        goto out;
    }
    uint64_t lo = UINT64_MAX, hi = 0;
    int nload = 0;
    memset(out, 0, sizeof *out);
    for (int i = 0; i < eh->e_phnum; i++) {
        const Elf64_Phdr *ph = &e.ph[i];
        if (ph->p_type == PT_LOAD) {
            if (ph->p_filesz > ph->p_memsz || ph->p_offset > e.size || ph->p_filesz > e.size - ph->p_offset) {
                snprintf(err, errlen, "%s: truncated ELF file: segment %d lies past the end of the file", shown, i);
                goto out;
            }
            if ((ph->p_vaddr & VVM_PAGE_MASK) != (ph->p_offset & VVM_PAGE_MASK)) {
                snprintf(err, errlen, "%s: segment %d is not page-congruent with its file offset", shown, i);
                goto out;
            }
            if (ph->p_vaddr + ph->p_memsz < ph->p_vaddr) {
                snprintf(err, errlen, "%s: segment %d wraps around the address space", shown, i);
                goto out;
            }
            if (ph->p_vaddr < lo)
                lo = ph->p_vaddr;
            if (ph->p_vaddr + ph->p_memsz > hi)
                hi = ph->p_vaddr + ph->p_memsz;
            nload++;
        } else if (ph->p_type == PT_INTERP && !is_interp) {
            if (ph->p_offset > e.size || ph->p_filesz > e.size - ph->p_offset || ph->p_filesz == 0 ||
                ph->p_filesz >= sizeof out->interp) {
                snprintf(err, errlen, "%s: bad PT_INTERP segment", shown);
                goto out;
            }
            memcpy(out->interp, e.data + ph->p_offset, ph->p_filesz);
            out->interp[ph->p_filesz] = 0;
            if (strlen(out->interp) == 0) {
                snprintf(err, errlen, "%s: empty PT_INTERP", shown);
                goto out;
            }
        }
    }
    if (nload == 0) {
        snprintf(err, errlen, "%s: no loadable segments", shown);
        goto out;
    }
    lo = PAGE_DOWN(lo);
    hi = PAGE_UP(hi);
    uint64_t bias = 0;
    if (eh->e_type == ET_DYN) {
        uint64_t span = hi - lo;
        uint64_t want = is_interp ? 0 : LX_ET_DYN_BASE;
        pthread_mutex_lock(&as->lock);
        uint64_t at = vvm_aspace_find_free(as, want, span);
        pthread_mutex_unlock(&as->lock);
        if (!at) {
            snprintf(err, errlen, "%s: no room for %llu bytes of program", shown, (unsigned long long)span);
            rc = -ENOMEM;
            goto out;
        }
        bias = at - lo;
    } else if (hi > as->size || lo < VVM_PAGE) {
        snprintf(err, errlen, "%s: its addresses 0x%llx-0x%llx lie outside the guest address space", shown,
                 (unsigned long long)lo, (unsigned long long)hi);
        rc = -ENOMEM;
        goto out;
    }
    for (int i = 0; i < eh->e_phnum; i++) {
        const Elf64_Phdr *ph = &e.ph[i];
        if (ph->p_type != PT_LOAD || ph->p_memsz == 0)
            continue;
        int prot = seg_prot(ph->p_flags);
        uint64_t va = bias + ph->p_vaddr;
        uint64_t start = PAGE_DOWN(va);
        uint64_t fend = va + ph->p_filesz, mend = va + ph->p_memsz;
        if (ph->p_filesz) {
            /* file-backed and private: the page cache is shared, nothing copied */
            int r = vvm_aspace_map(as, start, PAGE_UP(fend) - start, prot | VVM_PROT_W, MAP_PRIVATE, e.fd,
                                   PAGE_DOWN(ph->p_offset));
            if (r < 0) {
                snprintf(err, errlen, "%s: cannot map segment %d: %s", shown, i, strerror(-r));
                rc = r;
                goto out;
            }
            if (mend > fend)  /* the rest of the last file page is bss */
                memset(as->base + fend, 0, PAGE_UP(fend) - fend);
        }
        uint64_t zstart = ph->p_filesz ? PAGE_UP(fend) : start;
        if (PAGE_UP(mend) > zstart) {
            int r = vvm_aspace_map(as, zstart, PAGE_UP(mend) - zstart, prot, MAP_PRIVATE, -1, 0);
            if (r < 0) {
                snprintf(err, errlen, "%s: cannot map segment %d: %s", shown, i, strerror(-r));
                rc = r;
                goto out;
            }
        }
        if (ph->p_filesz)
            vvm_aspace_protect(as, start, PAGE_UP(fend) - start, prot);
        if (PAGE_UP(mend) > out->end)
            out->end = PAGE_UP(mend);
    }
    out->bias = bias;
    out->entry = bias + eh->e_entry;
    out->phnum = eh->e_phnum;
    for (int i = 0; i < eh->e_phnum; i++)
        if (e.ph[i].p_type == PT_PHDR)
            out->phdr = bias + e.ph[i].p_vaddr;
    if (!out->phdr)
        for (int i = 0; i < eh->e_phnum; i++) {
            const Elf64_Phdr *ph = &e.ph[i];
            if (ph->p_type == PT_LOAD && eh->e_phoff >= ph->p_offset && eh->e_phoff < ph->p_offset + ph->p_filesz)
                out->phdr = bias + ph->p_vaddr + (eh->e_phoff - ph->p_offset);
        }
    rc = 0;
out:
    vvm_elf_close(&e);
    return rc;
}

/* Maps the stack in the highest free range with a guard page on each side
 * and moves the mmap search below it. */
static int place_stack(vvm_aspace *as, uint64_t size, uint64_t *top, uint64_t *bottom)
{
    const uint64_t gap = 1ULL << 28; /* left free below the stack for it to be found by hints */
    uint64_t min = as->mmap_min;
    as->mmap_top = as->size;
    pthread_mutex_lock(&as->lock);
    uint64_t at = vvm_aspace_find_free(as, 0, size + 2 * VVM_PAGE);
    pthread_mutex_unlock(&as->lock);
    as->mmap_min = min;
    if (!at)
        return -ENOMEM;
    *bottom = at + VVM_PAGE;
    *top = *bottom + size;
    int rc = vvm_aspace_map(as, *bottom, size, VVM_PROT_R | VVM_PROT_W, MAP_PRIVATE | MAP_NORESERVE, -1, 0);
    if (rc < 0)
        return rc;
    as->mmap_top = at > gap + 16 * VVM_PAGE ? at - gap : at;
    if (as->mmap_min > as->mmap_top)
        as->mmap_min = as->mmap_top;
    return 0;
}

/* Pushes n bytes on the guest stack; returns the guest address. */
static uint64_t push(lx_process *p, uint64_t *sp, const void *data, size_t n)
{
    *sp -= n;
    memcpy(p->as.base + *sp, data, n);
    return *sp;
}

static uint64_t hwcap(void)
{
    const char *ext = "imafdc";
    uint64_t v = 0;
    for (const char *c = ext; *c; c++)
        v |= 1ULL << (*c - 'a');
    return v;
}

int lx_load(lx_process *p, const char *path, char *const argv[], char *const envp[], char *err, size_t errlen)
{
    vvm_aspace *as = &p->as;
    loaded prog, interp;
    /* names in messages are escaped: a guest or a file chose them */
    char epath[1024], einterp[1024], eroot[1024];
    vvm_escape(epath, sizeof epath, path);
    int rc = load_one(p, path, epath, 0, &prog, err, errlen);
    if (rc < 0)
        return rc;
    p->exe_path = realpath(path, NULL);
    if (!p->exe_path)
        p->exe_path = strdup(path);
    p->entry = prog.entry;
    p->load_bias = prog.bias;
    p->phdr = prog.phdr;
    p->phnum = prog.phnum;
    p->interp_entry = 0;
    p->interp_base = 0;
    if (prog.interp[0]) {
        char buf[8192];
        const char *host = lx_sysroot_path(p, prog.interp, buf, sizeof buf);
        if (access(host, F_OK) != 0) {
            snprintf(err, errlen,
                     "%s: its dynamic loader %s was not found%s%s; pass --sysroot DIR (-L DIR), the riscv64 "
                     "root that holds it (Debian: /usr/riscv64-linux-gnu)",
                     epath, vvm_escape(einterp, sizeof einterp, prog.interp), p->opt.sysroot ? " under " : "",
                     p->opt.sysroot ? vvm_escape(eroot, sizeof eroot, p->opt.sysroot) : "");
            return -ENOENT;
        }
        char shown[2100];
        snprintf(shown, sizeof shown, "%s (dynamic loader of %s)", vvm_escape(einterp, sizeof einterp, host), epath);
        rc = load_one(p, host, shown, 1, &interp, err, errlen);
        if (rc < 0)
            return rc;
        p->interp_entry = interp.entry;
        p->interp_base = interp.bias;
    }
    /* the heap starts after the program's bss */
    as->brk_start = as->brk_cur = as->brk_mapped = PAGE_UP(prog.end);

    /* the stack: as high as nothing is mapped (the top of the space unless
     * the program lies there), with a free guard page above and below;
     * mmap's search starts below it */
    uint64_t top, bottom, stack_size = lx_stack_size(p);
    rc = place_stack(as, stack_size, &top, &bottom);
    if (rc < 0) {
        snprintf(err, errlen, "cannot map the stack: %s", strerror(-rc));
        return rc;
    }
    p->stack_top = top;
    p->stack_bottom = bottom;
    rc = lx_vdso_map(p);
    if (rc < 0) {
        snprintf(err, errlen, "cannot map the vDSO: %s", strerror(-rc));
        return rc;
    }

    uint64_t sp = top;
    int argc = 0, envc = 0;
    while (argv[argc])
        argc++;
    while (envp[envc])
        envc++;
    size_t strbytes = 0;
    for (int i = 0; i < argc; i++)
        strbytes += strlen(argv[i]) + 1;
    for (int i = 0; i < envc; i++)
        strbytes += strlen(envp[i]) + 1;
    if (strbytes > stack_size / 4) {
        snprintf(err, errlen, "arguments and environment too large (%zu bytes)", strbytes);
        return -E2BIG;
    }
    uint64_t execfn = push(p, &sp, path, strlen(path) + 1);
    uint64_t *envs = calloc((size_t)envc + 1, sizeof *envs), *args = calloc((size_t)argc + 1, sizeof *args);
    if (!envs || !args) {
        free(envs);
        free(args);
        snprintf(err, errlen, "out of memory");
        return -ENOMEM;
    }
    p->env_end = sp;
    for (int i = envc - 1; i >= 0; i--)
        envs[i] = push(p, &sp, envp[i], strlen(envp[i]) + 1);
    p->env_start = p->arg_end = sp;
    for (int i = argc - 1; i >= 0; i--)
        args[i] = push(p, &sp, argv[i], strlen(argv[i]) + 1);
    p->arg_start = sp;
    uint8_t rnd[16];
    if (getrandom(rnd, sizeof rnd, 0) != (ssize_t)sizeof rnd)
        memset(rnd, 0x5a, sizeof rnd);
    sp &= ~15ULL;
    uint64_t at_random = push(p, &sp, rnd, sizeof rnd);
    const char plat[] = "riscv64";
    uint64_t at_platform = push(p, &sp, plat, sizeof plat);
    sp &= ~15ULL;

    uint64_t auxv[][2] = {
        {AT_PHDR, p->phdr},        {AT_PHENT, sizeof(Elf64_Phdr)}, {AT_PHNUM, p->phnum},
        {AT_PAGESZ, VVM_PAGE},     {AT_BASE, p->interp_base},      {AT_FLAGS, 0},
        {AT_ENTRY, p->entry},      {AT_UID, getuid()},             {AT_EUID, geteuid()},
        {AT_GID, getgid()},        {AT_EGID, getegid()},           {AT_SECURE, 0},
        {AT_RANDOM, at_random},    {AT_HWCAP, hwcap()},            {AT_CLKTCK, 100},
        {AT_EXECFN, execfn},       {AT_PLATFORM, at_platform},     {AT_MINSIGSTKSZ, 2048},
        {AT_HWCAP2, 0},            {AT_SYSINFO_EHDR, p->vdso_base}, {AT_NULL, 0},
    };
    _Static_assert(sizeof auxv <= sizeof p->auxv, "lx_process has room for the auxiliary vector");
    memcpy(p->auxv, auxv, sizeof auxv);
    p->nauxv = sizeof auxv / sizeof auxv[0];
    size_t nwords = 1 + (size_t)argc + 1 + (size_t)envc + 1 + 2 * (sizeof auxv / sizeof auxv[0]);
    sp -= nwords * 8;
    sp &= ~15ULL;
    uint64_t *w = (uint64_t *)(as->base + sp);
    size_t k = 0;
    w[k++] = (uint64_t)argc;
    for (int i = 0; i < argc; i++)
        w[k++] = args[i];
    w[k++] = 0;
    for (int i = 0; i < envc; i++)
        w[k++] = envs[i];
    w[k++] = 0;
    for (size_t i = 0; i < sizeof auxv / sizeof auxv[0]; i++) {
        w[k++] = auxv[i][0];
        w[k++] = auxv[i][1];
    }
    free(envs);
    free(args);
    p->start_sp = sp;
    lx_proc_init(p);
    return 0;
}
