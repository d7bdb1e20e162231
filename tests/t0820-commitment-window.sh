#!/bin/bash
# Commitments and the calendar's search window: a commitment that cannot
# be met within it is refused when it is set; `due` never prints a time
# before the received time; `deliver` stores the entry, flags the
# commitment and alerts the therapist when a calendar changed behind the
# checks leaves no due time.  Dates that do not exist and numbers in
# other bases are refused.
. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIR/lib-gpg.sh"
. "$TEST_DIR/lib-relay.sh"

jq_py() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }
qp_decode() { python3 -c "import quopri,sys; sys.stdout.buffer.write(quopri.decodestring(sys.stdin.buffer.read()))"; }

# saturdays N FROM: N Saturdays from the Saturday FROM, space-separated.
saturdays() {
	for i in $(seq 0 $(($1 - 1))); do date -u -d "$2 + $((7 * i)) days" +%F; done | tr '\n' ' '
}

test_expect_success 'setup: therapist thera on the practice hours, client ivy, dana on Saturday mornings' '
	practice_init &&
	use_capture_sendmail &&
	gpg_user thera thera@clinic.example &&
	confidant therapist add thera --email thera@clinic.example --key "$KEYS/thera.pub" &&
	gpg_user ivy ivy@client.example &&
	confidant client add ivy --email ivy@client.example --key "$KEYS/ivy.pub" --therapist thera \
		--commitment "300 business hours" &&
	gpg_user dana dana@clinic.example &&
	gpg_user erin erin@client.example &&
	for p in thera ivy; do gpg_import $p "$KEYS/practice.pub"; done
'

# Sat 10:00-10:30 holds about 261 business hours in the 3660 days searched.
test_expect_success 'therapist add with a commitment its hours cannot hold is refused, and nothing registered' '
	test_expect_code 64 confidant therapist add dana --email dana@clinic.example --key "$KEYS/dana.pub" \
		--hours "Sat 10:00-10:30" --commitment "100000 business days" 2>err &&
	test_grep "^confidant: bad --commitment .100000 business days.: therapist dana.s commitment .100000 business days. cannot be met within 3660 days of therapist dana.s calendar: it needs 800000 business hours and the 3660 days from 2026-03-02 hold 261 business hours and 30 minutes$" err &&
	test_expect_code 66 confidant therapist show dana 2>/dev/null &&
	confidant therapist add dana --email dana@clinic.example --key "$KEYS/dana.pub" \
		--hours "Sat 10:00-10:30" --commitment "255 business hours" &&
	test "$(db_query "$PRACTICE" "SELECT hours, commitment FROM therapists WHERE handle = '\''dana'\''")" = \
		"Sat 10:00-10:30|255 business hours"
'

test_expect_success 'therapist set and client add/set refuse an unmeetable commitment, and change nothing' '
	test_expect_code 64 confidant therapist set dana --commitment "100000 business days" 2>err &&
	test_grep "bad --commitment .100000 business days.: therapist dana.s commitment" err &&
	test "$(db_query "$PRACTICE" "SELECT commitment FROM therapists WHERE handle = '\''dana'\''")" = "255 business hours" &&
	test_expect_code 64 confidant client add erin --email erin@client.example --key "$KEYS/erin.pub" \
		--therapist dana --commitment "300 business hours" 2>err &&
	test_grep "^confidant: bad --commitment .300 business hours.: client erin.s commitment .300 business hours. cannot be met within 3660 days of therapist dana.s calendar: it needs 300 business hours and" err &&
	test_expect_code 66 confidant client show erin 2>/dev/null &&
	confidant client add erin --email erin@client.example --key "$KEYS/erin.pub" --therapist dana &&
	test_expect_code 64 confidant client set erin --commitment "262 business hours" 2>err &&
	test_grep "client erin.s commitment .262 business hours. cannot be met" err &&
	test "$(db_query "$PRACTICE" "SELECT coalesce(commitment, '\''none'\'') FROM clients WHERE handle = '\''erin'\''")" = none &&
	confidant client set erin --commitment "48 hours" &&
	confidant client set erin --commitment "2 business hours"
'

test_expect_success 'new hours that leave a client commitment no time are refused, naming the client' '
	test_expect_code 64 confidant therapist set thera --hours "Sat 10:00-10:30" 2>err &&
	test_grep "^confidant: bad --hours .Sat 10:00-10:30.: client ivy.s commitment .300 business hours. cannot be met within 3660 days of therapist thera.s calendar" err &&
	test_expect_code 64 confidant therapist set thera --commitment "100000 business days" 2>err &&
	test_grep "^confidant: bad --commitment .100000 business days.: therapist thera.s commitment .100000 business days. cannot be met within 3660 days of therapist thera.s calendar" err &&
	test_expect_code 64 confidant therapist set thera --day-length 0.01 2>err && test_grep "bad --day-length" err &&
	test "$(db_query "$PRACTICE" "SELECT coalesce(hours, '\''none'\''), coalesce(day_length, '\''none'\'') FROM therapists WHERE handle = '\''thera'\''")" = "none|none"
'

test_expect_success 'holidays that take the time a commitment needs are refused; fewer are recorded' '
	many=$(saturdays 20 2026-03-07) &&
	test_expect_code 64 confidant therapist holiday dana $many 2>err &&
	test_grep "^confidant: bad holidays: therapist dana.s commitment .255 business hours. cannot be met" err &&
	test "$(db_query "$PRACTICE" "SELECT count(*) FROM holidays")" = 0 &&
	confidant therapist holiday dana $(saturdays 5 2026-03-07) &&
	test "$(db_query "$PRACTICE" "SELECT count(*) FROM holidays")" = 5
'

test_expect_success 'confidant config refuses practice settings that leave a commitment no time' '
	cp "$PRACTICE/confidant.conf" conf.before &&
	test_expect_code 64 confidant config commitment "100000 business days" 2>err &&
	test_grep "^confidant: bad value for .commitment.: the practice.s commitment .100000 business days. cannot be met within 3660 days of the practice.s calendar" err &&
	test_expect_code 64 confidant config hours "Sat 10:00-10:30" 2>err &&
	test_grep "client ivy.s commitment .300 business hours. cannot be met within 3660 days of therapist thera.s calendar" err &&
	test_expect_code 64 confidant config holidays "$(saturdays 20 2026-04-11 | tr " " ",")" 2>err &&
	test_grep "therapist dana.s commitment .255 business hours. cannot be met" err &&
	test_cmp conf.before "$PRACTICE/confidant.conf" &&
	confidant config commitment "2 business days" &&
	confidant config holidays "2026-04-03"
'

test_expect_success 'dates that do not exist and numbers in other bases are refused' '
	for d in 2026-02-30 2026-02-29 0000-01-01 2026-04-31; do
		test_expect_code 64 confidant therapist holiday thera $d 2>err && test_grep "bad date .$d." err || exit 1
		test_expect_code 64 confidant config holidays $d 2>err || exit 1
		test_expect_code 64 confidant due --client ivy --received "$d 10:00" 2>err &&
		test_grep "bad --received" err || exit 1
	done &&
	confidant therapist holiday thera 2028-02-29 &&
	for c in "0x1p3 hours" "0x10 business hours" "1e2 hours" "inf hours" "1hours" "+1 hours"; do
		test_expect_code 64 confidant client set ivy --commitment "$c" 2>err &&
		test_grep "bad --commitment" err || exit 1
		test_expect_code 64 confidant config commitment "$c" 2>/dev/null || exit 1
	done &&
	test_expect_code 64 confidant therapist set thera --day-length 0x8 2>err && test_grep "bad --day-length" err &&
	test_expect_code 64 confidant therapist set thera --day-length 8e0 2>err &&
	test "$(db_query "$PRACTICE" "SELECT commitment FROM clients WHERE handle = '\''ivy'\''")" = "300 business hours"
'

test_expect_success 'a calendar changed behind the checks: due says there is no due time, exit 78' '
	confidant due --client ivy --received "2026-03-02 10:00" --json >d.json &&
	test "$(jq_py "d[\"due_at\"]" <d.json)" = 2026-04-23T14:00:00Z &&
	cp "$PRACTICE/confidant.conf" conf.good &&
	sed -i "s/^hours = .*/hours = Sat 10:00-10:30/; /^\[commitments\]/a hours = Sat 10:00-10:30" "$PRACTICE/confidant.conf" &&
	test "$(confidant config hours)" = "Sat 10:00-10:30" &&
	test_expect_code 78 confidant due --client ivy --received "2026-03-02 10:00" >out 2>err &&
	test_must_fail test -s out &&
	test_grep "^confidant: no due time for client ivy: their commitment cannot be met within 3660 days of therapist thera.s calendar: it needs 300 business hours and the 3660 days from 2026-03-02 hold 261 business hours and 30 minutes; change the hours, holidays or away periods, or the commitment$" err &&
	test_expect_code 78 confidant due --client ivy --received "2026-03-02 10:00" --json >out 2>/dev/null &&
	test_must_fail test -s out
'

test_expect_success 'deliver stores the entry and flags the commitment, due at once, never a made-up time' '
	compose_entry ivy ivy@client.example "Week" "a hard week at work" un1@client.example >un1.eml &&
	CONFIDANT_NOW=2026-03-02T10:00:00Z confidant deliver <un1.eml &&
	test "$(db_query "$PRACTICE" "SELECT count(*) FROM entries e JOIN clients c ON c.id = e.client_id WHERE c.handle = '\''ivy'\'' AND e.message_id = '\''un1@client.example'\''")" = 1 &&
	test "$(db_query "$PRACTICE" "SELECT count(*) FROM quarantine")" = 0 &&
	confidant journal ivy --json | grep -q "a hard week at work" &&
	test "$(db_query "$PRACTICE" "SELECT c.received_at, c.due_at, r.kind FROM commitments c JOIN reminders r ON r.commitment_id = c.id JOIN clients k ON k.id = c.client_id WHERE k.handle = '\''ivy'\''")" = \
		"2026-03-02T10:00:00Z|2026-03-02T10:00:00Z|unmeetable"
'

test_expect_success 'queue and queue --json show the flag; the other fields are as before' '
	confidant queue --json >q.json &&
	jq_py "\"|\".join(str(d[0][k]) for k in (\"client\", \"therapist\", \"message_id\", \"received_at\", \"due_at\", \"overdue\", \"urgent\", \"unmeetable\"))" <q.json >qv &&
	echo "ivy|thera|un1@client.example|2026-03-02T10:00:00Z|2026-03-02T10:00:00Z|True|False|True" >expect &&
	test_cmp expect qv &&
	jq_py "\" \".join(sorted(d[0].keys()))" <q.json >fields &&
	echo "client due_at message_id overdue received_at therapist unmeetable urgent" >expect &&
	test_cmp expect fields &&
	confidant queue >qt &&
	test_grep "^ivy  *thera  *received 2026-03-02 10:00 UTC  due 2026-03-02 10:00 UTC  overdue by 0h 0m  UNMEETABLE: no due time in the calendar$" qt
'

test_expect_success 'the therapist is alerted, encrypted, with the client handle and what to fix, nothing clinical' '
	test "$(to_count thera@clinic.example)" = 2 &&
	for f in "$SENT_DIR"/*.eml; do
		[ "$(header "$f" To)" = thera@clinic.example ] || continue
		decrypt_as thera "$f" >plain || exit 1
		qp_decode <plain | tr -d "\r" >text
		grep -q "cannot be computed" text && cp text alert && cp "$f" alert.eml
	done &&
	! grep -q "hard week" alert.eml &&
	test_grep "^Subject: Confidant: a commitment has no due time" alert &&
	test_grep "^The commitment for client ivy cannot be computed from the calendar of$" alert &&
	test_grep "^therapist thera in the 3660 days Confidant looks ahead:$" alert &&
	test_grep "^it needs 300 business hours and the 3660 days from 2026-03-02 hold 261 business hours and 30 minutes\.$" alert &&
	test_grep "^An entry from client ivy, received 2026-03-02 10:00 UTC, is stored" alert &&
	test_grep "confidant therapist set thera --hours" alert &&
	test_grep "confidant client set ivy --commitment" alert &&
	! grep -q "hard week" alert && ! grep -q "Week" alert && ! grep -q "ivy@client.example" alert
'

test_expect_success 'the client is acknowledged without a promised time' '
	test "$(to_count ivy@client.example)" = 1 &&
	decrypt_as ivy "$(last_to ivy@client.example)" >ack &&
	test_grep "received on 2026-03-02 10:00 UTC" ack &&
	! grep -q "reply by" ack
'

test_expect_success 'a second entry joins the flagged commitment: no second alert, no other due time' '
	before=$(to_count thera@clinic.example) &&
	compose_entry ivy ivy@client.example "Again" "another entry" un2@client.example >un2.eml &&
	CONFIDANT_NOW=2026-03-03T10:00:00Z confidant deliver <un2.eml &&
	test "$(to_count thera@clinic.example)" = $((before + 1)) &&
	! decrypt_as thera "$(last_to thera@clinic.example)" | grep -q "cannot be computed" &&
	test "$(db_query "$PRACTICE" "SELECT count(*), min(due_at), max(entries) FROM commitments c JOIN clients k ON k.id = c.client_id WHERE k.handle = '\''ivy'\'' AND met_at IS NULL")" = \
		"1|2026-03-02T10:00:00Z|2" &&
	test "$(db_query "$PRACTICE" "SELECT count(*) FROM reminders WHERE kind = '\''unmeetable'\''")" = 1
'

test_expect_success 'remind lists it as due when received, saying the calendar gives no due time' '
	before=$(to_count thera@clinic.example) &&
	confidant remind --at "2026-03-07 10:10" >r && test_grep "sent 1 digest" r &&
	test "$(to_count thera@clinic.example)" = $((before + 1)) &&
	decrypt_as thera "$(last_to thera@clinic.example)" | qp_decode | tr -d "\r" >digest &&
	test_grep "^  ivy: was due 2026-03-02 10:00 UTC (overdue by 120h 10m), when received: the calendar gives no due time$" digest
'

test_expect_success 'once the calendar is fixed, due and new commitments are computed again' '
	cp conf.good "$PRACTICE/confidant.conf" &&
	confidant due --client ivy --received "2026-03-02 10:00" --json | jq_py "d[\"due_at\"]" >due &&
	echo 2026-04-23T14:00:00Z >expect && test_cmp expect due &&
	echo "Thank you." | CONFIDANT_NOW=2026-03-03T11:00:00Z confidant reply ivy >/dev/null &&
	compose_entry ivy ivy@client.example "Fixed" "third entry" un3@client.example >un3.eml &&
	CONFIDANT_NOW=2026-03-04T10:00:00Z confidant deliver <un3.eml &&
	confidant queue --json | jq_py "[(q[\"due_at\"], q[\"unmeetable\"]) for q in d if q[\"client\"] == \"ivy\"][0]" >q &&
	echo "(\x272026-04-27T14:00:00Z\x27, False)" | sed "s/\\\\x27/\x27/g" >expect && test_cmp expect q
'

test_done
