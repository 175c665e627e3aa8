/* elfsym: an ELF file's code symbols (see elfsym.h). */
#include "core/elfsym.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int cmp_sym(const void *a, const void *b)
{
    const vvm_sym *x = a, *y = b;
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
static void add_plt_symbols(const vvm_elf *e, vvm_symtab *t)
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
    if (!plt || !vvm_elf_is_code(plt) || !rd || rela->sh_entsize != sizeof(Elf64_Rela) || !dynsym)
        return;
    size_t n = rela->sh_size / sizeof(Elf64_Rela);
    if (plt->sh_size < 32 || n > (plt->sh_size - 32) / 16)
        return;
    vvm_sym *v = realloc(t->v, (t->n + n + 1) * sizeof *v);
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
        vvm_sym *d = &t->v[t->n];
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

void vvm_symtab_load(const vvm_elf *e, vvm_symtab *t, unsigned flags)
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
        int func = type == STT_FUNC || type == STT_GNU_IFUNC;
        if ((flags & VVM_SYMS_FUNCS) && !func)
            continue;
        const char *name = vvm_elf_sym_name(e, tab, &s);
        /* objdump labels a section start that has no symbol by its name (not from .dynsym) */
        if (type == STT_SECTION)
            name = !dyn && vvm_elf_section(e, s.st_shndx) ? vvm_elf_section_name(e, vvm_elf_section(e, s.st_shndx)) : "";
        if (!name[0] || name[0] == '$' || type == STT_FILE || type == STT_TLS ||
            s.st_shndx == SHN_UNDEF || s.st_shndx >= SHN_LORESERVE || !vvm_elf_is_code(vvm_elf_section(e, s.st_shndx)))
            continue;
        int hidden = 0;
        const char *ver = dyn && !(flags & VVM_SYMS_FUNCS) ? vvm_elf_sym_version(e, tab, i, &hidden) : NULL;
        size_t len = strlen(name) + (ver ? strlen(ver) + 3 : 0) + 1;
        vvm_sym *d = &t->v[t->n];
        if (!(d->name = malloc(len)))
            break;
        if (ver)
            snprintf(d->name, len, "%s%s%s", name, hidden ? "@" : "@@", ver);
        else
            snprintf(d->name, len, "%s", name);
        d->addr = s.st_value;
        d->size = s.st_size;
        d->idx = i;
        d->base = name;
        d->shndx = s.st_shndx;
        d->rank = type == STT_SECTION ? -1 : func * 4 + (bind == STB_GLOBAL) * 2 + (bind == STB_WEAK);
        if (type == STT_SECTION)
            d->addr = vvm_elf_section(e, s.st_shndx)->sh_addr;
        t->n++;
    }
    if (!(flags & VVM_SYMS_FUNCS))
        add_plt_symbols(e, t);
    qsort(t->v, t->n, sizeof *t->v, cmp_sym);
}

void vvm_symtab_free(vvm_symtab *t)
{
    for (size_t i = 0; i < t->n; i++)
        free(t->v[i].name);
    free(t->v);
}

const vvm_sym *vvm_symtab_at_or_before(const vvm_symtab *t, uint64_t addr)
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

const vvm_sym *vvm_symtab_containing(const vvm_symtab *t, uint64_t addr)
{
    const vvm_sym *s = vvm_symtab_at_or_before(t, addr);
    return s && addr - s->addr < (s->size ? s->size : 1) ? s : NULL;
}
