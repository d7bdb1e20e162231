#!/bin/bash
# deliver: entries land in the right journal, threaded, with their content,
# in every OpenPGP form a client may send; redeliveries are stored once.
. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIR/lib-gpg.sh"

count_entries() { db_query "$PRACTICE" "SELECT count(*) FROM entries"; }
jq_py() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }

test_expect_success 'setup: practice, therapist, two clients' '
	setup_practice thera alice bob
'

test_expect_success 'a signed and encrypted entry with an attachment lands in its journal' '
	head -c 5000 /dev/urandom >photo.bin &&
	compose_entry alice alice@client.example "First week" "I slept better this week." \
		first@client.example photo.bin >m1.eml &&
	confidant deliver <m1.eml &&
	confidant journal alice --json >j.json &&
	test "$(jq_py "len(d)" <j.json)" = 1 &&
	test "$(jq_py "d[0][\"subject\"]" <j.json)" = "First week" &&
	test "$(jq_py "d[0][\"body\"]" <j.json)" = "I slept better this week." &&
	test "$(jq_py "d[0][\"direction\"], d[0][\"message_id\"]" <j.json)" = "in first@client.example" &&
	test "$(jq_py "d[0][\"signer\"]" <j.json)" = "$(fpr_of alice)" &&
	test "$(jq_py "d[0][\"attachments\"][0][\"filename\"]" <j.json)" = photo.bin &&
	test "$(jq_py "d[0][\"attachments\"][0][\"size\"]" <j.json)" = 5000 &&
	test "$(jq_py "d[0][\"attachments\"][0][\"sha256\"]" <j.json)" = "$(sha256sum photo.bin | cut -d" " -f1)" &&
	grep -Eq "\"date\":\"2026-03-02T10:00:00Z\"" j.json &&
	confidant journal bob --json >jb.json && test "$(cat jb.json)" = "[]"
'

test_expect_success 'attachment writes the exact bytes' '
	id=$(confidant journal alice --json | jq_py "d[0][\"attachments\"][0][\"id\"]") &&
	confidant attachment "$id" -o out.bin && cmp photo.bin out.bin &&
	confidant attachment "$id" >out2.bin && cmp photo.bin out2.bin &&
	test_expect_code 66 confidant attachment 999 2>err && grep -q "no attachment 999" err &&
	test_expect_code 64 confidant attachment x 2>err && grep -q "bad attachment ID" err
'

test_expect_success 'the same message again, with new trace headers or as mbox, is stored once' '
	confidant deliver <m1.eml &&
	{ printf "Received: from mx (mx.example [192.0.2.1]) by here;\r\n\tMon, 2 Mar 2026 09:01:00 +0000\r\n";
	  printf "Delivered-To: practice@clinic.example\r\nReturn-Path: <alice@client.example>\r\n";
	  printf "X-Original-To: practice@clinic.example\r\n"; cat m1.eml; } >m1-trace.eml &&
	confidant deliver <m1-trace.eml &&
	sed "s/\r$//" m1.eml >m1-lf.eml && confidant deliver <m1-lf.eml &&
	{ echo "From alice@client.example Mon Mar  2 09:00:00 2026"; cat m1-lf.eml; } >m1-mbox.eml &&
	confidant deliver <m1-mbox.eml &&
	test "$(count_entries)" = 1 &&
	db_query "$PRACTICE" "SELECT count(*) FROM quarantine" >q && test "$(cat q)" = 0 &&
	test "$(ls "$PRACTICE/spool/new" | wc -l)" = 0
'

test_expect_success 'the same signed message under another Message-ID is a duplicate' '
	sed "s/^Message-ID: <first@client.example>/Message-ID: <other-id@client.example>/" m1.eml >m1-newid.eml &&
	! cmp -s m1.eml m1-newid.eml &&
	confidant deliver <m1-newid.eml &&
	test "$(count_entries)" = 1
'

test_expect_success 'a follow-up threads under its parent; a new entry starts a thread' '
	compose_entry alice alice@client.example "Re: First week" "And one more thing." \
		second@client.example "" "In-Reply-To: <first@client.example>
References: <first@client.example>" >m2.eml &&
	confidant deliver <m2.eml &&
	compose_entry alice alice@client.example "Another topic" "Something else." third@client.example >m3.eml &&
	confidant deliver <m3.eml &&
	confidant journal alice --json >j.json &&
	test "$(jq_py "[e[\"thread\"] for e in d]" <j.json)" = "[1, 1, 3]" &&
	test "$(jq_py "\" \".join(e[\"message_id\"] for e in d)" <j.json)" = \
		"first@client.example second@client.example third@client.example"
'

test_expect_success 'headers cannot thread an entry into another client journal' '
	compose_entry bob bob@client.example "Re: First week" "Bob writes." bob1@client.example "" \
		"In-Reply-To: <first@client.example>" >b1.eml &&
	confidant deliver <b1.eml &&
	confidant journal bob --json >jb.json &&
	test "$(jq_py "len(d)" <jb.json)" = 1 &&
	bt=$(jq_py "d[0][\"thread\"]" <jb.json) && test "$bt" = "$(jq_py "d[0][\"id\"]" <jb.json)" &&
	confidant journal alice --json | jq_py "len(d)" >n && test "$(cat n)" = 3
'

test_expect_success 'RFC 3156 6.1: a multipart/signed inside the encryption, with protected headers' '
	printf "Content-Type: text/plain; charset=utf-8; protected-headers=\"v1\"\r\nSubject: The real subject\r\nFrom: alice@client.example\r\n\r\nNested form body.\r\n" >inner.part &&
	gpg_as alice --armor --detach-sign --local-user "$(fpr_of alice)" --output inner.sig inner.part &&
	{ printf "Content-Type: multipart/signed; micalg=pgp-sha512; protocol=\"application/pgp-signature\"; boundary=\"sig-b\"\r\n\r\n";
	  printf -- "--sig-b\r\n"; cat inner.part; printf "\r\n--sig-b\r\nContent-Type: application/pgp-signature; name=\"signature.asc\"\r\n\r\n";
	  sed "s/$/\r/" inner.sig; printf -- "--sig-b--\r\n"; } >signed.mime &&
	gpg_as alice --armor --trust-model always --encrypt --recipient "$(cat "$TRASH/practice.fpr")" \
		--output nested.asc signed.mime &&
	pgpmime_wrap alice@client.example practice@clinic.example "..." nested@client.example nested.asc >m4.eml &&
	confidant deliver <m4.eml &&
	confidant journal alice --json >j.json &&
	test "$(jq_py "d[-1][\"subject\"]" <j.json)" = "The real subject" &&
	test "$(jq_py "d[-1][\"body\"]" <j.json)" = "Nested form body." &&
	test "$(jq_py "d[-1][\"signer\"]" <j.json)" = "$(fpr_of alice)"
'

test_expect_success 'inline PGP: a text body that is one armored block' '
	printf "Inline entry text.\n" >inline.txt &&
	gpg_as bob --armor --trust-model always --sign --encrypt --local-user "$(fpr_of bob)" \
		--recipient "$(cat "$TRASH/practice.fpr")" --output inline.asc inline.txt &&
	{ printf "From: Bob <bob@client.example>\r\nTo: practice@clinic.example\r\nSubject: Inline\r\n";
	  printf "Message-ID: <inline@client.example>\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n";
	  sed "s/$/\r/" inline.asc; } >m5.eml &&
	confidant deliver <m5.eml &&
	confidant journal bob --json >jb.json &&
	test "$(jq_py "d[-1][\"subject\"], d[-1][\"body\"]" <jb.json)" = "Inline Inline entry text." &&
	test "$(jq_py "d[-1][\"signer\"]" <jb.json)" = "$(fpr_of bob)"
'

test_expect_success 'a signing subkey of a registered key is accepted, recorded as the primary' '
	gpg_user carol carol@client.example &&
	gpg_as carol --passphrase "" --pinentry-mode loopback --quick-add-key "$(fpr_of carol)" ed25519 sign never &&
	sub=$(gpg_as carol --with-colons --list-keys carol@client.example | awk -F: "/^fpr:/ {f=\$10} END {print f}") &&
	test "$sub" != "$(fpr_of carol)" &&
	gpg_as carol --armor --export carol@client.example >carol.pub &&
	confidant client add carol --email carol@client.example --key carol.pub --therapist thera &&
	printf "Content-Type: text/plain\r\n\r\nSigned by my subkey.\r\n" >sub.in &&
	gpg_import carol "$KEYS/practice.pub" &&
	gpg_as carol --armor --trust-model always --sign --encrypt --local-user "$sub!" \
		--recipient "$(cat "$TRASH/practice.fpr")" --output sub.asc sub.in &&
	gpg_as carol --list-packets sub.asc 2>/dev/null >/dev/null;
	pgpmime_wrap carol@client.example practice@clinic.example "Subkey" sub@client.example sub.asc >m6.eml &&
	confidant deliver <m6.eml &&
	confidant journal carol --json >jc.json &&
	test "$(jq_py "d[0][\"body\"]" <jc.json)" = "Signed by my subkey." &&
	test "$(jq_py "d[0][\"signer\"]" <jc.json)" = "$(fpr_of carol)"
'

test_expect_success 'HTML-only text is converted to text, never kept as HTML' '
	printf "Content-Type: text/html; charset=utf-8\r\n\r\n<html><body><p>Feeling <b>calm</b> &amp; rested</p><img src=\"http://tracker.example/x.png\"></body></html>\r\n" >html.in &&
	gpg_as bob --armor --trust-model always --sign --encrypt --local-user "$(fpr_of bob)" \
		--recipient "$(cat "$TRASH/practice.fpr")" --output html.asc html.in &&
	pgpmime_wrap bob@client.example practice@clinic.example "HTML" html@client.example html.asc >m7.eml &&
	confidant deliver <m7.eml &&
	confidant journal bob --json | jq_py "d[-1][\"body\"]" >body &&
	grep -q "Feeling calm & rested" body && ! grep -q "<" body && ! grep -q tracker body
'

test_expect_success 'any charset is converted to UTF-8' '
	printf "Content-Type: text/plain; charset=iso-8859-1\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nSch=F6ne Gr=FC=DFe\r\n" >latin.in &&
	gpg_as bob --armor --trust-model always --sign --encrypt --local-user "$(fpr_of bob)" \
		--recipient "$(cat "$TRASH/practice.fpr")" --output latin.asc latin.in &&
	pgpmime_wrap bob@client.example practice@clinic.example "Latin" latin@client.example latin.asc >m8.eml &&
	confidant deliver <m8.eml &&
	confidant journal bob --json | jq_py "d[-1][\"body\"]" >body &&
	printf "Sch\303\266ne Gr\303\274\303\237e\n" >expect && test_cmp expect body
'

test_expect_success 'deliver refuses bad usage and empty input without storing' '
	before=$(count_entries) &&
	test_expect_code 64 confidant deliver extra <m1.eml 2>err && grep -q "unexpected argument" err &&
	test_expect_code 64 confidant deliver </dev/null 2>err && grep -q "no message" err &&
	test "$(count_entries)" = "$before"
'

test_expect_success 'the text journal shows threads and entries' '
	confidant journal alice >j.txt &&
	grep -q "=== thread 1 ===" j.txt && grep -q "Subject: First week" j.txt &&
	grep -q "attachment .*photo.bin" j.txt &&
	test_expect_code 66 confidant journal nobody 2>err && grep -q "no client .nobody." err
'

test_expect_success 'the same words signed again later are a new entry, not a duplicate' '
	make_mime_entry "Same" "I could not sleep again." >again.in &&
	now=$(date +%s) &&
	for t in $((now + 100)) $((now + 200)); do
		gpg_as bob --faked-system-time "$t" --armor --yes --trust-model always --sign --encrypt \
			--local-user "$(fpr_of bob)" --recipient "$(cat "$TRASH/practice.fpr")" \
			--output again-$t.asc again.in 2>/dev/null &&
		pgpmime_wrap bob@client.example practice@clinic.example "Same" "again-$t@client.example" \
			again-$t.asc >again-$t.eml &&
		confidant deliver <again-$t.eml || exit 1
	done &&
	confidant journal bob --json | jq_py "len([e for e in d if e[\"body\"] == \"I could not sleep again.\"])" >n &&
	test "$(cat n)" = 2
'

test_done
