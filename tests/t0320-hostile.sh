#!/bin/bash
#
# Hostile and tricky messages, beyond the one-rule-at-a-time cases of
# t0300-quarantine.sh: forged addresses that fool naive parsers, Message-ID
# squatting, nested and replayed ciphertext, signatures that cover only a
# part, header injection through encoded words, odd but valid MIME that a
# genuine entry may arrive in, and charsets.
#
# Every case delivers one message with real gpg by real keys and states the
# outcome it wants: one new entry in the journal of a named client, or one
# new quarantine record with a reason (a few cases accept a short list of
# reasons).  Every case also checks that `deliver` exits 0 and that nothing
# else changed: no other journal, no other quarantine record.
#
# alice, bob and erin are registered clients of the therapist thera (erin
# plays the registered insider who attacks alice); eve is a stranger whose
# key is not registered.

test_description='hostile and tricky messages'
. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIR/lib-gpg.sh"
. "$TEST_DIR/lib-craft.sh"

CLIENTS="alice bob erin"
D=client.example
# Written into every message (or part) that must never reach a journal.
CANARY=Hcanary-5d2f8a71e3
# bob's words inside a ciphertext that alice replays to the practice.
BOBSECRET=Bobsecret-0c94e1b7aa

if ! [ -x "$CONFIDANT" ]; then
	echo "Bail out! no confidant binary at $CONFIDANT"
	exit 1
fi

# ---------------------------------------------------------------------------
# The outcome of one delivery.
#
# check.py BEFORE AFTER CLIENTS SPEC MSGID compares two snapshots (every
# journal and the whole quarantine, as JSON).  SPEC lists the outcomes that
# are acceptable, separated by '|': "journal:HANDLE", "quarantine:REASON",
# "none" (a duplicate: nothing changed).  MSGID is the Message-ID the new
# entry or record must carry ("" for none: null or empty; "*" for any).
# The new entry is left in entry.json, the new record in qrec.json.
cat >"$TRASH/check.py" <<'EOF'
import json, os, sys
before, after, clients, spec, msgid = sys.argv[1:6]
clients = clients.split()
def load(d, n):
    with open(os.path.join(d, n)) as f:
        return json.load(f)
jb = {c: load(before, c + '.json') for c in clients}
ja = {c: load(after, c + '.json') for c in clients}
qb, qa = load(before, 'q.json'), load(after, 'q.json')
old_q = {e['id']: e for e in qb}
new_q = [e for e in qa if e['id'] not in old_q]
for e in qa:
    if e['id'] in old_q and e != old_q[e['id']]:
        sys.exit('an earlier quarantine record changed: %r -> %r' % (old_q[e['id']], e))
if len(qa) - len(new_q) != len(qb):
    sys.exit('quarantine records disappeared')
changed = {}
for c in clients:
    old = {e['id']: e for e in jb[c]}
    for e in ja[c]:
        if e['id'] in old and e != old[e['id']]:
            sys.exit('an earlier entry of %s changed: %r' % (c, e))
    if len(ja[c]) < len(jb[c]):
        sys.exit('entries of %s disappeared' % c)
    new = [e for e in ja[c] if e['id'] not in old]
    if new:
        changed[c] = new
if not new_q and not changed:
    got, obj = 'none', None
elif len(new_q) == 1 and not changed:
    got, obj = 'quarantine:%s' % new_q[0]['reason'], new_q[0]
elif not new_q and len(changed) == 1 and len(list(changed.values())[0]) == 1:
    c = list(changed)[0]
    got, obj = 'journal:%s' % c, changed[c][0]
else:
    sys.exit('more than one thing happened: new quarantine %r, new entries %r' % (new_q, changed))
short = json.dumps(obj)
print('# outcome: %s %s' % (got, short if len(short) < 400 else short[:400] + '...'))
if got not in spec.split('|'):
    sys.exit('outcome %s, wanted %s' % (got, ' or '.join(spec.split('|'))))
if obj is not None:
    if got.startswith('quarantine:'):
        missing = {'id', 'reason', 'date', 'from', 'message_id', 'detail'} - set(obj)
        if missing:
            sys.exit('quarantine record lacks %s' % sorted(missing))
        json.dump(obj, open('qrec.json', 'w'))
    else:
        json.dump(obj, open('entry.json', 'w'))
    if msgid != '*' and (obj.get('message_id') or '') != msgid:
        sys.exit('message_id %r, wanted %r' % (obj.get('message_id'), msgid or None))
EOF

# snap DIR: every journal and the whole quarantine, as JSON, into DIR.
snap() {
	rm -rf "$1" && mkdir "$1" || return 1
	for c in $CLIENTS; do
		confidant journal "$c" --json >"$1/$c.json" || return 1
	done
	confidant quarantine list --all --json >"$1/q.json"
}

# deliver_expect MSGFILE SPEC MSGID: deliver MSGFILE (exit 0, within 60s)
# and check the outcome against SPEC (see check.py).  Leaves the time the
# delivery took, in milliseconds, in deliver.ms.
deliver_expect() {
	rm -f entry.json qrec.json
	snap snap.before || return 1
	de_start=$(date +%s%N)
	test_expect_code 0 timeout 60 "$CONFIDANT" deliver <"$1" || return 1
	echo $((($(date +%s%N) - de_start) / 1000000)) >deliver.ms
	snap snap.after || return 1
	python3 "$TRASH/check.py" snap.before snap.after "$CLIENTS" "$2" "$3"
}

# jget EXPR: EXPR of the new entry e (from entry.json) or record q.
jget() {
	python3 -c "
import json, os
e = json.load(open('entry.json')) if os.path.exists('entry.json') else None
q = json.load(open('qrec.json')) if os.path.exists('qrec.json') else None
print($1)"
}

# thread_of HANDLE MSGID: the thread of HANDLE's entry with that Message-ID.
thread_of() {
	confidant journal "$1" --json | python3 -c "
import json, sys
hits = [e['thread'] for e in json.load(sys.stdin) if e['message_id'] == sys.argv[1]]
assert len(hits) == 1, hits
print(hits[0])" "$2"
}

# nowhere TEXT [HANDLE]: TEXT is in no journal (JSON or text) but HANDLE's
# and in no quarantine listing or record shown.
nowhere() {
	for c in $CLIENTS; do
		[ "$c" = "${2:-}" ] && continue
		confidant journal "$c" --json >nw.json &&
		confidant journal "$c" >nw.txt || return 1
		if grep -a -q -- "$1" nw.json nw.txt; then
			echo "'$1' shows in the journal of $c" >&2
			return 1
		fi
	done
	confidant quarantine list --all --json >nw.q || return 1
	for id in $(python3 -c "import json,sys; print(' '.join(str(e['id']) for e in json.load(open('nw.q'))))"); do
		confidant quarantine show "$id" --json >>nw.q || return 1
	done
	if grep -a -q -- "$1" nw.q; then
		echo "'$1' shows in the quarantine" >&2
		return 1
	fi
}

# ---------------------------------------------------------------------------
# Crafting.  All of it at the top level, so that the test bodies (single
# quoted) stay readable.

pfpr() { grep -o -E '[0-9A-Fa-f]{40}' "$TRASH/practice.fpr" | head -n 1; }

# se SIGNER IN OUT: armored sign+encrypt (RFC 3156 6.2) to the practice.
se() {
	gpg_as "$1" --armor --yes --trust-model always --local-user "$(fpr_of "$1")" \
		--recipient "$(pfpr)" --sign --encrypt --output "$3" "$2"
}

# eo IN OUT: armored encryption to the practice, no signature.
eo() {
	gpg_as eve --armor --yes --trust-model always --recipient "$(pfpr)" \
		--encrypt --output "$2" "$1"
}

# wrap FROM SUBJECT MSGID CIPHER [EXTRA]: a PGP/MIME message.
wrap() {
	pgpmime_wrap "$1" practice@clinic.example "$2" "$3" "$4" "${5:-}"
}

# entry SIGNER FROM SUBJECT BODY MSGID [EXTRA]: a genuine-looking entry.
# EXTRA holds further header lines, one per line (LF; made CRLF here).  The
# ciphertext stays in $TRASH/.e.asc until the next entry.
entry() {
	e_extra=${6:-}
	make_mime_entry "$3" "$4" >"$TRASH/.e.in" &&
	se "$1" "$TRASH/.e.in" "$TRASH/.e.asc" &&
	wrap "$2" "$3" "$5" "$TRASH/.e.asc" "${e_extra//$'\n'/$'\r\n'}"
}

# deep_refs N LAST: a References value of N unknown IDs, then LAST, folded
# one ID a line (LF).
deep_refs() {
	i=0
	while [ $i -lt "$1" ]; do
		printf ' <ref.%d@elsewhere.example>\n' $i
		i=$((i + 1))
	done
	printf ' <%s>' "$2"
}

# enc_entity CIPHER BOUNDARY: an RFC 3156 multipart/encrypted entity (its
# Content-Type and body), as it may sit below a root.
enc_entity() {
	printf 'Content-Type: multipart/encrypted; protocol="application/pgp-encrypted"; boundary="%s"\r\n\r\n' "$2"
	printf -- '--%s\r\nContent-Type: application/pgp-encrypted\r\n\r\nVersion: 1\r\n\r\n' "$2"
	printf -- '--%s\r\nContent-Type: application/octet-stream; name="encrypted.asc"\r\n\r\n' "$2"
	crlf <"$1"
	printf -- '--%s--\r\n' "$2"
}

# signed_entity SIGNER PARTFILE BOUNDARY: an RFC 3156 multipart/signed
# entity over the MIME entity in PARTFILE.
signed_entity() {
	gpg_as "$1" --armor --yes --detach-sign --digest-algo SHA256 \
		--local-user "$(fpr_of "$1")" --output "$TRASH/.sig" "$2" || return 1
	printf 'Content-Type: multipart/signed; micalg=pgp-sha256; protocol="application/pgp-signature"; boundary="%s"\r\n\r\n' "$3"
	printf -- '--%s\r\n' "$3"
	cat "$2"
	printf -- '\r\n--%s\r\nContent-Type: application/pgp-signature; name="signature.asc"\r\n\r\n' "$3"
	crlf <"$TRASH/.sig"
	printf -- '--%s--\r\n' "$3"
}

# text_part BODY: a text/plain entity, CRLF.
text_part() {
	printf 'Content-Type: text/plain; charset=utf-8\r\n\r\n%s\r\n' "$1"
}

# pyedit FILE PYTHON: run PYTHON on the bytes d of FILE and write d back.
pyedit() {
	python3 -c "
import sys
p = sys.argv[1]
d = open(p, 'rb').read()
$2
open(p, 'wb').write(d)" "$1"
}

# ---------------------------------------------------------------------------

test_expect_success 'setup: practice, therapist, three clients, a stranger' '
	setup_practice thera alice bob erin &&
	gpg_user eve eve@elsewhere.example &&
	for p in alice bob erin eve
	do
		gpg_import $p "$KEYS/practice.pub" || return 1
	done &&
	test -n "$(pfpr)"
'

test_expect_success 'control: a plain PGP/MIME entry from alice reaches her journal' '
	entry alice "Alice <alice@$D>" "Control" "control body" ctl.1@$D >ctl.eml &&
	deliver_expect ctl.eml journal:alice ctl.1@$D &&
	test "$(jget "e[\"subject\"]")" = Control &&
	test "$(jget "e[\"body\"]")" = "control body" &&
	test "$(jget "e[\"signer\"]")" = "$(fpr_of alice)" &&
	test "$(jget "e[\"from\"]")" = alice@$D
'

# --- From: what the address is, whatever it looks like -------------------

test_expect_success 'erin signs, From "alice@client.example" <erin@...>: erin journal, never alice' '
	entry erin "\"alice@$D\" <erin@$D>" "Display name" "erin writes" dn.1@$D >dn1.eml &&
	deliver_expect dn1.eml journal:erin dn.1@$D &&
	test "$(jget "e[\"from\"]")" = erin@$D &&
	test "$(jget "e[\"signer\"]")" = "$(fpr_of erin)"
'

test_expect_success 'alice signs, From "alice@client.example" <eve@elsewhere>: address-mismatch' '
	entry alice "\"alice@$D\" <eve@elsewhere.example>" "Display name 2" "$CANARY" \
		dn.2@$D >dn2.eml &&
	deliver_expect dn2.eml quarantine:address-mismatch dn.2@$D
'

# An unquoted display name holding an @ is not valid RFC 5322; a parser
# that takes the first addr-spec it sees would read alice.
test_expect_success 'alice signs, From alice@client.example <erin@...> (unquoted): not alice' '
	entry alice "alice@$D <erin@$D>" "Unquoted" "$CANARY" dn.3@$D >dn3.eml &&
	deliver_expect dn3.eml "quarantine:address-mismatch|quarantine:malformed" dn.3@$D
'

test_expect_success 'alice signs, From eve@elsewhere (alice@client.example): a comment is no address' '
	entry alice "eve@elsewhere.example (alice@$D)" "Comment" "$CANARY" dn.4@$D >dn4.eml &&
	deliver_expect dn4.eml quarantine:address-mismatch dn.4@$D
'

test_expect_success 'alice signs, From alice@client.example (Eve): a comment is ignored' '
	entry alice "alice@$D (Eve Example)" "Comment 2" "comment two" dn.5@$D >dn5.eml &&
	deliver_expect dn5.eml journal:alice dn.5@$D &&
	test "$(jget "e[\"from\"]")" = alice@$D
'

test_expect_success 'From in another case than registered: journal alice' '
	entry alice "ALICE <Alice@CLIENT.Example>" "Case" "case body" case.1@$D >case.eml &&
	deliver_expect case.eml journal:alice case.1@$D &&
	test "$(jget "e[\"body\"]")" = "case body"
'

test_expect_success 'From group syntax naming alice and eve: not journaled' '
	entry alice "Team: alice@$D, eve@elsewhere.example;" "Group" "$CANARY" grp.1@$D >grp1.eml &&
	deliver_expect grp1.eml "quarantine:address-mismatch|quarantine:malformed" grp.1@$D
'

test_expect_success 'From an empty group (undisclosed-recipients:;): not journaled' '
	entry alice "undisclosed-recipients:;" "Empty group" "$CANARY" grp.2@$D >grp2.eml &&
	deliver_expect grp2.eml "quarantine:address-mismatch|quarantine:malformed" grp.2@$D
'

test_expect_success 'From with two mailboxes, alice first: not journaled' '
	entry alice "alice@$D, eve@elsewhere.example" "Two mailboxes" "$CANARY" two.1@$D >two.eml &&
	deliver_expect two.eml "quarantine:address-mismatch|quarantine:malformed" two.1@$D
'

test_expect_success 'no From header at all, signed by alice: not journaled' '
	entry alice "alice@$D" "No From" "$CANARY" nofrom.1@$D >nofrom.eml &&
	sed -i "/^From: /d" nofrom.eml &&
	! grep -q "^From:" nofrom.eml &&
	deliver_expect nofrom.eml "quarantine:malformed|quarantine:address-mismatch" nofrom.1@$D
'

test_expect_success 'a second From header spelled "from:" in lower case: malformed' '
	entry alice "alice@$D" "Lower from" "$CANARY" lowfrom.1@$D \
		"from: Eve <eve@elsewhere.example>" >lowfrom.eml &&
	test $(grep -ci "^from: " lowfrom.eml) = 2 &&
	deliver_expect lowfrom.eml quarantine:malformed lowfrom.1@$D
'

test_expect_success 'Sender: alice, From: a stranger, signed by alice: address-mismatch' '
	entry alice "Eve <eve@elsewhere.example>" "Sender" "$CANARY" sender.1@$D \
		"Sender: Alice <alice@$D>" >sender1.eml &&
	deliver_expect sender1.eml quarantine:address-mismatch sender.1@$D
'

test_expect_success 'Sender and Reply-To alice, From a stranger, signed by eve: unknown-signer' '
	entry eve "Eve <eve@elsewhere.example>" "Sender 2" "$CANARY" sender.2@$D \
		"Sender: alice@$D
Reply-To: alice@$D" >sender2.eml &&
	deliver_expect sender2.eml quarantine:unknown-signer sender.2@$D
'

test_expect_success 'protected inner From alice in another case and name: journal alice' '
	printf "Content-Type: text/plain; charset=utf-8; protected-headers=\"v1\"\r\nFrom: \"A. Liddell\" <ALICE@client.EXAMPLE>\r\nSubject: Inner case\r\n\r\ninner case body\r\n" >pcase.in &&
	se alice pcase.in pcase.asc &&
	wrap "Alice <alice@$D>" "..." pcase.1@$D pcase.asc >pcase.eml &&
	deliver_expect pcase.eml journal:alice pcase.1@$D &&
	test "$(jget "e[\"subject\"]")" = "Inner case"
'

# --- Message-ID squatting, duplicates and threads ------------------------

test_expect_success 'a stranger sends first with the Message-ID of a coming alice entry: unknown-signer' '
	entry eve "Alice <alice@$D>" "Squat" "$CANARY" genuine.7@$D >squat1.eml &&
	deliver_expect squat1.eml quarantine:unknown-signer genuine.7@$D
'

test_expect_success 'registered erin squats the same Message-ID: it goes to erin only' '
	entry erin "erin@$D" "Squat 2" "erin squats" genuine.7@$D >squat2.eml &&
	deliver_expect squat2.eml journal:erin genuine.7@$D
'

test_expect_success 'a plaintext forgery with the same Message-ID: not-encrypted' '
	craft_plain "Alice <alice@$D>" "Squat 3" genuine.7@$D "$CANARY" >squat3.eml &&
	deliver_expect squat3.eml quarantine:not-encrypted genuine.7@$D
'

test_expect_success 'the genuine alice entry with that Message-ID is still stored' '
	entry alice "Alice <alice@$D>" "Genuine" "the genuine entry" genuine.7@$D >genuine.eml &&
	deliver_expect genuine.eml journal:alice genuine.7@$D &&
	test "$(jget "e[\"body\"]")" = "the genuine entry" &&
	test "$(jget "e[\"thread\"] == e[\"id\"]")" = True
'

test_expect_success 'a reply by alice to it threads in her own journal' '
	entry alice "alice@$D" "Re: Genuine" "a follow-up" genuine.8@$D \
		"In-Reply-To: <genuine.7@$D>
References: <genuine.7@$D>" >reply.eml &&
	deliver_expect reply.eml journal:alice genuine.8@$D &&
	test "$(jget "e[\"thread\"]")" = "$(thread_of alice genuine.7@$D)" &&
	test "$(jget "e[\"thread\"]")" != "$(thread_of erin genuine.7@$D)"
'

test_expect_success 'a reply by bob whose References name alice entries: bob journal, new thread' '
	entry bob "Bob <bob@$D>" "Re: Genuine" "bob replies" bobreply.1@$D \
		"References: <ctl.1@$D> <genuine.7@$D>" >bobreply.eml &&
	deliver_expect bobreply.eml journal:bob bobreply.1@$D &&
	test "$(jget "e[\"thread\"] == e[\"id\"]")" = True
'

test_expect_success 'the same content as an entry of alice, signed by bob: bob journal, no duplicate' '
	make_mime_entry "Same words" "exactly the same words" >same.in &&
	se alice same.in same-a.asc &&
	se bob same.in same-b.asc &&
	wrap "alice@$D" "Same words" same.a@$D same-a.asc >same-a.eml &&
	wrap "bob@$D" "Same words" same.b@$D same-b.asc >same-b.eml &&
	deliver_expect same-a.eml journal:alice same.a@$D &&
	deliver_expect same-b.eml journal:bob same.b@$D &&
	test "$(jget "e[\"body\"]")" = "exactly the same words"
'

test_expect_success 'a first delivery as mbox with LF line ends is stored; the CRLF original is a duplicate' '
	entry alice "alice@$D" "Mbox" "mbox body" mbox.1@$D >mbox-crlf.eml &&
	{ echo "From alice@$D Mon Mar  2 09:00:00 2026"; sed "s/\r$//" mbox-crlf.eml; } >mbox-lf.eml &&
	! grep -q "$(printf "\r")" mbox-lf.eml &&
	deliver_expect mbox-lf.eml journal:alice mbox.1@$D &&
	test "$(jget "e[\"body\"]")" = "mbox body" &&
	deliver_expect mbox-crlf.eml none "*"
'

test_expect_success 'a quarantined message redelivered with new trace headers is kept once' '
	craft_plain "alice@$D" "Twice" twice.1@$D "$CANARY twice" >twice.eml &&
	deliver_expect twice.eml quarantine:not-encrypted twice.1@$D &&
	{ printf "Received: from mx2 (mx2.example [192.0.2.2]) by here;\r\n\tMon, 2 Mar 2026 09:05:00 +0000\r\n";
	  printf "Return-Path: <alice@$D>\r\nDelivered-To: practice@clinic.example\r\n";
	  printf "X-Original-To: practice@clinic.example\r\n"; cat twice.eml; } >twice-trace.eml &&
	deliver_expect twice-trace.eml none "*"
'

test_expect_success 'an entry without Message-ID is stored (message_id empty), once' '
	entry alice "alice@$D" "No id" "no message id" x@$D >noid.eml &&
	sed -i "/^Message-ID: /d" noid.eml &&
	! grep -qi "^Message-ID" noid.eml &&
	deliver_expect noid.eml journal:alice "" &&
	test "$(jget "e[\"body\"]")" = "no message id" &&
	{ printf "Received: from mx (mx.example [192.0.2.1]) by here;\r\n\tMon, 2 Mar 2026 09:01:00 +0000\r\n"; cat noid.eml; } >noid2.eml &&
	deliver_expect noid2.eml none "*" &&
	entry alice "alice@$D" "No id 2" "another without id" x@$D >noid3.eml &&
	sed -i "/^Message-ID: /d" noid3.eml &&
	deliver_expect noid3.eml journal:alice ""
'

# --- Where the encryption is, and what the signature covers --------------

test_expect_success 'multipart/signed by alice around a multipart/encrypted: never a journal' '
	make_mime_entry "Sig around" "$CANARY" >sa.in &&
	se alice sa.in sa.asc &&
	enc_entity sa.asc enc-b >sa.part &&
	{ craft_headers "alice@$D" "Sig around" sigaround.1@$D; signed_entity alice sa.part sig-b; } >sa.eml &&
	deliver_expect sa.eml "quarantine:partial|quarantine:not-encrypted" sigaround.1@$D
'

# A message bob really sent to the practice is captured on the way; alice
# (or whoever holds her key) puts bob's ciphertext inside her own entry.
# The gateway must not decrypt a part below the root, so bob's words must
# appear nowhere.
test_expect_success 'captured ciphertext of bob inside an alice entry, next to her text: partial' '
	entry bob "bob@$D" "Bob private" "$BOBSECRET" bobpriv.1@$D >bobpriv.eml &&
	cp "$TRASH/.e.asc" bob-captured.asc &&
	enc_entity bob-captured.asc bob-enc >bob.part &&
	{ printf "Content-Type: multipart/mixed; boundary=\"wrap-b\"\r\n\r\n--wrap-b\r\n";
	  text_part "alice forwards something $CANARY"; printf -- "--wrap-b\r\n";
	  cat bob.part; printf -- "--wrap-b--\r\n"; } >replay.in &&
	se alice replay.in replay.asc &&
	wrap "alice@$D" "Replay" replay.1@$D replay.asc >replay.eml &&
	deliver_expect replay.eml quarantine:partial replay.1@$D &&
	nowhere "$BOBSECRET"
'

test_expect_success 'captured ciphertext of bob as the whole signed content of alice: partial' '
	se alice bob.part replay2.asc &&
	wrap "alice@$D" "Replay 2" replay.2@$D replay2.asc >replay2.eml &&
	deliver_expect replay2.eml quarantine:partial replay.2@$D &&
	nowhere "$BOBSECRET"
'

test_expect_success 'the message bob sent, delivered after the replays, still reaches bob' '
	deliver_expect bobpriv.eml journal:bob bobpriv.1@$D &&
	test "$(jget "e[\"body\"]")" = "$BOBSECRET"
'

test_expect_success 'signed+encrypted by alice around a multipart/signed by bob: bad-signature' '
	text_part "$CANARY two signers" >ts.part &&
	signed_entity bob ts.part ts-b >ts.in &&
	se alice ts.in ts.asc &&
	wrap "alice@$D" "Two signers" twosig.1@$D ts.asc >ts.eml &&
	deliver_expect ts.eml quarantine:bad-signature twosig.1@$D
'

test_expect_success 'encrypted, inside: a multipart/signed by alice plus an unsigned text part: not journaled' '
	text_part "alice signed this" >us.part &&
	{ printf "Content-Type: multipart/mixed; boundary=\"mx-b\"\r\n\r\n--mx-b\r\n";
	  signed_entity alice us.part us-b; printf -- "--mx-b\r\n";
	  text_part "added unsigned $CANARY"; printf -- "--mx-b--\r\n"; } >us.in &&
	eo us.in us.asc &&
	wrap "alice@$D" "Partly signed" partsig.1@$D us.asc >us.eml &&
	deliver_expect us.eml "quarantine:unsigned|quarantine:bad-signature|quarantine:partial" partsig.1@$D
'

test_expect_success 'multipart/encrypted with a third, plaintext part: not journaled' '
	entry alice "alice@$D" "Three parts" "three parts" three.1@$D >three.eml &&
	pyedit three.eml "d = d.replace(b\"--outer-b--\", b\"--outer-b\\r\\nContent-Type: text/plain\\r\\n\\r\\n$CANARY third\\r\\n--outer-b--\")" &&
	test $(grep -c "^--outer-b" three.eml) = 4 &&
	deliver_expect three.eml "quarantine:partial|quarantine:malformed" three.1@$D
'

test_expect_success 'PGP/MIME holding a signed-only OpenPGP message: not-encrypted' '
	make_mime_entry "Signed only" "$CANARY" >so.in &&
	gpg_as alice --armor --yes --local-user "$(fpr_of alice)" --sign --output so.asc so.in &&
	grep -q "BEGIN PGP MESSAGE" so.asc &&
	wrap "alice@$D" "Signed only" signonly.1@$D so.asc >so.eml &&
	deliver_expect so.eml quarantine:not-encrypted signonly.1@$D
'

test_expect_success 'PGP/MIME encrypted with a passphrase only: decrypt-failed, quickly' '
	make_mime_entry "Symmetric" "$CANARY" >sym.in &&
	gpg_as alice --armor --yes --symmetric --pinentry-mode loopback --passphrase s3cret \
		--output sym.asc sym.in &&
	wrap "alice@$D" "Symmetric" sym.1@$D sym.asc >sym.eml &&
	deliver_expect sym.eml quarantine:decrypt-failed sym.1@$D &&
	echo "# delivery took $(cat deliver.ms)ms" &&
	test $(cat deliver.ms) -lt 30000
'

# --- Inline PGP ----------------------------------------------------------

test_expect_success 'inline: two armored blocks in one text/plain body: not journaled' '
	printf "first block\n" >ib1.txt && printf "second block %s\n" "$CANARY" >ib2.txt &&
	se alice ib1.txt ib1.asc && se alice ib2.txt ib2.asc &&
	{ cat ib1.asc; echo; cat ib2.asc; } >ib.asc &&
	craft_inline "alice@$D" "Two blocks" twoblocks.1@$D ib.asc >ib.eml &&
	deliver_expect ib.eml "quarantine:partial|quarantine:malformed" twoblocks.1@$D
'

test_expect_success 'inline: a block followed by a signature block: not journaled' '
	printf "inline with sig\n" >isg.txt && se alice isg.txt isg.asc &&
	printf "%s\n" "$CANARY" >isg.extra &&
	gpg_as alice --armor --yes --detach-sign --local-user "$(fpr_of alice)" \
		--output isg.sig isg.extra &&
	cat isg.asc isg.sig >isg.both &&
	craft_inline "alice@$D" "Trailing sig" trailsig.1@$D isg.both >isg.eml &&
	deliver_expect isg.eml "quarantine:partial|quarantine:malformed" trailsig.1@$D
'

test_expect_success 'inline: a block followed by a list footer: partial' '
	printf "inline with footer\n" >ift.txt && se alice ift.txt ift.asc &&
	craft_inline "alice@$D" "Footer" footer.1@$D ift.asc "" \
		"-- 
Unsubscribe: $CANARY" >ift.eml &&
	deliver_expect ift.eml quarantine:partial footer.1@$D
'

test_expect_success 'inline: a cleartext-signed message (not encrypted): not-encrypted' '
	printf "%s\n" "$CANARY clearsigned" >cs.txt &&
	gpg_as alice --armor --yes --local-user "$(fpr_of alice)" --clearsign --output cs.asc cs.txt &&
	grep -q "BEGIN PGP SIGNED MESSAGE" cs.asc &&
	craft_inline "alice@$D" "Clearsigned" clear.1@$D cs.asc >cs.eml &&
	deliver_expect cs.eml quarantine:not-encrypted clear.1@$D
'

test_expect_success 'inline: a signed-only PGP MESSAGE block: not-encrypted' '
	printf "%s\n" "$CANARY signed only inline" >iso.txt &&
	gpg_as alice --armor --yes --local-user "$(fpr_of alice)" --sign --output iso.asc iso.txt &&
	craft_inline "alice@$D" "Inline signed only" isonly.1@$D iso.asc >iso.eml &&
	deliver_expect iso.eml quarantine:not-encrypted isonly.1@$D
'

# --- Odd but valid shapes of a genuine entry -----------------------------

test_expect_success 'mixed CRLF and LF line ends in a genuine entry: journal alice' '
	entry alice "alice@$D" "Mixed ends" "mixed ends body" mixed.1@$D >mixed.eml &&
	pyedit mixed.eml "
ls = d.split(b\"\\r\\n\")
d = b\"\".join(l + (b\"\\n\" if i % 2 else b\"\\r\\n\") for i, l in enumerate(ls[:-1])) + ls[-1]" &&
	grep -c "$(printf "\r")$" mixed.eml >crs && test $(cat crs) -gt 5 &&
	test $(grep -vc "$(printf "\r")$" mixed.eml) -gt 5 &&
	deliver_expect mixed.eml journal:alice mixed.1@$D &&
	test "$(jget "e[\"body\"]")" = "mixed ends body"
'

test_expect_success 'Content-Type names and parameters in odd case: journal alice' '
	entry alice "alice@$D" "Odd case" "odd case body" oddcase.1@$D >oddcase.eml &&
	pyedit oddcase.eml "
d = d.replace(b\"MIME-Version: 1.0\", b\"mime-version: 1.0\")
d = d.replace(b\"Content-Type: multipart/encrypted; protocol=\\\"application/pgp-encrypted\\\"; boundary=\",
              b\"content-type: MULTIPART/ENCRYPTED; Protocol=\\\"Application/PGP-Encrypted\\\"; BOUNDARY=\")
d = d.replace(b\"Content-Type: application/pgp-encrypted\", b\"CONTENT-TYPE: APPLICATION/PGP-ENCRYPTED\")
d = d.replace(b\"Content-Type: application/octet-stream; name=\", b\"Content-type: Application/Octet-Stream; NAME=\")" &&
	grep -q "MULTIPART/ENCRYPTED; Protocol" oddcase.eml &&
	grep -q "APPLICATION/PGP-ENCRYPTED" oddcase.eml &&
	grep -q "Application/Octet-Stream" oddcase.eml &&
	deliver_expect oddcase.eml journal:alice oddcase.1@$D &&
	test "$(jget "e[\"body\"]")" = "odd case body"
'

test_expect_success 'the octet-stream part in base64 transfer encoding: journal alice' '
	make_mime_entry "Base64" "base64 part body" >b64.in &&
	se alice b64.in b64.asc &&
	{ craft_headers "alice@$D" "Base64" b64.1@$D;
	  printf "Content-Type: multipart/encrypted; protocol=\"application/pgp-encrypted\"; boundary=\"b64-b\"\r\n\r\n";
	  printf -- "--b64-b\r\nContent-Type: application/pgp-encrypted\r\n\r\nVersion: 1\r\n\r\n";
	  printf -- "--b64-b\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n";
	  base64 b64.asc | crlf; printf -- "--b64-b--\r\n"; } >b64.eml &&
	! grep -q "BEGIN PGP" b64.eml &&
	deliver_expect b64.eml journal:alice b64.1@$D &&
	test "$(jget "e[\"body\"]")" = "base64 part body"
'

# RFC 3156 asks for "Version: 1" in the control part; being lenient about
# it is harmless (the ciphertext and signature decide), being strict too.
test_expect_success 'control part without "Version: 1": journal alice or malformed, nothing else' '
	entry alice "alice@$D" "No version" "no version line" nover.1@$D >nover.eml &&
	sed -i "/^Version: 1\r$/d" nover.eml &&
	! grep -q "^Version: 1" nover.eml &&
	deliver_expect nover.eml "journal:alice|quarantine:malformed" nover.1@$D
'

test_expect_success 'obsolete folding (a blank continuation line) in Subject: journal alice' '
	entry alice "alice@$D" "SUBJ" "obs fold body" obsfold.1@$D >obsfold.eml &&
	pyedit obsfold.eml "d = d.replace(b\"Subject: SUBJ\\r\\n\", b\"Subject: Folded\\r\\n \\r\\n\\tsubject end\\r\\n\", 1)" &&
	grep -q "^ $(printf "\r")$" obsfold.eml &&
	deliver_expect obsfold.eml journal:alice obsfold.1@$D &&
	test "$(jget "e[\"body\"]")" = "obs fold body" &&
	jget "e[\"subject\"]" >subj &&
	grep -q "^Folded.*subject end$" subj &&
	test $(wc -l <subj) = 1 &&
	test "$(jget "\"\\r\" in e[\"subject\"] or \"\\n\" in e[\"subject\"]")" = False
'

test_expect_success 'an encoded protected Subject hiding CR LF Bcc: no newline in the journal subject' '
	enc=$(printf "Hello\r\nBcc: eve@elsewhere.example\r\n\r\nfake body" | base64 -w0) &&
	printf "Content-Type: text/plain; charset=utf-8; protected-headers=\"v1\"\r\nFrom: alice@$D\r\nSubject: =?utf-8?B?%s?=\r\n\r\ninjection body\r\n" "$enc" >inj.in &&
	se alice inj.in inj.asc &&
	wrap "alice@$D" "..." inject.1@$D inj.asc >inj.eml &&
	deliver_expect inj.eml journal:alice inject.1@$D &&
	test "$(jget "e[\"body\"]")" = "injection body" &&
	test "$(jget "e[\"subject\"].startswith(\"Hello\")")" = True &&
	test "$(jget "any(ord(ch) < 32 or ord(ch) == 127 for ch in e[\"subject\"])")" = False &&
	confidant journal alice >inj.txt &&
	! grep -q "^Bcc:" inj.txt &&
	! grep -q "^fake body" inj.txt
'

test_expect_success 'a 100 KB header line on a genuine entry: alice or malformed/too-large, quickly' '
	long=$(head -c 102400 /dev/zero | tr "\0" a) &&
	entry alice "alice@$D" "Long header" "long header body" longhdr.1@$D "X-Padding: $long" >longhdr.eml &&
	test $(wc -L <longhdr.eml) -gt 100000 &&
	deliver_expect longhdr.eml "journal:alice|quarantine:malformed|quarantine:too-large" longhdr.1@$D &&
	echo "# delivery took $(cat deliver.ms)ms" &&
	test $(cat deliver.ms) -lt 10000
'

# References lists the oldest first and the direct parent last.
test_expect_success 'References with 300 unknown IDs and the parent last: threads under the parent' '
	entry alice "alice@$D" "Re: Control" "deep reply" deepref.1@$D \
		"References:$(deep_refs 300 ctl.1@$D)" >deepref.eml &&
	test $(grep -c "^ <.*>$(printf "\r")$" deepref.eml) = 300 &&
	test $(grep -c "<ref\." deepref.eml) = 300 &&
	deliver_expect deepref.eml journal:alice deepref.1@$D &&
	test "$(jget "e[\"thread\"]")" = "$(thread_of alice ctl.1@$D)"
'

test_expect_success 'a NUL byte in the body of a plaintext message: not journaled' '
	{ craft_headers "alice@$D" "Nul" nul.1@$D;
	  printf "Content-Type: text/plain; charset=utf-8\r\n\r\nbefore\000after %s\r\n" "$CANARY"; } >nul.eml &&
	test $(tr -dc "\000" <nul.eml | wc -c) = 1 &&
	deliver_expect nul.eml "quarantine:not-encrypted|quarantine:malformed" nul.1@$D
'

test_expect_success 'an entry with a 1 MB attachment: size, sha256, bytes' '
	head -c 1048576 /dev/urandom >big.bin &&
	make_mime_entry "Big" "big attachment" big.bin >big.in &&
	se alice big.in big.asc &&
	wrap "alice@$D" "Big" big.1@$D big.asc >big.eml &&
	deliver_expect big.eml journal:alice big.1@$D &&
	test "$(jget "len(e[\"attachments\"])")" = 1 &&
	test "$(jget "e[\"attachments\"][0][\"filename\"]")" = big.bin &&
	test "$(jget "e[\"attachments\"][0][\"content_type\"]")" = application/octet-stream &&
	test "$(jget "e[\"attachments\"][0][\"size\"]")" = 1048576 &&
	test "$(jget "e[\"attachments\"][0][\"sha256\"]")" = "$(sha256sum big.bin | cut -d" " -f1)" &&
	confidant attachment "$(jget "e[\"attachments\"][0][\"id\"]")" -o big.out &&
	cmp big.bin big.out
'

# --- Charsets -------------------------------------------------------------

test_expect_success 'windows-1252 text (smart quotes, euro sign) becomes UTF-8' '
	printf "Content-Type: text/plain; charset=windows-1252\r\nContent-Transfer-Encoding: 8bit\r\n\r\n\223Quoted\224 costs \200 5\r\n" >w1252.in &&
	se alice w1252.in w1252.asc &&
	wrap "alice@$D" "cp1252" w1252.1@$D w1252.asc >w1252.eml &&
	deliver_expect w1252.eml journal:alice w1252.1@$D &&
	jget "e[\"body\"]" >body &&
	printf "\342\200\234Quoted\342\200\235 costs \342\202\254 5\n" >expect &&
	test_cmp expect body
'

test_expect_success 'KOI8-R text (quoted charset name, upper case) becomes UTF-8' '
	python3 -c "import sys; sys.stdout.buffer.write(b\"Content-Type: text/plain; charset=\\\"KOI8-R\\\"\\r\\n\\r\\n\" + \"Привет, доктор\".encode(\"koi8-r\") + b\"\\r\\n\")" >koi.in &&
	se alice koi.in koi.asc &&
	wrap "alice@$D" "koi8" koi.1@$D koi.asc >koi.eml &&
	deliver_expect koi.eml journal:alice koi.1@$D &&
	jget "e[\"body\"]" >body &&
	echo "Привет, доктор" >expect &&
	test_cmp expect body
'

test_expect_success 'an unknown charset name: journal alice, the body is valid UTF-8' '
	printf "Content-Type: text/plain; charset=x-no-such-charset\r\n\r\nplain words caf\351 end\r\n" >unk.in &&
	se alice unk.in unk.asc &&
	wrap "alice@$D" "Unknown charset" unkcs.1@$D unk.asc >unk.eml &&
	deliver_expect unk.eml journal:alice unkcs.1@$D &&
	confidant journal alice --json >unk.json &&
	python3 -c "open(\"unk.json\", \"rb\").read().decode(\"utf-8\")" &&
	jget "e[\"body\"]" >body &&
	grep -q "^plain words caf.* end$" body
'

# --- Automatic mail --------------------------------------------------------

test_expect_success 'a genuine entry with a null Return-Path: bounce' '
	entry alice "alice@$D" "Null sender" "$CANARY" nullrp.1@$D >nullrp.eml &&
	{ printf "Return-Path: <>\r\n"; cat nullrp.eml; } >nullrp2.eml &&
	deliver_expect nullrp2.eml quarantine:bounce nullrp.1@$D
'

test_expect_success 'a genuine entry saying Auto-Submitted: no: journal alice' '
	entry alice "alice@$D" "Not auto" "written by hand" notauto.1@$D \
		"Auto-Submitted: no" >notauto.eml &&
	deliver_expect notauto.eml journal:alice notauto.1@$D
'

# --- Mailing lists ---------------------------------------------------------

test_expect_success 'a plaintext list message from the address of alice: not journaled' '
	craft_plain "Alice <alice@$D>" "List" list.1@$D "$CANARY list" \
		"List-Id: Therapy talk <talk.lists.example>
Precedence: bulk
List-Unsubscribe: <mailto:leave@lists.example>" >list1.eml &&
	deliver_expect list1.eml "quarantine:not-encrypted|quarantine:bounce" list.1@$D
'

# A list that passes the message through untouched keeps it encrypted and
# signed by alice: journaling it is acceptable, since only the signature and
# the From address decide.
test_expect_success 'a signed+encrypted entry of alice that came through a list: journal alice' '
	entry alice "Alice <alice@$D>" "Via list" "via list body" list.2@$D \
		"List-Id: Therapy talk <talk.lists.example>
Precedence: list" >list2.eml &&
	deliver_expect list2.eml journal:alice list.2@$D
'

# --- At the end --------------------------------------------------------------

# Quarantine show gives back the kept message, so a canary sent in clear is
# rightly there; only the journals are searched for it.
test_expect_success 'the canary is in no journal; the words of bob only in his' '
	for c in $CLIENTS
	do
		confidant journal $c --json >all.json &&
		confidant journal $c >all.txt &&
		! grep -a -q "$CANARY" all.json all.txt || return 1
	done &&
	nowhere "$BOBSECRET" bob &&
	confidant journal bob --json | grep -o "$BOBSECRET" | wc -l >n &&
	test "$(cat n)" = 1
'

test_done
