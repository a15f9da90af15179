#!/usr/bin/env bash
# Fetch real Debian kernels (bookworm 6.1, trixie 6.12, sid 7.x), unpack them
# without installing anything, and extract their BTF into a directory that looks
# like /sys/kernel/btf.
#
# Usage:
#   bash scripts/fetch-kernels.sh [--update] [--fixtures] [release...]
#     release      bookworm | trixie | sid   (default: all three)
#     --update     refresh the package lists and re-fetch if a newer kernel exists
#     --fixtures   also regenerate the committed fixtures under test/fixtures/kernels/
#                  (and test/fixtures/README.md)
#     --no-btf     fetch and unpack only (what the VM harness needs): no BTF extraction
#
# Result, per release, under .cache/kernels/<release>/:
#   boot/ lib/ usr/ ...     the unpacked packages (dpkg-deb -x, nothing installed)
#   vmlinux                 the uncompressed kernel ELF, extracted from vmlinuz
#   btf/vmlinux             the kernel's .BTF section
#   btf/<module>            each module's .BTF section (split BTF), named like /sys/kernel/btf
#   kernel.env              KVER, ABI, VMLINUZ, MODDIR and the packages (name=version) used
#
# Apt runs with a private configuration under .cache/apt/<release>/ (own sources.list,
# lists and cache); the system's apt state is not touched.
#
# Needs (Debian packages): apt, dpkg, debian-archive-keyring, xz-utils, zstd, lz4,
#   gzip, llvm (llvm-objcopy), kmod (depmod), nodejs, findutils; bpftool for the
#   final sanity check (skipped when absent).
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cache=$repo/.cache
fixtures_dir=$repo/test/fixtures
keyring=/usr/share/keyrings/debian-archive-keyring.gpg
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
security_mirror=${DEBIAN_SECURITY_MIRROR:-http://deb.debian.org/debian-security}
jobs=${JOBS:-2}

# Which releases get committed fixtures, and which modules.
fixture_releases=(bookworm trixie sid)
fixture_modules=(veth nf_conntrack xfs btrfs)

update=0
fixtures=0
no_btf=0
releases=()
for arg in "$@"; do
  case $arg in
    --update) update=1 ;;
    --no-btf) no_btf=1 ;;
    --fixtures) fixtures=1 ;;
    bookworm | trixie | sid) releases+=("$arg") ;;
    -h | --help) sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "fetch-kernels: unknown argument '$arg' (see --help)" >&2; exit 2 ;;
  esac
done
if ((${#releases[@]} == 0)); then
  releases=(bookworm trixie sid)
fi
if ((fixtures)); then
  # Fixtures need every fixture release to be present.
  for r in "${fixture_releases[@]}"; do
    [[ " ${releases[*]} " == *" $r "* ]] || releases+=("$r")
  done
fi

log() { printf '[fetch-kernels %s] %s\n' "$(date +%T)" "$*" >&2; }

# apt_cmd <release> <apt-get|apt-cache> args...
apt_cmd() {
  local rel=$1 tool=$2
  shift 2
  local dir=$cache/apt/$rel
  "$tool" \
    -o Dir::Etc::SourceList="$dir/sources.list" \
    -o Dir::Etc::SourceParts=/dev/null \
    -o Dir::Etc::Preferences=/dev/null \
    -o Dir::Etc::PreferencesParts=/dev/null \
    -o Dir::State::Lists="$dir/lists" \
    -o Dir::Cache="$dir/cache" \
    -o APT::Architecture=amd64 \
    -o APT::Architectures::=amd64 \
    -o APT::Sandbox::User=root \
    -o Debug::NoLocking=1 \
    -o Acquire::Languages=none \
    "$@"
}

apt_setup() {
  local rel=$1 dir=$cache/apt/$1
  mkdir -p "$dir/lists/partial" "$dir/cache/archives/partial" "$dir/debs"
  {
    echo "deb [signed-by=$keyring] $mirror $rel main"
    if [[ $rel == bookworm ]]; then
      echo "deb [signed-by=$keyring] $mirror $rel-updates main"
      echo "deb [signed-by=$keyring] $security_mirror $rel-security main"
    fi
  } >"$dir/sources.list"
  if ((update)) || ! compgen -G "$dir/lists/*_Packages*" >/dev/null; then
    log "$rel: apt-get update (private lists in $dir)"
    apt_cmd "$rel" apt-get -qq update
  fi
}

# Newest amd64 kernel ABI of a release, e.g. 6.1.0-37 or 7.2.13+deb14.
# Only the release's own kernel series is considered (bookworm also carries a
# 6.12 kernel nowadays); override with e.g. SERIES_bookworm='6\.12\.'.
newest_abi() {
  local rel=$1 series_var=SERIES_$1
  local series=${!series_var:-}
  if [[ -z $series ]]; then
    case $rel in
      bookworm) series='6\.1\.' ;;
      trixie) series='6\.12\.' ;;
      *) series='' ;;
    esac
  fi
  apt_cmd "$rel" apt-cache pkgnames linux- |
    sed -nE 's/^linux-image-(.+)-amd64-unsigned$/\1/p; s/^linux-binary-unsigned-(.+)-amd64$/\1/p' |
    grep -vE -- '-(cloud|rt)$' | grep -E "^$series" | sort -uV | tail -n1
}

pkg_exists() {
  apt_cmd "$1" apt-cache show --no-all-versions "$2" >/dev/null 2>&1
}

fetch_release() {
  local rel=$1 root=$cache/kernels/$1
  if [[ -f $root/kernel.env ]] && ((!update)); then
    log "$rel: already unpacked ($(. "$root/kernel.env"; echo "$KVER"))"
    return
  fi
  apt_setup "$rel"
  local abi
  abi=$(newest_abi "$rel")
  [[ -n $abi ]] || { log "$rel: no amd64 kernel found"; exit 1; }
  if [[ -f $root/kernel.env ]] && [[ $(. "$root/kernel.env"; echo "$ABI") == "$abi" ]]; then
    log "$rel: $abi is already the newest"
    return
  fi
  local pkgs=()
  if pkg_exists "$rel" "linux-image-$abi-amd64-unsigned"; then
    pkgs=("linux-image-$abi-amd64-unsigned")
  else
    # Newer kernels split the image: binary (vmlinuz), base files, modules.
    local p
    for p in "linux-binary-unsigned-$abi-amd64" "linux-base-$abi-amd64" "linux-modules-$abi-amd64"; do
      if pkg_exists "$rel" "$p"; then pkgs+=("$p"); fi
    done
  fi
  log "$rel: downloading ${pkgs[*]}"
  local debs=$cache/apt/$rel/debs
  (cd "$debs" && apt_cmd "$rel" apt-get -qq download "${pkgs[@]}")

  rm -rf "$root"
  mkdir -p "$root"
  local p deb versions=()
  for p in "${pkgs[@]}"; do
    deb=$(ls -t "$debs/${p}_"*_amd64.deb | head -n1)
    versions+=("$p=$(dpkg-deb -f "$deb" Version)")
    log "$rel: unpacking ${deb##*/}"
    dpkg-deb -x "$deb" "$root"
    trap "log '$rel: failed; removing the partial $root'; rm -rf '$root'" ERR
  done

  # kmod on Debian 12 looks for /lib/modules; trixie and later ship /usr/lib/modules.
  if [[ ! -e $root/lib ]] && [[ -d $root/usr/lib/modules ]]; then
    ln -s usr/lib "$root/lib"
  fi
  local moddir kver vmlinuz
  moddir=$(find "$root/lib/modules/" -mindepth 1 -maxdepth 1 -type d | head -n1)
  kver=${moddir##*/}
  vmlinuz=$(find "$root/boot/" "$root/lib/modules/$kver/" -maxdepth 1 -type f -name 'vmlinuz*' 2>/dev/null | head -n1 || true)
  [[ -n $vmlinuz ]] || { log "$rel: no vmlinuz in ${pkgs[*]}"; exit 1; }
  log "$rel: depmod $kver"
  depmod -b "$root" "$kver"
  cat >"$root/kernel.env" <<EOF
RELEASE=$rel
ABI=$abi
KVER=$kver
VMLINUZ=${vmlinuz#"$root"/}
MODDIR=lib/modules/$kver
PACKAGES="${versions[*]}"
EOF
  trap - ERR
}

extract_btf() {
  local rel=$1 root=$cache/kernels/$1
  local btf=$root/btf
  if [[ -f $btf/.done ]]; then
    log "$rel: BTF already extracted ($(find "$btf" -type f ! -name .done | wc -l) files)"
    return
  fi
  # shellcheck disable=SC1091
  . "$root/kernel.env"
  rm -rf "$btf"
  mkdir -p "$btf"
  local t0=$SECONDS
  if [[ ! -f $root/vmlinux ]]; then
    node "$repo/scripts/extract-vmlinux.mjs" "$root/$VMLINUZ" "$root/vmlinux.tmp"
    mv "$root/vmlinux.tmp" "$root/vmlinux"
  fi
  llvm-objcopy --dump-section ".BTF=$btf/vmlinux" "$root/vmlinux" "$btf/.discard"
  rm -f "$btf/.discard"
  local n
  n=$(find "$root/$MODDIR" -type f \( -name '*.ko' -o -name '*.ko.xz' -o -name '*.ko.zst' -o -name '*.ko.gz' \) | wc -l)
  log "$rel: extracting .BTF of $n modules with $jobs jobs"
  find "$root/$MODDIR" -type f \( -name '*.ko' -o -name '*.ko.xz' -o -name '*.ko.zst' -o -name '*.ko.gz' \) -print0 |
    xargs -0 -P "$jobs" -n 64 bash "$repo/scripts/extract-module-btf.sh" "$btf"
  touch "$btf/.done"
  log "$rel: $(($(find "$btf" -type f | wc -l) - 1)) BTF files in $((SECONDS - t0))s ($btf)"
}

verify() {
  local rel=$1 btf=$cache/kernels/$1/btf
  command -v bpftool >/dev/null || { log "bpftool not installed, skipping check"; return; }
  local nv nm
  nv=$(bpftool btf dump file "$btf/vmlinux" format raw | grep -c '^\[')
  nm=$(bpftool -B "$btf/vmlinux" btf dump file "$btf/veth" format raw | grep -c '^\[')
  log "$rel: bpftool reads btf/vmlinux ($nv types) and btf/veth ($nm types)"
}

make_fixtures() {
  local rel m out root
  for rel in "${fixture_releases[@]}"; do
    root=$cache/kernels/$rel
    out=$fixtures_dir/kernels/$rel
    rm -rf "$out"
    mkdir -p "$out"
    node "$repo/scripts/brotli.mjs" "$root/btf/vmlinux" "$out/vmlinux.btf.br"
    for m in "${fixture_modules[@]}"; do
      node "$repo/scripts/brotli.mjs" "$root/btf/$m" "$out/$m.btf.br"
    done
    cp "$root/kernel.env" "$out/kernel.env"
  done
  # One whole module ELF, so reading .BTF out of an ELF file is covered too.
  root=$cache/kernels/bookworm
  local ko
  ko=$(find "$root/lib/modules" -name 'veth.ko*' | head -n1)
  case $ko in
    *.xz) xz -dc "$ko" >"$cache/veth.ko" ;;
    *.zst) zstd -dcq "$ko" >"$cache/veth.ko" ;;
    *) cp "$ko" "$cache/veth.ko" ;;
  esac
  node "$repo/scripts/brotli.mjs" "$cache/veth.ko" "$fixtures_dir/kernels/bookworm/veth.ko.br"
  write_fixture_readme
  log "fixtures: $(du -sh "$fixtures_dir/kernels" | cut -f1) in $fixtures_dir/kernels"
}

write_fixture_readme() {
  local f=$fixtures_dir/README.md rel
  {
    cat <<'EOF'
# Test fixtures

Everything here is real data produced by real tools; nothing is hand-written.
`.br` files are brotli-compressed (read them with `zlib.brotliDecompressSync`).
This file is generated by `scripts/fetch-kernels.sh --fixtures`: edit the script, not the file.

## kernels/

BTF of Debian's amd64 kernels, extracted from the official packages without installing
them. Regenerate with:

    bash scripts/fetch-kernels.sh --update --fixtures

(`--update` picks the newest kernel of each release; without it the already
downloaded one under `.cache/` is reused.)

Per release directory (`kernels/<release>/`):

| file | content |
|------|---------|
| `vmlinux.btf.br` | the `.BTF` section of the kernel ELF (base BTF, like `/sys/kernel/btf/vmlinux`) |
EOF
    local m
    for m in "${fixture_modules[@]}"; do
      echo "| \`$m.btf.br\` | the \`.BTF\` section of \`$m.ko\` (split BTF on top of \`vmlinux\`, like \`/sys/kernel/btf/$m\`) |"
    done
    cat <<'EOF'
| `kernel.env` | kernel release string (`KVER`), ABI and the exact packages (name=version) the files come from |

`kernels/bookworm/veth.ko.br` is additionally the whole (decompressed) `veth.ko` ELF file
of the bookworm kernel, for testing `.BTF` extraction from a module ELF.

Sources:

EOF
    for rel in "${fixture_releases[@]}"; do
      # shellcheck disable=SC1090
      (. "$cache/kernels/$rel/kernel.env"; echo "- \`$rel\`: kernel \`$KVER\` from $(echo "$PACKAGES" | sed -E 's/([^ =]+)=([^ ]+)/`\1` \2/g; s/ `/, `/g')")
    done
    cat <<'EOF'

The vmlinux BTF is obtained by decompressing the ELF kernel out of `vmlinuz`
(`scripts/extract-vmlinux.mjs`) and running `llvm-objcopy --dump-section .BTF=...`;
module BTF the same way from each `.ko` (`scripts/extract-module-btf.sh`).

## bpf/

`bpf/kinds.bpf.c` is a small BPF program written to make clang emit as many BTF kinds
as possible (struct with bitfields, union, signed/unsigned enum, enum64 when the compiler
supports it, typedef, const/volatile/restrict, functions with parameters, global variables
in `.data`/`.bss`/`.rodata` (DATASEC + VAR), float, decl tags, type tags, forward
declarations, a function-pointer prototype, a `.maps` definition). `bpf/kinds.bpf.o` is the
compiled object (built with clang 16; clang 14 emits neither ENUM64 nor signed enums).
Rebuild it, and print its BTF, with:

    make -C test/fixtures/bpf && make -C test/fixtures/bpf dump
EOF
  } >"$f"
}

# One fetch at a time per cache: a second run waits instead of unpacking over the first.
mkdir -p "$cache"
exec 9>"$cache/.fetch.lock"
flock 9

for rel in "${releases[@]}"; do
  fetch_release "$rel"
  ((no_btf)) && ! ((fixtures)) && continue
  extract_btf "$rel"
  verify "$rel"
done
if ((fixtures)); then
  make_fixtures
fi
