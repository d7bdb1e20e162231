#!/bin/bash
# Nothing is lost, nothing is stored twice: a kill at each step of deliver
# followed by a retry stores exactly one copy; transient faults exit 75
# with nothing half-written, and a later delivery stores the message.
. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIR/lib-gpg.sh"

entries() { db_query "$PRACTICE" "SELECT count(*) FROM entries WHERE message_id = '$1'"; }
quarantined() { db_query "$PRACTICE" "SELECT count(*) FROM quarantine WHERE message_id = '$1'"; }
spooled() { ls "$PRACTICE/spool/new" | wc -l; }

test_expect_success 'setup' '
	setup_practice thera alice
'

for step in after-spool in-transaction after-commit; do
	test_expect_success "killed $step, then deliver --retry: stored once" '
		compose_entry alice alice@client.example "Crash $step" "text $step" "r-$step@client.example" >m.eml &&
		CONFIDANT_CRASH_AT=$step test_expect_code 137 confidant deliver <m.eml &&
		test "$(spooled)" = 1 &&
		confidant deliver --retry &&
		test "$(spooled)" = 0 &&
		test "$(entries "r-$step@client.example")" = 1 &&
		confidant deliver --retry &&
		test "$(entries "r-$step@client.example")" = 1
	'

	test_expect_success "killed $step, then the MTA delivers again: stored once" '
		compose_entry alice alice@client.example "Again $step" "more $step" "m-$step@client.example" >m.eml &&
		CONFIDANT_CRASH_AT=$step test_expect_code 137 confidant deliver <m.eml &&
		confidant deliver <m.eml &&
		test "$(spooled)" = 0 &&
		test "$(entries "m-$step@client.example")" = 1
	'

	test_expect_success "killed $step on a quarantined message: quarantined once" '
		printf "From: alice@client.example\r\nSubject: plain\r\nMessage-ID: <q-$step@x>\r\n\r\nplain $step\r\n" >q.eml &&
		CONFIDANT_CRASH_AT=$step test_expect_code 137 confidant deliver <q.eml &&
		confidant deliver --retry &&
		confidant deliver <q.eml &&
		test "$(spooled)" = 0 &&
		test "$(quarantined "q-$step@x")" = 1
	'
done

test_expect_success 'a kill mid-transaction leaves no partial rows' '
	compose_entry alice alice@client.example "Partial" "p" "partial@client.example" "$KEYS/thera.pub" >p.eml &&
	CONFIDANT_CRASH_AT=in-transaction test_expect_code 137 confidant deliver <p.eml &&
	test "$(entries partial@client.example)" = 0 &&
	db_query "$PRACTICE" "SELECT count(*) FROM attachments a LEFT JOIN entries e ON e.id = a.entry_id WHERE e.id IS NULL" >orphans &&
	test "$(cat orphans)" = 0 &&
	confidant deliver --retry && test "$(entries partial@client.example)" = 1
'

test_expect_success 'a spool file held by a living delivery is left to it' '
	compose_entry alice alice@client.example "Held" "h" "held@client.example" >h.eml &&
	CONFIDANT_CRASH_AT=after-spool test_expect_code 137 confidant deliver <h.eml &&
	f=$(ls "$PRACTICE/spool/new") &&
	( flock -x 9; touch locked; sleep 3 ) 9<"$PRACTICE/spool/new/$f" &
	while [ ! -e locked ]; do sleep 0.05; done &&
	confidant deliver --retry &&
	test "$(entries held@client.example)" = 0 && test "$(spooled)" = 1 &&
	wait &&
	confidant deliver --retry && test "$(entries held@client.example)" = 1
'

test_expect_success 'a parser that crashes costs only its message: quarantined as malformed' '
	compose_entry alice alice@client.example "Crash" "parser crash" "segv@client.example" >s.eml &&
	CONFIDANT_CRASH_AT=parser confidant deliver <s.eml &&
	test "$(quarantined segv@client.example)" = 1 &&
	db_query "$PRACTICE" "SELECT reason, detail FROM quarantine WHERE message_id = \"segv@client.example\"" >r &&
	grep -q "^malformed|the parser crashed on this message (signal 11)" r &&
	test "$(entries segv@client.example)" = 0 && test "$(spooled)" = 0
'

test_expect_success SQLITE3 'a database busy past busy_timeout: exit 75, then delivered' '
	confidant config busy_timeout 300 &&
	compose_entry alice alice@client.example "Busy" "busy db" "busy@client.example" >b.eml &&
	{ echo "BEGIN IMMEDIATE;"; echo "INSERT INTO spool_done VALUES (\"x\", \"x\", \"x\");";
	  while [ ! -e done.busy ]; do sleep 0.1; done; echo "ROLLBACK;"; } |
		sqlite3 "$PRACTICE/confidant.db" &
	sleep 0.5 &&
	test_expect_code 75 confidant deliver <b.eml 2>err;
	rc=$?; touch done.busy; wait; test $rc = 0 &&
	grep -q "database" err &&
	test "$(entries busy@client.example)" = 0 && test "$(spooled)" = 0 &&
	confidant deliver <b.eml && test "$(entries busy@client.example)" = 1 &&
	confidant config busy_timeout 30000
'

test_expect_success 'a temporary file left by a writer that died is swept after an hour' '
	echo junk >"$PRACTICE/spool/tmp/dead.1" && touch -d "2 hours ago" "$PRACTICE/spool/tmp/dead.1" &&
	echo junk >"$PRACTICE/spool/tmp/young.1" &&
	confidant deliver --retry &&
	test ! -e "$PRACTICE/spool/tmp/dead.1" && test -e "$PRACTICE/spool/tmp/young.1" &&
	rm "$PRACTICE/spool/tmp/young.1"
'

test_expect_success 'gpg-agent unavailable: exit 75, nothing stored, nothing quarantined' '
	GNUPGHOME=$PRACTICE/gnupg gpgconf --kill all &&
	echo "agent-program /nonexistent/gpg-agent" >"$PRACTICE/gnupg/gpg.conf" &&
	compose_entry alice alice@client.example "Agent" "a" "agent@client.example" >a.eml &&
	test_expect_code 75 confidant deliver <a.eml &&
	test "$(entries agent@client.example)" = 0 &&
	test "$(quarantined agent@client.example)" = 0 &&
	test "$(spooled)" = 0 &&
	rm "$PRACTICE/gnupg/gpg.conf" &&
	confidant deliver <a.eml && test "$(entries agent@client.example)" = 1
'

test_expect_success 'starved of file descriptors: exit 75, never a quarantine' '
	compose_entry alice alice@client.example "Fds" "fd body" "fds@client.example" >fd.eml &&
	for n in 10 12 14 16 20 24; do
		( ulimit -n $n; confidant deliver <fd.eml ) >/dev/null 2>&1
		rc=$?
		test $rc = 0 || test $rc = 75 || { echo "ulimit -n $n: exit $rc"; exit 1; }
		test "$(quarantined fds@client.example)" = 0 || { echo "ulimit -n $n: quarantined"; exit 1; }
	done &&
	confidant deliver <fd.eml && test "$(entries fds@client.example)" = 1
'

# Permissions do not bind root (test-lib runs this script unprivileged).
[ "$(id -u)" = 0 ] || test_set_prereq USER

test_expect_success USER 'an unwritable database: exit 75, then delivered once the fault is gone' '
	compose_entry alice alice@client.example "RO" "ro" "ro@client.example" >ro.eml &&
	chmod 400 "$PRACTICE/confidant.db" &&
	test_expect_code 75 confidant deliver <ro.eml 2>err &&
	grep -q "database" err &&
	chmod 600 "$PRACTICE/confidant.db" &&
	test "$(entries ro@client.example)" = 0 && test "$(spooled)" = 0 &&
	confidant deliver <ro.eml && test "$(entries ro@client.example)" = 1
'

test_expect_success USER 'an unreadable configuration: exit 75, not a bounce' '
	compose_entry alice alice@client.example "Conf" "conf" "conf@client.example" >cf.eml &&
	chmod 000 "$PRACTICE/confidant.conf" &&
	test_expect_code 75 confidant deliver <cf.eml 2>err &&
	grep -q "confidant.conf" err &&
	chmod 600 "$PRACTICE/confidant.conf" &&
	confidant deliver <cf.eml && test "$(entries conf@client.example)" = 1
'

test_expect_success USER 'an unwritable spool: exit 75, nothing stored' '
	compose_entry alice alice@client.example "Spool" "s" "sp@client.example" >sp.eml &&
	chmod 500 "$PRACTICE/spool/tmp" &&
	test_expect_code 75 confidant deliver <sp.eml 2>err &&
	grep -q "spool" err &&
	chmod 700 "$PRACTICE/spool/tmp" &&
	test "$(entries sp@client.example)" = 0 &&
	confidant deliver <sp.eml && test "$(entries sp@client.example)" = 1
'

test_done
