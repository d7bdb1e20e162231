#!/bin/bash
# Paths the operator gives are hostile.  Played as the attack: a second
# unprivileged user plants a link, a FIFO or a file of their own in a
# directory they own (not a sticky /tmp, so the kernel's
# protected_symlinks plays no part), root runs the command as the README
# says, and the practice's secret key, confidant.conf and the records
# stay where they are, unchanged, and nothing of theirs leaves the home.
TEST_NEEDS_ROOT=1
. "$(dirname "$0")/test-lib.sh"
[ "$(id -u)" = 0 ] || skip_all "needs root to play the operator and a second user"
command -v setpriv >/dev/null 2>&1 || skip_all "setpriv (util-linux) is missing"
test_user_ensure || skip_all "cannot create the test user $TEST_USER"
ATTACKER=cfattack
id "$ATTACKER" >/dev/null 2>&1 ||
	useradd -r -M -d /nonexistent -s /usr/sbin/nologin "$ATTACKER" >/dev/null 2>&1 ||
	skip_all "cannot create the attacker user $ATTACKER"
. "$TEST_DIR/lib-gpg.sh"
. "$TEST_DIR/lib-relay.sh"

mkdir -p "$TRASH/bin" && cp "$CONFIDANT" "$TRASH/bin/confidant" && chmod 755 "$TRASH" "$TRASH/bin"
as_user() {
	setpriv --reuid="$TEST_USER" --regid="$TEST_USER" --clear-groups \
		env HOME="$TRASH/uhome" "$TRASH/bin/confidant" "$@"
}
as_attacker() { setpriv --reuid="$ATTACKER" --regid="$ATTACKER" --clear-groups "$@"; }
rows() { db_query "$PRACTICE" "SELECT count(*) FROM $1"; }

# What the attacks aim at, fingerprinted before and compared after.
secrets_sum() {
	(cd "$PRACTICE" && sha256sum confidant.conf gnupg/private-keys-v1.d/* && sqlite3 confidant.db \
		"SELECT count(*), sum(length(content)) FROM entries; SELECT count(*) FROM outbox")
}
unchanged() { secrets_sum >now.sum && cmp before.sum now.sum; }
secret_key() { ls "$PRACTICE"/gnupg/private-keys-v1.d/*.key | head -n 1; }

test_expect_success 'setup: a practice owned by its user, an entry with an attachment, a shared folder of the attacker' '
	setup_practice thera alice &&
	use_capture_sendmail &&
	printf "scan of a letter" >letter.bin &&
	compose_entry alice alice@client.example "Att" "see attached" "e1@client.example" letter.bin >e1.eml &&
	gpg_kill_agents &&
	mkdir -p uhome && chown -R "$TEST_USER:" "$PRACTICE" uhome "$SENT_DIR" &&
	chmod -R a+rX "$KEYS" "$GPG_ROOT" &&
	as_user deliver <e1.eml && test "$(rows entries)" = 1 &&
	mkdir -m 755 shared && chown "$ATTACKER:" shared &&
	ATT=$(db_query "$PRACTICE" "SELECT id FROM attachments LIMIT 1") && test -n "$ATT" &&
	echo "$ATT" >att.id &&
	secrets_sum >before.sum
'

test_expect_success 'reply --attach through a link planted at the secret key: refused, nothing stored or sent' '
	as_attacker ln -s "$(secret_key)" shared/notes.pdf &&
	sent=$(sent_count) &&
	echo "see the notes" | test_expect_code 65 confidant reply alice --attach shared/notes.pdf 2>err &&
	grep -q "cannot read attachment .shared/notes.pdf.: it is a symbolic link" err &&
	unchanged && test "$(sent_count)" = "$sent"
'

test_expect_success 'reply --attach through a planted link to the home as a directory: refused as inside the home' '
	as_attacker ln -s "$PRACTICE/gnupg" shared/dir &&
	k=$(basename "$(secret_key)") &&
	echo "notes" | test_expect_code 65 confidant reply alice --attach "shared/dir/private-keys-v1.d/$k" 2>err &&
	grep -q "it is inside the practice home" err &&
	echo "notes" | test_expect_code 65 confidant reply alice --attach "$PRACTICE/confidant.conf" 2>err &&
	grep -q "inside the practice home" err &&
	unchanged
'

test_expect_success 'a FIFO, a device and a directory are refused at once, never read' '
	as_attacker mkfifo shared/fifo &&
	echo x | test_expect_code 65 timeout 20 "$CONFIDANT" reply alice --attach shared/fifo 2>err &&
	grep -q "it is a FIFO, not a regular file" err &&
	echo x | test_expect_code 65 timeout 20 "$CONFIDANT" reply alice --attach /dev/zero 2>err &&
	grep -q "it is a device" err &&
	echo x | test_expect_code 65 confidant reply alice --attach shared 2>err &&
	grep -q "it is a directory" err &&
	test_expect_code 65 timeout 20 "$CONFIDANT" client add bob --email bob@client.example \
		--key shared/fifo --therapist thera 2>err &&
	grep -q "cannot read key .shared/fifo.: it is a FIFO" err &&
	unchanged
'

test_expect_success 'a file over the limit is refused by its size before it is read' '
	as_user config max_message_size 1K &&
	as_attacker sh -c "head -c 5000 /dev/zero >shared/big.bin" &&
	echo x | test_expect_code 65 confidant reply alice --attach shared/big.bin 2>err &&
	grep -q "larger than max_message_size (5000 bytes)" err &&
	as_user config max_message_size 50M && secrets_sum >before.sum
'

test_expect_success 'the operator'\''s files are read as the operator: root attaches a file only root can read' '
	mkdir -m 700 rootonly && printf "root-only summary" >rootonly/summary.txt && chmod 600 rootonly/summary.txt &&
	sent=$(sent_count) &&
	echo "the summary we spoke of" | confidant reply alice --attach rootonly/summary.txt >out &&
	grep -q "stored as entry" out && test "$(sent_count)" = $((sent + 1)) &&
	decrypt_as alice "$(sent_file $((sent + 1)))" >plain &&
	grep -q "cm9vdC1vbmx5IHN1bW1hcnk=" plain &&
	secrets_sum >before.sum
'

test_expect_success 'client add --key through a planted link, and init --import-key through one: refused' '
	as_attacker ln -s "$(secret_key)" shared/bob.asc &&
	test_expect_code 65 confidant client add bob --email bob@client.example --key shared/bob.asc \
		--therapist thera 2>err &&
	grep -q "cannot read key .shared/bob.asc.: it is a symbolic link" err &&
	test "$(rows clients)" = 1 &&
	mkdir -m 755 newhome && chown "$TEST_USER:" newhome &&
	test_expect_code 65 confidant -H "$TRASH/newhome" init --address n@clinic.example \
		--import-key shared/bob.asc 2>err &&
	grep -q "symbolic link" err && test -z "$(ls -A newhome)" &&
	unchanged
'

test_expect_success 'attachment -o and export -o onto a link planted at confidant.conf: refused, --force too' '
	as_attacker ln -s "$PRACTICE/confidant.conf" shared/out.bin &&
	test_expect_code 73 confidant attachment "$(cat att.id)" -o shared/out.bin 2>err &&
	grep -q "cannot create .shared/out.bin.: it exists already" err &&
	test_expect_code 73 confidant attachment "$(cat att.id)" -o shared/out.bin --force 2>err &&
	grep -q "it is a symbolic link, which Confidant never writes through" err &&
	test_expect_code 73 confidant export alice -o shared/out.bin --force 2>err &&
	grep -q "symbolic link" err &&
	as_attacker ln -s "$PRACTICE/gnupg/private-keys-v1.d/planted.key" shared/dangling &&
	test_expect_code 73 confidant export alice -o shared/dangling 2>err &&
	test ! -e "$PRACTICE/gnupg/private-keys-v1.d/planted.key" &&
	unchanged
'

test_expect_success 'export -o onto a file the attacker made 0666 beforehand: refused, the clear text never lands there' '
	as_attacker sh -c ": >shared/export.json && chmod 666 shared/export.json" &&
	test_expect_code 73 confidant export alice -o shared/export.json 2>err &&
	grep -q "exists already" err &&
	test_expect_code 73 confidant export alice -o shared/export.json --force 2>err &&
	grep -q "it belongs to another user" err &&
	test ! -s shared/export.json && test "$(stat -c %U shared/export.json)" = "$ATTACKER" &&
	unchanged
'

test_expect_success 'export -o into the home, directly or through a planted link to it: refused' '
	test_expect_code 73 confidant export alice -o "$PRACTICE/alice.json" 2>err &&
	grep -q "inside the practice home" err && test ! -e "$PRACTICE/alice.json" &&
	as_attacker ln -s "$PRACTICE" shared/h &&
	test_expect_code 73 confidant export alice -o shared/h/alice.json 2>err &&
	grep -q "inside the practice home" err && test ! -e "$PRACTICE/alice.json" &&
	test_expect_code 73 confidant key -o "$PRACTICE/spool/k.asc" 2>err && test ! -e "$PRACTICE/spool/k.asc" &&
	unchanged
'

test_expect_success 'export -o into the attacker'\''s folder: a new file, root'\''s own, 0600, unreadable to them' '
	confidant export alice -o shared/mine.json &&
	test "$(stat -c %U:%a shared/mine.json)" = root:600 &&
	grep -q "see attached" shared/mine.json &&
	test_must_fail as_attacker cat shared/mine.json >/dev/null 2>&1
'

test_expect_success '--force replaces the operator'\''s own file, never one with a second name' '
	confidant key -o own.asc && test_expect_code 73 confidant key -o own.asc 2>err &&
	grep -q "give --force" err &&
	echo old >own.asc && chmod 644 own.asc &&
	confidant key -o own.asc --force && grep -q "BEGIN PGP PUBLIC KEY" own.asc &&
	test "$(stat -c %a own.asc)" = 600 &&
	ln own.asc own2.asc &&
	test_expect_code 73 confidant key -o own.asc --force 2>err && grep -q "hard links" err &&
	confidant key -o - | grep -q "BEGIN PGP PUBLIC KEY"
'

test_expect_success 'a command that fails leaves no file behind, even where only root may remove it' '
	test_expect_code 66 confidant export nobody -o rootonly/nobody.json 2>err &&
	grep -q "no client" err && test ! -e rootonly/nobody.json &&
	test_expect_code 66 confidant attachment 9999 -o rootonly/none.bin 2>/dev/null &&
	test ! -e rootonly/none.bin &&
	confidant attachment "$(cat att.id)" -o rootonly/letter.bin && cmp letter.bin rootonly/letter.bin &&
	test "$(stat -c %U:%a rootonly/letter.bin)" = root:600
'

test_expect_success 'the practice user running the command is held to the same rules' '
	chmod 755 rootonly && ln -s "$(secret_key)" rootonly/link.pdf &&
	echo x | test_expect_code 65 as_user reply alice --attach "$TRASH/rootonly/link.pdf" 2>err &&
	grep -q "symbolic link" err &&
	test_expect_code 73 as_user export alice -o "$PRACTICE/x.json" 2>err &&
	grep -q "inside the practice home" err &&
	unchanged &&
	test -z "$(find "$PRACTICE" ! -user "$TEST_USER" -print)"
'

test_expect_success 'boundaries_file in a shared folder swapped for a link to the secret key: the client never gets the key' '
	as_attacker sh -c "echo \"This channel is not for emergencies.\" >shared/boundaries.txt" &&
	confidant config boundaries_file "$TRASH/shared/boundaries.txt" &&
	echo "an answer" | confidant reply alice >/dev/null &&
	compose_entry alice alice@client.example "Four" "fourth words" "e4@client.example" >e4.eml && chmod 644 e4.eml &&
	sent=$(sent_count) &&
	as_user deliver <e4.eml &&
	for n in $(seq $((sent + 1)) $(sent_count)); do decrypt_as alice "$(sent_file $n)" || :; done >acks &&
	grep -q "was received" acks && grep -q "not for emergencies" acks &&
	echo "another answer" | confidant reply alice >/dev/null &&
	as_attacker sh -c "rm shared/boundaries.txt && ln -s \"$(secret_key)\" shared/boundaries.txt" &&
	compose_entry alice alice@client.example "Five" "fifth words" "e5@client.example" >e5.eml && chmod 644 e5.eml &&
	sent=$(sent_count) &&
	as_user deliver <e5.eml && test "$(sent_count)" -gt "$sent" &&
	for n in $(seq $((sent + 1)) $(sent_count)); do
		decrypt_as alice "$(sent_file $n)" || :
		decrypt_as thera "$(sent_file $n)" || :
	done >after &&
	grep -q "was received" after && grep -q "fifth words" after &&
	! grep -q -i "private-key\|not for emergencies" after &&
	confidant config boundaries_file ""
'

as_user_gpgkill() {
	setpriv --reuid="$TEST_USER" --regid="$TEST_USER" --clear-groups \
		env GNUPGHOME="$PRACTICE/gnupg" gpgconf --kill all
}
test_at_end as_user_gpgkill

test_done
