#!/bin/bash
# remind with many therapists: the digests are made on several threads,
# each with a GnuPG context of its own; every digest must still go to its
# own therapist, encrypted to that therapist alone, and a therapist whose
# key has expired must have the digest held, as a single one would be.
. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIR/lib-gpg.sh"
. "$TEST_DIR/lib-relay.sh"

jq_py() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }
N=7

test_expect_success "setup: $N therapists with a client each, every client one entry" '
	practice_init &&
	for i in $(seq 1 $N); do
		gpg_user_aged th$i th$i@clinic.example 10 &&
		confidant therapist add th$i --email th$i@clinic.example --key "$KEYS/th$i.pub" \
			--timezone UTC --hours "Mon-Sun 00:00-24:00" --commitment "1 hours" &&
		gpg_user c$i c$i@client.example &&
		confidant client add c$i --email c$i@client.example --key "$KEYS/c$i.pub" --therapist th$i &&
		gpg_import th$i "$KEYS/practice.pub" || exit 1
	done &&
	use_capture_sendmail &&
	for i in $(seq 1 $N); do
		compose_entry c$i c$i@client.example "Entry $i" "words of client $i" e$i@client.example >e$i.eml &&
		CONFIDANT_NOW=2026-05-04T09:00:00Z confidant deliver <e$i.eml || exit 1
	done
'

test_expect_success 'the practice keyring starts gpg without a random seed file' '
	grep -qx "no-random-seed-file" "$PRACTICE/gnupg/gpg.conf" &&
	test "$(stat -c %a "$PRACTICE/gnupg/gpg.conf")" = 600
'

test_expect_success 'one remind run: a digest for each therapist, about their client only' '
	expire_key th3 &&
	for i in $(seq 1 $N); do to_count th$i@clinic.example >before$i || exit 1; done &&
	CONFIDANT_NOW=2026-05-04T11:00:00Z confidant remind >out &&
	grep -q "sent $N digest(s)" out &&
	for i in $(seq 1 $N); do
		[ $i = 3 ] && continue
		test "$(to_count th$i@clinic.example)" = $(($(cat before$i) + 1)) &&
		test "$(header "$(last_to th$i@clinic.example)" Subject)" = "..." &&
		f=$(last_to th$i@clinic.example) &&
		decrypt_as th$i "$f" >d$i &&
		grep -q "c$i: was due" d$i &&
		for j in $(seq 1 $N); do
			[ $j = $i ] || ! grep -q "c$j:" d$i || exit 1
			[ $j = $i ] || [ $j = 3 ] || ! decrypt_as th$j "$f" >/dev/null || exit 1
		done || exit 1
	done
'

test_expect_success 'the expired therapist key holds that digest and alerts the practice' '
	test "$(to_count th3@clinic.example)" = "$(cat before3)" &&
	confidant outbox --json >o.json &&
	test "$(jq_py "\" \".join(o[\"state\"] for o in d if o[\"recipient\"] == \"th3@clinic.example\")" <o.json)" = held &&
	a=$(last_to practice@clinic.example) &&
	GNUPGHOME=$PRACTICE/gnupg gpg --batch -d <(armor_of "$a") 2>/dev/null >alert &&
	grep -q "is held in the out" alert && grep -q "has expired" alert &&
	! grep -q "c3:" alert && ! grep -q "was due" alert
'

test_expect_success 'a second run at the same moment sends nothing again' '
	before=$(sent_count) &&
	CONFIDANT_NOW=2026-05-04T11:00:00Z confidant remind >out2 &&
	grep -q "sent 0 digest(s)" out2 &&
	test "$(sent_count)" = "$before"
'

test_done
