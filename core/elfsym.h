/* elfsym: an ELF file's code symbols as a sorted table, and lookups by
 * address.  One reader for `vvm disasm` (cli/disasm.c: objdump's labels)
 * and --perfmap (os/linux/trace.c: the functions translated code runs). */
#ifndef VVM_ELFSYM_H
#define VVM_ELFSYM_H

#include <stddef.h>
#include <stdint.h>

#include "core/elf.h"

typedef struct vvm_sym {
    uint64_t addr;
    uint64_t size;    /* st_size (0: unknown) */
    size_t shndx;
    int rank;         /* preference among symbols at one address, higher first */
    size_t idx;       /* index in the symbol table */
    const char *base; /* name without version (valid while the ELF is open) */
    char *name;       /* as printed: name@@VERSION for a versioned dynamic symbol */
} vvm_sym;

typedef struct vvm_symtab {
    vvm_sym *v;
    size_t n;
} vvm_symtab;

/* Only functions (STT_FUNC, STT_GNU_IFUNC), named without versions: no
 * labels, section starts or PLT entries. */
#define VVM_SYMS_FUNCS 1u

/* Does the section hold code? */
static inline int vvm_elf_is_code(const Elf64_Shdr *sh)
{
    return sh && sh->sh_type != SHT_NOBITS && (sh->sh_flags & SHF_EXECINSTR);
}

/* The symbols that label code in e, from .symtab, or .dynsym (with GNU
 * versions) when stripped: functions and plain labels in code sections,
 * section starts without a symbol of their own (named as the section, from
 * .symtab), and objdump's synthetic NAME@plt symbols; with VVM_SYMS_FUNCS
 * the functions only.  Sorted by address, then preference.  An empty table
 * when out of memory. */
void vvm_symtab_load(const vvm_elf *e, vvm_symtab *t, unsigned flags);
void vvm_symtab_free(vvm_symtab *t);
/* The preferred symbol at or before addr, or NULL. */
const vvm_sym *vvm_symtab_at_or_before(const vvm_symtab *t, uint64_t addr);
/* The symbol at or before addr whose size covers it (a symbol of unknown
 * size covers its own address only), or NULL. */
const vvm_sym *vvm_symtab_containing(const vvm_symtab *t, uint64_t addr);

#endif
