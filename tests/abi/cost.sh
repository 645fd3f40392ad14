#!/bin/sh
# cost.sh MMUEMU GUEST MAX - run GUEST under `mmuemu --trace=mm` and check that every
# filemap_sync_range (msync, and the write-back before a read(2)) visited at most MAX
# entries: walks must cost by the tables present, not by the size of the range.
set -u
mmuemu=$1 guest=$2 max=$3
case $guest in /*) ;; *) guest=$(pwd)/$guest ;; esac
case $mmuemu in /*) ;; *) mmuemu=$(pwd)/$mmuemu ;; esac
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && exec "$mmuemu" --trace=mm "$guest") >"$tmp/out" 2>"$tmp/err"
status=$?
grep 'filemap_sync_range' "$tmp/err" >"$tmp/sync"
n=$(wc -l <"$tmp/sync")
worst=$(sed -n 's/.*): \([0-9]*\) entries visited.*/\1/p' "$tmp/sync" | sort -n | tail -1)
cat "$tmp/sync"
if [ "$status" != 0 ] || [ "$n" -lt 4 ] || [ -z "$worst" ] || [ "$worst" -gt "$max" ]; then
	echo "status $status, $n write-back walks, at most ${worst:-?} entries visited (limit $max)"
	exit 1
fi
echo "ok: $n write-back walks over 1 TiB visited at most $worst entries each"
