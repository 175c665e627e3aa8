/* libFuzzer target: the ELF reader on arbitrary bytes.  vvm_elf_parse, then
 * everything the disassembler reads: every section (name, data), every
 * symbol of .symtab and .dynsym (name, GNU version), and the whole `vvm
 * disasm` listing (written to /dev/null).  Any read outside the input is an
 * ASan report; the checks below are on what the helpers promise. */
#include <assert.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "core/elf.h"

static FILE *devnull;

static unsigned touch(const void *p, size_t n)  /* reads every byte */
{
    unsigned h = 0;
    for (size_t i = 0; i < n; i++)
        h = h * 31 + ((const uint8_t *)p)[i];
    return h;
}

static void walk_symbols(const vvm_elf *e, const Elf64_Shdr *tab)
{
    size_t n = vvm_elf_sym_count(e, tab);
    if (!tab) {
        assert(n == 0);
        return;
    }
    assert(n <= e->size / sizeof(Elf64_Sym));
    for (size_t i = 0; i < n && i < 4096; i++) {
        Elf64_Sym s;
        assert(vvm_elf_sym(e, tab, i, &s) == 0);
        const char *name = vvm_elf_sym_name(e, tab, &s);
        touch(name, strlen(name));
        int hidden = 0;
        const char *ver = vvm_elf_sym_version(e, tab, i, &hidden);
        if (ver)
            touch(ver, strlen(ver));
    }
    Elf64_Sym s;
    assert(vvm_elf_sym(e, tab, n, &s) < 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
    if (!devnull)
        devnull = fopen("/dev/null", "w");
    /* a copy of exactly n bytes, so reading past the end is caught */
    uint8_t *copy = malloc(n ? n : 1);
    memcpy(copy, d, n);
    vvm_elf e;
    char err[256];
    if (vvm_elf_parse(&e, copy, n, EM_RISCV, err, sizeof err) == 0) {
        assert(e.eh);
        for (size_t i = 0; i < e.eh->e_shnum; i++) {
            const Elf64_Shdr *sh = vvm_elf_section(&e, i);
            if (!e.sh) {
                assert(!sh);
                break;
            }
            const char *name = vvm_elf_section_name(&e, sh);
            touch(name, strlen(name));
            const uint8_t *data = vvm_elf_section_data(&e, sh);
            if (data)
                touch(data, sh->sh_size);
        }
        assert(!vvm_elf_section(&e, e.eh->e_shnum));
        walk_symbols(&e, vvm_elf_find_section(&e, SHT_SYMTAB));
        walk_symbols(&e, vvm_elf_find_section(&e, SHT_DYNSYM));
        if (devnull)
            vvm_disasm_listing(vvm_machine_class_for_elf(EM_RISCV), &e, "fuzz", devnull);
    } else {
        assert(err[0]);
    }
    free(copy);
    return 0;
}
