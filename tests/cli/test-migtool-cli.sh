#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# hisi-migtool as an operator meets it: help, version, usage errors (exit 2), and failures that
# name the errno and say what it means (exit 1). Usage: test-migtool-cli.sh PATH-TO-hisi-migtool
set -u
tool=$1
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
passed=0 failed=0

# check NAME EXPECTED-EXIT REGEX -- COMMAND...: run, compare the exit code, grep the output.
check() {
    local name=$1 want=$2 regex=$3
    shift 4
    local out rc
    out=$("$@" 2>&1)
    rc=$?
    if [ "$rc" -eq "$want" ] && printf '%s\n' "$out" | grep -Eq -- "$regex"; then
        printf 'ok   %s\n' "$name"
        passed=$((passed + 1))
    else
        printf 'FAIL %s: exit %d (wanted %d), output:\n%s\n' "$name" "$rc" "$want" "$out"
        failed=$((failed + 1))
    fi
}

mkdir -p "$root/sys/bus/pci/devices" "$root/sys/devices/pci0000:7c/0000:7d:00.1"
ln -s ../../../devices/pci0000:7c/0000:7d:00.1 "$root/sys/bus/pci/devices/0000:7d:00.1"

check help 0 'Usage: hisi-migtool' -- "$tool" --help
check help-lists-commands 0 'precopy-info VF' -- "$tool" --help
check version 0 '^hisi-migtool [0-9]+\.[0-9]+' -- "$tool" --version
check no-command 2 'no command given' -- "$tool"
check unknown-command 2 "unknown command 'frobnicate'" -- "$tool" frobnicate 0000:7d:00.1
check missing-vf 2 'info takes one VF' -- "$tool" info
check missing-file 2 'save takes a VF and a FILE' -- "$tool" save 0000:7d:00.1
check too-many 2 'reset takes one VF' -- "$tool" reset 0000:7d:00.1 extra
check unknown-state 2 "unknown state 'FLYING'" -- "$tool" state 0000:7d:00.1 FLYING
check unknown-backend 2 "unknown backend 'qemu'" -- "$tool" --backend qemu info 0000:7d:00.1
check bad-chunk 2 'chunk takes a size' -- "$tool" --chunk 0 save 0000:7d:00.1 /dev/null
check bad-wait-ready 2 'wait-ready takes seconds' -- "$tool" --wait-ready x save 0000:7d:00.1 /dev/null
check relative-root 2 'needs an absolute path' -- "$tool" --root rel info 0000:7d:00.1
check no-such-device 1 'ENODEV: no such device' -- "$tool" --root "$root" info 0000:7d:00.2
# Short addresses as everywhere (issue 15); a malformed one is a usage error.
check short-address 1 '0000:7d:00.1: ENODEV' -- "$tool" --root "$root" state 7d:00.1
check bad-address 2 "'7d:00' is not a PCI address" -- "$tool" --root "$root" info 7d:00
check not-bound-to-vfio 1 '0000:7d:00.1: ENODEV' -- "$tool" --root "$root" state 0000:7d:00.1
check load-missing-file 1 'cannot open /nonexistent: ENOENT' -- \
    "$tool" --root "$root" load 0000:7d:00.1 /nonexistent

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
