#!/bin/sh
# run.sh NAME SECONDS [EXTRA LIBFUZZER FLAGS]: runs fuzz/out/fuzz_NAME for
# SECONDS with a persistent corpus in fuzz/corpus/NAME (the seeds of
# fuzz/out/seeds/NAME are read too), artifacts (crashes, timeouts, OOMs)
# in fuzz/crashers/NAME/, and the dictionary fuzz/NAME.dict when there is
# one: -max_total_time=SECONDS -rss_limit_mb=2048 -timeout=10
# -print_final_stats=1.  The log, final statistics last, is
# fuzz/out/NAME.log.
#
# Builds the harness and the seeds when missing.  Environment: FUZZ_NICE
# (default 15) the nice level; OUT (default fuzz/out) where build.sh put
# the binary (e.g. a patched tree: SRCROOT=... OUT=... fuzz/build.sh);
# SEEDS (default $OUT/seeds) the seed corpora.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
[ $# -ge 2 ] || { echo "usage: $0 NAME SECONDS [libFuzzer flags]" >&2; exit 64; }
name=$1 secs=$2
shift 2
OUT=${OUT:-$here/out}
bin=$OUT/fuzz_$name
[ -x "$bin" ] || OUT=$OUT "$here/build.sh" "$name"
SEEDS=${SEEDS:-$OUT/seeds}
[ -d "$SEEDS/$name" ] || "$here/seeds.sh" "$SEEDS"
mkdir -p "$here/corpus/$name" "$here/crashers/$name"
dict=
[ -f "$here/$name.dict" ] && dict=-dict=$here/$name.dict
log=$OUT/$name.log
echo "run.sh: fuzz_$name for ${secs}s, log $log" >&2
cd "$here/crashers/$name"
exec nice -n "${FUZZ_NICE:-15}" "$bin" \
	-max_total_time="$secs" -rss_limit_mb=2048 -timeout=10 \
	-print_final_stats=1 -artifact_prefix="$here/crashers/$name/" $dict "$@" \
	"$here/corpus/$name" "$SEEDS/$name" >"$log" 2>&1
