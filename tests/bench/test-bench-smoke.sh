#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# tools/bench in a tiny configuration (a few migrations, a one-second idle window, a small
# registry), only to prove that it still runs and that its --json has every figure in the
# shape issue 13 gives. No figure's value is judged: the bench is not a test of speed.
#   test-bench-smoke.sh SOURCE_DIR BUILD_DIR
set -euo pipefail
src=$1 bin=$2
for tool in dbus-daemon certtool; do
    command -v "$tool" >/dev/null || { echo "SKIP: no $tool"; exit 77; }
done
out=$(mktemp /tmp/hisi-bench-smoke.XXXXXX.json)
trap 'rm -f "$out"' EXIT
"$src/tools/bench" "$bin" --json --runs 3 --scale-vfs 3 --scale-runs 1 --many 4 --idle 1 \
    --registry 2x3 --starts 1 --hot-adds 2 >"$out"
cat "$out"
"$bin/tests/bench/bench-json-check" "$out" \
    "switchover downtime p50" "switchover downtime p99" "switchover downtime max" \
    "scale: 3 VFs in one migration" \
    "many: migrations committed" "many: source peak RSS" "many: destination peak RSS" \
    "many: source fds open after" "many: destination fds open after" \
    "idle: wakeups" "idle: RSS" \
    "registry: start to READY=1, 6 VFs" "registry: hot-add to InterfacesAdded, 6 VFs"
