#!/bin/bash
# Nothing in the clear at rest: no file of the home but gnupg/ holds any
# journal text, whether the message was stored, quarantined or is spooled.
. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIR/lib-gpg.sh"

CANARY=Kanarienvogel7Q3zX

# grep for the canary and for its base64 and quoted-printable-free forms.
no_canary_at_rest() {
	sync
	if grep -rla --exclude-dir=gnupg "$CANARY" "$PRACTICE"; then
		echo "canary found in the files above" >&2
		return 1
	fi
	return 0
}

test_expect_success 'setup' '
	setup_practice thera alice
'

test_expect_success 'an entry with the canary in subject, body, attachment name and content' '
	printf "attachment text %s\n" "$CANARY" >"$CANARY.txt" &&
	compose_entry alice alice@client.example "Subject $CANARY" "Body $CANARY" \
		canary1@client.example "$CANARY.txt" >m1.eml &&
	grep -q "$CANARY" m1.eml &&
	confidant deliver <m1.eml &&
	confidant journal alice --json >j.json &&
	grep -q "Body $CANARY" j.json && grep -q "Subject $CANARY" j.json &&
	grep -q "\"filename\":\"$CANARY.txt\"" j.json &&
	no_canary_at_rest
'

test_expect_success 'a plaintext message with the canary is quarantined, encrypted' '
	printf "From: alice@client.example\r\nTo: practice@clinic.example\r\nSubject: %s\r\nMessage-ID: <plain@x>\r\n\r\nplain %s\r\n" \
		"$CANARY" "$CANARY" >m2.eml &&
	confidant deliver <m2.eml &&
	confidant quarantine list --json >q.json &&
	grep -q "not-encrypted" q.json && ! grep -q "$CANARY" q.json &&
	no_canary_at_rest
'

test_expect_success 'a message left in the spool by a crash is encrypted there too' '
	compose_entry alice alice@client.example "Spooled $CANARY" "Spooled body $CANARY" spooled@client.example >m3.eml &&
	CONFIDANT_CRASH_AT=after-spool test_expect_code 137 confidant deliver <m3.eml &&
	test "$(ls "$PRACTICE/spool/new" | wc -l)" = 1 &&
	no_canary_at_rest &&
	confidant deliver --retry &&
	test "$(ls "$PRACTICE/spool/new" | wc -l)" = 0 &&
	no_canary_at_rest
'

test_expect_success 'the database holds only routing data in plain columns' '
	db_query "$PRACTICE" "SELECT typeof(content) FROM entries" | sort -u >types &&
	echo blob >expect && test_cmp expect types &&
	db_query "$PRACTICE" "SELECT hex(substr(content, 1, 4)) FROM entries" | sort -u >first &&
	echo 43465331 >expect && test_cmp expect first &&
	db_query "$PRACTICE" "SELECT DISTINCT typeof(public), length(public) FROM seal_keys" >pub &&
	echo "blob|32" >expect && test_cmp expect pub
'

# recipients FILE: the key ids a binary OpenPGP message is encrypted to.
recipients() {
	gpg --batch --list-packets --homedir "$TRASH/empty" "$1" 2>/dev/null |
		sed -n "s/^:pubkey enc packet: .* keyid \([0-9A-F]*\).*/\1/p" | sort
}

test_expect_success 'records are sealed to a key whose secret only records_key unwraps' '
	mkdir -m 700 empty &&
	gpg_user records records@clinic.example &&
	GNUPGHOME=$PRACTICE/gnupg gpg --batch --import "$KEYS/records.pub" &&
	confidant config records_key "$(fpr_of records)" &&
	compose_entry alice alice@client.example "Records" "Records body $CANARY" rec@client.example >m4.eml &&
	confidant deliver <m4.eml &&
	test "$(db_query "$PRACTICE" "SELECT wrap_fpr FROM seal_keys s JOIN entries e ON hex(substr(e.content, 5, 4)) = printf('\''%08X'\'', s.id) WHERE e.message_id = '\''rec@client.example'\''")" = "$(fpr_of records)" &&
	python3 -c "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); open(sys.argv[2],\"wb\").write(c.execute(\"SELECT wrapped FROM seal_keys WHERE wrap_fpr = ?\", (sys.argv[3],)).fetchone()[0])" \
		"$PRACTICE/confidant.db" rec.blob "$(fpr_of records)" &&
	recipients rec.blob >got &&
	gpg_as records --with-colons --list-keys records@clinic.example |
		awk -F: "/^sub:/ {print \$5}" >want &&
	test_cmp want got &&
	no_canary_at_rest
'

test_expect_success 'without the records secret key the journal cannot be read; with it, it can' '
	test_expect_code 75 confidant journal alice --json >out 2>err &&
	grep -q "records key" err &&
	GNUPGHOME=$PRACTICE/gnupg gpg --batch --import "$KEYS/records.sec" &&
	confidant journal alice --json >j.json &&
	grep -q "Records body $CANARY" j.json
'

test_expect_success 'a sealed record altered in the database is shown unreadable, never garbled' '
	python3 -c "
import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
b = bytearray(c.execute(\"SELECT content FROM entries WHERE message_id = ?\", (\"rec@client.example\",)).fetchone()[0])
b[100] ^= 1
c.execute(\"UPDATE entries SET content = ? WHERE message_id = ?\", (bytes(b), \"rec@client.example\"))
c.commit()" "$PRACTICE/confidant.db" &&
	confidant journal alice >out 2>err &&
	grep -q "warning: entry .* is unreadable: the sealed data does not authenticate" err &&
	grep -q "^\[unreadable: " out &&
	test_expect_code 65 confidant journal alice --strict >out 2>err &&
	! grep -q "Records body" out
'

test_done
