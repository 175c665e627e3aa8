#!/usr/bin/env bash
# encodings.sh RV_GEN_H [PER-OP]: assembly source (for riscv64 gas) holding
# every 16-bit encoding and PER-OP (default 48) pseudo-random 32-bit
# encodings of each instruction in the generated op table (rv_gen.h rows:
# match | random & ~mask, with registers, immediates and rm often zero or
# dyn so aliases are hit).  Deterministic: the same table gives the same file.
# The listing of its object compares vvm disasm with objdump beyond what
# compilers emit.  The .attribute names every extension vvm decodes, so that
# objdump decodes them too: extend it with the .isa files.
set -u
gen=${1:?usage: encodings.sh RV_GEN_H [PER-OP]}
per=${2:-48}
echo '.attribute arch, "rv64gc_zba_zbb_zbs_zicsr_zifencei_zihintpause"'
echo '.text'
awk 'BEGIN { for (w = 0; w < 65536; w++) if (w % 4 != 3) printf ".insn 2, 0x%04x\n", w }'
RANDOM=1
grep -o 'X([a-z0-9_]*, "[^"]*", [0-9]*u, [a-z0-9_]*, 0x[0-9a-f]*u, 0x[0-9a-f]*u, 4)' "$gen" |
	awk -F', ' '{ m = $5; k = $6; sub(/u$/, "", m); sub(/u$/, "", k); print m, k }' |
	while read -r mask match; do
		for ((i = 0; i < per; i++)); do
			r=$(((RANDOM << 17) ^ (RANDOM << 2) ^ (RANDOM >> 13) ^ (RANDOM << 30)))
			((RANDOM % 4 == 0)) && r=$((r & 0xfff07fff))   # rs1 = 0
			((RANDOM % 4 == 0)) && r=$((r & 0xfffff07f))   # rd = 0
			((RANDOM % 4 == 0)) && r=$((r & 0xfe0fffff))   # rs2 = 0
			((RANDOM % 4 == 0)) && r=$((r & 0x000fffff))   # imm = 0
			((RANDOM % 4 == 0)) && r=$((r | 0x7000))       # rm = dyn
			printf '.insn 4, 0x%08x\n' $(((match | (r & ~mask)) & 0xffffffff))
		done
	done
