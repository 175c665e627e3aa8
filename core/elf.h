/* elf: reading ELF64 files (the loader and the disassembler share it).
 * Every offset and size read from the file is checked against its length
 * before use; a bad file gets a message naming the cause. */
#ifndef VVM_ELF_H
#define VVM_ELF_H

#include <elf.h>
#include <stddef.h>
#include <stdint.h>

typedef struct vvm_elf {
    const char *path;
    int fd;
    const uint8_t *data;        /* the whole file, mapped read-only */
    size_t size;
    const Elf64_Ehdr *eh;
    const Elf64_Phdr *ph;       /* e_phnum entries */
    const Elf64_Shdr *sh;       /* e_shnum entries, or NULL when absent/bad */
} vvm_elf;

/* Opens and checks path: an ELF64 little-endian file for `machine` (EM_RISCV).
 * Returns 0, or -errno / -ENOEXEC with a message in err. */
int vvm_elf_open(vvm_elf *e, const char *path, int machine, char *err, size_t errlen);
/* The same checks on a buffer already in memory (no fd); for fuzzing. */
int vvm_elf_parse(vvm_elf *e, const uint8_t *data, size_t size, int machine, char *err, size_t errlen);
void vvm_elf_close(vvm_elf *e);

/* Name of an e_machine value for messages ("x86-64", "AArch64", ...). */
const char *vvm_elf_machine_name(int machine);
/* Section name, or "" if out of bounds. */
const char *vvm_elf_section_name(const vvm_elf *e, const Elf64_Shdr *s);
/* Bytes of a section, or NULL if it lies outside the file (or is NOBITS). */
const uint8_t *vvm_elf_section_data(const vvm_elf *e, const Elf64_Shdr *s);

/* Sections and symbols, for the disassembler.  Each returns NULL / 0 / -1
 * for anything that lies outside the file, so a damaged file cannot make
 * them read past it.  Symbols are copied out: a symbol table in a damaged
 * file need not be aligned. */

/* Section header idx, or NULL when there are none or idx is out of range. */
const Elf64_Shdr *vvm_elf_section(const vvm_elf *e, size_t idx);
/* The first section of a type (SHT_SYMTAB, SHT_DYNSYM, ...), or NULL. */
const Elf64_Shdr *vvm_elf_find_section(const vvm_elf *e, uint32_t type);
/* Entries of a symbol table section (0 if it is not one or is damaged). */
size_t vvm_elf_sym_count(const vvm_elf *e, const Elf64_Shdr *tab);
/* Copies symbol i of tab into *out; returns 0, or -1 if out of range. */
int vvm_elf_sym(const vvm_elf *e, const Elf64_Shdr *tab, size_t i, Elf64_Sym *out);
/* A symbol's name (from tab's linked string table), or "" if out of bounds. */
const char *vvm_elf_sym_name(const vvm_elf *e, const Elf64_Shdr *tab, const Elf64_Sym *s);
/* The GNU symbol version of dynamic symbol i of tab ("GLIBC_2.27"), or NULL
 * when it has none (local or base version, no version sections, damaged
 * ones).  *hidden is set when it is not the default version (objdump prints
 * "name@VER" then, "name@@VER" otherwise). */
const char *vvm_elf_sym_version(const vvm_elf *e, const Elf64_Shdr *tab, size_t i, int *hidden);

#endif
