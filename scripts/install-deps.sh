#!/usr/bin/env bash
# Installs the Debian packages tsbpf's tests, fixtures scripts, VM harness and benchmarks use.
# Idempotent: installs only what is missing. Run as root on Debian 12 or later.
set -euo pipefail
packages=(
  bpftool libbpf-dev linux-libc-dev   # oracles and the C benchmark harnesses
  clang llvm dwarves                  # BPF test objects, llvm-objcopy/readelf, pahole
  qemu-system-x86 busybox-static kmod # the VM harness
  xz-utils zstd lz4 cpio debian-archive-keyring  # unpacking kernel packages, building initramfs
  build-essential
)
missing=()
for p in "${packages[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ "${#missing[@]}" -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
