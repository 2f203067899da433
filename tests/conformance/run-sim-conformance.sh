#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# hisi-conformance against a real simulated host of one kernel profile, as an operator would run
# it: start a hisi-accsim host (it returns once the host is ready), bind a VF to
# hisi_acc_vfio_pci with hisi-migtool, run the suite under `hisi-accsim exec` with the host's
# directory for the guest driver and fault capabilities, stop the host.
# Usage: run-sim-conformance.sh HISI-ACCSIM HISI-MIGTOOL HISI-CONFORMANCE PROFILE [QM-VERSION
#        [RESET-FIX]]
# RESET-FIX: yes or no, the host's "reset_fix" (the 2026 fix of the reset handler); default: the
# profile's own (yes on 6.19 only). The suite is told the same, not left to find it out.
set -u
accsim=$1 migtool=$2 conformance=$3 profile=$4 qm=${5:-v3} fix=${6:-}
if [ -z "$fix" ]; then
    case $profile in
    6.19) fix=yes ;;
    *) fix=no ;;
    esac
fi
[ "$fix" = yes ] && fix_json=true || fix_json=false
vf=0000:75:00.1

# The simulator runs under umockdev's preload, which ASan must not insist on coming first.
case ${ASAN_OPTIONS:-} in
*verify_asan_link_order*) ;;
*) export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0 ;;
esac

# Short: the host's sockets live in it.
dir=$(mktemp -d /tmp/hisi-conf.XXXXXX) || exit 1
cleanup() {
    "$accsim" stop --dir "$dir" >/dev/null 2>&1
    rm -rf "$dir"
}
trap cleanup EXIT

[ "$qm" = v3 ] && qm='"v3"'
cat >"$dir/host.json" <<JSON
{
  "profile": "$profile",
  "reset_fix": $fix_json,
  "seed": 11,
  "pfs": [ { "address": "0000:75:00.0", "kind": "zip", "vfs": 2, "qm_version": $qm } ]
}
JSON

if ! "$accsim" start --dir "$dir" --config "$dir/host.json"; then
    echo "run-sim-conformance: the host did not start:" >&2
    cat "$dir/accsim.log" >&2 2>/dev/null
    exit 1
fi
if ! "$accsim" exec --dir "$dir" -- "$migtool" bind "$vf"; then
    echo "run-sim-conformance: cannot bind $vf" >&2
    exit 1
fi
"$accsim" exec --dir "$dir" -- "$conformance" --backend sim --device "$vf" \
    --profile "$profile" --reset-fix "$fix" --sim-dir "$dir"
rc=$?
if [ "$rc" -ne 0 ] && [ -f "$dir/accsim.log" ]; then
    echo "--- the host's log:" >&2
    tail -50 "$dir/accsim.log" >&2
fi
exit "$rc"
