#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Debian's driverctl under `hisi-accsim exec`, as an operator would use it on a HiSilicon host:
# set-override binds a VF to hisi_acc_vfio_pci (driverctl finds the driver loaded through
# /sys/module, so it runs no modprobe), list-overrides lists it, unset-override gives it back to
# its host driver. Each result is checked through the simulator's own view (`hisi-accsim ctl`).
# Skipped (77) without driverctl (tools/dev deps installs it).
# Usage: test-accsim-driverctl.sh PATH-TO-hisi-accsim
set -u
accsim=$1
driverctl=$(command -v driverctl || echo /usr/sbin/driverctl)
if [ ! -x "$driverctl" ]; then
    echo "test-accsim-driverctl: skipped: driverctl is not installed (tools/dev deps)"
    exit 77
fi
passed=0 failed=0
vf=0000:75:00.1

case ${ASAN_OPTIONS:-} in
*verify_asan_link_order*) ;;
*) export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0 ;;
esac

dir=$(mktemp -d /tmp/hisi-dctl.XXXXXX) || exit 1
cleanup() {
    "$accsim" stop --dir "$dir" >/dev/null 2>&1
    rm -rf "$dir"
}
trap cleanup EXIT

# check NAME EXPECTED-EXIT REGEX -- COMMAND...: under exec; exit code and output.
check() {
    local name=$1 want=$2 regex=$3 out rc
    shift 4
    out=$("$accsim" exec --dir "$dir" -- "$@" 2>&1)
    rc=$?
    if [ "$rc" -eq "$want" ] && printf '%s\n' "$out" | grep -Eq -- "$regex"; then
        printf 'ok   %s\n' "$name"
        passed=$((passed + 1))
    else
        printf 'FAIL %s: exit %d (wanted %d), output:\n%s\n' "$name" "$rc" "$want" "$out"
        failed=$((failed + 1))
    fi
}

# expect_driver NAME VF DRIVER: the simulator's view of the VF's driver.
expect_driver() {
    local got
    got=$("$accsim" ctl --dir "$dir" --json show "$2" |
        sed -n 's/^ *"driver": *"\{0,1\}\([^",]*\)"\{0,1\},\{0,1\}$/\1/p')
    if [ "$got" = "$3" ]; then
        printf 'ok   %s\n' "$1"
        passed=$((passed + 1))
    else
        printf 'FAIL %s: the simulator says %s, expected %s\n' "$1" "$got" "$3"
        failed=$((failed + 1))
    fi
}

if ! "$accsim" start --dir "$dir" >/dev/null; then
    echo "test-accsim-driverctl: the host did not start" >&2
    exit 1
fi

check "set-override binds the VF" 0 '' -- "$driverctl" --nosave set-override "$vf" hisi_acc_vfio_pci
expect_driver "the VF on hisi_acc_vfio_pci" "$vf" hisi_acc_vfio_pci
check "list-overrides lists it" 0 "^$vf hisi_acc_vfio_pci" -- "$driverctl" list-overrides
check "list-devices marks it" 0 "^$vf hisi_acc_vfio_pci \\[\\*\\]" -- "$driverctl" list-devices
check "unset-override gives it back" 0 '' -- "$driverctl" --nosave unset-override "$vf"
expect_driver "the VF back on hisi_zip" "$vf" hisi_zip
check "list-overrides no longer lists it" 1 'No overridable devices|^$' -- \
    "$driverctl" list-overrides

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
