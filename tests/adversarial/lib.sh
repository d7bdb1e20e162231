# adversarial/lib.sh: builders shared by the adversarial cases (issue 6).
# Sourced by tests/t0330-adversarial.sh after test-lib.sh, lib-gpg.sh,
# lib-craft.sh and lib-relay.sh.  POSIX sh: the suite runs under dash.
#
# The people of the suite (all keys made at test time):
#   thera      therapist of every client below
#   other      a second therapist, with no clients of their own
#   alice      a client; the usual victim
#   bob        a client whose genuine ciphertext is captured and replayed
#   erin       a registered client who attacks the others (the insider)
#   mallory    a client whose pinned key also carries the user ID
#              alice@client.example
#   sub        a client whose key has a separate signing subkey
#   subx       a client whose signing subkey expires after it signed
#   carol      a client whose key expires after she signed
#   dave       a client whose key is revoked after he signed
#   eve        a stranger: her key is not registered
#
# Every client X owns the secret word $(secret_of X): genuine text written
# by X carries it, and the runner checks that it shows only in the journal
# of X, in notifications about X and in mail to X.  $CANARY marks text that
# must show nowhere at all (no journal, no outgoing mail).

ADV_CLIENTS="alice bob erin mallory sub subx carol dave"
ADV_THERAPISTS="thera other"
D=client.example
CANARY=Xcanary-4c1f9b07d2
ADV_RUN=$(od -An -N4 -tx1 /dev/urandom | tr -d ' \n')

secret_of() { echo "Secret-of-$1-$ADV_RUN"; }

pfpr() { grep -o -E '[0-9A-Fa-f]{40}' "$TRASH/practice.fpr" | head -n 1; }

# practice_gpg ARGS...: gpg on the practice's own keyring (to pin down
# what GnuPG itself does with a crafted message).
practice_gpg() {
	gpg --homedir "$PRACTICE/gnupg" --batch --no-tty "$@"
}

# adv_se SIGNER IN OUT [GPG-ARGS...]: armored sign+encrypt (RFC 3156 6.2)
# to the practice key, signed by SIGNER's primary key.
adv_se() {
	se_who=$1 se_in=$2 se_out=$3
	shift 3
	gpg_as "$se_who" --armor --yes --trust-model always --local-user "$(fpr_of "$se_who")!" \
		--recipient "$(pfpr)" "$@" --sign --encrypt --output "$se_out" "$se_in"
}

# adv_eo WHO IN OUT [GPG-ARGS...]: armored encryption to the practice, unsigned.
adv_eo() {
	eo_who=$1 eo_in=$2 eo_out=$3
	shift 3
	gpg_as "$eo_who" --armor --yes --trust-model always --recipient "$(pfpr)" "$@" \
		--encrypt --output "$eo_out" "$eo_in"
}

# adv_wrap FROM SUBJECT MSGID CIPHER [EXTRA]: an RFC 3156 message around an
# armored ciphertext.  EXTRA: further header lines, one a line (LF).
adv_wrap() {
	if [ -n "${5:-}" ]; then
		pgpmime_wrap "$1" practice@clinic.example "$2" "$3" "$4" "$(printf '%s' "$5" | sed 's/$/\r/' | sed '$ s/\r$//')"
	else
		pgpmime_wrap "$1" practice@clinic.example "$2" "$3" "$4"
	fi
}

# adv_entry SIGNER FROM SUBJECT BODY MSGID [EXTRA]: a genuine-looking entry,
# text/plain inside.  The ciphertext stays in ./entry.asc.
adv_entry() {
	make_mime_entry "$3" "$4" >entry.in &&
	adv_se "$1" entry.in entry.asc &&
	adv_wrap "$2" "$3" "$5" entry.asc "${6:-}"
}

# adv_text_part BODY [CONTENT-TYPE]: a MIME entity, CRLF.
adv_text_part() {
	printf 'Content-Type: %s\r\n\r\n%s\r\n' "${2:-text/plain; charset=utf-8}" "$1"
}

# adv_enc_entity CIPHER BOUNDARY [EXTRA-HEADER]: an RFC 3156
# multipart/encrypted entity, as it may sit below a root.
adv_enc_entity() {
	printf 'Content-Type: multipart/encrypted; protocol="application/pgp-encrypted"; boundary="%s"\r\n' "$2"
	[ -n "${3:-}" ] && printf '%s\r\n' "$3"
	printf '\r\n--%s\r\nContent-Type: application/pgp-encrypted\r\n\r\nVersion: 1\r\n\r\n' "$2"
	printf -- '--%s\r\nContent-Type: application/octet-stream; name="encrypted.asc"\r\n\r\n' "$2"
	crlf <"$1"
	printf -- '--%s--\r\n' "$2"
}

# adv_signed_entity SIGNER PARTFILE BOUNDARY [EXTRA-HEADER]: an RFC 3156
# multipart/signed entity over the MIME entity in PARTFILE (CRLF).
adv_signed_entity() {
	gpg_as "$1" --armor --yes --detach-sign --digest-algo SHA256 \
		--local-user "$(fpr_of "$1")" --output "$2.sig" "$2" || return 1
	printf 'Content-Type: multipart/signed; micalg=pgp-sha256; protocol="application/pgp-signature"; boundary="%s"\r\n' "$3"
	[ -n "${4:-}" ] && printf '%s\r\n' "$4"
	printf '\r\n--%s\r\n' "$3"
	cat "$2"
	printf -- '\r\n--%s\r\nContent-Type: application/pgp-signature; name="signature.asc"\r\n\r\n' "$3"
	crlf <"$2.sig"
	printf -- '--%s--\r\n' "$3"
}

# adv_mixed BOUNDARY FILE...: a multipart/mixed entity of the entities in
# the files (each CRLF, complete with its headers).  ADV_MP_TYPE changes
# the subtype, ADV_MP_EXTRA adds a header line.
adv_mixed() {
	mx_b=$1
	shift
	printf 'Content-Type: %s; boundary="%s"\r\n' "${ADV_MP_TYPE:-multipart/mixed}" "$mx_b"
	[ -n "${ADV_MP_EXTRA:-}" ] && printf '%s\r\n' "$ADV_MP_EXTRA"
	printf '\r\n'
	for mx_f; do
		printf -- '--%s\r\n' "$mx_b"
		cat "$mx_f"
		printf '\r\n'
	done
	printf -- '--%s--\r\n' "$mx_b"
}

# adv_msg FROM SUBJECT MSGID ENTITYFILE [EXTRA]: a whole message whose root
# is the entity in ENTITYFILE (which brings its own Content-Type).
adv_msg() {
	craft_headers "$1" "$2" "$3" "${5:-}"
	cat "$4"
}

# adv_dearmor IN OUT / adv_armor IN OUT: binary and ASCII armor.
adv_dearmor() { gpg --batch --dearmor <"$1" >"$2"; }
adv_armor() { armor_message "$1" >"$2"; }

# adv_sub_fpr NAME: the fingerprint of NAME's (first) signing subkey.
adv_sub_fpr() {
	gpg_as "$1" --with-colons --list-keys "$(fpr_of "$1")" |
		awk -F: '$1 == "sub" { s = ($12 ~ /s/) } $1 == "fpr" && s { print $10; exit }'
}

# adv_session_forge WHO INNER-PACKETS OUT: a ciphertext to the practice
# whose encrypted content is exactly the OpenPGP packets in the file
# INNER-PACKETS (binary), with integrity protection (SEIPD v1 with MDC).
# WHO encrypts an empty message to the practice and to herself, learns the
# session key by decrypting her own copy, keeps the practice's PKESK and
# writes a new SEIPD packet with that key.  Returns 2 when no AES
# implementation is at hand (python3-cryptography or openssl).
adv_session_forge() {
	fw=$1 fin=$2 fout=$3
	printf 'x' >forge.in
	gpg_as "$fw" --yes --trust-model always --recipient "$(pfpr)" \
		--recipient "$(fpr_of "$fw")" --cipher-algo AES256 -z 0 --encrypt \
		--output forge.gpg forge.in || return 1
	sk=$(gpg_as "$fw" --show-session-key --decrypt forge.gpg 2>&1 >/dev/null |
		sed -n 's/.*session key: .\([0-9]*:[0-9A-Fa-f]*\).*/\1/p')
	[ -n "$sk" ] || { echo "no session key from gpg" >&2; return 1; }
	python3 "$ADV_DIR/forge.py" forge.gpg "$(enc_keyid_practice)" "$sk" "$fin" "$fout"
}

enc_keyid_practice() { practice_enc_keyid; }

# adv_home NAME KEYFILE...: a GnuPG home of its own that knows the keys in
# the files (secret keys included), for signers that are no one person.
adv_home() {
	ah=$(gpg_home "$1")
	shift
	mkdir -p "$ah" && chmod 700 "$ah" && echo "trust-model always" >"$ah/gpg.conf" &&
	GNUPGHOME=$ah gpg --batch --quiet --import "$@" 2>/dev/null
}

# adv_export_secret NAME: NAME's secret key, armored, on stdout.
adv_export_secret() {
	gpg_as "$1" --armor --pinentry-mode loopback --passphrase '' --export-secret-keys "$(fpr_of "$1")"
}

# adv_practice_learns NAME: the practice keyring learns NAME's public key
# as it is now (a new expiry, a revocation).
adv_practice_learns() {
	gpg_as "$1" --armor --export "$(fpr_of "$1")" | practice_gpg --quiet --import 2>/dev/null
}

# adv_keyid NAME: the long key id of NAME's primary key.
adv_keyid() { fpr_of "$1" | cut -c25-40; }

# adv_packets FILE: the tags of the top-level packets of a binary OpenPGP
# message, one a line (to check what a case built).
adv_packets() {
	gpg --homedir "$TRASH/empty-gpg" --batch --list-packets "$1" 2>/dev/null | sed -n 's/^:\([a-z ]*\) packet:.*/\1/p'
}

# adv_bob_captured: bob's genuine entry, as he sends it to the practice
# (his secret words inside), captured on the way.  Leaves the armored
# ciphertext in ./bob.asc and the whole message in ./bob.eml; the same
# bytes for every case that asks (made once a run, in $TRASH/bob).
adv_bob_captured() {
	if ! [ -s "$TRASH/bob/bob.eml" ]; then
		mkdir -p "$TRASH/bob" &&
		(
			cd "$TRASH/bob" &&
			make_mime_entry "Bob private" "$(secret_of bob) what bob told the practice" >in &&
			adv_se bob in bob.asc &&
			adv_wrap "Bob <bob@$D>" "Bob private" "bob.genuine@$D" bob.asc >bob.eml
		) || return 1
	fi
	cp "$TRASH/bob/bob.asc" "$TRASH/bob/bob.eml" .
}

# adv_nested LEVELS BODY: an entity of LEVELS multiparts nested in each
# other, all closed, a text/plain at the bottom (CRLF).
adv_nested() {
	python3 - "$1" "$2" <<-'PY'
	import sys
	n, body = int(sys.argv[1]), sys.argv[2]
	out = sys.stdout.buffer
	for i in range(n):
	    out.write(b'Content-Type: multipart/mixed; boundary="n%d"\r\n\r\n--n%d\r\n' % (i, i))
	out.write(b'Content-Type: text/plain; charset=utf-8\r\n\r\n' + body.encode() + b'\r\n')
	for i in reversed(range(n)):
	    out.write(b'--n%d--\r\n' % i)
	PY
}

# adv_bomb_wait: wait (at most 240 s) for the compression bomb that the
# runner makes in the background, $TRASH/bomb/bomb.asc.
adv_bomb_wait() {
	bw=0
	while ! [ -s "$TRASH/bomb/bomb.asc" ]; do
		if ! [ -f "$TRASH/bomb/pid" ] || ! kill -0 "$(cat "$TRASH/bomb/pid")" 2>/dev/null; then
			[ -s "$TRASH/bomb/bomb.asc" ] && break
			echo "the compression bomb was not made:" >&2
			cat "$TRASH/bomb/log" >&2 2>/dev/null
			return 1
		fi
		bw=$((bw + 1))
		[ $bw -lt 240 ] || { echo "the compression bomb took too long to make" >&2; return 1; }
		sleep 1
	done
	sed 's/^/# /' "$TRASH/bomb/log" >&2
}

# adv_sent_of_kind KIND: the newest captured message the outbox says is of
# KIND (notification, ack, notice, ...), as a path; empty when none.
adv_sent_of_kind() {
	python3 - "$1" <<-'PY'
	import os, re, sqlite3, sys
	con = sqlite3.connect('file:%s/confidant.db?mode=ro' % os.environ['PRACTICE'], uri=True)
	con.text_factory = lambda b: b.decode('utf-8', errors='replace')
	ids = [r[0] for r in con.execute("SELECT message_id FROM outbox WHERE kind = ? AND state = 'sent' ORDER BY id DESC", (sys.argv[1],))]
	sent = os.environ['SENT_DIR']
	files = {}
	for f in os.listdir(sent):
	    if f.endswith('.eml'):
	        m = re.search(rb'^Message-ID: <([^>]*)>', open(os.path.join(sent, f), 'rb').read(), re.M | re.I)
	        if m:
	            files[m.group(1).decode(errors='replace')] = os.path.join(sent, f)
	for i in ids:
	    if i in files:
	        print(files[i])
	        break
	PY
}

# adv_own_mail KIND: a copy of the newest captured message of KIND in
# ./own.eml; when there is none yet (a run of a few cases), a genuine
# entry of alice is delivered first to make one.
adv_own_mail() {
	om=$(adv_sent_of_kind "$1")
	if [ -z "$om" ]; then
		adv_entry alice "alice@$D" "Loop source" "$(secret_of alice) loop source" "loop.src.$1@$D" >src.eml &&
		"$CONFIDANT" deliver <src.eml >/dev/null 2>&1 &&
		om=$(adv_sent_of_kind "$1")
	fi
	[ -n "$om" ] || { echo "no $1 was sent to feed back" >&2; return 1; }
	cp "$om" own.eml
}
