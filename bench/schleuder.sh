#!/bin/bash
# bench/schleuder.sh [N]: Confidant against its peer (issue 7, section 2).
#
# Debian's schleuder is the nearest existing program: an MDA
# (`schleuder work LIST < message`) that decrypts an OpenPGP mail, verifies
# its signature and re-encrypts it to each subscriber.  This script builds,
# on this machine and in one run, a schleuder list and a Confidant practice
# that hold the SAME secret key, composes N distinct entries (default 20)
# signed by the client and encrypted to that key, hands each one to both
# MDAs in a fresh process, as an MTA would, and prints messages per second
# for each and the ratio confidant/schleuder (target >= 50x).
#
# The work is checked before the times are believed: schleuder's SMTP sink
# must hold one message per entry, for the therapist, which the therapist's
# key decrypts to that entry's text; Confidant must have filed every entry
# in the client's journal and handed one notification per entry, for the
# therapist, to its SMTP sink, which the therapist's key decrypts likewise.
#
# Each side first takes one untimed warm-up entry (gpg-agent start, page
# cache), so the timing is the steady state of a running mail server.
#
# Setup, all under one mktemp directory removed at the end:
#  - schleuder runs with a private SCHLEUDER_CONFIG (its own database, lists
#    and logs directories, SMTP to a Python sink on a free loopback port),
#    as the `schleuder` user the package creates; /etc/schleuder and
#    /var/lib/schleuder are not touched.  The list is created with
#    Schleuder::ListBuilder (Debian's schleuder 4 has no list command
#    without the API daemon and schleuder-cli) with the practice key
#    imported beforehand as its list key; the therapist is its admin and
#    only receiving subscriber; the client is a subscriber with delivery
#    off and the list is receive_authenticated_only, so schleuder, like
#    Confidant, accepts only mail signed by a known key.
#  - Confidant runs as $BENCH_USER (default cftest; a temporary system user
#    is created and removed if it does not exist), `deliver` through
#    setpriv, with `transport smtp` to a second instance of the same Python
#    sink: both MDAs hand their mail off by SMTP on the loopback.
#
# Output: "schleuder: N messages in S s, R msg/s", the same for
# "confidant:", and "peer ratio: Rx (target >= 50x) PASS|FAIL"; exit 0
# whether or not the target is met.  When schleuder cannot be installed,
# set up, run or checked here: "schleuder: SKIPPED (reason)", exit 0.  When
# the bench itself or Confidant fails (Confidant did not file or notify
# every entry): "schleuder: ERROR (reason)", exit 1.  Details (the tail of
# the setup log) go to stderr first; the verdict is always the last line.
#
# Environment: CONFIDANT (the binary; default ../src/confidant next to this
# script, else confidant on PATH), BENCH_USER, SCHLEUDER_BENCH_N or BENCH_N
# (N when no argument), SCHLEUDER_BENCH_VERBOSE=1 prints each message's times to
# stderr, SCHLEUDER_BENCH_KEEP=1 keeps the work directory for inspection.

set -u

N=${1:-${SCHLEUDER_BENCH_N:-${BENCH_N:-20}}}
TARGET=50
LIST=practice@bench.example
THERAPIST_EMAIL=dana@bench.example
CLIENT_EMAIL=robin@client.bench.example
BENCH_USER=${BENCH_USER:-cftest}
SCHLEUDER_USER=schleuder

BENCH_DIR=$(cd "$(dirname "$0")" && pwd)

skip() {
	echo "schleuder: SKIPPED ($*)"
	exit 0
}

# The tail of the setup log, to stderr, before a SKIPPED or ERROR line (so
# that the verdict is the last line of the output).
log_tail() {
	[ -n "${W:-}" ] && [ -s "${W}/log" ] && tail -n 20 "$W/log" | sed 's/^/  | /' >&2
	return 0
}

# peer_skip REASON: schleuder, not Confidant, cannot be run or measured
# here: SKIPPED, exit 0.
peer_skip() {
	log_tail
	skip "$@"
}

# die REASON: the bench itself or Confidant failed: ERROR, exit 1.
die() {
	log_tail
	echo "schleuder: ERROR ($*)"
	exit 1
}

case $N in '' | *[!0-9]*) echo "usage: $0 [N]" >&2; exit 64 ;; esac
[ "$N" -ge 1 ] || { echo "usage: $0 [N], N >= 1" >&2; exit 64; }

CONFIDANT=${CONFIDANT:-}
if [ -z "$CONFIDANT" ]; then
	if [ -x "$BENCH_DIR/../src/confidant" ]; then
		CONFIDANT=$BENCH_DIR/../src/confidant
	else
		CONFIDANT=$(command -v confidant) || skip "no confidant binary: build it or set CONFIDANT"
	fi
fi
CONFIDANT=$(cd "$(dirname "$CONFIDANT")" && pwd)/$(basename "$CONFIDANT")
[ -x "$CONFIDANT" ] || skip "$CONFIDANT is not executable"

[ "$(id -u)" = 0 ] || skip "needs root: installs schleuder and runs each MDA as its own user"
for cmd in gpg gpgconf setpriv python3 awk; do
	command -v "$cmd" >/dev/null 2>&1 || skip "$cmd is not installed"
done

if ! command -v schleuder >/dev/null 2>&1; then
	command -v apt-get >/dev/null 2>&1 || skip "schleuder is not installed and there is no apt-get"
	if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -q schleuder >/tmp/schleuder-bench-apt.log 2>&1; then
		DEBIAN_FRONTEND=noninteractive apt-get update -q >/dev/null 2>&1
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q schleuder >/tmp/schleuder-bench-apt.log 2>&1 ||
			skip "apt-get install schleuder failed, see /tmp/schleuder-bench-apt.log"
	fi
	rm -f /tmp/schleuder-bench-apt.log
fi
command -v schleuder >/dev/null 2>&1 || skip "schleuder is not on PATH after installing it"
id "$SCHLEUDER_USER" >/dev/null 2>&1 || skip "the package did not create the $SCHLEUDER_USER user"
SCHLEUDER_VERSION=$(schleuder version 2>/dev/null) || skip "schleuder does not run (schleuder version failed)"

# ---------------------------------------------------------------- cleanup

W= SINK_PID= CF_SINK_PID= MADE_USER=
cleanup() {
	set +e
	[ -n "$SINK_PID" ] && kill "$SINK_PID" 2>/dev/null && wait "$SINK_PID" 2>/dev/null
	[ -n "$CF_SINK_PID" ] && kill "$CF_SINK_PID" 2>/dev/null && wait "$CF_SINK_PID" 2>/dev/null
	if [ -n "$W" ] && [ -d "$W" ]; then
		for h in "$W"/g/*; do
			[ -d "$h" ] && gpgconf --homedir "$h" --kill all >/dev/null 2>&1
		done
		[ -d "$W/p/gnupg" ] && as_bench gpgconf --homedir "$W/p/gnupg" --kill all >/dev/null 2>&1
		[ -d "$LISTDIR" ] && as_schleuder gpgconf --homedir "$LISTDIR" --kill all >/dev/null 2>&1
		if [ "${SCHLEUDER_BENCH_KEEP:-}" = 1 ]; then
			echo "schleuder bench: kept $W" >&2
		else
			rm -rf "$W"
		fi
	fi
	[ -n "$MADE_USER" ] && userdel "$MADE_USER" >/dev/null 2>&1
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

W=$(mktemp -d /tmp/cf-schl.XXXXXX) || die "mktemp failed"
chmod 755 "$W"
LOG=$W/log
: >"$LOG"
LISTDIR=$W/s/lists/${LIST#*@}/${LIST%@*}

if ! id "$BENCH_USER" >/dev/null 2>&1; then
	BENCH_USER=cfbench$$
	useradd --system --user-group --no-create-home --home-dir /nonexistent \
		--shell /usr/sbin/nologin "$BENCH_USER" >>"$LOG" 2>&1 || die "cannot create a user to run confidant"
	MADE_USER=$BENCH_USER
fi

# Each MDA starts as an MTA's pipe starts it, with one exec as its user;
# the shell gives the environment, where env(1) was one more exec for both.
as_bench() {
	HOME="$W/uhome" setpriv --reuid="$BENCH_USER" --regid="$BENCH_USER" --clear-groups "$@"
}
cf() { as_bench "$CONFIDANT" -H "$W/p" "$@"; }
as_schleuder() {
	HOME="$W/s" SCHLEUDER_CONFIG="$W/s/schleuder.yml" \
		SCHLEUDER_LIST_DEFAULTS="$W/s/list-defaults.yml" \
		setpriv --reuid="$SCHLEUDER_USER" --regid="$SCHLEUDER_USER" --clear-groups "$@"
}
# stamp: T, microseconds since the epoch (EPOCHREALTIME: no fork, bash >= 5)
stamp() {
	if [ -n "${EPOCHREALTIME:-}" ]; then
		T=${EPOCHREALTIME/[.,]/}
	else
		T=$(($(date +%s%N) / 1000))
	fi
}

# ---------------------------------------------------------------- keys

# Everyone's GnuPG home under $W/g (root's), keys without passphrase, made
# for this run only, as in tests/lib-gpg.sh.
mkdir -m 700 "$W/g" && mkdir -m 755 "$W/keys" || die "mkdir failed"
gpg_as() {
	who=$1; shift
	GNUPGHOME=$W/g/$who gpg --batch --no-tty --quiet "$@"
}
gpg_user() {
	who=$1 uid=$2 email=$3
	mkdir -m 700 "$W/g/$who" && echo "trust-model always" >"$W/g/$who/gpg.conf" &&
	gpg_as "$who" --passphrase '' --pinentry-mode loopback \
		--quick-generate-key "$uid <$email>" future-default default never &&
	gpg_as "$who" --with-colons --list-secret-keys "<$email>" |
		awk -F: '/^fpr:/ { print $10; exit }' >"$W/keys/$who.fpr" &&
	gpg_as "$who" --armor --export "<$email>" >"$W/keys/$who.pub"
}
{
	gpg_user practice "Bench Practice" "$LIST" &&
	gpg_user therapist "Dana" "$THERAPIST_EMAIL" &&
	gpg_user client "Robin" "$CLIENT_EMAIL" &&
	gpg_as practice --armor --pinentry-mode loopback --passphrase '' \
		--export-secret-keys "<$LIST>" >"$W/keys/practice.sec" &&
	gpg_as client --import "$W/keys/practice.pub" &&
	gpg_as therapist --import "$W/keys/practice.pub"
} >>"$LOG" 2>&1 || die "generating the keys failed"
PRACTICE_FPR=$(cat "$W/keys/practice.fpr")
CLIENT_FPR=$(cat "$W/keys/client.fpr")
chown "$BENCH_USER:" "$W/keys/practice.sec" && chmod 600 "$W/keys/practice.sec"

# ---------------------------------------------------------------- entries

# N+1 distinct entries (entry 0 is the warm-up), each as compose_entry in
# tests/lib-gpg.sh makes them: text/plain inside, signed by the client and
# encrypted to the practice key in one OpenPGP message (RFC 3156 6.2),
# wrapped in multipart/encrypted.
mkdir -m 755 "$W/entries"
entry_text() { echo "Bench entry $1 of $N ($W): I slept better this week, and wrote it down."; }
for i in $(seq 0 "$N"); do
	e=$W/entries/$i
	printf 'Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n%s\r\n' \
		"$(entry_text "$i")" >"$e.in"
	gpg_as client --armor --sign --encrypt --local-user "$CLIENT_FPR" \
		--recipient "$PRACTICE_FPR" --output "$e.asc" "$e.in" >>"$LOG" 2>&1 ||
		die "composing entry $i failed"
	{
		printf 'From: Robin <%s>\r\nTo: %s\r\nSubject: Week %s\r\n' "$CLIENT_EMAIL" "$LIST" "$i"
		printf 'Date: %s\r\n' "$(LC_ALL=C date -R)"
		printf 'Message-ID: <bench-%s-%s@client.bench.example>\r\nMIME-Version: 1.0\r\n' "$i" "${W##*.}"
		printf 'Content-Type: multipart/encrypted; protocol="application/pgp-encrypted"; boundary="outer-b"\r\n\r\n'
		printf 'This is an OpenPGP/MIME encrypted message (RFC 4880 and 3156)\r\n'
		printf -- '--outer-b\r\nContent-Type: application/pgp-encrypted\r\n\r\nVersion: 1\r\n\r\n'
		printf -- '--outer-b\r\nContent-Type: application/octet-stream; name="encrypted.asc"\r\n\r\n'
		sed 's/$/\r/' "$e.asc"
		printf -- '--outer-b--\r\n'
	} >"$e.eml"
	rm -f "$e.in" "$e.asc"
	chmod 644 "$e.eml"
done

# ---------------------------------------------------------------- schleuder

install -d -o "$SCHLEUDER_USER" -g "$SCHLEUDER_USER" -m 0700 "$W/s" &&
install -d -m 0755 "$W/ssink" || die "mkdir failed"
python3 "$BENCH_DIR/schleuder-smtpsink.py" "$W/ssink" "$W/sink.port" >>"$LOG" 2>&1 &
SINK_PID=$!
for _ in $(seq 100); do [ -s "$W/sink.port" ] && break; sleep 0.05; done
[ -s "$W/sink.port" ] || die "the SMTP sink did not start"
SINK_PORT=$(cat "$W/sink.port")

cat >"$W/s/schleuder.yml" <<EOF
lists_dir: $W/s/lists
listlogs_dir: $W/s/logs
keyword_handlers_dir: $W/s/keyword_handlers
filters_dir: $W/s/filters
log_level: warn
keyserver:
superadmin: root@localhost
smtp_settings:
  address: 127.0.0.1
  port: $SINK_PORT
  domain: localhost
  enable_starttls_auto: false
database:
  production:
    adapter: 'sqlite3'
    database: $W/s/db.sqlite
    timeout: 5000
api:
  host: localhost
  port: 4443
  tls_cert_file: $W/s/api-cert.pem
  tls_key_file: $W/s/api-key.pem
  valid_api_keys:
EOF
if [ -r /etc/schleuder/list-defaults.yml ]; then
	cp /etc/schleuder/list-defaults.yml "$W/s/list-defaults.yml"
else
	echo "send_encrypted_only: true" >"$W/s/list-defaults.yml"
fi
chown "$SCHLEUDER_USER:" "$W/s/schleuder.yml" "$W/s/list-defaults.yml"

(cd "$W/s" && as_schleuder schleuder install) >>"$LOG" 2>&1 ||
	peer_skip "schleuder install (its database setup) failed"

# The list key is the practice key: imported into the list's GnuPG home
# before the list is built, and named by fingerprint.
as_schleuder mkdir -p -m 0700 "$LISTDIR" &&
as_schleuder gpg --homedir "$LISTDIR" --batch --no-tty --quiet --import <"$W/keys/practice.sec" \
	>>"$LOG" 2>&1 || peer_skip "importing the practice key as the list key failed"

cp "$W/keys/therapist.pub" "$W/keys/client.pub" "$W/s/" && chown "$SCHLEUDER_USER:" "$W/s/"*.pub
(cd "$W/s" && as_schleuder env LIST="$LIST" LIST_FPR="$PRACTICE_FPR" \
	ADMIN="$THERAPIST_EMAIL" ADMIN_KEY="$W/s/therapist.pub" \
	SENDER="$CLIENT_EMAIL" SENDER_KEY="$W/s/client.pub" ruby -e '
	$VERBOSE = nil
	require "schleuder"
	res = Schleuder::ListBuilder.new(
		{ email: ENV["LIST"], fingerprint: ENV["LIST_FPR"],
		  receive_authenticated_only: true },
		ENV["ADMIN"], nil, File.read(ENV["ADMIN_KEY"])).run
	list = res.is_a?(Array) ? res.first : res
	abort "list not created: #{list ? list.errors.full_messages.join("; ") : res.inspect}" \
		if list.nil? || !list.persisted?
	sub, _ = list.subscribe(ENV["SENDER"], nil, false, false, File.read(ENV["SENDER_KEY"]))
	abort "sender not subscribed: #{sub.errors.full_messages.join("; ")}" if sub.errors.present?
	list.reload
	abort "list key is #{list.fingerprint}" unless list.fingerprint.upcase == ENV["LIST_FPR"].upcase
	abort "list has no secret key" if list.secret_key.blank?
	list.subscriptions.each { |s|
		puts "subscribed #{s.email} #{s.fingerprint} admin=#{s.admin} delivery=#{s.delivery_enabled}" }
	') >>"$LOG" 2>&1 || peer_skip "creating the schleuder list failed"

# ---------------------------------------------------------------- confidant

install -d -o "$BENCH_USER" -g "$BENCH_USER" -m 0700 "$W/p" "$W/uhome" &&
install -d -m 0755 "$W/cfsink" || die "mkdir failed"
# Confidant hands its mail to a sink of the same kind as schleuder's, by
# SMTP on the loopback (its transport smtp), so both pay the same hand-off.
python3 "$BENCH_DIR/schleuder-smtpsink.py" "$W/cfsink" "$W/cfsink.port" >>"$LOG" 2>&1 &
CF_SINK_PID=$!
for _ in $(seq 100); do [ -s "$W/cfsink.port" ] && break; sleep 0.05; done
[ -s "$W/cfsink.port" ] || die "the second SMTP sink did not start"
{
	cf init --address "$LIST" --import-key "$W/keys/practice.sec" --name "Bench Practice" &&
	cf therapist add dana --email "$THERAPIST_EMAIL" --key "$W/keys/therapist.pub" &&
	cf client add robin --email "$CLIENT_EMAIL" --key "$W/keys/client.pub" --therapist dana &&
	cf config transport smtp &&
	cf config smtp "smtp://127.0.0.1:$(cat "$W/cfsink.port")"
} >>"$LOG" 2>&1 || die "setting up the Confidant practice failed"
[ "$(cf config practice_key 2>>"$LOG")" = "$PRACTICE_FPR" ] ||
	die "the practice key is not the list key ($(cf config practice_key 2>&1))"

# ---------------------------------------------------------------- timing

# One fresh MDA process per message, as an MTA runs it.  The two sides
# take turns, message by message, so that whatever else the machine does
# meanwhile weighs on both alike; each side's time is the sum of its own
# messages' wall-clock times.
schleuder_work() {
	as_schleuder schleuder work "$LIST" <"$1" >>"$LOG" 2>&1
}
confidant_deliver() {
	as_bench "$CONFIDANT" -H "$W/p" deliver <"$1" >>"$LOG" 2>&1
}
schleuder_work "$W/entries/0.eml" || peer_skip "schleuder work failed on the warm-up entry"
confidant_deliver "$W/entries/0.eml" || die "confidant deliver failed on the warm-up entry"
S_USECS=0 C_USECS=0
for i in $(seq 1 "$N"); do
	stamp; t0=$T
	schleuder_work "$W/entries/$i.eml" || peer_skip "schleuder work failed on entry $i"
	stamp; t1=$T
	confidant_deliver "$W/entries/$i.eml" || die "confidant deliver failed on entry $i"
	stamp; t2=$T
	S_USECS=$((S_USECS + t1 - t0)) C_USECS=$((C_USECS + t2 - t1))
	echo "$((t1 - t0)) $((t2 - t1))" >>"$W/times"
	[ "${SCHLEUDER_BENCH_VERBOSE:-}" = 1 ] &&
		echo "entry $i: schleuder $(((t1 - t0) / 1000)) ms, confidant $(((t2 - t1) / 1000)) ms" >&2
done
# The medians, less swayed by a busy machine than the sums.
S_MED=$(cut -d' ' -f1 "$W/times" | sort -n | awk '{ v[NR] = $1 } END { print (v[int((NR + 1) / 2)] + v[int(NR / 2) + 1]) / 2e6 }')
C_MED=$(cut -d' ' -f2 "$W/times" | sort -n | awk '{ v[NR] = $1 } END { print (v[int((NR + 1) / 2)] + v[int(NR / 2) + 1]) / 2e6 }')
S_SECS=$(awk -v u="$S_USECS" 'BEGIN { print u / 1e6 }')
C_SECS=$(awk -v u="$C_USECS" 'BEGIN { print u / 1e6 }')

# ---------------------------------------------------------------- checks

# decrypt FILE: FILE, a PGP/MIME message, decrypted with the therapist's
# key into FILE.txt (its text parts, transfer encodings undone); the raw
# decrypted entity, with the pseudo-headers, into FILE.dec.
decrypt() {
	gpg_as therapist --decrypt "$1" 2>/dev/null >"$1.dec"
	python3 -c '
import email, sys
for part in email.message_from_binary_file(sys.stdin.buffer).walk():
    if part.get_content_maintype() == "text":
        sys.stdout.write(part.get_payload(decode=True).decode("utf-8", "replace"))
' <"$1.dec" | tr -d '\r' >"$1.txt"
}
# every_entry_in FAIL DESCRIPTION FILE...: each of entries 0..N decrypts out of
# exactly one FILE; else FAIL (die or peer_skip) says which.
every_entry_in() {
	fail=$1 what=$2; shift 2
	[ "$#" = $((N + 1)) ] || $fail "$what: $# messages for $((N + 1)) entries"
	for f; do decrypt "$f"; done
	for i in $(seq 0 "$N"); do
		hits=$(grep -lF "$(entry_text "$i")" "${@/%/.txt}" | wc -l)
		[ "$hits" = 1 ] || $fail "$what: entry $i is in $hits messages, not 1"
	done
}

# schleuder: one message per entry, to the therapist, re-encrypted.
set -- "$W"/ssink/*.eml
[ -e "$1" ] || peer_skip "schleuder's SMTP sink got no mail"
for f; do
	[ "$(cat "${f%.eml}.rcpt")" = "<$THERAPIST_EMAIL>" ] ||
		peer_skip "schleuder sent $(basename "$f") to $(cat "${f%.eml}.rcpt"), not the therapist"
	grep -qi '^Content-Type: multipart/encrypted' "$f" || peer_skip "schleuder sent $(basename "$f") unencrypted"
done
every_entry_in peer_skip "schleuder" "$@"
# ...and schleuder verified the client's signature (its "Sig:" pseudo-header).
for f; do
	tr -d '\r' <"$f.dec" | grep -q "^Sig: Good signature from .*<$CLIENT_EMAIL>" ||
		peer_skip "schleuder did not report a good signature by the client in $(basename "$f")"
done

# confidant: every entry filed in robin's journal, one notification each to
# the therapist (and the acknowledgement of the commitment to the client).
ENTRIES=$(cf journal robin --json 2>>"$LOG" | python3 -c '
import json, sys
print(sum(1 for e in json.load(sys.stdin) if e.get("direction") == "in"))') ||
	die "confidant journal failed"
[ "$ENTRIES" = $((N + 1)) ] || die "confidant filed $ENTRIES entries, not $((N + 1))"
QUARANTINED=$(cf quarantine list --json 2>>"$LOG" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')
[ "$QUARANTINED" = 0 ] || die "confidant quarantined $QUARANTINED messages"
set --
for f in "$W"/cfsink/*.eml; do
	[ -e "$f" ] || continue
	[ "$(cat "${f%.eml}.rcpt")" = "<$THERAPIST_EMAIL>" ] && set -- "$@" "$f"
	grep -qi '^Content-Type: multipart/encrypted' "$f" || die "confidant sent $(basename "$f") unencrypted"
done
[ "$#" -gt 0 ] || { cf outbox >>"$LOG" 2>&1; die "confidant sent no notification to the therapist"; }
every_entry_in die "confidant notifications" "$@"
C_OTHER=$(($(ls "$W"/cfsink/*.eml | wc -l) - $#))

# ---------------------------------------------------------------- report

echo "schleuder bench: schleuder $SCHLEUDER_VERSION against $CONFIDANT, $N entries each after one warm-up," \
	"a fresh MDA process per message, taking turns; confidant also sent $C_OTHER acknowledgement(s)" \
	"besides the notifications; median per message: $(awk -v s="$S_MED" -v c="$C_MED" \
		'BEGIN { printf "schleuder %.2f s, confidant %.3f s (%.1fx)", s, c, s / c }');" \
	"load average $(cut -d' ' -f1-3 /proc/loadavg)"
awk -v n="$N" -v s="$S_SECS" -v c="$C_SECS" -v t="$TARGET" 'BEGIN {
	sr = n / s; cr = n / c; ratio = cr / sr
	printf "schleuder: %d messages in %.1f s, %.2f msg/s\n", n, s, sr
	printf "confidant: %d messages in %.1f s, %.1f msg/s\n", n, c, cr
	printf "peer ratio: %.1fx (target >= %dx) %s\n", ratio, t, (ratio >= t ? "PASS" : "FAIL")
}'
exit 0
