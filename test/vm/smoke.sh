#!/bin/sh
# Default command of test/vm/run.sh: checks that a guest is usable for the tests
# (module BTF present, bpftool works, node starts and can call bpf()) and
# prints how long each step takes.
# Runs inside the guest (plain POSIX sh); needs node, bpftool on the host root.

repo=$(cd "$(dirname "$0")/../.." && pwd)
fail=0
t() { date +%s.%N; }
took() { awk -v a="$1" -v b="$(t)" 'BEGIN { printf "%.2fs", b - a }'; }
check() {
  if [ "$1" = 0 ]; then echo "smoke: ok   $2"; else echo "smoke: FAIL $2"; fail=1; fi
}

echo "smoke: kernel $(uname -r) ($TSBPF_VM_RELEASE)"

for m in vmlinux veth nf_conntrack dummy; do
  test -s "/sys/kernel/btf/$m"
  check $? "/sys/kernel/btf/$m exists"
done

# What the running kernel exposes must be byte-identical to what
# scripts/fetch-kernels.sh extracted from the package files.
cache=$repo/.cache/kernels/$TSBPF_VM_RELEASE/btf
if [ -d "$cache" ]; then
  n=0
  bad=""
  for f in /sys/kernel/btf/*; do
    name=${f##*/}
    n=$((n + 1))
    cmp -s "$f" "$cache/$name" || bad="$bad $name"
  done
  [ -z "$bad" ]
  check $? "$n files in /sys/kernel/btf equal $cache/*${bad:+ (differ:$bad)}"
fi

s=$(t)
out=$(node -e 'console.log(require("fs").readdirSync("/sys/kernel/btf").join(" "))')
check $? "node lists /sys/kernel/btf in $(took "$s"): $out"

s=$(t)
n=$(bpftool btf list 2>&1 | grep -c 'name')
check $? "bpftool btf list: $n objects in $(took "$s")"

s=$(t)
bpftool btf dump file /sys/kernel/btf/veth format raw >/dev/null
check $? "bpftool dumps /sys/kernel/btf/veth in $(took "$s")"

# bpf(BPF_BTF_GET_NEXT_ID) through koffi: SYS_bpf is 321 on x86_64, the command is 23.
s=$(t)
if [ -d "$repo/node_modules/koffi" ]; then
  out=$(cd "$repo" && node -e '
const koffi = require("koffi");
const libc = koffi.load("libc.so.6");
const syscall = libc.func("long syscall(long nr, int cmd, void *attr, uint32 size)");
const attr = Buffer.alloc(8);
const ids = [];
for (;;) {
  attr.writeUInt32LE(ids.length ? ids[ids.length - 1] : 0, 0);
  if (syscall(321, 23, attr, attr.length) !== 0) break;
  ids.push(attr.readUInt32LE(4));
}
if (ids.length === 0) process.exit(1);
console.log(`${ids.length} BTF ids: ${ids.join(",")}`);
')
  check $? "node bpf(BPF_BTF_GET_NEXT_ID) via koffi in $(took "$s"): $out"
else
  check 1 "koffi missing: run npm install in $repo on the host"
fi

exit $fail
