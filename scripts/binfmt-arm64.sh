#!/usr/bin/env bash
# Lets this amd64 machine exec arm64 binaries directly through qemu, which
# `go test -fuzz` needs under qemu (its workers are started by the test
# binary itself, not through -exec). Needs root; registers the handler that
# Debian's qemu-user-static ships, mounting binfmt_misc first if needed.
set -euo pipefail
dir=/proc/sys/fs/binfmt_misc
[ -e "$dir/register" ] || mount -t binfmt_misc binfmt_misc "$dir"
[ -e "$dir/qemu-aarch64" ] && exit 0
conf=/usr/lib/binfmt.d/qemu-aarch64.conf
[ -f "$conf" ] || { echo "binfmt-arm64: $conf missing (apt-get install qemu-user-static)"; exit 1; }
cat "$conf" > "$dir/register"
echo "binfmt-arm64: registered $(sed -n 's/^interpreter //p' "$dir/qemu-aarch64")"
