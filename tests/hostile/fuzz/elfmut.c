/* elfmut: makes mutants of a riscv64 ELF executable for the ELF mutation
 * check (tests/hostile/elfmut.sh): vvm must run each or refuse it with a
 * message, never crash and never hang.
 *
 *   elfmut SEED INPUT OUTDIR PREFIX [N|list]
 *
 * prints one line per mutant, "PREFIX-NNN what was done", and writes each
 * as OUTDIR/PREFIX-NNN (mode 755); with N only mutant N is written, with
 * "list" none (the check makes them one at a time).  The mutants: truncations at every offset
 * that matters (inside and at the end of the ELF header, of each program
 * header, of each segment, of the PT_INTERP string) and at random ones;
 * each ELF header field set to bad values (class, data, version, type,
 * machine, entry, phoff, phentsize, phnum, ...); each field of each
 * program header set to huge, zero, unaligned or overlapping values; bad
 * PT_INTERP strings (missing, not terminated, empty, huge, relative, a
 * directory, itself, /dev/zero, a FIFO at OUTDIR/fifo, an x86 program, a
 * terminal escape, longer than PATH_MAX); and random byte flips in the
 * headers.  Host C (it runs on the build machine); no code from elsewhere. */
#include <elf.h>
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static uint8_t *orig;
static size_t orig_len;
static const char *outdir, *prefix;
static int count;
static long want = -1;      /* -1: write every mutant, -2: none, else only this one */
static uint64_t rs;

static uint64_t rnd(void)
{
    uint64_t z = (rs += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* A working copy of the input, grown as mutations append to it. */
static uint8_t *buf;
static size_t len, cap;

static void start(void)
{
    cap = orig_len + 16384;
    free(buf);
    buf = malloc(cap);
    if (!buf) {
        perror("elfmut");
        exit(2);
    }
    memcpy(buf, orig, orig_len);
    len = orig_len;
}

static Elf64_Ehdr *eh(void) { return (Elf64_Ehdr *)buf; }
static Elf64_Phdr *ph(int i) { return (Elf64_Phdr *)(buf + eh()->e_phoff + (size_t)i * sizeof(Elf64_Phdr)); }

static void out_path(char *p, size_t n, int k) { snprintf(p, n, "%s/%s-%03d", outdir, prefix, k); }

static void emit(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void emit(const char *fmt, ...)
{
    char path[4096];
    out_path(path, sizeof path, count);
    if (want == -1 || want == count) {
        FILE *f = fopen(path, "wb");
        if (!f || fwrite(buf, 1, len, f) != len || fclose(f) != 0) {
            fprintf(stderr, "elfmut: %s: %s\n", path, strerror(errno));
            exit(2);
        }
        chmod(path, 0755);
    }
    if (want >= 0 && want != count) {
        count++;
        return;
    }
    printf("%s-%03d ", prefix, count);
    va_list ap;
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    printf("\n");
    count++;
}

static void truncated(size_t at, const char *why)
{
    if (at > orig_len)
        return;
    start();
    len = at;
    emit("truncated at %zu (%s)", at, why);
}

/* appends s (and its NUL) and points the PT_INTERP at it */
static int set_interp(int pi, const char *s, size_t n, int nul)
{
    if (len + n + 1 > cap)
        return -1;
    size_t off = len;
    memcpy(buf + len, s, n);
    len += n;
    if (nul)
        buf[len++] = 0;
    ph(pi)->p_offset = off;
    ph(pi)->p_filesz = len - off;
    return 0;
}

static void interp_mutants(int pi)
{
    Elf64_Phdr *p = ph(pi);
    uint64_t off = p->p_offset, sz = p->p_filesz;
    char self[4096], longp[5000];

    truncated(off, "at the PT_INTERP string");
    truncated(off + sz / 2, "inside the PT_INTERP string");
    truncated(off + sz - 1, "before the PT_INTERP NUL");

    start();
    ph(pi)->p_type = PT_NULL;
    emit("PT_INTERP removed (dynamic program without its loader)");
    start();
    buf[off + sz - 1] = 'X';
    emit("PT_INTERP not NUL-terminated");
    start();
    ph(pi)->p_filesz = 0;
    emit("PT_INTERP p_filesz 0");
    start();
    ph(pi)->p_filesz = 1ULL << 40;
    emit("PT_INTERP p_filesz 1<<40");
    start();
    ph(pi)->p_filesz = ~0ULL;
    emit("PT_INTERP p_filesz ~0");
    start();
    ph(pi)->p_offset = ~0ULL - 4;
    emit("PT_INTERP p_offset ~0-4");
    start();
    ph(pi)->p_offset = orig_len - 2;
    emit("PT_INTERP p_offset runs past the end of the file");
    start();
    ph(pi)->p_filesz = 1ULL << 20;
    ph(pi)->p_offset = 0;
    emit("PT_INTERP of 1 MiB (past PATH_MAX and the file)");

    out_path(self, sizeof self, count);
    struct {
        const char *s, *what;
    } paths[] = {
        {"", "empty"},
        {"/tmp", "a directory"},
        {"/", "the root directory"},
        {"/dev/zero", "/dev/zero"},
        {"/dev/null", "/dev/null"},
        {"/proc/self/exe", "/proc/self/exe"},
        {self, "the mutant itself"},
        {"lib/ld-linux-riscv64-lp64d.so.1", "a relative path"},
        {"/no/such/loader.so", "a missing file"},
        {"/bin/sh", "an x86-64 program"},
        {"/etc/passwd", "a text file"},
        {"/lib/ld-linux-riscv64-lp64d.so.1/", "the loader with a trailing slash"},
        {"/\033]0;vvm-pwned\007\033[2J", "terminal escape sequences"},
    };
    for (size_t k = 0; k < sizeof paths / sizeof paths[0]; k++) {
        start();
        if (paths[k].s == self)
            out_path(self, sizeof self, count);
        if (set_interp(pi, paths[k].s, strlen(paths[k].s), 1) == 0)
            emit("PT_INTERP names %s", paths[k].what);
    }
    char fifo[4096];
    snprintf(fifo, sizeof fifo, "%s/fifo", outdir);
    start();
    if (set_interp(pi, fifo, strlen(fifo), 1) == 0)
        emit("PT_INTERP names a FIFO");
    memset(longp, 'a', sizeof longp);
    for (size_t i = 0; i < sizeof longp; i += 64)
        longp[i] = '/';
    start();
    if (set_interp(pi, longp, sizeof longp, 1) == 0)
        emit("PT_INTERP of 5000 bytes");
    start();
    if (set_interp(pi, "/lib/ld-linux-riscv64-lp64d.so.1\0junk", 37, 0) == 0)
        emit("PT_INTERP with bytes after its NUL");
    /* two PT_INTERP: the first other segment becomes one */
    for (int i = 0; i < eh()->e_phnum; i++) {
        if (i != pi && ph(i)->p_type != PT_LOAD) {
            start();
            *ph(i) = *ph(pi);
            if (set_interp(i, "/dev/zero", 9, 1) == 0)
                emit("a second PT_INTERP naming /dev/zero");
            break;
        }
    }
}

static void phdr_mutants(int i)
{
    static const struct {
        uint64_t v;
        const char *s;
    } vals[] = {{0, "0"}, {1, "1"}, {0xfff, "0xfff"}, {1ULL << 32, "1<<32"}, {(1ULL << 38) - 4096, "(1<<38)-4096"},
                {1ULL << 38, "1<<38"}, {1ULL << 47, "1<<47"}, {0xffff800000000000ULL, "kernel half"},
                {~0ULL - 4095, "~0-4095"}, {~0ULL, "~0"}};
    Elf64_Phdr p0 = *ph(i);
    const char *field[] = {"p_offset", "p_vaddr", "p_filesz", "p_memsz", "p_align"};
    int load = p0.p_type == PT_LOAD;
    for (int f = 0; f < 5; f++) {
        for (size_t k = 0; k < sizeof vals / sizeof vals[0]; k++) {
            /* p_align: only the odd ones; other segments than PT_LOAD: a few */
            if (f == 4 && k > 3)
                break;
            if (!load && k != 0 && k != 5 && k != 9)
                continue;
            start();
            Elf64_Phdr *p = ph(i);
            uint64_t *fp = f == 0 ? &p->p_offset : f == 1 ? &p->p_vaddr : f == 2 ? &p->p_filesz : f == 3 ? &p->p_memsz : &p->p_align;
            *fp = vals[k].v;
            emit("phdr %d (type %#x) %s = %s", i, p0.p_type, field[f], vals[k].s);
        }
    }
    if (!load && p0.p_type != PT_INTERP && p0.p_type != PT_TLS && p0.p_type != PT_PHDR)
        return;
    start();
    ph(i)->p_vaddr += 1;
    emit("phdr %d p_vaddr off by one (not congruent to p_offset)", i);
    start();
    ph(i)->p_filesz = ph(i)->p_memsz + 4096;
    emit("phdr %d p_filesz > p_memsz", i);
    start();
    ph(i)->p_memsz = 1ULL << 37;
    emit("phdr %d p_memsz 128 GiB (a huge bss)", i);
    start();
    ph(i)->p_filesz = orig_len + 4096;
    emit("phdr %d p_filesz past the end of the file", i);
    start();
    ph(i)->p_flags = 0;
    emit("phdr %d p_flags 0", i);
    start();
    ph(i)->p_flags = ~0U;
    emit("phdr %d p_flags ~0", i);
    static const uint32_t types[] = {PT_NULL, PT_DYNAMIC, PT_INTERP, PT_NOTE, PT_PHDR, PT_TLS, PT_GNU_STACK,
                                     PT_GNU_RELRO, 0x70000003 /* PT_RISCV_ATTRIBUTES */, 0xdeadbeef};
    for (size_t k = 0; k < sizeof types / sizeof types[0]; k++) {
        if (types[k] == p0.p_type)
            continue;
        start();
        ph(i)->p_type = types[k];
        emit("phdr %d type %#x -> %#x", i, p0.p_type, types[k]);
    }
}

int main(int argc, char **argv)
{
    if (argc != 5 && argc != 6) {
        fprintf(stderr, "usage: elfmut SEED INPUT OUTDIR PREFIX [N|list]\n");
        return 2;
    }
    if (argc == 6)
        want = strcmp(argv[5], "list") == 0 ? -2 : strtol(argv[5], NULL, 10);
    rs = strtoull(argv[1], NULL, 0);
    outdir = argv[3];
    prefix = argv[4];
    FILE *f = fopen(argv[2], "rb");
    if (!f) {
        fprintf(stderr, "elfmut: %s: %s\n", argv[2], strerror(errno));
        return 2;
    }
    fseek(f, 0, SEEK_END);
    orig_len = (size_t)ftell(f);
    rewind(f);
    orig = malloc(orig_len);
    if (!orig || fread(orig, 1, orig_len, f) != orig_len) {
        fprintf(stderr, "elfmut: %s: cannot read\n", argv[2]);
        return 2;
    }
    fclose(f);
    const Elf64_Ehdr *e0 = (const Elf64_Ehdr *)orig;
    if (orig_len < sizeof *e0 || memcmp(e0->e_ident, ELFMAG, SELFMAG) != 0 || e0->e_ident[EI_CLASS] != ELFCLASS64 ||
        e0->e_phentsize != sizeof(Elf64_Phdr) || e0->e_phoff + (uint64_t)e0->e_phnum * sizeof(Elf64_Phdr) > orig_len) {
        fprintf(stderr, "elfmut: %s: not a 64-bit ELF with its program headers in the file\n", argv[2]);
        return 2;
    }
    Elf64_Ehdr e = *e0;

    start();
    emit("unchanged");

    /* truncations */
    static const size_t early[] = {0, 1, 3, 4, 5, 16, 18, 20, 24, 32, 48, 52, 56, 63};
    for (size_t k = 0; k < sizeof early / sizeof early[0]; k++)
        truncated(early[k], "in the ELF header");
    truncated(sizeof e, "after the ELF header");
    for (int i = 0; i < e.e_phnum; i++) {
        const Elf64_Phdr *p = (const Elf64_Phdr *)(orig + e.e_phoff) + i;
        char why[64];
        snprintf(why, sizeof why, "inside phdr %d", i);
        truncated(e.e_phoff + (size_t)i * sizeof *p + 20, why);
        snprintf(why, sizeof why, "in segment %d (type %#x)", i, p->p_type);
        if (p->p_filesz) {
            truncated(p->p_offset + p->p_filesz / 2, why);
            truncated(p->p_offset + p->p_filesz - 1, why);
        }
    }
    truncated(e.e_phoff + (size_t)e.e_phnum * sizeof(Elf64_Phdr), "after the program headers");
    for (int k = 0; k < 6; k++) {
        size_t at = (size_t)(rnd() % orig_len);
        truncated(at, "random");
    }
    truncated(orig_len - 1, "the last byte");

    /* ELF header fields */
    struct {
        size_t off, size;
        uint64_t v;
        const char *what;
    } fields[] = {
        {EI_CLASS, 1, ELFCLASS32, "EI_CLASS 32-bit"},
        {EI_CLASS, 1, 0xff, "EI_CLASS 0xff"},
        {EI_DATA, 1, ELFDATA2MSB, "EI_DATA big-endian"},
        {EI_DATA, 1, 0, "EI_DATA 0"},
        {EI_VERSION, 1, 0, "EI_VERSION 0"},
        {EI_OSABI, 1, 0xff, "EI_OSABI 0xff"},
        {offsetof(Elf64_Ehdr, e_type), 2, ET_REL, "e_type ET_REL"},
        {offsetof(Elf64_Ehdr, e_type), 2, ET_CORE, "e_type ET_CORE"},
        {offsetof(Elf64_Ehdr, e_type), 2, e.e_type == ET_EXEC ? ET_DYN : ET_EXEC, "e_type EXEC<->DYN"},
        {offsetof(Elf64_Ehdr, e_type), 2, 0xffff, "e_type 0xffff"},
        {offsetof(Elf64_Ehdr, e_machine), 2, EM_X86_64, "e_machine x86-64"},
        {offsetof(Elf64_Ehdr, e_machine), 2, 0, "e_machine 0"},
        {offsetof(Elf64_Ehdr, e_version), 4, 0, "e_version 0"},
        {offsetof(Elf64_Ehdr, e_entry), 8, 0, "e_entry 0"},
        {offsetof(Elf64_Ehdr, e_entry), 8, e.e_entry + 1, "e_entry odd"},
        {offsetof(Elf64_Ehdr, e_entry), 8, e.e_entry + 2, "e_entry +2"},
        {offsetof(Elf64_Ehdr, e_entry), 8, 1ULL << 38, "e_entry 1<<38"},
        {offsetof(Elf64_Ehdr, e_entry), 8, 0xffff800000000000ULL, "e_entry kernel half"},
        {offsetof(Elf64_Ehdr, e_entry), 8, ~0ULL, "e_entry ~0"},
        {offsetof(Elf64_Ehdr, e_phoff), 8, 0, "e_phoff 0"},
        {offsetof(Elf64_Ehdr, e_phoff), 8, 1, "e_phoff 1 (unaligned)"},
        {offsetof(Elf64_Ehdr, e_phoff), 8, orig_len, "e_phoff at the end of the file"},
        {offsetof(Elf64_Ehdr, e_phoff), 8, orig_len - 8, "e_phoff 8 bytes before the end"},
        {offsetof(Elf64_Ehdr, e_phoff), 8, 1ULL << 40, "e_phoff 1<<40"},
        {offsetof(Elf64_Ehdr, e_phoff), 8, ~0ULL - 8, "e_phoff ~0-8 (overflows)"},
        {offsetof(Elf64_Ehdr, e_ehsize), 2, 0, "e_ehsize 0"},
        {offsetof(Elf64_Ehdr, e_phentsize), 2, 0, "e_phentsize 0"},
        {offsetof(Elf64_Ehdr, e_phentsize), 2, 1, "e_phentsize 1"},
        {offsetof(Elf64_Ehdr, e_phentsize), 2, 55, "e_phentsize 55"},
        {offsetof(Elf64_Ehdr, e_phentsize), 2, 57, "e_phentsize 57"},
        {offsetof(Elf64_Ehdr, e_phentsize), 2, 0xffff, "e_phentsize 0xffff"},
        {offsetof(Elf64_Ehdr, e_phnum), 2, 0, "e_phnum 0"},
        {offsetof(Elf64_Ehdr, e_phnum), 2, e.e_phnum + 1u, "e_phnum +1"},
        {offsetof(Elf64_Ehdr, e_phnum), 2, 1000, "e_phnum 1000"},
        {offsetof(Elf64_Ehdr, e_phnum), 2, 0xffff, "e_phnum 0xffff (PN_XNUM)"},
        {offsetof(Elf64_Ehdr, e_shoff), 8, ~0ULL, "e_shoff ~0"},
        {offsetof(Elf64_Ehdr, e_shnum), 2, 0xffff, "e_shnum 0xffff"},
        {offsetof(Elf64_Ehdr, e_shentsize), 2, 0, "e_shentsize 0"},
        {offsetof(Elf64_Ehdr, e_shstrndx), 2, 0xfffe, "e_shstrndx 0xfffe"},
        {offsetof(Elf64_Ehdr, e_flags), 4, ~0U, "e_flags ~0"},
        {offsetof(Elf64_Ehdr, e_flags), 4, 0, "e_flags 0 (soft float)"},
    };
    for (size_t k = 0; k < sizeof fields / sizeof fields[0]; k++) {
        start();
        uint64_t v = fields[k].v;
        memcpy(buf + fields[k].off, &v, fields[k].size);    /* little-endian host and file */
        emit("%s", fields[k].what);
    }

    /* program headers */
    int interp = -1, load0 = -1, load1 = -1;
    for (int i = 0; i < e.e_phnum; i++) {
        const Elf64_Phdr *p = (const Elf64_Phdr *)(orig + e.e_phoff) + i;
        if (p->p_type == PT_INTERP)
            interp = i;
        if (p->p_type == PT_LOAD) {
            if (load0 < 0)
                load0 = i;
            else if (load1 < 0)
                load1 = i;
        }
        phdr_mutants(i);
    }
    if (load0 >= 0 && load1 >= 0) {
        start();
        ph(load1)->p_vaddr = ph(load0)->p_vaddr;
        emit("two PT_LOADs at the same address");
        start();
        ph(load0)->p_memsz = ph(load1)->p_vaddr - ph(load0)->p_vaddr + ph(load1)->p_memsz + 8192;
        emit("the first PT_LOAD's memory covers the second");
        start();
        ph(load1)->p_vaddr = ph(load0)->p_vaddr + ph(load0)->p_memsz - 16;
        ph(load1)->p_offset = ph(load0)->p_offset + ph(load0)->p_filesz - 16;
        emit("the second PT_LOAD overlaps the first's last bytes");
        start();
        Elf64_Phdr t = *ph(load0);
        *ph(load0) = *ph(load1);
        *ph(load1) = t;
        emit("PT_LOADs out of address order");
    }
    if (interp >= 0)
        interp_mutants(interp);

    /* random byte flips in the first 4 KiB (the headers) */
    size_t span = orig_len < 4096 ? orig_len : 4096;
    size_t hot = sizeof e + (size_t)e.e_phnum * sizeof(Elf64_Phdr);
    for (int k = 0; k < 24; k++) {
        start();
        int n = 1 + (int)(rnd() % 8);
        for (int j = 0; j < n; j++) {
            size_t at = k % 2 ? e.e_phoff + rnd() % (hot - sizeof e) : rnd() % span;
            buf[at] ^= (uint8_t)(1 + rnd() % 255);
        }
        emit("%d random bytes changed in the %s", n, k % 2 ? "program headers" : "first 4 KiB");
    }
    return 0;
}
