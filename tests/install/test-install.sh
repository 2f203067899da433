#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# An install as a packager or an operator makes it, into a staging root (DESTDIR), then the
# installed daemon and CLI run from there on the simulated host:
#   - every file lands where its reader looks: the unit where systemd loads units, the udev rule
#     where udev reads rules, the D-Bus policy and activation file where dbus-daemon reads them,
#     the config where the installed daemon reads it (its built-in default);
#   - the installed daemon, under a private system bus configured with the installed D-Bus
#     policy, answers the installed hisi-accmigctl: status, list, bind and unbind as root, and
#     a refusal for another user.
# Usage: test-install.sh BINARY_DIR PATH-TO-hisi-accsim
# The expected directories come in the environment (HISI_*, from the CMake cache).
set -u
bin=$1 accsim=$2
passed=0 failed=0

case ${ASAN_OPTIONS:-} in
*verify_asan_link_order*) ;;
*) export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0 ;;
esac
if [ "$(id -u)" -ne 0 ]; then
    echo "skipped: the daemon's D-Bus policy lets only root own its name"
    exit 77
fi
for t in dbus-daemon setpriv; do
    command -v $t >/dev/null || { echo "skipped: $t is not installed"; exit 77; }
done

dir=$(mktemp -d /tmp/hisi-install.XXXXXX) || exit 1
chmod 755 "$dir"
stage=$dir/stage
bus_pid= daemon_pid=
cleanup() {
    [ -n "$daemon_pid" ] && kill "$daemon_pid" 2>/dev/null && wait "$daemon_pid" 2>/dev/null
    [ -n "$bus_pid" ] && kill "$bus_pid" 2>/dev/null && wait "$bus_pid" 2>/dev/null
    "$accsim" stop --dir "$dir/host" >/dev/null 2>&1
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
# check NAME COMMAND...: ok when the command succeeds.
check() {
    local name=$1
    shift
    if "$@"; then ok "$name"; else fail "$name" "$*"; fi
}
# in_list PATH: PATH is one of the lines on stdin.
in_list() {
    grep -qxF -- "$1"
}

echo "== DESTDIR=$stage cmake --install"
if ! DESTDIR=$stage cmake --install "$bin" >"$dir/install.log" 2>&1; then
    cat "$dir/install.log"
    echo "0 passed, 1 failed"
    exit 1
fi

daemon=$stage$HISI_SBINDIR/hisi-accmigd
ctl=$stage$HISI_BINDIR/hisi-accmigctl
check "the daemon is in SBINDIR" test -x "$daemon"
check "hisi-accmigctl is in BINDIR" test -x "$ctl"
check "the config is where the daemon reads it" test -f "$stage$HISI_CONFIG_FILE"
check "the daemon's default config is $HISI_CONFIG_FILE" \
    sh -c "'$daemon' --help | grep -qF -- '(default $HISI_CONFIG_FILE)'"
check "the installed config is valid" "$daemon" --check-config --config "$stage$HISI_CONFIG_FILE"

unit=$stage$HISI_SYSTEMD_UNIT_DIR/hisi-accmigd.service
check "the units are in $HISI_SYSTEMD_UNIT_DIR" \
    test -f "$unit" -a -f "$stage$HISI_SYSTEMD_UNIT_DIR/hisi-accmigd.socket"
check "the unit starts the installed daemon" grep -qx "ExecStart=$HISI_SBINDIR/hisi-accmigd" "$unit"
if command -v systemd-analyze >/dev/null; then
    check "systemd loads units from $HISI_SYSTEMD_UNIT_DIR" \
        sh -c "systemd-analyze unit-paths | grep -qxF '$HISI_SYSTEMD_UNIT_DIR'"
fi
check "the udev rule is in $HISI_UDEV_RULES_DIR" \
    test -f "$stage$HISI_UDEV_RULES_DIR/60-hisi-accmigd.rules"
# udev reads these (systemd 252's UDEV_RULES_DIRS).
check "udev reads rules from $HISI_UDEV_RULES_DIR" in_list "$HISI_UDEV_RULES_DIR" <<EOL
/etc/udev/rules.d
/run/udev/rules.d
/usr/local/lib/udev/rules.d
/usr/lib/udev/rules.d
/lib/udev/rules.d
EOL
policy=$stage$HISI_DBUS_SYSTEM_CONF_DIR/com.hisilicon.AccMig1.conf
check "the D-Bus policy is in $HISI_DBUS_SYSTEM_CONF_DIR" test -f "$policy"
# dbus-daemon's system.conf includes these two.
check "dbus-daemon reads policies from $HISI_DBUS_SYSTEM_CONF_DIR" \
    in_list "$HISI_DBUS_SYSTEM_CONF_DIR" <<EOL
/usr/share/dbus-1/system.d
/etc/dbus-1/system.d
EOL
check "the D-Bus activation file is in $HISI_DBUS_SYSTEM_SERVICES_DIR" \
    test -f "$stage$HISI_DBUS_SYSTEM_SERVICES_DIR/com.hisilicon.AccMig1.service"
check "the polkit actions are in $HISI_POLKIT_ACTIONS_DIR" \
    test -f "$stage$HISI_POLKIT_ACTIONS_DIR/com.hisilicon.AccMig1.policy"
check "the bash completions are in $HISI_BASH_COMPLETION_DIR" test -f \
    "$stage$HISI_BASH_COMPLETION_DIR/hisi-accmigctl" -a -f \
    "$stage$HISI_BASH_COMPLETION_DIR/hisi-migtool" -a -f "$stage$HISI_BASH_COMPLETION_DIR/hisi-accsim"
if [ -n "${HISI_LIBVIRT_HOOK_DIR:-}" ]; then
    check "the libvirt hook is in $HISI_LIBVIRT_HOOK_DIR (libvirt runs hooks/qemu.d/*)" \
        test -L "$stage$HISI_LIBVIRT_HOOK_DIR/hisi-accmig" -a \
        -x "$stage$(readlink "$stage$HISI_LIBVIRT_HOOK_DIR/hisi-accmig")"
fi
check "nothing is left under the prefix's lib/ for systemd or udev" \
    test ! -e "$stage$HISI_PREFIX/lib/systemd" -a ! -e "$stage$HISI_PREFIX/lib/modules-load.d"

echo "== the installed daemon and CLI on the simulated host"
# A private system bus with the system bus's default policy and the installed one.
cat >"$dir/bus.conf" <<EOF2
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <auth>EXTERNAL</auth>
  <listen>unix:path=$dir/bus.sock</listen>
  <policy context="default">
    <allow user="*"/>
    <deny own="*"/>
    <deny send_type="method_call"/>
    <allow send_type="signal"/>
    <allow send_requested_reply="true" send_type="method_return"/>
    <allow send_requested_reply="true" send_type="error"/>
    <allow receive_type="method_call"/>
    <allow receive_type="method_return"/>
    <allow receive_type="error"/>
    <allow receive_type="signal"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus"/>
    <allow send_destination="org.freedesktop.DBus"
           send_interface="org.freedesktop.DBus.Introspectable"/>
  </policy>
  <include>$policy</include>
</busconfig>
EOF2
dbus-daemon --config-file="$dir/bus.conf" --nofork --print-address=3 3>"$dir/bus.address" \
    2>"$dir/bus.log" &
bus_pid=$!
"$accsim" start --dir "$dir/host" >/dev/null || { echo "hisi-accsim did not start"; exit 1; }
for _ in $(seq 100); do [ -s "$dir/bus.address" ] && break; sleep 0.1; done
export DBUS_SYSTEM_BUS_ADDRESS=unix:path=$dir/bus.sock

# The installed config, on the simulated backend, without libvirt, its runtime files here.
sed -e 's#"backend": "kernel"#"backend": "sim"#' \
    -e "s#\"runtime_directory\": \"[^\"]*\"#\"runtime_directory\": \"$dir/run\"#" \
    -e 's#"enabled": true#"enabled": false#' \
    "$stage$HISI_CONFIG_FILE" >"$dir/hisi-accmigd.json"
"$accsim" exec --dir "$dir/host" -- "$daemon" --config "$dir/hisi-accmigd.json" \
    >"$dir/daemon.log" 2>&1 &
daemon_pid=$!
up=no
for _ in $(seq 100); do
    "$ctl" status >/dev/null 2>&1 && { up=yes; break; }
    sleep 0.1
done
check "the installed daemon comes up on the installed D-Bus policy" test $up = yes
[ $up = yes ] || cat "$dir/daemon.log"

out=$("$ctl" list 2>&1)
check "hisi-accmigctl list: 12 VFs" test "$(printf '%s\n' "$out" | grep -c '^0000:')" -eq 12
out=$("$ctl" bind 75:00.1 2>&1)
check "hisi-accmigctl bind 75:00.1 as root" test $? -eq 0
out=$("$ctl" show 75:00.1 2>&1)
check "the VF is bound to hisi_acc_vfio_pci" \
    sh -c "printf '%s\n' '$out' | grep -q 'Driver: hisi_acc_vfio_pci'"
out=$(setpriv --reuid=nobody --regid=nogroup --clear-groups "$ctl" unbind 75:00.1 2>&1)
rc=$?
check "another user may not unbind (exit 4): $out" test $rc -eq 4
out=$("$ctl" unbind 75:00.1 2>&1)
check "hisi-accmigctl unbind 75:00.1 as root" test $? -eq 0

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
