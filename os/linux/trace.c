/* trace: --trace insn|block|translate|trap|signal as advice on the join points.
 * The same API a loaded VMlet uses; with no --trace nothing is woven and the
 * interpreter runs its plain dispatch table. */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <capstone/capstone.h>

#include "core/elf.h"
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
    int tried;
    csh h;
    cs_err (*open)(cs_arch, cs_mode, csh *);
    size_t (*disasm)(csh, const uint8_t *, size_t, uint64_t, size_t, cs_insn **);
    void (*free)(cs_insn *, size_t);
} cs;

#define CS_STR2(x) #x
#define CS_STR(x) CS_STR2(x)
#define CS_SONAME "libcapstone.so." CS_STR(CS_API_MAJOR)

static int capstone_load(void)
{
    if (cs.tried)
        return cs.disasm ? 0 : -1;
    cs.tried = 1;
    void *lib = dlopen(CS_SONAME, RTLD_NOW | RTLD_LOCAL);
    if (!lib) {
        fprintf(stderr, "vvm: --trace translate: %s not found (install capstone: Debian's libcapstone%d); "
                        "translated code is shown without its disassembly\n", CS_SONAME, CS_API_MAJOR);
        return -1;
    }
    *(void **)&cs.open = dlsym(lib, "cs_open");
    *(void **)&cs.free = dlsym(lib, "cs_free");
    void *d = dlsym(lib, "cs_disasm");
    if (!cs.open || !cs.free || !d || cs.open(CS_ARCH_X86, CS_MODE_64, &cs.h) != CS_ERR_OK) {
        fprintf(stderr, "vvm: --trace translate: %s cannot disassemble x86-64\n", CS_SONAME);
        return -1;
    }
    *(void **)&cs.disasm = d;
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
 * from the main program's symbol table (.symtab, else .dynsym; the dynamic
 * libraries' functions are not named: "guest:0xPC").  Each line is one
 * write() to the file opened O_APPEND and closed again: threads need no
 * lock, a forked child (another host pid) writes its own file, and no
 * descriptor stays open where the guest's own are (a guest that closes
 * every descriptor, or counts on the lowest free one, sees no difference). */
typedef struct perfsym {
    uint64_t addr, size;
    char *name;
} perfsym;
typedef struct perfmap {
    perfsym *sym;
    size_t nsym;
} perfmap;

static int perfsym_cmp(const void *a, const void *b)
{
    const perfsym *x = a, *y = b;
    return x->addr < y->addr ? -1 : x->addr > y->addr;
}

static void perfmap_symbols(perfmap *m, const char *path, uint64_t bias)
{
    vvm_elf e;
    char err[256];
    if (!path || vvm_elf_open(&e, path, EM_RISCV, err, sizeof err) < 0)
        return;
    const Elf64_Shdr *tab = vvm_elf_find_section(&e, SHT_SYMTAB);
    if (!vvm_elf_sym_count(&e, tab))
        tab = vvm_elf_find_section(&e, SHT_DYNSYM);
    size_t n = vvm_elf_sym_count(&e, tab);
    if (n && (m->sym = calloc(n, sizeof *m->sym)))
        for (size_t i = 1; i < n; i++) {
            Elf64_Sym s;
            if (vvm_elf_sym(&e, tab, i, &s) < 0)
                break;
            int type = ELF64_ST_TYPE(s.st_info);
            const char *name = vvm_elf_sym_name(&e, tab, &s);
            if ((type != STT_FUNC && type != STT_GNU_IFUNC) || !name[0] || s.st_shndx == SHN_UNDEF)
                continue;
            perfsym *p = &m->sym[m->nsym];
            if (!(p->name = strdup(name)))
                break;
            p->addr = s.st_value + (e.eh->e_type == ET_DYN ? bias : 0);
            p->size = s.st_size;
            m->nsym++;
        }
    vvm_elf_close(&e);
    qsort(m->sym, m->nsym, sizeof *m->sym, perfsym_cmp);
}

/* "guest:FUNC+0xOFF" for the function containing pc, else "guest:0xPC" */
static void perfmap_name(const perfmap *m, uint64_t pc, char *buf, size_t len)
{
    size_t lo = 0, hi = m->nsym;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (m->sym[mid].addr <= pc)
            lo = mid + 1;
        else
            hi = mid;
    }
    const perfsym *s = lo ? &m->sym[lo - 1] : NULL;
    if (s && pc - s->addr < (s->size ? s->size : 1))
        snprintf(buf, len, "guest:%s+0x%" PRIx64, s->name, pc - s->addr);
    else
        snprintf(buf, len, "guest:%#" PRIx64, pc);
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
        perfmap_symbols(m, p->exe_path, p->load_bias);
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
