#!/bin/bash
# quarantine list, show, release (the admin names the client) and drop.
. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIR/lib-gpg.sh"

jq_py() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }

test_expect_success 'setup: a plaintext and an unsigned message in quarantine' '
	setup_practice thera alice bob &&
	printf "From: alice@client.example\r\nSubject: From my phone\r\nMessage-ID: <phone@x>\r\n\r\nWritten without encryption.\r\n" >plain.eml &&
	confidant deliver <plain.eml &&
	printf "Content-Type: text/plain\r\n\r\nEncrypted, forgot to sign.\r\n" >u.in &&
	gpg_import alice "$KEYS/practice.pub" &&
	gpg_as alice --armor --trust-model always --encrypt --recipient "$(cat "$TRASH/practice.fpr")" --output u.asc u.in &&
	pgpmime_wrap alice@client.example practice@clinic.example "Unsigned" unsigned@x u.asc >u.eml &&
	confidant deliver <u.eml &&
	confidant quarantine list --json >q.json &&
	test "$(jq_py "\" \".join(q[\"reason\"] for q in d)" <q.json)" = "not-encrypted unsigned" &&
	test "$(jq_py "d[0][\"from\"], d[0][\"message_id\"], d[0][\"date\"]" <q.json)" = \
		"alice@client.example phone@x 2026-03-02T10:00:00Z" &&
	test "$(jq_py "\" \".join(sorted(d[0].keys()))" <q.json)" = "date detail from id message_id reason state"
'

test_expect_success 'show prints the message, made safe for a terminal' '
	confidant quarantine show 1 >s.txt &&
	grep -q "Written without encryption." s.txt && grep -q "not-encrypted" s.txt &&
	test_expect_code 66 confidant quarantine show 99 2>err && grep -q "no quarantined message 99" err
'

test_expect_success 'release needs --client, and an existing one' '
	test_expect_code 64 confidant quarantine release 1 2>err && grep -q "needs --client" err &&
	test_expect_code 66 confidant quarantine release 1 --client nobody 2>err && grep -q "no client" err &&
	confidant journal alice --json >j && test "$(cat j)" = "[]"
'

test_expect_success 'release files the message into the journal the admin names' '
	confidant quarantine release 1 --client alice >out &&
	grep -q "journal of alice" out &&
	confidant journal alice --json >j.json &&
	test "$(jq_py "d[0][\"body\"]" <j.json)" = "Written without encryption." &&
	test "$(jq_py "d[0][\"subject\"]" <j.json)" = "From my phone" &&
	test "$(jq_py "d[0][\"signer\"]" <j.json)" = "" &&
	confidant quarantine list --json | jq_py "len(d)" >n && test "$(cat n)" = 1 &&
	confidant quarantine list --all --json | jq_py "[q[\"state\"] for q in d]" >st &&
	grep -q released st &&
	test_expect_code 64 confidant quarantine release 1 --client alice 2>err && grep -q "released already" err
'

test_expect_success 'an encrypted but unsigned message is decrypted on release' '
	confidant quarantine release 2 --client alice &&
	confidant journal alice --json | jq_py "d[-1][\"body\"]" >b &&
	echo "Encrypted, forgot to sign." >expect && test_cmp expect b
'

test_expect_success 'drop removes the kept message and refuses to act twice' '
	printf "From: eve@evil.example\r\nSubject: spam\r\nMessage-ID: <spam@x>\r\n\r\nbuy\r\n" >spam.eml &&
	confidant deliver <spam.eml &&
	id=$(confidant quarantine list --json | jq_py "d[0][\"id\"]") &&
	confidant quarantine drop "$id" &&
	db_query "$PRACTICE" "SELECT state, raw IS NULL FROM quarantine WHERE id = $id" >r &&
	echo "dropped|1" >expect && test_cmp expect r &&
	test_expect_code 64 confidant quarantine drop "$id" 2>err && grep -q "dropped already" err &&
	test_expect_code 64 confidant quarantine drop abc 2>err &&
	test_expect_code 64 confidant quarantine frob 2>err && grep -q "unknown subcommand" err
'

test_done
