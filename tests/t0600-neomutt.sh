#!/bin/bash
# t0600-neomutt: entries composed by a real NeoMutt, signed and encrypted
# with PGP/MIME (GPGME), go through `confidant deliver` into the right
# journal, with the right signer, text, attachment bytes and threads.

. "$(dirname "$0")/test-lib.sh"

test_have_prereq NEOMUTT || skip_all "neomutt or tmux is not installed"
command -v python3 >/dev/null 2>&1 || skip_all "python3 is not installed"

. "$TEST_DIR/lib-gpg.sh"
. "$TEST_DIR/lib-neomutt.sh"

# jfield HANDLE MSGID PATH: one field of the entry of HANDLE's journal whose
# message_id is MSGID (exactly one such entry must exist).  PATH is dotted,
# list indices are numbers: attachments.0.sha256.  Strings are printed with
# CRLF turned into LF, anything else as JSON.
jfield() {
	confidant journal "$1" --json >"$TRASH/journal.$1.json" || {
		echo "jfield: confidant journal $1 --json failed" >&2
		return 1
	}
	python3 - "$TRASH/journal.$1.json" "$2" "$3" <<'EOF'
import json, sys
path, msgid, field = sys.argv[1:4]
with open(path, encoding="utf-8") as f:
    text = f.read()
try:
    entries = json.loads(text)
except ValueError as e:
    sys.exit("jfield: journal is not JSON (%s):\n%s" % (e, text[:2000]))
hits = [e for e in entries if e.get("message_id") == msgid]
if len(hits) != 1:
    sys.exit("jfield: %d entries with message_id %s in:\n%s"
             % (len(hits), msgid, json.dumps(entries, indent=1)[:3000]))
v = hits[0]
for k in field.split("."):
    try:
        v = v[int(k)] if isinstance(v, list) else v[k]
    except (KeyError, IndexError, ValueError):
        sys.exit("jfield: no %s in %s" % (field, json.dumps(hits[0], indent=1)))
if isinstance(v, str):
    sys.stdout.write(v.replace("\r\n", "\n") + "\n")
else:
    print(json.dumps(v))
EOF
}

# expect_eq WHAT WANT GOT
expect_eq() {
	if [ "$2" != "$3" ]; then
		printf '%s: wanted\n%s\ngot\n%s\n' "$1" "$2" "$3" >&2
		return 1
	fi
}

sha256_of() { sha256sum "$1" | cut -d' ' -f1; }

# outer_header NAME FILE: the value of a one-line top-level header.
outer_header() {
	sed -n "/^\$/q; s/^$1: *//p" "$2" | head -n 1
}

BODY1='I slept badly on Monday and Tuesday.
The breathing exercise helped on Wednesday; müde, aber besser.'
BODY2='Follow-up: Thursday was fine too.'
BODY3='A new topic: my appointment next month.'

test_expect_success 'setup: practice, therapist, two clients' '
	practice_init &&
	test -s "$KEYS/practice.pub" &&
	gpg_user tess tess@clinic.example &&
	gpg_user carol carol@example.org &&
	gpg_user dave dave@example.net &&
	confidant therapist add tess --email tess@clinic.example \
		--key "$KEYS/tess.pub" --timezone Europe/Berlin &&
	confidant client add carol --email carol@example.org \
		--key "$KEYS/carol.pub" --therapist tess &&
	confidant client add dave --email dave@example.net \
		--key "$KEYS/dave.pub" --therapist tess &&
	head -c 3000 /dev/urandom >scan.bin &&
	test $(wc -c <scan.bin) = 3000
'

test_expect_success 'NeoMutt composes an entry with an attachment, protected headers' '
	neomutt_compose -P -a "$TRASH/scan.bin" carol carol@example.org \
		"Notes after session one" "$BODY1" m1.eml &&
	neomutt_message_id m1.eml >m1.id &&
	test -s m1.id &&
	outer_header Content-Type m1.eml >ct &&
	test_grep "^multipart/encrypted; protocol=\"application/pgp-encrypted\"" ct &&
	# The real subject travels only inside: protected headers.
	expect_eq "outer subject" "..." "$(outer_header Subject m1.eml)"
'

# A copy of the practice keyring that also knows carol checks what NeoMutt
# made before the gateway sees it, so that a failure below is the gateway.
test_expect_success 'NeoMutt signed with carol'\''s key and encrypted to the practice' '
	v=$(gpg_home verifier) &&
	mkdir -p "$v" && chmod 700 "$v" &&
	for f in "$PRACTICE"/gnupg/*; do
		case ${f##*/} in S.*|*.lock) ;; *) cp -R "$f" "$v/" ;; esac
	done &&
	gpg_import verifier "$KEYS/carol.pub" &&
	neomutt_decrypt verifier m1.eml >m1.inner &&
	test_grep "^\[GNUPG:\] VALIDSIG .* $(fpr_of carol)\$" m1.eml.status &&
	test_grep "^\[GNUPG:\] DECRYPTION_OKAY" m1.eml.status &&
	test_grep "^Subject: Notes after session one" m1.inner &&
	test_grep "filename=\"scan.bin\"" m1.inner &&
	test_grep "^Content-Type: application/octet-stream" m1.inner
'

test_expect_success 'confidant deliver accepts the NeoMutt entry' '
	confidant deliver <m1.eml
'

test_expect_success 'the entry is in carol'\''s journal with subject, text and signer' '
	id=$(cat m1.id) &&
	expect_eq direction in "$(jfield carol "$id" direction)" &&
	expect_eq subject "Notes after session one" "$(jfield carol "$id" subject)" &&
	expect_eq body "$BODY1" "$(jfield carol "$id" body)" &&
	expect_eq signer "$(fpr_of carol)" "$(jfield carol "$id" signer)" &&
	expect_eq "attachment count" 1 "$(jfield carol "$id" attachments | python3 -c "import json,sys; print(len(json.load(sys.stdin)))")"
'

test_expect_success 'the attachment is recorded with its size and sha256' '
	id=$(cat m1.id) &&
	expect_eq filename scan.bin "$(jfield carol "$id" attachments.0.filename)" &&
	expect_eq content_type application/octet-stream \
		"$(jfield carol "$id" attachments.0.content_type)" &&
	expect_eq size 3000 "$(jfield carol "$id" attachments.0.size)" &&
	expect_eq sha256 "$(sha256_of scan.bin)" "$(jfield carol "$id" attachments.0.sha256)"
'

test_expect_success 'confidant attachment writes the original bytes' '
	att=$(jfield carol "$(cat m1.id)" attachments.0.id) &&
	confidant attachment "$att" -o scan.out &&
	cmp scan.bin scan.out
'

test_expect_success 'a NeoMutt follow-up lands in the same thread' '
	neomutt_compose -i "$(cat m1.id)" carol carol@example.org \
		"Re: Notes after session one" "$BODY2" m2.eml &&
	neomutt_message_id m2.eml >m2.id &&
	! test_cmp m1.id m2.id >/dev/null &&
	test_grep "^In-Reply-To: <$(cat m1.id)>" m2.eml &&
	expect_eq "outer subject" "Re: Notes after session one" "$(outer_header Subject m2.eml)" &&
	confidant deliver <m2.eml &&
	expect_eq body "$BODY2" "$(jfield carol "$(cat m2.id)" body)" &&
	expect_eq subject "Re: Notes after session one" "$(jfield carol "$(cat m2.id)" subject)" &&
	expect_eq "attachments" "[]" "$(jfield carol "$(cat m2.id)" attachments)" &&
	expect_eq thread "$(jfield carol "$(cat m1.id)" thread)" \
		"$(jfield carol "$(cat m2.id)" thread)"
'

test_expect_success 'an unrelated NeoMutt entry starts a new thread' '
	neomutt_compose carol carol@example.org "Appointment" "$BODY3" m3.eml &&
	neomutt_message_id m3.eml >m3.id &&
	confidant deliver <m3.eml &&
	expect_eq subject Appointment "$(jfield carol "$(cat m3.id)" subject)" &&
	t1=$(jfield carol "$(cat m1.id)" thread) &&
	t3=$(jfield carol "$(cat m3.id)" thread) &&
	test -n "$t3" &&
	if [ "$t1" = "$t3" ]; then
		echo "unrelated entry joined thread $t1" >&2
		false
	fi &&
	confidant journal carol --json >all.json &&
	expect_eq "entries" 3 "$(python3 -c "import json,sys; print(len(json.load(open(sys.argv[1]))))" all.json)"
'

test_expect_success 'the other client'\''s journal stays empty' '
	confidant journal dave --json >dave.json &&
	expect_eq "dave entries" 0 "$(python3 -c "import json,sys; print(len(json.load(open(sys.argv[1]))))" dave.json)"
'

test_done
