#!/bin/bash
# A subject of any length leaves folded: the protected Subject a client
# writes (echoed in the therapist's notification) and the one given to
# `reply --subject` never make a line over 998 bytes (RFC 5322 2.1.1),
# in the decrypted MIME or in the outer message, and the text arrives
# whole once unfolded and decoded.
. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIR/lib-gpg.sh"
. "$TEST_DIR/lib-craft.sh"
. "$TEST_DIR/lib-relay.sh"

# fold_subject CHARSET TEXT: TEXT as a folded Subject value, as a mail
# client sends it (us-ascii: folded at spaces; utf-8: encoded words).
fold_subject() {
	python3 -c 'import sys, email.header
print(email.header.Header(sys.argv[2], sys.argv[1], header_name="Subject").encode(maxlinelen=76, linesep="\r\n"), end="")' "$1" "$2"
}

# long_text KIND: 3000 bytes of subject: words, one word, or UTF-8 words.
long_text() {
	python3 -c 'import sys
kind = sys.argv[1]
if kind == "spaces":
    s = " ".join("word%d" % i for i in range(600))
elif kind == "nospace":
    s = "".join(chr(97 + i % 26) for i in range(3000))
else:
    s = " ".join("\u00e9t\u00e9\u20ac\U0001F600%d" % i for i in range(300))
b = s.encode()[:3000]
print(b.decode("utf-8", "ignore"), end="")' "$1"
}

# check_mail FILE DECRYPTED EXPECT: no line of FILE or DECRYPTED is over
# 998 bytes, and DECRYPTED's Subject, unfolded and decoded, is EXPECT.
check_mail() {
	python3 - "$@" <<-'EOF'
	import sys, email.header
	outer, inner, want = sys.argv[1], sys.argv[2], sys.argv[3]
	for name in (outer, inner):
	    data = open(name, "rb").read()
	    longest = max(len(l) for l in data.replace(b"\r\n", b"\n").split(b"\n"))
	    if longest > 998:
	        sys.exit("%s: a line of %d bytes" % (name, longest))
	head = open(inner, "rb").read().replace(b"\r\n", b"\n").split(b"\n\n", 1)[0].decode()
	value = None
	for field in head.replace("\n ", " \0").replace("\n\t", "\t\0").split("\n"):
	    if field.lower().startswith("subject:"):
	        value = field[8:].replace("\0", "").lstrip(" ")
	if value is None:
	    sys.exit("no Subject in the protected headers")
	got = str(email.header.make_header(email.header.decode_header(value)))
	if got != want:
	    sys.exit("subject differs:\n got %r\nwant %r" % (got[:200], want[:200]))
	EOF
}

test_expect_success 'setup' '
	setup_practice thera alice &&
	gpg_import thera "$KEYS/practice.pub" &&
	gpg_import alice "$KEYS/practice.pub" &&
	use_capture_sendmail &&
	confidant config acknowledge no
'

n=0
for kind in spaces nospace utf8; do
	n=$((n + 1))
	test_expect_success "a client's 3000-byte subject ($kind) reaches the therapist folded and whole" '
		long_text $kind >subj.$kind &&
		test "$(wc -c <subj.$kind)" -ge 2990 &&
		charset=us-ascii && { test $kind = spaces || charset=utf-8; } &&
		compose_entry alice alice@client.example "$(fold_subject $charset "$(cat subj.$kind)")" \
			"long subject $kind" "long-$kind@client.example" >m.eml &&
		rm -f "$SENT_DIR"/*.eml &&
		confidant deliver <m.eml &&
		test "$(to_count thera@clinic.example)" = 1 &&
		f=$(last_to thera@clinic.example) &&
		decrypt_as thera "$f" >plain.$kind &&
		grep -q "long subject $kind" plain.$kind &&
		check_mail "$f" plain.$kind "[alice] $(cat subj.$kind)"
	'

	test_expect_success "reply --subject with 3000 bytes ($kind) reaches the client folded and whole" '
		echo "an answer $kind" | confidant reply alice --subject "$(cat subj.$kind)" >out &&
		f=$(last_to alice@client.example) &&
		decrypt_as alice "$f" >rplain.$kind &&
		grep -q "an answer $kind" rplain.$kind &&
		check_mail "$f" rplain.$kind "$(cat subj.$kind)"
	'
done

test_expect_success 'a short subject stays one plain line' '
	echo "short" | confidant reply alice --subject "Week two" >out &&
	f=$(last_to alice@client.example) &&
	decrypt_as alice "$f" >short &&
	tr -d "\r" <short | grep -qx "Subject: Week two"
'

# encrypt_entry SIGNER FROM SUBJECT MSGID INNER: a PGP/MIME entry whose
# inner entity is the file INNER.
encrypt_entry() {
	gpg_as "$1" --armor --trust-model always --sign --encrypt --local-user "$(fpr_of "$1")" \
		--recipient "$(cat "$TRASH/practice.fpr")" --output - "$5" >"$5.asc" &&
	pgpmime_wrap "$2" practice@clinic.example "$3" "$4" "$5.asc"
}

# long_name_entity: an inner entity with a PDF named by 700 e-acutes
# (1400 bytes), the name in encoded words as mail clients send it.
long_name_entity() {
	python3 - <<-'EOF'
	import base64, email.header, sys
	name = "\u00e9" * 700 + ".pdf"
	enc = email.header.Header(name, "utf-8").encode(maxlinelen=76, linesep="\r\n")
	sys.stdout.write('Content-Type: multipart/mixed; boundary="b"\r\n\r\n--b\r\n'
	                 'Content-Type: text/plain; charset=utf-8\r\n\r\nwith a long name\r\n--b\r\n'
	                 'Content-Type: application/pdf\r\n'
	                 'Content-Disposition: attachment; filename="' + enc + '"\r\n'
	                 'Content-Transfer-Encoding: base64\r\n\r\n' +
	                 base64.b64encode(b"%PDF-1.4").decode() + '\r\n--b--\r\n')
	EOF
}

# sent_filename FILE: the RFC 2231 filename in FILE, decoded.
sent_filename() {
	python3 - "$1" <<-'EOF'
	import re, sys, urllib.parse
	t = open(sys.argv[1], "rb").read().decode()
	m = re.search(r"filename\*=UTF-8''([^\r\n;]*)", t)
	print(urllib.parse.unquote(m.group(1)) if m else "", end="")
	EOF
}

test_expect_success 'an attachment name of 1400 bytes goes out cut between characters, with its extension' '
	long_name_entity >inner.att &&
	encrypt_entry alice alice@client.example "a long file name" long-att@client.example inner.att >att.eml &&
	confidant deliver <att.eml &&
	f=$(last_to thera@clinic.example) &&
	decrypt_as thera "$f" >att.plain &&
	check_mail "$f" att.plain "[alice] a long file name" &&
	test "$(sent_filename att.plain)" = "$(python3 -c "print(\"\u00e9\" * 125 + \".pdf\", end=\"\")")"
'

test_expect_success 'the journal keeps the whole name' '
	confidant journal alice --json >j.json &&
	python3 -c "import json
d = json.load(open(\"j.json\"))
e = [e for e in d if e[\"message_id\"] == \"long-att@client.example\"][0]
assert e[\"attachments\"][0][\"filename\"] == \"\u00e9\" * 700 + \".pdf\""
'

test_done
