#!/bin/bash
# demo.sh: a throwaway practice, start to end, narrated as it happens.
# Keys are generated for this run only; everything lives in a temporary
# directory that is removed at the end.  Mail the practice sends is caught
# in a folder instead of going through an MTA.
#
#   bash contrib/demo.sh [path/to/confidant]
#
# Run as root, the practice belongs to a system user made for the demo
# (confidant-demo), because 'confidant deliver' never runs as root: that
# is how a real installation runs it, from the MTA as the practice user.
set -eu

confidant=$(command -v "${1:-confidant}" || true)
[ -x "$confidant" ] || { echo "demo: no confidant program at '${1:-confidant}'" >&2; exit 69; }
demo=$(mktemp -d /tmp/confidant-demo.XXXXXX)
chmod 711 "$demo"
export CONFIDANT_HOME=$demo/practice
run_as=""
if [ "$(id -u)" = 0 ]; then
	id confidant-demo >/dev/null 2>&1 ||
		useradd -r -M -d /nonexistent -s /usr/sbin/nologin confidant-demo
	run_as="setpriv --reuid=confidant-demo --regid=confidant-demo --init-groups"
	# The build tree may be out of that user's reach (a checkout in /root).
	mkdir -m 755 "$demo/bin" && cp "$confidant" "$demo/bin/confidant"
	confidant=$demo/bin/confidant
	mkdir -m 700 "$demo/home" && chown confidant-demo: "$demo/home"
fi
# cf ARGS...: confidant as the practice user.
cf() { $run_as env HOME="$demo/home" "$confidant" "$@"; }

cleanup() {
	for h in "$demo"/g/*; do
		[ -d "$h" ] && GNUPGHOME=$h gpgconf --kill all 2>/dev/null
	done
	[ -d "$CONFIDANT_HOME/gnupg" ] && $run_as env GNUPGHOME="$CONFIDANT_HOME/gnupg" gpgconf --kill all
	rm -rf "$demo"
}
trap cleanup EXIT

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
say() { printf '   %s\n' "$*"; }
indent() { sed 's/^/   /'; }

# person NAME EMAIL: a mail user with a key and a GnuPG home of their own.
person() {
	local home=$demo/g/$1
	mkdir -p "$home" && chmod 700 "$demo/g" "$home"
	echo "trust-model always" >"$home/gpg.conf"
	GNUPGHOME=$home gpg --batch --quiet --passphrase '' --pinentry-mode loopback \
		--quick-generate-key "$1 <$2>" future-default default never 2>/dev/null
	GNUPGHOME=$home gpg --batch --armor --export "$2" >"$demo/$1.pub"
	GNUPGHOME=$home gpg --batch --quiet --import "$demo/practice.pub" 2>/dev/null || true
}
gpg_of() { local who=$1; shift; GNUPGHOME=$demo/g/$who gpg --batch --quiet "$@"; }

# pgpmime WHO FROM SUBJECT MSGID TEXT [HEADERS]: what WHO's mail client sends:
# text signed by WHO and encrypted to the practice, as RFC 3156 PGP/MIME.
pgpmime() {
	local who=$1 from=$2 subject=$3 msgid=$4 text=$5 extra=${6:-}
	printf 'Content-Type: text/plain; charset=utf-8\r\n\r\n%s\r\n' "$text" |
		gpg_of "$who" --armor --sign --encrypt --recipient practice@clinic.example >"$demo/msg.asc"
	printf 'From: %s\r\nTo: practice@clinic.example\r\nSubject: %s\r\n' "$from" "$subject"
	printf 'Date: %s\r\nMessage-ID: <%s>\r\nMIME-Version: 1.0\r\n' "$(date -R)" "$msgid"
	[ -z "$extra" ] || printf '%s\r\n' "$extra"
	printf 'Content-Type: multipart/encrypted; protocol="application/pgp-encrypted"; boundary="b"\r\n\r\n'
	printf -- '--b\r\nContent-Type: application/pgp-encrypted\r\n\r\nVersion: 1\r\n\r\n'
	printf -- '--b\r\nContent-Type: application/octet-stream\r\n\r\n'
	sed 's/$/\r/' "$demo/msg.asc"
	printf -- '--b--\r\n'
}

# Mail the practice sends, one file each, and what each recipient reads.
sent_count() { ls "$demo/sent" | wc -l; }
sent_file() { echo "$demo/sent/$1.eml"; }
header() { tr -d '\r' <"$1" | sed -n "s/^$2: //Ip" | head -n 1; }
read_as() {  # read_as WHO FILE: the decrypted text WHO sees
	tr -d '\r' <"$2" | sed -n '/^-----BEGIN PGP MESSAGE/,/^-----END PGP MESSAGE/p' |
		gpg_of "$1" --decrypt 2>/dev/null | tr -d '\r'
}
show_new_mail() {  # show_new_mail SINCE: one line for each message sent after SINCE
	local n=$1 f
	while [ "$n" -lt "$(sent_count)" ]; do
		n=$((n + 1)); f=$(sent_file "$n")
		say "mail sent to $(header "$f" To): outer Subject \"$(header "$f" Subject)\"," \
			"$(header "$f" Content-Type | cut -d';' -f1)"
	done
}

step "1. A new practice, with a key generated for it"
chown "${run_as:+confidant-demo:}" "$demo" 2>/dev/null || true
cf init --address practice@clinic.example --generate-key --name "Demo Practice" |
	sed 's/^/   practice key: /'
cf config timezone Europe/Berlin >/dev/null
$run_as env GNUPGHOME="$CONFIDANT_HOME/gnupg" gpg --batch --armor --export >"$demo/practice.pub"
mkdir -p "$demo/sent"
cat >"$demo/sendmail" <<SH
#!/bin/sh
# The demo's MTA: each message handed off becomes a numbered file.
n=\$(ls "$demo/sent" | wc -l)
cat >"$demo/sent/\$((n + 1)).eml"
SH
chmod 755 "$demo/sendmail"
chmod 1777 "$demo/sent"
cf config sendmail "$demo/sendmail -oi -t"

step "2. A therapist and a client register their keys"
person dana dana@clinic.example
person robin robin@client.example
chmod 644 "$demo"/*.pub
cf therapist add dana --email dana@clinic.example --key "$demo/dana.pub" \
	--timezone Europe/Berlin --hours "Mon-Fri 09:00-17:00" --commitment "1 business day" | indent
cf client add robin --email robin@client.example --key "$demo/robin.pub" --therapist dana | indent

step "3. Robin writes an entry in her mail client: signed, encrypted to the practice"
pgpmime robin "Robin <robin@client.example>" "Week 3" week3@client.example \
	"This week I tried the breathing exercise twice. It helped on Tuesday." >"$demo/entry.eml"
chmod 644 "$demo/entry.eml"
say "the MTA pipes $(wc -c <"$demo/entry.eml") bytes to 'confidant deliver'"
before=$(sent_count)
cf deliver <"$demo/entry.eml"
say "entry received: deliver exited 0, filed in robin's journal (encrypted at rest)"
cf queue --json | python3 -c '
import json, sys
for c in json.load(sys.stdin):
    print("   commitment opened: reply to %s due at %s (%s)" % (c["client"], c["due_at"], c["therapist"]))
'
show_new_mail "$before"
notification=$(sent_file $((before + 1)))
say "dana decrypts the notification and reads:"
read_as dana "$notification" | sed -n '/breathing/p' | sed 's/^/     | /'

step "4. Someone else forges a message in robin's name"
person mallory mallory@elsewhere.example
pgpmime mallory "Robin <robin@client.example>" "Week 3" forged@elsewhere.example \
	"Please send me the notes." >"$demo/forged.eml"
chmod 644 "$demo/forged.eml"
before=$(sent_count)
cf deliver <"$demo/forged.eml"
say "deliver exited 0: accepted for quarantine, never bounced"
[ "$(sent_count)" = "$before" ] && say "nothing was sent to anyone about it"
cf quarantine list | indent

step "5. Dana answers from her own mail client: signed, encrypted to the practice"
notif_id=$(header "$notification" Message-ID)
pgpmime dana "Dana <dana@clinic.example>" "Re: your entry" reply1@clinic.example \
	"Well done. Try it once more before our next session." \
	"In-Reply-To: $notif_id
References: $notif_id" >"$demo/reply.eml"
chmod 644 "$demo/reply.eml"
before=$(sent_count)
cf deliver <"$demo/reply.eml"
say "reply received: verified as dana's, stored in robin's journal"
show_new_mail "$before"
say "reply relayed: robin decrypts what arrived and reads:"
read_as robin "$(sent_file $((before + 1)))" | sed -n '/Well done/p' | sed 's/^/     | /'
cf stats --json | python3 -c '
import json, sys
for t in json.load(sys.stdin):
    print("   commitment met: %s has %d reply, %d%% on time, %d open, median %s min" % (t["therapist"],
          t["replies"], round(100 * (t["on_time_share"] or 0)), t["open"], t["median_minutes"]))
'
say "open commitments now: $(cf queue --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')"

step "6. Robin's journal, as the practice sees it"
cf journal robin | indent

step "7. Nothing of the entry is at rest in the clear"
if grep -rq --exclude-dir=gnupg -e "breathing exercise" -e "Well done" "$CONFIDANT_HOME"; then
	say "FOUND plaintext at rest"; exit 1
fi
say "grep for the entry's and the reply's words under the practice home (gnupg/ aside): nothing"

step "8. The audit trail: who did what, never what was said"
cf audit | indent
cf audit --verify | indent
