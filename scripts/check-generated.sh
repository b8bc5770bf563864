#!/usr/bin/env bash
# Regenerates the assembly and fails if anything differs from the tree:
# generated files are never edited by hand.
set -euo pipefail
cd "$(dirname "$0")/.."
generated=$(grep -l '^// Code generated .* DO NOT EDIT\.$' kernels/*.s kernels/*.go 2>/dev/null || true)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for f in $generated; do cp "$f" "$tmp/"; done
go generate ./kernels
status=0
for f in $generated; do
	if ! cmp -s "$f" "$tmp/$(basename "$f")"; then
		echo "check-generated: $f differs from what the generator writes:"
		diff -u "$tmp/$(basename "$f")" "$f" | head -20
		status=1
	fi
done
now=$(grep -l '^// Code generated .* DO NOT EDIT\.$' kernels/*.s kernels/*.go 2>/dev/null || true)
if [ "$now" != "$generated" ]; then
	echo "check-generated: the generators write a different set of files:"
	diff <(echo "$generated") <(echo "$now") || true
	status=1
fi
[ $status -eq 0 ] && echo "check-generated: generated files are up to date"
exit $status
