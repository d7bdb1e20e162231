#!/bin/bash
# The practice keyring's gpg.conf: Confidant keeps its own up to date,
# with the practice key as gpg's local-user (so that signing costs no key
# listing), and leaves an admin's alone.  Whatever gpg.conf says, mail
# leaves signed by the practice key alone, or not at all.
. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIR/lib-gpg.sh"
. "$TEST_DIR/lib-relay.sh"

CONF=$PRACTICE/gnupg/gpg.conf

# entry NAME: delivers a new entry by alice; the exit code is deliver's.
entry() {
	compose_entry alice alice@client.example "Entry $1" "words of $1" "$1@client.example" >"$1.eml" &&
	confidant deliver <"$1.eml"
}

# signed_by_practice_only FILE: the therapist reads FILE, and it carries
# one signature, the practice key's.
signed_by_practice_only() {
	armor_of "$1" >sig.asc &&
	gpg_as thera --status-file status --decrypt sig.asc >/dev/null 2>&1 &&
	grep -q "VALIDSIG .* $(cat "$TRASH/practice.fpr")$" status &&
	test "$(grep -c "NEWSIG" status)" = 1
}

test_expect_success 'setup: a practice, a therapist and a client, a capturing sendmail' '
	setup_practice thera alice &&
	gpg_import thera "$KEYS/practice.pub" &&
	use_capture_sendmail &&
	confidant config acknowledge no
'

test_expect_success 'gpg.conf is Confidant'"'"'s, the practice key its local-user, mode 600' '
	entry e1 &&
	head -n 1 "$CONF" | grep -q "^# Written by Confidant" &&
	grep -qx "no-random-seed-file" "$CONF" &&
	grep -qx "local-user $(cat "$TRASH/practice.fpr")" "$CONF" &&
	test "$(stat -c %a "$CONF")" = 600 &&
	signed_by_practice_only "$(sent_file 1)"
'

test_expect_success 'a gpg.conf from an older Confidant is brought up to date' '
	printf "# Written by Confidant, which runs gpg once for every message: without\nno-random-seed-file\n" >"$CONF" &&
	entry e2 &&
	grep -qx "local-user $(cat "$TRASH/practice.fpr")" "$CONF" &&
	test "$(stat -c %a "$CONF")" = 600 &&
	signed_by_practice_only "$(sent_file 2)"
'

test_expect_success 'a second secret key in the practice keyring' '
	GNUPGHOME=$PRACTICE/gnupg gpg --batch --quiet --passphrase "" \
		--quick-generate-key "Other <other@clinic.example>" future-default default never 2>/dev/null &&
	GNUPGHOME=$PRACTICE/gnupg gpg --batch --with-colons --list-secret-keys other@clinic.example |
		awk -F: "/^fpr:/ { print \$10; exit }" >other.fpr &&
	test -s other.fpr
'

test_expect_success 'Confidant'"'"'s gpg.conf naming another key is put right' '
	printf "# Written by Confidant\nlocal-user %s\n" "$(cat other.fpr)" >"$CONF" &&
	entry e3 &&
	grep -qx "local-user $(cat "$TRASH/practice.fpr")" "$CONF" &&
	! grep -q "$(cat other.fpr)" "$CONF" &&
	signed_by_practice_only "$(sent_file 3)"
'

test_expect_success 'an admin'"'"'s gpg.conf is left alone; mail is signed by the practice key alone' '
	printf "# mine\nno-random-seed-file\n" >"$CONF" && cp "$CONF" mine &&
	entry e4 && test_cmp mine "$CONF" &&
	signed_by_practice_only "$(sent_file 4)" &&
	printf "# mine\ndefault-key %s\n" "$(cat other.fpr)" >"$CONF" && cp "$CONF" mine &&
	entry e5 && test_cmp mine "$CONF" &&
	test "$(sent_count)" = 5 &&
	signed_by_practice_only "$(sent_file 5)" &&
	printf "# mine\ndefault-key %s\n" "$(cat "$TRASH/practice.fpr")" >"$CONF" &&
	entry e5b && test "$(sent_count)" = 6 &&
	signed_by_practice_only "$(sent_file 6)"
'

test_expect_success 'local-user naming another key: exit 75, nothing sent, and the retry goes through' '
	printf "# mine\nlocal-user %s\n" "$(cat other.fpr)" >"$CONF" &&
	test_expect_code 75 entry e6 2>err &&
	grep -q "it made 2 signatures: check local-user and default-key" err &&
	test "$(sent_count)" = 6 &&
	test "$(confidant journal alice --json | python3 -c "import json,sys; print(len(json.load(sys.stdin)))")" = 6 &&
	rm "$CONF" &&
	confidant deliver <e6.eml &&
	test "$(sent_count)" = 7 &&
	signed_by_practice_only "$(sent_file 7)" &&
	grep -qx "local-user $(cat "$TRASH/practice.fpr")" "$CONF"
'

test_done
