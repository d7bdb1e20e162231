#!/bin/bash
# bench/run.sh: `make bench`.  Measures, in one run on this machine, what
# issue 7 asks and prints ratios and a verdict per target; appends the
# results to BENCHMARKS.md.  Never part of `make check`.
#
#   bash bench/run.sh [--quick] [--no-peer] [--no-scale]
#
# Environment: BENCH_N (entries for the per-message and in-process runs,
# default 24), BENCH_CONCURRENT (entries for the concurrency run, default
# 2000), BENCH_LARGE_MB (attachment size, default 25), BENCH_KEEP (keep
# the practices and messages in /tmp for a closer look).  As root, the
# practice runs as an unprivileged user (deliver refuses root) and the
# peer benchmark (bench/schleuder.sh) as root.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
quick="" peer=1 scale=1
for a in "$@"; do
	case $a in
	--quick) quick=1 ;;
	--no-peer) peer="" ;;
	--no-scale) scale="" ;;
	*) echo "usage: bench/run.sh [--quick] [--no-peer] [--no-scale]" >&2; exit 64 ;;
	esac
done
N=${BENCH_N:-24}
NCONC=${BENCH_CONCURRENT:-2000}
LARGE_MB=${BENCH_LARGE_MB:-25}
[ -n "$quick" ] && { N=8; NCONC=200; LARGE_MB=5; }
CONFIDANT=$top/src/confidant
INGEST_BENCH=$top/bench/ingest-bench
for p in "$CONFIDANT" "$INGEST_BENCH"; do
	[ -x "$p" ] || { echo "bench: $p is not built (run make bench)" >&2; exit 69; }
done

work=$(mktemp -d /tmp/confidant-bench.XXXXXX)
chmod 711 "$work"
results=$work/results
: >"$results"
user=""
if [ "$(id -u)" = 0 ]; then
	id confidant-bench >/dev/null 2>&1 ||
		useradd -r -M -d /nonexistent -s /usr/sbin/nologin confidant-bench
	user=confidant-bench
	mkdir -m 755 "$work/bin"
	cp "$CONFIDANT" "$INGEST_BENCH" "$work/bin/"
	CONFIDANT=$work/bin/confidant INGEST_BENCH=$work/bin/ingest-bench
	chown "$user:" "$work"
fi
# as_user CMD...: runs CMD as the practice user, in $work.
as_user() {
	if [ -n "$user" ]; then
		setpriv --reuid="$user" --regid="$user" --clear-groups env HOME="$work/home" "$@"
	else
		env HOME="$work/home" "$@"
	fi
}
cleanup() {
	if [ -n "${BENCH_KEEP:-}" ]; then
		echo "bench: kept $work (BENCH_KEEP)"
		return
	fi
	as_user sh -c 'for h in "$1"/g/* "$1"/p/gnupg "$1"/base/gnupg; do
		[ -d "$h" ] && GNUPGHOME=$h gpgconf --kill all; done' _ "$work" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT

say() { printf '%s\n' "$*"; }
result() { printf '%s\n' "$*" | tee -a "$results"; }
now() { date +%s.%N; }
calc() { awk "BEGIN { printf \"%.6f\", $* }"; }
elapsed() { calc "$2 - $1"; }
fmt() { printf '%.*f' "${2:-1}" "$1"; }
le() { awk "BEGIN { exit !($1 <= $2) }" && echo PASS || echo FAIL; }
ge() { awk "BEGIN { exit !($1 >= $2) }" && echo PASS || echo FAIL; }

# The user's part: everything with the practice, in one script, so that
# it runs unprivileged as a whole.
cat >"$work/user.sh" <<'USER'
set -eu
work=$1 CONFIDANT=$2 INGEST_BENCH=$3 N=$4 NCONC=$5 LARGE_MB=$6
export CONFIDANT_HOME=$work/p
mkdir -p "$work/home" "$work/g" "$work/keys" "$work/in" "$work/sent"
cd "$work"
now() { date +%s.%N; }
gpg_as() { local who=$1; shift; GNUPGHOME=$work/g/$who gpg --batch --no-tty --quiet "$@"; }
person() {  # person NAME EMAIL
	mkdir -p -m 700 "$work/g/$1"
	echo "trust-model always" >"$work/g/$1/gpg.conf"
	gpg_as "$1" --passphrase '' --pinentry-mode loopback \
		--quick-generate-key "$1 <$2>" future-default default never
	gpg_as "$1" --with-colons --list-keys "$2" | awk -F: '/^fpr:/ { print $10; exit }' >"$work/keys/$1.fpr"
	gpg_as "$1" --armor --export "$2" >"$work/keys/$1.pub"
	gpg_as "$1" --import "$work/keys/practice.pub" 2>/dev/null
}
# entry WHO SUBJECT BODY MSGID [ATTACHMENT]: a PGP/MIME entry, as a mail client sends it.
entry() {
	local who=$1 subject=$2 body=$3 msgid=$4 att=${5:-}
	{
		if [ -z "$att" ]; then
			printf 'Content-Type: text/plain; charset=utf-8\r\n\r\n%s\r\n' "$body"
		else
			printf 'Content-Type: multipart/mixed; boundary="inner-b"\r\n\r\n'
			printf -- '--inner-b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n%s\r\n' "$body"
			printf -- '--inner-b\r\nContent-Type: application/octet-stream\r\n'
			printf 'Content-Disposition: attachment; filename="scan.bin"\r\n'
			printf 'Content-Transfer-Encoding: base64\r\n\r\n'
			base64 "$att" | sed 's/$/\r/'
			printf -- '--inner-b--\r\n'
		fi
	} | gpg_as "$who" --armor --sign --encrypt --recipient practice@clinic.example >"$work/.c.asc"
	printf 'From: %s <%s@client.example>\r\nTo: practice@clinic.example\r\nSubject: %s\r\n' "$who" "$who" "$subject"
	printf 'Date: Mon, 02 Mar 2026 09:00:00 +0000\r\nMessage-ID: <%s>\r\nMIME-Version: 1.0\r\n' "$msgid"
	printf 'Content-Type: multipart/encrypted; protocol="application/pgp-encrypted"; boundary="outer-b"\r\n\r\n'
	printf -- '--outer-b\r\nContent-Type: application/pgp-encrypted\r\n\r\nVersion: 1\r\n\r\n'
	printf -- '--outer-b\r\nContent-Type: application/octet-stream\r\n\r\n'
	sed 's/$/\r/' "$work/.c.asc"
	printf -- '--outer-b--\r\n'
}
# A journal-sized text: about 2 KB, different for every entry.
text() { printf 'Entry %s. ' "$1"; head -c 1500 /dev/urandom | base64 -w 76; }

# The practice: a therapist, and a client per entry so that every entry
# opens a commitment and earns an acknowledgement.
"$CONFIDANT" init --address practice@clinic.example --generate-key --name Bench >"$work/keys/practice.fpr"
GNUPGHOME=$CONFIDANT_HOME/gnupg gpg --batch --armor --export >"$work/keys/practice.pub"
cat >"$work/sink" <<SH
#!/bin/sh
cat >/dev/null
SH
chmod 755 "$work/sink"
"$CONFIDANT" config sendmail "$work/sink -oi -t" >/dev/null
person thera thera@clinic.example >/dev/null 2>&1
"$CONFIDANT" therapist add thera --email thera@clinic.example --key "$work/keys/thera.pub" >/dev/null
clients=$((2 * N + 1 > 20 ? 2 * N + 1 : 20))
for i in $(seq 1 "$clients"); do
	person "c$i" "c$i@client.example" >/dev/null 2>&1
	"$CONFIDANT" client add "c$i" --email "c$i@client.example" --key "$work/keys/c$i.pub" \
		--therapist thera >/dev/null
done

# Sets of distinct entries: a (per message), b (in process), w (warm-up).
for i in $(seq 1 "$N"); do
	entry "c$i" "Week $i" "$(text "a$i")" "a$i@client.example" >"$work/in/a$i.eml"
	entry "c$((N + i))" "Week $i" "$(text "b$i")" "b$i@client.example" >"$work/in/b$i.eml"
done
entry "c$clients" "Warm" "$(text w)" "w@client.example" >"$work/in/w.eml"
echo "size $(cat "$work"/in/a*.eml | wc -c) $N"

# 1. Per message as an MTA runs it.
"$CONFIDANT" deliver <"$work/in/w.eml"
t0=$(now)
for i in $(seq 1 "$N"); do "$CONFIDANT" deliver <"$work/in/a$i.eml"; done
t1=$(now)
echo "deliver $t0 $t1"
echo "stored $(sqlite3 "file:$CONFIDANT_HOME/confidant.db?mode=ro" "SELECT count(*) FROM entries WHERE message_id LIKE 'a%'")"
echo "sent $(sqlite3 "file:$CONFIDANT_HOME/confidant.db?mode=ro" "SELECT kind, count(*) FROM outbox WHERE state = 'sent' AND entry_id IN (SELECT id FROM entries WHERE message_id LIKE 'a%') GROUP BY kind" | tr '\n' ' ')"

# The same OpenPGP operations by the gpg command line, a fresh process
# each, on the same data, in a copy of the practice's keyring: decrypt and
# verify the entry; sign and encrypt the notification (to the therapist
# and the practice) and the acknowledgement (to the client and the
# practice); and, as gpg would do it, the storage: the spool copy and the
# record, each encrypted to the practice key.  The keyring keeps the
# practice's gpg.conf (no random seed file): the same gpg, configured alike.
mkdir -p -m 700 "$work/base"
cp -a "$CONFIDANT_HOME/gnupg" "$work/base/gnupg"
echo "trust-model always" >>"$work/base/gnupg/gpg.conf"
B="gpg --homedir $work/base/gnupg --batch --no-tty --quiet --yes"
P=$(cat "$work/keys/practice.fpr")
$B --decrypt "$work/in/w.eml" >/dev/null 2>&1 || true
ack="Your journal entry was received on Monday 2 March 2026 09:00. You will have a reply by Tuesday 3 March 2026 09:00."
t0=$(now)
for i in $(seq 1 "$N"); do
	sed -n '/^-----BEGIN PGP MESSAGE/,/^-----END PGP MESSAGE/p' "$work/in/a$i.eml" | tr -d '\r' >"$work/.a.asc"
	$B --decrypt --output "$work/.plain" "$work/.a.asc" 2>/dev/null
	$B --armor --sign --encrypt --local-user "$P" -r "$(cat "$work/keys/thera.fpr")" -r "$P" \
		--output /dev/null "$work/.plain"
	echo "$ack" | $B --armor --sign --encrypt --local-user "$P" -r "$(cat "$work/keys/c$i.fpr")" -r "$P" \
		--output /dev/null
done
t1=$(now)
echo "gpg-mail $t0 $t1"
t0=$(now)
for i in $(seq 1 "$N"); do
	$B --encrypt -r "$P" --output /dev/null "$work/in/a$i.eml"
	$B --encrypt -r "$P" --output /dev/null "$work/.plain"
done
t1=$(now)
echo "gpg-store $t0 $t1"

# 3. In process: the whole ingest path against bare gpgme, same messages.
THERAPIST_FPR=$(cat "$work/keys/thera.fpr") CLIENT_FPR=$(cat "$work/keys/c1.fpr") \
	"$INGEST_BENCH" gpgme "$work"/in/b*.eml | sed 's/^/inproc /'
"$INGEST_BENCH" confidant "$work"/in/b*.eml | sed 's/^/inproc /'

# 4. Concurrency: NCONC entries by two MDAs at once, as Postfix would.
per=$((NCONC / 20))
for c in $(seq 1 20); do
	for j in $(seq 1 "$per"); do
		entry "c$c" "Day $j" "$(text "k$c-$j")" "k$c-$j@client.example" >"$work/in/k$c-$j.eml"
	done
done
ls "$work"/in/k*.eml >"$work/conc.list"
t0=$(now)
xargs -P 2 -n 1 sh -c '"$0" deliver <"$1" || echo "FAILED $1 $?" >>"'"$work"'/conc.fail"' "$CONFIDANT" <"$work/conc.list"
t1=$(now)
echo "conc $t0 $t1 $(wc -l <"$work/conc.list")"
echo "conc-stored $(sqlite3 "file:$CONFIDANT_HOME/confidant.db?mode=ro" "SELECT count(*), count(DISTINCT message_id) FROM entries WHERE message_id LIKE 'k%'")"
echo "conc-failed $(cat "$work/conc.fail" 2>/dev/null | wc -l)"

# 5. One entry with a large attachment.
head -c "$((LARGE_MB * 1024 * 1024))" /dev/urandom >"$work/large.bin"
entry c2 "Scan" "the letter, scanned" "large@client.example" "$work/large.bin" >"$work/in/large.eml"
rm -f "$work/large.bin"
/usr/bin/time -f "large %e %M $(wc -c <"$work/in/large.eml")" "$CONFIDANT" deliver <"$work/in/large.eml" 2>&1 | tail -n 1
echo "large-stored $(sqlite3 "file:$CONFIDANT_HOME/confidant.db?mode=ro" "SELECT count(*) FROM entries WHERE message_id = 'large@client.example'")"
USER
chmod 644 "$work/user.sh"

say "== confidant benchmarks ($(nproc) cores, $(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -n 1))"
say "   commit $(git -C "$top" rev-parse --short HEAD 2>/dev/null || echo unknown), N=$N, concurrency $NCONC, large ${LARGE_MB} MB"
as_user bash "$work/user.sh" "$work" "$CONFIDANT" "$INGEST_BENCH" "$N" "$NCONC" "$LARGE_MB" >"$work/raw" 2>"$work/err" ||
	{ echo "bench: the practice run failed:"; tail -n 20 "$work/err"; exit 1; }
get() { sed -n "s/^$1 //p" "$work/raw"; }

read -r d0 d1 <<<"$(get deliver)"; read -r g0 g1 <<<"$(get gpg-mail)"; read -r s0 s1 <<<"$(get gpg-store)"
tc=$(elapsed "$d0" "$d1"); tm=$(elapsed "$g0" "$g1"); ts=$(elapsed "$s0" "$s1")
per_c=$(calc "$tc * 1000 / $N"); per_m=$(calc "$tm * 1000 / $N"); per_s=$(calc "$ts * 1000 / $N")
ratio=$(calc "$tc / ($tm + $ts)"); ratio_mail=$(calc "$tc / $tm")
say "   stored $(get stored) of $N, sent: $(get sent)"
result "1. per message: deliver $(fmt "$per_c") ms; gpg CLI $(fmt "$(calc "$per_m + $per_s")") ms (mail $(fmt "$per_m") + storage $(fmt "$per_s")); ratio $(fmt "$ratio" 2) (target <= 1.3) $(le "$ratio" 1.3); against the mail operations alone $(fmt "$ratio_mail" 2)"

if [ -n "$peer" ] && [ -f "$top/bench/schleuder.sh" ]; then
	# Target 1 leaves dirty pages behind; written back during the peer's
	# run, they would lengthen the fsyncs of whichever MDA meets them.
	sync
	peer_out=$(CONFIDANT="$CONFIDANT" BENCH_N="$N" bash "$top/bench/schleuder.sh" 2>&1 | tail -n 5)
	printf '%s\n' "$peer_out" | sed 's/^/   /'
	result "2. peer: $(printf '%s\n' "$peer_out" | grep -E "^(peer ratio|schleuder: SKIPPED|schleuder: ERROR)" | tail -n 1)"
else
	result "2. peer: not run"
fi

read -r _ ng tg <<<"$(get inproc | grep '^gpgme')"; read -r _ nc tcn <<<"$(get inproc | grep '^confidant')"
rate_g=$(calc "$ng / $tg"); rate_c=$(calc "$nc / $tcn"); r3=$(calc "$rate_c / $rate_g")
result "3. in process: confidant $(fmt "$rate_c") entries/s, bare gpgme $(fmt "$rate_g") entries/s; ratio $(fmt "$r3" 2) (target >= 0.8) $(ge "$r3" 0.8)"

read -r k0 k1 kn <<<"$(get conc)"; read -r kst kdist <<<"$(get conc-stored | tr '|' ' ')"; kf=$(get conc-failed)
krate=$(calc "$kn / ($k1 - $k0)")
kv=PASS; { [ "$kst" = "$kn" ] && [ "$kdist" = "$kn" ] && [ "$kf" = 0 ]; } || kv=FAIL
result "4. concurrency: $kn entries by 2 MDAs in $(fmt "$(elapsed "$k0" "$k1")") s, $(fmt "$krate") entries/s; stored $kst, distinct $kdist, failures $kf $kv"

read -r le_t le_kb le_size <<<"$(get large)"
rss_ratio=$(calc "$le_kb * 1024 / $le_size")
result "5. large: $(fmt "$(calc "$le_size / 1048576")") MB message (${LARGE_MB} MB attachment) in $le_t s, peak RSS $(fmt "$(calc "$le_kb / 1024")") MB = $(fmt "$rss_ratio" 2)x the message (target <= 3x) $(le "$rss_ratio" 3); stored $(get large-stored)"

if [ -n "$scale" ] && [ -f "$top/bench/scale.sh" ]; then
	scale_out=$(CONFIDANT="$CONFIDANT" bash "$top/bench/scale.sh" 2>&1)
	printf '%s\n' "$scale_out" | grep -E "PASS|FAIL|bytes" | sed 's/^/6. scale: /' | tee -a "$results"
else
	result "6. scale: not run"
fi

{
	printf '\n## %s, commit %s\n\n' "$(date -u +%Y-%m-%dT%H:%MZ)" "$(git -C "$top" rev-parse --short HEAD 2>/dev/null || echo unknown)"
	printf 'Machine: %s cores, %s. Command: `make bench` (bench/run.sh %s).\n\n' "$(nproc)" \
		"$(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -n 1)" "$*"
	sed 's/^/    /' "$results"
} >>"$top/BENCHMARKS.md"
say "(appended to BENCHMARKS.md)"
