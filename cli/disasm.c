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
#include "core/elfsym.h"
#include "core/machine.h"

static void print_addr_sym(FILE *out, const vvm_symtab *t, uint64_t addr)
{
    const vvm_sym *s = vvm_symtab_at_or_before(t, addr);
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

static uint64_t disasm_range(const vvm_machine_class *c, FILE *out, int aw, const vvm_symtab *t, const uint8_t *d, uint64_t base,
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
    vvm_symtab t;
    vvm_symtab_load(e, &t, 0);
    fprintf(out, "\n%s:     file format %s\n\n", name, c->elf_format);
    for (size_t s = 0; s < e->eh->e_shnum; s++) {
        const Elf64_Shdr *sh = &e->sh[s];
        const uint8_t *d = vvm_elf_section_data(e, sh);
        if (!vvm_elf_is_code(sh) || !d || !sh->sh_size)
            continue;
        fprintf(out, "\nDisassembly of section %s:\n", vvm_elf_section_name(e, sh));
        /* addresses as wide as the section's end needs, in steps of 4 digits */
        int zeros = 0;
        for (int b = 60; b >= 0 && !(((sh->sh_addr + sh->sh_size) >> b) & 15); b -= 4)
            zeros++;
        int aw = 16 - (zeros ? (zeros - 1) & ~3 : 0);
        /* this section's labels, one per address (the preferred symbol) */
        const vvm_sym **ls = malloc((t.n ? t.n : 1) * sizeof *ls);
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
    vvm_symtab_free(&t);
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
