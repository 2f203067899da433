#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Build, or find already built, the small x86_64 kernel that the real-kernel tests boot: Debian's
# linux-source-6.12 configured with `make tinyconfig` plus mtty.config. It is built once per
# machine and kept in
#   ${HISI_KERNEL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/hisi-accmigd/kernel}/<version>-<hash>/
# where <version> is the source package's and <hash> covers mtty.config and this script, so that
# changing either builds a new kernel. The directory holds bzImage, gen_init_cpio (the kernel's
# tool that writes an initramfs from a list, device nodes included, without root) and the .config.
#
# Prints that directory on stdout. Quiet unless the build fails (then the end of its log goes to
# stderr). Several runs at once are safe: one builds under a lock while the others wait, and the
# result appears by an atomic rename, so a killed build never leaves a half-filled directory.
# Exit: 0 ready; 77 the kernel source is not installed (the caller skips); 1 failure.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
fragment=$here/mtty.config
pkg=linux-source-6.12
tarball=/usr/src/$pkg.tar.xz

if [ ! -r "$tarball" ]; then
        echo "the kernel source $tarball is missing (Debian package $pkg)" >&2
        exit 77
fi
version=$(dpkg-query -W -f='${Version}' "$pkg" 2>/dev/null) ||
        version=$(stat -c '%s-%Y' "$tarball")
hash=$(cat "$fragment" "${BASH_SOURCE[0]}" | sha256sum | cut -c1-12)
cache=${HISI_KERNEL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/hisi-accmigd/kernel}
dir=$cache/${version//[^A-Za-z0-9.+~-]/_}-$hash

if [ -f "$dir/bzImage" ]; then
        echo "$dir"
        exit 0
fi

mkdir -p "$cache"
exec 9>"$cache/.lock"
if ! flock -n 9; then
        echo "waiting for another build of the test kernel to finish" >&2
        flock 9
fi
if [ -f "$dir/bzImage" ]; then # built by the run we waited for
        echo "$dir"
        exit 0
fi

# Under the lock no other build runs: what an earlier build killed hard left behind can go.
rm -rf "$cache"/.build.*
tmp=$(mktemp -d "$cache/.build.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
log=$tmp/build.log
jobs=$(nproc 2>/dev/null || echo 2)
start=$SECONDS

fail() {
        echo "building the test kernel failed: $1; the end of the build log:" >&2
        tail -n 60 "$log" >&2
        exit 1
}

echo "building the test kernel $pkg $version (once per machine; minutes)" >&2
mkdir "$tmp/src" "$tmp/out"
tar -xf "$tarball" -C "$tmp/src" --strip-components=1 >>"$log" 2>&1 || fail "unpacking $tarball"

kmake() {
        make -C "$tmp/src" ARCH=x86_64 "$@" >>"$log" 2>&1
}
kmake tinyconfig || fail "make tinyconfig"
"$tmp/src/scripts/kconfig/merge_config.sh" -m -O "$tmp/src" "$tmp/src/.config" "$fragment" \
        >>"$log" 2>&1 || fail "merging mtty.config"
kmake olddefconfig || fail "make olddefconfig"
# Kconfig drops what it cannot satisfy without a word: every option asked for must be there.
missing=$(grep -E '^CONFIG_[A-Za-z0-9_]+=' "$fragment" | while read -r line; do
        grep -qxF "$line" "$tmp/src/.config" || echo "$line"
done || true)
[ -z "$missing" ] || { echo "not in the final .config: $missing" >>"$log"; fail "configuring"; }

kmake -j"$jobs" bzImage || fail "make bzImage"
if [ ! -x "$tmp/src/usr/gen_init_cpio" ]; then
        kmake usr/gen_init_cpio || fail "building usr/gen_init_cpio"
fi

cp "$tmp/src/arch/x86/boot/bzImage" "$tmp/src/usr/gen_init_cpio" "$tmp/out/"
cp "$tmp/src/.config" "$tmp/out/config"
printf 'package %s %s\nfragment+script hash %s\nbuilt in %d s with %d jobs\n' \
        "$pkg" "$version" "$hash" $((SECONDS - start)) "$jobs" >"$tmp/out/build-info"
# The rename publishes the whole directory at once; the loser of a race (impossible under the
# lock, but cheap to handle) keeps the winner's.
mv -T "$tmp/out" "$dir" 2>/dev/null || [ -f "$dir/bzImage" ] || fail "publishing $dir"
echo "built the test kernel in $((SECONDS - start)) s" >&2
echo "$dir"
