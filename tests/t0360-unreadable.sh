#!/bin/bash
# One damaged record does not cost a client the rest of their journal:
# `journal` and `export` show it as unreadable (id, time, why; nothing of
# its content), print every other entry in full, warn on stderr and exit
# 0, or 65 with --strict.  The read is audited all the same.  What a retry
# may cure (gpg-agent down) still fails with 75.
. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIR/lib-gpg.sh"

command -v python3 >/dev/null 2>&1 || skip_all "python3 is not installed"
jq_py() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }
audited() { db_query "$PRACTICE" "SELECT count(*) FROM audit WHERE action = '$1' AND handle = 'alice'"; }
id_of() { db_query "$PRACTICE" "SELECT id FROM entries WHERE message_id = '$1'"; }

# check_json FILE ALTERED TRUNCATED: FILE is the journal as JSON, the
# entries with ids ALTERED and TRUNCATED marked unreadable, the two
# others whole.
check_json() {
	python3 - "$@" <<-'EOF'
	import json, sys
	d = json.load(open(sys.argv[1]))
	altered, truncated = int(sys.argv[2]), int(sys.argv[3])
	assert len(d) == 4, len(d)
	good = [e for e in d if not e.get("unreadable")]
	assert [e["body"] for e in good] == ["Body one stays readable.", "Body four stays readable."], good
	assert all("unreadable" not in e for e in good), "readable entries keep their shape"
	bad = {e["id"]: e for e in d if e.get("unreadable") is True}
	assert sorted(bad) == [altered, truncated], sorted(bad)
	keys = ["date", "direction", "id", "message_id", "reason", "signer", "thread", "unreadable"]
	for e in bad.values():
	    assert sorted(e) == keys, sorted(e)
	    assert e["date"] == "2026-03-02T10:00:00Z" and e["direction"] == "in", e
	assert bad[altered]["message_id"] == "e2@client.example"
	assert "does not authenticate" in bad[altered]["reason"], bad[altered]["reason"]
	assert bad[truncated]["reason"].startswith("the sealed data is truncated"), bad[truncated]["reason"]
	EOF
}

# attachment_of FILE MSGID: the bytes of the first attachment of MSGID in
# the export FILE.
attachment_of() {
	python3 -c 'import base64, json, sys
d = json.load(open(sys.argv[1]))
e = [e for e in d if e["message_id"] == sys.argv[2]][0]
sys.stdout.buffer.write(base64.b64decode(e["attachments"][0]["data_base64"].replace("\r\n", "")))' "$1" "$2"
}

test_expect_success 'setup: four entries, two of them then damaged in the database' '
	setup_practice thera alice &&
	head -c 3000 /dev/urandom >scan.bin &&
	compose_entry alice alice@client.example "First" "Body one stays readable." e1@client.example scan.bin >m1.eml &&
	compose_entry alice alice@client.example "Second" "Body two is altered." e2@client.example >m2.eml &&
	compose_entry alice alice@client.example "Third" "Body three is cut short." e3@client.example >m3.eml &&
	compose_entry alice alice@client.example "Fourth" "Body four stays readable." e4@client.example >m4.eml &&
	for m in m1 m2 m3 m4; do confidant deliver <$m.eml || exit 1; done &&
	confidant journal alice >before.txt &&
	test "$(grep -c "^--- entry" before.txt)" = 4 &&
	sqlite3 "$PRACTICE/confidant.db" "
		UPDATE entries SET content = substr(content, 1, 80) ||
			CASE WHEN substr(content, 81, 1) = x'\''00'\'' THEN x'\''01'\'' ELSE x'\''00'\'' END ||
			substr(content, 82) WHERE message_id = '\''e2@client.example'\'';
		UPDATE entries SET content = substr(content, 1, 30) WHERE message_id = '\''e3@client.example'\'';" &&
	echo "$(id_of e2@client.example) $(id_of e3@client.example)" >bad.ids
'

test_expect_success 'journal: the other entries in full, the damaged ones marked, exit 0 and a warning each' '
	n=$(audited journal) &&
	confidant journal alice >out 2>err &&
	grep -q "Body one stays readable." out && grep -q "Body four stays readable." out &&
	grep -q "^\[attachment [0-9]*: scan.bin, application/octet-stream, 3000 bytes\]$" out &&
	! grep -q "Body two" out && ! grep -q "Body three" out &&
	test "$(grep -c "^--- entry" out)" = 4 &&
	set -- $(cat bad.ids) &&
	grep -A1 "^--- entry $1 (in) 2026-03-02T10:00:00Z$" out | grep -q "^\[unreadable: the sealed data does not authenticate: it was damaged or altered\]$" &&
	grep -A1 "^--- entry $2 (in) 2026-03-02T10:00:00Z$" out | grep -q "^\[unreadable: the sealed data is truncated" &&
	test "$(wc -l <err)" = 2 &&
	grep -qx "confidant: warning: entry $1 of alice (2026-03-02T10:00:00Z) is unreadable: the sealed data does not authenticate: it was damaged or altered" err &&
	grep -q "^confidant: warning: entry $2 of alice (2026-03-02T10:00:00Z) is unreadable: the sealed data is truncated (30 bytes, fewer than 68)$" err &&
	test "$(audited journal)" = $((n + 1))
'

test_expect_success 'journal --strict: the same output, exit 65' '
	confidant journal alice >expect 2>/dev/null &&
	test_expect_code 65 confidant journal alice --strict >out 2>err &&
	test_cmp expect out &&
	test "$(grep -c "warning: entry .* is unreadable" err)" = 2
'

test_expect_success 'journal --json: an object for each unreadable entry, with no content' '
	confidant journal alice --json >j.json 2>err &&
	test "$(grep -c "warning" err)" = 2 &&
	check_json j.json $(cat bad.ids) &&
	test_expect_code 65 confidant journal alice --json --strict >j2.json 2>/dev/null &&
	test_cmp j.json j2.json
'

test_expect_success 'export: the readable entries with their bytes, the damaged ones marked, exit 0' '
	n=$(audited export) &&
	confidant export alice >x.json 2>err &&
	test "$(grep -c "warning: entry .* is unreadable" err)" = 2 &&
	test "$(jq_py "len(d)" <x.json)" = 4 &&
	attachment_of x.json e1@client.example >scan.out && cmp scan.bin scan.out &&
	test "$(jq_py "sum(1 for e in d if e.get(\"unreadable\") and \"body\" not in e)" <x.json)" = 2 &&
	test "$(audited export)" = $((n + 1)) &&
	test_expect_code 65 confidant export alice --strict >x2.json 2>/dev/null &&
	test_cmp x.json x2.json
'

test_expect_success 'content that is no sealed blob at all is unreadable too' '
	python3 - "$PRACTICE/confidant.db" <<-EOF &&
	import sqlite3, sys
	c = sqlite3.connect(sys.argv[1])
	c.execute("UPDATE entries SET content = x'\''00'\'' WHERE message_id = '\''e4@client.example'\''")
	c.commit()
	EOF
	confidant journal alice >out 2>err &&
	grep -q "Body one stays readable." out &&
	grep -q "entry $(id_of e4@client.example) of alice .* is unreadable: the data is neither sealed nor OpenPGP" err
'

test_expect_success 'gpg-agent unavailable: the journal still fails with 75, no entry called unreadable' '
	GNUPGHOME=$PRACTICE/gnupg gpgconf --kill all &&
	echo "agent-program /nonexistent/gpg-agent" >"$PRACTICE/gnupg/gpg.conf" &&
	test_expect_code 75 confidant journal alice >out 2>err;
	rc=$?
	rm "$PRACTICE/gnupg/gpg.conf"
	test $rc = 0 &&
	! grep -q "unreadable" err && ! grep -q "unreadable" out &&
	confidant journal alice >out 2>/dev/null && grep -q "Body one stays readable." out
'

test_done
