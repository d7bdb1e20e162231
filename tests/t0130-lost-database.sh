#!/bin/bash
# A database that is lost, emptied or replaced is never mistaken for a new
# practice: only init creates one; every other command names the file and
# the likely cause (deliver exits 75 so the MTA keeps the mail), and
# audit --verify compares the trail with audit.head, kept outside the
# database, to find a database that lost rows or was replaced.
. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIR/lib-gpg.sh"

rows() { db_query "$PRACTICE" "SELECT count(*) FROM $1"; }
save_db() { sqlite3 "$PRACTICE/confidant.db" ".backup '$TRASH/$1'"; }
put_db() {
	rm -f "$PRACTICE/confidant.db-wal" "$PRACTICE/confidant.db-shm" &&
	cp "$TRASH/$1" "$PRACTICE/confidant.db" && chmod 600 "$PRACTICE/confidant.db"
}

test_expect_success 'setup: a practice with a client and one entry; audit.head beside the database' '
	setup_practice thera alice &&
	compose_entry alice alice@client.example "Hello" "first words" "e1@client.example" >e1.eml &&
	confidant deliver <e1.eml && test "$(rows entries)" = 1 &&
	compose_entry alice alice@client.example "Again" "second words" "e2@client.example" >e2.eml &&
	test -f "$PRACTICE/audit.head" && test "$(stat -c %a "$PRACTICE/audit.head")" = 600 &&
	n=$(rows audit) &&
	grep -q "^rows 0*$n\$" "$PRACTICE/audit.head" &&
	grep -q "^head $(db_query "$PRACTICE" "SELECT hash FROM audit ORDER BY id DESC LIMIT 1")\$" \
		"$PRACTICE/audit.head" &&
	confidant audit --verify >v.txt && grep -q "audit.head: agrees ($n rows)" v.txt &&
	save_db good.db
'

test_expect_success 'a database truncated to 0 bytes: every command refuses, naming the file; nothing is made' '
	: >"$PRACTICE/confidant.db" &&
	rm -f "$PRACTICE/confidant.db-wal" "$PRACTICE/confidant.db-shm" &&
	for c in "queue" "client list" "journal alice" "audit --verify" "outbox" "stats" \
		 "remind" "flush" "config timezone Europe/Berlin"; do
		test_expect_code 78 confidant $c 2>err || { echo "$c: not 78"; exit 1; }
		grep -q "database .*confidant.db. is empty (0 bytes)" err &&
		grep -q "restore confidant.db from a backup" err || { cat err; exit 1; }
	done &&
	test ! -s "$PRACTICE/confidant.db"
'

test_expect_success 'deliver with a lost database exits 75: the MTA keeps the message, nothing is spooled' '
	test_expect_code 75 confidant deliver <e2.eml 2>err &&
	grep -q "is empty (0 bytes)" err &&
	test_expect_code 75 confidant deliver --retry 2>err && grep -q "is empty (0 bytes)" err &&
	test ! -s "$PRACTICE/confidant.db" && test -z "$(ls "$PRACTICE/spool/new")" &&
	rm "$PRACTICE/confidant.db" &&
	test_expect_code 75 confidant deliver <e2.eml 2>err &&
	grep -q "database .*confidant.db. is missing" err &&
	test_expect_code 78 confidant client list 2>err && grep -q "is missing" err &&
	test ! -e "$PRACTICE/confidant.db"
'

test_expect_success 'a file that is not SQLite, and a database that is not Confidant'\''s, are refused too' '
	head -c 8192 /dev/urandom >"$PRACTICE/confidant.db" && chmod 600 "$PRACTICE/confidant.db" &&
	test_expect_code 78 confidant queue 2>err && grep -q "not a Confidant database (not SQLite" err &&
	test_expect_code 75 confidant deliver <e2.eml 2>err && grep -q "not a Confidant database" err &&
	rm "$PRACTICE/confidant.db" && sqlite3 "$PRACTICE/confidant.db" "CREATE TABLE notes(x)" &&
	chmod 600 "$PRACTICE/confidant.db" &&
	test_expect_code 78 confidant client list 2>err && grep -q "not a Confidant database (it has no schema)" err &&
	test "$(sqlite3 "$PRACTICE/confidant.db" "SELECT count(*) FROM sqlite_master")" = 1
'

test_expect_success 'the database restored: everything is back, and the held message goes in once' '
	put_db good.db &&
	confidant audit --verify >/dev/null &&
	confidant deliver <e2.eml && test "$(rows entries)" = 2 &&
	confidant deliver <e2.eml && test "$(rows entries)" = 2 &&
	save_db current.db && cp "$PRACTICE/audit.head" current.head
'

test_expect_success 'an older copy of the database put back: verify names the rows audit.head has and it lacks' '
	n=$(rows audit) &&
	put_db good.db &&
	m=$(rows audit) && test "$m" -lt "$n" &&
	test_expect_code 65 confidant audit --verify >out 2>err &&
	grep -q "BROKEN at row $((m + 1)): the database has $m rows but audit.head records $n" out &&
	grep -q "rows were lost or the database was replaced by an older copy" out &&
	grep -q "restore the database from a backup" err &&
	test_expect_code 65 confidant audit --verify --json >j.json &&
	python3 -c "
import json, sys
d = json.load(open(\"j.json\"))
assert d[\"ok\"] is False and d[\"head_file_rows\"] == $n and d[\"rows\"] == $m, d
"
'

test_expect_success 'another practice'\''s database with as many rows: replaced, by its hash' '
	rm -rf other && mkdir other && chmod 700 other &&
	confidant -H "$TRASH/other" init --address other@clinic.example --generate-key >/dev/null &&
	n=$(sed -n "s/^rows 0*//p" "$PRACTICE/audit.head") &&
	i=$(db_query "$TRASH/other" "SELECT count(*) FROM audit") &&
	while [ "$i" -lt "$n" ]; do
		confidant -H "$TRASH/other" config timezone Europe/Berlin || exit 1
		i=$((i + 1))
	done &&
	GNUPGHOME=$TRASH/other/gnupg gpgconf --kill all &&
	sqlite3 "$TRASH/other/confidant.db" ".backup '\''$TRASH/foreign.db'\''" &&
	put_db foreign.db &&
	test_expect_code 65 confidant audit --verify >out &&
	grep -q "BROKEN at row $n: its hash differs from the one audit.head records: the database was replaced" out
'

test_expect_success 'audit.head behind the database (a crash between commit and note) is no fault' '
	put_db current.db && cp current.head "$PRACTICE/audit.head" &&
	confidant audit --verify >/dev/null &&
	cp "$PRACTICE/audit.head" head.saved &&
	confidant config timezone Europe/Berlin &&
	cp head.saved "$PRACTICE/audit.head" &&
	confidant audit --verify >v.txt &&
	grep -q "audit trail intact" v.txt && grep -q "1 behind" v.txt &&
	confidant config timezone Europe/Vienna &&
	confidant audit --verify >v.txt && grep -q "audit.head: agrees" v.txt
'

test_expect_success 'a damaged audit.head is reported; a missing one is written by the next change' '
	cp "$PRACTICE/audit.head" head.saved &&
	printf "garbage" >"$PRACTICE/audit.head" &&
	test_expect_code 65 confidant audit --verify >out &&
	grep -q "BROKEN.*audit.head. is damaged" out &&
	rm "$PRACTICE/audit.head" &&
	confidant audit --verify >v.txt && grep -q "audit.head: none yet" v.txt &&
	confidant config timezone Europe/Berlin &&
	confidant audit --verify >v.txt && grep -q "audit.head: agrees" v.txt &&
	test "$(sed -n "s/^rows 0*//p" "$PRACTICE/audit.head")" = "$(rows audit)"
'

test_expect_success 'audit.head open to other users is refused like the database' '
	chmod 644 "$PRACTICE/audit.head" &&
	test_expect_code 78 confidant queue 2>err && grep -q "audit.head. is open to other users" err &&
	chmod 600 "$PRACTICE/audit.head"
'

# A writer holds the database for a moment; a command that writes must
# wait its turn (busy_timeout), never fail at once.
hold_db() {
	python3 - "$PRACTICE/confidant.db" "$1" <<'PY' &
import sqlite3, sys, time, os
c = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=30)
c.execute("BEGIN IMMEDIATE")
open(sys.argv[2], "w").close()
time.sleep(1.5)
c.execute("COMMIT")
PY
	while [ ! -e "$1" ]; do sleep 0.05; done
}

test_expect_success 'setup: a quarantined message to release' '
	compose_entry alice mallory@elsewhere.example "Odd" "from the wrong address" "q1@client.example" >q1.eml &&
	confidant deliver <q1.eml &&
	test "$(db_query "$PRACTICE" "SELECT count(*) FROM quarantine WHERE state = '\''held'\''")" = 1
'

test_expect_success 'commands that write wait for a busy database instead of failing' '
	q=$(db_query "$PRACTICE" "SELECT id FROM quarantine WHERE state = '\''held'\''") &&
	rm -f locked && hold_db locked && confidant quarantine release "$q" --client alice && wait &&
	test "$(db_query "$PRACTICE" "SELECT state FROM quarantine WHERE id = $q")" = released &&
	compose_entry alice alice@client.example "Three" "third" "e3@client.example" >e3.eml &&
	rm -f locked && hold_db locked && confidant deliver <e3.eml && wait &&
	rm -f locked && hold_db locked && confidant config timezone Europe/Berlin && wait &&
	rm -f locked && hold_db locked && confidant journal alice >/dev/null && wait &&
	rm -f locked && hold_db locked && confidant therapist holiday thera 2026-12-24 >/dev/null && wait &&
	rm -f locked && hold_db locked && confidant client set alice --commitment "2 days" >/dev/null && wait &&
	rm -f locked && hold_db locked && confidant remind >/dev/null && wait &&
	rm -f locked && hold_db locked && confidant flush >/dev/null && wait &&
	confidant audit --verify >/dev/null
'

test_expect_success 'two releases of one message at once: one wins, one says so, one entry' '
	compose_entry alice mallory@elsewhere.example "Odd2" "again wrong" "q2@client.example" >q2.eml &&
	confidant deliver <q2.eml &&
	q=$(db_query "$PRACTICE" "SELECT id FROM quarantine WHERE state = '\''held'\''") &&
	before=$(rows entries) &&
	{ confidant quarantine release "$q" --client alice >r1 2>e1 & } &&
	{ confidant quarantine release "$q" --client alice >r2 2>e2 & } &&
	wait &&
	test "$(rows entries)" = $((before + 1)) &&
	test "$(cat r1 r2 | grep -c "released message $q")" -ge 1
'

gpgkill() { GNUPGHOME="$PRACTICE/gnupg" gpgconf --kill all; }
test_at_end gpgkill

test_done
