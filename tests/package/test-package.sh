#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The Debian packages as a packager builds them: dpkg-buildpackage -us -uc -b on a copy of the
# tree, lintian with errors failing, and each package holding what it should (the daemon's
# files in hisi-accmigd, the simulator and hisi-migtool in hisi-accsim, nothing of one in the
# other). Slow (a whole build): it runs when HISI_PACKAGE_TEST=1 (`tools/dev package`, CI) and
# is skipped otherwise, and without debhelper or lintian.
# Usage: test-package.sh SOURCE_DIR OUTPUT_DIR
set -u
src=$1 out=$2
passed=0 failed=0

if [ "${HISI_PACKAGE_TEST:-}" != 1 ]; then
    echo "skipped: the package build runs with HISI_PACKAGE_TEST=1 (tools/dev package)"
    exit 77
fi
for t in dpkg-buildpackage dh lintian; do
    command -v $t >/dev/null || { echo "skipped: $t is not installed (tools/dev package installs it)"; exit 77; }
done

ok() {
    printf 'ok   %s\n' "$1"
    passed=$((passed + 1))
}
fail() {
    printf 'FAIL %s: %s\n' "$1" "$2"
    failed=$((failed + 1))
}

# A clean copy of the tree (what git tracks, as it is in the work tree): dpkg-buildpackage
# writes beside the source and into debian/.
rm -rf "$out"
mkdir -p "$out/src"
(cd "$src" && git ls-files -z --cached --others --exclude-standard | grep -zv '^build/' |
    xargs -0 tar -cf - --no-recursion) | tar -xf - -C "$out/src" || exit 1

echo "== dpkg-buildpackage -us -uc -b"
if (cd "$out/src" && dpkg-buildpackage -us -uc -b >"$out/build.log" 2>&1); then
    ok "dpkg-buildpackage -us -uc -b"
else
    tail -40 "$out/build.log"
    fail "dpkg-buildpackage" "see $out/build.log"
    echo "$passed passed, $failed failed"
    exit 1
fi

changes=$(ls "$out"/hisi-accmigd_*.changes)
echo "== lintian"
if lintian --fail-on error --no-tag-display-limit "$changes" >"$out/lintian.log" 2>&1; then
    ok "lintian: no error"
else
    fail "lintian" "$(cat "$out/lintian.log")"
fi
cat "$out/lintian.log"

daemon_deb=$(ls "$out"/hisi-accmigd_*.deb) sim_deb=$(ls "$out"/hisi-accsim_*.deb)
daemon_files=$(dpkg-deb -c "$daemon_deb" | awk '{ print $NF }')
sim_files=$(dpkg-deb -c "$sim_deb" | awk '{ print $NF }')
# has LIST PATH...
has() {
    local list=$1 p
    shift
    for p; do printf '%s\n' "$list" | grep -qx "\\./$p" || return 1; done
}
check() {
    local name=$1
    shift
    if "$@"; then ok "$name"; else fail "$name" "$*"; fi
}
check "hisi-accmigd has the daemon, CLI, hook, config" has "$daemon_files" usr/sbin/hisi-accmigd \
    usr/bin/hisi-accmigctl usr/libexec/hisi-accmigd-libvirt etc/hisi-accmigd/hisi-accmigd.json
check "hisi-accmigd has the units, rule and D-Bus files" has "$daemon_files" \
    lib/systemd/system/hisi-accmigd.service lib/systemd/system/hisi-accmigd.socket \
    lib/udev/rules.d/60-hisi-accmigd.rules usr/share/dbus-1/system.d/com.hisilicon.AccMig1.conf \
    usr/share/polkit-1/actions/com.hisilicon.AccMig1.policy \
    usr/share/dbus-1/system-services/com.hisilicon.AccMig1.service
check "hisi-accmigd has its man pages" has "$daemon_files" usr/share/man/man8/hisi-accmigd.8.gz \
    usr/share/man/man5/hisi-accmigd.json.5.gz usr/share/man/man1/hisi-accmigctl.1.gz
check "hisi-accsim has the simulator and hisi-migtool" has "$sim_files" usr/bin/hisi-accsim \
    usr/bin/hisi-migtool usr/share/man/man1/hisi-accsim.1.gz
check "the simulator is not in hisi-accmigd" \
    sh -c "! printf '%s\n' '$daemon_files' | grep -qE 'hisi-accsim|hisi-migtool|preload'"
check "the preload is in hisi-accsim" \
    sh -c "printf '%s\n' '$sim_files' | grep -q 'hisi-accmig/libhisi-accsim-preload.so\$'"
check "the config is a conffile" \
    sh -c "dpkg-deb -I '$daemon_deb' conffiles | grep -qx /etc/hisi-accmigd/hisi-accmigd.json"
# debhelper's --no-enable form re-enables the socket only where it was enabled before (an
# upgrade): its enable sits under "debian-installed"; the service's does not.
check "the service is enabled on install, the socket is not" \
    sh -c "dpkg-deb -I '$daemon_deb' postinst | grep -q \"enable 'hisi-accmigd.service'\" &&
           dpkg-deb -I '$daemon_deb' postinst | grep -q \"debian-installed 'hisi-accmigd.socket'\" &&
           ! dpkg-deb -I '$daemon_deb' postinst | grep -q \"debian-installed 'hisi-accmigd.service'\""

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
