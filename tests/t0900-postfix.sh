#!/bin/sh
# t0900-postfix: end to end through a real MTA.  A private Postfix instance
# (tests/lib-postfix.sh) is configured from the recipe in contrib/postfix/:
# the practice address goes by pipe(8) to `confidant deliver`, run as the
# unprivileged user that owns the practice home, and Confidant's mail
# leaves through that Postfix's sendmail into the maildirs of a client and
# a therapist.  NeoMutt (in tmux, as in t0750) writes and reads on both
# sides.  Then the failure paths an MTA brings: a practice database the
# MDA cannot write, or a home open to other users, makes Postfix defer the
# entry (never bounce it), and a queue run after the fix delivers it once;
# and `confidant deliver` run as root refuses and stores nothing.
#
# Needs root: it installs Postfix when missing, adds two system users
# (cfpractice, cfmail), runs a Postfix instance and lists its directory in
# /etc/postfix/main.cf for as long as it runs.

TEST_NEEDS_ROOT=1
. "$(dirname "$0")/test-lib.sh"

[ "$(id -u)" = 0 ] || skip_all "needs root (installs Postfix, adds users, runs a private Postfix instance)"
test_have_prereq NEOMUTT || skip_all "neomutt or tmux is not installed"
test_have_prereq SQLITE3 || skip_all "sqlite3 is not installed"
for t in python3 setpriv useradd flock; do
	command -v $t >/dev/null 2>&1 || skip_all "$t is not installed"
done
case $CONFIDANT in
/*) ;;
*) echo "Bail out! CONFIDANT must be an absolute path (Postfix runs it), not '$CONFIDANT'"; exit 1 ;;
esac

. "$TEST_DIR/lib-gpg.sh"
. "$TEST_DIR/lib-neomutt.sh"
. "$TEST_DIR/lib-postfix.sh"

if ! pf_install; then
	[ -f "$TRASH/apt.log" ] && tail -n 5 "$TRASH/apt.log" | sed 's/^/# /'
	skip_all "Postfix is not installed, and 'apt-get install postfix' failed"
fi

# Postfix's users (postfix, cfpractice, cfmail) must get through the trash
# directory to their own parts of it.
chmod 711 "$TRASH"

pf_user "$PF_PRACTICE_USER" && pf_user "$PF_MAIL_USER" ||
	skip_all "cannot create the system users $PF_PRACTICE_USER and $PF_MAIL_USER"
# pipe(8) runs the binary as the practice user: from a build tree out of
# that user's reach (a checkout under /root), a copy in the trash.
if ! as_practice test -x "$CONFIDANT"; then
	mkdir -p "$TRASH/bin" && cp "$CONFIDANT" "$TRASH/bin/confidant" &&
		chmod 755 "$TRASH/bin" "$TRASH/bin/confidant" ||
		{ echo "Bail out! cannot copy $CONFIDANT where $PF_PRACTICE_USER can run it"; exit 1; }
	CONFIDANT=$TRASH/bin/confidant
	export CONFIDANT
fi

# The deliveries Postfix runs see the real clock; so does everything else
# here, to agree with them.
unset CONFIDANT_NOW

# The practice home belongs to cfpractice: root makes it an empty
# directory of that user's and runs `confidant init`, which fills it as
# that user (README, "A practice in ten minutes").
PRACTICE=$TRASH/practice
CONFIDANT_HOME=$PRACTICE
export PRACTICE CONFIDANT_HOME
PADDR=practice@clinic.example
TESS=tess@clinic.example
CAROL=carol@client.example

NEOMUTT_TIMEOUT=${NEOMUTT_TIMEOUT:-40}

ENTRY_SUBJECT='Notes after session one'
ENTRY_BODY='I slept badly on Monday and Tuesday.
The breathing exercise helped on Wednesday; müde, aber besser.'
REPLY_BODY='Thank you, carol. Keep doing the breathing exercise before bed.
We will look at the sleep diary on Friday; schöne Grüße.'
SECOND_BODY='The diary is filled in for the whole week.'

expect_eq() {
	if [ "$2" != "$3" ]; then
		printf '%s: wanted\n%s\ngot\n%s\n' "$1" "$2" "$3" >&2
		return 1
	fi
}

# hdr NAME FILE: a one-line header of the outer header block.
hdr() {
	sed -n "/^\r\{0,1\}\$/q; s/^$1: *//Ip" "$2" | tr -d '\r' | head -n 1
}

msgid() { hdr Message-ID "$1" | sed 's/^<\(.*\)>.*/\1/'; }

# sql QUERY: one value from the practice database (read-only).
sql() { db_query "$PRACTICE" "$1"; }

entries_with() { sql "SELECT count(*) FROM entries WHERE message_id = '$1'"; }

# stored MESSAGE-ID [N]: the journal holds N (default 1) entries with it.
stored() { [ "$(entries_with "$1")" = "${2:-1}" ]; }

# out_entries N: the journal holds N replies (relayed, direction "out").
out_entries() { [ "$(sql "SELECT count(*) FROM entries WHERE direction = 'out'")" = "$1" ]; }

# outbox_sent KIND N: N messages of that kind were handed to sendmail.
outbox_sent() { [ "$(sql "SELECT count(*) FROM outbox WHERE kind = '$1' AND state = 'sent'")" = "$2" ]; }

# maildir_has ADDRESS N: ADDRESS's maildir holds N messages.
maildir_has() { [ "$(maildir_count "$1")" = "$2" ]; }

# outbox_id KIND [NTH]: the Message-ID of the NTH (default first) outgoing
# message of that kind, once it was handed to sendmail.
outbox_id() {
	sql "SELECT message_id FROM outbox WHERE kind = '$1' AND state = 'sent'
		ORDER BY id LIMIT 1 OFFSET $((${2:-1} - 1))" | sed 's/^<\(.*\)>$/\1/'
}

# jentry HANDLE FIELD=VALUE: the one journal entry with that field, as JSON.
jentry() {
	confidant journal "$1" --json >"$TRASH/journal.$1.json" || return 1
	python3 - "$TRASH/journal.$1.json" "$2" <<'EOF'
import json, sys
path, cond = sys.argv[1:3]
field, want = cond.split("=", 1)
entries = json.load(open(path, encoding="utf-8"))
hits = [e for e in entries if str(e.get(field)) == want]
if len(hits) != 1:
    sys.exit("jentry: %d entries with %s in:\n%s"
             % (len(hits), cond, json.dumps(entries, indent=1, ensure_ascii=False)[:4000]))
json.dump(hits[0], sys.stdout, ensure_ascii=False)
EOF
}

# jget FIELD < ENTRY-JSON
jget() {
	python3 -c '
import json, sys
v = json.load(sys.stdin)[sys.argv[1]]
print(v.replace("\r\n", "\n") if isinstance(v, str) else json.dumps(v))
' "$1"
}

# inner_text FILE [HEADER]: the first text/plain part of a decrypted MIME
# entity (CRLF made LF), or with HEADER that (protected) header.
inner_text() {
	python3 - "$@" <<'EOF'
import email, email.policy, sys
m = email.message_from_binary_file(open(sys.argv[1], "rb"), policy=email.policy.default)
if len(sys.argv) > 2:
    print(str(m[sys.argv[2]] or ""))
    sys.exit(0)
texts = [p for p in m.walk() if p.get_content_type() == "text/plain"]
if not texts:
    sys.exit("inner_text: no text/plain part in %s" % sys.argv[1])
t = texts[0].get_payload(decode=True).decode(texts[0].get_content_charset() or "utf-8")
print(t.replace("\r\n", "\n").rstrip("\n"))
EOF
}

# local_time ISO: how an acknowledgement writes a UTC instant.
local_time() { date -u -d "$1" '+%Y-%m-%d %H:%M UTC'; }

# no_bounces: nothing from MAILER-DAEMON in any maildir.
no_bounces() {
	if grep -rlis '^From: *MAILER-DAEMON' "$PF_MAIL" >"$TRASH/bounces"; then
		echo "bounces were sent:" >&2
		cat "$TRASH/bounces" >&2
		return 1
	fi
	return 0
}

test_expect_success 'setup: a private Postfix built from contrib/postfix/, running' '
	as_practice test -x "$CONFIDANT" &&
	pf_configure "$PADDR" "$TESS" "$CAROL" &&
	pf_allow_alternate &&
	postconf -c /etc/postfix -h alternate_config_directories >alt &&
	test_grep "$PF_DIR" alt &&
	postfix -c "$PF_DIR" check >check.out 2>&1 &&
	if [ -s check.out ]; then cat check.out >&2; exit 1; fi &&
	pf_start &&
	# A sanitizer build'\''s settings reach the master, and so pipe(8).
	for v in ASAN_OPTIONS UBSAN_OPTIONS LSAN_OPTIONS; do
		eval "val=\${$v:-}"
		[ -z "$val" ] || tr "\0" "\n" <"/proc/$(pf_master_pid)/environ" | grep -qxF "$v=$val" ||
			{ echo "$v is not in the environment of the Postfix master" >&2; exit 1; }
	done &&
	expect_eq "recipient limit" 1 "$(postconf -c "$PF_DIR" -h confidant_destination_recipient_limit)" &&
	postconf -c "$PF_DIR" -M confidant/unix >svc &&
	test_grep "flags=DRXq user=$PF_PRACTICE_USER argv=$CONFIDANT -H $PRACTICE deliver" svc &&
	expect_eq transport "confidant:" "$(postmap -c "$PF_DIR" -q "$PADDR" "hash:$PF_DIR/confidant_transport")" &&
	# No listener on any TCP port: nothing to meet a system Postfix on port 25.
	expect_eq "inet services" "" "$(postconf -c "$PF_DIR" -M | awk "\$2 == \"inet\"")"
'

test_expect_success 'setup: a practice home owned by cfpractice, tess and carol registered' '
	install -d -o "$PF_PRACTICE_USER" -g "$PF_PRACTICE_USER" -m 0700 "$PRACTICE" &&
	# Run by root, every command but deliver becomes the home'\''s owner.
	confidant init --address "$PADDR" --generate-key --name "Test Practice" >"$TRASH/practice.fpr" &&
	confidant key >"$KEYS/practice.pub" &&
	test -s "$KEYS/practice.pub" &&
	gpg_user tess "$TESS" &&
	gpg_user carol "$CAROL" &&
	confidant therapist add tess --email "$TESS" --key "$KEYS/tess.pub" >/dev/null &&
	confidant client add carol --email "$CAROL" --key "$KEYS/carol.pub" --therapist tess >/dev/null &&
	confidant config sendmail "$PF_SENDMAIL -C $PF_DIR -oi -t" &&
	expect_eq acknowledge yes "$(confidant config acknowledge)" &&
	find "$PRACTICE" ! -user "$PF_PRACTICE_USER" >foreign &&
	test_cmp /dev/null foreign
'

test_expect_success 'carol'\''s NeoMutt writes an entry; Postfix pipes it to confidant deliver, which stores it' '
	neomutt_compose -P carol "$CAROL" "$ENTRY_SUBJECT" "$ENTRY_BODY" e1.eml &&
	neomutt_message_id e1.eml >e1.id &&
	test -s e1.id &&
	pf_submit "$CAROL" "$PADDR" e1.eml &&
	pf_wait "$PF_TIMEOUT" "journal entry for $(cat e1.id)" stored "$(cat e1.id)" &&
	pf_wait "$PF_TIMEOUT" "maillog: entry delivered" pf_logged "$(cat e1.id)" "status=sent" &&
	q=$(pf_queue_id "$(cat e1.id)") &&
	test -n "$q" &&
	pf_log_for "$q" >e1.log &&
	test_grep "to=<$PADDR>, relay=confidant, .* status=sent (delivered via confidant service)" e1.log &&
	e=$(jentry carol message_id="$(cat e1.id)") &&
	expect_eq direction in "$(printf "%s\n" "$e" | jget direction)" &&
	expect_eq subject "$ENTRY_SUBJECT" "$(printf "%s\n" "$e" | jget subject)" &&
	expect_eq body "$ENTRY_BODY" "$(printf "%s\n" "$e" | jget body)" &&
	expect_eq signer "$(fpr_of carol)" "$(printf "%s\n" "$e" | jget signer)" &&
	expect_eq "open commitments" 1 "$(sql "SELECT count(*) FROM commitments WHERE met_at IS NULL")"
'

test_expect_success 'the notification reaches tess'\''s maildir through Postfix, for her eyes only' '
	pf_wait "$PF_TIMEOUT" "notification handed off" outbox_sent notification 1 &&
	n=$(outbox_id notification) &&
	pf_wait "$PF_TIMEOUT" "notification in $TESS'\''s maildir" maildir_find "$TESS" "$n" &&
	pf_wait "$PF_TIMEOUT" "maillog: notification delivered" pf_logged "$n" "status=sent" &&
	f=$(maildir_find "$TESS" "$n") &&
	cp "$f" notify.eml &&
	expect_eq To "$TESS" "$(hdr To notify.eml)" &&
	expect_eq Return-Path "<$PADDR>" "$(hdr Return-Path notify.eml)" &&
	expect_eq Subject "..." "$(hdr Subject notify.eml)" &&
	! grep -F "breathing" notify.eml &&
	! grep -F "$ENTRY_SUBJECT" notify.eml &&
	q=$(pf_queue_id "$n") &&
	pf_log_for "$q" >n.log &&
	test_grep "to=<$TESS>, relay=virtual, .* status=sent (delivered to maildir)" n.log &&
	gpg_import tess "$KEYS/practice.pub" &&
	neomutt_decrypt tess notify.eml >notify.inner &&
	test_grep "^\[GNUPG:\] VALIDSIG .* $(cat "$TRASH/practice.fpr")\$" notify.eml.status &&
	expect_eq "protected subject" "[carol] $ENTRY_SUBJECT" "$(inner_text notify.inner Subject)" &&
	expect_eq "messages for tess" 1 "$(maildir_count "$TESS")"
'

test_expect_success 'the acknowledgement reaches carol with the received and due times of her commitment' '
	pf_wait "$PF_TIMEOUT" "acknowledgement handed off" outbox_sent ack 1 &&
	a=$(outbox_id ack) &&
	pf_wait "$PF_TIMEOUT" "acknowledgement in $CAROL'\''s maildir" maildir_find "$CAROL" "$a" &&
	cp "$(maildir_find "$CAROL" "$a")" ack.eml &&
	expect_eq To "$CAROL" "$(hdr To ack.eml)" &&
	expect_eq In-Reply-To "<$(cat e1.id)>" "$(hdr In-Reply-To ack.eml)" &&
	expect_eq Auto-Submitted auto-replied "$(hdr Auto-Submitted ack.eml)" &&
	gpg_import carol "$KEYS/practice.pub" &&
	neomutt_decrypt carol ack.eml >ack.inner &&
	test_grep "^\[GNUPG:\] VALIDSIG .* $(cat "$TRASH/practice.fpr")\$" ack.eml.status &&
	inner_text ack.inner >ack.text &&
	received=$(sql "SELECT received_at FROM commitments ORDER BY id LIMIT 1") &&
	due=$(sql "SELECT due_at FROM commitments ORDER BY id LIMIT 1") &&
	test -n "$received" && test -n "$due" &&
	test_grep "^Your journal entry was received on $(local_time "$received")\.\$" ack.text &&
	test_grep "^You will have a reply by $(local_time "$due")\.\$" ack.text &&
	neomutt_read carol ack.eml "You will have a reply by $(local_time "$due")." ack.screen &&
	test_grep "Good signature from: Test Practice <$PADDR>" ack.screen
'

test_expect_success 'tess'\''s NeoMutt reads the notification and replies; Postfix delivers the reply to confidant' '
	f=$(maildir_find "$TESS" "$(outbox_id notification)") &&
	neomutt_read_and_reply -P tess "$TESS" "$f" "$ENTRY_BODY" tess.screen "$REPLY_BODY" reply.eml &&
	test_grep "Good signature from: Test Practice <$PADDR>" tess.screen &&
	test_grep "\[carol\] $ENTRY_SUBJECT" tess.screen &&
	neomutt_message_id reply.eml >reply.id &&
	test -s reply.id &&
	expect_eq In-Reply-To "<$(outbox_id notification)>" "$(hdr In-Reply-To reply.eml)" &&
	pf_submit "$TESS" "$PADDR" reply.eml &&
	pf_wait "$PF_TIMEOUT" "the reply in carol'\''s journal" out_entries 1 &&
	pf_wait "$PF_TIMEOUT" "maillog: reply delivered" pf_logged "$(cat reply.id)" "status=sent" &&
	q=$(pf_queue_id "$(cat reply.id)") &&
	pf_log_for "$q" >reply.log &&
	test_grep "to=<$PADDR>, relay=confidant, .* status=sent (delivered via confidant service)" reply.log &&
	e=$(jentry carol direction=out) &&
	expect_eq body "$REPLY_BODY" "$(printf "%s\n" "$e" | jget body)" &&
	expect_eq signer "$(fpr_of tess)" "$(printf "%s\n" "$e" | jget signer)" &&
	expect_eq thread "$(jentry carol message_id="$(cat e1.id)" | jget thread)" "$(printf "%s\n" "$e" | jget thread)" &&
	expect_eq "open commitments" 0 "$(sql "SELECT count(*) FROM commitments WHERE met_at IS NULL")"
'

test_expect_success 'the relayed reply reaches carol'\''s maildir, and her NeoMutt shows tess'\''s text' '
	pf_wait "$PF_TIMEOUT" "reply handed off" outbox_sent reply 1 &&
	r=$(outbox_id reply) &&
	expect_eq "the out entry is the message sent" "$r" \
		"$(sql "SELECT message_id FROM entries WHERE direction = '\''out'\''")" &&
	pf_wait "$PF_TIMEOUT" "reply in $CAROL'\''s maildir" maildir_find "$CAROL" "$r" &&
	cp "$(maildir_find "$CAROL" "$r")" toclient.eml &&
	expect_eq In-Reply-To "<$(cat e1.id)>" "$(hdr In-Reply-To toclient.eml)" &&
	expect_eq Return-Path "<$PADDR>" "$(hdr Return-Path toclient.eml)" &&
	! grep -F "breathing" toclient.eml &&
	sed -n "/^\$/q; p" toclient.eml >toclient.headers &&
	! grep -i tess toclient.headers &&
	neomutt_read carol toclient.eml "$REPLY_BODY" carol.screen &&
	test_grep "Good signature from: Test Practice <$PADDR>" carol.screen &&
	test_grep "Re: $ENTRY_SUBJECT" carol.screen &&
	expect_eq "messages for carol" 2 "$(maildir_count "$CAROL")" &&
	expect_eq "messages for tess" 1 "$(maildir_count "$TESS")" &&
	pf_queue_empty &&
	no_bounces
'

test_expect_success 'a database cfpractice cannot write: Postfix defers the entry and keeps it' '
	neomutt_compose carol "$CAROL" "Week two" "$SECOND_BODY" e2.eml &&
	neomutt_message_id e2.eml >e2.id &&
	sql "SELECT count(*) FROM quarantine" >q.before &&
	ls "$PRACTICE" >home.before &&
	chmod 400 "$PRACTICE/confidant.db" &&
	pf_submit "$CAROL" "$PADDR" e2.eml &&
	pf_wait "$PF_TIMEOUT" "deferral of the entry" pf_logged "$(cat e2.id)" "status=deferred" &&
	pf_queue_id "$(cat e2.id)" >e2.qid &&
	pf_log_for "$(cat e2.qid)" >e2.log &&
	test_grep "to=<$PADDR>, relay=confidant, .* status=deferred (temporary failure" e2.log &&
	! grep "status=\(sent\|bounced\)" e2.log &&
	postqueue -c "$PF_DIR" -p >queue &&
	test_grep "^$(cat e2.qid)\*\{0,1\} " queue &&
	test_grep "temporary failure" queue &&
	test_grep "$PADDR" queue &&
	expect_eq "entries" 0 "$(entries_with "$(cat e2.id)")" &&
	expect_eq quarantine "$(cat q.before)" "$(sql "SELECT count(*) FROM quarantine")" &&
	# Nothing of it lingers in the spool: the message is the MTA'\''s.
	expect_eq "spool" "" "$(find "$PRACTICE/spool" -type f)"
'

test_expect_success 'after the fix, one queue run delivers the deferred entry, exactly once' '
	chmod 600 "$PRACTICE/confidant.db" &&
	postqueue -c "$PF_DIR" -f &&
	pf_wait "$PF_TIMEOUT" "the deferred entry in the journal" stored "$(cat e2.id)" &&
	pf_wait "$PF_TIMEOUT" "maillog: entry delivered" pf_logged "$(cat e2.id)" "status=sent" &&
	pf_wait "$PF_TIMEOUT" "an empty queue" pf_queue_empty &&
	pf_wait "$PF_TIMEOUT" "the second notification to tess" maildir_has "$TESS" 2 &&
	pf_wait "$PF_TIMEOUT" "the second acknowledgement to carol" maildir_has "$CAROL" 3 &&
	expect_eq "entries with its Message-ID" 1 "$(entries_with "$(cat e2.id)")" &&
	pf_log_for "$(cat e2.qid)" >e2.log &&
	expect_eq "deliveries via confidant" 1 \
		"$(grep -c "relay=confidant, .* status=sent (delivered via confidant service)" e2.log)" &&
	e=$(jentry carol message_id="$(cat e2.id)") &&
	expect_eq body "$SECOND_BODY" "$(printf "%s\n" "$e" | jget body)" &&
	n2=$(outbox_id notification 2) &&
	neomutt_decrypt tess "$(maildir_find "$TESS" "$n2")" >n2.inner &&
	inner_text n2.inner >n2.text &&
	test_grep "$SECOND_BODY" n2.text &&
	expect_eq "journal" 3 "$(sql "SELECT count(*) FROM entries")" &&
	expect_eq "quarantine" 0 "$(sql "SELECT count(*) FROM quarantine")" &&
	no_bounces
'

# Whatever is wrong with the home (here: open to other users) must not
# bounce the client's mail: Postfix bounces every exit status but 75 (and
# 71), EX_CONFIG (78) included.
test_expect_success 'a home open to other users: Postfix defers the entry (75), never bounces it' '
	compose_entry carol "$CAROL" "Week three" "Open home, kept mail." open-home@client.example >e4.eml &&
	chmod 750 "$PRACTICE" &&
	pf_submit "$CAROL" "$PADDR" e4.eml &&
	pf_wait "$PF_TIMEOUT" "an outcome for the entry" pf_logged open-home@client.example \
		"status=\(deferred\|bounced\|sent\)" &&
	chmod 700 "$PRACTICE" &&
	pf_log_for "$(pf_queue_id open-home@client.example)" >e4.log &&
	test_grep "relay=confidant, .* status=deferred (temporary failure. Command output: .*open to other users" e4.log &&
	expect_eq entries 0 "$(entries_with open-home@client.example)" &&
	postqueue -c "$PF_DIR" -f &&
	pf_wait "$PF_TIMEOUT" "the entry in the journal" stored open-home@client.example &&
	pf_wait "$PF_TIMEOUT" "an empty queue" pf_queue_empty &&
	expect_eq "entries with its Message-ID" 1 "$(entries_with open-home@client.example)" &&
	no_bounces
'

test_expect_success 'confidant deliver run as root refuses with 75 and stores nothing' '
	compose_entry carol "$CAROL" "As root" "This must not be stored by root." root-entry@client.example >e3.eml &&
	sql "SELECT count(*) FROM entries" >entries.before &&
	sql "SELECT count(*) FROM outbox" >outbox.before &&
	test_expect_code 75 "$CONFIDANT" -H "$PRACTICE" deliver <e3.eml 2>root.err &&
	test_grep "refusing to run .deliver. as root" root.err &&
	expect_eq entries "$(cat entries.before)" "$(sql "SELECT count(*) FROM entries")" &&
	expect_eq outbox "$(cat outbox.before)" "$(sql "SELECT count(*) FROM outbox")" &&
	expect_eq quarantine 0 "$(sql "SELECT count(*) FROM quarantine")" &&
	expect_eq "spool" "" "$(find "$PRACTICE/spool" -type f)" &&
	find "$PRACTICE" ! -user "$PF_PRACTICE_USER" >foreign &&
	test_cmp /dev/null foreign
'

test_expect_success 'the message root could not deliver goes through Postfix and is stored once' '
	pf_submit "$CAROL" "$PADDR" e3.eml &&
	pf_wait "$PF_TIMEOUT" "the entry in the journal" stored root-entry@client.example &&
	pf_wait "$PF_TIMEOUT" "an empty queue" pf_queue_empty &&
	expect_eq "entries with its Message-ID" 1 "$(entries_with root-entry@client.example)" &&
	find "$PRACTICE" ! -user "$PF_PRACTICE_USER" >foreign &&
	test_cmp /dev/null foreign &&
	no_bounces
'

test_done
