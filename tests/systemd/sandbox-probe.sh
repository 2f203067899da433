#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# What a process of hisi-accmigd.service may touch, tried from inside the unit's sandbox (the
# test's drop-in runs it as ExecStartPost=, so it gets the unit's mounts, device policy,
# credentials and system call filter). It only reports: one line per attempt, "NAME ok" or
# "NAME ERROR", into OUTPUT (default $RUNTIME_DIRECTORY/sandbox-probe); test-systemd.sh judges. The
# /sys paths tried are tmpfs stand-ins the test mounted in the container, never sysfs.
# Usage: sandbox-probe.sh [OUTPUT]
out=${1:-${RUNTIME_DIRECTORY:?}/sandbox-probe}
tmp=$out.tmp
: >"$tmp" || exit 0

# error MESSAGE: the errno name in a shell's error message.
error() {
    case $1 in
    *"Read-only file system"*) echo EROFS ;;
    *"Operation not permitted"*) echo EPERM ;;
    *"Permission denied"*) echo EACCES ;;
    *"No such file or directory"*) echo ENOENT ;;
    *) echo "other: $1" ;;
    esac
}

# write NAME PATH: create and remove a file.
write() {
    if msg=$( (: >"$2") 2>&1); then
        rm -f "$2"
        echo "$1 ok" >>"$tmp"
    else
        echo "$1 $(error "$msg")" >>"$tmp"
    fi
}

# open_rw NAME DEVICE: open a device node for reading and writing.
open_rw() {
    if msg=$( (exec 3<>"$2") 2>&1); then
        echo "$1 ok" >>"$tmp"
    else
        echo "$1 $(error "$msg")" >>"$tmp"
    fi
}

write sys-bus-pci /sys/bus/pci/hisi-probe
[ -n "${HISI_PROBE_SYS_DEVICES:-}" ] && write sys-devices "$HISI_PROBE_SYS_DEVICES/hisi-probe"
write sys-kernel /sys/kernel/mm/hisi-probe
[ -n "${HISI_PROBE_TESTBED:-}" ] && write testbed-sys "$HISI_PROBE_TESTBED/sys/hisi-probe"
[ -n "${HISI_PROBE_TESTBED:-}" ] && write testbed-sys-bus-pci "$HISI_PROBE_TESTBED/sys/bus/pci/hisi-probe"
write usr /usr/hisi-probe
write etc /etc/hisi-probe
write var-lib /var/lib/hisi-probe
write state-directory "${STATE_DIRECTORY:-/var/lib/hisi-accmigd}/hisi-probe"
open_rw dev-null /dev/null
open_rw dev-net-tun /dev/net/tun
echo "capabilities $(sed -n 's/^CapEff:[[:space:]]*//p' /proc/self/status)" >>"$tmp"
echo "bounding-set $(sed -n 's/^CapBnd:[[:space:]]*//p' /proc/self/status)" >>"$tmp"
echo "no-new-privileges $(sed -n 's/^NoNewPrivs:[[:space:]]*//p' /proc/self/status)" >>"$tmp"
echo "seccomp $(sed -n 's/^Seccomp:[[:space:]]*//p' /proc/self/status)" >>"$tmp"
mv "$tmp" "$out"
exit 0
