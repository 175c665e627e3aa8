/* vvm disasm FILE: a listing of an ELF file's code, from the generated
 * disassembler. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "core/elf.h"
#include "isa/riscv/rv_cpu.h"

int cmd_disasm(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: vvm disasm FILE\n");
        return 2;
    }
    vvm_elf e;
    char err[256];
    if (vvm_elf_open(&e, argv[1], EM_RISCV, err, sizeof err) < 0) {
        fprintf(stderr, "vvm: %s: %s\n", argv[1], err);
        return 1;
    }
    if (!e.sh) {
        fprintf(stderr, "vvm: %s: no section headers\n", argv[1]);
        vvm_elf_close(&e);
        return 1;
    }
    for (int s = 0; s < e.eh->e_shnum; s++) {
        const Elf64_Shdr *sh = &e.sh[s];
        if (sh->sh_type != SHT_PROGBITS || !(sh->sh_flags & SHF_EXECINSTR))
            continue;
        const uint8_t *d = vvm_elf_section_data(&e, sh);
        if (!d)
            continue;
        printf("\nDisassembly of section %s:\n\n", vvm_elf_section_name(&e, sh));
        for (uint64_t off = 0; off + 2 <= sh->sh_size;) {
            uint64_t pc = sh->sh_addr + off;
            uint32_t raw = d[off] | (uint32_t)d[off + 1] << 8;
            int len = (raw & 3) == 3 ? 4 : 2;
            if (len == 4) {
                if (off + 4 > sh->sh_size)
                    break;
                raw |= (uint32_t)d[off + 2] << 16 | (uint32_t)d[off + 3] << 24;
            }
            char buf[128];
            if (!rv_disasm(pc, raw, buf, sizeof buf))
                snprintf(buf, sizeof buf, len == 4 ? ".word\t0x%08" PRIx32 : ".short\t0x%04" PRIx32, raw);
            printf("%8" PRIx64 ":\t%0*" PRIx32 "          \t%s\n", pc, len * 2, raw, buf);
            off += (uint64_t)len;
        }
    }
    vvm_elf_close(&e);
    return 0;
}
