# lib-postfix.sh: a private, real Postfix for the tests, on the loopback.
#
# Source after test-lib.sh (as root: TEST_NEEDS_ROOT=1) and lib-gpg.sh.
#
# The instance lives in the trash directory: its own configuration
# directory ($PF_DIR, also holding the maillog), queue ($PF_QUEUE) and data
# directory ($PF_DATA); `postfix -c $PF_DIR start` runs it beside any
# system Postfix without touching it.  It listens on no TCP port at all:
# mail is submitted with its sendmail(1) (`sendmail -C $PF_DIR`), the
# practice address goes through the pipe(8) service of contrib/postfix/ to
# `confidant deliver`, and everything else in the test domains is stored
# by virtual(8) in maildirs under $PF_MAIL (owned by $PF_MAIL_USER).  Mail
# to any other domain is refused by default_transport = error, and no DNS
# is looked up.
#
# The configuration is built from the recipe in contrib/postfix/ (paths,
# user and address substituted), so the recipe itself is what is tested.
#
# Set-gid Postfix programs (postdrop, postqueue) run by a user other than
# root accept `-c DIR` only when the default /etc/postfix/main.cf lists DIR
# in alternate_config_directories: pf_allow_alternate adds it there, and
# the cleanup puts the file back as it was.

# Postfix's commands live in /usr/sbin, which a user's PATH may lack.
PATH=$PATH:/usr/sbin:/sbin
export PATH

PF_DIR=$TRASH/postfix
PF_QUEUE=$TRASH/postfix-queue
PF_DATA=$TRASH/postfix-data
PF_LOG=$PF_DIR/maillog
PF_MAIL=$TRASH/vmail
PF_PRACTICE_USER=${PF_PRACTICE_USER:-cfpractice}
PF_MAIL_USER=${PF_MAIL_USER:-cfmail}
PF_SYSTEM_MAINCF=/etc/postfix/main.cf
PF_SENDMAIL=/usr/sbin/sendmail
PF_RECIPE=$TEST_SRCDIR/contrib/postfix
PF_TIMEOUT=${PF_TIMEOUT:-60}
# Written at the top of /etc/postfix/main.cf when the test had to create
# the file, so that whoever removes the last alternate directory removes it.
PF_MARK="# confidant tests/lib-postfix.sh made this file for alternate_config_directories only"
export PF_DIR PF_QUEUE PF_DATA PF_LOG PF_MAIL PF_PRACTICE_USER PF_MAIL_USER

# pf_install: Postfix from Debian's packages unless it is there.  The
# debconf answer "No configuration" means no /etc/postfix/main.cf and no
# system instance to start (a policy-rc.d that forbids starting services
# stops it anyway); should one start, it does not meet ours, which binds
# no port and has its own directories.
pf_install() {
	if command -v postfix >/dev/null 2>&1 && command -v postqueue >/dev/null 2>&1 && [ -x "$PF_SENDMAIL" ]; then
		return 0
	fi
	command -v apt-get >/dev/null 2>&1 || return 1
	echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections || return 1
	if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends postfix >"$TRASH/apt.log" 2>&1; then
		DEBIAN_FRONTEND=noninteractive apt-get update -q >>"$TRASH/apt.log" 2>&1
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends postfix >>"$TRASH/apt.log" 2>&1 ||
			return 1
	fi
	command -v postfix >/dev/null 2>&1
}

# pf_user NAME: a system user (and group) of that name, made if missing.
pf_user() {
	id -u "$1" >/dev/null 2>&1 && return 0
	useradd --system --user-group --no-create-home --home-dir /nonexistent \
		--shell /usr/sbin/nologin --comment "Confidant tests" "$1"
}

# as_practice CMD...: run CMD as the practice user, with the environment of
# the test and a private umask (files the practice user makes are its own).
as_practice() {
	(umask 077 && exec setpriv --reuid="$PF_PRACTICE_USER" --regid="$PF_PRACTICE_USER" \
		--init-groups -- "$@")
}

# pf_recipe FILE: a file of contrib/postfix/ with the example paths, user
# and address replaced by the test's; fails when one of them is not found,
# so that a recipe changed in shape breaks the test rather than escaping it.
pf_recipe() {
	pr_in=$PF_RECIPE/$1
	[ -f "$pr_in" ] || { echo "pf_recipe: no $pr_in" >&2; return 1; }
	case $1 in
	master.cf.snippet)
		for pr_want in ' user=[a-z_][a-z0-9_-]* ' ' argv=/[^ ]*/confidant ' ' -H /[^ ]* deliver$'; do
			grep -q -- "$pr_want" "$pr_in" ||
				{ echo "pf_recipe: nothing matches '$pr_want' in $pr_in" >&2; return 1; }
		done
		sed -e "s| user=[a-z_][a-z0-9_-]* | user=$PF_PRACTICE_USER |" \
			-e "s| argv=/[^ ]*/confidant | argv=$CONFIDANT |" \
			-e "s| -H /[^ ]* deliver\$| -H $PRACTICE deliver|" "$pr_in"
		;;
	main.cf.snippet)
		grep -q "^transport_maps = hash:/etc/postfix/confidant_transport\$" "$pr_in" ||
			{ echo "pf_recipe: no transport_maps line in $pr_in" >&2; return 1; }
		sed -e "s|^transport_maps = hash:/etc/postfix/|transport_maps = hash:$PF_DIR/|" "$pr_in"
		;;
	confidant_transport)
		grep -q '^practice@example\.org[[:space:]]' "$pr_in" ||
			{ echo "pf_recipe: no practice@example.org line in $pr_in" >&2; return 1; }
		sed -e "s|^practice@example\.org\([[:space:]]\)|$PF_PRACTICE_ADDRESS\1|" "$pr_in"
		;;
	*)
		cat "$pr_in"
		;;
	esac
}

# pf_configure PRACTICE-ADDRESS MAILBOX-ADDRESS...: the instance's files.
# Each MAILBOX-ADDRESS gets a maildir $PF_MAIL/LOCALPART/Maildir/.
pf_configure() {
	PF_PRACTICE_ADDRESS=$1
	shift
	pc_uid=$(id -u "$PF_MAIL_USER") && pc_gid=$(id -g "$PF_MAIL_USER") || return 1
	mkdir -p "$PF_DIR" "$PF_QUEUE" "$PF_DATA" "$PF_MAIL" || return 1
	chmod 755 "$PF_DIR" "$PF_QUEUE" &&
	chown postfix "$PF_DATA" && chmod 700 "$PF_DATA" &&
	chown "$PF_MAIL_USER:$PF_MAIL_USER" "$PF_MAIL" && chmod 700 "$PF_MAIL" || return 1

	pc_domains=""
	: >"$PF_DIR/vmailbox"
	for pc_a; do
		printf '%s\t%s/Maildir/\n' "$pc_a" "${pc_a%@*}" >>"$PF_DIR/vmailbox"
		case " $pc_domains " in *" ${pc_a#*@} "*) ;; *) pc_domains="$pc_domains ${pc_a#*@}" ;; esac
	done
	# Listed so that the address is valid in its domain (smtpd would ask);
	# transport_maps sends it to confidant, never to this mailbox.
	printf '%s\tunused-routed-to-confidant/\n' "$PF_PRACTICE_ADDRESS" >>"$PF_DIR/vmailbox"
	case " $pc_domains " in
	*" ${PF_PRACTICE_ADDRESS#*@} "*) ;;
	*) pc_domains="$pc_domains ${PF_PRACTICE_ADDRESS#*@}" ;;
	esac

	cat >"$PF_DIR/main.cf" <<EOF || return 1
# A private Postfix instance of $test_name, made by tests/lib-postfix.sh.
compatibility_level = 3.6
queue_directory = $PF_QUEUE
data_directory = $PF_DATA
mail_owner = postfix
setgid_group = postdrop
myhostname = mta.confidant.test
mydomain = confidant.test
myorigin = \$myhostname
mydestination =
local_recipient_maps =
relay_domains =
relayhost =
alias_maps =
alias_database =
inet_interfaces = loopback-only
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
biff = no
append_dot_mydomain = no
smtputf8_enable = no

# Nothing leaves the machine, and nothing is looked up in the DNS.
disable_dns_lookups = yes
smtp_dns_support_level = disabled
default_transport = error:5.4.4 this test instance delivers only to its own domains
local_transport = error:5.1.1 no local delivery in this test instance

# Its own log, read by the test (the postlog service of master.cf).
maillog_file = $PF_LOG
maillog_file_prefixes = $PF_DIR

# A deferred message waits for the test's queue run, not for a timer.
queue_run_delay = 300s
minimal_backoff_time = 300s
maximal_backoff_time = 600s

# Clients and therapists: maildirs under $PF_MAIL.
virtual_mailbox_domains =$pc_domains
virtual_mailbox_base = $PF_MAIL
virtual_mailbox_maps = texthash:$PF_DIR/vmailbox
virtual_uid_maps = static:$pc_uid
virtual_gid_maps = static:$pc_gid

# The sanitizers' settings of a CI build reach confidant through the
# pipe(8) environment, which is otherwise minimal.
import_environment = MAIL_CONFIG MAIL_DEBUG MAIL_LOGTAG TZ XAUTHORITY DISPLAY LANG=C POSTLOG_SERVICE POSTLOG_HOSTNAME ASAN_OPTIONS UBSAN_OPTIONS LSAN_OPTIONS
export_environment = TZ MAIL_CONFIG LANG ASAN_OPTIONS UBSAN_OPTIONS LSAN_OPTIONS

# --- contrib/postfix/main.cf.snippet ---
EOF
	pf_recipe main.cf.snippet >>"$PF_DIR/main.cf" || return 1

	cat >"$PF_DIR/master.cf" <<'EOF' || return 1
# A private Postfix instance made by tests/lib-postfix.sh: no smtpd (no
# TCP port), nothing chrooted, mail only by sendmail(1).
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
proxywrite unix -       -       n       -       1       proxymap
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
virtual   unix  -       n       n       -       -       virtual
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
# --- contrib/postfix/master.cf.snippet ---
EOF
	pf_recipe master.cf.snippet >>"$PF_DIR/master.cf" || return 1
	pf_recipe confidant_transport >"$PF_DIR/confidant_transport" || return 1
	chmod 644 "$PF_DIR/main.cf" "$PF_DIR/master.cf" "$PF_DIR/vmailbox" "$PF_DIR/confidant_transport" &&
	postmap -c "$PF_DIR" "hash:$PF_DIR/confidant_transport"
}

# pf_allow_alternate: list $PF_DIR in alternate_config_directories of the
# default main.cf (made if there is none), under a lock on /etc/postfix, so
# that the practice user's `sendmail -C $PF_DIR` may submit.  The file as
# it was is kept in $PF_DIR/system-main.cf.orig (or its absence noted).
pf_allow_alternate() {
	(
		flock 9 || exit 1
		if [ -e "$PF_SYSTEM_MAINCF" ]; then
			cp -p "$PF_SYSTEM_MAINCF" "$PF_DIR/system-main.cf.orig" || exit 1
		else
			: >"$PF_DIR/system-main.cf.absent"
			printf '%s\n' "$PF_MARK" >"$PF_SYSTEM_MAINCF" || exit 1
			chmod 644 "$PF_SYSTEM_MAINCF"
		fi
		pa_old=$(postconf -c /etc/postfix -h alternate_config_directories 2>/dev/null)
		printf '%s\n' "$pa_old" >"$PF_DIR/system-alternate.orig"
		postconf -c /etc/postfix -e "alternate_config_directories = ${pa_old:+$pa_old, }$PF_DIR"
	) 9</etc/postfix
}

# pf_restore_alternate: take $PF_DIR out of the list again.  When no other
# test added a directory meanwhile, the file is put back byte for byte (or
# removed, if the test made it).
pf_restore_alternate() {
	[ -f "$PF_DIR/system-alternate.orig" ] || return 0
	(
		flock 9 || exit 1
		[ -f "$PF_SYSTEM_MAINCF" ] || exit 0
		pr_now=$(postconf -c /etc/postfix -h alternate_config_directories 2>/dev/null)
		pr_new=$(printf '%s\n' "$pr_now" | tr ', \t' '\n\n\n' | grep -v '^$' | grep -vxF "$PF_DIR" |
			paste -s -d ' ' -)
		pr_orig=$(tr ', \t' '\n\n\n' <"$PF_DIR/system-alternate.orig" | grep -v '^$' | paste -s -d ' ' -)
		if [ "$pr_new" = "$pr_orig" ]; then
			if [ -f "$PF_DIR/system-main.cf.absent" ]; then
				rm -f "$PF_SYSTEM_MAINCF"
			else
				cat "$PF_DIR/system-main.cf.orig" >"$PF_SYSTEM_MAINCF"
			fi
		elif [ -n "$pr_new" ]; then
			postconf -c /etc/postfix -e "alternate_config_directories = $pr_new"
		elif grep -qxF "$PF_MARK" "$PF_SYSTEM_MAINCF"; then
			rm -f "$PF_SYSTEM_MAINCF"
		else
			postconf -c /etc/postfix -X alternate_config_directories
		fi
	) 9</etc/postfix
}

pf_master_pid() {
	[ -f "$PF_QUEUE/pid/master.pid" ] && tr -d ' \n' <"$PF_QUEUE/pid/master.pid"
}

pf_start() {
	postfix -c "$PF_DIR" start >"$TRASH/postfix-start.log" 2>&1 || {
		cat "$TRASH/postfix-start.log" >&2
		return 1
	}
	pf_wait 20 "the Postfix master to run" postfix -c "$PF_DIR" status
}

# pf_stop: stop our instance (and only ours), waiting for its master.
pf_stop() {
	[ -d "$PF_QUEUE" ] || return 0
	ps_pid=$(pf_master_pid)
	postfix -c "$PF_DIR" stop >/dev/null 2>&1
	[ -n "$ps_pid" ] || return 0
	ps_end=$(($(date +%s) + 20))
	while kill -0 "$ps_pid" 2>/dev/null; do
		if [ "$(date +%s)" -ge "$ps_end" ]; then
			kill -9 "$ps_pid" 2>/dev/null
			break
		fi
		sleep 0.2
	done
	return 0
}

# The practice's gpg-agent, started by deliveries as the practice user.
pf_kill_practice_agent() {
	[ -d "${PRACTICE:-/nonexistent}/gnupg" ] || return 0
	as_practice env GNUPGHOME="$PRACTICE/gnupg" gpgconf --kill all
	return 0
}

# Cleanups, registered here at the top level (a test body is a subshell).
# They run in the opposite order: Postfix stops first, so that nothing
# delivers any more, then the agent goes, then main.cf is restored.
test_at_end pf_restore_alternate
test_at_end pf_kill_practice_agent
test_at_end pf_stop

# pf_wait SECONDS WHAT CMD...: poll CMD until it succeeds; after SECONDS,
# fail saying WHAT did not happen, with the end of the maillog and the queue.
pf_wait() {
	pw_t=$1 pw_what=$2
	shift 2
	pw_end=$(($(date +%s) + pw_t))
	until "$@" >/dev/null 2>&1; do
		if [ "$(date +%s)" -ge "$pw_end" ]; then
			echo "pf_wait: no $pw_what within ${pw_t}s" >&2
			pf_diagnose >&2
			return 1
		fi
		sleep 0.2
	done
}

pf_diagnose() {
	echo "--- maillog (last 30 lines):"
	tail -n 30 "$PF_LOG" 2>/dev/null
	echo "--- queue:"
	postqueue -c "$PF_DIR" -p 2>&1 | head -n 20
}

# pf_submit SENDER RECIPIENT FILE: hand FILE to our Postfix, as a mail
# client would with sendmail(1): NeoMutt gives its $sendmail "-- RECIPIENT";
# -f sets the envelope sender the Return-Path: of the delivery shows.
pf_submit() {
	"$PF_SENDMAIL" -C "$PF_DIR" -oi -f "$1" -- "$2" <"$3"
}

# pf_queue_empty: nothing waits in our queue (active, incoming, deferred).
pf_queue_empty() {
	[ -z "$(postqueue -c "$PF_DIR" -j 2>/dev/null)" ]
}

# pf_queue_id MESSAGE-ID: the queue id cleanup gave the message (from the
# maillog), once it was picked up.
pf_queue_id() {
	sed -n "s/.* \([0-9A-F]\{6,\}\): message-id=<$1>\$/\1/p" "$PF_LOG" 2>/dev/null | tail -n 1
}

# pf_logged MESSAGE-ID PATTERN: a maillog line of that message matches
# PATTERN (a basic regular expression), such as "status=sent".  A delivery
# agent logs the outcome after the fact: the journal or the maildir may
# have the message a moment before the maillog says so.
pf_logged() {
	pl_q=$(pf_queue_id "$1")
	[ -n "$pl_q" ] && grep -q " $pl_q: .*$2" "$PF_LOG"
}

# pf_log_for QUEUE-ID: the maillog lines of one message.
pf_log_for() {
	grep -F " $1: " "$PF_LOG"
}

# maildir_of ADDRESS: the maildir virtual(8) delivers ADDRESS to.
maildir_of() {
	echo "$PF_MAIL/${1%@*}/Maildir"
}

# maildir_count ADDRESS: how many messages it holds.
maildir_count() {
	mc_d=$(maildir_of "$1")
	find "$mc_d/new" "$mc_d/cur" -type f 2>/dev/null | wc -l | tr -d ' '
}

# maildir_find ADDRESS MESSAGE-ID: the file of the message with that
# Message-ID (without angle brackets) in ADDRESS's maildir.
maildir_find() {
	mf_d=$(maildir_of "$1")
	for mf_f in "$mf_d"/new/* "$mf_d"/cur/*; do
		[ -f "$mf_f" ] || continue
		if sed -n '/^$/q; p' "$mf_f" | grep -qiF "Message-ID: <$2>"; then
			echo "$mf_f"
			return 0
		fi
	done
	return 1
}
