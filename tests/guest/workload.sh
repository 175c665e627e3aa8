# The scripted run of tests/guest/suite.sh, run in the guest as /etc/rc
# (scripts/guest-qemu.sh -script tests/guest/workload.sh): uname, the harts
# in /proc/cpuinfo (sorted: OpenSBI picks the boot hart by lottery, and it
# becomes CPU 0), a CPU loop in the shell, md5sum of a file, and a loop on
# every hart at once (one shell in the background per hart, then wait).
# The suites check every line (tests/guest/workload-expect.sh);
# docs/guest-linux.md times it on the oracle.
echo "uname: $(uname -s -r -m)"
echo "harts: $(grep -c '^processor' /proc/cpuinfo)"
echo "hart ids: $(sed -n 's/^hart[[:space:]]*: //p' /proc/cpuinfo | sort -n | tr '\n' ' ')"
i=0 sum=0
while [ $i -lt 20000 ]; do i=$((i + 1)); sum=$(( (sum * 31 + i) % 1000003 )); done
echo "loop: $i $sum"
seq 1 5000 >/tmp/numbers
md5sum /tmp/numbers
n=$(grep -c '^processor' /proc/cpuinfo)
j=0
while [ $j -lt "$n" ]; do
	(k=0 s=$j; while [ $k -lt 5000 ]; do k=$((k + 1)); s=$(( (s * 31 + k) % 1000003 )); done; echo "$j $s" >/tmp/par.$j) &
	j=$((j + 1))
done
wait
echo "parallel: $(cat /tmp/par.* | sort -n | cut -d' ' -f2 | tr '\n' ' ')"
