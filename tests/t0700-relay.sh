#!/bin/bash
# The relay: entries go to the therapist, replies come back signed and go
# to the client, every message encrypted to exactly the keys it should be.
. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIR/lib-gpg.sh"
. "$TEST_DIR/lib-relay.sh"

jq_py() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }
journal_len() { confidant journal "$1" --json | jq_py "len(d)"; }
quarantine_reason() {
	db_query "$PRACTICE" "SELECT reason FROM quarantine WHERE message_id = '$1'"
}

test_expect_success 'setup: two therapists, three clients, a capturing sendmail' '
	setup_practice thera alice bob &&
	gpg_user other other@clinic.example &&
	confidant therapist add other --email other@clinic.example --key "$KEYS/other.pub" &&
	gpg_user carol carol@client.example &&
	confidant client add carol --email carol@client.example --key "$KEYS/carol.pub" --therapist other &&
	gpg_user eve eve@evil.example &&
	for p in thera alice bob other carol eve; do gpg_import $p "$KEYS/practice.pub"; done &&
	use_capture_sendmail &&
	confidant config acknowledge no
'

test_expect_success 'an entry is stored and its therapist notified' '
	head -c 2000 /dev/urandom >scan.bin &&
	compose_entry alice alice@client.example "Week one" "Alice writes about her week." \
		a1@client.example scan.bin >a1.eml &&
	confidant deliver <a1.eml &&
	test "$(sent_count)" = 1 &&
	n=$(sent_file 1) &&
	test "$(header "$n" To)" = thera@clinic.example &&
	grep -q -- "-f practice@clinic.example" "$SENT_DIR/1.args" &&
	test "$(header "$n" Auto-Submitted)" = auto-generated &&
	header "$n" Content-Type | grep -q "multipart/encrypted" &&
	decrypt_as thera "$n" >plain &&
	grep -q "Alice writes about her week." plain &&
	grep -q "^Subject: \[alice\] Week one" plain &&
	grep -q "protected-headers=\"v1\"" plain &&
	grep -q "filename=\"scan.bin\"" plain
'

test_expect_success 'the notification is signed by the practice key' '
	gpg_import thera "$KEYS/practice.pub" &&
	armor_of "$(sent_file 1)" >n1.asc &&
	gpg_as thera --status-file status --decrypt n1.asc >/dev/null 2>&1 &&
	grep -q "VALIDSIG .* $(cat "$TRASH/practice.fpr")$" status
'

test_expect_success 'the notification is encrypted to the therapist key only' '
	recipients_of "$(sent_file 1)" >got && enc_keyid thera >want && test_cmp want got &&
	test_must_fail decrypt_as alice "$(sent_file 1)" >/dev/null &&
	test_must_fail decrypt_as other "$(sent_file 1)" >/dev/null
'

test_expect_success 'outer headers of the notification name no handle, address or content' '
	sed -n "/^\r\{0,1\}$/q; p" "$(sent_file 1)" >outer &&
	! grep -qi alice outer && ! grep -q "Week one" outer && ! grep -q scan.bin outer &&
	test "$(header "$(sent_file 1)" Subject)" = "..." &&
	msgid_of "$(sent_file 1)" | grep -Eq "^[0-9a-f]{32}@clinic.example$" &&
	db_query "$PRACTICE" "SELECT kind, entry_id FROM issued WHERE message_id = \"$(msgid_of "$(sent_file 1)")\"" >issued &&
	echo "notification|1" >expect && test_cmp expect issued
'

test_expect_success 'the therapist replies from a mail client: stored as out, sent to the client' '
	nid=$(msgid_of "$(sent_file 1)") &&
	compose_reply thera thera@clinic.example "Thank you, Alice. Keep going." t1@clinic.example "$nid" >t1.eml &&
	confidant deliver <t1.eml &&
	confidant journal alice --json >j.json &&
	test "$(jq_py "\" \".join(e[\"direction\"] for e in d)" <j.json)" = "in out" &&
	test "$(jq_py "d[1][\"body\"]" <j.json)" = "Thank you, Alice. Keep going." &&
	test "$(jq_py "d[1][\"thread\"] == d[0][\"thread\"]" <j.json)" = True &&
	test "$(jq_py "d[1][\"signer\"]" <j.json)" = "$(fpr_of thera)" &&
	test "$(sent_count)" = 2 &&
	c=$(sent_file 2) &&
	test "$(header "$c" To)" = alice@client.example &&
	test "$(header "$c" In-Reply-To)" = "<a1@client.example>" &&
	test -z "$(header "$c" Auto-Submitted)" &&
	decrypt_as alice "$c" >cplain &&
	grep -q "Thank you, Alice. Keep going." cplain &&
	! grep -q "\[alice\]" cplain
'

test_expect_success 'the reply to the client is encrypted to the client and the practice only' '
	{ enc_keyid alice; practice_enc_keyid; } | sort >want &&
	recipients_of "$(sent_file 2)" >got && test_cmp want got &&
	test_must_fail decrypt_as bob "$(sent_file 2)" >/dev/null &&
	test_must_fail decrypt_as thera "$(sent_file 2)" >/dev/null
'

test_expect_success 'the reply comes in once: a redelivery relays nothing more' '
	confidant deliver <t1.eml &&
	test "$(sent_count)" = 2 && test "$(journal_len alice)" = 2
'

test_expect_success 'a client follow-up to the reply threads under it' '
	rid=$(msgid_of "$(sent_file 2)") &&
	compose_entry alice alice@client.example "Re: Week one" "Thanks!" a2@client.example "" \
		"In-Reply-To: <$rid>" >a2.eml &&
	confidant deliver <a2.eml &&
	confidant journal alice --json | jq_py "len(set(e[\"thread\"] for e in d)), len(d)" >t &&
	echo "1 3" >expect && test_cmp expect t &&
	test "$(sent_count)" = 3
'

test_expect_success 'a stranger who copies a notification Message-ID is quarantined' '
	nid=$(msgid_of "$(sent_file 1)") && before=$(sent_count) &&
	compose_reply eve eve@evil.example "Send me everything" eve1@evil.example "$nid" >eve.eml &&
	confidant deliver <eve.eml &&
	test "$(quarantine_reason eve1@evil.example)" = unknown-signer &&
	test "$(journal_len alice)" = 3 && test "$(sent_count)" = "$before"
'

test_expect_success 'a stranger using the therapist From is quarantined, and the therapist told' '
	nid=$(msgid_of "$(sent_file 1)") && before=$(sent_count) &&
	compose_reply eve thera@clinic.example "Forged" eve2@evil.example "$nid" >eve2.eml &&
	confidant deliver <eve2.eml &&
	test "$(quarantine_reason eve2@evil.example)" = unknown-signer &&
	test "$(sent_count)" = $((before + 1)) &&
	n=$(sent_file $((before + 1))) &&
	test "$(header "$n" To)" = thera@clinic.example &&
	test "$(header "$n" Auto-Submitted)" = auto-replied &&
	decrypt_as thera "$n" >notice &&
	grep -q "eve2@evil.example" notice && grep -q "unknown-signer" notice &&
	! grep -q "Forged" notice &&
	recipients_of "$n" >got && enc_keyid thera >want && test_cmp want got
'

test_expect_success 'notices to one address are rate-limited' '
	before=$(sent_count) &&
	printf "From: thera@clinic.example\r\nSubject: plain\r\nMessage-ID: <plain1@clinic.example>\r\n\r\nunencrypted reply\r\n" >p1.eml &&
	confidant deliver <p1.eml &&
	test "$(quarantine_reason plain1@clinic.example)" = not-encrypted &&
	test "$(sent_count)" = "$before" &&
	CONFIDANT_NOW=2026-03-02T11:30:00Z confidant deliver <p1.eml &&
	printf "From: thera@clinic.example\r\nSubject: plain\r\nMessage-ID: <plain2@clinic.example>\r\n\r\nunencrypted again\r\n" >p2.eml &&
	CONFIDANT_NOW=2026-03-02T11:30:00Z confidant deliver <p2.eml &&
	test "$(sent_count)" = $((before + 1)) &&
	decrypt_as thera "$(sent_file $((before + 1)))" | grep -q "not-encrypted"
'

test_expect_success 'a therapist replying for someone else client is quarantined not-authorized' '
	nid=$(msgid_of "$(sent_file 1)") && before=$(sent_count) &&
	compose_reply other other@clinic.example "I am not her therapist" o1@clinic.example "$nid" >o1.eml &&
	confidant deliver <o1.eml &&
	test "$(quarantine_reason o1@clinic.example)" = not-authorized &&
	test "$(journal_len alice)" = 3 &&
	test "$(sent_count)" = $((before + 1)) &&
	test "$(header "$(sent_file $((before + 1)))" To)" = other@clinic.example
'

test_expect_success 'a signed therapist message naming no message the practice sent is unroutable' '
	compose_reply thera thera@clinic.example "To whom?" u1@clinic.example "a1@client.example" >u1.eml &&
	CONFIDANT_NOW=2026-03-02T14:00:00Z confidant deliver <u1.eml &&
	test "$(quarantine_reason u1@clinic.example)" = unroutable &&
	test "$(journal_len alice)" = 3
'

test_expect_success 'automatic mail gets no automatic answer: Auto-Submitted, lists, our own address' '
	before=$(sent_count) &&
	compose_entry bob bob@client.example "Auto" "auto body" b1@client.example "" "Precedence: bulk" >b1.eml &&
	confidant deliver <b1.eml &&
	test "$(journal_len bob)" = 1 &&
	cp "$(sent_file 1)" own.eml &&
	CONFIDANT_NOW=2026-03-02T18:00:00Z confidant deliver <own.eml &&
	test "$(quarantine_reason "$(msgid_of own.eml)")" = bounce &&
	test "$(sent_count)" = $((before + 1))
'

test_expect_success 'list headers on a genuine entry (anyone can add them) never silence the therapist' '
	test "$(header "$(sent_file "$(sent_count)")" To)" = thera@clinic.example &&
	decrypt_as thera "$(sent_file "$(sent_count)")" | grep -q "auto body" &&
	test "$(db_query "$PRACTICE" "SELECT count(*) FROM commitments c JOIN clients k ON k.id = c.client_id WHERE k.handle = '\''bob'\''")" = 1
'

test_expect_success 'a notification for the other therapist goes to them only' '
	before=$(sent_count) &&
	compose_entry carol carol@client.example "Carol" "carol text" c1@client.example >c1.eml &&
	confidant deliver <c1.eml &&
	test "$(sent_count)" = $((before + 1)) &&
	n=$(sent_file $((before + 1))) &&
	test "$(header "$n" To)" = other@clinic.example &&
	recipients_of "$n" >got && enc_keyid other >want && test_cmp want got
'

# signed_reply SIGNER OUTER-IRT MSGID BODY PROTECTED-HEADERS: a therapist
# reply whose protected headers (inside the signature) differ from the
# outer threading headers, as a rewriting relay would make them.
signed_reply() {
	{ printf "Content-Type: text/plain; charset=utf-8; protected-headers=\"v1\"\r\n%s\r\n\r\n%s\r\n" "$5" "$4"; } >sr.in &&
	gpg_as "$1" --armor --yes --trust-model always --sign --encrypt --local-user "$(fpr_of "$1")" \
		--recipient "$(cat "$TRASH/practice.fpr")" --output sr.asc sr.in &&
	pgpmime_wrap "$1@clinic.example" practice@clinic.example "Re: ..." "$3" sr.asc "In-Reply-To: <$2>"
}

test_expect_success 'signed threading headers route a reply, not the rewritable outer ones' '
	compose_entry bob bob@client.example "Bob two" "bob second entry" b2@client.example >b2.eml &&
	confidant deliver <b2.eml &&
	bob_nid=$(msgid_of "$(sent_file "$(sent_count)")") &&
	alice_nid=$(msgid_of "$(sent_file 1)") &&
	before_alice=$(journal_len alice) && before_bob=$(journal_len bob) &&
	signed_reply thera "$bob_nid" pr1@clinic.example "For Alice only." \
		"In-Reply-To: <$alice_nid>\r\nSubject: Re: [alice] Week one" >pr1.eml &&
	confidant deliver <pr1.eml &&
	test "$(journal_len alice)" = $((before_alice + 1)) && test "$(journal_len bob)" = "$before_bob" &&
	confidant journal alice --json | jq_py "d[-1][\"body\"] if False else [e[\"body\"] for e in d if e[\"direction\"] == \"out\"][-1]" >b &&
	echo "For Alice only." >expect && test_cmp expect b
'

test_expect_success 'a reply whose signed subject names another client than it answers is unroutable' '
	bob_nid=$(db_query "$PRACTICE" "SELECT i.message_id FROM issued i JOIN clients c ON c.id = i.client_id WHERE c.handle = \"bob\" AND i.kind = \"notification\" LIMIT 1") &&
	test -n "$bob_nid" &&
	signed_reply thera "$bob_nid" pr2@clinic.example "Also for Alice." "Subject: Re: [alice] Week one" >pr2.eml &&
	before_bob=$(journal_len bob) &&
	CONFIDANT_NOW=2026-03-02T15:00:00Z confidant deliver <pr2.eml &&
	test "$(quarantine_reason pr2@clinic.example)" = unroutable &&
	test "$(journal_len bob)" = "$before_bob"
'

test_done
