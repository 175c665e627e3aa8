/* trace: --trace insn|block|translate|trap|signal as advice on the join points.
 * The same API a loaded VMlet uses; with no --trace nothing is woven and the
 * interpreter runs its plain dispatch table. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <capstone/capstone.h>

#include "core/dynlib.h"
#include "core/elf.h"
#include "core/elfsym.h"
#include "engine/jit.h"
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

/* capstone, loaded when --trace translate is asked for (vvm's start-up
 * and size stay as they were without it); the soname of the headers we
 * were built with, whose cs_insn layout we use */
static struct {
    int tried, ok;
    csh h;
    cs_err (*open)(cs_arch, cs_mode, csh *);
    size_t (*disasm)(csh, const uint8_t *, size_t, uint64_t, size_t, cs_insn **);
    void (*free)(cs_insn *, size_t);
} cs;

#define CS_STR2(x) #x
#define CS_STR(x) CS_STR2(x)
#define CS_SONAME "libcapstone.so." CS_STR(CS_API_MAJOR)

static const vvm_dynsym cs_syms[] = {
    {"cs_open", (void **)&cs.open},
    {"cs_disasm", (void **)&cs.disasm},
    {"cs_free", (void **)&cs.free},
};
static vvm_dynlib cs_lib = {CS_SONAME, cs_syms, sizeof cs_syms / sizeof cs_syms[0], 0, ""};

static int capstone_load(void)
{
    if (cs.tried)
        return cs.ok ? 0 : -1;
    cs.tried = 1;
    if (vvm_dynlib_load(&cs_lib) < 0) {
        fprintf(stderr, "vvm: --trace translate: %s (install capstone: Debian's libcapstone%d); "
                        "translated code is shown without its disassembly\n", cs_lib.why, CS_API_MAJOR);
        return -1;
    }
    if (cs.open(CS_ARCH_X86, CS_MODE_64, &cs.h) != CS_ERR_OK) {
        fprintf(stderr, "vvm: --trace translate: %s cannot disassemble x86-64\n", CS_SONAME);
        return -1;
    }
    cs.ok = 1;
    return 0;
}

/* One translated block's listing at a time (threads translate at once, and
 * a capstone handle is not for two threads); a forked child starts with
 * the lock free, whichever thread of the parent held it. */
static pthread_mutex_t listing = PTHREAD_MUTEX_INITIALIZER;
static void listing_reset(void) { pthread_mutex_init(&listing, NULL); }
static void listing_setup(void) { pthread_atfork(NULL, NULL, listing_reset); }
static pthread_once_t listing_once = PTHREAD_ONCE_INIT;

/* host code [from, to) of the translated code at base */
static void host_code(FILE *f, const uint8_t *base, uint32_t from, uint32_t to)
{
    cs_insn *in = NULL;
    size_t n = 0;
    if (to <= from)
        return;
    if (capstone_load() == 0)
        n = cs.disasm(cs.h, base + from, to - from, (uint64_t)(uintptr_t)(base + from), 0, &in);
    uint32_t done = from;
    for (size_t k = 0; k < n; k++) {
        fprintf(f, "        %#" PRIx64 ":  %s %s\n", in[k].address, in[k].mnemonic, in[k].op_str);
        done += in[k].size;
    }
    if (n)
        cs.free(in, n);
    if (done < to)
        fprintf(f, "        %p:  (%u bytes not disassembled)\n", (const void *)(base + done), to - done);
}

static void on_translate(const vvm_jp_event *ev, void *user)
{
    FILE *f = user;
    if (!ev->args[0]) {  /* the interpreter decoded a block */
        fprintf(f, "translate %#" PRIx64 " (%u instructions)\n", ev->pc, ev->n);
        return;
    }
    /* the translation tier made host code for it (engine/jit.h) */
    const uint8_t *code = (const uint8_t *)(uintptr_t)ev->args[0];
    uint32_t size = (uint32_t)ev->args[1], entry = (uint32_t)ev->args[4];
    const eng_block *b = (const eng_block *)(uintptr_t)ev->args[2];
    const uint32_t *off = (const uint32_t *)(uintptr_t)ev->args[3];
    const vvm_aspace *as = ((const rv_cpu *)ev->vcpu)->as;
    pthread_mutex_lock(&listing);
    fprintf(f, "translate %#" PRIx64 " to x86-64: %u instructions, %u bytes at %p\n", ev->pc, ev->n, size,
            (const void *)code);
    uint32_t body_end = off[b->n] == UINT32_MAX ? size : off[b->n];
    uint32_t first = body_end;
    for (unsigned s = 0; s < b->n; s++)
        if (off[s] != UINT32_MAX) {
            first = off[s];
            break;
        }
    fprintf(f, "    (block entry)\n");
    host_code(f, code, entry, first);
    for (unsigned s = 0; s < b->n; s++) {
        const eng_insn *I = &b->insn[s];
        uint64_t pc = b->pc + I->pcoff;
        uint32_t raw = 0;
        char buf[128];
        if (vvm_copy_from_guest(as, &raw, pc, I->len) < 0 || !rv_disasm(pc, raw, buf, sizeof buf))
            snprintf(buf, sizeof buf, "(unreadable)");
        fprintf(f, "    %#" PRIx64 ": %0*" PRIx32 "  %s\n", pc, I->len == 2 ? 4 : 8, raw, buf);
        if (off[s] == UINT32_MAX)
            continue;
        uint32_t end = body_end;
        for (unsigned t = s + 1; t < b->n; t++)
            if (off[t] != UINT32_MAX) {
                end = off[t];
                break;
            }
        host_code(f, code, off[s], end);
    }
    fprintf(f, "    (exits and out-of-line code)\n");
    host_code(f, code, body_end, size);
    pthread_mutex_unlock(&listing);
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

/* --perfmap: a "HOSTADDR SIZE NAME" line (hex) in /tmp/perf-PID.map for each
 * block translated to host code, named by the guest function containing it
 * ("guest:FUNC+0xOFF", else "guest:0xPC"): from the main program's symbol
 * table (.symtab, else .dynsym), the dynamic loader's, and those of the
 * shared objects the loader has mapped, which it lists in its link map
 * (_r_debug.r_map, as a debugger reads it), looked at again when a pc is
 * in none of the objects known so far.  Symbols come from core/elfsym, as
 * `vvm disasm`'s do.  Each line is one write() to the file opened O_APPEND
 * and closed again: threads need no lock for it, a forked child (another
 * host pid) writes its own file, and no descriptor stays open where the
 * guest's own are (a guest that closes every descriptor, or counts on the
 * lowest free one, sees no difference). */
typedef struct perfobj {
    uint64_t node;      /* guest address of its link-map entry; 0: loaded by vvm */
    uint64_t bias;
    vvm_symtab syms;
} perfobj;
typedef struct perfmap {
    lx_process *p;
    pthread_mutex_t lock;   /* translating threads name blocks at once */
    perfobj *obj;
    size_t nobj;
    uint64_t r_debug;       /* guest address of the loader's _r_debug, 0 if none */
} perfmap;

/* Adds the functions of the ELF file at host path, loaded at bias. */
static void perfmap_add(perfmap *m, const char *path, uint64_t bias, uint64_t node)
{
    perfobj *o = realloc(m->obj, (m->nobj + 1) * sizeof *o);
    if (!o)
        return;
    m->obj = o;
    o = &m->obj[m->nobj++];
    *o = (perfobj){.node = node, .bias = bias};
    vvm_elf e;
    char err[256];
    if (!path || vvm_elf_open(&e, path, EM_RISCV, err, sizeof err) < 0)
        return;   /* known, with no names */
    if (e.eh->e_type != ET_DYN)
        o->bias = 0;
    vvm_symtab_load(&e, &o->syms, VVM_SYMS_FUNCS);
    vvm_elf_close(&e);
}

/* The address of symbol `name` in the ELF file at path (before its bias), or 0. */
static uint64_t elf_symbol(const char *path, const char *name)
{
    vvm_elf e;
    char err[256];
    uint64_t at = 0;
    if (!path || vvm_elf_open(&e, path, EM_RISCV, err, sizeof err) < 0)
        return 0;
    const Elf64_Shdr *tab = vvm_elf_find_section(&e, SHT_DYNSYM);
    for (size_t i = 1, n = vvm_elf_sym_count(&e, tab); i < n && !at; i++) {
        Elf64_Sym s;
        if (vvm_elf_sym(&e, tab, i, &s) == 0 && s.st_shndx != SHN_UNDEF && !strcmp(vvm_elf_sym_name(&e, tab, &s), name))
            at = s.st_value;
    }
    vvm_elf_close(&e);
    return at;
}

/* The main program, and its dynamic loader (PT_INTERP, under the sysroot)
 * with the address of its _r_debug. */
static void perfmap_setup(perfmap *m, lx_process *p)
{
    m->p = p;
    pthread_mutex_init(&m->lock, NULL);
    perfmap_add(m, p->exe_path, p->load_bias, 0);
    vvm_elf e;
    char err[256], interp[4096] = "", buf[4096];
    if (!p->interp_base || !p->exe_path || vvm_elf_open(&e, p->exe_path, EM_RISCV, err, sizeof err) < 0)
        return;
    for (size_t i = 0; i < e.eh->e_phnum; i++) {
        const Elf64_Phdr *ph = &e.ph[i];
        if (ph->p_type == PT_INTERP && ph->p_filesz < sizeof interp && ph->p_offset <= e.size &&
            ph->p_filesz <= e.size - ph->p_offset) {
            memcpy(interp, e.data + ph->p_offset, ph->p_filesz);
            interp[ph->p_filesz] = 0;
        }
    }
    vvm_elf_close(&e);
    if (!interp[0])
        return;
    const char *host = lx_sysroot_path(p, interp, buf, sizeof buf);
    perfmap_add(m, host, p->interp_base, 0);
    uint64_t r = elf_symbol(host, "_r_debug");
    m->r_debug = r ? r + p->interp_base : 0;
}

/* Adds the objects of the loader's link map not known yet: struct r_debug
 * { int r_version; struct link_map *r_map; ... } and struct link_map
 * { l_addr, l_name, l_ld, l_next, ... } (LP64).  Returns how many. */
static int perfmap_refresh(perfmap *m)
{
    const vvm_aspace *as = &m->p->as;
    uint64_t node = 0;
    int added = 0;
    if (!m->r_debug || vvm_aspace_peek(as, m->r_debug + 8, &node, 8) < 0)
        return 0;
    for (int k = 0; node && k < 1024; k++) {
        uint64_t lm[4];   /* l_addr, l_name, l_ld, l_next */
        if (vvm_aspace_peek(as, node, lm, sizeof lm) < 0)
            break;
        int known = 0;
        for (size_t i = 0; i < m->nobj && !known; i++)
            known = m->obj[i].node == node;
        /* the main program (no name) and the loader are known from the start */
        if (!known && lm[0] && lm[0] != m->p->interp_base) {
            int e = 0;
            char *name = vvm_strdup_from_guest(as, lm[1], 4096, &e), buf[4096];
            perfmap_add(m, name && name[0] ? lx_sysroot_path(m->p, name, buf, sizeof buf) : NULL, lm[0], node);
            free(name);
            added++;
        }
        node = lm[3];
    }
    return added;
}

static const vvm_sym *perfmap_find(const perfmap *m, uint64_t pc, uint64_t *bias)
{
    for (size_t i = 0; i < m->nobj; i++) {
        const vvm_sym *s = vvm_symtab_containing(&m->obj[i].syms, pc - m->obj[i].bias);
        if (s) {
            *bias = m->obj[i].bias;
            return s;
        }
    }
    return NULL;
}

/* "guest:FUNC+0xOFF" for the function containing pc, else "guest:0xPC" */
static void perfmap_name(perfmap *m, uint64_t pc, char *buf, size_t len)
{
    uint64_t bias = 0;
    pthread_mutex_lock(&m->lock);
    const vvm_sym *s = perfmap_find(m, pc, &bias);
    if (!s && perfmap_refresh(m))
        s = perfmap_find(m, pc, &bias);
    if (s)
        snprintf(buf, len, "guest:%s+0x%" PRIx64, s->name, pc - bias - s->addr);
    else
        snprintf(buf, len, "guest:%#" PRIx64, pc);
    pthread_mutex_unlock(&m->lock);
}

static void on_perfmap(const vvm_jp_event *ev, void *user)
{
    perfmap *m = user;
    if (!ev->args[0])
        return;  /* the interpreter's decoding: no host code */
    char path[64], name[200], line[256];
    snprintf(path, sizeof path, "/tmp/perf-%d.map", (int)getpid());
    perfmap_name(m, ev->pc, name, sizeof name);
    uint64_t entry = ev->args[4], size = ev->args[1];
    int n = snprintf(line, sizeof line, "%" PRIx64 " %" PRIx64 " %s\n", ev->args[0] + entry, size - entry, name);
    int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd < 0) {
        static int warned;
        if (!__atomic_exchange_n(&warned, 1, __ATOMIC_RELAXED))
            fprintf(stderr, "vvm: --perfmap: cannot write %s: %s\n", path, strerror(errno));
        return;
    }
    if (n > 0 && write(fd, line, (size_t)n) < 0) {
        /* nothing to do: perf names less */
    }
    close(fd);
}

static const struct {
    const char *name;
    vvm_advice_fn fn;
} kinds[] = {{"insn", on_insn}, {"block", on_block}, {"translate", on_translate}, {"trap", on_trap}, {"signal", on_signal}};

int lx_trace_setup(lx_process *p, const char *what)
{
    if (p->opt.perfmap) {
        perfmap *m = calloc(1, sizeof *m);  /* the process's: lives as long */
        if (!m)
            return -1;
        perfmap_setup(m, p);
        if (vvm_advice_add(&p->weaver, VVM_JP_TRANSLATE, VVM_BEFORE, on_perfmap, m) < 0)
            return -1;
    }
    char buf[256];
    snprintf(buf, sizeof buf, "%s", what ? what : "");
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
        if (fn == on_translate)
            pthread_once(&listing_once, listing_setup);
        if (vvm_advice_add(&p->weaver, (vvm_jp)jp, VVM_BEFORE, fn, p->opt.log) < 0)
            return -1;
    }
    return 0;
}
