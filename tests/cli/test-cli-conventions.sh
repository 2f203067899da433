#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# What every program of hisi-accmigd owes its users (issue 15):
#   - each man page renders without a single groff warning (groff -ww -z), and names every long
#     option the program's --help lists; hisi-accmigctl(1) every exit status its --help names;
#   - short addresses (75:00.1) work and a malformed one is a usage error (2), in hisi-migtool
#     and hisi-accsim as in hisi-accmigctl; hisi-accmigctl says a usage error before it looks
#     for the bus (2, not 7, with no bus at all);
#   - the JSON of hisi-migtool and hisi-accsim has snake_case keys and "address" in full;
#   - the bash completions offer the commands, the options and the host's VFs.
# Usage: test-cli-conventions.sh SOURCE_DIR hisi-accmigctl hisi-migtool hisi-accsim hisi-accmigd
set -u
src=$1 ctl=$2 migtool=$3 accsim=$4 daemon=$5
passed=0 failed=0

case ${ASAN_OPTIONS:-} in
*verify_asan_link_order*) ;;
*) export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0 ;;
esac

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

dir=$(mktemp -d /tmp/hisi-cli.XXXXXX) || exit 1
trap '"$accsim" stop --dir "$dir/host" >/dev/null 2>&1; rm -rf "$dir"' EXIT

echo "== man pages"
declare -A page=(
    [$ctl]=$src/daemon/ctl/hisi-accmigctl.1
    [$migtool]=$src/libhisi/migtool/hisi-migtool.1
    [$accsim]=$src/libhisi/sim/hisi-accsim.1
    [$daemon]=$src/daemon/hisi-accmigd.8
)
if command -v groff >/dev/null; then
    for p in "${page[@]}" "$src/conf/hisi-accmigd.json.5" "$src/daemon/hook/hisi-accmig-hook.8"; do
        out=$(LC_ALL=C.UTF-8 groff -ww -z -t -man "$p" 2>&1)
        if [ -z "$out" ]; then ok "${p##*/} renders without a warning"; else fail "${p##*/}" "$out"; fi
    done
else
    echo "groff is not installed: the rendering is not checked"
fi
for prog in "${!page[@]}"; do
    missing=
    for opt in $("$prog" --help | grep -oE -- '--[a-z][a-z-]*' | sort -u); do
        grep -qF -- "$(printf '%s' "$opt" | sed 's/-/\\-/g')" "${page[$prog]}" ||
            missing="$missing $opt"
    done
    if [ -z "$missing" ]; then
        ok "${page[$prog]##*/} documents every option of --help"
    else
        fail "${page[$prog]##*/}" "options missing:$missing"
    fi
done
missing=
for n in $("$ctl" --help | sed -n '/^Exit status/,/^$/p' | grep -oE '\b[0-9]+ [a-z]' | cut -d' ' -f1); do
    grep -qx ".B $n" "${page[$ctl]}" || missing="$missing $n"
done
if [ -z "$missing" ]; then ok "hisi-accmigctl(1) documents every exit status"; else
    fail "hisi-accmigctl(1) exit statuses" "missing:$missing"; fi
for p in "${page[@]}"; do
    grep -q '^\.SH EXIT STATUS' "$p" && grep -q '^\.SH OPTIONS' "$p" ||
        fail "${p##*/}" "no OPTIONS or EXIT STATUS section"
done

echo "== hisi-accmigctl: usage errors before the bus"
export DBUS_SYSTEM_BUS_ADDRESS=unix:path=$dir/no-bus
expect ctl-bad-address 2 "'75:00' is not a PCI address" -- "$ctl" show 75:00
expect ctl-missing-vf 2 'bind needs one VF address' -- "$ctl" bind
expect ctl-check-needs-to 2 'check needs --to' -- "$ctl" check 75:00.1
expect ctl-to-elsewhere 2 'are for check' -- "$ctl" --to host-b list
expect ctl-no-bus 7 'system bus' -- "$ctl" status

echo "== short addresses and the JSON style on the simulated host"
"$accsim" start --dir "$dir/host" >/dev/null || { echo "hisi-accsim did not start"; exit 1; }
expect migtool-bind-short 0 '^0000:75:00.1: bound' -- \
    "$accsim" exec --dir "$dir/host" -- "$migtool" bind 75:00.1
expect migtool-info-short 0 '"address":"0000:75:00.1"' -- \
    "$accsim" exec --dir "$dir/host" -- "$migtool" --backend sim --json info 75:00.1
expect migtool-bad-address 2 'not a PCI address' -- \
    "$accsim" exec --dir "$dir/host" -- "$migtool" --backend sim info 75:00
expect accsim-show-short 0 '"address":"0000:75:00.1"' -- \
    "$accsim" ctl --dir "$dir/host" --json show 75:00.1
expect accsim-bad-address 2 'not a PCI address' -- "$accsim" ctl --dir "$dir/host" show 75:00
keys=$( ("$accsim" exec --dir "$dir/host" -- "$migtool" --backend sim --json info 75:00.1
    "$accsim" ctl --dir "$dir/host" --json list) | grep -oE '^ *"[^"]*":' | tr -d ' ":' | sort -u)
bad=$(printf '%s\n' "$keys" | grep -vE '^[a-z][a-z0-9_]*$')
if [ -z "$bad" ]; then ok "snake_case keys: $(echo $keys)"; else fail "JSON keys" "$bad"; fi

echo "== bash completion"
# complete_words FUNCTION PROGRAM WORDS...: what the completion offers for the last word.
complete_words() {
    PATH=$(dirname "$ctl"):$(dirname "$migtool"):$(dirname "$accsim"):$PATH bash -c '
        source "$0"
        COMP_WORDS=("${@:2}")
        COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
        "$1"
        printf "%s\n" "${COMPREPLY[@]}"' "$src/shell-completion/bash/$2" "$@"
}
# offers NAME WANTED FUNCTION WORDS...
offers() {
    local name=$1 want=$2 out
    shift 2
    out=$(complete_words "$@" | tr '\n' ' ')
    if [[ " $out" == *" $want "* ]]; then ok "completion: $name"; else
        fail "completion: $name" "offered '$out', wanted '$want'"; fi
}
offers "hisi-accmigctl commands" bind _hisi_accmigctl hisi-accmigctl b
offers "hisi-accmigctl options" --json _hisi_accmigctl hisi-accmigctl --j
offers "hisi-migtool commands" precopy-info _hisi_migtool hisi-migtool pre
offers "hisi-migtool states" STOP_COPY _hisi_migtool hisi-migtool state 0000:75:00.1 STOP_
offers "hisi-migtool backends" sim _hisi_migtool hisi-migtool --backend s
offers "hisi-accsim commands" exec _hisi_accsim hisi-accsim ex
offers "hisi-accsim ctl requests" fault-probe _hisi_accsim hisi-accsim ctl --dir "$dir/host" fault-
offers "hisi-accsim devices" 0000:76:00.1 _hisi_accsim hisi-accsim ctl --dir "$dir/host" show 0000:76
out=$("$accsim" exec --dir "$dir/host" -- bash -c '
    source "$0"; COMP_WORDS=(hisi-migtool info ""); COMP_CWORD=2; _hisi_migtool
    printf "%s\n" "${COMPREPLY[@]}"' "$src/shell-completion/bash/hisi-migtool" | tr '\n' ' ')
if [ "$out" = "0000:75:00.1 0000:75:00.2 0000:75:00.3 0000:75:00.4 0000:76:00.1 0000:76:00.2 0000:76:00.3 0000:76:00.4 0000:79:00.1 0000:79:00.2 0000:79:00.3 0000:79:00.4 " ]; then
    ok "completion: hisi-migtool offers the host's VFs, not its PFs"
else
    fail "completion: hisi-migtool VFs" "offered '$out'"
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
