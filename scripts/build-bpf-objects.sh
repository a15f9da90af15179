#!/usr/bin/env bash
# Rebuilds every clang-compiled BPF object the tests use, from the sources committed beside them.
# Each directory under test/fixtures/bpf/ that has a build.sh (run with bash) or a Makefile (run
# with make) is built; test/fixtures/bpf/ itself through its Makefile only when a clang >= 15 is
# found, since kinds.bpf.o must keep the ENUM64 and signed-enum BTF clang 14 does not emit; that
# clang (NEW_CLANG) also builds the core_reloc families that need clang >= 15 (core-reloc/build.sh).
# Debian 12: apt-get install clang-16. CI does not rebuild objects: they are committed.
# Needs: clang, llvm-strip, make, node. Usage: bash scripts/build-bpf-objects.sh [DIR...]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
fixtures="$root/test/fixtures/bpf"

build_dir() {
  local dir=$1
  if [ -f "$dir/build.sh" ]; then
    echo "build: $dir/build.sh" >&2
    bash "$dir/build.sh"
  elif [ -f "$dir/Makefile" ]; then
    echo "build: make -C $dir" >&2
    make -s -C "$dir"
  fi
}

if [ "$#" -gt 0 ]; then
  for dir in "$@"; do build_dir "$(cd "$dir" && pwd)"; done
  exit 0
fi

new_clang=""
for c in clang-19 clang-18 clang-17 clang-16 clang-15; do
  if command -v "$c" >/dev/null; then new_clang=$c; break; fi
done
if [ -n "$new_clang" ]; then
  export NEW_CLANG=$new_clang
  echo "build: make -C $fixtures (with $new_clang)" >&2
  make -s -C "$fixtures" CLANG="$new_clang"
else
  echo "skip: $fixtures/kinds.bpf.o needs clang >= 15 (ENUM64, signed enums); kept as committed" >&2
fi
for dir in "$fixtures"/*/; do build_dir "${dir%/}"; done
