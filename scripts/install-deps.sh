#!/usr/bin/env bash
# Install what building and testing vvm needs (Debian 12).  Idempotent: when
# everything is present it only checks and returns.  Runs non-interactively.
set -euo pipefail

pkgs=(
  build-essential clang libclang-rt-14-dev
  gcc-riscv64-linux-gnu g++-riscv64-linux-gnu gfortran-riscv64-linux-gnu
  binutils-riscv64-linux-gnu libc6-dev-riscv64-cross
  qemu-user qemu-system-misc golang-go time
  lua5.4 guile-3.0 libedit-dev procps
  libcapstone-dev
  libfdt-dev device-tree-compiler qemu-system-misc opensbi
)

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
