#!/bin/sh
# regress.sh [NAME...]: replays every input of fuzz/regress/NAME/ (the
# minimized crashers, timeouts and property failures found so far) and of
# the seed corpus through fuzz/out/fuzz_NAME, building what is missing
# (build.sh's SRCROOT and OUT apply).  Exits non-zero when any input still
# crashes, hangs (10 s), leaks or breaks a harness's check.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
OUT=${OUT:-$here/out}
export OUT
if [ $# -eq 0 ]; then
	set -- $(cd "$here" && ls fuzz_*.c | sed 's/^fuzz_//; s/\.c$//')
fi
[ -d "$OUT/seeds" ] || "$here/seeds.sh" "$OUT/seeds" >/dev/null
"$here/build.sh" "$@" >/dev/null
fail=0
for name; do
	files=$(find "$here/regress/$name" "$OUT/seeds/$name" -type f 2>/dev/null | sort)
	[ -n "$files" ] || continue
	n=0
	for f in $files; do
		n=$((n + 1))
		log=$OUT/regress-$name-$(basename "$f").log
		if "$OUT/fuzz_$name" -timeout=10 -rss_limit_mb=2048 "$f" >"$log" 2>&1; then
			rm -f "$log"
		else
			echo "FAIL fuzz_$name $f: $(grep -m1 -e 'ERROR' -e 'runtime error' -e 'did not' -e 'changed' "$log" || tail -n 1 "$log")"
			fail=1
		fi
	done
	echo "fuzz_$name: $n inputs replayed"
done
exit $fail
