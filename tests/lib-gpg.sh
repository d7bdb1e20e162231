# lib-gpg.sh: real GnuPG for tests, hermetically.  Every person in a test
# (practice, therapist, clients, strangers) gets a GnuPG home of their own
# under the trash directory, mode 0700, with a key generated on the spot.
# The keys are INSECURE: no passphrase, made for this run only.

command -v gpg >/dev/null 2>&1 || skip_all "gpg is not installed"

GPG_ROOT=$TRASH/g
KEYS=$TRASH/keys
# The practice of a test lives here; set now, since test bodies run in
# subshells and cannot export to later tests.
PRACTICE=$TRASH/p
CONFIDANT_HOME=$PRACTICE
export PRACTICE CONFIDANT_HOME
mkdir -p "$GPG_ROOT" "$KEYS"
chmod 700 "$GPG_ROOT"

gpg_home() { echo "$GPG_ROOT/$1"; }

# gpg_as NAME ARGS...: run gpg as that person.
gpg_as() {
	name=$1; shift
	GNUPGHOME=$(gpg_home "$name") gpg --batch --no-tty --quiet "$@"
}

gpg_kill_agents() {
	for h in "$GPG_ROOT"/*; do
		[ -d "$h" ] && GNUPGHOME=$h gpgconf --kill all
	done
	[ -d "${PRACTICE:-/nonexistent}/gnupg" ] && GNUPGHOME=$PRACTICE/gnupg gpgconf --kill all
	return 0
}
test_at_end gpg_kill_agents

# gpg_user NAME EMAIL [ALGO]: create NAME's home and a sign+encrypt key.
# Leaves $KEYS/NAME.pub, $KEYS/NAME.sec and $KEYS/NAME.fpr.
gpg_user() {
	name=$1 email=$2 algo=${3:-future-default}
	home=$(gpg_home "$name")
	mkdir -p "$home"
	chmod 700 "$home"
	echo "trust-model always" >"$home/gpg.conf"
	gpg_as "$name" --passphrase '' --pinentry-mode loopback \
		--quick-generate-key "$name <$email>" "$algo" default never || return 1
	gpg_as "$name" --with-colons --list-secret-keys "$email" |
		awk -F: '/^fpr:/ { print $10; exit }' >"$KEYS/$name.fpr"
	gpg_as "$name" --armor --export "$email" >"$KEYS/$name.pub"
	gpg_as "$name" --armor --pinentry-mode loopback --passphrase '' \
		--export-secret-keys "$email" >"$KEYS/$name.sec"
}

fpr_of() { cat "$KEYS/$1.fpr"; }

# gpg_import NAME FILE...: NAME learns public keys.
gpg_import() {
	name=$1; shift
	gpg_as "$name" --import "$@" 2>/dev/null
}

# practice_init [ADDRESS]: a practice home in $PRACTICE with a generated key.
# Exports CONFIDANT_HOME and leaves the public key in $KEYS/practice.pub.
# Mail the practice sends goes to a sink that keeps nothing, unless a test
# says otherwise (lib-relay.sh captures it): never into the machine's MTA.
practice_init() {
	"$CONFIDANT" init --address "${1:-practice@clinic.example}" \
		--generate-key --name "Test Practice" >"$TRASH/practice.fpr" || return 1
	GNUPGHOME=$PRACTICE/gnupg gpg --batch --armor --export >"$KEYS/practice.pub"
	printf '#!/bin/sh\ncat >/dev/null\n' >"$TRASH/null-sendmail" && chmod 755 "$TRASH/null-sendmail" &&
	"$CONFIDANT" config sendmail "$TRASH/null-sendmail -oi -t"
}

# make_mime_entry SUBJECT BODY [ATTACHMENT]: an inner MIME entity (CRLF)
# with a text/plain body and, optionally, a binary attachment.
make_mime_entry() {
	subject=$1 body=$2 att=${3:-}
	if [ -z "$att" ]; then
		printf 'Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n%s\r\n' "$body"
		return
	fi
	printf 'Content-Type: multipart/mixed; boundary="inner-b"\r\n\r\n'
	printf -- '--inner-b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n%s\r\n' "$body"
	printf -- '--inner-b\r\nContent-Type: application/octet-stream\r\n'
	printf 'Content-Disposition: attachment; filename="%s"\r\n' "$(basename "$att")"
	printf 'Content-Transfer-Encoding: base64\r\n\r\n'
	base64 "$att" | sed 's/$/\r/'
	printf -- '--inner-b--\r\n'
}

# pgpmime_wrap FROM TO SUBJECT MSGID CIPHERFILE [EXTRA-HEADERS]: wrap
# armored ciphertext into an RFC 3156 multipart/encrypted message.
pgpmime_wrap() {
	from=$1 to=$2 subject=$3 msgid=$4 cipher=$5 extra=${6:-}
	printf 'From: %s\r\nTo: %s\r\nSubject: %s\r\nDate: Mon, 02 Mar 2026 09:00:00 +0000\r\n' "$from" "$to" "$subject"
	printf 'Message-ID: <%s>\r\nMIME-Version: 1.0\r\n' "$msgid"
	[ -n "$extra" ] && printf '%s\r\n' "$extra"
	printf 'Content-Type: multipart/encrypted; protocol="application/pgp-encrypted"; boundary="outer-b"\r\n\r\n'
	printf 'This is an OpenPGP/MIME encrypted message (RFC 4880 and 3156)\r\n'
	printf -- '--outer-b\r\nContent-Type: application/pgp-encrypted\r\n\r\nVersion: 1\r\n\r\n'
	printf -- '--outer-b\r\nContent-Type: application/octet-stream; name="encrypted.asc"\r\n\r\n'
	sed 's/$/\r/' "$cipher"
	printf -- '--outer-b--\r\n'
}

# compose_entry SIGNER FROM SUBJECT BODY MSGID [ATTACHMENT] [EXTRA-HEADERS]:
# a PGP/MIME entry from SIGNER (combined sign+encrypt, RFC 3156 6.2)
# encrypted to the practice key, on stdout.
compose_entry() {
	signer=$1 from=$2 subject=$3 body=$4 msgid=$5 att=${6:-} extra=${7:-}
	tmp=$TRASH/.compose.$$
	make_mime_entry "$subject" "$body" "$att" >"$tmp.in"
	gpg_import "$signer" "$KEYS/practice.pub"
	gpg_as "$signer" --armor --trust-model always --sign --encrypt \
		--local-user "$(fpr_of "$signer")" \
		--recipient "$(cat "$TRASH/practice.fpr")" \
		--output - "$tmp.in" >"$tmp.asc" || return 1
	pgpmime_wrap "$from" "practice@clinic.example" "$subject" "$msgid" "$tmp.asc" "$extra"
	rm -f "$tmp.in" "$tmp.asc"
}

# setup_practice THERAPIST CLIENT...: a practice, and everyone registered
# with a key of their own: the therapist as THERAPIST@clinic.example, each
# client as CLIENT@client.example, all clients of THERAPIST.
setup_practice() {
	sp_t=$1
	shift
	practice_init &&
	gpg_user "$sp_t" "$sp_t@clinic.example" &&
	"$CONFIDANT" therapist add "$sp_t" --email "$sp_t@clinic.example" --key "$KEYS/$sp_t.pub" >/dev/null ||
		return 1
	for sp_c; do
		gpg_user "$sp_c" "$sp_c@client.example" &&
		"$CONFIDANT" client add "$sp_c" --email "$sp_c@client.example" --key "$KEYS/$sp_c.pub" \
			--therapist "$sp_t" >/dev/null || return 1
	done
}
