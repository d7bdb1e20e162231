#!/bin/sh
# Concurrency: 500 entries from ten clients delivered 8 at a time, while
# confidant queue, journal and remind run in loops alongside.  No delivery
# may fail (no 75 from a busy or locked database), each entry is stored
# once and its notification handed off once, each acknowledgement once,
# and no reminder is sent twice.
. "$(dirname "$0")/test-lib.sh"

# deliver refuses root; test-lib runs scripts that need no root as a
# plain user.  Without that, there is nothing to test here.
[ "$(id -u)" = 0 ] && skip_all "confidant deliver refuses to run as root"
command -v sqlite3 >/dev/null 2>&1 || skip_all "sqlite3 is not installed"
command -v xargs >/dev/null 2>&1 || skip_all "xargs is not installed"

. "$TEST_DIR/lib-gpg.sh"

# A copy of the binary: a rebuild during the run must not fail deliveries.
cp "$CONFIDANT" "$TRASH/confidant" || { echo "Bail out! cannot copy $CONFIDANT"; exit 1; }
CONFIDANT=$TRASH/confidant
export CONFIDANT

N=${CF_CONCURRENCY_N:-500}   # entries
P=8                          # deliveries at once
T0=2026-03-02T09:00:00Z      # Monday: some commitments open
T1=2026-03-04T10:00:00Z      # Wednesday: those are a business day overdue
CLIENTS="c01 c02 c03 c04 c05 c06 c07 c08 c09 c10"
EARLY="c01 c03 c05 c07 c09"  # commitments opened at T0
MSGS=$TRASH/msgs
OUT=$TRASH/out
SENT_DIR=$TRASH/sent
mkdir -p "$MSGS" "$OUT" "$SENT_DIR"
export SENT_DIR

# A capture sendmail that is safe to run many at a time: every message
# gets a file of its own, named by mktemp.
cat >"$TRASH/sendmail" <<'SH'
#!/bin/sh
d=${SENT_DIR:?}
tmp=$(mktemp "$d/.in.XXXXXXXX") || exit 75
cat >"$tmp" || exit 75
mv "$tmp" "$d/m.${tmp##*/.in.}.eml"
SH
chmod +x "$TRASH/sendmail"

therapist_of() {
	case $1 in c0[1-5]) echo thera ;; *) echo therb ;; esac
}

# "MESSAGE-ID TO" for every captured message, from its outer header block
# (one awk for all of them: there are over five hundred).
index_sent() {
	awk '
		FNR == 1 { inh = 1; id = ""; to = "" }
		inh { sub(/\r$/, "") }
		inh && /^$/ { print id, to; inh = 0; nextfile }
		inh && tolower($0) ~ /^message-id:/ { id = $0; sub(/^[^:]*: *</, "", id); sub(/>.*/, "", id) }
		inh && tolower($0) ~ /^to:/ { to = $0; sub(/^[^:]*: */, "", to) }
	' "$SENT_DIR"/*.eml
}

q() { db_query "$PRACTICE" "$1"; }

# gen_client CLIENT FIRST LAST: messages FIRST..LAST of CLIENT, in
# $MSGS/NUMBER.eml; one gpg process each.
gen_client() {
	gc_c=$1
	gc_fpr=$(fpr_of "$gc_c")
	gc_to=$(cat "$TRASH/practice.fpr")
	gc_i=$2
	while [ "$gc_i" -le "$3" ]; do
		make_mime_entry "Entry $gc_i" "Entry $gc_i of $gc_c, written for the concurrency test." |
			gpg_as "$gc_c" --armor --trust-model always --sign --encrypt --local-user "$gc_fpr" \
				--recipient "$gc_to" --output - >"$MSGS/$gc_i.asc" || return 1
		pgpmime_wrap "$gc_c@client.example" practice@clinic.example "Entry $gc_i" \
			"run-$gc_i@client.example" "$MSGS/$gc_i.asc" >"$MSGS/$gc_i.eml" || return 1
		rm -f "$MSGS/$gc_i.asc"
		gc_i=$((gc_i + 10))
	done
}

test_expect_success 'setup: two therapists, ten clients, a capture sendmail' '
	practice_init &&
	for t in thera therb; do
		gpg_user $t $t@clinic.example &&
		confidant therapist add $t --email $t@clinic.example --key "$KEYS/$t.pub" >/dev/null &&
		gpg_import $t "$KEYS/practice.pub" || exit 1
	done &&
	for c in $CLIENTS; do
		gpg_user $c $c@client.example &&
		confidant client add $c --email $c@client.example --key "$KEYS/$c.pub" \
			--therapist $(therapist_of $c) >/dev/null &&
		gpg_import $c "$KEYS/practice.pub" || exit 1
	done &&
	confidant config sendmail "$TRASH/sendmail -oi -t"
'

test_expect_success "pre-generate $N signed and encrypted entries" '
	start=$(date +%s) &&
	k=0 &&
	for c in $CLIENTS; do
		k=$((k + 1))
		{ gen_client $c $k $N || echo $c >>gen.failed; } &
	done;
	wait &&
	test ! -e gen.failed &&
	test "$(ls "$MSGS" | grep -c "\.eml$")" = $N &&
	say "generated $N messages in $(($(date +%s) - start)) s"
'

test_expect_success 'before the run: five clients have a commitment open since Monday' '
	for c in $EARLY; do
		compose_entry $c $c@client.example "Early" "Opened on Monday" early-$c@client.example >e.eml &&
		CONFIDANT_NOW=$T0 confidant deliver <e.eml || exit 1
	done &&
	CONFIDANT_NOW=$T0 confidant flush >/dev/null &&
	test "$(q "SELECT count(*) FROM commitments WHERE met_at IS NULL")" = 5 &&
	test "$(q "SELECT count(*) FROM outbox WHERE state <> \"sent\"")" = 0 &&
	rm -f "$SENT_DIR"/*.eml
'

# The loops run until the file stop exists; each notes its failures.
queue_loop() {
	while [ ! -e "$TRASH/stop" ]; do
		CONFIDANT_NOW=$T1 confidant queue >/dev/null 2>>"$OUT/queue.err" ||
			echo "queue exit $?" >>"$OUT/loops.failed"
		echo >>"$OUT/queue.runs"
		sleep 0.1
	done
}
journal_loop() {
	while [ ! -e "$TRASH/stop" ]; do
		for c in $CLIENTS; do
			[ -e "$TRASH/stop" ] && break
			CONFIDANT_NOW=$T1 confidant journal $c >/dev/null 2>>"$OUT/journal.err" ||
				echo "journal $c exit $?" >>"$OUT/loops.failed"
			echo >>"$OUT/journal.runs"
			sleep 1
		done
	done
}
# remind walks its clock forward an hour a run, from Wednesday 10:00 to
# Friday noon, and stays there: the early commitments are overdue and
# escalate at once; those opened in the run fall due soon, then overdue,
# then escalate, while entries keep joining them.  Each time two runs
# start at once, as overlapping cron jobs would.
remind_one() {
	CONFIDANT_NOW=$T1 confidant remind --at "$1" >"$OUT/remind.$2" 2>>"$OUT/remind.err" ||
		echo "remind --at $1 exit $?" >>"$OUT/loops.failed"
	cat "$OUT/remind.$2" >>"$OUT/remind.out"
}
remind_loop() {
	rl_h=0
	while [ ! -e "$TRASH/stop" ]; do
		rl_at=$(date -u -d "@$(($(date -u -d $T1 +%s) + rl_h * 3600))" +%Y-%m-%dT%H:%M:%SZ)
		remind_one "$rl_at" a &
		remind_one "$rl_at" b
		wait $!
		echo "$rl_at" >>"$OUT/remind.runs"
		[ $rl_h -lt 50 ] && rl_h=$((rl_h + 1))
		sleep 0.2
	done
}

test_expect_success "$N deliveries, $P at a time, with queue, journal and remind in loops" '
	rm -f "$TRASH/stop" &&
	queue_loop & ql=$!
	journal_loop & jl=$!
	remind_loop & rl=$!
	start=$(date +%s)
	seq 1 $N | xargs -P $P -I{} sh -c \
		"CONFIDANT_NOW=$T1 \"\$CONFIDANT\" deliver <\"$MSGS/{}.eml\" >\"$OUT/{}.out\" 2>\"$OUT/{}.err\"; echo \$? >\"$OUT/{}.rc\""
	end=$(date +%s)
	touch "$TRASH/stop"; wait $ql $jl $rl
	say "$N deliveries in $((end - start)) s; alongside: $(wc -l <"$OUT/queue.runs") queue," \
		"$(wc -l <"$OUT/journal.runs") journal, $(wc -l <"$OUT/remind.runs") remind runs" \
		"(--at up to $(tail -n 1 "$OUT/remind.runs"))" &&
	test "$(ls "$OUT" | grep -c "\.rc$")" = $N
'

test_expect_success 'every delivery exited 0, and none met a busy or locked database' '
	cat "$OUT"/*.rc | sort | uniq -c >codes &&
	say "exit codes: $(cat codes)" &&
	test "$(cat "$OUT"/*.rc | grep -vcx 0)" = 0 &&
	! grep -il -e busy -e locked "$OUT"/*.err
'

test_expect_success 'queue, journal and remind never failed alongside' '
	test ! -e "$OUT/loops.failed" || { sort "$OUT/loops.failed" | uniq -c; cat "$OUT"/*.err; false; }
'

test_expect_success "exactly $N entries, none twice, nothing quarantined, the spool empty" '
	test "$(q "SELECT count(*) FROM entries WHERE message_id LIKE \"run-%\"")" = $N &&
	test "$(q "SELECT count(DISTINCT message_id) FROM entries WHERE message_id LIKE \"run-%\"")" = $N &&
	test "$(q "SELECT count(*) FROM entries")" = $((N + 5)) &&
	test "$(q "SELECT count(*) FROM quarantine")" = 0 &&
	test "$(ls "$PRACTICE/spool/new" "$PRACTICE/spool/tmp" | grep -vc -e "^\$" -e ":\$")" = 0 &&
	for c in $CLIENTS; do
		n=$(q "SELECT count(*) FROM entries e JOIN clients c ON c.id = e.client_id
		       WHERE c.handle = \"$c\" AND e.message_id LIKE \"run-%\"") &&
		test "$n" = $((N / 10)) || { echo "$c: $n entries" >&2; exit 1; }
	done &&
	test "$(q "SELECT count(*) FROM commitments")" = 10 &&
	test "$(q "SELECT sum(entries) FROM commitments")" = $((N + 5))
'

test_expect_success 'the deliveries handed off everything themselves: nothing queued or claimed' '
	q "SELECT kind, state, count(*) FROM outbox WHERE state <> \"sent\" GROUP BY 1, 2" >left &&
	test_cmp /dev/null left
'

test_expect_success "every entry's notification was handed off exactly once, nothing twice" '
	index_sent >sent.idx &&
	test "$(wc -l <sent.idx)" = "$(ls "$SENT_DIR" | grep -c "\.eml$")" &&
	cut -d" " -f1 sent.idx | sort >ids &&
	uniq -d ids >dups && test_cmp /dev/null dups &&
	q "SELECT o.message_id FROM outbox o JOIN entries e ON e.id = o.entry_id
	   WHERE o.kind = \"notification\" AND e.message_id LIKE \"run-%\"" | sort >notif &&
	test "$(wc -l <notif)" = $N &&
	comm -23 notif ids >missing && test_cmp /dev/null missing &&
	test "$(q "SELECT count(*) FROM outbox o JOIN entries e ON e.id = o.entry_id
	          WHERE o.kind = \"notification\" GROUP BY e.id HAVING count(*) > 1")" = ""
'

test_expect_success 'one acknowledgement for each commitment opened in the run, none for the others' '
	index_sent >sent.idx && cut -d" " -f1 sent.idx | sort >ids &&
	q "SELECT o.message_id FROM outbox o JOIN entries e ON e.id = o.entry_id
	   WHERE o.kind = \"ack\" AND e.message_id LIKE \"run-%\"" | sort >acks &&
	test "$(wc -l <acks)" = 5 &&
	comm -23 acks ids >missing && test_cmp /dev/null missing &&
	test "$(q "SELECT count(*) FROM outbox WHERE kind = \"ack\"")" = 10 &&
	for c in $CLIENTS; do
		n=$(cut -d" " -f2 sent.idx | grep -cx "$c@client.example" || :) &&
		case " $EARLY " in *" $c "*) want=0 ;; *) want=1 ;; esac &&
		test $n = $want || { echo "$c: $n acknowledgement(s) in the run, want $want" >&2; exit 1; }
	done
'

# reminder_lines KIND: "SECTION CLIENT" for each line of every captured
# reminder (digests to the therapists) or escalation (to the practice),
# decrypted by its recipient.
reminder_lines() {
	q "SELECT message_id, recipient FROM outbox WHERE kind = '$1'" | while IFS="|" read -r id rcpt; do
		f=$(grep -l -F "Message-ID: <$id>" "$SENT_DIR"/*.eml | head -n 1)
		[ -n "$f" ] || { echo "MISSING $id"; continue; }
		tr -d '\r' <"$f" | sed -n '/^-----BEGIN PGP MESSAGE-----$/,/^-----END PGP MESSAGE-----$/p' >"$TRASH/msg.asc"
		case $rcpt in
		thera@* | therb@*) gpg_as "${rcpt%@*}" --decrypt "$TRASH/msg.asc" 2>/dev/null ;;
		*) GNUPGHOME=$PRACTICE/gnupg gpg --batch --quiet --decrypt "$TRASH/msg.asc" 2>/dev/null ;;
		esac | tr -d '\r' | sed -e :a -e '/=$/{N;s/=\n//;ba' -e '}' |
			awk '
				/^Due soon:/ { s = "soon"; next }
				/^Overdue:/ { s = "overdue"; next }
				/^Escalation:/ { s = "escalation"; next }
				/^  [a-z0-9._-]+[ :]/ && s != "" { h = $1; sub(/:$/, "", h); print s, h }
			'
	done
}

test_expect_success 'no reminder was sent twice, and each one sent was recorded' '
	cat "$OUT/remind.out" | sort | uniq -c | sort -rn | head -n 5 | sed "s/^/# remind: /" &&
	{ reminder_lines reminder; reminder_lines escalation; } | sort >got &&
	! grep MISSING got &&
	say "reminded: $(wc -l <got) (commitment, kind) pairs: $(cut -d" " -f1 got | sort | uniq -c | tr "\n" " ")" &&
	uniq -d got >dups && test_cmp /dev/null dups &&
	q "SELECT r.kind, c.handle FROM reminders r JOIN commitments m ON m.id = r.commitment_id
	   JOIN clients c ON c.id = m.client_id" | tr "|" " " | sort >want &&
	test_cmp want got &&
	test -s got &&
	for c in $EARLY; do grep -qx "escalation $c" got || { echo "no escalation for $c" >&2; exit 1; }; done
'

test_expect_success 'the audit trail holds: one row per entry and per journal read, the chain intact' '
	CONFIDANT_NOW=$T1 confidant audit --verify >v &&
	grep -q "audit trail intact" v &&
	test "$(q "SELECT count(*) FROM audit WHERE action = \"ingest\" AND message_id LIKE \"run-%\"")" = $N &&
	test "$(q "SELECT count(DISTINCT message_id) FROM audit WHERE action = \"ingest\" AND message_id LIKE \"run-%\"")" = $N &&
	test "$(q "SELECT count(*) FROM audit WHERE action = \"journal\"")" = "$(wc -l <"$OUT/journal.runs")"
'

test_expect_success 'afterwards: a flush and a remind at the last hour send nothing new' '
	before=$(ls "$SENT_DIR" | grep -c "\.eml$") &&
	CONFIDANT_NOW=$T1 confidant flush >f && grep -q "sent 0, failed 0" f &&
	last=$(tail -n 1 "$OUT/remind.runs") &&
	CONFIDANT_NOW=$T1 confidant remind --at "$last" >r &&
	grep -q "sent 0 digest(s) and 0 escalation(s)" r &&
	test "$(ls "$SENT_DIR" | grep -c "\.eml$")" = "$before"
'

test_done
