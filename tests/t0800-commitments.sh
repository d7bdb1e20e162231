#!/bin/bash
# Response-time commitments: due times (the worked examples), queue,
# acknowledgements, urgent entries, remind and stats.
. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIR/lib-gpg.sh"
. "$TEST_DIR/lib-relay.sh"

jq_py() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }
due_at() { confidant due --client "$1" --received "$2" --json | jq_py "d[\"due_at\"]"; }

test_expect_success 'setup: a Berlin therapist, clients, a capturing sendmail' '
	practice_init &&
	confidant config timezone Europe/Berlin &&
	gpg_user thera thera@clinic.example &&
	confidant therapist add thera --email thera@clinic.example --key "$KEYS/thera.pub" \
		--timezone Europe/Berlin --hours "Mon-Fri 09:00-17:00" --commitment "1 business day" &&
	gpg_user other other@clinic.example &&
	confidant therapist add other --email other@clinic.example --key "$KEYS/other.pub" --timezone Europe/Berlin &&
	for c in alice bob carol; do
		gpg_user $c $c@client.example &&
		confidant client add $c --email $c@client.example --key "$KEYS/$c.pub" --therapist thera || exit 1
	done &&
	confidant client set bob --timezone America/New_York &&
	for p in thera other alice bob carol; do gpg_import $p "$KEYS/practice.pub"; done &&
	echo "This channel is not for emergencies." >boundaries.txt &&
	echo "In a crisis call 112 or the crisis line 0800 111 0111." >crisis.txt &&
	confidant config boundaries_file "$TRASH/boundaries.txt" &&
	confidant config crisis_file "$TRASH/crisis.txt" &&
	use_capture_sendmail
'

test_expect_success 'the worked examples hold through due' '
	test "$(due_at alice "2026-03-02 15:00")" = 2026-03-03T14:00:00Z &&
	test "$(due_at alice "2026-03-06 20:00")" = 2026-03-09T16:00:00Z &&
	test "$(due_at alice "2026-03-02 08:00")" = 2026-03-02T16:00:00Z &&
	test "$(due_at alice "2026-03-27 16:00")" = 2026-03-30T14:00:00Z &&
	test "$(due_at alice "2026-03-02T15:00:00+01:00")" = 2026-03-03T14:00:00Z &&
	test "$(due_at alice "2026-10-23 16:00")" = 2026-10-26T15:00:00Z &&
	confidant due --client alice --received "2026-03-27 16:00" >text &&
	grep -q "due 2026-03-30 16:00 CEST" text
'

test_expect_success 'holidays, and a client commitment in wall-clock hours' '
	confidant therapist holiday thera 2026-04-03 &&
	test "$(due_at alice "2026-04-02 12:00")" = 2026-04-06T10:00:00Z &&
	confidant client set carol --commitment "48 hours" &&
	test "$(due_at carol "2026-03-06 20:00")" = 2026-03-08T19:00:00Z &&
	confidant config holidays "2026-04-06" &&
	test "$(due_at alice "2026-04-02 12:00")" = 2026-04-07T10:00:00Z &&
	confidant config holidays ""
'

test_expect_success 'bad calendar input is refused' '
	test_expect_code 64 confidant therapist set thera --hours "Mon-Fri 9-5" 2>err && grep -q "bad --hours" err &&
	test_expect_code 64 confidant therapist set thera --commitment "soon" 2>err && grep -q "bad --commitment" err &&
	test_expect_code 64 confidant client set alice --timezone Mars/Base 2>err && grep -q "unknown timezone" err &&
	test_expect_code 64 confidant therapist holiday thera 2026-13-01 2>err && grep -q "bad date" err &&
	test_expect_code 64 confidant due --client alice --received tomorrow 2>err && grep -q "bad --received" err &&
	test_expect_code 64 confidant config commitment "3 fortnights" 2>err &&
	test_expect_code 64 confidant config hours "whenever" 2>err
'

test_expect_success 'a delivered entry opens a commitment, due as in the worked example' '
	compose_entry alice alice@client.example "Monday" "Monday entry" m1@client.example >m1.eml &&
	CONFIDANT_NOW=2026-03-02T14:00:00Z confidant deliver <m1.eml &&
	confidant queue --json >q.json &&
	test "$(jq_py "len(d), d[0][\"client\"], d[0][\"therapist\"], d[0][\"message_id\"]" <q.json)" = \
		"1 alice thera m1@client.example" &&
	test "$(jq_py "d[0][\"received_at\"], d[0][\"due_at\"]" <q.json)" = "2026-03-02T14:00:00Z 2026-03-03T14:00:00Z" &&
	test "$(jq_py "d[0][\"overdue\"], d[0][\"urgent\"]" <q.json)" = "False False" &&
	confidant queue --at "2026-03-03 15:30" --json | jq_py "d[0][\"overdue\"]" >o && echo True >expect && test_cmp expect o
'

test_expect_success 'the client is acknowledged once, in their zone, with the boundaries text' '
	test "$(to_count alice@client.example)" = 1 &&
	a=$(last_to alice@client.example) &&
	test "$(header "$a" Auto-Submitted)" = auto-replied &&
	decrypt_as alice "$a" >ack &&
	grep -q "received on 2026-03-02 15:00 CET" ack && grep -q "reply by 2026-03-03 15:00 CET" ack &&
	grep -q "not for emergencies" ack && ! grep -q "crisis line" ack && ! grep -q "Monday entry" ack
'

test_expect_success 'a second entry before the reply joins the commitment: no second acknowledgement' '
	compose_entry alice alice@client.example "Tuesday" "Tuesday entry" m2@client.example >m2.eml &&
	CONFIDANT_NOW=2026-03-03T08:00:00Z confidant deliver <m2.eml &&
	confidant queue --json | jq_py "len(d), d[0][\"due_at\"]" >q && echo "1 2026-03-03T14:00:00Z" >expect && test_cmp expect q &&
	test "$(to_count alice@client.example)" = 1 &&
	test "$(to_count thera@clinic.example)" = 2
'

test_expect_success 'the acknowledgement uses the client zone when set' '
	compose_entry bob bob@client.example "Bob" "bob entry" b1@client.example >b1.eml &&
	CONFIDANT_NOW=2026-03-02T14:00:00Z confidant deliver <b1.eml &&
	decrypt_as bob "$(last_to bob@client.example)" | grep -q "reply by 2026-03-03 09:00 EST"
'

test_expect_success 'remind: a digest when a reply is about to fall due, exactly once' '
	before=$(to_count thera@clinic.example) &&
	confidant remind --at "2026-03-03 12:00" >r && test "$(to_count thera@clinic.example)" = "$before" &&
	confidant remind --at "2026-03-03 13:30" >r && grep -q "sent 1 digest" r &&
	test "$(to_count thera@clinic.example)" = $((before + 1)) &&
	d=$(last_to thera@clinic.example) &&
	decrypt_as thera "$d" >digest &&
	grep -q "alice: due 2026-03-03 15:00 CET" digest && grep -q "bob: due" digest &&
	for m in $(seq 31 59) $(seq 0 29); do
		h=13; [ $m -lt 31 ] && h=14
		confidant remind --at "2026-03-03 $h:$(printf %02d $m)" >/dev/null || exit 1
	done &&
	test "$(to_count thera@clinic.example)" = $((before + 1))
'

test_expect_success 'reminders never carry a name, an address, a subject or a word of an entry' '
	for f in "$SENT_DIR"/*.eml; do
		s=$(header "$f" Subject)
		case $(header "$f" To) in thera@clinic.example) ;; *) continue ;; esac
		decrypt_as thera "$f" >plain || continue
		grep -q "Replies due" plain || continue
		! grep -q "alice@client.example" plain && ! grep -q "Monday entry" plain &&
		! grep -q "Tuesday" plain && ! grep -q "bob entry" plain || { echo "leak in $f"; exit 1; }
	done
'

test_expect_success 'remind: overdue once, 100 later runs send nothing new, escalation after a business day' '
	before=$(to_count thera@clinic.example) && esc0=$(to_count practice@clinic.example) &&
	confidant remind --at "2026-03-03 15:01" >r && grep -q "sent 1 digest" r &&
	test "$(to_count thera@clinic.example)" = $((before + 1)) &&
	decrypt_as thera "$(last_to thera@clinic.example)" | grep -q "Overdue" &&
	for i in $(seq 1 100); do
		m=$((i % 60)); h=$((15 + i / 60))
		confidant remind --at "2026-03-03 $h:$(printf %02d $m)" >/dev/null || exit 1
	done &&
	test "$(to_count thera@clinic.example)" = $((before + 1)) &&
	test "$(to_count practice@clinic.example)" = "$esc0" &&
	confidant remind --at "2026-03-04 15:00" >r && grep -q "1 escalation" r &&
	test "$(to_count practice@clinic.example)" = $((esc0 + 1)) &&
	GNUPGHOME=$PRACTICE/gnupg gpg --batch -d <(armor_of "$(last_to practice@clinic.example)") 2>/dev/null >esc &&
	grep -q "alice (therapist thera)" esc &&
	confidant remind --at "2026-03-04 16:00" >r && test "$(to_count practice@clinic.example)" = $((esc0 + 1))
'

test_expect_success 'digests wait for business hours' '
	compose_entry carol carol@client.example "Carol" "carol entry" c1@client.example >c1.eml &&
	CONFIDANT_NOW=2026-03-06T09:00:00Z confidant deliver <c1.eml &&
	confidant queue --json | jq_py "[q[\"due_at\"] for q in d if q[\"client\"] == \"carol\"][0]" >due &&
	echo 2026-03-08T09:00:00Z >expect && test_cmp expect due &&
	before=$(to_count thera@clinic.example) &&
	confidant remind --at "2026-03-08 11:00" >r && test "$(to_count thera@clinic.example)" = "$before" &&
	confidant remind --at "2026-03-09 09:05" >r &&
	test "$(to_count thera@clinic.example)" = $((before + 1)) &&
	decrypt_as thera "$(last_to thera@clinic.example)" | grep -q "carol: was due"
'

test_expect_success 'a reply meets every open commitment of the client; queue and stats agree' '
	nid=$(msgid_of "$SENT_DIR/1.eml") &&
	compose_reply thera thera@clinic.example "Thanks for both entries." t1@clinic.example "$nid" >t1.eml &&
	CONFIDANT_NOW=2026-03-03T16:00:00Z confidant deliver <t1.eml &&
	confidant queue --json | jq_py "\" \".join(sorted(q[\"client\"] for q in d))" >q &&
	echo "bob carol" >expect && test_cmp expect q &&
	confidant stats --json --since 2026-03-01 >s.json &&
	test "$(jq_py "[t for t in d if t[\"therapist\"] == \"thera\"][0][\"replies\"]" <s.json)" = 1 &&
	test "$(jq_py "[t for t in d if t[\"therapist\"] == \"thera\"][0][\"median_minutes\"]" <s.json)" = 1560 &&
	test "$(jq_py "[t for t in d if t[\"therapist\"] == \"thera\"][0][\"median_business_minutes\"]" <s.json)" = 600 &&
	test "$(jq_py "[t for t in d if t[\"therapist\"] == \"thera\"][0][\"on_time_share\"]" <s.json)" = 0.0 &&
	test "$(jq_py "[t for t in d if t[\"therapist\"] == \"thera\"][0][\"open\"]" <s.json)" = 2
'

test_expect_success 'urgent phrases mark an entry urgent; ordinary words do not' '
	compose_entry alice alice@client.example "Night" "Last night I thought: I want to kill myself." u1@client.example >u1.eml &&
	before_t=$(to_count thera@clinic.example) && before_p=$(to_count practice@clinic.example) &&
	CONFIDANT_NOW=2026-03-10T20:00:00Z confidant deliver <u1.eml &&
	confidant queue --json | jq_py "[(q[\"urgent\"], q[\"due_at\"]) for q in d if q[\"client\"] == \"alice\"][0]" >u &&
	echo "(True, \x272026-03-10T21:00:00Z\x27)" | sed "s/\\\\x27/\x27/g" >expect && test_cmp expect u &&
	test "$(to_count thera@clinic.example)" = $((before_t + 2)) &&
	test "$(to_count practice@clinic.example)" = $((before_p + 1)) &&
	decrypt_as alice "$(last_to alice@client.example)" | grep -q "crisis line" &&
	compose_entry bob bob@client.example "Work" "I am killing it at work this week." u2@client.example >u2.eml &&
	nid=$(msgid_of "$(ls "$SENT_DIR"/*.eml | head -1)") &&
	CONFIDANT_NOW=2026-03-10T20:00:00Z confidant deliver <u2.eml &&
	confidant queue --json | jq_py "[q[\"urgent\"] for q in d if q[\"client\"] == \"bob\"][0]" >b && echo False >expect && test_cmp expect b
'

test_expect_success 'the contrib phrase list is the built-in one, and works as a file' '
	grep -v "^#" "$TEST_SRCDIR/contrib/urgent-phrases.txt" | grep -v "^$" >contrib.list &&
	test "$(wc -l <contrib.list)" -gt 20 &&
	confidant config urgent_phrases_file "$TEST_SRCDIR/contrib/urgent-phrases.txt" &&
	compose_entry carol carol@client.example "File" "Sometimes I feel SUICIDAL at night." f1@client.example >f1.eml &&
	CONFIDANT_NOW=2026-03-10T20:00:00Z confidant deliver <f1.eml &&
	confidant queue --json | jq_py "[q[\"urgent\"] for q in d if q[\"client\"] == \"carol\"][0]" >u &&
	echo True >expect && test_cmp expect u &&
	echo "only this phrase" >mine.txt && confidant config urgent_phrases_file "$TRASH/mine.txt" &&
	compose_entry bob bob@client.example "Mine" "I say only this phrase here." f2@client.example >f2.eml &&
	CONFIDANT_NOW=2026-03-10T20:00:00Z confidant deliver <f2.eml &&
	confidant queue --json | jq_py "[q[\"urgent\"] for q in d if q[\"client\"] == \"bob\"][0]" >u &&
	echo True >expect && test_cmp expect u &&
	confidant config urgent_phrases_file ""
'

test_expect_success 'an urgent entry joining an open commitment still brings the crisis resources' '
	compose_entry bob bob@client.example "Again" "I feel like I want to die tonight." j1@client.example >j1.eml &&
	before=$(to_count bob@client.example) &&
	CONFIDANT_NOW=2026-03-10T21:00:00Z confidant deliver <j1.eml &&
	test "$(to_count bob@client.example)" = $((before + 1)) &&
	decrypt_as bob "$(last_to bob@client.example)" >crisis &&
	grep -q "crisis line" crisis && ! grep -q "want to die" crisis
'

test_expect_success 'a phrases file with CRLF line ends works' '
	printf "# list\r\nsuicidal\r\n" >crlf.txt &&
	confidant config urgent_phrases_file "$TRASH/crlf.txt" &&
	echo done | CONFIDANT_NOW=2026-03-10T21:30:00Z confidant reply carol >/dev/null &&
	compose_entry carol carol@client.example "CRLF" "I feel suicidal today." k1@client.example >k1.eml &&
	CONFIDANT_NOW=2026-03-10T21:40:00Z confidant deliver <k1.eml &&
	confidant queue --json | jq_py "[q[\"urgent\"] for q in d if q[\"client\"] == \"carol\"][0]" >u &&
	echo True >expect && test_cmp expect u &&
	confidant config urgent_phrases_file ""
'

test_expect_success 'two remind runs at once send one digest' '
	compose_entry carol carol@client.example "Par" "parallel" p1@client.example >p1.eml &&
	echo done | CONFIDANT_NOW=2026-03-11T08:00:00Z confidant reply carol >/dev/null &&
	CONFIDANT_NOW=2026-03-12T09:00:00Z confidant deliver <p1.eml &&
	before=$(to_count thera@clinic.example) &&
	{ confidant remind --at "2026-03-13 08:30" >r1 & confidant remind --at "2026-03-13 08:30" >r2 & wait; } &&
	test "$(to_count thera@clinic.example)" = $((before + 1))
'

test_expect_success 'a configuration error during delivery is temporary, never a bounce' '
	confidant config escalation_key 0000000000000000000000000000000000000000 &&
	compose_entry alice alice@client.example "Cfg" "I want to die." cfg1@client.example >cfg1.eml &&
	test_expect_code 75 env CONFIDANT_NOW=2026-03-12T10:00:00Z "$CONFIDANT" deliver <cfg1.eml &&
	! confidant journal alice --json | grep -q cfg1@client.example &&
	confidant config escalation_key "" &&
	CONFIDANT_NOW=2026-03-12T10:00:00Z confidant deliver <cfg1.eml &&
	confidant journal alice --json | grep -q cfg1@client.example
'

test_expect_success 'away with cover: the colleague is notified, due from, and may reply' '
	confidant reply alice </dev/null >/dev/null 2>&1 ; echo "ok" | CONFIDANT_NOW=2026-03-11T08:00:00Z confidant reply alice >/dev/null &&
	confidant therapist away thera --from "2026-03-16 00:00" --until "2026-03-21 00:00" --cover other &&
	before=$(to_count other@clinic.example) &&
	compose_entry alice alice@client.example "Away" "while thera is away" w1@client.example >w1.eml &&
	CONFIDANT_NOW=2026-03-16T10:00:00Z confidant deliver <w1.eml &&
	test "$(to_count other@clinic.example)" = $((before + 1)) &&
	confidant queue --json | jq_py "[q[\"therapist\"] for q in d if q[\"client\"] == \"alice\"][0]" >t &&
	echo other >expect && test_cmp expect t &&
	nid=$(msgid_of "$(last_to other@clinic.example)") &&
	compose_reply other other@clinic.example "Covering reply." o1@clinic.example "$nid" >o1.eml &&
	CONFIDANT_NOW=2026-03-16T12:00:00Z confidant deliver <o1.eml &&
	confidant journal alice --json | jq_py "d[-1][\"body\"] if False else [e[\"body\"] for e in d if e[\"direction\"] == \"out\"][-1]" >b &&
	echo "Covering reply." >expect && test_cmp expect b &&
	! confidant queue --json | grep -q "\"alice\""
'

test_expect_success 'away without cover: the time away does not count' '
	confidant therapist away thera --from "2026-03-23 00:00" --until "2026-03-25 00:00" &&
	test "$(due_at bob "2026-03-21 10:00")" = 2026-03-25T16:00:00Z
'

test_expect_success 'acknowledge no: a new commitment sends no acknowledgement' '
	confidant config acknowledge no &&
	echo "done" | CONFIDANT_NOW=2026-03-26T08:00:00Z confidant reply carol >/dev/null &&
	before=$(to_count carol@client.example) &&
	compose_entry carol carol@client.example "Quiet" "no ack please" q1@client.example >q1.eml &&
	CONFIDANT_NOW=2026-03-26T09:00:00Z confidant deliver <q1.eml &&
	test "$(to_count carol@client.example)" = "$before" &&
	confidant queue --json | jq_py "[q[\"message_id\"] for q in d if q[\"client\"] == \"carol\"][0]" >m &&
	echo q1@client.example >expect && test_cmp expect m
'

test_expect_success 'queue: one line a commitment in the therapist zone, and the same in JSON' '
	CONFIDANT_NOW=2026-03-26T10:00:00Z confidant queue >qt &&
	grep -E "^carol {12}thera {8}received 2026-03-26 10:00 CET  due 2026-03-28 10:00 CET  left 1d 23h 0m$" qt &&
	CONFIDANT_NOW=2026-03-26T10:00:00Z confidant queue --json >qj &&
	jq_py "\"\\n\".join(\"|\".join(str(q[k]) for k in (\"client\", \"therapist\", \"received_at\", \"due_at\", \"overdue\", \"urgent\")) for q in d)" <qj >qjv &&
	grep -qx "carol|thera|2026-03-26T09:00:00Z|2026-03-28T09:00:00Z|False|False" qjv &&
	test "$(wc -l <qt)" = "$(jq_py "len(d)" <qj)"
'

test_expect_success 'a version 6 database gains the queue index on its first write; queue waits for it' '
	CONFIDANT_NOW=2026-03-26T10:00:00Z confidant queue >before &&
	sqlite3 "$PRACTICE/confidant.db" "DROP INDEX commitments_queue; PRAGMA user_version = 6;" &&
	test_expect_code 78 confidant queue 2>err && grep -q "has schema 6" err &&
	confidant deliver --retry &&
	test "$(sqlite3 "$PRACTICE/confidant.db" "PRAGMA user_version")" = 7 &&
	sqlite3 "$PRACTICE/confidant.db" ".schema commitments" | grep -q "commitments_queue.*WHERE met_at IS NULL" &&
	CONFIDANT_NOW=2026-03-26T10:00:00Z confidant queue >after &&
	test_cmp before after
'

test_done
