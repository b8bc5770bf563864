#!/usr/bin/env bash
# Installs what `make test` needs on a fresh Debian machine (run as root).
set -euo pipefail
need=()
if ! command -v qemu-x86_64-static >/dev/null || ! command -v qemu-aarch64-static >/dev/null; then
	need+=(qemu-user-static)
fi
command -v aarch64-linux-gnu-objdump >/dev/null || need+=(binutils-aarch64-linux-gnu)
# The exporter's writer (export/simdrnn_export.py) is tested with python3
# alone; with python3-torch also installed, the PyTorch comparisons run too.
[ -x /usr/bin/python3 ] || need+=(python3)
if [ ${#need[@]} -gt 0 ]; then
	echo "installing: ${need[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq "${need[@]}" >/dev/null
fi
