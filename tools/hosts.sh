# SPDX-License-Identifier: LGPL-2.1-or-later
# Simulated hosts with a hisi-accmigd each, for tools/demo and tools/bench (sourced, not run).
# Each host h gets $dir/h: a hisi-accsim host, a private system bus, a daemon with binding policy
# "all" and its peer link on 127.0.0.1:${port[h]} with the certificates of $dir/pki/host-h (make
# them first with tests/lib/make-certs.sh). Needs $top, $sim, $daemon and $ctl; everything
# started is stopped and removed at exit (HISI_DEMO_KEEP=1 keeps the files). The files go under
# $hosts_tmp (default /tmp; the bench puts them on a tmpfs, as a real host's /run is).
declare -A port
dir=$(mktemp -d "${hosts_tmp:-/tmp}/hisi-${hosts_name:-hosts}.XXXXXX")
hosts=()
cleanup() {
    local h
    for h in "${hosts[@]}"; do
        [ -f "$dir/$h/daemon.pid" ] && daemon_stop "$h"
        [ -f "$dir/$h/bus.pid" ] && kill "$(cat "$dir/$h/bus.pid")" 2>/dev/null || true
        "$sim" stop --dir "$dir/$h/sim" >/dev/null 2>&1 || true
    done
    [ -n "${HISI_DEMO_KEEP:-}" ] && { echo "kept $dir"; return; }
    rm -rf "$dir"
}
trap cleanup EXIT

# A TCP port on loopback that nothing listens on.
free_port() {
    local p
    while :; do
        p=$((20000 + RANDOM % 30000))
        grep -qi ":$(printf '%04X' "$p") " /proc/net/tcp /proc/net/tcp6 2>/dev/null || break
    done
    echo "$p"
}

# The private system bus of a host: Debian's system bus policy and our daemon's.
start_bus() {
    local h=$1
    cat >"$dir/$h/bus.conf" <<CONF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <auth>EXTERNAL</auth>
  <listen>unix:path=$dir/$h/bus.sock</listen>
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
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus.Introspectable"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus.Properties"/>
  </policy>
  <include>$top/units/com.hisilicon.AccMig1.conf</include>
</busconfig>
CONF
    dbus-daemon --config-file="$dir/$h/bus.conf" --fork --print-pid >"$dir/$h/bus.pid"
}

# hisi-accmigctl and busctl on host h's bus.
on() {
    local h=$1
    shift
    DBUS_SYSTEM_BUS_ADDRESS="unix:path=$dir/$h/bus.sock" "$@"
}
ctl() { local h=$1; shift; on "$h" "$ctl" "$@"; }
simctl() { local h=$1; shift; "$sim" ctl --dir "$dir/$h/sim" "$@"; }
field() { simctl "$1" --json show "$2" | sed -n "s/.*\"$3\": *\"\{0,1\}\([^\",}]*\).*/\1/p" | head -1; }

# host_setup NAME SIM_CONFIG_JSON [EXTRA]: host NAME's simulated host, bus, port and daemon
# config, without the daemon. EXTRA is more members of the daemon's config (', "limits": {...}');
# the binding policy is $host_policy ("all" unless set).
host_setup() {
    local h=$1 simconfig=$2 extra=${3:-}
    hosts+=("$h")
    mkdir -p "$dir/$h"
    printf '%s\n' "$simconfig" >"$dir/$h/sim.json"
    "$sim" start --dir "$dir/$h/sim" --config "$dir/$h/sim.json" >/dev/null
    start_bus "$h"
    port[$h]=$(free_port)
    cat >"$dir/$h/hisi-accmigd.json" <<CONF
{
  "backend": "sim",
  "runtime_directory": "$dir/$h/run",
  "state_directory": "$dir/$h/state",
  "libvirt": { "enabled": false },
  "binding": { "policy": "${host_policy:-all}" },
  "peer": { "listen_address": "127.0.0.1", "port": ${port[$h]},
            "tls": { "directory": "$dir/pki/host-$h" } }$extra
}
CONF
}

# Start host h's daemon in the background, under the command in the array host_launcher if set
# (the bench's notify socket); $dir/h/daemon.pid is that process (the daemon itself without a
# launcher: hisi-accsim exec runs it in its own place).
daemon_start() {
    local h=$1
    (
        exec env DBUS_SYSTEM_BUS_ADDRESS="unix:path=$dir/$h/bus.sock" ${host_launcher[@]+"${host_launcher[@]}"} \
            "$sim" exec --dir "$dir/$h/sim" -- "$daemon" --config "$dir/$h/hisi-accmigd.json"
    ) >"$dir/$h/daemon.log" 2>&1 &
    echo $! >"$dir/$h/daemon.pid"
}

# The pid of host h's daemon process (the launcher's child when there is a launcher).
daemon_pid() {
    local pid c
    pid=$(cat "$dir/$1/daemon.pid")
    if [ "$(readlink "/proc/$pid/exe" 2>/dev/null)" = "$(readlink -f "$daemon")" ]; then
        echo "$pid"
        return
    fi
    for c in $(cat "/proc/$pid/task/"*/children 2>/dev/null); do
        [ "$(readlink "/proc/$c/exe" 2>/dev/null)" = "$(readlink -f "$daemon")" ] && { echo "$c"; return; }
    done
    echo "$pid"
}

# Stop host h's daemon and wait until it has exited.
daemon_stop() {
    local pid i
    pid=$(cat "$dir/$1/daemon.pid")
    kill "$pid" 2>/dev/null || true
    for ((i = 0; i < 200; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
    rm -f "$dir/$1/daemon.pid"
}

# Wait until host h's daemon answers and every VF is bound (its binding policy is "all").
daemon_wait_bound() {
    local h=$1 i out
    for ((i = 0; i < 1200; i++)); do
        if out=$(ctl "$h" --json status 2>/dev/null) &&
            [ "$(sed -n 's/.*"device_count": *\([0-9]*\).*/\1/p' <<<"$out")" = \
              "$(sed -n 's/.*"bound_count": *\([0-9]*\).*/\1/p' <<<"$out")" ]; then
            return 0
        fi
        kill -0 "$(cat "$dir/$h/daemon.pid")" 2>/dev/null || break
        sleep 0.1
    done
    cat "$dir/$h/daemon.log" >&2
    echo "the daemon of host-$h did not come up" >&2
    exit 1
}

# start_host NAME SIM_CONFIG_JSON [EXTRA]: host_setup, the daemon, and wait until it is ready.
start_host() {
    host_setup "$@"
    daemon_start "$1"
    daemon_wait_bound "$1"
}
