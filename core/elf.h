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

#endif
