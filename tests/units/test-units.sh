#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# The files hisi-accmigd installs for systemd, D-Bus and udev, checked as their tools check them:
#   - systemd-analyze verify: the unit loads (ExecStart pointed at the built daemon; no man
#     pages are installed in a build tree, so their check is off);
#   - systemd-analyze security --offline: the unit's exposure stays at most 2.0 (issue 15; it is 1.8);
#   - the D-Bus policy and the activation file are what dbus-daemon reads;
#   - the default config is valid (hisi-accmigd --check-config).
# Usage: test-units.sh SOURCE_DIR BINARY_DIR
set -eu

src=$1
bin=$2
threshold=20 # systemd-analyze's 0-100 scale: 20 is an exposure of 2.0

if ! command -v systemd-analyze >/dev/null; then
    echo "skipped: systemd-analyze is not installed"
    exit 77
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

unit="$tmp/hisi-accmigd.service"
sed -e "s#@HISI_SBINDIR@#$bin/daemon#" -e "s#@HISI_BINDIR@#$bin/daemon/ctl#" \
    "$src/units/hisi-accmigd.service.in" >"$unit"
grep -q "^ExecStart=$bin/daemon/hisi-accmigd\$" "$unit"

echo "== systemd-analyze verify"
systemd-analyze verify --man=no "$unit"

echo "== systemd-analyze verify: the socket unit of the peer port"
cp "$src/units/hisi-accmigd.socket" "$tmp/hisi-accmigd.socket"
systemd-analyze verify --man=no "$tmp/hisi-accmigd.socket"
grep -q '^FileDescriptorName=peer$' "$tmp/hisi-accmigd.socket"
grep -q '"port": 16520' "$src/conf/hisi-accmigd.json"
grep -q '^ListenStream=16520$' "$tmp/hisi-accmigd.socket"

echo "== systemd-analyze security --offline=true --threshold=$threshold"
if ! systemd-analyze security --offline=true --threshold="$threshold" --no-pager "$unit" \
    >"$tmp/security.txt" 2>&1; then
    cat "$tmp/security.txt"
    echo "FAIL: the unit's exposure is above $threshold/100"
    exit 1
fi
tail -n 1 "$tmp/security.txt"

echo "== D-Bus policy"
if command -v xmllint >/dev/null; then
    xmllint --noout "$src/units/com.hisilicon.AccMig1.conf"
    xmllint --noout "$src/daemon/com.hisilicon.AccMig1.xml"
fi
grep -q '<allow own="com.hisilicon.AccMig1"/>' "$src/units/com.hisilicon.AccMig1.conf"

echo "== D-Bus activation file"
sed "s#@HISI_SBINDIR@#$bin/daemon#" "$src/units/com.hisilicon.AccMig1.service.in" \
    >"$tmp/com.hisilicon.AccMig1.service"
grep -q '^Name=com.hisilicon.AccMig1$' "$tmp/com.hisilicon.AccMig1.service"
grep -q '^SystemdService=dbus-com.hisilicon.AccMig1.service$' "$tmp/com.hisilicon.AccMig1.service"
grep -q '^Alias=dbus-com.hisilicon.AccMig1.service$' "$unit"
grep -q '^BusName=com.hisilicon.AccMig1$' "$unit"

echo "== default config"
"$bin/daemon/hisi-accmigd" --check-config --config "$src/conf/hisi-accmigd.json"

echo "every unit file checks out"
