# Shared by bench/run.sh and bench/meta/run.sh.
# shellcheck shell=bash

# minof A B: the faster of two results, each "SECONDS [MORE...]" or FAIL
# ("" is none yet; a failure sticks)
minof() {
    if [ -z "$1" ]; then echo "$2"
    elif [ "$1" = FAIL ] || [ "$2" = FAIL ]; then echo FAIL
    elif awk -v a="${2%% *}" -v b="${1%% *}" 'BEGIN { exit !(a < b) }'; then echo "$2"
    else echo "$1"; fi
}
