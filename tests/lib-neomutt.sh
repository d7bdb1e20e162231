# lib-neomutt.sh: a real NeoMutt composes PGP/MIME mail for the tests.
#
# Source after test-lib.sh and lib-gpg.sh.  neomutt_compose makes NeoMutt
# write a signed and encrypted message (GPGME, PGP/MIME, combined
# sign+encrypt) as one of the test people (their GnuPG home from gpg_home,
# their key from gpg_user) to the practice, and leaves what NeoMutt handed
# to $sendmail in a file.
#
# Why tmux: NeoMutt (Debian 12, 20220429) applies $crypt_autosign and
# $crypt_autoencrypt only when it runs on a terminal; in batch mode (stdin
# not a tty) the message goes out in clear.  So NeoMutt runs in a private
# tmux server, and the test watches the screen with capture-pane and presses
# `y` at the compose menu once it shows "Security: Sign, Encrypt (PGP/MIME)".
# Nothing waits a fixed time: every wait is a bounded poll, and a failure
# shows the screen.
#
# Keys are looked up at send time, after `y`.  The practice key is pinned
# with a crypt-hook, because a search by address offers a key menu and then
# asks "ID has undefined validity. Do you really want to use the key?" even
# with trust-model always (GPGME reports the validity as unknown).  Should a
# prompt appear anyway, it is answered once per screen.
#
# Isolation: NeoMutt runs with -n (no system neomuttrc), -F with a
# neomuttrc of its own, and HOME set to its own directory in the trash;
# tmux with -f of its own and a socket in the trash.

NEOMUTT_TMUX_SOCK=$TRASH/.tmux.sock
NEOMUTT_TIMEOUT=${NEOMUTT_TIMEOUT:-20}
# neomutt_read*: seconds an index or pager may stay unchanged, without the
# message or the expected text, before that is taken as the answer.
NEOMUTT_STALL=${NEOMUTT_STALL:-8}
NEOMUTT_DIR=$TRASH/neomutt
NEOMUTT_TO=${NEOMUTT_TO:-practice@clinic.example}

neomutt_tmux() {
	tmux -S "$NEOMUTT_TMUX_SOCK" -f "$NEOMUTT_DIR/tmux.conf" "$@"
}

neomutt_kill_tmux() {
	[ -S "$NEOMUTT_TMUX_SOCK" ] || return 0
	tmux -S "$NEOMUTT_TMUX_SOCK" kill-server
	rm -f "$NEOMUTT_TMUX_SOCK"
	return 0
}
# Registered here, at the top level: a test body runs in a subshell, and a
# cleanup registered from there would be forgotten.
test_at_end neomutt_kill_tmux

mkdir -p "$NEOMUTT_DIR"
# remain-on-exit keeps the last screen of a NeoMutt that exited, so a
# failure can show it.  No status line: it would only add noise to the pane.
# tmux runs a pane's command with $SHELL, or else the user's login shell,
# which for a system account such as the test user is nologin: name one.
cat >"$NEOMUTT_DIR/tmux.conf" <<'EOF'
set -g default-shell /bin/sh
set -g remain-on-exit on
set -g status off
set -g default-terminal screen
set -g history-limit 2000
EOF

# neomutt_compose [OPTIONS] NAME FROM SUBJECT BODY OUT
#
# NAME's NeoMutt composes a message From FROM, To the practice, with SUBJECT
# and BODY (a string), signed with NAME's key and encrypted to the practice
# key (imported into NAME's keyring here), and writes the message it would
# have sent to OUT.  Options:
#   -a FILE       attach FILE (repeatable)
#   -i MSGID      In-Reply-To: <MSGID>, and References: <MSGID> unless -r
#   -r REFS       References: REFS (message ids, with angle brackets)
#   -t ADDR       To: ADDR instead of the practice address
#   -P            write protected headers ($crypt_protected_headers_write),
#                 so the real subject travels only inside the encryption
# neomutt_crypto_rc TMPDIR SIGNER-FPR RECIPIENT-FPR RECIPIENT PROTECT: the
# neomuttrc lines both composing and replying share: character sets, no
# caches, gpgme signing and encryption by default, the signer's key, and the
# recipient's key pinned (no search by address, no key menu).
neomutt_crypto_rc() {
	cat <<RC
set charset="utf-8"
set send_charset="utf-8"
set header_cache=""
set message_cachedir=""
set tmpdir="$1"
set crypt_use_gpgme=yes
set crypt_autosign=yes
set crypt_autoencrypt=yes
set crypt_replysign=yes
set crypt_replyencrypt=yes
set crypt_autopgp=yes
set crypt_autosmime=no
set smime_is_default=no
set pgp_sign_as="$2"
set pgp_default_key="$2"
set pgp_self_encrypt=yes
set crypt_confirmhook=no
crypt-hook "$4" "$3"
set crypt_protected_headers_write=$5
set autocrypt=no
set pgp_timeout=0
set sleep_time=0
RC
}

neomutt_compose() {
	nm_atts="" nm_irt="" nm_refs="" nm_to=$NEOMUTT_TO nm_protect=no
	OPTIND=1
	while getopts a:i:r:t:P nm_opt; do
		case $nm_opt in
		a) nm_atts="$nm_atts
$OPTARG" ;;
		i) nm_irt=$OPTARG ;;
		r) nm_refs=$OPTARG ;;
		t) nm_to=$OPTARG ;;
		P) nm_protect=yes ;;
		*) echo "neomutt_compose: bad option" >&2; return 1 ;;
		esac
	done
	shift $((OPTIND - 1))
	if [ $# != 5 ]; then
		echo "neomutt_compose: usage: [-a FILE] [-i MSGID] [-r REFS] [-t ADDR] [-P] NAME FROM SUBJECT BODY OUT" >&2
		return 1
	fi
	nm_name=$1 nm_from=$2 nm_subject=$3 nm_body=$4 nm_out=$5
	case $nm_out in /*) ;; *) nm_out=$(pwd)/$nm_out ;; esac
	nm_home=$(gpg_home "$nm_name")
	nm_fpr=$(fpr_of "$nm_name") || return 1

	gpg_import "$nm_name" "$KEYS/practice.pub" || {
		echo "neomutt_compose: cannot import $KEYS/practice.pub for $nm_name" >&2
		return 1
	}
	nm_pfpr=$(gpg --batch --no-tty --with-colons --show-keys "$KEYS/practice.pub" 2>/dev/null |
		awk -F: '/^fpr:/ { print $10; exit }')
	if [ -z "$nm_pfpr" ]; then
		echo "neomutt_compose: no key in $KEYS/practice.pub" >&2
		return 1
	fi

	# A fresh directory per message: a counter would not do, since every
	# test body is a subshell and starts again from the parent's value.
	nm_w=$(mktemp -d "$NEOMUTT_DIR/nmXXXXXX") || return 1
	nm_sess=${nm_w##*/}
	mkdir -p "$nm_w/folder"
	rm -f "$nm_out"

	# $sendmail: keep the message, and the arguments for diagnosis.
	cat >"$nm_w/sendmail" <<EOF
#!/bin/sh
printf '%s\n' "\$*" >'$nm_w/sendmail.args'
cat >'$nm_out.tmp' && mv '$nm_out.tmp' '$nm_out'
EOF
	chmod +x "$nm_w/sendmail"

	# NeoMutt guesses the type of a file whose extension it does not know
	# from its bytes, and random bytes pass for text/plain often enough
	# (it then re-encodes them, line endings and all).  Binary test data
	# should stay binary: NeoMutt reads ~/.mime.types first, and HOME is
	# this directory for it.
	printf 'application/octet-stream\tbin dat blob raw\n' >"$nm_w/.mime.types"

	nm_domain=${nm_from#*@}
	cat >"$nm_w/neomuttrc" <<EOF
set folder="$nm_w/folder"
set spoolfile=""
set record=""
set postponed="$nm_w/folder/postponed"
set copy=no
set hostname="$nm_domain"
set from="$nm_from"
set realname="$nm_name"
set use_from=yes
set use_envelope_from=no
set sendmail="$nm_w/sendmail"
set sendmail_wait=0
set editor="true"
set edit_headers=no
set autoedit=no
set signature=""
set sig_dashes=no
set abort_unmodified=no
set abort_nosubject=no
set abort_noattach=no
set fast_reply=yes
$(neomutt_crypto_rc "$nm_w" "$nm_fpr" "$nm_pfpr" "$nm_to" "$nm_protect")
EOF

	{
		printf 'From: %s <%s>\n' "$nm_name" "$nm_from"
		printf 'To: %s\n' "$nm_to"
		printf 'Subject: %s\n' "$nm_subject"
		if [ -n "$nm_irt" ]; then
			printf 'In-Reply-To: <%s>\n' "$nm_irt"
			[ -n "$nm_refs" ] || nm_refs="<$nm_irt>"
		fi
		[ -n "$nm_refs" ] && printf 'References: %s\n' "$nm_refs"
		printf '\n%s\n' "$nm_body"
	} >"$nm_w/draft"

	# The command NeoMutt runs under, in the pane.  -a must come last,
	# closed by --, as it takes every argument up to there.
	{
		echo '#!/bin/sh'
		printf 'HOME=%s; GNUPGHOME=%s; export HOME GNUPGHOME\n' "$nm_w" "$nm_home"
		echo 'unset MAIL MAILCHECK MUTT NEOMUTT EMAIL REPLYTO VISUAL EDITOR'
		printf 'cd %s || exit 1\n' "$nm_w"
		printf 'neomutt -n -F %s -H %s' "$nm_w/neomuttrc" "$nm_w/draft"
		if [ -n "$nm_atts" ]; then
			printf ' -a'
			printf '%s\n' "$nm_atts" | while IFS= read -r f; do
				[ -n "$f" ] || continue
				case $f in /*) ;; *) f=$(pwd)/$f ;; esac
				printf " '%s'" "$f"
			done
			printf ' --'
		fi
		printf '\necho $? >%s\n' "$nm_w/status"
	} >"$nm_w/run"
	chmod +x "$nm_w/run"

	neomutt_tmux new-session -d -s "$nm_sess" -x 200 -y 50 "$nm_w/run" || {
		echo "neomutt_compose: cannot start tmux" >&2
		return 1
	}

	nm_pressed=no nm_wrong=0 nm_rc=1
	nm_deadline=$(($(date +%s) + NEOMUTT_TIMEOUT))
	while :; do
		if [ -s "$nm_w/status" ]; then
			nm_rc=0
			break
		fi
		neomutt_tmux capture-pane -p -t "$nm_sess" >"$nm_w/pane" 2>/dev/null || :
		nm_what=$(neomutt_prompt_ "$nm_w/pane")
		# Answer each screen once: until NeoMutt has redrawn after a key,
		# the same prompt is still showing and must not get a second one.
		if [ "$nm_what" != waiting ] && [ -f "$nm_w/pane.answered" ] &&
			cmp -s "$nm_w/pane" "$nm_w/pane.answered"; then
			nm_what=waiting
		fi
		if [ $nm_pressed = yes ] && [ "$nm_what" = compose-ready ]; then
			nm_what=waiting
		fi
		case $nm_what in
		waiting|compose-wrong) ;;
		*)
			cp "$nm_w/pane" "$nm_w/pane.answered"
			neomutt_log_ "$nm_what" "$nm_w"
			;;
		esac
		case $nm_what in
		compose-ready)
			cp "$nm_w/pane" "$nm_w/pane.compose"
			neomutt_tmux send-keys -t "$nm_sess" y
			nm_pressed=yes
			;;
		compose-wrong)
			# Seen on three polls in a row, so not a screen half drawn.
			nm_wrong=$((nm_wrong + 1))
			if [ $nm_wrong -ge 3 ]; then
				echo "neomutt_compose: the compose menu does not say Sign, Encrypt:" >&2
				neomutt_show_ "$nm_w" >&2
				break
			fi
			;;
		confirm-key) neomutt_tmux send-keys -t "$nm_sess" y ;;
		ask-keyid) neomutt_tmux send-keys -t "$nm_sess" "$nm_pfpr" Enter ;;
		pick-key) neomutt_tmux send-keys -t "$nm_sess" Enter ;;
		say-no) neomutt_tmux send-keys -t "$nm_sess" n ;;
		esac
		[ "$nm_what" = compose-wrong ] || nm_wrong=0
		if [ "$(date +%s)" -ge "$nm_deadline" ]; then
			echo "neomutt_compose: NeoMutt did not finish within ${NEOMUTT_TIMEOUT}s (y pressed: $nm_pressed); screen:" >&2
			neomutt_show_ "$nm_w" >&2
			break
		fi
		sleep 0.1
	done
	neomutt_tmux kill-session -t "$nm_sess" 2>/dev/null || :
	[ $nm_rc = 0 ] || return 1

	# The pane of a NeoMutt that exited is blank (it clears the screen), so
	# the compose menu is what is worth showing.
	if [ "$(cat "$nm_w/status")" != 0 ]; then
		echo "neomutt_compose: neomutt exited $(cat "$nm_w/status")" >&2
		neomutt_show_ "$nm_w" >&2
		return 1
	fi
	if [ ! -s "$nm_out" ]; then
		echo "neomutt_compose: neomutt sent nothing to \$sendmail" >&2
		neomutt_show_ "$nm_w" >&2
		return 1
	fi
	return 0
}

# neomutt_show_ DIR: the last screen, the compose menu if it was seen, and
# the prompts answered, for a failure message.
neomutt_show_() {
	grep -v '^ *$' "$1/pane" 2>/dev/null | sed 's/^/| /'
	if [ -f "$1/pane.compose" ] && ! cmp -s "$1/pane" "$1/pane.compose"; then
		echo "compose menu when y was pressed:"
		grep -v '^ *$' "$1/pane.compose" | sed 's/^/| /'
	fi
	if [ -f "$1/actions" ]; then
		echo "answered:"
		sed 's/^/  /' "$1/actions"
	fi
	echo "(NeoMutt's files are in $1)"
}

# neomutt_log_ WHAT DIR: note in DIR/actions what was answered to which
# screen line, for the diagnosis of a failure.
neomutt_log_() {
	printf '%s: %s\n' "$1" "$(grep -v '^ *$' "$2/pane" | tail -n 1)" >>"$2/actions"
}

# neomutt_prompt_ PANEFILE: what the screen asks for, as one word.
neomutt_prompt_() {
	# Prompts sit on the last non-empty line; the compose menu is
	# recognised by its Security: line.
	nm_last=$(grep -v '^ *$' "$1" | tail -n 1)
	case $nm_last in
	*"Use keyID"*|*"really want to use the key"*) echo confirm-key; return ;;
	*"Enter keyID for"*) echo ask-keyid; return ;;
	*"Abort unmodified message"*|*"No subject, abort"*|*"Save (postpone) draft"*) echo say-no; return ;;
	*"Include message in reply"*"/no"*) echo say-no; return ;;
	"Reply to "*"/no"*|"Follow-up to "*"/no"*) echo accept-default; return ;;
	esac
	if grep -q 'keys matching' "$1"; then
		echo pick-key
		return
	fi
	if grep -Eq '^ *Security: +Sign, Encrypt' "$1"; then
		echo compose-ready
		return
	fi
	if grep -Eq '^ *Security:' "$1"; then
		echo compose-wrong
		return
	fi
	echo waiting
}

# neomutt_message_id FILE: the Message-ID of a captured message, without
# angle brackets.
neomutt_message_id() {
	sed -n '/^$/q; s/^[Mm]essage-[Ii][Dd]: *<\(.*\)>.*/\1/p' "$1" | head -n 1
}

# neomutt_decrypt NAME FILE: decrypt the PGP/MIME payload of FILE with
# NAME's keyring (or with the practice home when NAME is "practice" and
# $PRACTICE is set) and print the inner MIME entity; the gpg status lines
# go to FILE.status.
neomutt_decrypt() {
	if [ "$1" = practice ] && [ -n "${PRACTICE:-}" ]; then
		nm_dh=$PRACTICE/gnupg
	else
		nm_dh=$(gpg_home "$1")
	fi
	sed -n '/^-----BEGIN PGP MESSAGE-----/,/^-----END PGP MESSAGE-----/p' "$2" |
		GNUPGHOME=$nm_dh gpg --batch --no-tty --quiet --trust-model always \
			--status-file "$2.status" --decrypt
}

# neomutt_read NAME MESSAGE EXPECT SCREEN
# neomutt_read_and_reply [-P] NAME FROM MESSAGE EXPECT SCREEN REPLY OUT
#
# NAME's NeoMutt opens a maildir holding MESSAGE (a file as a mail system
# would deliver it; CRLF line ends become LF, as a local MTA stores them),
# displays it, decrypting and verifying it with NAME's GnuPG home (which
# learns the practice key here, so that the practice signature verifies),
# and waits until the pager shows every non-empty line of EXPECT on its
# first screen (200x50; nothing is scrolled).  That screen is written to
# SCREEN.  neomutt_read then quits.  A message NeoMutt cannot open, or a
# pager without EXPECT, fails once the screen has stayed the same for
# $NEOMUTT_STALL seconds, and shows it.
#
# neomutt_read_and_reply then presses `r`.  Its $editor (a script, so
# nothing is typed) appends REPLY to the reply's body; include=no, so
# nothing of the original is quoted; no Fcc.  At the compose menu, once
# it says "Security: Sign, Encrypt", `y` sends the reply, signed with
# NAME's key and encrypted to the practice key (pinned with a crypt-hook
# on $NEOMUTT_TO, as neomutt_compose does) and to NAME's own; what NeoMutt
# hands to $sendmail lands in OUT.  Then NeoMutt quits, and must exit 0.
#   -P   write protected headers on the reply (the subject only inside)
#
# As in neomutt_compose, every wait is a bounded poll of the screen
# ($NEOMUTT_TIMEOUT seconds in all), each screen gets at most one key, and
# a failure shows the last screen, the compose menu and the keys pressed.
neomutt_read() {
	if [ $# != 4 ]; then
		echo "neomutt_read: usage: NAME MESSAGE EXPECT SCREEN" >&2
		return 1
	fi
	neomutt_session_ read no "$1" "" "$2" "$3" "$4" "" ""
}

neomutt_read_and_reply() {
	nr_protect=no
	OPTIND=1
	while getopts P nr_opt; do
		case $nr_opt in
		P) nr_protect=yes ;;
		*) echo "neomutt_read_and_reply: bad option" >&2; return 1 ;;
		esac
	done
	shift $((OPTIND - 1))
	if [ $# != 7 ]; then
		echo "neomutt_read_and_reply: usage: [-P] NAME FROM MESSAGE EXPECT SCREEN REPLY OUT" >&2
		return 1
	fi
	neomutt_session_ reply "$nr_protect" "$@"
}

# neomutt_screen_ PANEFILE: like neomutt_prompt_, and for a screen with
# no prompt, which menu it is (by its help line): index, pager or waiting.
neomutt_screen_() {
	ns_what=$(neomutt_prompt_ "$1")
	if [ "$ns_what" != waiting ]; then
		echo "$ns_what"
		return
	fi
	case $(head -n 1 "$1") in
	"i:Exit"*) echo pager ;;
	"q:Quit"*) echo index ;;
	*) echo waiting ;;
	esac
}

# neomutt_has_lines_ PANEFILE TEXT: every non-empty line of TEXT is on
# the screen.
neomutt_has_lines_() {
	printf '%s\n' "$2" | {
		while IFS= read -r nh_line; do
			[ -n "$nh_line" ] || continue
			grep -qF -- "$nh_line" "$1" || return 1
		done
		return 0
	}
}

# neomutt_session_ MODE PROTECT NAME FROM MESSAGE EXPECT SCREEN REPLY OUT
neomutt_session_() {
	ns_mode=$1 ns_protect=$2 ns_name=$3 ns_from=$4 ns_msg=$5 ns_expect=$6
	ns_screen=$7 ns_reply=$8 ns_out=$9
	ns_fn=neomutt_read
	[ "$ns_mode" = reply ] && ns_fn=neomutt_read_and_reply
	case $ns_screen in /*) ;; *) ns_screen=$(pwd)/$ns_screen ;; esac
	case $ns_msg in /*) ;; *) ns_msg=$(pwd)/$ns_msg ;; esac
	if [ -n "$ns_out" ]; then
		case $ns_out in /*) ;; *) ns_out=$(pwd)/$ns_out ;; esac
	fi
	if [ ! -s "$ns_msg" ]; then
		echo "$ns_fn: no message in $ns_msg" >&2
		return 1
	fi
	if [ -z "$(printf '%s' "$ns_expect" | tr -d ' \n')" ]; then
		echo "$ns_fn: nothing to expect on the screen" >&2
		return 1
	fi
	ns_home=$(gpg_home "$ns_name")
	ns_fpr=$(fpr_of "$ns_name") || return 1
	gpg_import "$ns_name" "$KEYS/practice.pub" || {
		echo "$ns_fn: cannot import $KEYS/practice.pub for $ns_name" >&2
		return 1
	}
	ns_pfpr=$(gpg --batch --no-tty --with-colons --show-keys "$KEYS/practice.pub" 2>/dev/null |
		awk -F: '/^fpr:/ { print $10; exit }')
	if [ -z "$ns_pfpr" ]; then
		echo "$ns_fn: no key in $KEYS/practice.pub" >&2
		return 1
	fi

	ns_w=$(mktemp -d "$NEOMUTT_DIR/nrXXXXXX") || return 1
	ns_sess=${ns_w##*/}
	mkdir -p "$ns_w/mail/cur" "$ns_w/mail/new" "$ns_w/mail/tmp" || return 1
	# What a local MTA would have stored: LF line ends.
	sed 's/\r$//' "$ns_msg" >"$ns_w/mail/new/1.eml" || return 1
	rm -f "$ns_screen"
	[ -n "$ns_out" ] && rm -f "$ns_out"

	if [ "$ns_mode" = reply ]; then
		printf '%s\n' "$ns_reply" >"$ns_w/reply.txt"
		cat >"$ns_w/sendmail" <<EOF
#!/bin/sh
printf '%s\n' "\$*" >'$ns_w/sendmail.args'
cat >'$ns_out.tmp' && mv '$ns_out.tmp' '$ns_out'
EOF
	else
		# Reading only: anything handed to \$sendmail is a failure.
		cat >"$ns_w/sendmail" <<EOF
#!/bin/sh
cat >'$ns_w/unexpected.eml'
exit 1
EOF
	fi
	chmod +x "$ns_w/sendmail"
	# The editor the reply is written with: appends the text, asks nothing.
	cat >"$ns_w/editor" <<EOF
#!/bin/sh
cat '$ns_w/reply.txt' >>"\$1"
EOF
	chmod +x "$ns_w/editor"

	ns_domain=${ns_from#*@}
	[ -n "$ns_domain" ] || ns_domain=localhost
	cat >"$ns_w/neomuttrc" <<EOF
set folder="$ns_w/mail"
set spoolfile="$ns_w/mail"
set mbox_type=Maildir
set record=""
set postponed="$ns_w/postponed"
set copy=no
set move=no
set quit=yes
set delete=no
set mark_old=no
set hostname="$ns_domain"
EOF
	if [ -n "$ns_from" ]; then
		printf 'set from="%s"\nset realname="%s"\nset use_from=yes\n' \
			"$ns_from" "$ns_name" >>"$ns_w/neomuttrc"
	fi
	cat >>"$ns_w/neomuttrc" <<EOF
set use_envelope_from=no
set sendmail="$ns_w/sendmail"
set sendmail_wait=0
set editor="$ns_w/editor"
set edit_headers=no
set autoedit=no
set include=no
set fast_reply=yes
set reply_to=yes
set signature=""
set sig_dashes=no
set abort_unmodified=no
set abort_nosubject=no
set abort_noattach=no
set help=yes
set wait_key=no
set crypt_verify_sig=yes
set crypt_protected_headers_read=yes
$(neomutt_crypto_rc "$ns_w" "$ns_fpr" "$ns_pfpr" "$NEOMUTT_TO" "$ns_protect")
EOF

	{
		echo '#!/bin/sh'
		printf 'HOME=%s; GNUPGHOME=%s; export HOME GNUPGHOME\n' "$ns_w" "$ns_home"
		echo 'unset MAIL MAILCHECK MUTT NEOMUTT EMAIL REPLYTO VISUAL EDITOR'
		printf 'cd %s || exit 1\n' "$ns_w"
		printf 'neomutt -n -F %s -f %s\n' "$ns_w/neomuttrc" "$ns_w/mail"
		printf 'echo $? >%s\n' "$ns_w/status"
	} >"$ns_w/run"
	chmod +x "$ns_w/run"

	neomutt_tmux new-session -d -s "$ns_sess" -x 200 -y 50 "$ns_w/run" || {
		echo "$ns_fn: cannot start tmux" >&2
		return 1
	}

	# opened: Enter pressed in the index; seen: EXPECT was on the pager;
	# replied: r pressed; sent: y pressed at the compose menu; done: what
	# there was to do is done, q leaves pager and index.
	ns_opened=no ns_seen=no ns_replied=no ns_sent=no ns_done=no
	ns_wrong=0 ns_stale=0 ns_changed=$(date +%s) ns_rc=1
	ns_deadline=$(($(date +%s) + NEOMUTT_TIMEOUT))
	rm -f "$ns_w/pane.answered"
	while :; do
		if [ -s "$ns_w/status" ]; then
			ns_rc=0
			break
		fi
		neomutt_tmux capture-pane -p -t "$ns_sess" >"$ns_w/pane" 2>/dev/null || :
		ns_what=$(neomutt_screen_ "$ns_w/pane")
		# One key per screen: until NeoMutt redraws, the screen a key was
		# sent to is still showing and must not get a second one.
		if [ "$ns_what" != waiting ] && [ -f "$ns_w/pane.answered" ] &&
			cmp -s "$ns_w/pane" "$ns_w/pane.answered"; then
			ns_what=waiting
		fi
		# How long the screen has not changed.
		if [ -f "$ns_w/pane.last" ] && cmp -s "$ns_w/pane" "$ns_w/pane.last"; then
			ns_stale=$(($(date +%s) - ns_changed))
		else
			ns_changed=$(date +%s) ns_stale=0
			cp "$ns_w/pane" "$ns_w/pane.last"
		fi
		ns_key=""
		case $ns_what in
		index)
			if [ $ns_opened = no ]; then
				ns_key=Enter ns_opened=yes
			elif [ $ns_done = yes ]; then
				ns_key=q
			elif [ $ns_seen = no ] && [ $ns_stale -ge "$NEOMUTT_STALL" ]; then
				# Enter was taken, and the index stayed: NeoMutt could
				# not open the message (it says why on the last line).
				echo "$ns_fn: NeoMutt did not display the message:" >&2
				neomutt_show_ "$ns_w" >&2
				break
			fi
			;;
		pager)
			if [ $ns_seen = no ]; then
				if neomutt_has_lines_ "$ns_w/pane" "$ns_expect"; then
					ns_seen=yes
					cp "$ns_w/pane" "$ns_screen"
					if [ "$ns_mode" = reply ]; then
						ns_key=r ns_replied=yes
					else
						ns_key=q ns_done=yes
					fi
				elif [ $ns_stale -ge "$NEOMUTT_STALL" ]; then
					# The pager is drawn once the message is decrypted:
					# a pager that stays without EXPECT will not get it.
					echo "$ns_fn: the message does not show what was expected:" >&2
					printf '%s\n' "$ns_expect" | sed 's/^/  > /' >&2
					neomutt_show_ "$ns_w" >&2
					break
				fi
			elif [ $ns_sent = yes ] && [ $ns_done = no ] && [ -s "$ns_out" ]; then
				ns_done=yes ns_key=q
			elif [ $ns_done = yes ]; then
				ns_key=q
			fi
			;;
		compose-ready)
			if [ $ns_replied = yes ] && [ $ns_sent = no ]; then
				cp "$ns_w/pane" "$ns_w/pane.compose"
				ns_key=y ns_sent=yes
			fi
			;;
		compose-wrong)
			ns_wrong=$((ns_wrong + 1))
			if [ $ns_wrong -ge 3 ]; then
				cp "$ns_w/pane" "$ns_w/pane.compose"
				echo "$ns_fn: the compose menu does not say Sign, Encrypt:" >&2
				neomutt_show_ "$ns_w" >&2
				break
			fi
			;;
		confirm-key) ns_key=y ;;
		ask-keyid) ns_key="$ns_pfpr Enter" ;;
		pick-key|accept-default) ns_key=Enter ;;
		say-no) ns_key=n ;;
		esac
		[ "$ns_what" = compose-wrong ] || ns_wrong=0
		if [ -n "$ns_key" ]; then
			cp "$ns_w/pane" "$ns_w/pane.answered"
			neomutt_log_ "$ns_what: $ns_key" "$ns_w"
			# shellcheck disable=SC2086 # "KEYID Enter" is two keys
			neomutt_tmux send-keys -t "$ns_sess" $ns_key
		fi
		if [ "$(date +%s)" -ge "$ns_deadline" ]; then
			echo "$ns_fn: NeoMutt did not finish within ${NEOMUTT_TIMEOUT}s (opened: $ns_opened, seen: $ns_seen, replied: $ns_replied, sent: $ns_sent); screen:" >&2
			neomutt_show_ "$ns_w" >&2
			break
		fi
		sleep 0.1
	done
	neomutt_tmux kill-session -t "$ns_sess" 2>/dev/null || :
	[ $ns_rc = 0 ] || return 1

	if [ "$(cat "$ns_w/status")" != 0 ]; then
		echo "$ns_fn: neomutt exited $(cat "$ns_w/status")" >&2
		neomutt_show_ "$ns_w" >&2
		return 1
	fi
	if [ $ns_seen = no ]; then
		echo "$ns_fn: neomutt quit before the message was shown" >&2
		neomutt_show_ "$ns_w" >&2
		return 1
	fi
	if [ -e "$ns_w/unexpected.eml" ]; then
		echo "$ns_fn: neomutt sent mail while only reading" >&2
		return 1
	fi
	if [ "$ns_mode" = reply ] && [ ! -s "$ns_out" ]; then
		echo "$ns_fn: neomutt sent nothing to \$sendmail" >&2
		neomutt_show_ "$ns_w" >&2
		return 1
	fi
	return 0
}
