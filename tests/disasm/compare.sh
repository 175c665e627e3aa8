#!/usr/bin/env bash
# compare.sh FILE: disassemble FILE with `objdump -d` (binutils 2.40) and with
# `vvm disasm`, and compare them instruction by instruction.
#
# Each listing is reduced to "address -> mnemonic operands": objdump's
# "<sym+off>" after addresses and its "# ..." comments are dropped and
# whitespace is collapsed; labels, "..." and the byte columns are not compared.
# Every address whose text differs (or that only one of them lists) is printed
#   ADDR<TAB>objdump: TEXT<TAB>vvm: TEXT
# followed by a count per mnemonic pair and the total.  Exit status 0 only when
# there is no difference (1: differences, 2: could not run).
#
#   VVM=build/vvm OBJDUMP=riscv64-linux-gnu-objdump bash tests/disasm/compare.sh FILE
set -u
ROOT=${ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
VVM=${VVM:-$ROOT/build/vvm}
OBJDUMP=${OBJDUMP:-riscv64-linux-gnu-objdump}
if [ $# -ne 1 ]; then
	echo "usage: compare.sh FILE" >&2
	exit 2
fi
f=$1
work=$(mktemp -d "${TMPDIR:-/tmp}/vvm-dis.XXXXXX")
trap 'rm -rf "$work"' EXIT

if ! "$OBJDUMP" -d "$f" >"$work/objdump" 2>"$work/objdump.err"; then
	echo "compare.sh: $OBJDUMP -d $f failed:" >&2
	head -n 5 "$work/objdump.err" >&2
	exit 2
fi
if ! "$VVM" disasm "$f" >"$work/vvm" 2>"$work/vvm.err"; then
	echo "compare.sh: $VVM disasm $f failed:" >&2
	head -n 5 "$work/vvm.err" >&2
	exit 2
fi

awk -F'\t' '
function norm(   t) {
	t = $3
	if (NF >= 4)
		t = t " " $4
	sub(/ #.*$/, "", t)        # objdump: "# 77d90 <lock>" after auipc pairs
	sub(/ <.*$/, "", t)        # "<sym+0x10>" after a code address
	gsub(/[ \t]+/, " ", t)
	sub(/^ /, "", t)
	sub(/ $/, "", t)
	return t
}
FNR == 1 { file++ }
/^ *[0-9a-f]+:\t/ {
	a = $1
	sub(/^ +/, "", a)
	sub(/:$/, "", a)
	if (file == 1) {
		if (!(a in od))
			order[++n] = a
		od[a] = norm()
	} else {
		if (!(a in vv) && !(a in od))
			extra[++m] = a
		vv[a] = norm()
	}
}
function mn(t) { sub(/ .*/, "", t); return t }
function diff(a, o, v,   k) {
	printf "%s\tobjdump: %s\tvvm: %s\n", a, o, v
	k = mn(o) " -> " mn(v)
	if (!(k in bykind))
		kinds[++nk] = k
	bykind[k]++
	total++
}
END {
	for (i = 1; i <= n; i++) {
		a = order[i]
		v = (a in vv) ? vv[a] : "(none)"
		if (od[a] != v)
			diff(a, od[a], v)
	}
	for (i = 1; i <= m; i++)
		diff(extra[i], "(none)", vv[extra[i]])
	if (total) {
		print "differences by mnemonic (objdump -> vvm):"
		for (i = 1; i <= nk; i++)
			printf "  %7d  %s\n", bykind[kinds[i]], kinds[i]
	}
	printf "%d differences in %d instructions\n", total + 0, n
	exit total ? 1 : 0
}' "$work/objdump" "$work/vvm"
