#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The PCI core's attributes under `hisi-accsim exec` as an operator's scripts meet them: each
# write has taken effect when it returns, a refused one fails with the kernel's errno, through
# write() (sh, dd) and through stdio (bash's echo and printf, coreutils), and the tree looks like
# a host's where tools look (/sys/module, driver_override "(null)"). Each result is checked
# through the simulator's own view (`hisi-accsim ctl`), not only through sysfs.
# Usage: test-accsim-sysfs.sh PATH-TO-hisi-accsim PATH-TO-hisi-migtool
set -u
accsim=$1 migtool=$2
passed=0 failed=0

# The simulator runs under umockdev's preload, which ASan must not insist on coming first.
case ${ASAN_OPTIONS:-} in
*verify_asan_link_order*) ;;
*) export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0 ;;
esac

dir=$(mktemp -d /tmp/hisi-sysfs.XXXXXX) || exit 1
cleanup() {
    "$accsim" stop --dir "$dir" >/dev/null 2>&1
    rm -rf "$dir"
}
trap cleanup EXIT

ok() {
    printf 'ok   %s\n' "$1"
    passed=$((passed + 1))
}
fail() {
    printf 'FAIL %s: %s\n' "$1" "$2"
    failed=$((failed + 1))
}

# run NAME EXPECTED-EXIT REGEX SHELL SCRIPT: the script under exec; exit code and output.
run() {
    local name=$1 want=$2 regex=$3 shell=$4 script=$5 out rc
    out=$("$accsim" exec --dir "$dir" -- "$shell" -c "$script" 2>&1)
    rc=$?
    if [ "$rc" -eq "$want" ] && printf '%s\n' "$out" | grep -Eq -- "$regex"; then
        ok "$name"
    else
        fail "$name" "exit $rc (wanted $want), output: $out"
    fi
}

# The driver the simulator says a device has ("null" when none), or "absent".
sim_driver() {
    local out
    out=$("$accsim" ctl --dir "$dir" --json show "$1" 2>/dev/null) || {
        echo absent
        return
    }
    printf '%s\n' "$out" | sed -n 's/^ *"driver": *"\{0,1\}\([^",]*\)"\{0,1\},\{0,1\}$/\1/p'
}

# expect_drivers NAME DRIVER VF...: each VF has DRIVER in the simulator's view.
expect_drivers() {
    local name=$1 want=$2 vf got bad=
    shift 2
    for vf in "$@"; do
        got=$(sim_driver "$vf")
        [ "$got" = "$want" ] || bad="$bad $vf:$got"
    done
    if [ -z "$bad" ]; then ok "$name"; else fail "$name" "expected $want, got$bad"; fi
}

if ! "$accsim" start --dir "$dir" >/dev/null; then
    echo "test-accsim-sysfs: the host did not start" >&2
    cat "$dir/accsim.log" >&2 2>/dev/null
    exit 1
fi

vfs="0000:75:00.1 0000:75:00.2 0000:76:00.1"
pf=/sys/bus/pci/devices/0000:75:00.0

# --- What tools look at ---
run "driver_override reads (null) with its newline" 0 '^\(null\)\$$' sh \
    'cat -A /sys/bus/pci/devices/0000:75:00.1/driver_override'
run "/sys/module has each loaded driver" 0 'hisi_acc_vfio_pci.*hisi_hpre.*hisi_sec2.*hisi_zip.*vfio_pci' \
    sh 'echo $(ls /sys/module)'
run "a driver's module link" 0 '^hisi_acc_vfio_pci$' sh \
    'basename $(readlink /sys/bus/pci/drivers/hisi_acc_vfio_pci/module)'
run "the module's drivers/pci: link back" 0 '^pci:hisi_zip$' sh \
    'ls /sys/module/hisi_zip/drivers'

# --- Three back-to-back binds, no pause: all bind ---
bind_script=''
for vf in $vfs; do
    bind_script="$bind_script
echo hisi_acc_vfio_pci > /sys/bus/pci/devices/$vf/driver_override
echo $vf > /sys/bus/pci/devices/$vf/driver/unbind
echo $vf > /sys/bus/pci/drivers_probe"
done
run "three back-to-back binds by sh" 0 '' sh "set -e$bind_script"
# shellcheck disable=SC2086
expect_drivers "all three bound to hisi_acc_vfio_pci (the simulator's view)" hisi_acc_vfio_pci $vfs
run "the next command sees them bound" 0 '^hisi_acc_vfio_pci hisi_acc_vfio_pci hisi_acc_vfio_pci$' \
    sh 'for vf in '"$vfs"'; do printf "%s " $(basename $(readlink /sys/bus/pci/devices/$vf/driver)); done | sed "s/ $//"'

# --- And back: the override cleared, unbound, probed: the host drivers take them ---
unbind_script=''
for vf in $vfs; do
    unbind_script="$unbind_script
echo > /sys/bus/pci/devices/$vf/driver_override
echo $vf > /sys/bus/pci/devices/$vf/driver/unbind
echo $vf > /sys/bus/pci/drivers_probe"
done
run "three back-to-back unbinds by sh" 0 '' sh "set -e$unbind_script"
expect_drivers "0000:75:00.1 and .2 back on hisi_zip" hisi_zip 0000:75:00.1 0000:75:00.2
expect_drivers "0000:76:00.1 back on hisi_sec2" hisi_sec2 0000:76:00.1
run "a cleared override reads (null) again" 0 '^\(null\)$' sh \
    'cat /sys/bus/pci/devices/0000:75:00.1/driver_override'

# --- The same through bash, whose echo writes through stdio ---
run "bind by bash's echo" 0 '' bash 'set -e
echo hisi_acc_vfio_pci > /sys/bus/pci/devices/0000:75:00.3/driver_override
echo 0000:75:00.3 > /sys/bus/pci/drivers/hisi_zip/unbind
echo 0000:75:00.3 > /sys/bus/pci/drivers/hisi_acc_vfio_pci/bind'
expect_drivers "0000:75:00.3 bound to hisi_acc_vfio_pci" hisi_acc_vfio_pci 0000:75:00.3

# --- Refusals: the write fails with the kernel's errno ---
run "sriov_numvfs 4 -> 2: EBUSY (bash)" 1 'write error: Device or resource busy' bash \
    "echo 2 > $pf/sriov_numvfs"
run "sriov_numvfs 4 -> 2: EBUSY (dd, write())" 1 'Device or resource busy' sh \
    "printf 2 | dd of=$pf/sriov_numvfs 2>&1"
run "sriov_numvfs 4 -> 2: exit 1 (sh)" 1 '' sh "echo 2 > $pf/sriov_numvfs"
run "sriov_numvfs 4 -> 2: EBUSY (coreutils printf)" 1 'Device or resource busy' bash \
    "/usr/bin/printf 2 > $pf/sriov_numvfs"
run "sriov_numvfs past sriov_totalvfs: ERANGE" 1 'Numerical result out of range' bash \
    "echo 64 > $pf/sriov_numvfs"
run "sriov_numvfs not a number: EINVAL" 1 'Invalid argument' bash "echo four > $pf/sriov_numvfs"
run "the refused writes left sriov_numvfs at 4" 0 '^4$' sh "cat $pf/sriov_numvfs"
run "drivers_probe of an address no device has: ENODEV" 1 'No such device' bash \
    'echo 0000:75:07.0 > /sys/bus/pci/drivers_probe'
run "bind to a driver that does not match the device: ENODEV" 1 'No such device' bash \
    'echo 0000:75:00.4 > /sys/bus/pci/drivers/hisi_sec2/bind'
run "bind of a device that has a driver: EBUSY" 1 'Device or resource busy' bash \
    'echo 0000:75:00.4 > /sys/bus/pci/drivers/hisi_zip/bind'
run "unbind by a driver the device is not bound to: ENODEV" 1 'No such device' bash \
    'echo 0000:75:00.4 > /sys/bus/pci/drivers/hisi_sec2/unbind'
run "a driver_override of a page: EINVAL" 1 'Invalid argument' bash \
    "head -c 4096 /dev/zero | tr '\\0' a > /sys/bus/pci/devices/0000:75:00.4/driver_override"
run "the refused override left (null)" 0 '^\(null\)$' sh \
    'cat /sys/bus/pci/devices/0000:75:00.4/driver_override'
run "reset with anything but 1: EINVAL" 1 'Invalid argument' bash \
    'echo 2 > /sys/bus/pci/devices/0000:75:00.4/reset'
run "reset with 1" 0 '' sh 'echo 1 > /sys/bus/pci/devices/0000:75:00.4/reset'
if [ -x /usr/bin/python3 ]; then
    run "Python's write() fails with errno 16 (EBUSY)" 0 '^errno 16$' sh \
        "/usr/bin/python3 -c 'import sys
try:
    f = open(sys.argv[1], \"w\")
    f.write(\"2\")
    f.close()
except OSError as e:
    print(\"errno\", e.errno)' $pf/sriov_numvfs"
fi

# --- SR-IOV: disable, enable, as the kernel does it ---
run "sriov_numvfs 4 -> 0 -> 2" 0 '^2 0000:75:00.1 0000:75:00.2$' sh \
    "set -e; echo 0 > $pf/sriov_numvfs; echo 2 > $pf/sriov_numvfs
echo \$(cat $pf/sriov_numvfs) \$(ls /sys/bus/pci/devices | grep '^0000:75:00.[1-9]')"
expect_drivers "the new VFs on hisi_zip" hisi_zip 0000:75:00.1 0000:75:00.2
expect_drivers "the disabled VFs gone" absent 0000:75:00.3 0000:75:00.4

# --- remove and rescan ---
run "a VF's remove" 0 '^gone$' sh \
    'echo 1 > /sys/bus/pci/devices/0000:76:00.2/remove; [ -e /sys/bus/pci/devices/0000:76:00.2 ] || echo gone'
expect_drivers "the removed VF gone from the simulator" absent 0000:76:00.2
run "a PF's remove takes its VFs" 0 '^gone$' sh \
    'echo 1 > /sys/bus/pci/devices/0000:79:00.0/remove
[ -e /sys/bus/pci/devices/0000:79:00.0 ] || [ -e /sys/bus/pci/devices/0000:79:00.1 ] || echo gone'
expect_drivers "the PF and its VFs gone" absent 0000:79:00.0 0000:79:00.1
run "rescan finds the PF again, SR-IOV off" 0 '^hisi_hpre 0$' sh \
    'echo 1 > /sys/bus/pci/rescan
echo $(basename $(readlink /sys/bus/pci/devices/0000:79:00.0/driver)) $(cat /sys/bus/pci/devices/0000:79:00.0/sriov_numvfs)'
expect_drivers "the PF back on hisi_hpre" hisi_hpre 0000:79:00.0

# --- A script as driverctl writes it (bash, realpath, /sys/module): no modprobe needed ---
run "a driverctl-like override by bash" 0 '^bound hisi_acc_vfio_pci$' bash '
dev=0000:76:00.3 drv=hisi_acc_vfio_pci
syspath=/sys$(realpath /sys/bus/pci/devices/$dev | cut -c5-)
[ -d /sys/module/$drv ] || { echo "no module $drv"; exit 1; }
echo "$dev" > "$syspath/driver/unbind" || exit 1
echo "$drv" > "$syspath/driver_override" || exit 1
echo "$dev" > /sys/bus/pci/drivers_probe || exit 1
[ -L "$syspath/driver" ] && echo bound $(basename $(readlink $syspath/driver))'
expect_drivers "0000:76:00.3 on hisi_acc_vfio_pci" hisi_acc_vfio_pci 0000:76:00.3

# --- hisi-migtool reset prints the state it reads back (its own open made it RUNNING) ---
run "hisi-migtool reset prints the state after the reset" 0 '^RUNNING$' sh \
    "$migtool --backend sim reset 0000:76:00.3"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
