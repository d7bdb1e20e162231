#!/bin/bash
# A spool file that no retry can read (altered, truncated, not a sealed
# file at all, unreadable to its owner, a symbolic link) is moved to
# spool/bad with one syslog line and an alert to the practice, and
# `deliver --retry` goes on with the rest and exits 0, instead of failing
# with 75 for ever.  A transient failure (a busy database, gpg-agent down)
# still exits 75 and leaves the file where it is.
. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIR/lib-gpg.sh"
. "$TEST_DIR/lib-relay.sh"

SHIM=$TEST_BUILDDIR/tests/shim-syslog.so
[ -f "$SHIM" ] || skip_all "the syslog shim is not built (make check builds it)"
LOG=$TRASH/syslog.txt
CANARY=Quendel7Rx2Pw

deliver_logged() {
	SHIM_SYSLOG_FILE=$LOG LD_PRELOAD=$SHIM ASAN_OPTIONS=verify_asan_link_order=0 \
		"$CONFIDANT" deliver "$@"
}
entries() { db_query "$PRACTICE" "SELECT count(*) FROM entries WHERE message_id = '$1'"; }
spooled() { ls "$PRACTICE/spool/new" | wc -l; }
set_aside() { ls "$PRACTICE/spool/bad" 2>/dev/null | wc -l; }
alerts() { db_query "$PRACTICE" "SELECT count(*) FROM outbox WHERE kind = 'alert'"; }

# spool NAME: a message left in the spool by a delivery killed after
# spooling it; the file's name in spool/new goes to NAME.
spool() {
	compose_entry alice alice@client.example "Spooled $1 $CANARY" "Body $1 $CANARY" "$1@client.example" >"$1.eml" &&
	ls "$PRACTICE/spool/new" | sort >before &&
	CONFIDANT_CRASH_AT=after-spool test_expect_code 137 confidant deliver <"$1.eml" &&
	ls "$PRACTICE/spool/new" | sort | comm -13 before - >"$1.name" &&
	test "$(wc -l <"$1.name")" = 1
}
path_of() { echo "$PRACTICE/spool/new/$(cat "$1.name")"; }

# practice_text FILE: the protected Subject and the decoded text of a
# PGP/MIME mail to the practice.
practice_text() {
	armor_of "$1" | GNUPGHOME=$PRACTICE/gnupg gpg --batch --quiet --decrypt 2>/dev/null >"$1.plain" &&
	python3 - "$1.plain" <<-'EOF'
	import email, sys
	m = email.message_from_binary_file(open(sys.argv[1], "rb"))
	print("Subject: " + m["Subject"])
	for part in m.walk():
	    if part.get_content_type() == "text/plain":
	        print(part.get_payload(decode=True).decode())
	EOF
}

# Permissions do not bind root (test-lib runs this script unprivileged).
[ "$(id -u)" = 0 ] || test_set_prereq USER

test_expect_success 'setup' '
	setup_practice thera alice &&
	use_capture_sendmail &&
	confidant config acknowledge no
'

test_expect_success 'bad files in the spool, a good one among them' '
	spool altered && spool truncated && spool good && spool garbage &&
	python3 -c "import sys
p = sys.argv[1]
b = bytearray(open(p, \"rb\").read())
b[len(b) // 2] ^= 1
open(p, \"wb\").write(b)" "$(path_of altered)" &&
	truncate -s 20 "$(path_of truncated)" &&
	printf "not a spool file\n" >"$(path_of garbage)" &&
	test "$(spooled)" = 4
'

test_expect_success USER 'and one its owner cannot read' '
	spool unreadable && chmod 000 "$(path_of unreadable)"
'

test_expect_success 'and a symbolic link' '
	ln -s "$PRACTICE/confidant.conf" "$PRACTICE/spool/new/9999999999.1.link" &&
	echo 9999999999.1.link >link.name
'

test_expect_success 'deliver --retry sets the bad ones aside, files the good one and exits 0' '
	nbad=$(($(spooled) - 1)) &&
	deliver_logged --retry &&
	test "$(spooled)" = 0 &&
	test "$(set_aside)" = $nbad &&
	test "$(entries good@client.example)" = 1 &&
	for m in altered truncated garbage unreadable link; do
		test -f $m.name || continue
		test -e "$PRACTICE/spool/bad/$(cat $m.name)" || test -L "$PRACTICE/spool/bad/$(cat $m.name)" ||
			{ echo "$m was not set aside"; exit 1; }
		test "$(entries $m@client.example)" = 0 || exit 1
	done &&
	test "$(stat -c %a "$PRACTICE/spool/bad")" = 700 &&
	test "$(stat -c %a "$PRACTICE/confidant.conf")" = 600
'

test_expect_success 'one syslog line each, facility mail, naming the file and the cause' '
	test "$(grep -c "set aside" "$LOG")" = "$(set_aside)" &&
	grep "^mail 3 confidant: spool file $(cat altered.name) .*set aside as spool/bad/$(cat altered.name).*does not authenticate" "$LOG" &&
	grep "^mail 3 confidant: spool file $(cat truncated.name) .*truncated" "$LOG" &&
	grep "^mail 3 confidant: spool file $(cat garbage.name) .*neither sealed nor OpenPGP" "$LOG" &&
	grep "^mail 3 confidant: spool file $(cat link.name) .*symbolic link" "$LOG" &&
	{ ! test -f unreadable.name || grep -q "spool file $(cat unreadable.name) .*Permission denied" "$LOG"; } &&
	grep -q "^mail 6 confidant: stored: client=alice .*message-id=<good@client.example>" "$LOG" &&
	! grep -q "$CANARY" "$LOG"
'

test_expect_success 'the good message was handed to the therapist exactly once' '
	test "$(to_count thera@clinic.example)" = 1 &&
	decrypt_as thera "$(last_to thera@clinic.example)" | grep -q "Body good $CANARY"
'

test_expect_success 'each bad file made an alert to the practice, naming it and what to do' '
	test "$(alerts)" = "$(set_aside)" &&
	test "$(to_count practice@clinic.example)" = "$(set_aside)" &&
	for f in "$SENT_DIR"/*.eml; do
		test "$(header "$f" To)" = practice@clinic.example || continue
		test "$(header "$f" Subject)" = "..." &&
		practice_text "$f" >>alerts.txt || exit 1
	done &&
	grep -q "^Subject: Confidant: a spool file was set aside" alerts.txt &&
	grep -q "spool/bad/$(cat altered.name)$" alerts.txt &&
	grep -q "spool/bad/$(cat garbage.name)$" alerts.txt &&
	grep -q "ask its sender to send" alerts.txt &&
	! grep -q "$CANARY" alerts.txt
'

test_expect_success 'a second retry finds nothing to do: no new alert, nothing stored twice' '
	deliver_logged --retry &&
	test "$(alerts)" = "$(set_aside)" &&
	test "$(entries good@client.example)" = 1
'

test_expect_success SQLITE3 'a busy database: exit 75, the bad file stays, no alert; later set aside' '
	confidant config busy_timeout 300
	printf "junk\n" >"$PRACTICE/spool/new/1000.1.busy"
	n=$(alerts)
	{ echo "BEGIN IMMEDIATE;"; echo "INSERT INTO spool_done VALUES (\"x\", \"x\", \"x\");";
	  while [ ! -e done.busy ]; do sleep 0.1; done; echo "ROLLBACK;"; } |
		sqlite3 "$PRACTICE/confidant.db" &
	sleep 0.5 &&
	test_expect_code 75 deliver_logged --retry 2>err;
	rc=$?; touch done.busy; wait; test $rc = 0 &&
	test -f "$PRACTICE/spool/new/1000.1.busy" &&
	test ! -e "$PRACTICE/spool/bad/1000.1.busy" &&
	test "$(alerts)" = $n &&
	deliver_logged --retry &&
	test ! -e "$PRACTICE/spool/new/1000.1.busy" &&
	test -f "$PRACTICE/spool/bad/1000.1.busy" &&
	test "$(alerts)" = $((n + 1)) &&
	confidant config busy_timeout 30000
'

test_expect_success 'gpg-agent unavailable: exit 75, an altered file and a good one stay' '
	spool altered2 && spool good2 &&
	python3 -c "import sys
p = sys.argv[1]
b = bytearray(open(p, \"rb\").read())
b[len(b) // 2] ^= 1
open(p, \"wb\").write(b)" "$(path_of altered2)" &&
	n=$(alerts) &&
	GNUPGHOME=$PRACTICE/gnupg gpgconf --kill all &&
	echo "agent-program /nonexistent/gpg-agent" >"$PRACTICE/gnupg/gpg.conf" &&
	test_expect_code 75 deliver_logged --retry &&
	rm "$PRACTICE/gnupg/gpg.conf" &&
	test "$(spooled)" = 2 && test "$(alerts)" = $n &&
	deliver_logged --retry &&
	test "$(spooled)" = 0 && test "$(alerts)" = $((n + 1)) &&
	test "$(entries good2@client.example)" = 1 &&
	test -f "$PRACTICE/spool/bad/$(cat altered2.name)"
'

test_expect_success 'a name taken in spool/bad is never overwritten' '
	spool again &&
	name=$(cat again.name) &&
	echo earlier >"$PRACTICE/spool/bad/$name" &&
	truncate -s 10 "$(path_of again)" &&
	confidant deliver --retry &&
	test "$(cat "$PRACTICE/spool/bad/$name")" = earlier &&
	test -f "$PRACTICE/spool/bad/$name.1"
'

test_expect_success 'a plain deliver sets a bad file aside too, and stores its own message' '
	printf "junk\n" >"$PRACTICE/spool/new/1000.2.plain" &&
	compose_entry alice alice@client.example "Own" "own" own@client.example >own.eml &&
	confidant deliver <own.eml &&
	test "$(entries own@client.example)" = 1 &&
	test -f "$PRACTICE/spool/bad/1000.2.plain" && test "$(spooled)" = 0
'

test_done
