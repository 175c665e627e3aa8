# The lines tests/guest/workload.sh prints on N harts, as grep -E patterns
# (computed on the host as the script computes them in the guest), for the
# suites that boot it: tests/guest/suite.sh (qemu, the oracle) and
# tests/virt/suite.sh (vvm).  Sourced.

# wl_loop SEED COUNT: the result of the script's shell loop
wl_loop() {
	local s=$1 k
	for ((k = 1; k <= $2; k++)); do s=$(( (s * 31 + k) % 1000003 )); done
	echo "$s"
}

# wl_patterns N: one pattern a line
wl_patterns() {
	local n=$1 j par=
	for ((j = 0; j < n; j++)); do par="$par$(wl_loop "$j" 5000) "; done
	printf '%s\n' '^uname: Linux 6\.1\.[^ ]* riscv64$' "^harts: $n\$" "^hart ids: $(seq -s ' ' 0 $((n - 1))) \$" \
		"^loop: 20000 $(wl_loop 0 20000)\$" "^$(seq 1 5000 | md5sum | cut -d' ' -f1)  /tmp/numbers\$" \
		"^parallel: $par\$"
}
