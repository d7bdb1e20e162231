# lib-relay.sh: what tests of the relay need: a sendmail that captures
# every message it is handed, and ways to read what was sent.

SENT_DIR=$TRASH/sent
mkdir -p "$SENT_DIR"
export SENT_DIR

# A sendmail stand-in: the message to SENT_DIR/N.eml, its arguments to
# N.args.  FAIL_FIRST=N (in $SENT_DIR/fail_first) makes the first N
# hand-offs fail with exit 75, as a mail system that is down would.
cat >"$TRASH/sendmail" <<'SH'
#!/bin/sh
d=${SENT_DIR:?}
msg=$(mktemp "$d/.in.XXXXXX")
cat >"$msg"
to=$(sed -n '/^\r\{0,1\}$/q; s/^To: *//p' "$msg" | tr -d '\r' | head -n 1)
tries=$(cat "$d/tries" 2>/dev/null || echo 0)
tries=$((tries + 1))
echo "$tries" >"$d/tries"
# FAIL_TO (in $d/fail_to) limits simulated failures to one recipient.
if [ -f "$d/fail_first" ] && { [ ! -f "$d/fail_to" ] || [ "$(cat "$d/fail_to")" = "$to" ]; }; then
	t=$(cat "$d/tries.fail" 2>/dev/null || echo 0)
	t=$((t + 1))
	echo "$t" >"$d/tries.fail"
	if [ "$t" -le "$(cat "$d/fail_first")" ]; then
		rm -f "$msg"
		echo "sendmail: queue file write error (simulated)" >&2
		exit 75
	fi
fi
n=$(ls "$d" | grep -c '\.eml$')
n=$((n + 1))
mv "$msg" "$d/$n.eml"
echo "$@" >"$d/$n.args"
exit 0
SH
chmod +x "$TRASH/sendmail"

use_capture_sendmail() {
	"$CONFIDANT" config sendmail "$TRASH/sendmail -oi -t"
}

sent_count() { ls "$SENT_DIR" | grep -c '\.eml$'; }
sent_file() { echo "$SENT_DIR/$1.eml"; }

# header FILE NAME: the first NAME header of FILE's outer header block.
header() {
	sed -n '/^\r\{0,1\}$/q; p' "$1" | tr -d '\r' | grep -i -m1 "^$2:" | sed "s/^[^:]*: *//"
}

msgid_of() { header "$1" Message-ID | sed 's/^<\(.*\)>$/\1/'; }

# armor_of FILE: the armored OpenPGP message of a PGP/MIME mail.
armor_of() {
	tr -d '\r' <"$1" | sed -n '/^-----BEGIN PGP MESSAGE-----$/,/^-----END PGP MESSAGE-----$/p'
}

# decrypt_as NAME FILE: the plaintext inside FILE, decrypted by NAME.
decrypt_as() {
	armor_of "$2" >"$TRASH/.armor.$$"
	gpg_as "$1" --decrypt "$TRASH/.armor.$$" 2>/dev/null
	rc=$?
	rm -f "$TRASH/.armor.$$"
	return $rc
}

# recipients_of FILE: the key ids FILE is encrypted to, sorted.
recipients_of() {
	armor_of "$1" >"$TRASH/.armor.$$"
	mkdir -p "$TRASH/empty-gpg" && chmod 700 "$TRASH/empty-gpg"
	gpg --homedir "$TRASH/empty-gpg" --batch --list-packets "$TRASH/.armor.$$" 2>/dev/null |
		sed -n 's/^:pubkey enc packet: .* keyid \([0-9A-F]*\).*/\1/p' | sort
	rm -f "$TRASH/.armor.$$"
}

# enc_keyid NAME: the key id of NAME's encryption subkey.
enc_keyid() {
	gpg_as "$1" --with-colons --list-keys "$(fpr_of "$1")" | awk -F: '$1 == "sub" && $12 ~ /e/ {print $5}'
}

practice_enc_keyid() {
	GNUPGHOME=$PRACTICE/gnupg gpg --batch --with-colons --list-keys "$(cat "$TRASH/practice.fpr")" |
		awk -F: '$1 == "sub" && $12 ~ /e/ {print $5}'
}

# compose_reply SIGNER FROM BODY MSGID IN-REPLY-TO: a signed and encrypted
# message to the practice, as a therapist's mail client would send.
compose_reply() {
	printf 'Content-Type: text/plain; charset=utf-8\r\n\r\n%s\r\n' "$3" >"$TRASH/.reply.in"
	gpg_import "$1" "$KEYS/practice.pub"
	gpg_as "$1" --armor --yes --trust-model always --sign --encrypt --local-user "$(fpr_of "$1")" \
		--recipient "$(cat "$TRASH/practice.fpr")" --output "$TRASH/.reply.asc" "$TRASH/.reply.in" || return 1
	pgpmime_wrap "$2" practice@clinic.example "Re: ..." "$4" "$TRASH/.reply.asc" \
		"In-Reply-To: <$5>
References: <$5>"
}

# gpg_user_aged NAME EMAIL DAYS: like gpg_user, but the key was made DAYS
# days ago, so that its expiry can later be set in the past.
gpg_user_aged() {
	home=$(gpg_home "$1")
	mkdir -p "$home" && chmod 700 "$home" && echo "trust-model always" >"$home/gpg.conf"
	gpg_as "$1" --faked-system-time "$(($(date +%s) - $3 * 86400))" --passphrase '' \
		--pinentry-mode loopback --quick-generate-key "$1 <$2>" future-default default never 2>/dev/null &&
	gpg_as "$1" --with-colons --list-keys "$2" | awk -F: '/^fpr:/ { print $10; exit }' >"$KEYS/$1.fpr" &&
	gpg_as "$1" --armor --export "$2" >"$KEYS/$1.pub"
}

# expire_key NAME: NAME's key expired yesterday (its primary key's
# self-signature says so); the practice keyring learns it.
expire_key() {
	t=$(($(date +%s) - 2 * 86400))
	gpg_as "$1" --faked-system-time "$t" --quick-set-expire "$(fpr_of "$1")" 1d 2>/dev/null &&
	gpg_as "$1" --armor --export "$(fpr_of "$1")" | GNUPGHOME=$PRACTICE/gnupg gpg --batch --quiet --import
}

# renew_key NAME: NAME's key never expires again; the practice learns it.
renew_key() {
	gpg_as "$1" --quick-set-expire "$(fpr_of "$1")" 0 2>/dev/null &&
	gpg_as "$1" --armor --export "$(fpr_of "$1")" | GNUPGHOME=$PRACTICE/gnupg gpg --batch --quiet --import
}

# to_count ADDR: messages handed off to ADDR; last_to ADDR: the newest.
to_count() {
	n=0
	for f in "$SENT_DIR"/*.eml; do
		[ -f "$f" ] || continue
		[ "$(header "$f" To)" = "$1" ] && n=$((n + 1))
	done
	echo $n
}
last_to() {
	f=""
	for g in $(ls "$SENT_DIR" | grep '\.eml$' | sort -n); do
		[ "$(header "$SENT_DIR/$g" To)" = "$1" ] && f="$SENT_DIR/$g"
	done
	echo "$f"
}
