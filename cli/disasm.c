/* vvm disasm FILE: a listing of an ELF file's code in the layout of
 * `objdump -d` (binutils 2.40): symbol labels, addresses, the instruction
 * bytes as objdump groups them, and `<sym+0xoff>` after code addresses.
 * Instructions come from the machine class that reads the file's ELF
 * machine (core/machine.h: for RISC-V, the generated disassembler);
 * symbols from .symtab, or .dynsym (with GNU versions) when stripped. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "core/elf.h"
#include "core/machine.h"

typedef struct dsym {
    uint64_t addr;
    size_t shndx;
    int rank;       /* preference among symbols at one address, higher first */
    size_t idx;     /* index in the symbol table */
    const char *base; /* name without version */
    char *name;     /* as printed: name@@VERSION for a versioned dynamic symbol */
} dsym;

typedef struct symtab {
    dsym *v;
    size_t n;
} symtab;

static int is_code(const Elf64_Shdr *sh)
{
    return sh && sh->sh_type != SHT_NOBITS && (sh->sh_flags & SHF_EXECINSTR);
}

static int cmp_sym(const void *a, const void *b)
{
    const dsym *x = a, *y = b;
    if (x->addr != y->addr)
        return x->addr < y->addr ? -1 : 1;
    if (x->rank != y->rank)
        return y->rank - x->rank;
    if ((x->base[0] == '.') != (y->base[0] == '.'))  /* section-like names last */
        return x->base[0] == '.' ? 1 : -1;
    int c = strcmp(x->base, y->base);
    if (c)
        return c;
    return x->idx < y->idx ? -1 : x->idx > y->idx;
}

/* objdump's synthetic NAME@plt symbols: PLT entry k (16 bytes, after a
 * 32-byte header) calls the symbol of .rela.plt relocation k. */
static void add_plt_symbols(const vvm_elf *e, symtab *t)
{
    const Elf64_Shdr *plt = NULL, *rela = NULL;
    size_t pltidx = 0;
    for (size_t i = 0; e->sh && i < e->eh->e_shnum; i++) {
        const char *n = vvm_elf_section_name(e, &e->sh[i]);
        if (!strcmp(n, ".plt"))
            plt = &e->sh[i], pltidx = i;
        else if (!strcmp(n, ".rela.plt") && e->sh[i].sh_type == SHT_RELA)
            rela = &e->sh[i];
    }
    const uint8_t *rd = rela ? vvm_elf_section_data(e, rela) : NULL;
    const Elf64_Shdr *dynsym = rela ? vvm_elf_section(e, rela->sh_link) : NULL;
    if (!plt || !is_code(plt) || !rd || rela->sh_entsize != sizeof(Elf64_Rela) || !dynsym)
        return;
    size_t n = rela->sh_size / sizeof(Elf64_Rela);
    if (plt->sh_size < 32 || n > (plt->sh_size - 32) / 16)
        return;
    dsym *v = realloc(t->v, (t->n + n + 1) * sizeof *v);
    if (!v)
        return;
    t->v = v;
    for (size_t k = 0; k < n; k++) {
        Elf64_Rela r;
        Elf64_Sym s;
        memcpy(&r, rd + k * sizeof r, sizeof r);
        if (vvm_elf_sym(e, dynsym, ELF64_R_SYM(r.r_info), &s) < 0)
            continue;
        const char *name = vvm_elf_sym_name(e, dynsym, &s);
        size_t len = strlen(name) + 5;
        dsym *d = &t->v[t->n];
        if (!name[0] || !(d->name = malloc(len)))
            continue;
        snprintf(d->name, len, "%s@plt", name);
        d->base = d->name;
        d->addr = plt->sh_addr + 32 + 16 * k;
        d->shndx = pltidx;
        d->idx = k;
        d->rank = 4 + 2;
        t->n++;
    }
}

/* The symbols that label code: functions and plain labels in code sections. */
static void load_symbols(const vvm_elf *e, symtab *t)
{
    const Elf64_Shdr *tab = vvm_elf_find_section(e, SHT_SYMTAB);
    int dyn = 0;
    if (!vvm_elf_sym_count(e, tab)) {
        tab = vvm_elf_find_section(e, SHT_DYNSYM);
        dyn = 1;
    }
    size_t n = vvm_elf_sym_count(e, tab);
    t->v = calloc(n ? n : 1, sizeof *t->v);
    t->n = 0;
    if (!t->v)
        return;
    for (size_t i = 1; i < n; i++) {
        Elf64_Sym s;
        if (vvm_elf_sym(e, tab, i, &s) < 0)
            break;
        int type = ELF64_ST_TYPE(s.st_info), bind = ELF64_ST_BIND(s.st_info);
        const char *name = vvm_elf_sym_name(e, tab, &s);
        /* objdump labels a section start that has no symbol by its name (not from .dynsym) */
        if (type == STT_SECTION)
            name = !dyn && vvm_elf_section(e, s.st_shndx) ? vvm_elf_section_name(e, vvm_elf_section(e, s.st_shndx)) : "";
        if (!name[0] || name[0] == '$' || type == STT_FILE || type == STT_TLS ||
            s.st_shndx == SHN_UNDEF || s.st_shndx >= SHN_LORESERVE || !is_code(vvm_elf_section(e, s.st_shndx)))
            continue;
        int hidden = 0;
        const char *ver = dyn ? vvm_elf_sym_version(e, tab, i, &hidden) : NULL;
        size_t len = strlen(name) + (ver ? strlen(ver) + 3 : 0) + 1;
        dsym *d = &t->v[t->n];
        if (!(d->name = malloc(len)))
            break;
        if (ver)
            snprintf(d->name, len, "%s%s%s", name, hidden ? "@" : "@@", ver);
        else
            snprintf(d->name, len, "%s", name);
        d->addr = s.st_value;
        d->idx = i;
        d->base = name;
        d->shndx = s.st_shndx;
        d->rank = type == STT_SECTION ? -1 : (type == STT_FUNC || type == STT_GNU_IFUNC) * 4 + (bind == STB_GLOBAL) * 2 + (bind == STB_WEAK);
        if (type == STT_SECTION)
            d->addr = vvm_elf_section(e, s.st_shndx)->sh_addr;
        t->n++;
    }
    add_plt_symbols(e, t);
    qsort(t->v, t->n, sizeof *t->v, cmp_sym);
}

static void free_symbols(symtab *t)
{
    for (size_t i = 0; i < t->n; i++)
        free(t->v[i].name);
    free(t->v);
}

/* The preferred symbol at or before addr, or NULL. */
static const dsym *sym_at_or_before(const symtab *t, uint64_t addr)
{
    size_t lo = 0, hi = t->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (t->v[mid].addr <= addr)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (!lo)
        return NULL;
    uint64_t a = t->v[lo - 1].addr;
    while (lo > 1 && t->v[lo - 2].addr == a)
        lo--;
    return &t->v[lo - 1];
}

static void print_addr_sym(FILE *out, const symtab *t, uint64_t addr)
{
    const dsym *s = sym_at_or_before(t, addr);
    if (!s)
        return;
    if (s->addr == addr)
        fprintf(out, " <%s>", s->name);
    else
        fprintf(out, " <%s+0x%" PRIx64 ">", s->name, addr - s->addr);
}

/* objdump skips a run of at least 8 zero bytes (or fewer than 3 at the end
 * of a symbol's range) with "...", in whole words unless it reaches the end. */
static uint64_t zero_run(const uint8_t *d, uint64_t off, uint64_t stop)
{
    uint64_t z = off;
    while (z < stop && d[z] == 0)
        z++;
    if (z - off >= 8 || (z == stop && z - off < 3 && z > off)) {
        if (z != stop)
            z = off + ((z - off) & ~(uint64_t)3);
        return z - off;
    }
    return 0;
}

static uint64_t disasm_range(const vvm_machine_class *c, FILE *out, int aw, const symtab *t, const uint8_t *d, uint64_t base,
                             uint64_t off, uint64_t stop, uint64_t size)
{
    while (off < stop) {
        uint64_t skip = zero_run(d, off, stop);
        if (skip) {
            fprintf(out, "\t...\n");
            off += skip;
            continue;
        }
        uint64_t pc = base + off;
        char buf[160];
        vvm_dis info;
        uint32_t raw = d[off];
        int len = c->disasm(pc, d + off, size - off, buf, sizeof buf, &info);
        if (len <= 0 || len > 4) {  /* a lone byte at the end of the section */
            fprintf(out, "%*" PRIx64 ":\t%02" PRIx32 "                  \t.byte\t0x%" PRIx32 "\n", aw, pc, raw, raw);
            return size;
        }
        for (int k = 1; k < len; k++)
            raw |= (uint32_t)d[off + (uint64_t)k] << (8 * k);
        if (!info.valid)
            snprintf(buf, sizeof buf, ".%dbyte\t0x%" PRIx32, len, raw);
        /* the bytes as one little-endian chunk, padded as for 8 bytes a line */
        int pad = (8 - len) * 2 + (8 - len) / len;
        fprintf(out, "%*" PRIx64 ":\t%0*" PRIx32 " %*s\t%s", aw, pc, len * 2, raw, pad, "", buf);
        if (info.has_target)
            print_addr_sym(out, t, info.target);
        fputc('\n', out);
        off += (uint64_t)len;
    }
    return off;
}

int vvm_disasm_listing(const vvm_machine_class *c, const vvm_elf *e, const char *name, FILE *out)
{
    if (!e->sh)
        return -1;
    symtab t;
    load_symbols(e, &t);
    fprintf(out, "\n%s:     file format %s\n\n", name, c->elf_format);
    for (size_t s = 0; s < e->eh->e_shnum; s++) {
        const Elf64_Shdr *sh = &e->sh[s];
        const uint8_t *d = vvm_elf_section_data(e, sh);
        if (!is_code(sh) || !d || !sh->sh_size)
            continue;
        fprintf(out, "\nDisassembly of section %s:\n", vvm_elf_section_name(e, sh));
        /* addresses as wide as the section's end needs, in steps of 4 digits */
        int zeros = 0;
        for (int b = 60; b >= 0 && !(((sh->sh_addr + sh->sh_size) >> b) & 15); b -= 4)
            zeros++;
        int aw = 16 - (zeros ? (zeros - 1) & ~3 : 0);
        /* this section's labels, one per address (the preferred symbol) */
        const dsym **ls = malloc((t.n ? t.n : 1) * sizeof *ls);
        size_t nl = 0;
        for (size_t k = 0; ls && k < t.n; k++)
            if (t.v[k].shndx == s && t.v[k].addr >= sh->sh_addr && t.v[k].addr - sh->sh_addr < sh->sh_size &&
                (!nl || ls[nl - 1]->addr != t.v[k].addr))
                ls[nl++] = &t.v[k];
        if (!nl)
            fprintf(out, "\n%016" PRIx64 " <%s>:\n", sh->sh_addr, vvm_elf_section_name(e, sh));
        else if (ls[0]->addr != sh->sh_addr)  /* named after the first symbol, as objdump does */
            fprintf(out, "\n%016" PRIx64 " <%s-0x%" PRIx64 ">:\n", sh->sh_addr, ls[0]->name, ls[0]->addr - sh->sh_addr);
        uint64_t off = 0;
        size_t j = 0;
        while (off < sh->sh_size) {
            while (j < nl && ls[j]->addr - sh->sh_addr < off)  /* passed inside an instruction */
                j++;
            if (j < nl && ls[j]->addr - sh->sh_addr == off) {
                fprintf(out, "\n%016" PRIx64 " <%s>:\n", ls[j]->addr, ls[j]->name);
                j++;
            }
            uint64_t stop = j < nl ? ls[j]->addr - sh->sh_addr : sh->sh_size;
            off = disasm_range(c, out, aw, &t, d, sh->sh_addr, off, stop, sh->sh_size);
        }
        free(ls);
    }
    free_symbols(&t);
    return 0;
}

int cmd_disasm(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: vvm disasm FILE\n");
        return 2;
    }
    vvm_elf e;
    char err[256];
    if (vvm_elf_open(&e, argv[1], 0, err, sizeof err) < 0) {
        fprintf(stderr, "vvm: %s: %s\n", argv[1], err);
        return 1;
    }
    const vvm_machine_class *c = vvm_machine_class_for_elf(e.eh->e_machine);
    if (!c) {
        fprintf(stderr, "vvm: %s: no machine of this vvm reads its code (its machine is %s, e_machine %u)\n", argv[1],
                vvm_elf_machine_name(e.eh->e_machine), e.eh->e_machine);
        vvm_elf_close(&e);
        return 1;
    }
    int rc = vvm_disasm_listing(c, &e, argv[1], stdout);
    if (rc < 0)
        fprintf(stderr, "vvm: %s: no section headers\n", argv[1]);
    vvm_elf_close(&e);
    return rc < 0 ? 1 : 0;
}
