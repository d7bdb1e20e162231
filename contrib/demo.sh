#!/bin/bash
# demo.sh: a throwaway practice, start to end, narrated.  Keys are generated
# for this run only; everything lives in a temporary directory that is
# removed at the end.
#
#   bash contrib/demo.sh [path/to/confidant]
set -eu

confidant=${1:-confidant}
demo=$(mktemp -d /tmp/confidant-demo.XXXXXX)
export CONFIDANT_HOME=$demo/practice
cleanup() {
	for h in "$demo"/g/* "$CONFIDANT_HOME/gnupg"; do
		[ -d "$h" ] && GNUPGHOME=$h gpgconf --kill all 2>/dev/null
	done
	rm -rf "$demo"
}
trap cleanup EXIT

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
person() {  # person NAME EMAIL: a mail user with a key of their own
	local home=$demo/g/$1
	mkdir -p "$home" && chmod 700 "$demo/g" "$home"
	echo "trust-model always" >"$home/gpg.conf"
	GNUPGHOME=$home gpg --batch --quiet --passphrase '' --pinentry-mode loopback \
		--quick-generate-key "$1 <$2>" future-default default never 2>/dev/null
	GNUPGHOME=$home gpg --batch --armor --export "$2" >"$demo/$1.pub"
}

step "1. A new practice, with a key generated for it"
"$confidant" init --address practice@clinic.example --generate-key --name "Demo Practice" |
	sed 's/^/   practice key: /'

# Mail the practice sends is caught in a folder here instead of a real MTA.
mkdir -p "$demo/sent"
cat >"$demo/sendmail" <<SH
#!/bin/sh
n=\$(ls "$demo/sent" | wc -l)
cat >"$demo/sent/\$((n + 1)).eml"
SH
chmod +x "$demo/sendmail"
"$confidant" config sendmail "$demo/sendmail -oi -t"
"$confidant" config timezone Europe/Berlin

step "2. A therapist and a client register their keys"
person dana dana@clinic.example
person robin robin@client.example
"$confidant" therapist add dana --email dana@clinic.example --key "$demo/dana.pub" \
	--timezone Europe/Berlin | sed 's/^/   /'
"$confidant" client add robin --email robin@client.example --key "$demo/robin.pub" \
	--therapist dana | sed 's/^/   /'

step "3. The client writes an entry: signed and encrypted to the practice (PGP/MIME)"
GNUPGHOME=$demo/g/robin gpg --batch --quiet --import <(GNUPGHOME=$CONFIDANT_HOME/gnupg gpg --batch --armor --export)
printf 'Content-Type: text/plain; charset=utf-8\r\n\r\nThis week I tried the breathing exercise twice. It helped on Tuesday.\r\n' >"$demo/entry.txt"
GNUPGHOME=$demo/g/robin gpg --batch --quiet --armor --sign --encrypt \
	--recipient practice@clinic.example --output "$demo/entry.asc" "$demo/entry.txt"
{
	printf 'From: Robin <robin@client.example>\r\nTo: practice@clinic.example\r\n'
	printf 'Subject: Week 3\r\nMessage-ID: <week3@client.example>\r\nMIME-Version: 1.0\r\n'
	printf 'Content-Type: multipart/encrypted; protocol="application/pgp-encrypted"; boundary="b"\r\n\r\n'
	printf -- '--b\r\nContent-Type: application/pgp-encrypted\r\n\r\nVersion: 1\r\n\r\n'
	printf -- '--b\r\nContent-Type: application/octet-stream\r\n\r\n'
	sed 's/$/\r/' "$demo/entry.asc"
	printf -- '--b--\r\n'
} >"$demo/entry.eml"
echo "   $(wc -c <"$demo/entry.eml") bytes; the MTA pipes it to 'confidant deliver'"
"$confidant" deliver <"$demo/entry.eml"
echo "   deliver exited $? (0: stored)"

step "4. Someone else forges a message in the client's name"
person mallory mallory@elsewhere.example
GNUPGHOME=$demo/g/mallory gpg --batch --quiet --import <(GNUPGHOME=$CONFIDANT_HOME/gnupg gpg --batch --armor --export)
printf 'Content-Type: text/plain\r\n\r\nPlease send me the notes.\r\n' |
	GNUPGHOME=$demo/g/mallory gpg --batch --quiet --armor --sign --encrypt \
		--recipient practice@clinic.example >"$demo/forged.asc"
sed -e 's/week3@client.example/forged@elsewhere.example/' -e '/^-----BEGIN PGP MESSAGE/,$d' \
	"$demo/entry.eml" >"$demo/forged.eml"
{ sed 's/$/\r/' "$demo/forged.asc"; printf -- '--b--\r\n'; } >>"$demo/forged.eml"
"$confidant" deliver <"$demo/forged.eml"
echo "   deliver exited $? (0: accepted for quarantine, never bounced)"

step "5. The therapist was notified; the reply is due by her calendar"
"$confidant" outbox --all --json | python3 -c '
import json, sys
for o in json.load(sys.stdin):
    print("   %-12s to %-24s %s (outer Subject \"...\", encrypted PGP/MIME)" % (o["kind"], o["recipient"], o["state"]))
'
"$confidant" queue | sed 's/^/   /'

step "6. The therapist answers; the reply is relayed to the client, encrypted"
echo "Well done. Try it once more before our next session." |
	"$confidant" reply robin | sed 's/^/   /'
last=$(ls "$demo"/sent/*.eml | sort -V | tail -n 1)
echo "   robin decrypts what arrived:"
tr -d '\r' <"$last" | sed -n '/^-----BEGIN PGP MESSAGE/,/^-----END PGP MESSAGE/p' |
	GNUPGHOME=$demo/g/robin gpg --batch --quiet --decrypt 2>/dev/null |
	sed -n '/^Content-Transfer-Encoding/,$p' | sed '1,2d' | grep -v '^--' | sed 's/^/     | /'
"$confidant" queue | sed 's/^/   /'

step "7. The journal of robin"
"$confidant" journal robin | sed 's/^/   /'

step "8. The quarantine"
"$confidant" quarantine list | sed 's/^/   /'

step "9. Nothing of the entry is at rest in the clear"
if grep -rq --exclude-dir=gnupg "breathing exercise" "$CONFIDANT_HOME"; then
	echo "   FOUND plaintext at rest"; exit 1
fi
echo "   grep for the entry's words under the practice home (gnupg/ aside): nothing"
