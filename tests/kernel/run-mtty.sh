#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The real-kernel test (CTest kernel-mtty): boots the test kernel (build-kernel.sh; built once per
# machine) under qemu-system-x86_64 with TCG, with an initramfs whose /init is the static
# mtty-conformance program, and passes on what the program printed on the serial console: one
# line per check and the summary line "N passed, M failed".
#   run-mtty.sh PROGRAM WORKDIR
# WORKDIR gets the initramfs and console.log. HISI_KERNEL_TIMEOUT (seconds, default 600) bounds
# the guest; HISI_KERNEL_CACHE moves the kernel cache (see build-kernel.sh).
# Exit: 0 every check passed; 1 a check failed, the kernel did not build, or the guest panicked,
# hung or ended without the program's result; 77 skipped, with the reason printed: not an x86_64
# host, no qemu-system-x86_64, or no kernel source.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
program=${1:?usage: run-mtty.sh PROGRAM WORKDIR}
work=${2:?usage: run-mtty.sh PROGRAM WORKDIR}
timeout_s=${HISI_KERNEL_TIMEOUT:-600}

skip() {
        echo "kernel-mtty: skipped: $*"
        exit 77
}
fail() {
        echo "kernel-mtty: FAILED: $*"
        exit 1
}

[ "$(uname -m)" = x86_64 ] ||
        skip "the guest is x86_64 and the test program is built for $(uname -m)"
command -v qemu-system-x86_64 >/dev/null ||
        skip "qemu-system-x86_64 is not installed (Debian package qemu-system-x86)"
[ -x "$program" ] || fail "no test program at $program"

rc=0
kdir=$("$here/build-kernel.sh") || rc=$?
[ $rc -ne 77 ] || skip "the kernel source is not installed (Debian package linux-source-6.12)"
[ $rc -eq 0 ] || fail "the test kernel did not build"

# The initramfs: the program as /init, and /dev/console for its first stdin, stdout and stderr
# (gen_init_cpio writes the device node without needing root).
mkdir -p "$work"
cat >"$work/initramfs.list" <<EOF
dir /dev 0755 0 0
nod /dev/console 0600 0 0 c 5 1
dir /proc 0755 0 0
dir /sys 0755 0 0
file /init $program 0755 0 0
EOF
"$kdir/gen_init_cpio" "$work/initramfs.list" >"$work/initramfs.cpio" ||
        fail "gen_init_cpio could not write the initramfs"

# loglevel=5 keeps the boot quiet but shows warnings; an oops panics, a panic reboots at once,
# and a reboot ends qemu (-no-reboot). A hang is caught by the timeout.
echo "# booting $(basename "$kdir") under qemu-system-x86_64 (TCG), at most ${timeout_s} s"
console=$work/console.log
start=$SECONDS
qrc=0
timeout --kill-after=10 "$timeout_s" \
        qemu-system-x86_64 -machine q35 -cpu max -accel tcg -smp 1 -m 512 \
        -nographic -no-reboot -nic none \
        -kernel "$kdir/bzImage" -initrd "$work/initramfs.cpio" \
        -append "console=ttyS0 loglevel=5 oops=panic panic=-1" \
        </dev/null >"$console" 2>&1 || qrc=$?
elapsed=$((SECONDS - start))

# The serial console ends lines with CR LF, and the firmware clears the screen.
tr -d '\r' <"$console" | sed 's/\x1b\[[0-9;?]*[A-Za-z]//g; s/\x1bc//g'
echo "# the guest ran for ${elapsed} s (qemu exit status $qrc)"

if [ $qrc -eq 124 ] || [ $qrc -eq 137 ]; then
        fail "the guest did not finish within ${timeout_s} s (see $console)"
fi
if grep -aq 'Kernel panic' "$console"; then
        fail "the guest kernel panicked (see $console)"
fi
result=$(tr -d '\r' <"$console" | grep -aE '^mtty-conformance: exit [0-9]+$' | tail -n 1 || true)
summary=$(tr -d '\r' <"$console" | grep -aE '^[0-9]+ passed, [0-9]+ failed$' | tail -n 1 || true)
[ -n "$result" ] ||
        fail "the guest ended without the program's result line (qemu exit status $qrc)"
[ -n "$summary" ] || fail "the program printed no summary line"
[ "${result##* }" = 0 ] || fail "checks failed in the guest ($summary)"
exit 0
