#!/bin/bash
# The practice keyring's gpg.conf: Confidant keeps its own up to date,
# with the practice key as gpg's local-user (so that signing costs no key
# listing), and leaves an admin's alone.  Whatever gpg.conf says, mail
# leaves signed by the practice key alone, or not at all.
. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIR/lib-gpg.sh"
. "$TEST_DIR/lib-relay.sh"

CONF=$PRACTICE/gnupg/gpg.conf

# entry NAME: delivers a new entry by alice, which sends one notification;
# the exit code is deliver's.
entry() {
	compose_entry alice alice@client.example "Entry $1" "words of $1" "$1@client.example" >"$1.eml" &&
	confidant deliver <"$1.eml"
}

# last_signed_by_practice_only: the therapist reads the last mail sent,
# and it carries one signature, the practice key's.
last_signed_by_practice_only() {
	armor_of "$(sent_file "$(sent_count)")" >sig.asc &&
	gpg_as thera --status-file status --decrypt sig.asc >/dev/null 2>&1 &&
	grep -q "VALIDSIG .* $(cat "$TRASH/practice.fpr")$" status &&
	test "$(grep -c "NEWSIG" status)" = 1
}

# ours: whether gpg.conf is Confidant's, naming the practice key.
ours() {
	head -n 1 "$CONF" | grep -q "^# Written by Confidant, and rewritten while this line stays first" &&
	grep -qx "no-random-seed-file" "$CONF" &&
	grep -qx "local-user $(cat "$TRASH/practice.fpr")" "$CONF" &&
	test "$(grep -c "^local-user" "$CONF")" = 1 &&
	test "$(stat -c %a "$CONF")" = 600 && test ! -L "$CONF"
}

# The file older Confidants wrote, exactly.
old_conf() {
	printf "%s\n" "# Written by Confidant, which runs gpg once for every message: without" \
		"# a random seed file each gpg starts sooner, and two never wait for each" \
		"# other's lock on it (libgcrypt seeds from the kernel)." "no-random-seed-file"
}

test_expect_success 'setup: a practice, a therapist and a client, a capturing sendmail' '
	setup_practice thera alice &&
	gpg_import thera "$KEYS/practice.pub" &&
	use_capture_sendmail &&
	confidant config acknowledge no
'

test_expect_success 'gpg.conf is Confidant'"'"'s, the practice key its local-user, mode 600' '
	entry e1 && ours && test "$(sent_count)" = 1 &&
	last_signed_by_practice_only &&
	cp "$CONF" "$TRASH/confidant.conf.copy"
'

test_expect_success 'an older Confidant'"'"'s gpg.conf, changed by the admin, is left alone' '
	{ old_conf && echo "keyserver hkps://keys.example.org"; } >"$CONF" && cp "$CONF" mine &&
	entry e2 && test_cmp mine "$CONF" &&
	test "$(sent_count)" = 2 && last_signed_by_practice_only
'

test_expect_success 'an older Confidant'"'"'s gpg.conf, as it wrote it, is brought up to date' '
	old_conf >"$CONF" &&
	entry e3 && ours &&
	test "$(sent_count)" = 3 && last_signed_by_practice_only
'

test_expect_success 'a second secret key in the practice keyring' '
	GNUPGHOME=$PRACTICE/gnupg gpg --batch --quiet --passphrase "" \
		--quick-generate-key "Other <other@clinic.example>" future-default default never 2>/dev/null &&
	GNUPGHOME=$PRACTICE/gnupg gpg --batch --with-colons --list-secret-keys other@clinic.example |
		awk -F: "/^fpr:/ { print \$10; exit }" >other.fpr &&
	test -s other.fpr
'

test_expect_success 'Confidant'"'"'s gpg.conf naming another key is put right' '
	{ head -n 1 confidant.conf.copy && printf "local-user %s\n" "$(cat other.fpr)"; } >"$CONF" &&
	entry e4 && ours && ! grep -q "$(cat other.fpr)" "$CONF" &&
	test "$(sent_count)" = 4 && last_signed_by_practice_only
'

test_expect_success 'an admin'"'"'s gpg.conf is left alone; mail is signed by the practice key alone' '
	printf "# mine\nno-random-seed-file\n" >"$CONF" && cp "$CONF" mine &&
	entry e5 && test_cmp mine "$CONF" &&
	test "$(sent_count)" = 5 && last_signed_by_practice_only &&
	printf "# mine\ndefault-key %s\n" "$(cat other.fpr)" >"$CONF" && cp "$CONF" mine &&
	entry e6 && test_cmp mine "$CONF" &&
	test "$(sent_count)" = 6 && last_signed_by_practice_only &&
	printf "# mine\ndefault-key %s\n" "$(cat "$TRASH/practice.fpr")" >"$CONF" &&
	entry e7 && test "$(sent_count)" = 7 && last_signed_by_practice_only
'

test_expect_success 'a gpg.conf that is a symbolic link stays one, its target untouched' '
	{ cat confidant.conf.copy && echo "keyserver hkps://keys.example.org"; } >linked.conf &&
	cp linked.conf want && rm "$CONF" && ln -s "$TRASH/linked.conf" "$CONF" &&
	entry e8 && test -L "$CONF" && test_cmp want linked.conf &&
	test "$(sent_count)" = 8 && last_signed_by_practice_only &&
	rm "$CONF"
'

test_expect_success 'local-user naming another key: exit 75, nothing sent, and the retry goes through' '
	printf "# mine\nlocal-user %s\n" "$(cat other.fpr)" >"$CONF" &&
	test_expect_code 75 entry e9 2>err &&
	grep -q "it made 2 signatures: check local-user and default-key" err &&
	test "$(sent_count)" = 8 &&
	test "$(confidant journal alice --json | python3 -c "import json,sys; print(len(json.load(sys.stdin)))")" = 8 &&
	rm "$CONF" &&
	confidant deliver <e9.eml && ours &&
	test "$(sent_count)" = 9 && last_signed_by_practice_only
'

test_expect_success 'encrypt-to in an admin'"'"'s gpg.conf adds no reader' '
	printf "# mine\nencrypt-to %s\n" "$(cat other.fpr)" >"$CONF" &&
	entry e10 && test "$(sent_count)" = 10 && last_signed_by_practice_only &&
	recipients_of "$(sent_file 10)" >got && enc_keyid thera >want && test_cmp want got &&
	rm "$CONF"
'

test_done
