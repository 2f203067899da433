#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# The udev rule against the simulated host's devices, through udev's own rule engine
# (`udevadm test` under `hisi-accsim exec`): each ZIP, SEC and HPRE PF and VF, with the class a
# Kunpeng 920 gives it (ZIP 0x120000, SEC and HPRE 0x100000), loads hisi_acc_vfio_pci and wants
# the service; the root port (a HiSilicon device that is no accelerator) does neither.
#
# `udevadm test` reads the rules from the system's directories and records the device in
# /run/udev: it runs in a mount namespace of its own where /run and the rule directories are
# empty tmpfs, so that only our rule is read and nothing of the host's is written. That needs
# root (CI and `tools/dev test` are); elsewhere the test is skipped.
# Usage: test-udev-rule.sh SOURCE_DIR PATH-TO-hisi-accsim
set -u
src=$1 accsim=$2
passed=0 failed=0

case ${ASAN_OPTIONS:-} in
*verify_asan_link_order*) ;;
*) export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0 ;;
esac

for t in udevadm unshare; do
    if ! command -v $t >/dev/null; then
        echo "skipped: $t is not installed"
        exit 77
    fi
done
if [ "$(id -u)" -ne 0 ] || ! unshare --mount true 2>/dev/null; then
    echo "skipped: needs root for a mount namespace of its own (udevadm test writes to /run/udev)"
    exit 77
fi

# Re-run inside a private mount namespace with empty rule directories and /run.
if [ "${HISI_UDEV_TEST_NS:-}" != 1 ]; then
    HISI_UDEV_TEST_NS=1 exec unshare --mount --propagation private sh "$0" "$@"
fi
mount -t tmpfs tmpfs /run || exit 1
for d in /etc/udev/rules.d /usr/lib/udev/rules.d /lib/udev/rules.d; do
    [ -d "$d" ] && { mount -t tmpfs tmpfs "$d" || exit 1; }
done
mkdir -p /run/udev/rules.d
cp "$src/units/60-hisi-accmigd.rules" /run/udev/rules.d/

dir=$(mktemp -d /tmp/hisi-udev.XXXXXX) || exit 1
trap '"$accsim" stop --dir "$dir/host" >/dev/null 2>&1; rm -rf "$dir"' EXIT
"$accsim" start --dir "$dir/host" >/dev/null || exit 1

ok() {
    printf 'ok   %s\n' "$1"
    passed=$((passed + 1))
}
fail() {
    printf 'FAIL %s: %s\n' "$1" "$2"
    failed=$((failed + 1))
}

# check ADDRESS DEVICE-ID CLASS MATCHES(yes|no)
check() {
    local_addr=$1 want_dev=$2 want_class=$3 match=$4
    out=$("$accsim" exec --dir "$dir/host" -- sh -c \
        "d=/sys/bus/pci/devices/$local_addr; echo \$(cat \$d/device) \$(cat \$d/class);
         udevadm test --action=add /sys/bus/pci/devices/$local_addr" 2>&1)
    set -- $out
    if [ "$1" != "$want_dev" ] || [ "$2" != "$want_class" ]; then
        fail "$local_addr" "device $1 class $2, wanted $want_dev $want_class"
        return
    fi
    if printf '%s\n' "$out" | grep -q '60-hisi-accmigd.rules.*\(nvalid\|rror\|gnor\)'; then
        fail "$local_addr" "udev did not take the rule: $out"
        return
    fi
    kmod=no wants=no
    printf '%s\n' "$out" | grep -qx "run: 'kmod load hisi_acc_vfio_pci'" && kmod=yes
    printf '%s\n' "$out" | grep -qx 'SYSTEMD_WANTS=hisi-accmigd.service' && wants=yes
    if [ "$kmod" = "$match" ] && [ "$wants" = "$match" ]; then
        ok "$local_addr ($want_dev, class $want_class): matched $match"
    else
        fail "$local_addr" "kmod load $kmod, SYSTEMD_WANTS $wants, wanted $match:
$(printf '%s\n' "$out" | sed -n '/^DEVPATH=/,$p;/^run: /p')"
    fi
}

check 0000:75:00.0 0xa250 0x120000 yes # ZIP PF
check 0000:75:00.1 0xa251 0x120000 yes # ZIP VF
check 0000:76:00.0 0xa255 0x100000 yes # SEC PF
check 0000:76:00.2 0xa256 0x100000 yes # SEC VF
check 0000:79:00.0 0xa258 0x100000 yes # HPRE PF
check 0000:79:00.4 0xa259 0x100000 yes # HPRE VF
check 0000:74:00.0 0xa121 0x060400 no  # the root port: HiSilicon, no accelerator

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
