#!/usr/bin/env bash
# Install what building and testing vvm needs (Debian 12).  Idempotent: when
# everything is present it only checks and returns.  Runs non-interactively.
#   scripts/install-deps.sh          what make, make check, make demo need
#   scripts/install-deps.sh guest    also what make guest needs (scripts/guest-linux.sh:
#                                    the kernel source, its build tools, dpkg-source for
#                                    busybox's source package, e2fsprogs and curl for the
#                                    guest's disk and network tests; qemu-system-riscv64 and
#                                    OpenSBI, the oracle, are in the base list)
set -euo pipefail

pkgs=(
  build-essential clang libclang-rt-14-dev
  gcc-riscv64-linux-gnu g++-riscv64-linux-gnu gfortran-riscv64-linux-gnu
  binutils-riscv64-linux-gnu libc6-dev-riscv64-cross
  qemu-user qemu-system-misc golang-go time
  lua5.4 guile-3.0 libedit-dev procps
  libcapstone-dev
  libfdt-dev device-tree-compiler qemu-system-misc opensbi libslirp-dev
  libzstd-dev gdb-multiarch
)

# The guest group: building the rv64-virt guest (Linux from linux-source-6.1,
# busybox from its Debian source package) and booting it on the oracle.
# Kept apart so that make check and make demo do not pay for it.
guest_pkgs=(
  linux-source-6.1 flex bison bc cpio xz-utils dpkg-dev e2fsprogs curl
)
want_guest=0
for a in "$@"; do
  case $a in
    guest) want_guest=1 ;;
    *) echo "install-deps: unknown group '$a' (known: guest)" >&2; exit 2 ;;
  esac
done
[ $want_guest = 0 ] || pkgs+=("${guest_pkgs[@]}")

missing=()
for p in "${pkgs[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#pkgs[@]} packages present"
  exit 0
fi

sudo=()
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then sudo=(sudo -n); else
    echo "install-deps: missing ${missing[*]} and not root" >&2; exit 1
  fi
fi

export DEBIAN_FRONTEND=noninteractive
log=$(mktemp)
trap 'rm -f "$log"' EXIT
if ! { "${sudo[@]}" apt-get update -q &&
       "${sudo[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"; } \
       </dev/null >"$log" 2>&1; then
  tail -n 30 "$log" >&2
  echo "install-deps: apt-get failed installing ${missing[*]}" >&2
  exit 1
fi
echo "install-deps: installed ${missing[*]}"
