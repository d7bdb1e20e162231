#!/bin/sh
# Crash points and faults that t0500 leaves out, judged by everything a
# delivery writes: journal rows, spool files, outbox rows and what the
# capture sendmail was handed (counted by Message-ID).
#
#   * a kill at each step (after-spool, in-transaction = after the outbox
#     rows are written, after-commit, after-handoff, and during the
#     hand-off: sendmail running), then deliver --retry, the MTA's
#     redelivery and later flushes: one entry, one notification, one
#     acknowledgement;
#   * faults: the disk full (a small tmpfs is the practice's file system),
#     a read-only database and file system, gpg-agent killed between and
#     during deliveries, a sendmail that hangs: exit 75 or a retried
#     outbox row, never a half-written state, and exactly one copy once
#     the fault is gone.
#
# Needs root (mount, chown); every confidant command runs as the plain
# user $TEST_USER (cftest), since deliver refuses root and permissions do
# not bind root.
TEST_NEEDS_ROOT=1
. "$(dirname "$0")/test-lib.sh"

[ "$(id -u)" = 0 ] || skip_all "needs root: mounts a small file system for the practice"
for t in setpriv mount umount sqlite3 gpg-connect-agent fallocate; do
	command -v $t >/dev/null 2>&1 || skip_all "$t is not installed"
done
test_user_ensure || skip_all "cannot create the user $TEST_USER"
U=$(id -u "$TEST_USER")
G=$(id -g "$TEST_USER")

. "$TEST_DIR/lib-gpg.sh"
. "$TEST_DIR/lib-relay.sh"

# The plain user passes through the trash directory to what is theirs.
chmod 711 "$TRASH"
UHOME=$TRASH/uhome
mkdir -p "$UHOME" "$TRASH/bin"
chown "$U:$G" "$UHOME" "$SENT_DIR"
chmod 700 "$UHOME"

# The practice lives on a file system of its own that a test can fill.
FS=$TRASH/fs
mkdir -p "$FS"
mount -t tmpfs -o "size=24m,mode=0700,uid=$U,gid=$G" cf-faults "$FS" ||
	skip_all "cannot mount a tmpfs"
PRACTICE=$FS/p
CONFIDANT_HOME=$PRACTICE
export PRACTICE CONFIDANT_HOME

# run_as CMD...: CMD as the practice user, with files private to it.
run_as() {
	(umask 077; exec setpriv --reuid="$U" --regid="$G" --init-groups env HOME="$UHOME" "$@")
}

# A copy of the binary the plain user can reach (the build tree may sit
# below a directory it cannot enter, and may be rebuilt while we run).
cp "$CONFIDANT" "$TRASH/bin/confidant.real" || { echo "Bail out! cannot copy $CONFIDANT"; exit 1; }
cat >"$TRASH/bin/confidant" <<EOF
#!/bin/sh
umask 077
exec setpriv --reuid=$U --regid=$G --init-groups env HOME=$UHOME $TRASH/bin/confidant.real "\$@"
EOF
chmod 755 "$TRASH/bin" "$TRASH/bin/confidant" "$TRASH/bin/confidant.real"
CONFIDANT=$TRASH/bin/confidant
export CONFIDANT

pgpg() { run_as env GNUPGHOME="$PRACTICE/gnupg" gpg --batch --no-tty --quiet "$@"; }
agent_pid() {
	run_as env GNUPGHOME="$PRACTICE/gnupg" gpg-connect-agent --no-autostart 'getinfo pid' /bye 2>/dev/null |
		sed -n 's/^D \([0-9][0-9]*\)$/\1/p'
}
kill_agent() {
	[ -d "$PRACTICE/gnupg" ] && run_as env GNUPGHOME="$PRACTICE/gnupg" gpgconf --kill all
	return 0
}

fs_cleanup() {
	kill_agent
	# The practice goes with the file system: keep a copy when asked.
	if [ -n "${TEST_KEEP_TRASH:-}" ] || [ "$test_failed" != 0 ]; then
		cp -a "$PRACTICE" "$TRASH/practice-kept"
	fi
	mount -o remount,rw "$FS" 2>/dev/null
	umount "$FS" 2>/dev/null || umount -l "$FS"
}
test_at_end fs_cleanup

# lib-gpg's practice_init reads the practice keyring as root, which would
# leave root-owned files in it: read it as the practice user instead.
practice_init() {
	"$CONFIDANT" init --address "${1:-practice@clinic.example}" \
		--generate-key --name "Test Practice" >"$TRASH/practice.fpr" &&
	pgpg --armor --export >"$KEYS/practice.pub"
}

# SQL against the practice database, as its owner (root would leave a
# root-owned -shm behind).
db_query() {
	run_as sqlite3 -batch -noheader "file:$1/confidant.db?mode=ro" "$2"
}
q() { db_query "$PRACTICE" "$1"; }

entries() { q "SELECT count(*) FROM entries WHERE message_id = '$1'"; }
quarantined() { q "SELECT count(*) FROM quarantine WHERE message_id = '$1'"; }
spooled() { ls "$PRACTICE/spool/new" "$PRACTICE/spool/tmp" | grep -vc -e '^$' -e ':$'; }

# What the database and spool hold: equal before and after a failed
# delivery means nothing was half-written.
snapshot() {
	q "SELECT 'entries', count(*) FROM entries;
	   SELECT 'attachments', count(*) FROM attachments;
	   SELECT 'quarantine', count(*) FROM quarantine;
	   SELECT 'commitments', count(*), sum(entries) FROM commitments;
	   SELECT 'issued', count(*) FROM issued;
	   SELECT 'outbox', state, count(*), sum(attempts) FROM outbox GROUP BY state;
	   SELECT 'spool_done', count(*) FROM spool_done;
	   SELECT 'notices', count(*) FROM notices;"
	echo "spool $(spooled)"
	echo "sent $(sent_count)"
}

# The Message-IDs of the outbox rows an entry made, by kind.
out_id() {
	q "SELECT o.message_id FROM outbox o JOIN entries e ON e.id = o.entry_id
	   WHERE e.message_id = '$1' AND o.kind = '$2'"
}
out_state() { q "SELECT state FROM outbox WHERE message_id = '$1'"; }

# captured MSGID: how many times the capture sendmail took that message.
captured() {
	cp_n=0
	for cp_f in "$SENT_DIR"/*.eml; do
		[ -f "$cp_f" ] || continue
		[ "$(msgid_of "$cp_f")" = "$1" ] && cp_n=$((cp_n + 1))
	done
	echo $cp_n
}

# handed_once MSGID KIND...: the entry's message of each KIND exists and
# was taken by sendmail exactly once.
handed_once() {
	ho_m=$1
	shift
	for ho_k; do
		ho_id=$(out_id "$ho_m" "$ho_k")
		[ -n "$ho_id" ] || { echo "no $ho_k for <$ho_m>" >&2; return 1; }
		ho_n=$(captured "$ho_id")
		if [ "$ho_n" != 1 ]; then
			echo "$ho_k <$ho_id> of <$ho_m> handed off $ho_n times" >&2
			# Reported here, not again by every later test.
			[ "$ho_n" -gt 1 ] && echo "$ho_id" >>"$TRASH/twice"
			return 1
		fi
		[ "$(out_state "$ho_id")" = sent ] || { echo "$ho_k <$ho_id> is $(out_state "$ho_id")" >&2; return 1; }
	done
}

# No Message-ID was handed off twice, but for those listed in $TRASH/twice:
# expected twice by a test, or reported already by an earlier one.
no_double_handoff() {
	touch "$TRASH/twice"
	for f in "$SENT_DIR"/*.eml; do [ -f "$f" ] && msgid_of "$f"; done | sort | uniq -d |
		grep -vxF -f "$TRASH/twice" >"$TRASH/dups"
	if [ -s "$TRASH/dups" ]; then
		echo "handed off more than once:" >&2
		cat "$TRASH/dups" >&2
		cat "$TRASH/dups" >>"$TRASH/twice"
		return 1
	fi
}

# stored_once MSGID: one entry, nothing quarantined, nothing spooled.
stored_once() {
	test "$(entries "$1")" = 1 || { echo "<$1>: $(entries "$1") entries" >&2; return 1; }
	test "$(quarantined "$1")" = 0 || { echo "<$1>: quarantined" >&2; return 1; }
	test "$(spooled)" = 0 || { echo "spool holds $(spooled) file(s)" >&2; return 1; }
}

later() { CONFIDANT_NOW=$1 confidant flush >/dev/null; }

# A zombie is dead too (pid 1 of a container may be slow to reap).
alive() {
	al_s=$(ps -o stat= -p "$1") || return 1
	case $al_s in Z*) return 1 ;; esac
}

# Clients, one a test, so that each entry opens a commitment and earns an
# acknowledgement as well as a notification.
CLIENTS="c1 c2 c3 c4 c5 c6 c7 c8"

test_expect_success 'setup: a practice on a 24 MiB file system, run by a plain user' '
	setup_practice thera $CLIENTS &&
	gpg_import thera "$KEYS/practice.pub" &&
	use_capture_sendmail &&
	test "$(stat -c %u "$PRACTICE/confidant.db")" = "$U" &&
	test_expect_code 75 "$TRASH/bin/confidant.real" deliver </dev/null 2>err &&
	grep -q "refusing to run .deliver. as root" err
'

# --- Crash points -------------------------------------------------------
#
# t0500 kills deliver at after-spool, in-transaction and after-commit and
# counts entries; here each kill is followed through to what leaves: the
# outbox rows and the hand-offs, counted by Message-ID.  in-transaction
# (ingest.c) fires after the entry, its commitment and its outbox rows
# are written and before the spool file is marked done: it is the kill
# "after the outbox write" inside the transaction; after-commit is the
# same rows committed.

set -- $CLIENTS
for step in after-spool in-transaction after-commit; do
	c=$1
	shift
	test_expect_success "killed $step: retry and redelivery store one entry, hand off each message once" '
		m=k-$step@client.example &&
		compose_entry $c $c@client.example "Kill $step" "text $step" $m >k.eml &&
		snapshot | grep -v "^spool" >before &&
		CONFIDANT_CRASH_AT=$step test_expect_code 137 confidant deliver <k.eml &&
		test "$(spooled)" = 1 &&
		snapshot | grep -v "^spool" >after &&
		if [ $step = after-commit ]; then
			test "$(entries $m)" = 1 &&
			test "$(out_state "$(out_id $m notification)")" = queued &&
			test "$(out_state "$(out_id $m ack)")" = queued
		else
			test_cmp before after
		fi &&
		confidant deliver --retry &&
		confidant deliver <k.eml &&
		stored_once $m &&
		later 2026-03-02T10:30:00Z && later 2026-03-02T13:00:00Z &&
		handed_once $m notification ack &&
		test "$(q "SELECT count(*) FROM commitments c JOIN clients l ON l.id = c.client_id WHERE l.handle = \"$c\"")" = 1 &&
		no_double_handoff
	'
done

# after-handoff (outbox.c): sendmail took the message, the outbox does not
# know.  Nothing can tell whether the mail system has it, so it is handed
# off again once the claim is stale, with the same Message-ID (as t0710
# expects), and never a third time; the acknowledgement, not yet tried,
# goes once.
test_expect_success 'killed after-handoff: the notification twice with one Message-ID, never more' '
	m=k-after-handoff@client.example &&
	compose_entry c4 c4@client.example "Kill after-handoff" "text" $m >k.eml &&
	CONFIDANT_CRASH_AT=after-handoff test_expect_code 137 confidant deliver <k.eml &&
	n=$(out_id $m notification) &&
	test "$(captured "$n")" = 1 && test "$(out_state "$n")" = sending &&
	test "$(out_state "$(out_id $m ack)")" = queued &&
	confidant deliver --retry && confidant deliver <k.eml &&
	stored_once $m &&
	test "$(captured "$n")" = 1 &&
	later 2026-03-02T10:30:00Z && later 2026-03-02T13:00:00Z && later 2026-03-03T13:00:00Z &&
	test "$(captured "$n")" = 2 && test "$(out_state "$n")" = sent &&
	echo "$n" >>"$TRASH/twice" &&
	handed_once $m ack && no_double_handoff
'

# During the hand-off: sendmail is running when deliver dies.  No crash
# point exists there; the sendmail itself kills its parent, either before
# it has taken the message (it then fails) or after.
cat >"$TRASH/killer" <<EOF
#!/bin/sh
# Kills the confidant that runs it, once, before or after taking the message.
if [ ! -e "$SENT_DIR/killed" ]; then
	: >"$SENT_DIR/killed"
	if [ "\$(cat "$SENT_DIR/kill_when")" = before ]; then
		cat >/dev/null
		kill -KILL \$PPID
		exit 75
	fi
	"$TRASH/sendmail" "\$@"
	rc=\$?
	kill -KILL \$PPID
	exit \$rc
fi
exec "$TRASH/sendmail" "\$@"
EOF
chmod 755 "$TRASH/killer"

test_expect_success 'killed while sendmail runs, before it took the message: handed off once, after the claim goes stale' '
	m=k-during-before@client.example &&
	compose_entry c5 c5@client.example "Kill during" "text" $m >k.eml &&
	rm -f "$SENT_DIR/killed" && echo before >"$SENT_DIR/kill_when" &&
	confidant config sendmail "$TRASH/killer -oi -t" &&
	test_expect_code 137 confidant deliver <k.eml &&
	test -e "$SENT_DIR/killed" &&
	use_capture_sendmail &&
	n=$(out_id $m notification) &&
	test "$(captured "$n")" = 0 && test "$(out_state "$n")" = sending &&
	confidant deliver --retry && confidant deliver <k.eml &&
	stored_once $m &&
	test "$(captured "$n")" = 0 && test "$(out_state "$n")" = sending &&
	later 2026-03-02T10:30:00Z && later 2026-03-02T13:00:00Z &&
	handed_once $m notification ack && no_double_handoff
'

test_expect_success 'killed while sendmail runs, after it took the message: twice with one Message-ID, never more' '
	m=k-during-after@client.example &&
	compose_entry c6 c6@client.example "Kill during" "text" $m >k.eml &&
	rm -f "$SENT_DIR/killed" && echo after >"$SENT_DIR/kill_when" &&
	confidant config sendmail "$TRASH/killer -oi -t" &&
	test_expect_code 137 confidant deliver <k.eml &&
	use_capture_sendmail &&
	n=$(out_id $m notification) &&
	test "$(captured "$n")" = 1 && test "$(out_state "$n")" = sending &&
	confidant deliver --retry && confidant deliver <k.eml &&
	stored_once $m &&
	later 2026-03-02T10:30:00Z && later 2026-03-02T13:00:00Z && later 2026-03-03T13:00:00Z &&
	test "$(captured "$n")" = 2 && test "$(out_state "$n")" = sent &&
	echo "$n" >>"$TRASH/twice" &&
	handed_once $m ack && no_double_handoff
'

# PROPOSED crash point "during-handoff" (not in src/ yet): in transport.c,
# sendmail_send(), once the whole message is written to sendmail and its
# standard input closed, before its exit status is read.  Until it exists
# this test is skipped (the point's name is not in the binary).
grep -q during-handoff "$TRASH/bin/confidant.real" && test_set_prereq CRASH_DURING_HANDOFF
test_expect_success CRASH_DURING_HANDOFF 'PROPOSED crash point during-handoff: sendmail finishes alone, the message goes again once' '
	m=k-during-handoff@client.example &&
	compose_entry c7 c7@client.example "Kill during-handoff" "text" $m >k.eml &&
	CONFIDANT_CRASH_AT=during-handoff test_expect_code 137 confidant deliver <k.eml &&
	n=$(out_id $m notification) &&
	for i in 1 2 3 4 5 6 7 8 9 10; do test "$(captured "$n")" = 1 && break; sleep 0.2; done &&
	test "$(captured "$n")" = 1 && test "$(out_state "$n")" = sending &&
	confidant deliver --retry && confidant deliver <k.eml &&
	stored_once $m &&
	later 2026-03-02T10:30:00Z && later 2026-03-02T13:00:00Z && later 2026-03-03T13:00:00Z &&
	test "$(captured "$n")" = 2 && echo "$n" >>"$TRASH/twice" &&
	handed_once $m ack && no_double_handoff
'

# --- The disk full --------------------------------------------------------

# fill_to BYTES: leave about BYTES free on the practice's file system.
fill_to() {
	rm -f "$FS/filler"
	ft_avail=$(df -B1 --output=avail "$FS" | tail -n 1)
	ft_want=$((ft_avail - $1))
	[ "$ft_want" -gt 0 ] || return 0
	fallocate -l "$ft_want" "$FS/filler"
}
unfill() { rm -f "$FS/filler"; }

test_expect_success 'disk full: exit 75, nothing written; the MTA retry stores it once' '
	m=full-0@client.example &&
	compose_entry c8 c8@client.example "Full" "disk full" $m >f.eml &&
	snapshot >before &&
	fill_to 0 &&
	test_expect_code 75 confidant deliver <f.eml 2>err &&
	snapshot >after &&
	unfill &&
	cat err &&
	grep -q "No space left on device" err &&
	test_cmp before after &&
	confidant deliver <f.eml &&
	stored_once $m && handed_once $m notification ack && no_double_handoff
'

# Every amount of free space stops a delivery somewhere else: the spool,
# gpg, the database's write-ahead log, the outbox after the commit.
test_expect_success 'disk full at each step: 0 or 75, never half-written; once freed, each stored and sent once' '
	: >retry.list &&
	for kb in 4 8 12 16 20 24 32 40 48 64 80 96 128 160 192 256 384 512 1024; do
		m=full-$kb@client.example &&
		compose_entry c8 c8@client.example "Full $kb" "disk full at $kb KiB" $m >f-$kb.eml &&
		snapshot | grep -v "^sent" >before &&
		fill_to $((kb * 1024)) &&
		{ confidant deliver <f-$kb.eml >out 2>err; rc=$?; } &&
		snapshot | grep -v "^sent" >after &&
		unfill &&
		say "$kb KiB free: exit $rc: $(tr "\n" " " <err)" &&
		case $rc in
		0) test "$(entries $m)" = 1 && test "$(quarantined $m)" = 0 ;;
		75) test_cmp before after && echo $m $kb >>retry.list ;;
		*) echo "$kb KiB free: exit $rc" >&2; false ;;
		esac || exit 1
		test "$(spooled)" = 0 || { echo "$kb KiB free: spool holds $(spooled)" >&2; exit 1; }
	done &&
	while read m kb; do confidant deliver <f-$kb.eml || exit 1; done <retry.list &&
	later 2026-03-02T10:30:00Z && later 2026-03-02T13:00:00Z && later 2026-03-03T13:00:00Z &&
	for kb in 4 8 12 16 20 24 32 40 48 64 80 96 128 160 192 256 384 512 1024; do
		stored_once full-$kb@client.example && handed_once full-$kb@client.example notification || exit 1
	done &&
	no_double_handoff
'

test_expect_success 'a spool file left by a kill outlives a retry on a full disk, then is stored once' '
	m=full-retry@client.example &&
	compose_entry c8 c8@client.example "Full retry" "retried on a full disk" $m >f.eml &&
	CONFIDANT_CRASH_AT=after-spool test_expect_code 137 confidant deliver <f.eml &&
	test "$(spooled)" = 1 &&
	snapshot >before &&
	fill_to 0 &&
	confidant deliver --retry 2>err; rc=$?
	snapshot >after &&
	unfill &&
	cat err && test $rc = 75 &&
	test_cmp before after &&
	confidant deliver --retry &&
	later 2026-03-02T13:00:00Z &&
	stored_once $m && handed_once $m notification
'

# The disk fills while sendmail has the message: the hand-off succeeded
# but the outbox cannot record it.  Right: it is not handed off again.
cat >"$TRASH/filling" <<EOF
#!/bin/sh
# Takes the message, then fills the practice's file system.
"$TRASH/sendmail" "\$@" || exit \$?
fallocate -l "\$(df -B1 --output=avail "$FS" | tail -n 1)" "$FS/filler.sm" 2>/dev/null
head -c 64M /dev/zero >"$FS/filler.sm2" 2>/dev/null
exit 0
EOF
chmod 755 "$TRASH/filling"

test_expect_success 'the disk fills while sendmail has the message: stored, handed off once' '
	m=full-sm@client.example &&
	compose_entry c1 c1@client.example "Full sm" "disk fills in sendmail" $m >f.eml &&
	confidant config sendmail "$TRASH/filling -oi -t" &&
	confidant deliver <f.eml 2>err; rc=$?
	rm -f "$FS/filler.sm" "$FS/filler.sm2" && use_capture_sendmail &&
	test $rc = 0 &&
	n=$(out_id $m notification) &&
	say "after the hand-off: outbox row $(q "SELECT state, attempts FROM outbox WHERE message_id = \"$n\"")" &&
	test "$(captured "$n")" = 1 &&
	later 2026-03-02T10:30:00Z && later 2026-03-02T13:00:00Z && later 2026-03-03T13:00:00Z &&
	stored_once $m && handed_once $m notification
'

# --- A read-only database or file system ----------------------------------

# A message whose hand-off failed and is due again: a flush that cannot
# record what it did must not hand it off.
queue_one_due() {
	echo 1 >"$SENT_DIR/fail_first" && rm -f "$SENT_DIR/tries.fail" "$SENT_DIR/fail_to" &&
	compose_entry c2 c2@client.example "Due" "due again" "$1" >due.eml &&
	confidant deliver <due.eml &&
	rm -f "$SENT_DIR/fail_first" "$SENT_DIR/tries.fail" &&
	test "$(out_state "$(out_id "$1" notification)")" = queued
}

for f in confidant.db confidant.db-wal confidant.db-shm; do
	test_expect_success "$f read-only: deliver and flush exit 75, nothing written or sent; then once" '
		m=ro-$f@client.example && d=due-$f@client.example &&
		queue_one_due $d &&
		test -e "$PRACTICE/$f" &&
		compose_entry c2 c2@client.example "RO" "read-only $f" $m >ro.eml &&
		snapshot >before &&
		chmod 400 "$PRACTICE/$f" &&
		test_expect_code 75 confidant deliver <ro.eml 2>err &&
		CONFIDANT_NOW=2026-03-02T11:00:00Z test_expect_code 75 confidant flush 2>>err;
		rc=$?
		chmod 600 "$PRACTICE/$f" &&
		test $rc = 0 &&
		cat err && grep -q "database" err &&
		snapshot >after && test_cmp before after &&
		confidant deliver <ro.eml &&
		later 2026-03-02T11:00:00Z && later 2026-03-02T13:00:00Z &&
		stored_once $m && handed_once $m notification && handed_once $d notification &&
		no_double_handoff
	'
done

test_expect_success 'the file system read-only: deliver and flush exit 75, nothing sent; then once' '
	m=rofs@client.example && d=due-rofs@client.example &&
	queue_one_due $d &&
	compose_entry c2 c2@client.example "ROFS" "read-only fs" $m >ro.eml &&
	snapshot >before &&
	mount -o remount,ro "$FS" &&
	test_expect_code 75 confidant deliver <ro.eml 2>err &&
	CONFIDANT_NOW=2026-03-02T11:00:00Z test_expect_code 75 confidant flush 2>>err;
	rc=$?
	mount -o remount,rw "$FS" &&
	test $rc = 0 &&
	cat err && grep -q "Read-only file system" err &&
	snapshot >after && test_cmp before after &&
	confidant deliver <ro.eml &&
	later 2026-03-02T11:00:00Z && later 2026-03-02T13:00:00Z &&
	stored_once $m && handed_once $m notification && handed_once $d notification &&
	no_double_handoff
'

# --- gpg-agent killed -----------------------------------------------------

test_expect_success 'gpg-agent killed between deliveries: the next one starts it and stores' '
	compose_entry c3 c3@client.example "A1" "agent one" ag-1@client.example >a1.eml &&
	compose_entry c3 c3@client.example "A2" "agent two" ag-2@client.example >a2.eml &&
	compose_entry c3 c3@client.example "A3" "agent three" ag-3@client.example >a3.eml &&
	confidant deliver <a1.eml &&
	p=$(agent_pid) && test -n "$p" &&
	kill -KILL "$p" &&
	while alive "$p"; do sleep 0.05; done &&
	test -S "$PRACTICE/gnupg/S.gpg-agent" &&
	confidant deliver <a2.eml &&
	test -n "$(agent_pid)" && test "$(agent_pid)" != "$p" &&
	kill_agent &&
	confidant deliver <a3.eml &&
	later 2026-03-02T11:00:00Z &&
	for i in 1 2 3; do
		stored_once ag-$i@client.example && handed_once ag-$i@client.example notification || exit 1
	done
'

test_expect_success 'gpg-agent killed again and again during deliveries: 0 or 75, never quarantined; then once' '
	: >kills && : >retry.list &&
	for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16; do
		compose_entry c3 c3@client.example "AK $i" "agent killed $i" agk-$i@client.example >ak-$i.eml ||
			exit 1
	done || exit 1
	# The killer alone goes to the background (an && before it would take
	# the whole list along).
	( while [ ! -e stop.killer ]; do
		p=$(agent_pid)
		[ -n "$p" ] && kill -KILL "$p" 2>/dev/null && echo "$p" >>kills
		sleep 0.07
	  done ) &
	killer=$! &&
	for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16; do
		m=agk-$i@client.example &&
		{ confidant deliver <ak-$i.eml 2>err; rc=$?; } &&
		say "delivery $i: exit $rc $(tr "\n" " " <err)" &&
		case $rc in
		0) test "$(entries $m)" = 1 ;;
		75) test "$(entries $m)" = 0 && echo $i >>retry.list ;;
		*) false ;;
		esac &&
		test "$(quarantined $m)" = 0 && test "$(spooled)" = 0 || {
			say "delivery $i: entries $(entries $m), quarantined $(quarantined $m), spooled $(spooled)"
			touch stop.killer; exit 1; }
	done;
	rc=$?; touch stop.killer; wait $killer; test $rc = 0 &&
	say "$(wc -l <kills) agent(s) killed, $(wc -l <retry.list) delivery(ies) deferred" &&
	test -s kills &&
	while read i; do confidant deliver <ak-$i.eml || exit 1; done <retry.list &&
	later 2026-03-02T11:00:00Z && later 2026-03-02T13:00:00Z &&
	for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16; do
		stored_once agk-$i@client.example && handed_once agk-$i@client.example notification || exit 1
	done &&
	no_double_handoff
'

# --- A sendmail that hangs ------------------------------------------------

# It records its pid and its child's, to show both are gone afterwards.
cat >"$TRASH/hang" <<EOF
#!/bin/sh
echo \$\$ >>"$SENT_DIR/hang.pids"
sleep 300 &
echo \$! >>"$SENT_DIR/hang.pids"
wait
EOF
# One that never reads the message (a large one then fills the pipe).
printf '#!/bin/sh\nexec sleep 300\n' >"$TRASH/deaf"
chmod 755 "$TRASH/hang" "$TRASH/deaf"

none_alive() {
	for p in $(cat "$1"); do
		if alive "$p"; then
			echo "process $p of a hung sendmail is still alive" >&2
			return 1
		fi
	done
}

test_expect_success 'a sendmail that hangs is killed after send_timeout: deliver stores, the row waits' '
	m=hang-1@client.example &&
	compose_entry c4 c4@client.example "Hang" "sendmail hangs" $m >h.eml &&
	confidant config send_timeout 2 && confidant config sendmail "$TRASH/hang -oi -t" &&
	rm -f "$SENT_DIR/hang.pids" &&
	start=$(date +%s) && confidant deliver <h.eml && end=$(date +%s) &&
	say "deliver took $((end - start)) s" &&
	test $((end - start)) -le 5 &&
	stored_once $m &&
	n=$(out_id $m notification) &&
	test "$(q "SELECT state, attempts, next_attempt_at FROM outbox WHERE message_id = \"$n\"")" = \
		"queued|1|2026-03-02T10:01:00Z" &&
	q "SELECT last_error FROM outbox WHERE message_id = \"$n\"" | grep -q "did not finish within 2 seconds" &&
	test -s "$SENT_DIR/hang.pids" && none_alive "$SENT_DIR/hang.pids" &&
	rm -f "$SENT_DIR/hang.pids" &&
	start=$(date +%s) && CONFIDANT_NOW=2026-03-02T10:02:00Z confidant flush >f && end=$(date +%s) &&
	grep -q "sent 0, failed 1" f && test $((end - start)) -le 5 &&
	none_alive "$SENT_DIR/hang.pids" &&
	test "$(q "SELECT state, attempts, next_attempt_at FROM outbox WHERE message_id = \"$n\"")" = \
		"queued|2|2026-03-02T10:04:00Z" &&
	test "$(captured "$n")" = 0
'

test_expect_success 'a sendmail that never reads a large message is killed too' '
	m=deaf-1@client.example &&
	head -c 300000 /dev/urandom >big.bin &&
	compose_entry c4 c4@client.example "Deaf" "sendmail is deaf" $m big.bin >d.eml &&
	confidant config sendmail "$TRASH/deaf -oi -t" &&
	start=$(date +%s) && confidant deliver <d.eml && end=$(date +%s) &&
	say "deliver took $((end - start)) s" &&
	stored_once $m &&
	n=$(out_id $m notification) &&
	q "SELECT state, last_error FROM outbox WHERE message_id = \"$n\"" | grep -q "^queued|sendmail did not finish within 2 seconds"
'

# The MTA gives a delivery a time limit (Postfix: 1000 s for a pipe); a
# hung transport must not make deliver spend send_timeout on each of the
# messages that wait in the outbox: after one hand-off timed out, the rest
# is left to flush.  (Today it tries each one: 3 x 2 s here; with the
# default send_timeout of 120 s, nine waiting messages outlast Postfix.)
test_expect_success 'a hung sendmail and a backlog: deliver gives up on the outbox after one time-out' '
	m=hang-2@client.example &&
	compose_entry c4 c4@client.example "Hang 2" "sendmail hangs again" $m >h2.eml &&
	confidant config sendmail "$TRASH/hang -oi -t" &&
	backlog=$(q "SELECT count(*) FROM outbox WHERE state = \"queued\" AND next_attempt_at <= \"2026-03-02T11:00:00Z\"") &&
	say "backlog: $backlog message(s) due" && test "$backlog" -ge 2 &&
	start=$(date +%s%3N) && CONFIDANT_NOW=2026-03-02T11:00:00Z confidant deliver <h2.eml && end=$(date +%s%3N) &&
	say "deliver took $((end - start)) ms with send_timeout 2" &&
	stored_once $m &&
	test $((end - start)) -lt 4000
'

test_expect_success 'once sendmail works again, everything that waited is handed off once' '
	use_capture_sendmail && confidant config send_timeout 120 &&
	later 2026-03-02T12:00:00Z && later 2026-03-02T14:00:00Z && later 2026-03-03T14:00:00Z &&
	for m in hang-1 deaf-1 hang-2; do handed_once $m@client.example notification || exit 1; done &&
	test "$(q "SELECT count(*) FROM outbox WHERE state <> \"sent\"")" = 0 &&
	no_double_handoff
'

test_done
