#!/usr/bin/env bash
# Installs what `make test` needs on a fresh Debian machine (run as root).
set -euo pipefail
need=()
if ! command -v qemu-x86_64-static >/dev/null || ! command -v qemu-aarch64-static >/dev/null; then
	need+=(qemu-user-static)
fi
command -v aarch64-linux-gnu-objdump >/dev/null || need+=(binutils-aarch64-linux-gnu)
if [ ${#need[@]} -gt 0 ]; then
	echo "installing: ${need[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq "${need[@]}" >/dev/null
fi
