#!/bin/bash
# The audit trail: every ingest, quarantine action, journal or attachment
# read, reply, registration and configuration change leaves one row with
# time, Unix user, handle and Message-ID, never content; rows cannot be
# changed or removed, and a change made behind the triggers' back breaks
# the hash chain that 'audit --verify' walks.
. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIR/lib-gpg.sh"
. "$TEST_DIR/lib-relay.sh"

jq_py() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }
rows() { db_query "$PRACTICE" "SELECT count(*) FROM audit WHERE $1"; }
CANARY=quietly-violet-harbour
restore_db() {
	rm -f "$PRACTICE/confidant.db-wal" "$PRACTICE/confidant.db-shm" &&
	cp "$TRASH/saved.db" "$PRACTICE/confidant.db" && chmod 600 "$PRACTICE/confidant.db"
}

test_expect_success 'setup: init and registrations are audited' '
	setup_practice thera alice bob &&
	gpg_user eve eve@evil.example &&
	for p in alice bob eve; do gpg_import $p "$KEYS/practice.pub"; done &&
	use_capture_sendmail &&
	test "$(rows "action = '\''init'\''")" = 1 &&
	test "$(rows "action = '\''register'\'' AND handle = '\''alice'\'' AND detail LIKE '\''client add%'\''")" = 1 &&
	test "$(rows "action = '\''register'\'' AND handle = '\''thera'\''")" = 1 &&
	test "$(db_query "$PRACTICE" "SELECT DISTINCT user FROM audit")" = "$(id -un)"
'

test_expect_success 'a configuration change is audited with its name and value' '
	confidant config acknowledge no &&
	test "$(rows "action = '\''config'\'' AND detail = '\''acknowledge = no'\''")" = 1 &&
	test_must_fail confidant config retry_base nonsense &&
	test "$(rows "action = '\''config'\'' AND detail LIKE '\''retry_base%'\''")" = 0
'

test_expect_success 'therapist settings, holidays and absences are audited' '
	confidant therapist set thera --hours "Mon-Fri 09:00-17:00" &&
	confidant therapist holiday thera 2026-12-24 &&
	confidant therapist away thera --from 2026-08-01T00:00:00Z --until 2026-08-15T00:00:00Z &&
	test "$(rows "action = '\''register'\'' AND handle = '\''thera'\''")" -ge 4
'

test_expect_success 'an entry and a quarantined message are audited by Message-ID, without content' '
	printf "scan" >scan.bin &&
	compose_entry alice alice@client.example "Week" "Alice: $CANARY" a1@client.example scan.bin >a1.eml &&
	confidant deliver <a1.eml &&
	test "$(rows "action = '\''ingest'\'' AND handle = '\''alice'\'' AND message_id = '\''a1@client.example'\''")" = 1 &&
	compose_entry eve alice@client.example "Forged" "eve: $CANARY" f1@evil.example >f1.eml &&
	confidant deliver <f1.eml &&
	test "$(rows "action = '\''ingest'\'' AND message_id = '\''f1@evil.example'\'' AND detail LIKE '\''quarantine %: unknown-signer'\''")" = 1 &&
	confidant deliver <a1.eml &&
	test "$(rows "action = '\''ingest'\'' AND message_id = '\''a1@client.example'\''")" = 1
'

test_expect_success 'journal and attachment reads are audited before anything is shown' '
	confidant journal alice >/dev/null &&
	confidant journal alice --json >j.json &&
	test "$(rows "action = '\''journal'\'' AND handle = '\''alice'\''")" = 2 &&
	id=$(jq_py "d[0][\"attachments\"][0][\"id\"]" <j.json) &&
	confidant attachment "$id" >/dev/null &&
	test "$(rows "action = '\''attachment'\'' AND handle = '\''alice'\'' AND message_id = '\''a1@client.example'\''")" = 1 &&
	test_must_fail confidant attachment 999 2>/dev/null &&
	test "$(rows "action = '\''attachment'\''")" = 1
'

test_expect_success 'export writes the whole journal with attachment bytes, 0600, and is audited' '
	(umask 022 && confidant export alice -o "$TRASH/alice.json") &&
	test "$(stat -c %a alice.json)" = 600 &&
	python3 -c "
import base64, json, sys
d = json.load(open(sys.argv[1]))
atts = [a for e in d for a in e[\"attachments\"]]
assert len(d) >= 1 and len(atts) == 1, d
assert base64.b64decode(atts[0][\"data_base64\"]) == open(sys.argv[2], \"rb\").read()
assert any(\"$CANARY\" in e[\"body\"] for e in d)
" alice.json scan.bin &&
	test "$(rows "action = '\''export'\'' AND handle = '\''alice'\''")" = 1 &&
	confidant export alice >stdout.json && cmp alice.json stdout.json &&
	test_expect_code 66 confidant export nobody 2>err && grep -q "no client" err &&
	test_expect_code 64 confidant export 2>err
'

test_expect_success 'quarantine show, release and drop are audited' '
	confidant quarantine show 1 >/dev/null &&
	confidant quarantine release 1 --client alice >/dev/null &&
	compose_entry eve eve@evil.example "Spam" "spam" f2@evil.example >f2.eml &&
	confidant deliver <f2.eml &&
	confidant quarantine drop 2 >/dev/null &&
	test "$(rows "action = '\''quarantine'\'' AND detail = '\''show 1'\''")" = 1 &&
	test "$(rows "action = '\''quarantine'\'' AND handle = '\''alice'\'' AND detail LIKE '\''release 1 as entry %'\''")" = 1 &&
	test "$(rows "action = '\''quarantine'\'' AND detail = '\''drop 2'\''")" = 1
'

test_expect_success 'a reply from the CLI is audited with its Message-ID' '
	echo "Thera answers" | confidant reply alice &&
	mid=$(db_query "$PRACTICE" "SELECT message_id FROM entries WHERE direction = '\''out'\''") &&
	test -n "$mid" &&
	test "$(rows "action = '\''reply'\'' AND handle = '\''alice'\'' AND message_id = '\''$mid'\''")" = 1
'

test_expect_success 'no content reaches the audit trail' '
	! db_query "$PRACTICE" "SELECT * FROM audit" | grep -e "$CANARY" -e "Thera answers" -e Week -e scan
'

test_expect_success 'audit lists rows; --client and --since filter; --json has the fields' '
	confidant audit >all.txt &&
	grep -q " init " all.txt && grep -q "ingest" all.txt &&
	confidant audit --client alice --json >a.json &&
	test "$(jq_py "len(d)" <a.json)" = "$(rows "handle = '\''alice'\''")" &&
	jq_py "sorted(d[0].keys())" <a.json >fields &&
	grep -q "action" fields && grep -q "message_id" fields && grep -q "user" fields && grep -q "hash" fields &&
	test "$(jq_py "set(r[\"handle\"] for r in d)" <a.json)" = "{'\''alice'\''}" &&
	confidant audit --since 2030-01-01 --json >none.json &&
	test "$(jq_py "len(d)" <none.json)" = 0 &&
	test_expect_code 64 confidant audit --since yesterday 2>err && grep -q "bad --since" err &&
	test_expect_code 66 confidant audit --client nobody 2>err && grep -q "no client" err
'

test_expect_success 'the trail is intact: --verify says so with its head' '
	confidant audit --verify >v.txt &&
	grep -q "^audit trail intact: [0-9]* rows, head [0-9a-f]\{64\}$" v.txt &&
	confidant audit --verify --json | jq_py "d[\"ok\"], d[\"broken_at\"]" >vj &&
	test "$(cat vj)" = "True 0"
'

test_expect_success 'UPDATE and DELETE on the audit table are refused' '
	test_must_fail sqlite3 "$PRACTICE/confidant.db" "UPDATE audit SET detail = '\''x'\'' WHERE id = 2" 2>err &&
	grep -q "append-only" err &&
	test_must_fail sqlite3 "$PRACTICE/confidant.db" "DELETE FROM audit WHERE id = 2" 2>err &&
	grep -q "append-only" err
'

test_expect_success 'a row changed behind the triggers breaks the chain at that row' '
	sqlite3 "$PRACTICE/confidant.db" ".backup '\''$TRASH/saved.db'\''" &&
	sqlite3 "$PRACTICE/confidant.db" "DROP TRIGGER audit_no_update; UPDATE audit SET user = '\''nobody'\'' WHERE id = 3" &&
	test_expect_code 65 confidant audit --verify >out 2>err &&
	grep -q "BROKEN at row 3" out && grep -q "tampered" err
'

test_expect_success 'a row removed from the middle breaks the chain after it' '
	restore_db &&
	confidant audit --verify >/dev/null &&
	sqlite3 "$PRACTICE/confidant.db" "DROP TRIGGER audit_no_delete; DELETE FROM audit WHERE id = 4" &&
	test_expect_code 65 confidant audit --verify >out &&
	grep -q "BROKEN at row 5: a row is missing" out
'

test_expect_success 'a row rewritten with a fresh hash still breaks the link to the next' '
	restore_db &&
	sqlite3 "$PRACTICE/confidant.db" "DROP TRIGGER audit_no_update; UPDATE audit SET hash = '\''$(printf %064d 1)'\'' WHERE id = 2" &&
	test_expect_code 65 confidant audit --verify >out &&
	grep -q "BROKEN at row 2" out
'

test_expect_success 'audit --verify takes no filters' '
	test_expect_code 64 confidant audit --verify --client alice 2>err && grep -q "takes no" err
'

test_done
