#!/bin/bash
# deliver logs one line per message to syslog, facility mail: the handle or
# the quarantine reason and the Message-ID, never content.
. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIR/lib-gpg.sh"

SHIM=$TEST_BUILDDIR/tests/shim-syslog.so
[ -f "$SHIM" ] || skip_all "the syslog shim is not built (make check builds it)"
LOG=$TRASH/syslog.txt
CANARY=Zeisig4Kq8Vw

deliver_logged() {
	# An AddressSanitizer build wants to be first; the shim only replaces syslog.
	SHIM_SYSLOG_FILE=$LOG LD_PRELOAD=$SHIM ASAN_OPTIONS=verify_asan_link_order=0 \
		"$CONFIDANT" deliver "$@"
}

test_expect_success 'setup' '
	setup_practice thera alice
'

test_expect_success 'a stored entry: one line, facility mail, handle and Message-ID' '
	compose_entry alice alice@client.example "Subj $CANARY" "Body $CANARY" log1@client.example >m1.eml &&
	deliver_logged <m1.eml &&
	test "$(wc -l <"$LOG")" = 1 &&
	grep -q "^mail 6 confidant: stored: client=alice entry=1 message-id=<log1@client.example>" "$LOG" &&
	! grep -q "$CANARY" "$LOG"
'

test_expect_success 'a quarantined message: one line with the reason, no content' '
	printf "From: alice@client.example\r\nSubject: %s\r\nMessage-ID: <log2@x>\r\n\r\n%s\r\n" "$CANARY" "$CANARY" >m2.eml &&
	deliver_logged <m2.eml &&
	test "$(wc -l <"$LOG")" = 2 &&
	tail -n 1 "$LOG" | grep -q "^mail 6 confidant: quarantined: reason=not-encrypted id=1 message-id=<log2@x>" &&
	! grep -q "$CANARY" "$LOG"
'

test_expect_success 'a duplicate is logged as such' '
	deliver_logged <m1.eml &&
	tail -n 1 "$LOG" | grep -q "^mail 6 confidant: duplicate: message-id=<log1@client.example>"
'

test_expect_success 'a Message-ID with control characters is logged made safe' '
	printf "From: alice@client.example\r\nSubject: x\r\nMessage-ID: <a\033[31mb@x>\r\n\r\nx\r\n" >m3.eml &&
	deliver_logged <m3.eml &&
	! grep -q "$(printf "\033")" "$LOG"
'

test_expect_success 'a temporary failure is logged at error priority' '
	GNUPGHOME=$PRACTICE/gnupg gpgconf --kill all &&
	echo "agent-program /nonexistent/gpg-agent" >"$PRACTICE/gnupg/gpg.conf" &&
	compose_entry alice alice@client.example "T" "t" log4@client.example >m4.eml &&
	test_expect_code 75 deliver_logged <m4.eml 2>/dev/null &&
	rm "$PRACTICE/gnupg/gpg.conf" &&
	tail -n 1 "$LOG" | grep -q "^mail 3 confidant: temporary failure: "
'

test_done
