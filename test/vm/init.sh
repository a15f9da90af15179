#!/bin/busybox sh
# /init of the test VM (see test/vm/README.md). Runs as PID 1 from the initramfs:
#   1. mounts proc/sys/dev and loads the modules listed in /modules/order,
#   2. mounts the host's / read-only over 9p (tag "host") on /mnt and the job
#      directory read-write (tag "job") on /job,
#   3. prepares /mnt like a booted system (proc, sys, dev, tmpfs on /tmp and /run,
#      bpffs, debugfs, tracefs) and runs /job/cmd.sh chrooted into it,
#   4. reports the exit status as a "TSBPF_VM_EXIT=<n>" console line and in
#      /job/status, then powers off.

/bin/busybox --install -s /bin
export PATH=/bin

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
exec </dev/console >/dev/console 2>&1

say() { echo "tsbpf-vm: $*"; }
uptime_s() { cut -d' ' -f1 /proc/uptime; }

finish() {
  echo "TSBPF_VM_EXIT=$1"
  [ -d /job ] && echo "$1" >/job/status 2>/dev/null
  sync
  poweroff -f
  sleep 5
}

say "kernel $(uname -r) up after $(uptime_s)s, loading modules"
failed=""
while read -r file args; do
  [ -n "$file" ] || continue
  # shellcheck disable=SC2086
  insmod "/modules/$file" $args 2>/dev/null || failed="$failed ${file%.ko}"
done </modules/order
[ -z "$failed" ] || say "modules that did not load (may be harmless):$failed"
# Loopback up, as on any booted system (tests talk over 127.0.0.1).
ip link set lo up 2>/dev/null || say "cannot bring lo up"

opts=trans=virtio,version=9p2000.L,msize=512000
mkdir -p /mnt /job
if ! mount -t 9p -o "$opts,ro,cache=loose" host /mnt; then
  say "cannot mount the host root over 9p"
  finish 125
fi
if ! mount -t 9p -o "$opts" job /job; then
  say "cannot mount the job directory over 9p"
  finish 125
fi

r=/mnt
mount -t proc proc $r/proc
mount -t sysfs sysfs $r/sys
mount -t devtmpfs devtmpfs $r/dev
mkdir -p $r/dev/pts $r/dev/shm
mount -t devpts devpts $r/dev/pts
mount -t tmpfs shm $r/dev/shm
# A working directory under /tmp (a CI checkout, say) would vanish under the guest's own tmpfs:
# hold it aside and bind it back at the same path.
cwd=$(cat /job/cwd 2>/dev/null)
case $cwd in
  /tmp/?*) mkdir -p /hold && mount -o bind "$r$cwd" /hold ;;
  *) cwd="" ;;
esac
mount -t tmpfs -o mode=1777 tmp $r/tmp
if [ -n "$cwd" ]; then
  mkdir -p "$r$cwd" && mount -o bind /hold "$r$cwd"
fi
mount -t tmpfs -o mode=755 run $r/run
mount -t bpf bpf $r/sys/fs/bpf
mount -t debugfs debugfs $r/sys/kernel/debug 2>/dev/null
mount -t tracefs tracefs $r/sys/kernel/tracing 2>/dev/null
mkdir -p $r/tmp/tsbpf-job
mount -o bind /job $r/tmp/tsbpf-job

if [ ! -f /job/cmd.sh ]; then
  say "no /job/cmd.sh"
  finish 125
fi
say "ready after $(uptime_s)s, running the command"
start=$(uptime_s)
chroot $r /bin/sh /tmp/tsbpf-job/cmd.sh
rc=$?
say "command finished in $(awk -v a="$start" -v b="$(uptime_s)" 'BEGIN { printf "%.2f", b - a }')s (guest uptime $(uptime_s)s)"
finish $rc
