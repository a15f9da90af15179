#!/usr/bin/env bash
# Build the test VM's initramfs for one of the kernels fetched by
# scripts/fetch-kernels.sh: busybox (static), test/vm/init.sh as /init, and
# the modules needed to reach the host over virtio-9p plus the modules the tests
# use (veth, dummy, nf_conntrack, x_tables), all decompressed and loaded in dependency order.
#
# Usage: bash test/vm/build-initramfs.sh <release> [out.cpio.gz]
#   default output: .cache/vm/<release>/initramfs.cpio.gz
#   extra modules:  TSBPF_VM_MODULES="tun bridge" bash test/vm/build-initramfs.sh sid
#
# Needs (Debian packages): busybox-static, kmod (depmod, modprobe), cpio, gzip,
#   xz-utils, zstd.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
rel=${1:?usage: build-initramfs.sh <release> [out.cpio.gz]}
root=$repo/.cache/kernels/$rel
out=${2:-$repo/.cache/vm/$rel/initramfs.cpio.gz}
busybox=${BUSYBOX:-/bin/busybox}

# Transport to the host first, then the modules under test.
boot_modules=(virtio_pci 9pnet_virtio 9p)
test_modules=(veth dummy nf_conntrack x_tables ${TSBPF_VM_MODULES:-})

[[ -f $root/kernel.env ]] || { echo "build-initramfs: $root/kernel.env missing; run scripts/fetch-kernels.sh $rel" >&2; exit 1; }
# shellcheck disable=SC1091
. "$root/kernel.env"
if ! file -L "$busybox" 2>/dev/null | grep -q 'statically linked' && ldd "$busybox" >/dev/null 2>&1; then
  echo "build-initramfs: $busybox is not statically linked (apt-get install busybox-static)" >&2
  exit 1
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work"/{bin,dev,proc,sys,mnt,job,modules,tmp}
cp "$busybox" "$work/bin/busybox"
cp "$repo/test/vm/init.sh" "$work/init"
chmod 755 "$work/init" "$work/bin/busybox"

[[ -f $root/$MODDIR/modules.dep ]] || depmod -b "$root" "$KVER"

# modprobe --show-depends prints "insmod <path> [options]" in load order, or
# "builtin <name>" for code that is part of the kernel image.
declare -A seen=()
order=()
for m in "${boot_modules[@]}" "${test_modules[@]}"; do
  [[ -n $m ]] || continue
  deps=$(modprobe -d "$root" -S "$KVER" --show-depends "$m") || {
    echo "build-initramfs: module $m not found in $KVER" >&2
    exit 1
  }
  while read -r kind path opts; do
    [[ $kind == insmod ]] || continue
    [[ -z ${seen[$path]:-} ]] || continue
    seen[$path]=1
    base=${path##*/}
    case $base in
      *.ko.xz) name=${base%.xz}; xz -dc "$path" >"$work/modules/$name" ;;
      *.ko.zst) name=${base%.zst}; zstd -dcq "$path" >"$work/modules/$name" ;;
      *.ko.gz) name=${base%.gz}; gzip -dc "$path" >"$work/modules/$name" ;;
      *) name=$base; cp "$path" "$work/modules/$name" ;;
    esac
    order+=("$name${opts:+ $opts}")
  done <<<"$deps"
done
printf '%s\n' "${order[@]}" >"$work/modules/order"

mkdir -p "$(dirname "$out")"
(cd "$work" && find . -print0 | LC_ALL=C sort -z | cpio --null -o -H newc --quiet -R 0:0 | gzip -1 >"$out.$$.tmp")
mv "$out.$$.tmp" "$out"
echo "build-initramfs: $rel ($KVER): ${#order[@]} modules -> $out ($(du -h "$out" | cut -f1))" >&2
