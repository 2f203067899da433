#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The installed unit under a real systemd (issue 15). A Debian 12 tree (made once by tools/dev
# with mmdebstrap, given in $HISI_SYSTEMD_TREE) boots with `systemd-nspawn -b` on a throwaway
# overlay; what `cmake --install` puts is copied in, and systemd 252 runs hisi-accmigd.service
# there on a simulated host (hisi-accsim in a unit of its own, the daemon under `hisi-accsim
# exec` through a drop-in). Checked:
#   - Type=notify: `systemctl start` returns once the daemon answers on the bus; a bad config
#     fails the start with 78 and no restart (RestartPreventExitStatus=);
#   - the sandbox holds: the daemon binds every VF (it writes the simulated sysfs through the
#     unit's own writable /sys paths, mirrored onto the simulated host's tree), while a probe
#     run inside the unit (ExecStartPost=) finds the rest of /sys, /usr and /etc read-only, no
#     capability, and no device node but the allowed ones; the same probe outside the unit can;
#   - reload (ExecReload=) is synchronous and fails on a bad config, the daemon running on;
#   - SIGKILL (`systemctl kill -s KILL`): the unit restarts by itself and binds again;
#   - the fd store (issue 12): a VF the daemon holds (TakeDevice) stays open across the SIGKILL
#     and the restart, its state untouched (a close would reset it);
#   - the watchdog: a daemon that stops answering (SIGSTOP) is aborted and restarted, the VF
#     still held;
#   - the peer port: the daemon listens by itself, and with hisi-accmigd.socket a connection
#     starts it, on the socket systemd passed.
# Never the machine's sysfs: the container's /sys is read-only (checked first), the /sys paths
# the probe writes are tmpfs mounted over it inside the container, and the daemon's sysfs is the
# simulated host's.
# Usage: test-systemd.sh SOURCE_DIR BINARY_DIR; the install's directories come in HISI_*.
set -u
src=$1 bin=$2
passed=0 failed=0
t0=$(date +%s.%N)

skip() {
    echo "skipped: $*"
    exit 77
}
[ -n "${HISI_SYSTEMD_TREE:-}" ] ||
    skip "no Debian tree to boot (tools/dev test makes one and sets HISI_SYSTEMD_TREE)"
[ -x "$HISI_SYSTEMD_TREE/lib/systemd/systemd" ] || skip "$HISI_SYSTEMD_TREE is not a Debian tree"
[ "$(id -u)" -eq 0 ] || skip "systemd-nspawn needs root"
command -v systemd-nspawn >/dev/null || skip "systemd-nspawn is not installed (systemd-container)"
command -v nsenter >/dev/null || skip "nsenter is not installed"
grep -qs '^HISI_SANITIZE:BOOL=ON' "$bin/CMakeCache.txt" &&
    skip "a sanitizer build: the container has no sanitizer runtime for the installed programs"

dir=$(mktemp -d /tmp/hisi-systemd.XXXXXX) || exit 1
machine=hisi-test-$$
nspawn_pid= leader=
cleanup() {
    if [ -n "$nspawn_pid" ] && kill -0 "$nspawn_pid" 2>/dev/null; then
        kill -TERM "$nspawn_pid" 2>/dev/null # nspawn shuts the container down
        for _ in $(seq 100); do kill -0 "$nspawn_pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$nspawn_pid" 2>/dev/null
        wait "$nspawn_pid" 2>/dev/null
    fi
    rmdir "/run/systemd/nspawn/propagate/$machine" 2>/dev/null
    rm -rf "$dir"
}
trap cleanup EXIT
trap "exit 1" INT TERM

ok() {
    printf 'ok   %s\n' "$1"
    passed=$((passed + 1))
}
fail() {
    printf 'FAIL %s: %s\n' "$1" "$2"
    failed=$((failed + 1))
}
check() {
    local name=$1
    shift
    if "$@"; then ok "$name"; else fail "$name" "$*"; fi
}
elapsed() { awk -v a="${1:-$t0}" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }'; }
quiet() { "$@" >/dev/null 2>&1; }
finish() {
    echo "$passed passed, $failed failed ($(elapsed) s)"
    [ "$failed" -eq 0 ]
    exit
}

# A command in the container: all its namespaces (machinectl needs machined, which --register=no
# leaves out).
ct() { nsenter -t "$leader" -a -- "$@"; }
prop() { ct systemctl show -P "$2" "$1"; }
# wait_for SECONDS COMMAND...: until COMMAND succeeds.
wait_for() {
    local n=$(($1 * 20))
    shift
    for ((i = 0; i < n; i++)); do
        "$@" 2>/dev/null && return 0
        sleep 0.05
    done
    return 1
}

echo "== DESTDIR cmake --install"
stage=$dir/stage
if ! DESTDIR=$stage cmake --install "$bin" >"$dir/install.log" 2>&1; then
    cat "$dir/install.log"
    fail install "cmake --install failed"
    finish
fi
probe=/usr/libexec/hisi-test/sandbox-probe
install -D -m 0755 "$src/tests/systemd/sandbox-probe.sh" "$stage$probe"
# The peer link's certificates where the default config looks (peer.tls.directory).
if command -v certtool >/dev/null && sh "$src/tests/lib/make-certs.sh" "$dir/pki" host-a; then
    install -d -m 0755 "$stage/etc/pki/qemu"
    cp "$dir/pki/host-a/"* "$stage/etc/pki/qemu/"
else
    echo "no certificates (certtool): the peer link and the socket activation go untested"
fi
accsim=$HISI_BINDIR/hisi-accsim
ctl=$HISI_BINDIR/hisi-accmigctl
config=$HISI_CONFIG_FILE

echo "== boot $HISI_SYSTEMD_TREE (systemd-nspawn -b --volatile=overlay)"
# The unified cgroup hierarchy and nspawn's seccomp filter letting bpf() through: without them
# systemd in the container cannot install DevicePolicy='s device programs.
tb=$(date +%s.%N)
SYSTEMD_NSPAWN_UNIFIED_HIERARCHY=1 setsid systemd-nspawn -q -D "$HISI_SYSTEMD_TREE" \
    --volatile=overlay --register=no --keep-unit --private-network --system-call-filter=bpf \
    -M "$machine" -b </dev/null >"$dir/console.log" 2>&1 &
nspawn_pid=$!
# The container's PID 1 is nspawn's child.
find_leader() {
    local p
    for p in /proc/[0-9]*; do
        [ "$(awk '/^PPid:/ { print $2 }' "$p/status" 2>/dev/null)" = "$nspawn_pid" ] &&
            leader=${p#/proc/} && return 0
    done
    return 1
}
booted() {
    local s
    s=$(ct systemctl is-system-running --wait 2>/dev/null)
    [ "$s" = running ] || [ "$s" = degraded ]
}
if ! wait_for 30 find_leader || ! wait_for 60 booted; then
    cat "$dir/console.log"
    fail boot "the container did not boot"
    finish
fi
ok "systemd $(ct systemctl --version | sed -n '1s/^systemd \([0-9]*\).*/\1/p') booted in $(elapsed "$tb") s"
[ "$(ct systemctl is-system-running)" = running ] ||
    ct systemctl --failed --no-pager

# The container's /sys must not be writable: everything below relies on it.
if ct sh -c ': >/sys/kernel/hisi-probe' 2>/dev/null; then
    ct rm -f /sys/kernel/hisi-probe
    fail sysfs "the container's /sys is writable: stopping before anything writes there"
    finish
fi
ok "the container's /sys is read-only"

echo "== install"
tar -C "$stage" -c . | ct tar -C / -x --no-same-owner --keep-directory-symlink
check "the unit is installed in $HISI_SYSTEMD_UNIT_DIR" \
    ct test -f "$HISI_SYSTEMD_UNIT_DIR/hisi-accmigd.service"
# The config on the simulated backend, without libvirt, binding every VF.
ct sed -i -e 's#"backend": "kernel"#"backend": "sim"#' -e 's#"enabled": true#"enabled": false#' \
    -e 's#"policy": "none"#"policy": "all"#' "$config"
ct cp "$config" /run/hisi-good.json

# The simulated host, a service of its own: it outlives the daemon's restarts, as a kernel does.
ct sh -c 'cat >/etc/systemd/system/hisi-accsim.service' <<EOF
[Unit]
Description=Simulated HiSilicon host
[Service]
Type=notify
RuntimeDirectory=hisi-accsim-testbed
Environment=TMPDIR=/run/hisi-accsim-testbed
ExecStart=$accsim start --foreground --dir /run/hisi-accsim
EOF
ct systemctl daemon-reload
check "the simulated host starts" ct systemctl start hisi-accsim
testbed=$(ct cat /run/hisi-accsim/root)

# tmpfs stand-ins over parts of the container's /sys, writable there: what the unit must leave
# writable (/sys/bus/pci, a directory of /sys/devices) and what it must not (/sys/kernel/mm).
sys_devices=$(ct sh -c 'for d in /sys/devices/pci* /sys/devices/platform; do [ -d "$d" ] && echo "$d" && break; done')
for d in /sys/bus/pci $sys_devices /sys/kernel/mm; do
    ct mount -t tmpfs hisi-probe "$d" || fail "stand-in $d" "cannot mount a tmpfs there"
done

# The drop-in: the daemon on the simulated host. Its sysfs is the host's tree, read-only to the
# daemon but for the unit's own writable /sys paths (ReadWritePaths=), mirrored there; the tree's
# top stays writable for umockdev's uevent sockets.
unit_rw=$(ct sed -n 's/^ReadWritePaths=//p' "$HISI_SYSTEMD_UNIT_DIR/hisi-accmigd.service")
mirror=
for p in $unit_rw; do
    case $p in /sys/*) mirror="$mirror $testbed$p" ;; esac
done
ct mkdir -p /etc/systemd/system/hisi-accmigd.service.d
ct sh -c 'cat >/etc/systemd/system/hisi-accmigd.service.d/simulated-host.conf' <<EOF
[Unit]
Requires=hisi-accsim.service
After=hisi-accsim.service
[Service]
ExecStart=
ExecStart=$accsim exec --dir /run/hisi-accsim -- $HISI_SBINDIR/hisi-accmigd
ReadWritePaths=$testbed
ReadOnlyPaths=$testbed/sys
ReadWritePaths=$mirror
WatchdogSec=2s
LimitCORE=0
Environment=HISI_PROBE_TESTBED=$testbed HISI_PROBE_SYS_DEVICES=$sys_devices
ExecStartPost=$probe
EOF
ct systemctl daemon-reload

echo "== Type=notify"
ct sh -c 'echo "{ not json" >"$1"' sh "$config"
ts=$(date +%s.%N)
if ct systemctl start hisi-accmigd 2>/dev/null; then
    fail "a bad config fails the start" "systemctl start succeeded"
else
    ok "a bad config fails the start ($(elapsed "$ts") s)"
fi
sleep 0.5
check "... with status 78 and no restart" test "$(prop hisi-accmigd ExecMainStatus)/$(prop hisi-accmigd NRestarts)/$(prop hisi-accmigd ActiveState)" = 78/0/failed
ct systemctl reset-failed hisi-accmigd
ct cp /run/hisi-good.json "$config"

ts=$(date +%s.%N)
check "systemctl start hisi-accmigd" ct systemctl start hisi-accmigd
started=$(elapsed "$ts")
# Ready means serving: the first call after the start answers, no retry.
check "it answers as soon as the start returns (started in $started s)" quiet ct "$ctl" status
check "the unit is Type=notify, NotifyAccess=main" \
    test "$(prop hisi-accmigd Type)/$(prop hisi-accmigd NotifyAccess)" = notify/main
status=$(prop hisi-accmigd StatusText)
check "the daemon reports its status to systemd ($status)" test "${status#Watching: }" != "$status"

echo "== the sandbox"
all_bound() {
    local out
    out=$(ct "$ctl" --json status) || return 1
    [ "$(sed -n 's/.*"device_count": *\([0-9]*\).*/\1/p' <<<"$out")" = \
        "$(sed -n 's/.*"bound_count": *\([0-9]*\).*/\1/p' <<<"$out")" ]
}
if wait_for 10 all_bound; then
    ok "the daemon binds every VF: it writes the simulated sysfs through the unit's writable paths"
else
    fail "binding under the sandbox" "$(ct "$ctl" list 2>&1 | head -5)"
fi
# expect NAME WANTED: a line of the probe's report.
expect() {
    local got
    got=$(sed -n "s/^$1 //p" "$report")
    if [ "$got" = "$2" ]; then ok "$3 ($1: $got)"; else fail "$3" "$1: $got, not $2"; fi
}
ct "$probe" /run/hisi-probe-control
report=$dir/control
ct cat /run/hisi-probe-control >"$report"
expect sys-kernel ok "outside the unit, the stand-in in /sys/kernel is writable"
expect dev-net-tun ok "outside the unit, /dev/net/tun opens"
report=$dir/probe
ct cat /run/hisi-accmigd/sandbox-probe >"$report" 2>/dev/null
expect sys-bus-pci ok "/sys/bus/pci is writable"
[ -n "$sys_devices" ] && expect sys-devices ok "$sys_devices is writable (driver_override)"
expect sys-kernel EROFS "the rest of /sys is read-only"
expect testbed-sys EROFS "the simulated host's /sys is read-only too"
expect testbed-sys-bus-pci ok "... but for the unit's writable paths"
expect usr EROFS "/usr is read-only"
expect etc EROFS "/etc is read-only"
expect var-lib EROFS "/var/lib is read-only"
expect state-directory ok "the StateDirectory= is writable"
expect dev-null ok "/dev/null opens"
expect dev-net-tun EPERM "no other device node opens (DevicePolicy=closed)"
expect capabilities 0000000000000000 "no capability"
expect bounding-set 0000000000000000 "an empty bounding set"
expect no-new-privileges 1 "NoNewPrivileges="
expect seccomp 2 "a system call filter"

echo "== reload"
pid=$(prop hisi-accmigd MainPID)
n=$(ct journalctl -u hisi-accmigd -o cat | grep -c '^Reloaded ')
ct sed -i 's#"log_level": "info"#"log_level": "debug"#' "$config"
check "systemctl reload" ct systemctl reload hisi-accmigd
check "... done when it returns (the daemon says Reloaded)" \
    test "$(ct journalctl -u hisi-accmigd -o cat | grep -c '^Reloaded ')" -gt "$n"
ct sh -c 'echo "{ not json" >"$1"' sh "$config"
if ct systemctl reload hisi-accmigd 2>/dev/null; then
    fail "a bad config fails the reload" "systemctl reload succeeded"
else
    ok "a bad config fails the reload"
fi
check "... the daemon runs on, unrestarted" \
    test "$(prop hisi-accmigd MainPID)/$(prop hisi-accmigd ActiveState)" = "$pid/active"
ct cp /run/hisi-good.json "$config"

# restarted OLD_PID SECONDS: a new main process runs and is ready.
restarted() {
    local old=$1 secs=$2
    new_pid() {
        local p s
        p=$(prop hisi-accmigd MainPID)
        s=$(prop hisi-accmigd ActiveState)
        [ "$s" = active ] && [ "$p" != 0 ] && [ "$p" != "$old" ]
    }
    wait_for "$secs" new_pid
}

echo "== SIGKILL and the restart"
pid=$(prop hisi-accmigd MainPID)
restarts=$(prop hisi-accmigd NRestarts)
vf=0000:75:00.1
sim() { ct "$accsim" ctl --dir /run/hisi-accsim "$@"; }
field() { sim --json show "$1" | sed -n "s/.*\"$2\": *\"\{0,1\}\([^\",}]*\).*/\1/p" | head -1; }
# A workload holds the VF; its guest runs, then stops stepping: the digest stands still.
check "TakeDevice $vf" quiet ct busctl call com.hisilicon.AccMig1 /com/hisilicon/AccMig1 \
    com.hisilicon.AccMig1.Manager TakeDevice s "$vf"
guest_up() { [ "$(field "$vf" guest_driver)" = true ]; }
check "its guest loads" wait_for 5 guest_up
# It steps (away from the state a reset gives), then stands still.
wiped=$(field "$vf" digest)
stepped() { [ "$(field "$vf" digest)" != "$wiped" ]; }
check "its guest runs" wait_for 5 stepped
sim guest "$vf" off >/dev/null
digest=$(field "$vf" digest)
ts=$(date +%s.%N)
ct systemctl kill -s KILL hisi-accmigd
if restarted "$pid" 10; then
    ok "restarted by itself after SIGKILL in $(elapsed "$ts") s"
else
    fail "the restart after SIGKILL" "$(ct systemctl status hisi-accmigd --no-pager 2>&1 | head -5)"
fi
check "... counted (NRestarts $restarts -> $(prop hisi-accmigd NRestarts))" \
    test "$(prop hisi-accmigd NRestarts)" -eq $((restarts + 1))
check "... answers and binds every VF again" wait_for 10 all_bound
check "the fd store holds the VF's fds" test "$(prop hisi-accmigd NFileDescriptorStore)" -gt 0
check "$vf is still open" test "$(field "$vf" open)" = true
check "$vf kept its state (digest $digest)" test "$(field "$vf" digest)" = "$digest"

echo "== the watchdog"
pid=$(prop hisi-accmigd MainPID)
check "WatchdogSec= reaches the daemon (2 s in the drop-in)" \
    test "$(prop hisi-accmigd WatchdogUSec)" = 2s
w1=$(prop hisi-accmigd WatchdogTimestampMonotonic)
sleep 1.2
check "the daemon pings it" test "$(prop hisi-accmigd WatchdogTimestampMonotonic)" != "$w1"
restarts=$(prop hisi-accmigd NRestarts)
ts=$(date +%s.%N)
ct systemctl kill -s STOP hisi-accmigd
if restarted "$pid" 15; then
    ok "a stopped daemon is restarted after $(elapsed "$ts") s"
else
    fail "the watchdog" "$(ct systemctl status hisi-accmigd --no-pager 2>&1 | head -5)"
fi
check "... by the watchdog" sh -c "nsenter -t $leader -a -- journalctl -u hisi-accmigd -o cat |
    grep -q 'Watchdog timeout'"
check "... and answers again" wait_for 10 all_bound
check "... $vf still open, its state untouched" \
    test "$(field "$vf" open)/$(field "$vf" digest)" = "true/$digest"

echo "== the peer port, listening by itself and socket-activated"
if ct test -f /etc/pki/qemu/server-cert.pem; then
    listen=$(ct busctl get-property com.hisilicon.AccMig1 /com/hisilicon/AccMig1 \
        com.hisilicon.AccMig1.Manager PeerListen)
    check "the daemon listens by itself: $listen" test "$listen" = 's "[::]:16520 (TLS)"'
    ct systemctl stop hisi-accmigd
    ct systemctl reset-failed hisi-accmigd
    check "systemctl start hisi-accmigd.socket" ct systemctl start hisi-accmigd.socket
    ts=$(date +%s.%N)
    ct bash -c 'exec 3<>/dev/tcp/127.0.0.1/16520' 2>/dev/null
    active() { [ "$(prop hisi-accmigd ActiveState)" = active ]; }
    if wait_for 10 active; then
        ok "a connection to the port starts the daemon ($(elapsed "$ts") s)"
    else
        fail "socket activation" "$(ct systemctl status hisi-accmigd --no-pager 2>&1 | head -5)"
    fi
    # The one socket listening on the port (16520 is 0x4088), systemd's, is in the daemon's fds.
    inode=$(ct awk '$2 ~ /:4088$/ && $4 == "0A" { print $10 }' /proc/net/tcp6)
    has_socket() { ct sh -c 'ls -l /proc/$1/fd' sh "$1" | grep -qF "socket:[$2]"; }
    check "... and accepts on the socket systemd passed it (inode $inode)" \
        has_socket "$(prop hisi-accmigd MainPID)" "$inode"
    check "... which systemd holds" has_socket 1 "$inode"
    check "... with no peer error" test "$(ct busctl get-property com.hisilicon.AccMig1 \
        /com/hisilicon/AccMig1 com.hisilicon.AccMig1.Manager PeerError)" = 's ""'
fi

echo "== stop"
ts=$(date +%s.%N)
check "systemctl stop" ct systemctl stop hisi-accmigd
check "... cleanly, in $(elapsed "$ts") s" test "$(prop hisi-accmigd Result)" = success

finish
