#!/usr/bin/env bash
# Extract the .BTF section of kernel modules into a directory laid out like
# /sys/kernel/btf: one file per module, named after the module (the file name
# without .ko[.xz|.zst|.gz], with '-' turned into '_', as the kernel does).
# Modules without a .BTF section are skipped.
#
# Usage: scripts/extract-module-btf.sh <out-dir> <module-file>...
#   (meant to be driven by xargs -P, see scripts/fetch-kernels.sh)
#
# Needs: llvm (llvm-objcopy), xz-utils, zstd, gzip.
set -euo pipefail

out=$1
shift
objcopy=${LLVM_OBJCOPY:-llvm-objcopy}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

for ko in "$@"; do
  base=${ko##*/}
  case $base in
    *.ko.xz) name=${base%.ko.xz}; xz -dc -- "$ko" >"$tmp/m.ko"; src=$tmp/m.ko ;;
    *.ko.zst) name=${base%.ko.zst}; zstd -dcq -- "$ko" >"$tmp/m.ko"; src=$tmp/m.ko ;;
    *.ko.gz) name=${base%.ko.gz}; gzip -dc -- "$ko" >"$tmp/m.ko"; src=$tmp/m.ko ;;
    *.ko) name=${base%.ko}; src=$ko ;;
    *) continue ;;
  esac
  name=${name//-/_}
  # --dump-section fails when the section is absent: that module has no BTF.
  if "$objcopy" --dump-section ".BTF=$tmp/btf" --only-section .BTF "$src" "$tmp/discard" 2>/dev/null; then
    mv -f "$tmp/btf" "$out/$name"
  fi
  rm -f "$tmp/discard" "$tmp/btf"
done
