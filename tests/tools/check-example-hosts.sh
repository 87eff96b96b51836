#!/bin/sh
# check-example-hosts.sh: regenerate every examples/NAME/host/ from its
# host.table with mkhost.py and diff it against the committed tree.
# Exit 0: all trees match; 1: drift (or a table mkhost rejects); 2: usage.
# --update rewrites the committed trees instead (review with git diff).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
py=${PYTHON:-/usr/bin/python3}

update=0
case "${1:-}" in
	"") ;;
	--update) update=1 ;;
	*) echo "usage: $0 [--update]" >&2; exit 2 ;;
esac

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

status=0
count=0
for table in "$repo"/examples/*/host.table; do
	[ -e "$table" ] || continue
	dir=$(dirname "$table")
	name=$(basename "$dir")
	count=$((count + 1))
	if [ "$update" = 1 ]; then
		"$py" "$here/mkhost.py" --force "$table" "$dir/host"
		echo "updated examples/$name/host"
		continue
	fi
	if ! "$py" "$here/mkhost.py" "$table" "$tmp/$name"; then
		echo "FAIL examples/$name: mkhost.py rejected host.table" >&2
		status=1
		continue
	fi
	if [ ! -d "$dir/host" ]; then
		echo "FAIL examples/$name: no committed host/ tree (run $0 --update)" >&2
		status=1
		continue
	fi
	# --no-dereference: compare symlinks by their text, as sysfs shapes matter
	if diff -r --no-dereference "$dir/host" "$tmp/$name" > "$tmp/$name.diff" 2>&1; then
		echo "ok   examples/$name"
	else
		echo "FAIL examples/$name: committed host/ differs from host.table (run $0 --update):" >&2
		sed -e "s|$tmp/$name|<generated>|g" -e "s|$dir/host|<committed>|g" "$tmp/$name.diff" | head -n 40 >&2
		status=1
	fi
done
if [ "$count" = 0 ]; then
	echo "FAIL no examples/*/host.table found" >&2
	exit 1
fi
exit "$status"
