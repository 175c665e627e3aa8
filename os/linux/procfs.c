/* procfs: the guest's view of its own /proc entries (see procfs.h). */
#include "os/linux/procfs.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "os/linux/lx_sys.h"

#define PROC_MAGIC 0x9fa0     /* PROC_SUPER_MAGIC */
#define TMPFS_MAGIC 0x01021994 /* memfds live there */
#define MEMFD_PREFIX "vvm-proc:"

/* vvm's own program file: a guest that reaches it through /proc/PID/exe
 * gets its own program instead */
static dev_t vvm_dev;
static ino_t vvm_ino;
static long vvm_fs; /* the type of its file system */

/* The type of file system fd is on (0 if unknown) */
static long fs_type(int fd)
{
    struct statfs sf;
    return fstatfs(fd, &sf) == 0 ? (long)sf.f_type : 0;
}

/* Facts about the host binary, the same for every machine: once. */
static pthread_once_t vvm_file_once = PTHREAD_ONCE_INIT;

static void find_vvm_file(void)
{
    struct stat st;
    struct statfs sf;
    if (stat("/proc/self/exe", &st) == 0 && statfs("/proc/self/exe", &sf) == 0) {
        vvm_dev = st.st_dev;
        vvm_ino = st.st_ino;
        vvm_fs = (long)sf.f_type;
    }
}

void lx_proc_init(lx_process *p)
{
    pthread_once(&vvm_file_once, find_vvm_file);
    if (p->exe_path) {
        const char *b = strrchr(p->exe_path, '/');
        prctl(PR_SET_NAME, b ? b + 1 : p->exe_path, 0, 0, 0);
    }
}

/* ---- the guest's mappings ---- */

typedef struct range {
    uint64_t lo, hi;
    int prot;
} range;

/* The vDSO and its vvar page are ranges of their own, as the kernel's
 * special mappings are, even next to a mapping of the same protection. */
static int vdso_edge(const lx_process *p, uint64_t a)
{
    return (p->vvar_base && (a == p->vvar_base || a == p->vvar_base + VVM_PAGE)) ||
           (p->vdso_base && (a == p->vdso_base || a == p->vdso_end));
}

/* The guest's mappings as ranges of pages of one protection; malloc'd. */
static range *guest_ranges(lx_process *p, size_t *count)
{
    vvm_aspace *as = &p->as;
    size_t n = 0, cap = 64;
    range *v = malloc(cap * sizeof *v);
    if (!v)
        return NULL;
    const int keep = VVM_PAGE_MAPPED | VVM_PROT_R | VVM_PROT_W | VVM_PROT_X;
    uint64_t npages = as->size / VVM_PAGE;
    pthread_mutex_lock(&as->lock);
    uint64_t i = 0;
    while ((i = vvm_aspace_next_used(as, i)) < npages) {
        int pr = as->pages[i] & keep;
        if (!(pr & VVM_PAGE_MAPPED)) {
            i++;
            continue;
        }
        uint64_t j = i + 1;
        while (j < npages && (as->pages[j] & keep) == pr && !vdso_edge(p, j * VVM_PAGE))
            j++;
        if (n == cap) {
            range *w = realloc(v, 2 * cap * sizeof *v);
            if (!w) {
                free(v);
                pthread_mutex_unlock(&as->lock);
                return NULL;
            }
            v = w;
            cap *= 2;
        }
        v[n++] = (range){i * VVM_PAGE, j * VVM_PAGE, pr};
        i = j;
    }
    pthread_mutex_unlock(&as->lock);
    *count = n;
    return v;
}

static const char *range_name(lx_process *p, const range *r)
{
    if (p->stack_top && r->lo < p->stack_top && r->hi > p->stack_bottom)
        return "[stack]";
    if (p->as.brk_start && r->lo >= p->as.brk_start && r->hi <= p->as.brk_mapped)
        return "[heap]";
    if (p->vdso_base && r->lo >= p->vdso_base && r->hi <= p->vdso_end)
        return "[vdso]";
    if (p->vvar_base && r->lo >= p->vvar_base && r->hi <= p->vvar_base + VVM_PAGE)
        return "[vvar]";
    return "";
}

static void range_line(FILE *f, lx_process *p, const range *r)
{
    const char *name = range_name(p, r);
    fprintf(f, "%08llx-%08llx %c%c%cp 00000000 00:00 0%*s%s\n", (unsigned long long)r->lo,
            (unsigned long long)r->hi, r->prot & VVM_PROT_R ? 'r' : '-', r->prot & VVM_PROT_W ? 'w' : '-',
            r->prot & VVM_PROT_X ? 'x' : '-', *name ? 20 : 0, "", name);
}

/* The memory counters of smaps and smaps_rollup (every page counted as
 * resident, private and dirty: vvm does not track more). */
static void mem_counters(FILE *f, uint64_t kb, int with_size)
{
    static const char *const zero[] = {"Shared_Clean",   "Shared_Dirty",    "Private_Clean", "LazyFree",
                                       "AnonHugePages",  "ShmemPmdMapped",  "FilePmdMapped", "Shared_Hugetlb",
                                       "Private_Hugetlb", "Swap",           "SwapPss",       "Locked"};
    if (with_size)
        fprintf(f, "Size:           %8llu kB\nKernelPageSize: %8u kB\nMMUPageSize:    %8u kB\n",
                (unsigned long long)kb, (unsigned)(VVM_PAGE / 1024), (unsigned)(VVM_PAGE / 1024));
    fprintf(f, "Rss:            %8llu kB\nPss:            %8llu kB\nPss_Dirty:      %8llu kB\n",
            (unsigned long long)kb, (unsigned long long)kb, (unsigned long long)kb);
    for (size_t i = 0; i < sizeof zero / sizeof zero[0]; i++) {
        fprintf(f, "%s:%*s%8u kB\n", zero[i], (int)(15 - strlen(zero[i])), "", 0u);
        if (i == 2) /* after Private_Clean */
            fprintf(f, "Private_Dirty:  %8llu kB\nReferenced:     %8llu kB\nAnonymous:      %8llu kB\n",
                    (unsigned long long)kb, (unsigned long long)kb, (unsigned long long)kb);
    }
}

typedef struct gen_ctx {
    lx_thread *t;
    int hostfd;     /* the host's own file, for stat and status; -1 if none */
} gen_ctx;

enum { MAPS, SMAPS, SMAPS_ROLLUP, NUMA_MAPS };

/* maps and the files that list the same ranges */
static void gen_maps(gen_ctx *c, FILE *f, int kind)
{
    lx_process *p = c->t->proc;
    size_t n = 0;
    range *v = guest_ranges(p, &n);
    if (!v)
        return;
    uint64_t total = 0;
    for (size_t i = 0; i < n; i++) {
        uint64_t kb = (v[i].hi - v[i].lo) / 1024;
        total += kb;
        switch (kind) {
        case MAPS:
            range_line(f, p, &v[i]);
            break;
        case SMAPS:
            range_line(f, p, &v[i]);
            mem_counters(f, kb, 1);
            fprintf(f, "THPeligible:    0\nVmFlags: %s%s%smr mw me ac\n", v[i].prot & VVM_PROT_R ? "rd " : "",
                    v[i].prot & VVM_PROT_W ? "wr " : "", v[i].prot & VVM_PROT_X ? "ex " : "");
            break;
        case NUMA_MAPS:
            fprintf(f, "%08llx default anon=%llu dirty=%llu N0=%llu kernelpagesize_kB=%u\n",
                    (unsigned long long)v[i].lo, (unsigned long long)(kb * 1024 / VVM_PAGE),
                    (unsigned long long)(kb * 1024 / VVM_PAGE), (unsigned long long)(kb * 1024 / VVM_PAGE),
                    (unsigned)(VVM_PAGE / 1024));
            break;
        }
    }
    if (kind == SMAPS_ROLLUP && n) {
        fprintf(f, "%08llx-%08llx ---p 00000000 00:00 0%*s[rollup]\n", (unsigned long long)v[0].lo,
                (unsigned long long)v[n - 1].hi, 20, "");
        mem_counters(f, total, 0);
    }
    free(v);
}

static void gen_maps_plain(gen_ctx *c, FILE *f) { gen_maps(c, f, MAPS); }
static void gen_smaps(gen_ctx *c, FILE *f) { gen_maps(c, f, SMAPS); }
static void gen_smaps_rollup(gen_ctx *c, FILE *f) { gen_maps(c, f, SMAPS_ROLLUP); }
static void gen_numa_maps(gen_ctx *c, FILE *f) { gen_maps(c, f, NUMA_MAPS); }

static void gen_auxv(gen_ctx *c, FILE *f)
{
    lx_process *p = c->t->proc;
    fwrite(p->auxv, 16, p->nauxv, f);
}

/* Guest memory [lo, hi) as it is now (cmdline and environ, as Linux reads
 * them from the process) */
static void gen_guest_bytes(gen_ctx *c, FILE *f, uint64_t lo, uint64_t hi)
{
    char buf[4096];
    while (lo < hi) {
        size_t n = hi - lo < sizeof buf ? (size_t)(hi - lo) : sizeof buf;
        if (vvm_aspace_peek(lx_as(c->t), lo, buf, n) < 0)
            return;
        fwrite(buf, 1, n, f);
        lo += n;
    }
}

static void gen_cmdline(gen_ctx *c, FILE *f) { gen_guest_bytes(c, f, c->t->proc->arg_start, c->t->proc->arg_end); }
static void gen_environ(gen_ctx *c, FILE *f) { gen_guest_bytes(c, f, c->t->proc->env_start, c->t->proc->env_end); }

/* Totals of the guest's memory, in bytes */
typedef struct mem_sum {
    uint64_t total, stack, exec, code_lo, code_hi;
} mem_sum;

static mem_sum guest_sum(lx_process *p)
{
    mem_sum s = {0, 0, 0, 0, 0};
    size_t n = 0;
    range *v = guest_ranges(p, &n);
    for (size_t i = 0; v && i < n; i++) {
        uint64_t len = v[i].hi - v[i].lo;
        s.total += len;
        if (!strcmp(range_name(p, &v[i]), "[stack]"))
            s.stack += len;
        else if (v[i].prot & VVM_PROT_X) {
            s.exec += len;
            if (!s.code_hi) {
                s.code_lo = v[i].lo;
                s.code_hi = v[i].hi;
            }
        }
    }
    free(v);
    return s;
}

/* The host's file, read whole (malloc'd, NUL-terminated), or NULL */
static char *read_host(int fd)
{
    if (fd < 0)
        return NULL;
    char lp[64];
    snprintf(lp, sizeof lp, "/proc/self/fd/%d", fd);
    int rfd = open(lp, O_RDONLY | O_CLOEXEC);
    if (rfd < 0)
        return NULL;
    size_t n = 0, cap = 4096;
    char *s = malloc(cap);
    while (s) {
        ssize_t r = read(rfd, s + n, cap - n - 1);
        if (r <= 0)
            break;
        n += (size_t)r;
        if (cap - n < 2) {
            char *w = realloc(s, cap * 2);
            if (!w) {
                free(s);
                s = NULL;
                break;
            }
            s = w;
            cap *= 2;
        }
    }
    close(rfd);
    if (s)
        s[n] = 0;
    return s;
}

/* stat: the host's line with the memory and address fields the guest's
 * (own) or, for another process, the address fields 0 as Linux shows them
 * to a reader that may not trace it */
static void stat_fields(gen_ctx *c, FILE *f, int own)
{
    lx_process *p = c->t->proc;
    char *s = read_host(c->hostfd);
    char *rp = s ? strrchr(s, ')') : NULL;
    if (!rp) {
        free(s);
        return;
    }
    /* fields numbered as in proc(5); field 3 is the first after ") " */
    uint64_t v[53] = {0};
    int set[53] = {0};
    static const int addr[] = {26, 27, 28, 29, 30, 45, 46, 47, 48, 49, 50, 51};
    for (size_t i = 0; i < sizeof addr / sizeof addr[0]; i++)
        set[addr[i]] = 1; /* 0 unless this is the guest's own */
    if (own) {
        mem_sum m = guest_sum(p);
        const uint64_t mine[][2] = {
            {23, m.total},      {24, m.total / VVM_PAGE}, {26, m.code_lo},        {27, m.code_hi},
            {28, p->start_sp},  {32, c->t->sigmask},      {45, p->as.brk_start},  {46, p->as.brk_start},
            {47, p->as.brk_start}, {48, p->arg_start},    {49, p->arg_end},       {50, p->env_start},
            {51, p->env_end},
        };
        for (size_t i = 0; i < sizeof mine / sizeof mine[0]; i++) {
            v[mine[i][0]] = mine[i][1];
            set[mine[i][0]] = 1;
        }
    }
    fwrite(s, 1, (size_t)(rp + 1 - s), f);
    char *save = NULL;
    int i = 3;
    for (char *tok = strtok_r(rp + 1, " \n", &save); tok; tok = strtok_r(NULL, " \n", &save), i++) {
        if (i < 53 && set[i])
            fprintf(f, " %llu", (unsigned long long)v[i]);
        else
            fprintf(f, " %s", tok);
    }
    fputc('\n', f);
    free(s);
}

static void gen_stat(gen_ctx *c, FILE *f) { stat_fields(c, f, 1); }
static void gen_stat_other(gen_ctx *c, FILE *f) { stat_fields(c, f, 0); }

/* status: the host's lines with Vm*, Rss* and SigBlk the guest's */
static void gen_status(gen_ctx *c, FILE *f)
{
    lx_process *p = c->t->proc;
    char *s = read_host(c->hostfd);
    if (!s)
        return;
    mem_sum m = guest_sum(p);
    unsigned long long kb = m.total / 1024, stk = m.stack / 1024, exe = m.exec / 1024;
    struct {
        const char *name;
        unsigned long long kb;
    } vm[] = {{"VmPeak", kb},  {"VmSize", kb},  {"VmLck", 0},           {"VmPin", 0},    {"VmHWM", kb},
              {"VmRSS", kb},   {"RssAnon", kb}, {"RssFile", 0},         {"RssShmem", 0}, {"VmData", kb - stk - exe},
              {"VmStk", stk},  {"VmExe", exe},  {"VmLib", 0},           {"VmPTE", (kb / 512) + 4},
              {"VmSwap", 0},   {"HugetlbPages", 0}};
    char *save = NULL;
    for (char *line = strtok_r(s, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        size_t k = strcspn(line, ":");
        int done = 0;
        for (size_t i = 0; i < sizeof vm / sizeof vm[0] && !done; i++)
            if (k == strlen(vm[i].name) && !strncmp(line, vm[i].name, k)) {
                fprintf(f, "%s:\t%8llu kB\n", vm[i].name, vm[i].kb);
                done = 1;
            }
        if (!done && k == 6 && !strncmp(line, "SigBlk", 6)) {
            fprintf(f, "SigBlk:\t%016llx\n", (unsigned long long)c->t->sigmask);
            done = 1;
        }
        if (!done)
            fprintf(f, "%s\n", line);
    }
    free(s);
}

static void gen_statm(gen_ctx *c, FILE *f)
{
    mem_sum m = guest_sum(c->t->proc);
    unsigned long long pg = m.total / VVM_PAGE;
    fprintf(f, "%llu %llu 0 %llu 0 %llu 0\n", pg, pg, (unsigned long long)(m.exec / VVM_PAGE),
            (unsigned long long)((m.total - m.exec) / VVM_PAGE));
}

/* ---- the entries of /proc/PID and /proc/PID/task/TID ---- */

enum { ENT_GEN, ENT_MEM, ENT_EXE, ENT_DENY };

typedef struct proc_entry {
    const char *name;
    int kind;
    void (*gen)(gen_ctx *c, FILE *f);
    int host; /* shows a process's host memory or addresses: another
               * process's (perhaps another vvm's) is refused */
} proc_entry;

/* Entries not listed pass through: they describe the process, not vvm's
 * memory (fd, cwd and root name the guest's own files). */
static const proc_entry entries[] = {
    {"maps", ENT_GEN, gen_maps_plain, 1},
    {"smaps", ENT_GEN, gen_smaps, 1},
    {"smaps_rollup", ENT_GEN, gen_smaps_rollup, 1},
    {"numa_maps", ENT_GEN, gen_numa_maps, 1},
    {"auxv", ENT_GEN, gen_auxv, 1},
    {"cmdline", ENT_GEN, gen_cmdline, 0},
    {"environ", ENT_GEN, gen_environ, 0},
    {"stat", ENT_GEN, gen_stat, 0},
    {"status", ENT_GEN, gen_status, 0},
    {"statm", ENT_GEN, gen_statm, 0},
    {"mem", ENT_MEM, NULL, 1},
    {"exe", ENT_EXE, NULL, 0},
    /* host addresses or host memory: refused as Linux refuses a file the
     * caller may not read */
    {"pagemap", ENT_DENY, NULL, 1},
    {"syscall", ENT_DENY, NULL, 1},
    {"stack", ENT_DENY, NULL, 1},
    {"map_files", ENT_DENY, NULL, 1},
    {"clear_refs", ENT_DENY, NULL, 1},
};

static const proc_entry *entry_named(const char *s, size_t len)
{
    for (size_t i = 0; i < sizeof entries / sizeof entries[0]; i++)
        if (strlen(entries[i].name) == len && !memcmp(entries[i].name, s, len))
            return &entries[i];
    return NULL;
}

/* 0 if the path component [s, s+len) is no process or thread id, 2 if it
 * is one of this process (the process itself included), else 1 */
static int id_kind(const char *s, size_t len)
{
    if (len == 0 || len > 9)
        return 0;
    long id = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return 0;
        id = id * 10 + (s[i] - '0');
    }
    pid_t pid = getpid();
    return id == pid || syscall(SYS_tgkill, pid, (pid_t)id, 0) == 0 ? 2 : 1;
}

/* Another process's mem, maps, auxv, pagemap, ...: it may be another vvm
 * (a forked guest runs in one), whose host memory the guest must not reach
 * nor locate */
static const proc_entry foreign = {"mem", ENT_DENY, NULL, 1};
/* Another process's stat: its address fields 0 */
static const proc_entry foreign_stat = {"stat", ENT_GEN, gen_stat_other, 0};

/* The entry that host descriptor fd is, or NULL.  The kernel names the
 * file: /proc/PID/NAME or /proc/PID/task/TID/NAME (under wherever procfs is
 * mounted).  Every numeric component of the name is tried, so a mount point
 * with such a component changes nothing.  An entry of this process is
 * returned as it is; another process's entries that show host memory or
 * addresses come back as `foreign` (refused).  fstype is fd's file
 * system type; *unknown is set when fd is on procfs but cannot be named. */
static const proc_entry *classify(int fd, long fstype, int *unknown)
{
    *unknown = 0;
    if (fstype != PROC_MAGIC)
        return NULL;
    char lp[64], name[PATH_MAX + 1];
    snprintf(lp, sizeof lp, "/proc/self/fd/%d", fd);
    ssize_t n = readlink(lp, name, sizeof name - 1);
    if (n <= 0 || name[0] != '/') {
        *unknown = 1;
        return NULL;
    }
    name[n] = 0;
    const char *s = name;
    while (*s) {
        while (*s == '/')
            s++;
        size_t len = strcspn(s, "/");
        const char *next = s + len;
        int kind = id_kind(s, len);
        if (kind) {
            const char *e = next;
            while (*e == '/')
                e++;
            size_t elen = strcspn(e, "/");
            if (elen == 4 && !memcmp(e, "task", 4)) {
                const char *tid = e + 4;
                while (*tid == '/')
                    tid++;
                size_t tlen = strcspn(tid, "/");
                if (id_kind(tid, tlen)) {
                    e = tid + tlen;
                    while (*e == '/')
                        e++;
                    elen = strcspn(e, "/");
                }
            }
            const proc_entry *pe = entry_named(e, elen);
            if (pe && kind == 2)
                return pe;
            if (pe && pe->host)
                return &foreign;
            if (pe && pe->gen == gen_stat)
                return &foreign_stat;
        }
        s = next;
    }
    return NULL;
}

/* ---- substitutes ---- */

/* mem descriptors: one bit per descriptor number that was handed out as
 * one; each use checks the descriptor is still the placeholder memfd.
 * Keyed by host descriptor, so shared by the machines of one host process
 * as the descriptor table is (a read reaches the caller's own memory) */
#define MEM_FDS 4096
static uint64_t mem_fds[MEM_FDS / 64];

/* The entry whose substitute a descriptor link text names
 * ("/memfd:vvm-proc:NAME (deleted)"), or NULL */
static const proc_entry *placeholder_named(const char *link, size_t n)
{
    static const char pre[] = "/memfd:" MEMFD_PREFIX, del[] = " (deleted)";
    const size_t np = sizeof pre - 1, nd = sizeof del - 1;
    if (n <= np + nd || memcmp(link, pre, np) || memcmp(link + n - nd, del, nd))
        return NULL;
    return entry_named(link + np, n - np - nd);
}

/* The entry fd (on file system fstype) is the substitute of, or NULL */
static const proc_entry *placeholder_of(int fd, long fstype)
{
    if (fstype != TMPFS_MAGIC)
        return NULL;
    char lp[64], got[128];
    snprintf(lp, sizeof lp, "/proc/self/fd/%d", fd);
    ssize_t n = readlink(lp, got, sizeof got);
    return n > 0 ? placeholder_named(got, (size_t)n) : NULL;
}

static void mark_mem(int64_t fd)
{
    __atomic_fetch_or(&mem_fds[fd / 64], 1ULL << (fd % 64), __ATOMIC_RELAXED);
}

int64_t lx_proc_dup(int from, int64_t to)
{
    if (to >= 0 && to < MEM_FDS) {
        if (lx_proc_is_mem(from))
            mark_mem(to);
        else
            __atomic_fetch_and(&mem_fds[to / 64], ~(1ULL << (to % 64)), __ATOMIC_RELAXED);
    }
    return to;
}

/* A memfd named vvm-proc:NAME holding data, reopened with the guest's
 * access mode (read-only for generated files): a descriptor or -errno */
static int64_t memfd_file(const char *name, const char *data, size_t n, int flags)
{
    char nm[64];
    snprintf(nm, sizeof nm, MEMFD_PREFIX "%s", name);
    int fd = (int)syscall(SYS_memfd_create, nm, (unsigned)MFD_CLOEXEC);
    if (fd < 0)
        return -errno;
    size_t done = 0;
    while (done < n) {
        ssize_t w = write(fd, data + done, n - done);
        if (w <= 0) {
            close(fd);
            return -ENOMEM;
        }
        done += (size_t)w;
    }
    char lp[64];
    snprintf(lp, sizeof lp, "/proc/self/fd/%d", fd);
    int r = open(lp, (flags & (O_ACCMODE | O_CLOEXEC | O_NONBLOCK)));
    int e = errno;
    close(fd);
    return r < 0 ? -e : r;
}

static int64_t substitute(lx_thread *t, const proc_entry *pe, int hostfd, int flags)
{
    int acc = flags & O_ACCMODE;
    switch (pe->kind) {
    case ENT_DENY:
        return -EACCES;
    case ENT_EXE:
        if (acc != O_RDONLY)
            return -ETXTBSY;
        if (!t->proc->exe_path)
            return -ENOENT;
        return lx_host(open(t->proc->exe_path, flags & ~(O_CREAT | O_TRUNC | O_EXCL)));
    case ENT_MEM: {
        int64_t fd = memfd_file("mem", "", 0, flags);
        if (fd >= 0 && fd < MEM_FDS)
            mark_mem(fd);
        else if (fd >= 0) { /* cannot be told apart later */
            close((int)fd);
            fd = -EMFILE;
        }
        return fd;
    }
    default:
        break;
    }
    if (acc != O_RDONLY)
        return -EACCES;
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f)
        return -ENOMEM;
    gen_ctx c = {t, hostfd};
    pe->gen(&c, f);
    if (fclose(f) != 0) {
        free(buf);
        return -ENOMEM;
    }
    int64_t r = memfd_file(pe->name, buf, len, flags);
    free(buf);
    return r;
}

/* The guest program's path when fd (on file system fstype), opened from
 * (dirfd, path), is vvm's own program reached through /proc/PID/exe */
static const char *reached_exe(lx_thread *t, int fd, long fstype, int dirfd, const char *path)
{
    struct stat st;
    if (fstype != vvm_fs || fstat(fd, &st) != 0)
        return NULL;
    return lx_proc_exe(t, st.st_dev, st.st_ino, dirfd, path);
}

int64_t lx_proc_opened(lx_thread *t, int dirfd, const char *path, int flags, int64_t r)
{
    int fd;
    const char *exe;
    if (r >= 0) {
        fd = (int)r;
        if (flags & O_PATH) { /* names the file, opens nothing: reopening it comes back here */
            if (!(exe = reached_exe(t, fd, fs_type(fd), dirfd, path)))
                return r;
            close(fd);
            return lx_host(open(exe, flags & ~(O_CREAT | O_TRUNC | O_EXCL)));
        }
    } else {
        /* the host refused (say, maps opened for writing, or another
         * process's mem): when the path names an entry vvm answers for,
         * the answer is vvm's */
        if (r != -EACCES && r != -EPERM)
            return r;
        fd = openat(dirfd, path, O_PATH | O_CLOEXEC | (flags & O_NOFOLLOW));
        if (fd < 0)
            return r;
    }
    int unknown;
    long fst = fs_type(fd);
    const proc_entry *pe = classify(fd, fst, &unknown);
    const proc_entry *ph;
    if (r >= 0 && !pe && !unknown && (ph = placeholder_of(fd, fst))) {
        /* a substitute reopened through /proc/self/fd or /dev/fd: mem stays
         * mem (with its own position), a generated file is made anew */
        if (ph->kind == ENT_MEM) {
            mark_mem(fd);
            return r;
        }
        pe = ph;
    }
    if (!pe && !unknown) {
        if (r >= 0 && (exe = reached_exe(t, fd, fst, dirfd, path))) { /* the guest program */
            close(fd);
            if ((flags & O_ACCMODE) != O_RDONLY)
                return -ETXTBSY;
            return lx_host(open(exe, flags & ~(O_CREAT | O_TRUNC | O_EXCL)));
        }
        return r < 0 ? (close(fd), r) : r;
    }
    int64_t s = pe ? substitute(t, pe, fd, flags) : -EACCES;
    close(fd);
    return s;
}

/* ---- exe ---- */

const char *lx_proc_exe(lx_thread *t, dev_t dev, ino_t ino, int dirfd, const char *path)
{
    const char *exe = t->proc->exe_path;
    if (!exe || !vvm_ino || dev != vvm_dev || ino != vvm_ino)
        return NULL;
    /* follow the guest's own symbolic links in the last component until
     * one is on procfs */
    char cur[PATH_MAX + 1];
    if (strlen(path) >= sizeof cur)
        return NULL;
    strcpy(cur, path);
    int dfd = AT_FDCWD;
    if (dirfd != AT_FDCWD && (dfd = fcntl(dirfd, F_DUPFD_CLOEXEC, 0)) < 0)
        return NULL;
    const char *res = NULL;
    for (int hops = 0; hops < 40; hops++) {
        int fd = openat(dfd, cur, O_PATH | O_NOFOLLOW | O_CLOEXEC);
        struct stat st;
        if (fd < 0)
            break;
        if (fstat(fd, &st) < 0 || !S_ISLNK(st.st_mode)) {
            close(fd);
            break;
        }
        int unknown;
        long fst = fs_type(fd);
        const proc_entry *pe = classify(fd, fst, &unknown);
        if (fst == PROC_MAGIC) {
            if (pe && pe->kind == ENT_EXE)
                res = exe;
            close(fd);
            break;
        }
        char target[PATH_MAX + 1];
        ssize_t n = readlinkat(fd, "", target, sizeof target - 1);
        close(fd);
        if (n <= 0)
            break;
        target[n] = 0;
        /* relative targets are taken from the link's directory */
        char *slash = strrchr(cur, '/');
        if (target[0] != '/' && slash) {
            *slash = 0;
            int nd = openat(dfd, *cur ? cur : "/", O_PATH | O_DIRECTORY | O_CLOEXEC);
            if (nd < 0)
                break;
            if (dfd != AT_FDCWD)
                close(dfd);
            dfd = nd;
        }
        strcpy(cur, target);
    }
    if (dfd != AT_FDCWD)
        close(dfd);
    return res;
}

/* ---- readlink ---- */

int64_t lx_proc_readlink(lx_thread *t, int dirfd, const char *path, uint64_t gbuf, size_t n)
{
    char tmp[PATH_MAX + 64];
    const char *res = NULL;
    size_t rlen = 0;
    /* an empty path: the link dirfd is (opened O_PATH|O_NOFOLLOW) */
    int fd = *path ? openat(dirfd, path, O_PATH | O_NOFOLLOW | O_CLOEXEC) : fcntl(dirfd, F_DUPFD_CLOEXEC, 0);
    long fst = 0;
    if (fd >= 0) {
        /* one look at what was opened: only a link has anything to read */
        struct stat st;
        if (fstat(fd, &st) == 0 && !S_ISLNK(st.st_mode)) {
            close(fd);
            return -EINVAL;
        }
        fst = fs_type(fd);
        int unknown;
        const proc_entry *pe = classify(fd, fst, &unknown);
        if (pe && pe->kind == ENT_EXE && t->proc->exe_path) {
            res = t->proc->exe_path;
            rlen = strlen(res);
        } else if (pe && pe->kind == ENT_DENY) { /* map_files/...: host files */
            close(fd);
            return -EACCES;
        }
    }
    if (!res) {
        /* the link the probe found (readlinkat on it reads what was
         * classified, whatever the path names by now) */
        ssize_t k = fd < 0 ? readlinkat(dirfd, path, tmp, sizeof tmp - 1) : readlinkat(fd, "", tmp, sizeof tmp - 1);
        if (k < 0) {
            int e = errno;
            if (fd >= 0)
                close(fd);
            return -e;
        }
        tmp[k] = 0;
        rlen = (size_t)k;
        res = tmp;
        /* a descriptor link (/proc/PID/fd/N) to a substitute: the name
         * Linux gives */
        const proc_entry *ph = fst == PROC_MAGIC ? placeholder_named(tmp, rlen) : NULL;
        if (ph)
            rlen = (size_t)snprintf(tmp, sizeof tmp, "/proc/%d/%s", (int)getpid(), ph->name);
    }
    if (fd >= 0)
        close(fd);
    if (rlen > n)
        rlen = n;
    if (vvm_copy_to_guest(lx_as(t), gbuf, res, rlen) < 0)
        return -EFAULT;
    return (int64_t)rlen;
}

/* ---- /proc/PID/mem ---- */

/* The descriptor may be a mem placeholder (the bit is cleared lazily). */
static int mem_bit(uint64_t fd)
{
    return fd < MEM_FDS && (__atomic_load_n(&mem_fds[fd / 64], __ATOMIC_RELAXED) >> (fd % 64) & 1);
}

int lx_proc_is_mem(int fd)
{
    if (fd < 0 || !mem_bit((uint64_t)fd))
        return 0;
    const proc_entry *ph = placeholder_of(fd, fs_type(fd));
    if (ph && ph->kind == ENT_MEM)
        return 1;
    __atomic_fetch_and(&mem_fds[fd / 64], ~(1ULL << (fd % 64)), __ATOMIC_RELAXED);
    return 0;
}

static int64_t mem_rw(lx_thread *t, int fd, uint64_t gbuf, uint64_t len, int64_t off, int write)
{
    int fl = fcntl(fd, F_GETFL);
    if (fl < 0)
        return -errno;
    if ((fl & O_ACCMODE) == (write ? O_RDONLY : O_WRONLY))
        return -EBADF;
    int64_t pos = off >= 0 ? off : (int64_t)lseek(fd, 0, SEEK_CUR);
    if (pos < 0)
        return -errno;
    if ((int64_t)len < 0)
        return -EINVAL;
    vvm_aspace *as = lx_as(t);
    uint8_t buf[4096];
    uint64_t done = 0;
    int64_t err = 0;
    while (done < len) {
        uint64_t at = (uint64_t)pos + done;
        size_t n = (size_t)(VVM_PAGE - (at & VVM_PAGE_MASK));
        if (n > len - done)
            n = (size_t)(len - done);
        if (write) {
            if (vvm_copy_from_guest(as, buf, gbuf + done, n) < 0) {
                err = -EFAULT;
                break;
            }
            if (vvm_aspace_poke(as, at, buf, n) < 0) {
                err = -EIO;
                break;
            }
        } else {
            if (vvm_aspace_peek(as, at, buf, n) < 0) {
                err = -EIO;
                break;
            }
            if (vvm_copy_to_guest(as, gbuf + done, buf, n) < 0) {
                err = -EFAULT;
                break;
            }
        }
        done += n;
    }
    if (write && done)
        lx_code_changed(t->proc, (uint64_t)pos, (uint64_t)pos + done);
    if (off < 0 && done)
        lseek(fd, (off_t)(pos + (int64_t)done), SEEK_SET);
    return done ? (int64_t)done : err;
}

static int64_t mem_rwv(lx_thread *t, int fd, uint64_t giov, uint64_t cnt, int64_t off, int write)
{
    if (cnt > IOV_MAX)
        return -EINVAL;
    int64_t total = 0;
    for (uint64_t i = 0; i < cnt; i++) {
        uint64_t iv[2];
        if (vvm_copy_from_guest(lx_as(t), iv, giov + 16 * i, sizeof iv) < 0)
            return total ? total : -EFAULT;
        if (!iv[1])
            continue;
        int64_t r = mem_rw(t, fd, iv[0], iv[1], off >= 0 ? off + total : -1, write);
        if (r < 0)
            return total ? total : r;
        total += r;
        if ((uint64_t)r < iv[1])
            break;
    }
    return total;
}

/* The read and write calls, by how they take their buffer and offset */
enum { AT_POS, AT_OFF, AT_OFF_OR_POS }; /* the position; a[3]; a[3], -1 the position */
static const struct mem_call {
    lx_syscall_fn fn;
    unsigned char write, vector, off;
} mem_calls[] = {
    {lx_sys_read, 0, 0, AT_POS},          {lx_sys_write, 1, 0, AT_POS},
    {lx_sys_pread64, 0, 0, AT_OFF},       {lx_sys_pwrite64, 1, 0, AT_OFF},
    {lx_sys_readv, 0, 1, AT_POS},         {lx_sys_writev, 1, 1, AT_POS},
    {lx_sys_preadv, 0, 1, AT_OFF},        {lx_sys_pwritev, 1, 1, AT_OFF},
    {lx_sys_preadv2, 0, 1, AT_OFF_OR_POS}, {lx_sys_pwritev2, 1, 1, AT_OFF_OR_POS},
};

int lx_proc_mem_call(lx_thread *t, lx_syscall_fn fn, const uint64_t *a, int64_t *ret)
{
    /* every system call passes here: one bit of mem_fds settles almost all
     * of them (a[0] need not be a descriptor; any value is safe to test) */
    if (!mem_bit(a[0]))
        return 0;
    const struct mem_call *c = NULL;
    for (size_t i = 0; i < sizeof mem_calls / sizeof mem_calls[0] && !c; i++)
        if (mem_calls[i].fn == fn)
            c = &mem_calls[i];
    if (!c || !lx_proc_is_mem((int)a[0]))
        return 0;
    int64_t off = c->off == AT_POS ? -1 : (int64_t)a[3];
    if (off < -1 || (off == -1 && c->off == AT_OFF))
        *ret = -EINVAL;
    else if (c->vector)
        *ret = mem_rwv(t, (int)a[0], a[1], a[2], off, c->write);
    else
        *ret = mem_rw(t, (int)a[0], a[1], a[2], off, c->write);
    return 1;
}
