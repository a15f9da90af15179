#!/usr/bin/env bash
# Rebuilds test/fixtures/btf-selftests/raw-tests.json: the raw BTF verifier cases (`raw_tests[]`)
# of the kernel's tools/testing/selftests/bpf/prog_tests/btf.c, as data: each case's type
# section words (names already turned into string offsets), its string section, the header
# deltas the case applies, and what the kernel's selftest expects (load refused or not, the log
# text it looks for). The C initializers are compiled, not parsed: the array and the macros of
# test_btf.h are cut out of the kernel source and compiled with scripts/btf-selftests.c, which
# prints them.
#
# Usage: scripts/btf-selftests.sh [linux-source tarball]
# Default tarball: Debian's linux-source-6.1 (/usr/src/linux-source-6.1.tar.xz).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
tarball=${1:-/usr/src/linux-source-6.1.tar.xz}
out=$root/test/fixtures/btf-selftests/raw-tests.json
[ -f "$tarball" ] || { echo "no $tarball (apt-get install linux-source-6.1)" >&2; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
top=$(basename "$tarball" .tar.xz)  # Debian names the top folder as the tarball
sel=$top/tools/testing/selftests/bpf
tar -xJf "$tarball" -C "$work" "$sel/prog_tests/btf.c" "$sel/test_btf.h" "$top/Makefile"
src=$work/$sel/prog_tests/btf.c
version=$(awk '/^VERSION =/{v=$3} /^PATCHLEVEL =/{p=$3} /^SUBLEVEL =/{s=$3} END{print v "." p "." s}' "$work/$top/Makefile")

# The case struct and the array, verbatim from the kernel source.
{
  echo '#include <linux/bpf.h>'
  echo '#include <linux/btf.h>'
  echo '#include <stdbool.h>'
  echo '#include <limits.h>'
  echo '#include "test_btf.h"'
  grep -E '^#define (NAME_TBD|NAME_NTH|IS_NAME_NTH|GET_NAME_NTH_IDX|MAX_NR_RAW_U32)\b' "$src"
  awk '/^enum pprint_mapv_kind_t \{/,/^\};/' "$src"
  awk '/^struct btf_raw_test \{/,/^\};/' "$src"
  awk '/^#define BTF_STR_SEC/{p=1} p{print} p&&!/\\$/{p=0}' "$src"
  awk '/^static struct btf_raw_test raw_tests\[\] = \{/,/^\}; \/\* struct btf_raw_test raw_tests\[\] \*\//' "$src"
} >"$work/cases.c"
cp "$work/$sel/test_btf.h" "$work/test_btf.h"

echo "#include \"$root/scripts/btf-selftests.c\"" >>"$work/cases.c"
cc -std=gnu11 -w -I"$work" "$work/cases.c" -o "$work/dump"
mkdir -p "$(dirname "$out")"
{
  printf '{"source": "%s", "kernel": "%s", "file": "tools/testing/selftests/bpf/prog_tests/btf.c", "array": "raw_tests",\n "cases": ' \
    "$(basename "$tarball")" "$version"
  "$work/dump"
  echo '}'
} >"$out"
node -e 'const j = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")); console.log(`${j.cases.length} cases from Linux ${j.kernel} written to ${process.argv[1]}`)' "$out"
