#!/bin/bash
# t0750-neomutt-relay: the relay, with a real NeoMutt on both ends.  A
# client's NeoMutt writes an entry; `confidant deliver` stores it and mails
# the therapist a notification through the sendmail command; the
# therapist's NeoMutt decrypts it, shows the entry and answers it with `r`;
# that reply, delivered, is stored in the client's journal as "out" and
# mailed to the client, whose NeoMutt decrypts it and shows the answer.

. "$(dirname "$0")/test-lib.sh"

test_have_prereq NEOMUTT || skip_all "neomutt or tmux is not installed"
command -v python3 >/dev/null 2>&1 || skip_all "python3 is not installed"

. "$TEST_DIR/lib-gpg.sh"
. "$TEST_DIR/lib-neomutt.sh"

# Reading, replying and sending take a few NeoMutt screens each.
NEOMUTT_TIMEOUT=${NEOMUTT_TIMEOUT:-40}

SENT=$TRASH/sent

ENTRY_SUBJECT='Notes after session one'
ENTRY_BODY='I slept badly on Monday and Tuesday.
The breathing exercise helped on Wednesday; müde, aber besser.'
REPLY_BODY='Thank you, carol. Keep doing the breathing exercise before bed.
We will look at the sleep diary on Friday; schöne Grüße.'
FOLLOWUP_BODY='Thank you, I will bring the diary on Friday.'

# expect_eq WHAT WANT GOT
expect_eq() {
	if [ "$2" != "$3" ]; then
		printf '%s: wanted\n%s\ngot\n%s\n' "$1" "$2" "$3" >&2
		return 1
	fi
}

# outer_header NAME FILE: the value of a one-line top-level header.
outer_header() {
	sed -n "/^\r\{0,1\}\$/q; s/^$1: *//p" "$2" | tr -d '\r' | head -n 1
}

# msgid FILE: the Message-ID of a message, without angle brackets.
msgid() {
	outer_header Message-ID "$1" | sed 's/^<\(.*\)>.*/\1/'
}

# sent_count: how many messages Confidant has handed to the sendmail command.
sent_count() {
	find "$SENT" -name '*.eml' | wc -l | tr -d ' '
}

# jentry HANDLE FIELD=VALUE: the one journal entry of HANDLE whose FIELD
# is VALUE, as JSON on stdout (the whole journal is left in journal.HANDLE.json).
jentry() {
	confidant journal "$1" --json >"$TRASH/journal.$1.json" || {
		echo "jentry: confidant journal $1 --json failed" >&2
		return 1
	}
	python3 - "$TRASH/journal.$1.json" "$2" <<'EOF'
import json, sys
path, cond = sys.argv[1:3]
field, want = cond.split("=", 1)
with open(path, encoding="utf-8") as f:
    text = f.read()
try:
    entries = json.loads(text)
except ValueError as e:
    sys.exit("jentry: journal is not JSON (%s):\n%s" % (e, text[:2000]))
hits = [e for e in entries if str(e.get(field)) == want]
if len(hits) != 1:
    sys.exit("jentry: %d entries with %s in:\n%s"
             % (len(hits), cond, json.dumps(entries, indent=1, ensure_ascii=False)[:4000]))
json.dump(hits[0], sys.stdout, ensure_ascii=False)
EOF
}

# jget FIELD < ENTRY-JSON: one field; strings with CRLF made LF.
jget() {
	python3 -c '
import json, sys
v = json.load(sys.stdin)
for k in sys.argv[1].split("."):
    v = v[int(k)] if isinstance(v, list) else v[k]
print(v.replace("\r\n", "\n") if isinstance(v, str) else json.dumps(v))
' "$1"
}

# journal_len HANDLE: how many entries HANDLE's journal holds.
journal_len() {
	confidant journal "$1" --json |
		python3 -c 'import json, sys; print(len(json.load(sys.stdin)))'
}

# enc_keyids KEYFILE: the long key ids of the encryption subkeys in KEYFILE.
enc_keyids() {
	gpg --batch --no-tty --with-colons --show-keys "$1" 2>/dev/null |
		awk -F: '$1 == "sub" && $12 ~ /e/ { print $5 }'
}

# enc_to STATUSFILE: the key ids a message was encrypted to, sorted.
enc_to() {
	sed -n 's/^\[GNUPG:\] ENC_TO \([0-9A-F]*\) .*/\1/p' "$1" | sort -u
}

# inner_part FILE [HEADER]: the first text/plain part of a decrypted inner
# MIME entity, decoded, with CRLF made LF; or, with HEADER, that header of
# the entity (the protected headers), decoded.
inner_part() {
	python3 - "$@" <<'EOF'
import email, email.policy, sys
with open(sys.argv[1], "rb") as f:
    m = email.message_from_binary_file(f, policy=email.policy.default)
if len(sys.argv) > 2:
    v = m[sys.argv[2]]
    print("" if v is None else str(v))
    sys.exit(0)
texts = [p for p in m.walk() if p.get_content_type() == "text/plain"]
if not texts:
    sys.exit("inner_part: no text/plain part in %s" % sys.argv[1])
t = texts[0].get_payload(decode=True).decode(texts[0].get_content_charset() or "utf-8")
t = t.replace("\r\n", "\n")
sys.stdout.write(t[:-1] if t.endswith("\n") else t)
sys.stdout.write("\n")
EOF
}

# verifier_for NAME: a copy of the practice keyring that also knows NAME's
# key (made once), for checking what NeoMutt made before the gateway sees
# it; prints the name to give gpg_as or neomutt_decrypt.
verifier_for() {
	v=$(gpg_home "verify-$1")
	if [ ! -d "$v" ]; then
		mkdir -p "$v" && chmod 700 "$v" || return 1
		for f in "$PRACTICE"/gnupg/*; do
			case ${f##*/} in S.*|*.lock) ;; *) cp -R "$f" "$v/" ;; esac
		done
		gpg_import "verify-$1" "$KEYS/$1.pub" || return 1
	fi
	echo "verify-$1"
}

test_expect_success 'setup: practice, therapist tess, clients carol and dave, a capturing sendmail' '
	setup_practice tess carol dave &&
	test -s "$KEYS/practice.pub" &&
	mkdir -p "$SENT" &&
	cat >capture <<-EOF &&
	#!/bin/sh
	# Keeps each message Confidant hands off as N.eml, its arguments as N.args.
	n=\$(find "$SENT" -name "*.eml" | wc -l)
	n=\$((n + 1))
	printf "%s\\n" "\$*" >"$SENT/\$n.args"
	cat >"$SENT/\$n.tmp" && mv "$SENT/\$n.tmp" "$SENT/\$n.eml"
	EOF
	chmod +x capture &&
	confidant config sendmail "$TRASH/capture -oi -t" &&
	confidant config acknowledge no &&
	expect_eq sendmail "$TRASH/capture -oi -t" "$(confidant config sendmail)" &&
	expect_eq "sent before anything" 0 "$(sent_count)"
'

test_expect_success 'carol'\''s NeoMutt writes an entry; deliver stores it and mails one notification' '
	neomutt_compose -P carol carol@client.example "$ENTRY_SUBJECT" "$ENTRY_BODY" e1.eml &&
	msgid e1.eml >e1.id &&
	test -s e1.id &&
	expect_eq "outer subject of the entry" "..." "$(outer_header Subject e1.eml)" &&
	CONFIDANT_NOW=2026-03-02T10:00:00Z confidant deliver <e1.eml &&
	e=$(jentry carol message_id="$(cat e1.id)") &&
	expect_eq direction in "$(echo "$e" | jget direction)" &&
	expect_eq subject "$ENTRY_SUBJECT" "$(echo "$e" | jget subject)" &&
	expect_eq body "$ENTRY_BODY" "$(echo "$e" | jget body)" &&
	expect_eq signer "$(fpr_of carol)" "$(echo "$e" | jget signer)" &&
	expect_eq "messages sent" 1 "$(sent_count)" &&
	cp "$SENT/1.eml" notify.eml
'

test_expect_success 'the notification: outer headers and the sendmail command line' '
	expect_eq args "-oi -t -f practice@clinic.example" "$(cat "$SENT/1.args")" &&
	outer_header From notify.eml >from &&
	test_grep "<practice@clinic.example>" from &&
	expect_eq To tess@clinic.example "$(outer_header To notify.eml)" &&
	expect_eq Subject "..." "$(outer_header Subject notify.eml)" &&
	expect_eq Auto-Submitted auto-generated "$(outer_header Auto-Submitted notify.eml)" &&
	outer_header Content-Type notify.eml >ct &&
	test_grep "^multipart/encrypted; protocol=\"application/pgp-encrypted\"" ct &&
	msgid notify.eml >notify.id &&
	test -s notify.id &&
	! test_cmp e1.id notify.id >/dev/null &&
	# Nothing of the entry travels in the clear.
	! grep -F "breathing" notify.eml &&
	! grep -F "$ENTRY_SUBJECT" notify.eml
'

test_expect_success 'the notification decrypts for tess (practice-signed) and not for dave' '
	gpg_import tess "$KEYS/practice.pub" &&
	neomutt_decrypt tess notify.eml >notify.inner &&
	test_grep "^\[GNUPG:\] DECRYPTION_OKAY" notify.eml.status &&
	test_grep "^\[GNUPG:\] VALIDSIG .* $(cat "$TRASH/practice.fpr")\$" notify.eml.status &&
	enc_to notify.eml.status >notify.encto &&
	for k in $(enc_keyids "$KEYS/tess.pub"); do
		grep -qx "$k" notify.encto || { echo "not encrypted to tess ($k)" >&2; exit 1; }
	done &&
	test_grep "protected-headers=\"v1\"" notify.inner &&
	expect_eq "protected subject" "[carol] $ENTRY_SUBJECT" "$(inner_part notify.inner Subject)" &&
	inner_part notify.inner >notify.text &&
	printf "%s\n" "$ENTRY_BODY" >entry.text &&
	{ grep -vxFf notify.text entry.text >missing || :; } &&
	if [ -s missing ]; then
		echo "entry lines missing from the notification:" >&2
		cat missing >&2
		exit 1
	fi &&
	cp notify.eml notify.dave.eml &&
	test_must_fail neomutt_decrypt dave notify.dave.eml >notify.dave.out &&
	! test -s notify.dave.out
'

test_expect_success 'tess'\''s NeoMutt shows the decrypted entry, replies with r, signed and encrypted' '
	start=$(date +%s%3N) &&
	neomutt_read_and_reply -P tess tess@clinic.example notify.eml "$ENTRY_BODY" \
		tess.screen "$REPLY_BODY" reply.eml &&
	say "tess: read and reply took $(($(date +%s%3N) - start))ms" &&
	test_grep "Good signature from: Test Practice <practice@clinic.example>" tess.screen &&
	test_grep "\[carol\] $ENTRY_SUBJECT" tess.screen &&
	test_grep "Journal entry from carol" tess.screen &&
	! grep -E "BAD signature|Problem signature|Could not decrypt" tess.screen &&
	msgid reply.eml >reply.id &&
	test -s reply.id &&
	expect_eq In-Reply-To "<$(cat notify.id)>" "$(outer_header In-Reply-To reply.eml)" &&
	outer_header References reply.eml >refs &&
	test_grep "<$(cat notify.id)>" refs &&
	outer_header From reply.eml >from &&
	test_grep "tess@clinic.example" from &&
	outer_header To reply.eml >to &&
	test_grep "practice@clinic.example" to &&
	outer_header Content-Type reply.eml >ct &&
	test_grep "^multipart/encrypted" ct &&
	! grep -F "breathing" reply.eml
'

# Checked before the gateway sees it, so that a failure below is the gateway's.
test_expect_success 'the reply NeoMutt made is signed by tess and readable by the practice' '
	v=$(verifier_for tess) &&
	neomutt_decrypt "$v" reply.eml >reply.inner &&
	test_grep "^\[GNUPG:\] DECRYPTION_OKAY" reply.eml.status &&
	test_grep "^\[GNUPG:\] VALIDSIG .* $(fpr_of tess)\$" reply.eml.status &&
	expect_eq "reply text" "$REPLY_BODY" "$(inner_part reply.inner)"
'

test_expect_success 'deliver relays the reply: carol'\''s journal has it as "out", in the entry'\''s thread' '
	CONFIDANT_NOW=2026-03-02T11:00:00Z confidant deliver <reply.eml &&
	expect_eq "journal entries" 2 "$(journal_len carol)" &&
	e=$(jentry carol direction=out) &&
	expect_eq body "$REPLY_BODY" "$(echo "$e" | jget body)" &&
	expect_eq signer "$(fpr_of tess)" "$(echo "$e" | jget signer)" &&
	expect_eq date 2026-03-02T11:00:00Z "$(echo "$e" | jget date)" &&
	echo "$e" | jget subject >out.subject &&
	test_grep "$ENTRY_SUBJECT" out.subject &&
	expect_eq thread "$(jentry carol message_id="$(cat e1.id)" | jget thread)" \
		"$(echo "$e" | jget thread)" &&
	expect_eq "dave entries" 0 "$(journal_len dave)" &&
	expect_eq "messages sent" 2 "$(sent_count)" &&
	cp "$SENT/2.eml" toclient.eml &&
	expect_eq "message_id of the out entry" "$(msgid toclient.eml)" "$(echo "$e" | jget message_id)"
'

test_expect_success 'the message to carol: outer headers thread it to her entry' '
	expect_eq args "-oi -t -f practice@clinic.example" "$(cat "$SENT/2.args")" &&
	outer_header From toclient.eml >from &&
	test_grep "<practice@clinic.example>" from &&
	expect_eq To carol@client.example "$(outer_header To toclient.eml)" &&
	expect_eq Subject "..." "$(outer_header Subject toclient.eml)" &&
	expect_eq In-Reply-To "<$(cat e1.id)>" "$(outer_header In-Reply-To toclient.eml)" &&
	outer_header Content-Type toclient.eml >ct &&
	test_grep "^multipart/encrypted; protocol=\"application/pgp-encrypted\"" ct &&
	! grep -F "breathing" toclient.eml &&
	sed -n "/^\r\{0,1\}\$/q; p" toclient.eml >toclient.headers &&
	! grep -i "tess" toclient.headers
'

test_expect_success 'it decrypts with carol'\''s key, is encrypted to carol and the practice only, practice-signed' '
	neomutt_decrypt carol toclient.eml >toclient.inner &&
	test_grep "^\[GNUPG:\] DECRYPTION_OKAY" toclient.eml.status &&
	test_grep "^\[GNUPG:\] VALIDSIG .* $(cat "$TRASH/practice.fpr")\$" toclient.eml.status &&
	{ enc_keyids "$KEYS/carol.pub"; enc_keyids "$KEYS/practice.pub"; } | sort -u >want.encto &&
	enc_to toclient.eml.status >got.encto &&
	test_cmp want.encto got.encto &&
	test_grep "protected-headers=\"v1\"" toclient.inner &&
	expect_eq "protected subject" "Re: $ENTRY_SUBJECT" "$(inner_part toclient.inner Subject)" &&
	expect_eq "reply text" "$REPLY_BODY" "$(inner_part toclient.inner)"
'

test_expect_success 'dave'\''s key (and tess'\''s) cannot decrypt the message to carol' '
	cp toclient.eml toclient.dave.eml &&
	test_must_fail neomutt_decrypt dave toclient.dave.eml >dave.out &&
	! test -s dave.out &&
	! grep -q "^\[GNUPG:\] DECRYPTION_OKAY" toclient.dave.eml.status &&
	cp toclient.eml toclient.tess.eml &&
	test_must_fail neomutt_decrypt tess toclient.tess.eml >tess.out &&
	! test -s tess.out
'

test_expect_success 'carol'\''s NeoMutt decrypts the relayed reply and shows tess'\''s text' '
	start=$(date +%s%3N) &&
	neomutt_read carol toclient.eml "$REPLY_BODY" carol.screen &&
	say "carol: read took $(($(date +%s%3N) - start))ms" &&
	test_grep "Good signature from: Test Practice <practice@clinic.example>" carol.screen &&
	test_grep "Re: $ENTRY_SUBJECT" carol.screen &&
	! grep -E "BAD signature|Problem signature|Could not decrypt" carol.screen
'

test_expect_success 'the same reply delivered again (an MTA retry) is stored and relayed once' '
	CONFIDANT_NOW=2026-03-02T11:05:00Z confidant deliver <reply.eml &&
	expect_eq "journal entries" 2 "$(journal_len carol)" &&
	expect_eq "messages sent" 2 "$(sent_count)"
'

test_expect_success 'carol answers the relayed reply with NeoMutt: same thread, tess notified' '
	neomutt_read_and_reply -P carol carol@client.example toclient.eml "$REPLY_BODY" \
		carol2.screen "$FOLLOWUP_BODY" followup.eml &&
	expect_eq In-Reply-To "<$(msgid toclient.eml)>" "$(outer_header In-Reply-To followup.eml)" &&
	CONFIDANT_NOW=2026-03-02T12:00:00Z confidant deliver <followup.eml &&
	e=$(jentry carol message_id="$(msgid followup.eml)") &&
	expect_eq direction in "$(echo "$e" | jget direction)" &&
	expect_eq body "$FOLLOWUP_BODY" "$(echo "$e" | jget body)" &&
	expect_eq thread "$(jentry carol message_id="$(cat e1.id)" | jget thread)" \
		"$(echo "$e" | jget thread)" &&
	expect_eq "messages sent" 3 "$(sent_count)" &&
	expect_eq To tess@clinic.example "$(outer_header To "$SENT/3.eml")" &&
	neomutt_decrypt tess "$SENT/3.eml" >n3.inner &&
	inner_part n3.inner >n3.text &&
	test_grep "$FOLLOWUP_BODY" n3.text
'

test_done
