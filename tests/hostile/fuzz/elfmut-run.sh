#!/usr/bin/env bash
# Runs the ELF mutants of tests/hostile/elfmut.sh, confined (as nobody):
#   elfmut-run.sh DIR VVM SECS SEED SYSROOT
# DIR holds elfmut, the inputs hello-s (static) and hello-d (dynamic) and the
# list (elfmut's lines).  Two at a time, each mutant is made in DIR/m, run
# under VVM with a limit of SECS seconds, and removed; its exit status goes
# to DIR/r/NAME.st and its stderr to DIR/r/NAME.err.
set -u
export EM_DIR=$1 EM_VVM=$2 EM_SECS=$3 EM_SEED=$4 EM_SYSROOT=$5
em_one() {
	local name=$1 prefix=${1%-*} n=$((10#${1##*-}))
	"$EM_DIR/elfmut" "$EM_SEED" "$EM_DIR/hello-$prefix" "$EM_DIR/m" "$prefix" "$n" >/dev/null || return
	timeout -k 2 "$EM_SECS" "$EM_VVM" run -L "$EM_SYSROOT" "$EM_DIR/m/$name" >/dev/null 2>"$EM_DIR/r/$name.err" </dev/null
	echo $? >"$EM_DIR/r/$name.st"
	rm -f "$EM_DIR/m/$name"
}
export -f em_one
# shellcheck disable=SC2016 # $1 is em_one's, in the shell xargs starts
cut -d' ' -f1 "$EM_DIR/list" | xargs -P2 -n1 bash -c 'em_one "$1" 2>/dev/null' _
