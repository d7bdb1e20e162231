#!/bin/sh
# contrib/: the configuration recipes work with the real programs.
#
#   * procmail and maildrop run their recipe (paths substituted into a
#     copy) on a real signed and encrypted entry, which lands in the
#     journal; a temporary failure (a read-only database) makes them exit
#     75 with nothing in a fallback mailbox, and the MTA's retry is stored
#     once.  Their naive variants are shown to fall back, which is what the
#     recipes guard against.
#   * Dovecot: doveconf parses the snippet, sievec compiles the script only
#     with it, sieve-test sees the pipe action; dovecot-lda runs the script
#     (entry stored, nothing kept; on a failure the message is kept in the
#     INBOX, and the refeed line of contrib/cron/confidant stores it, also
#     from an mbox INBOX in a directory like /var/mail), and the LDA variant
#     confidant-lda delivers, exits 75 on a failure and passes other users
#     to dovecot-lda.
#   * fetchmail and getmail: the rc files parse (fetchmail refuses a
#     readable one); both fetch from a loopback POP3 server through the
#     recipe's delivery settings, delete only what was stored and leave a
#     message on the server when confidant fails.
#   * the crontab lines are well formed and run quietly; the systemd units
#     pass systemd-analyze verify and their commands run.
#   * the grep commands of contrib/syslog.md find real log lines.
#
# A program Debian ships but this machine lacks skips its tests.  Every
# delivery runs as the plain user (test-lib.sh re-runs the script as one
# when started as root); when it cannot, those tests skip.
. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIR/lib-gpg.sh"

CONTRIB=$TEST_SRCDIR/contrib
ME=$(id -un)
DV=$TRASH/dovecot
mkdir -p "$TRASH/bin" "$TRASH/sent" "$DV"
test_at_end "chmod -R u+w '$DV'"

# Deliveries need a plain user: confidant deliver refuses root.
if [ "$(id -u)" = 0 ]; then
	say "running as root: the tests that deliver are skipped (confidant deliver refuses root)"
else
	test_set_prereq USER
fi
have() { command -v "$1" >/dev/null 2>&1; }
have_user() { test_have_prereq USER && have "$1"; }
have_user procmail && test_set_prereq PROCMAIL
have_user maildrop && test_set_prereq MAILDROP
have sievec && have doveconf && test_set_prereq SIEVEC
# sieve-test, as root, wants a mail_uid to drop to.
test_have_prereq SIEVEC && have_user sieve-test && test_set_prereq SIEVE_TEST
DOVECOT_LDA=/usr/lib/dovecot/dovecot-lda
test_have_prereq USER && test_have_prereq SIEVEC && [ -x "$DOVECOT_LDA" ] && have sieve-filter &&
	test_set_prereq DOVECOT_LDA
have fetchmail && test_set_prereq FETCHMAIL
have getmail && test_set_prereq GETMAIL
have python3 && have flock && {
	have_user fetchmail && test_set_prereq FETCHMAIL_RUN
	have_user getmail && test_set_prereq GETMAIL_RUN
}
SHIM=$TEST_BUILDDIR/tests/shim-syslog.so
test_have_prereq USER && [ -f "$SHIM" ] && test_set_prereq SHIM
# systemd-analyze verify needs no running systemd, but may still fail in a
# container: try it on a unit that cannot be wrong first.
printf '[Service]\nType=oneshot\nExecStart=/bin/true\n' >"$TRASH/probe.service"
if have systemd-analyze && systemd-analyze verify --man=no "$TRASH/probe.service" >/dev/null 2>&1; then
	test_set_prereq SYSTEMD
else
	say "systemd-analyze verify does not work here: the unit checks are skipped"
fi

entries() { db_query "$PRACTICE" "SELECT count(*) FROM entries"; }

# The environment a mail system gives its delivery agent: nothing of ours,
# in particular no CONFIDANT_HOME: the recipes must name the home.
mta_env() {
	env -i PATH=/usr/local/bin:/usr/bin:/bin HOME="$PRACTICE" USER="$ME" LOGNAME="$ME" \
		LANG=C.UTF-8 TZ=UTC "$@"
}

# A temporary failure: the database read-only.  SQLite then also makes its
# -wal and -shm files read-only, so all three are made writable again.
db_readonly() { chmod 400 "$PRACTICE/confidant.db"; }
db_writable() { chmod 600 "$PRACTICE"/confidant.db*; }

# while_readonly CMD...: CMD's status, run while the database is read-only.
while_readonly() {
	db_readonly
	"$@"
	wr_rc=$?
	db_writable
	return $wr_rc
}

# with_bad_config CMD...: CMD's status, run while confidant.conf has an
# unknown setting (a configuration error).
with_bad_config() {
	cp "$PRACTICE/confidant.conf" "$TRASH/conf.save"
	echo "no_such_setting = 1" >>"$PRACTICE/confidant.conf"
	"$@"
	wb_rc=$?
	cp "$TRASH/conf.save" "$PRACTICE/confidant.conf"
	return $wb_rc
}

Q="'"

# install_copy SRC DEST: a recipe with this test's paths for the program,
# the practice home (also the practice user's home) and the Sieve pipe
# directory, mode 0600.
install_copy() {
	sed -e "s|/usr/local/bin/confidant|$CONFIDANT|g" -e "s|/var/lib/confidant|$PRACTICE|g" \
		-e "s|/usr/local/lib/confidant/sieve-pipe|$DV/sieve-pipe|g" "$1" >"$2" &&
	chmod 600 "$2"
}

# cron_command PATTERN: the command of the line of contrib/cron/confidant
# (commented out or not) that matches PATTERN, with this test's paths.
cron_command() {
	sed -n 's/^#\([0-9*]\)/\1/p; /^[0-9*]/p' "$CONTRIB/cron/confidant" | grep -e "$1" | head -n 1 |
		awk '{ for (i = 7; i <= NF; i++) printf "%s%s", $i, (i < NF ? " " : "\n") }' |
		sed -e "s|/usr/local/bin/confidant|$CONFIDANT|g" -e "s|/var/lib/confidant|$PRACTICE|g"
}

# As cron runs a command: its SHELL and PATH, the user's HOME.
cron_env() {
	env -i SHELL=/bin/sh PATH=/usr/local/bin:/usr/bin:/bin HOME="$PRACTICE" LOGNAME="$ME" \
		LANG=C.UTF-8 TZ=UTC sh -c "$1"
}

# A loopback POP3 server for fetchmail and getmail: serves the files of a
# directory, deletes what the client DELEtes once it QUITs, and exits after
# the given number of sessions or two idle minutes.
cat >"$TRASH/pop3.py" <<'PY'
import os, socket, sys
maildir, portfile, sessions = sys.argv[1], sys.argv[2], int(sys.argv[3])
srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("127.0.0.1", 0))
srv.listen(1)
srv.settimeout(120)
with open(portfile + ".tmp", "w") as f:
    f.write("%d\n" % srv.getsockname()[1])
os.rename(portfile + ".tmp", portfile)

def session(conn):
    conn.settimeout(60)
    rf = conn.makefile("rb")
    send = lambda s: conn.sendall(s.encode() + b"\r\n")
    msgs = []
    for n in sorted(os.listdir(maildir)):
        with open(os.path.join(maildir, n), "rb") as f:
            data = f.read().replace(b"\r\n", b"\n").rstrip(b"\n").replace(b"\n", b"\r\n")
        msgs.append((n, data + b"\r\n"))
    dele = set()
    send("+OK loopback POP3 for tests")
    while True:
        line = rf.readline()
        if not line:
            return
        words = line.decode("ascii", "replace").split()
        cmd, args = (words[0].upper(), words[1:]) if words else ("", [])
        live = [i for i in range(len(msgs)) if i not in dele]
        if cmd == "CAPA":
            for s in ("+OK", "USER", "UIDL", "TOP", "."):
                send(s)
        elif cmd in ("USER", "PASS", "NOOP"):
            send("+OK")
        elif cmd == "STAT":
            send("+OK %d %d" % (len(live), sum(len(msgs[i][1]) for i in live)))
        elif cmd in ("LIST", "UIDL"):
            val = (lambda i: len(msgs[i][1])) if cmd == "LIST" else (lambda i: msgs[i][0])
            if args:
                i = int(args[0]) - 1
                send("+OK %d %s" % (i + 1, val(i)))
            else:
                send("+OK")
                for i in live:
                    send("%d %s" % (i + 1, val(i)))
                send(".")
        elif cmd in ("RETR", "TOP"):
            data = msgs[int(args[0]) - 1][1]
            if cmd == "TOP":
                head, _, body = data.partition(b"\r\n\r\n")
                data = head + b"\r\n\r\n" + b"".join(body.split(b"\r\n")[:int(args[1])])
            send("+OK %d octets" % len(data))
            for l in data[:-2].split(b"\r\n"):
                conn.sendall((b"." + l if l.startswith(b".") else l) + b"\r\n")
            send(".")
        elif cmd == "DELE":
            dele.add(int(args[0]) - 1)
            send("+OK")
        elif cmd == "RSET":
            dele.clear()
            send("+OK")
        elif cmd == "QUIT":
            for i in dele:
                os.unlink(os.path.join(maildir, msgs[i][0]))
            send("+OK bye")
            return
        else:
            send("-ERR unknown command")

for _ in range(sessions):
    try:
        conn, _ = srv.accept()
    except socket.timeout:
        break
    try:
        session(conn)
    finally:
        conn.close()
PY

# pop3_start DIR: a server for one session on DIR; its port in $TRASH/pop3.port.
pop3_start() {
	rm -f "$TRASH/pop3.port"
	python3 "$TRASH/pop3.py" "$1" "$TRASH/pop3.port" 1 &
	echo $! >>"$TRASH/pop3.pids"
	i=0
	while [ ! -s "$TRASH/pop3.port" ]; do
		i=$((i + 1))
		[ $i -le 100 ] || { echo "the POP3 server did not start" >&2; return 1; }
		sleep 0.1
	done
}
pop3_stop() {
	[ -f "$TRASH/pop3.pids" ] || return 0
	while read -r p; do kill "$p" 2>/dev/null; done <"$TRASH/pop3.pids"
	return 0
}
test_at_end pop3_stop
pop3_port() { cat "$TRASH/pop3.port"; }
on_server() { ls "$1" | wc -l; }

test_expect_success 'setup: a practice, a client, entries to deliver' '
	setup_practice thera alice &&
	printf "#!/bin/sh\ncat >/dev/null\n" >"$TRASH/bin/sendmail" && chmod +x "$TRASH/bin/sendmail" &&
	confidant config sendmail "$TRASH/bin/sendmail -oi -t" &&
	for n in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17; do
		compose_entry alice alice@client.example "Entry $n" "Week $n was calm." \
			"e$n@client.example" >e$n.eml || exit 1
	done &&
	test "$(entries)" = 0
'

# --- procmail ---------------------------------------------------------

# procmail -m: the rcfile as given, the same recipe semantics as when the
# MTA runs procmail, but without procmail creating /var/mail/$USER at start.

test_expect_success PROCMAIL 'procmail: the recipe delivers an entry into the journal' '
	install_copy "$CONTRIB/procmail/procmailrc" "$PRACTICE/.procmailrc" &&
	grep -q "^CONFIDANT=$CONFIDANT\$" "$PRACTICE/.procmailrc" &&
	grep -q "^CONFIDANT_HOME=$PRACTICE\$" "$PRACTICE/.procmailrc" &&
	mta_env procmail -m DEFAULT="$TRASH/pm.fallback" ORGMAIL="$TRASH/pm.fallback" \
		"$PRACTICE/.procmailrc" <e1.eml &&
	test "$(entries)" = 1 &&
	test ! -e "$TRASH/pm.fallback" &&
	confidant journal alice --json | grep -q "\"message_id\":\"e1@client.example\""
'

test_expect_success PROCMAIL 'procmail: a temporary failure exits 75, nothing in a fallback mailbox' '
	test_expect_code 75 while_readonly mta_env procmail -m DEFAULT="$TRASH/pm.fallback" \
		ORGMAIL="$TRASH/pm.fallback" "$PRACTICE/.procmailrc" <e2.eml 2>err &&
	grep -q "Program failure (75)" err &&
	test ! -e "$TRASH/pm.fallback" &&
	test "$(entries)" = 1 &&
	test "$(ls "$PRACTICE/spool/new" | wc -l)" = 0
'

test_expect_success PROCMAIL 'procmail: the MTA retry is stored, and once' '
	mta_env procmail -m DEFAULT="$TRASH/pm.fallback" ORGMAIL="$TRASH/pm.fallback" \
		"$PRACTICE/.procmailrc" <e2.eml &&
	mta_env procmail -m DEFAULT="$TRASH/pm.fallback" ORGMAIL="$TRASH/pm.fallback" \
		"$PRACTICE/.procmailrc" <e2.eml &&
	test "$(entries)" = 2 && test ! -e "$TRASH/pm.fallback"
'

test_expect_success PROCMAIL 'procmail: a configuration error is a temporary failure too' '
	test_expect_code 75 with_bad_config mta_env procmail -m DEFAULT="$TRASH/pm.fallback" \
		ORGMAIL="$TRASH/pm.fallback" "$PRACTICE/.procmailrc" <e3.eml 2>err &&
	grep -q "unknown setting" err && grep -q "Program failure" err &&
	test ! -e "$TRASH/pm.fallback"
'

test_expect_success PROCMAIL 'procmail: a wrong program path is 75 too, nothing in the fallback' '
	sed "s|^CONFIDANT=.*|CONFIDANT=$TRASH/no/such/confidant|" "$PRACTICE/.procmailrc" \
		>"$PRACTICE/broken.procmailrc" && chmod 600 "$PRACTICE/broken.procmailrc" &&
	test_expect_code 75 mta_env procmail -m DEFAULT="$TRASH/pm.fallback" ORGMAIL="$TRASH/pm.fallback" \
		"$PRACTICE/broken.procmailrc" <e3.eml 2>err &&
	test ! -e "$TRASH/pm.fallback" && test "$(entries)" = 2
'

test_expect_success PROCMAIL 'procmail: without the EXITCODE lines a failure lands in the fallback (why they are there)' '
	sed "/^EXITCODE=75/,\$d" "$PRACTICE/.procmailrc" >"$PRACTICE/naive.procmailrc" &&
	chmod 600 "$PRACTICE/naive.procmailrc" &&
	while_readonly mta_env procmail -m DEFAULT="$TRASH/naive.fallback" \
		ORGMAIL="$TRASH/naive.fallback" "$PRACTICE/naive.procmailrc" <e3.eml 2>/dev/null &&
	grep -q "^Message-ID: <e3@client.example>" "$TRASH/naive.fallback" &&
	test "$(entries)" = 2
'

# --- maildrop ---------------------------------------------------------

# maildrop resets DEFAULT to /var/mail/$LOGNAME: the copy points it here,
# so that a fall-through would show, and harm nothing.
maildrop_copy() {
	install_copy "$CONTRIB/maildrop/mailfilter" "$1" &&
	sed -i "s|^SHELL=.*|&\nDEFAULT=\"$TRASH/md.fallback\"|" "$1" &&
	grep -q "^DEFAULT=" "$1"
}

test_expect_success MAILDROP 'maildrop: the filter delivers an entry into the journal' '
	maildrop_copy "$PRACTICE/.mailfilter" &&
	grep -q "^CONFIDANT=\"$CONFIDANT\"\$" "$PRACTICE/.mailfilter" &&
	grep -q "^CONFIDANT_HOME=\"$PRACTICE\"\$" "$PRACTICE/.mailfilter" &&
	before=$(entries) &&
	mta_env maildrop "$PRACTICE/.mailfilter" <e3.eml &&
	test "$(entries)" = $((before + 1)) &&
	test ! -e "$TRASH/md.fallback"
'

test_expect_success MAILDROP 'maildrop: a temporary failure exits 75, nothing in the default mailbox' '
	before=$(entries) &&
	test_expect_code 75 while_readonly mta_env maildrop "$PRACTICE/.mailfilter" <e4.eml 2>err &&
	test ! -e "$TRASH/md.fallback" &&
	test "$(entries)" = "$before" &&
	mta_env maildrop "$PRACTICE/.mailfilter" <e4.eml &&
	mta_env maildrop "$PRACTICE/.mailfilter" <e4.eml &&
	test "$(entries)" = $((before + 1)) && test ! -e "$TRASH/md.fallback"
'

test_expect_success MAILDROP 'maildrop: a wrong program path is 75 too (127 would bounce)' '
	sed "s|^CONFIDANT=.*|CONFIDANT=\"$TRASH/no/such/confidant\"|" "$PRACTICE/.mailfilter" \
		>"$PRACTICE/broken.mailfilter" && chmod 600 "$PRACTICE/broken.mailfilter" &&
	before=$(entries) &&
	test_expect_code 75 mta_env maildrop "$PRACTICE/broken.mailfilter" <e5.eml 2>err &&
	grep -q "no/such/confidant" err &&
	test ! -e "$TRASH/md.fallback" && test "$(entries)" = "$before"
'

test_expect_success MAILDROP 'maildrop: a configuration error is 75 too' '
	test_expect_code 75 with_bad_config mta_env maildrop "$PRACTICE/.mailfilter" <e5.eml 2>err &&
	grep -q "unknown setting" err && test ! -e "$TRASH/md.fallback"
'

test_expect_success MAILDROP 'maildrop: without the final exit every message is also filed in the default mailbox' '
	sed "/^if (\$EXITCODE/,\$d" "$PRACTICE/.mailfilter" >"$PRACTICE/naive.mailfilter" &&
	chmod 600 "$PRACTICE/naive.mailfilter" &&
	! grep -q "^exit" "$PRACTICE/naive.mailfilter" &&
	before=$(entries) &&
	mta_env maildrop "$PRACTICE/naive.mailfilter" <e5.eml &&
	test "$(entries)" = $((before + 1)) &&
	grep -q "^Message-ID: <e5@client.example>" "$TRASH/md.fallback" &&
	rm "$TRASH/md.fallback"
'

# --- Dovecot ----------------------------------------------------------

# A Dovecot configuration for one unprivileged user, without a server:
# what dovecot-lda, sievec, sieve-test and sieve-filter read.
dovecot_conf() {
	mkdir -p "$DV/run" "$DV/sieve-pipe" &&
	install_copy "$CONTRIB/dovecot/90-confidant.conf" "$DV/90-confidant.conf" &&
	grep -q "sieve_pipe_bin_dir = $DV/sieve-pipe\$" "$DV/90-confidant.conf" &&
	ln -sf "$CONFIDANT" "$DV/sieve-pipe/confidant" &&
	cat >"$DV/base.conf" <<-EOF &&
	protocols =
	ssl = no
	base_dir = $DV/run
	log_path = $DV/dovecot.log
	mail_location = maildir:$DV/Maildir
	postmaster_address = postmaster@clinic.example
	EOF
	{ cat "$DV/base.conf"; echo "!include $DV/90-confidant.conf";
	  echo "plugin {"; echo "  sieve = file:$DV/sieve;active=$PRACTICE/.dovecot.sieve"; echo "}"; } \
		>"$DV/dovecot.conf"
}
inbox_count() { find "$DV/Maildir/new" "$DV/Maildir/cur" -type f 2>/dev/null | wc -l; }

test_expect_success SIEVEC 'dovecot: doveconf parses the snippet' '
	doveconf -n -c "$CONTRIB/dovecot/90-confidant.conf" >snippet.out &&
	grep -q "sieve_plugins = sieve_extprograms" snippet.out &&
	grep -q "sieve_extensions = +vnd.dovecot.pipe" snippet.out &&
	grep -q "sieve_pipe_bin_dir = /usr/local/lib/confidant/sieve-pipe" snippet.out &&
	doveconf -c "$CONTRIB/dovecot/90-confidant.conf" -f protocol=lda -h mail_plugins | grep -q sieve &&
	doveconf -c "$CONTRIB/dovecot/90-confidant.conf" -f protocol=lmtp -h mail_plugins | grep -q sieve &&
	doveconf -c "$CONTRIB/dovecot/90-confidant.conf" -h plugin/sieve_pipe_exec_timeout >t &&
	test "$(cat t)" = 5m
'

test_expect_success SIEVEC 'dovecot: sievec compiles the script with the snippet, not without' '
	dovecot_conf &&
	install_copy "$CONTRIB/dovecot/confidant.sieve" "$PRACTICE/.dovecot.sieve" &&
	grep -q "\"-H\", \"$PRACTICE\", \"deliver\"" "$PRACTICE/.dovecot.sieve" &&
	sievec -c "$DV/dovecot.conf" "$PRACTICE/.dovecot.sieve" "$DV/check.svbin" &&
	test -s "$DV/check.svbin" &&
	test_must_fail sievec -c "$DV/base.conf" "$PRACTICE/.dovecot.sieve" "$DV/bad.svbin" 2>err &&
	grep -q "vnd.dovecot.pipe" err
'

test_expect_success SIEVE_TEST 'dovecot: sieve-test sees one pipe to confidant, without :try' '
	sieve-test -c "$DV/dovecot.conf" "$PRACTICE/.dovecot.sieve" e6.eml >st.out 2>st.err &&
	grep -q "pipe message to external program .confidant." st.out &&
	grep -q "try *: no" st.out
'

test_expect_success DOVECOT_LDA 'dovecot-lda: the script stores the entry and keeps nothing' '
	before=$(entries) &&
	mta_env "$DOVECOT_LDA" -c "$DV/dovecot.conf" -f alice@client.example <e6.eml &&
	test "$(entries)" = $((before + 1)) &&
	test "$(inbox_count)" = 0 &&
	grep -q "pipe action: piped message to program .confidant." "$DV/dovecot.log"
'

test_expect_success DOVECOT_LDA 'dovecot-lda: on a failure Dovecot keeps the message in the INBOX (exit 0)' '
	before=$(entries) &&
	while_readonly mta_env "$DOVECOT_LDA" -c "$DV/dovecot.conf" -f alice@client.example <e7.eml &&
	test "$(entries)" = "$before" &&
	test "$(inbox_count)" = 1 &&
	grep -q "implicit keep was successful" "$DV/dovecot.log"
'

test_expect_success DOVECOT_LDA 'dovecot: the refeed cron line stores what the INBOX kept, and empties it' '
	cmd=$(cron_command sieve-filter) &&
	case $cmd in "sieve-filter -o mbox_write_locks=fcntl -e -W $PRACTICE/.dovecot.sieve INBOX expunge") ;;
		*) echo "$cmd" >&2; false ;; esac &&
	before=$(entries) &&
	{ while_readonly cron_env "sieve-filter -c $DV/dovecot.conf ${cmd#sieve-filter }" 2>err || :; } &&
	test "$(inbox_count)" = 1 && test "$(entries)" = "$before" &&
	cron_env "sieve-filter -c $DV/dovecot.conf ${cmd#sieve-filter }" &&
	test "$(entries)" = $((before + 1)) &&
	test "$(inbox_count)" = 0 &&
	cron_env "sieve-filter -c $DV/dovecot.conf ${cmd#sieve-filter }" >out 2>&1 &&
	test "$(entries)" = $((before + 1))
'

test_expect_success DOVECOT_LDA 'dovecot: the refeed line works on an mbox INBOX in a directory like /var/mail' '
	mkdir -p "$DV/varmail" "$DV/mbox" && : >"$DV/varmail/$ME" && chmod 660 "$DV/varmail/$ME" &&
	chmod 555 "$DV/varmail" &&
	sed "s|^mail_location = .*|mail_location = mbox:$DV/mbox:INBOX=$DV/varmail/%u|" "$DV/dovecot.conf" \
		>"$DV/mbox.conf" &&
	before=$(entries) &&
	while_readonly mta_env "$DOVECOT_LDA" -c "$DV/mbox.conf" -o mbox_write_locks=fcntl \
		-f alice@client.example <e17.eml &&
	grep -q "^Message-ID: <e17@client.example>" "$DV/varmail/$ME" &&
	cmd=$(cron_command sieve-filter) &&
	plain=$(echo "$cmd" | sed "s/ -o mbox_write_locks=fcntl//") &&
	{ cron_env "sieve-filter -c $DV/mbox.conf ${plain#sieve-filter }" >out 2>err || :; } &&
	grep -q "dotlock" err &&
	grep -q "^Message-ID: <e17@client.example>" "$DV/varmail/$ME" &&
	cron_env "sieve-filter -c $DV/mbox.conf ${cmd#sieve-filter }" &&
	test "$(entries)" = $((before + 1)) &&
	! grep -q "^Message-ID: <e17@client.example>" "$DV/varmail/$ME" &&
	chmod 755 "$DV/varmail"
'

lda_copy() {
	install_copy "$CONTRIB/dovecot/confidant-lda" "$TRASH/bin/confidant-lda" &&
	sed -i -e "s|^PRACTICE_USER=.*|PRACTICE_USER=$1|" \
		-e "s|^DOVECOT_LDA=.*|DOVECOT_LDA=$DOVECOT_LDA|" "$TRASH/bin/confidant-lda" &&
	chmod 700 "$TRASH/bin/confidant-lda" &&
	grep -q "^PRACTICE_USER=$1\$" "$TRASH/bin/confidant-lda"
}

test_expect_success DOVECOT_LDA 'confidant-lda: the practice user delivers to confidant, 75 on a failure' '
	lda_copy "$ME" &&
	before=$(entries) &&
	mta_env "$TRASH/bin/confidant-lda" -c "$DV/base.conf" -f alice@client.example \
		-a practice@clinic.example <e8.eml &&
	test "$(entries)" = $((before + 1)) &&
	test_expect_code 75 while_readonly mta_env "$TRASH/bin/confidant-lda" -c "$DV/base.conf" \
		-f alice@client.example <e9.eml 2>err &&
	test_expect_code 75 with_bad_config mta_env "$TRASH/bin/confidant-lda" -c "$DV/base.conf" \
		-f alice@client.example <e9.eml 2>err &&
	test "$(entries)" = $((before + 1)) &&
	test "$(inbox_count)" = 0
'

test_expect_success DOVECOT_LDA 'confidant-lda: anyone else goes to dovecot-lda' '
	lda_copy "someone-else" &&
	before=$(entries) &&
	mta_env "$TRASH/bin/confidant-lda" -c "$DV/base.conf" -f alice@client.example <e9.eml &&
	test "$(entries)" = "$before" &&
	test "$(inbox_count)" = 1
'

# --- fetchmail --------------------------------------------------------

test_expect_success FETCHMAIL 'fetchmail: the rc file parses with what matters set' '
	install_copy "$CONTRIB/fetchmail/fetchmailrc" fm.rc &&
	fetchmail -f fm.rc --configdump >dump 2>dump.err &&
	grep -q "\"mda\":\"$CONFIDANT -H $PRACTICE deliver\"" dump &&
	grep -q "\"protocol\":\"IMAP\"" dump &&
	for w in fetchall:TRUE keep:FALSE ssl:TRUE sslcertck:TRUE bouncemail:FALSE \
		softbounce:TRUE rewrite:FALSE; do
		grep -q "$Q${w%:*}$Q:${w#*:}" dump || { echo "missing: $w" >&2; exit 1; }
	done
'

test_expect_success FETCHMAIL 'fetchmail: refuses the rc file when others can read it (install it 0600)' '
	cp fm.rc fm-open.rc && chmod 644 fm-open.rc &&
	test_must_fail fetchmail -f fm-open.rc --configdump >/dev/null 2>err &&
	grep -q -i "permission" err
'

# The recipe pointed at the loopback server: POP3 without TLS (not even
# STLS: sslproto ''), no folder; everything about delivery stays as written.
fetchmail_loopback() {
	install_copy "$CONTRIB/fetchmail/fetchmailrc" "$PRACTICE/.fetchmailrc" &&
	sed -i -e "s|^poll .*|poll 127.0.0.1 protocol POP3 port $(pop3_port)|" \
		-e "s/^\([[:space:]]*\)ssl\$/\1sslproto ''/" -e "/^[[:space:]]*sslcertck\$/d" -e "/^[[:space:]]*folder /d" \
		-e "/^set syslog/d" "$PRACTICE/.fetchmailrc" &&
	grep -q "mda \"$CONFIDANT -H $PRACTICE deliver\"" "$PRACTICE/.fetchmailrc"
}

test_expect_success FETCHMAIL_RUN 'fetchmail: the cron line fetches, delivers and deletes' '
	mkdir -p fm-server && cp e10.eml e11.eml fm-server/ &&
	pop3_start fm-server && fetchmail_loopback &&
	cmd=$(cron_command fetchmail) && test "$cmd" = "fetchmail --silent" &&
	before=$(entries) &&
	cron_env "$cmd" >out 2>err &&
	test "$(entries)" = $((before + 2)) &&
	test "$(on_server fm-server)" = 0
'

test_expect_success FETCHMAIL_RUN 'fetchmail: on a temporary failure the message stays on the server' '
	cp e12.eml fm-server/ &&
	pop3_start fm-server && fetchmail_loopback &&
	before=$(entries) &&
	{ while_readonly cron_env "fetchmail --silent" >out 2>err || :; } &&
	test "$(entries)" = "$before" &&
	test "$(on_server fm-server)" = 1 &&
	pop3_start fm-server && fetchmail_loopback &&
	cron_env "fetchmail --silent" >out 2>err &&
	test "$(entries)" = $((before + 1)) &&
	test "$(on_server fm-server)" = 0
'

# --- getmail ----------------------------------------------------------

getmail_install() {
	mkdir -p "$PRACTICE/.getmail" && chmod 700 "$PRACTICE/.getmail" &&
	install_copy "$CONTRIB/getmail/getmailrc" "$PRACTICE/.getmail/getmailrc" &&
	printf "CHANGE-ME\n" >"$PRACTICE/.getmail/password" && chmod 600 "$PRACTICE/.getmail/password"
}

test_expect_success GETMAIL 'getmail: the rc file loads with what matters set' '
	getmail_install &&
	getmail --getmaildir "$PRACTICE/.getmail" --rcfile getmailrc --dump >dump 2>dump.err &&
	grep -q "MDA_external" dump &&
	grep -q "SimpleIMAPSSLRetriever" dump &&
	grep -q "path=\"$CONFIDANT\"" dump &&
	grep -q "arguments=\"($Q-H$Q, $Q$PRACTICE$Q, ${Q}deliver$Q)\"" dump &&
	grep -q "ignore_stderr=\"True\"" dump &&
	grep -q "ca_certs=\"/etc/ssl/certs/ca-certificates.crt\"" dump &&
	grep -q "delete : True" dump && grep -q "read_all : False" dump
'

# The retriever pointed at the loopback server (plain POP3); the
# destination and the options stay as written.
getmail_loopback() {
	getmail_install &&
	sed -i -e "s|^type = SimpleIMAPSSLRetriever|type = SimplePOP3Retriever|" \
		-e "s|^server = .*|server = 127.0.0.1|" -e "s|^port = .*|port = $(pop3_port)|" \
		-e "/^mailboxes = /d" -e "/^ca_certs = /d" "$PRACTICE/.getmail/getmailrc"
}

test_expect_success GETMAIL_RUN 'getmail: the cron line fetches, delivers and deletes' '
	mkdir -p gm-server && cp e13.eml e14.eml gm-server/ &&
	pop3_start gm-server && getmail_loopback &&
	cmd=$(cron_command getmail) &&
	case $cmd in "flock -n $PRACTICE/.getmail/lock getmail "*) ;; *) echo "$cmd" >&2; false ;; esac &&
	before=$(entries) &&
	cron_env "$cmd" >out 2>err &&
	test "$(entries)" = $((before + 2)) &&
	test "$(on_server gm-server)" = 0
'

test_expect_success GETMAIL_RUN 'getmail: on a temporary failure the message stays and is fetched again' '
	cp e15.eml gm-server/ &&
	pop3_start gm-server && getmail_loopback &&
	before=$(entries) &&
	test_must_fail while_readonly cron_env "$(cron_command getmail)" >out 2>err &&
	grep -q "Delivery error" err &&
	test "$(entries)" = "$before" &&
	test "$(on_server gm-server)" = 1 &&
	pop3_start gm-server && getmail_loopback &&
	cron_env "$(cron_command getmail)" >out 2>err &&
	test "$(entries)" = $((before + 1)) &&
	test "$(on_server gm-server)" = 0
'

# --- cron -------------------------------------------------------------

# Checks an /etc/cron.d file: assignments, or five time fields, the user
# and a command; with -v all=1, the commented-out entries as well.
cron_check() {
	awk -v all="${2:-0}" '
	function ok(f, lo, hi,   n, i, p, r, s) {
		n = split(f, p, ",")
		for (i = 1; i <= n; i++) {
			s = p[i]
			if (s ~ /\//) {
				if (substr(s, index(s, "/") + 1) !~ /^[1-9][0-9]*$/) return 0
				s = substr(s, 1, index(s, "/") - 1)
			}
			if (s == "*") continue
			if (s ~ /^[0-9]+$/ && s + 0 >= lo && s + 0 <= hi) continue
			if (s ~ /^[0-9]+-[0-9]+$/) {
				split(s, r, "-")
				if (r[1] + 0 >= lo && r[2] + 0 <= hi && r[1] + 0 <= r[2] + 0) continue
			}
			return 0
		}
		return 1
	}
	/^[ \t]*$/ { next }
	/^#/ {
		if (!all || $0 !~ /^#[0-9*]/) next
		sub(/^#/, "")
	}
	/^[A-Z_]+=/ { next }
	{
		if (NF < 7) { print FILENAME ":" NR ": not five times, a user and a command"; bad = 1; next }
		if (!ok($1, 0, 59) || !ok($2, 0, 23) || !ok($3, 1, 31) || !ok($4, 1, 12) || !ok($5, 0, 7)) {
			print FILENAME ":" NR ": bad time fields"; bad = 1
		}
		if ($6 != "confidant") { print FILENAME ":" NR ": runs as " $6; bad = 1 }
		if ($0 ~ /%/) { print FILENAME ":" NR ": a bare % (cron makes it a newline)"; bad = 1 }
		n++
	}
	END { if (bad) exit 1; print n + 0 }' "$1"
}

test_expect_success 'cron: the file is a well-formed /etc/cron.d file' '
	f=$CONTRIB/cron/confidant &&
	basename "$f" | grep -Eq "^[A-Za-z0-9_-]+\$" &&
	test "$(cron_check "$f")" = 3 &&
	test "$(cron_check "$f" 1)" = 6 &&
	grep -q "^MAILTO=root\$" "$f" && grep -q "^SHELL=/bin/sh\$" "$f" &&
	sed -n "/^[0-9*]/p" "$f" | awk "{ print \$7 }" | sort -u >cmds &&
	test "$(cat cmds)" = /usr/local/bin/confidant &&
	grep -q "confidant -H /var/lib/confidant flush >/dev/null\$" "$f" &&
	grep -q "confidant -H /var/lib/confidant remind >/dev/null\$" "$f" &&
	grep -q "confidant -H /var/lib/confidant deliver --retry\$" "$f" &&
	printf "*/5 * * * * root /bin/true\n61 * * * * confidant x y\n" >bad.cron &&
	test_must_fail cron_check bad.cron >out && test "$(wc -l <out)" = 2
'

test_expect_success USER 'cron: each line runs as cron would, succeeds and mails nothing' '
	for pat in " flush" " remind" "deliver --retry"; do
		cmd=$(cron_command "$pat") && test -n "$cmd" &&
		cron_env "{ $cmd; } >$TRASH/out 2>&1" || { echo "failed: $cmd" >&2; cat out >&2; exit 1; }
		test ! -s out || { echo "would mail: $cmd" >&2; cat out >&2; exit 1; }
	done
'

# --- systemd ----------------------------------------------------------

test_expect_success SYSTEMD 'systemd: the units pass systemd-analyze verify' '
	mkdir -p units &&
	for u in confidant-flush confidant-remind; do
		sed "s|/usr/local/bin/confidant|$CONFIDANT|" "$CONTRIB/systemd/$u.service" >units/$u.service &&
		cp "$CONTRIB/systemd/$u.timer" units/ || exit 1
	done &&
	grep -q "^ExecStart=$CONFIDANT -H /var/lib/confidant flush\$" units/confidant-flush.service &&
	grep -q "^ExecStart=$CONFIDANT -H /var/lib/confidant remind\$" units/confidant-remind.service &&
	systemd-analyze verify --man=no units/confidant-flush.service units/confidant-flush.timer \
		units/confidant-remind.service units/confidant-remind.timer 2>verify.out &&
	test ! -s verify.out
'

test_expect_success 'systemd: the units run as the practice user, without NoNewPrivileges' '
	for u in confidant-flush confidant-remind; do
		f=$CONTRIB/systemd/$u.service &&
		grep -q "^User=confidant\$" "$f" && grep -q "^Type=oneshot\$" "$f" &&
		grep -q "^StandardOutput=null\$" "$f" &&
		! grep -Eq "^(NoNewPrivileges|PrivateDevices|ProtectKernel[A-Za-z]*|ProtectClock|RestrictAddressFamilies|RestrictNamespaces|LockPersonality|MemoryDenyWriteExecute|RestrictRealtime|RestrictSUIDSGID|SystemCall[A-Za-z]*)=" "$f" &&
		grep -q "^OnCalendar=\*:0/5\$" "$CONTRIB/systemd/$u.timer" &&
		grep -q "^WantedBy=timers.target\$" "$CONTRIB/systemd/$u.timer" || exit 1
	done
'

test_expect_success USER 'systemd: the ExecStart commands run' '
	for u in confidant-flush confidant-remind; do
		cmd=$(sed -n "s/^ExecStart=//p" "$CONTRIB/systemd/$u.service" |
			sed -e "s|/usr/local/bin/confidant|$CONFIDANT|" -e "s|/var/lib/confidant|$PRACTICE|") &&
		env -i PATH=/usr/bin:/bin HOME=/nonexistent $cmd >/dev/null || exit 1
	done
'

# --- syslog.md --------------------------------------------------------

test_expect_success SHIM 'syslog.md: its grep commands find what deliver logs, at facility mail' '
	log=$TRASH/shim.log &&
	SHIM_SYSLOG_FILE=$log LD_PRELOAD=$SHIM ASAN_OPTIONS=verify_asan_link_order=0 \
		"$CONFIDANT" deliver <e16.eml &&
	printf "From: x@y.example\r\nSubject: x\r\nMessage-ID: <plain@y.example>\r\n\r\nplain\r\n" >plain.eml &&
	SHIM_SYSLOG_FILE=$log LD_PRELOAD=$SHIM ASAN_OPTIONS=verify_asan_link_order=0 \
		"$CONFIDANT" deliver <plain.eml &&
	test_expect_code 75 while_readonly env SHIM_SYSLOG_FILE="$log" LD_PRELOAD="$SHIM" \
		ASAN_OPTIONS=verify_asan_link_order=0 "$CONFIDANT" deliver <e1.eml 2>/dev/null &&
	test "$(grep -vc "^mail " "$log")" = 0 &&
	mkdir -p varlog &&
	sed "s/^mail [0-9] confidant: /Mar  2 10:00:00 vm confidant[4711]: /" "$log" >varlog/mail.log &&
	grep "^    [z]*grep " "$CONTRIB/syslog.md" | grep -v "ID@example.org" >greps &&
	test "$(wc -l <greps)" -ge 4 &&
	while read -r g; do
		g=$(printf "%s\n" "$g" | sed -e "s|/var/log/mail.log|$TRASH/varlog/mail.log|g" \
			-e "s/client=robin /client=alice /" -e "s/ *#.*//") &&
		sh -c "$g" >found && test -s found || { echo "found nothing: $g" >&2; exit 1; }
	done <greps
'

test_done
