/* elf: ELF64 reading with bounds checks (see elf.h). */
#include "core/elf.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

const char *vvm_elf_machine_name(int m)
{
    switch (m) {
    case EM_X86_64: return "x86-64";
    case EM_386: return "i386";
    case EM_AARCH64: return "AArch64";
    case EM_ARM: return "ARM";
    case EM_RISCV: return "RISC-V";
    case EM_PPC64: return "PowerPC64";
    case EM_S390: return "s390";
    case EM_MIPS: return "MIPS";
    case EM_LOONGARCH: return "LoongArch";
    default: return "unknown";
    }
}

int vvm_elf_parse(vvm_elf *e, const uint8_t *d, size_t n, int machine, char *err, size_t errlen)
{
    e->data = d;
    e->size = n;
    e->eh = NULL;
    e->ph = NULL;
    e->sh = NULL;
    if (n < 4 || memcmp(d, ELFMAG, SELFMAG) != 0) {
        snprintf(err, errlen, "not an ELF file");
        return -ENOEXEC;
    }
    if (n < sizeof(Elf64_Ehdr)) {
        snprintf(err, errlen, "truncated ELF file (%zu bytes, shorter than its header)", n);
        return -ENOEXEC;
    }
    const Elf64_Ehdr *eh = (const Elf64_Ehdr *)d;
    if (d[EI_CLASS] != ELFCLASS64 || d[EI_DATA] != ELFDATA2LSB) {
        snprintf(err, errlen, "not a 64-bit little-endian ELF file");
        return -ENOEXEC;
    }
    if (machine && eh->e_machine != machine) {
        snprintf(err, errlen, "not a %s program (its machine is %s, e_machine %u)", vvm_elf_machine_name(machine),
                 vvm_elf_machine_name(eh->e_machine), eh->e_machine);
        return -ENOEXEC;
    }
    if (eh->e_phnum && eh->e_phentsize != sizeof(Elf64_Phdr)) {
        snprintf(err, errlen, "bad program header size %u", eh->e_phentsize);
        return -ENOEXEC;
    }
    if (eh->e_phoff > n || (uint64_t)eh->e_phnum * sizeof(Elf64_Phdr) > n - eh->e_phoff) {
        snprintf(err, errlen, "truncated ELF file: program headers end past the end of the file");
        return -ENOEXEC;
    }
    if (eh->e_phoff % 8) {
        snprintf(err, errlen, "misaligned program headers");
        return -ENOEXEC;
    }
    e->eh = eh;
    e->ph = (const Elf64_Phdr *)(d + eh->e_phoff);
    if (eh->e_shnum && eh->e_shentsize == sizeof(Elf64_Shdr) && eh->e_shoff <= n && eh->e_shoff % 8 == 0 &&
        (uint64_t)eh->e_shnum * sizeof(Elf64_Shdr) <= n - eh->e_shoff)
        e->sh = (const Elf64_Shdr *)(d + eh->e_shoff);
    return 0;
}

int vvm_elf_open(vvm_elf *e, const char *path, int machine, char *err, size_t errlen)
{
    memset(e, 0, sizeof *e);
    e->path = path;
    e->fd = -1;
    /* O_NONBLOCK: opening a FIFO (or a device) for reading must not wait
     * for a writer; such files are refused below */
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
    if (fd < 0) {
        int er = errno;
        snprintf(err, errlen, "%s", strerror(er));
        return -er;
    }
    struct stat st;
    if (fstat(fd, &st) < 0) {
        int er = errno;
        close(fd);
        snprintf(err, errlen, "%s", strerror(er));
        return -er;
    }
    if (S_ISDIR(st.st_mode)) {
        close(fd);
        snprintf(err, errlen, "is a directory");
        return -EISDIR;
    }
    if (!S_ISREG(st.st_mode)) {
        close(fd);
        snprintf(err, errlen, "not a regular file");
        return -EACCES;
    }
    if (st.st_size == 0) {
        close(fd);
        snprintf(err, errlen, "empty file, not an ELF program");
        return -ENOEXEC;
    }
    void *m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (m == MAP_FAILED) {
        int er = errno;
        close(fd);
        snprintf(err, errlen, "cannot map: %s", strerror(er));
        return -er;
    }
    e->fd = fd;
    int rc = vvm_elf_parse(e, m, (size_t)st.st_size, machine, err, errlen);
    if (rc < 0) {
        e->path = path;
        vvm_elf_close(e);
        return rc;
    }
    e->path = path;
    return 0;
}

void vvm_elf_close(vvm_elf *e)
{
    if (e->fd >= 0) {
        if (e->data)
            munmap((void *)e->data, e->size);
        close(e->fd);
    }
    e->fd = -1;
    e->data = NULL;
}

const uint8_t *vvm_elf_section_data(const vvm_elf *e, const Elf64_Shdr *s)
{
    if (s->sh_type == SHT_NOBITS || s->sh_offset > e->size || s->sh_size > e->size - s->sh_offset)
        return NULL;
    return e->data + s->sh_offset;
}

const char *vvm_elf_section_name(const vvm_elf *e, const Elf64_Shdr *s)
{
    if (!e->sh || e->eh->e_shstrndx >= e->eh->e_shnum)
        return "";
    const Elf64_Shdr *strs = &e->sh[e->eh->e_shstrndx];
    const uint8_t *d = vvm_elf_section_data(e, strs);
    if (!d || s->sh_name >= strs->sh_size)
        return "";
    const char *name = (const char *)d + s->sh_name;
    if (!memchr(name, 0, strs->sh_size - s->sh_name))
        return "";
    return name;
}

/* ---- sections and symbols ---- */

const Elf64_Shdr *vvm_elf_section(const vvm_elf *e, size_t idx)
{
    if (!e->sh || idx >= e->eh->e_shnum)
        return NULL;
    return &e->sh[idx];
}

const Elf64_Shdr *vvm_elf_find_section(const vvm_elf *e, uint32_t type)
{
    for (size_t i = 0; e->sh && i < e->eh->e_shnum; i++)
        if (e->sh[i].sh_type == type)
            return &e->sh[i];
    return NULL;
}

/* The NUL-terminated string at off in string table section idx, or NULL. */
static const char *strtab_at(const vvm_elf *e, size_t idx, uint64_t off)
{
    const Elf64_Shdr *s = vvm_elf_section(e, idx);
    const uint8_t *d = s ? vvm_elf_section_data(e, s) : NULL;
    if (!d || off >= s->sh_size || !memchr(d + off, 0, s->sh_size - off))
        return NULL;
    return (const char *)d + off;
}

size_t vvm_elf_sym_count(const vvm_elf *e, const Elf64_Shdr *tab)
{
    if (!tab || (tab->sh_type != SHT_SYMTAB && tab->sh_type != SHT_DYNSYM) ||
        tab->sh_entsize != sizeof(Elf64_Sym) || !vvm_elf_section_data(e, tab))
        return 0;
    return tab->sh_size / sizeof(Elf64_Sym);
}

int vvm_elf_sym(const vvm_elf *e, const Elf64_Shdr *tab, size_t i, Elf64_Sym *out)
{
    if (i >= vvm_elf_sym_count(e, tab))
        return -1;
    memcpy(out, vvm_elf_section_data(e, tab) + i * sizeof(Elf64_Sym), sizeof *out);
    return 0;
}

const char *vvm_elf_sym_name(const vvm_elf *e, const Elf64_Shdr *tab, const Elf64_Sym *s)
{
    const char *n = tab ? strtab_at(e, tab->sh_link, s->st_name) : NULL;
    return n ? n : "";
}

/* Copies n bytes at off of section s into out; -1 if they lie outside it. */
static int section_read(const vvm_elf *e, const Elf64_Shdr *s, uint64_t off, void *out, size_t n)
{
    const uint8_t *d = vvm_elf_section_data(e, s);
    if (!d || off > s->sh_size || n > s->sh_size - off)
        return -1;
    memcpy(out, d + off, n);
    return 0;
}

const char *vvm_elf_sym_version(const vvm_elf *e, const Elf64_Shdr *tab, size_t i, int *hidden)
{
    *hidden = 0;
    if (!e->sh || !tab || tab < e->sh || tab >= e->sh + e->eh->e_shnum)
        return NULL;
    size_t tabidx = (size_t)(tab - e->sh);
    const Elf64_Shdr *vs = NULL;
    for (size_t k = 0; k < e->eh->e_shnum; k++)
        if (e->sh[k].sh_type == SHT_GNU_versym && e->sh[k].sh_link == tabidx)
            vs = &e->sh[k];
    Elf64_Half v;
    if (!vs || i > SIZE_MAX / 2 || section_read(e, vs, (uint64_t)i * 2, &v, sizeof v) < 0)
        return NULL;
    unsigned ver = v & 0x7fff;
    if (ver <= 1)  /* local or global (base) */
        return NULL;
    *hidden = (v & 0x8000) != 0;
    /* a version this file defines ... */
    const Elf64_Shdr *vd = vvm_elf_find_section(e, SHT_GNU_verdef);
    uint64_t off = 0;
    for (unsigned n = 0; vd && n < vd->sh_info && n < 65536; n++) {
        Elf64_Verdef d;
        Elf64_Verdaux a;
        if (section_read(e, vd, off, &d, sizeof d) < 0)
            break;
        if (d.vd_ndx == ver) {
            if (section_read(e, vd, off + d.vd_aux, &a, sizeof a) < 0)
                return NULL;
            return strtab_at(e, vd->sh_link, a.vda_name);
        }
        if (!d.vd_next)
            break;
        off += d.vd_next;
    }
    /* ... or one it needs from another */
    const Elf64_Shdr *vn = vvm_elf_find_section(e, SHT_GNU_verneed);
    off = 0;
    for (unsigned n = 0; vn && n < vn->sh_info && n < 65536; n++) {
        Elf64_Verneed d;
        if (section_read(e, vn, off, &d, sizeof d) < 0)
            break;
        uint64_t aoff = off + d.vn_aux;
        for (unsigned k = 0; k < d.vn_cnt && k < 65536; k++) {
            Elf64_Vernaux a;
            if (section_read(e, vn, aoff, &a, sizeof a) < 0)
                break;
            if (a.vna_other == ver)
                return strtab_at(e, vn->sh_link, a.vna_name);
            if (!a.vna_next)
                break;
            aoff += a.vna_next;
        }
        if (!d.vn_next)
            break;
        off += d.vn_next;
    }
    return NULL;
}
