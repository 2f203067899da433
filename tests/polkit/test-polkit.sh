#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The daemon's changing methods under a real polkitd (issue 15), on a private system bus with the
# installed D-Bus policy (which lets the calls through to the daemon's check):
#   - a user a polkit rule authorizes for com.hisilicon.accmig1.bind may bind and unbind, and
#     still not reload (no rule for com.hisilicon.accmig1.reload): the message says so;
#   - root needs no polkit;
#   - with polkitd gone, only root may (the fallback).
# polkitd reads its actions and rules from fixed directories: the test runs in a mount namespace
# of its own where those are tmpfs holding our action file and one rule, so nothing of the
# host's is read or written. That needs root (CI and `tools/dev test` are); elsewhere, and
# without polkitd, the test is skipped.
# Usage: test-polkit.sh SOURCE_DIR hisi-accmigd hisi-accmigctl hisi-accsim
set -u
src=$1 daemon=$2 ctl=$3 accsim=$4
passed=0 failed=0
polkitd=/usr/lib/polkit-1/polkitd

case ${ASAN_OPTIONS:-} in
*verify_asan_link_order*) ;;
*) export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0 ;;
esac
[ -x "$polkitd" ] || { echo "skipped: polkitd is not installed ($polkitd)"; exit 77; }
for t in dbus-daemon setpriv unshare; do
    command -v $t >/dev/null || { echo "skipped: $t is not installed"; exit 77; }
done
if [ "$(id -u)" -ne 0 ] || ! unshare --mount true 2>/dev/null; then
    echo "skipped: needs root for a mount namespace of its own (polkitd's fixed directories)"
    exit 77
fi
if [ "${HISI_POLKIT_TEST_NS:-}" != 1 ]; then
    HISI_POLKIT_TEST_NS=1 exec unshare --mount --propagation private bash "$0" "$@"
fi

dir=$(mktemp -d /tmp/hisi-polkit.XXXXXX) || exit 1
chmod 755 "$dir"
bus_pid= daemon_pid= polkit_pid=
cleanup() {
    [ -n "$daemon_pid" ] && kill "$daemon_pid" 2>/dev/null && wait "$daemon_pid" 2>/dev/null
    [ -n "$polkit_pid" ] && kill "$polkit_pid" 2>/dev/null && wait "$polkit_pid" 2>/dev/null
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
# expect NAME EXIT REGEX -- COMMAND...
expect() {
    local name=$1 want=$2 regex=$3 out rc
    shift 4
    out=$("$@" 2>&1)
    rc=$?
    if [ "$rc" -eq "$want" ] && printf '%s\n' "$out" | grep -Eq -- "$regex"; then
        ok "$name"
    else
        fail "$name" "exit $rc (wanted $want), output: $out"
    fi
}
as_nobody() {
    setpriv --reuid=nobody --regid=nogroup --clear-groups "$@"
}

# polkit's directories, with our action file and one rule.
for d in /usr/share/polkit-1/actions /usr/share/polkit-1/rules.d /etc/polkit-1/rules.d; do
    mount -t tmpfs tmpfs "$d" || exit 1
done
cp "$src/units/com.hisilicon.AccMig1.policy" /usr/share/polkit-1/actions/
cat >/etc/polkit-1/rules.d/50-hisi-accmigd-test.rules <<'EOF2'
polkit.addRule(function(action, subject) {
    if (action.id == "com.hisilicon.accmig1.bind" && subject.user == "nobody")
        return polkit.Result.YES;
});
EOF2

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
  <policy user="root">
    <allow own="org.freedesktop.PolicyKit1"/>
  </policy>
  <policy user="polkitd">
    <allow own="org.freedesktop.PolicyKit1"/>
  </policy>
  <policy context="default">
    <allow send_destination="org.freedesktop.PolicyKit1"/>
  </policy>
  <include>$src/units/com.hisilicon.AccMig1.conf</include>
</busconfig>
EOF2
dbus-daemon --config-file="$dir/bus.conf" --nofork --print-address=3 3>"$dir/bus.address" \
    2>"$dir/bus.log" &
bus_pid=$!
for _ in $(seq 100); do [ -s "$dir/bus.address" ] && break; sleep 0.1; done
export DBUS_SYSTEM_BUS_ADDRESS=unix:path=$dir/bus.sock

"$polkitd" --no-debug >"$dir/polkit.log" 2>&1 &
polkit_pid=$!
up=no
for _ in $(seq 100); do
    busctl --system list 2>/dev/null | grep -q '^org.freedesktop.PolicyKit1 ' && { up=yes; break; }
    sleep 0.1
done
if [ $up != yes ]; then
    echo "skipped: polkitd did not come up on the private bus:"
    cat "$dir/polkit.log"
    exit 77
fi

"$accsim" start --dir "$dir/host" >/dev/null || { echo "hisi-accsim did not start"; exit 1; }
printf '{ "backend": "sim", "runtime_directory": "%s/run", "state_directory": "%s/state",
  "libvirt": { "enabled": false } }\n' "$dir" "$dir" >"$dir/hisi-accmigd.json"
"$accsim" exec --dir "$dir/host" -- "$daemon" --config "$dir/hisi-accmigd.json" \
    >"$dir/daemon.log" 2>&1 &
daemon_pid=$!
up=no
for _ in $(seq 100); do "$ctl" status >/dev/null 2>&1 && { up=yes; break; }; sleep 0.1; done
[ $up = yes ] || { cat "$dir/daemon.log"; echo "the daemon did not come up"; exit 1; }

expect "polkit authorizes nobody to bind" 0 'bound to hisi_acc_vfio_pci' -- \
    as_nobody "$ctl" bind 75:00.1
expect "and to unbind" 0 'unbound' -- as_nobody "$ctl" unbind 75:00.1
expect "but not to reload: polkit says no" 4 'polkit does not authorize com.hisilicon.accmig1.reload' -- \
    as_nobody "$ctl" reload
expect "root needs no polkit" 0 '' -- "$ctl" reload

kill "$polkit_pid" && wait "$polkit_pid" 2>/dev/null
polkit_pid=
expect "without polkitd only root may" 4 'Only root may change the binding of a VF' -- \
    as_nobody "$ctl" bind 75:00.2
expect "root still may" 0 'bound to hisi_acc_vfio_pci' -- "$ctl" bind 75:00.2

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
