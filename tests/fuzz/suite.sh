# The libFuzzer targets' short runs (fuzz/suite.sh), so `make check` has them.
# shellcheck source=fuzz/suite.sh
source "$ROOT/fuzz/suite.sh"
