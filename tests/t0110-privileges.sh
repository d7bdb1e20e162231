#!/bin/bash
# The home is private to the practice user: commands refuse a home or a
# file in it that others can reach, and say how to fix it; deliver never
# runs as root; root's other commands act as the home's owner, so they
# leave nothing the MDA cannot open.
TEST_NEEDS_ROOT=1
. "$(dirname "$0")/test-lib.sh"
[ "$(id -u)" = 0 ] || skip_all "needs root to run commands as another user"
command -v setpriv >/dev/null 2>&1 || skip_all "setpriv (util-linux) is missing"
test_user_ensure || skip_all "cannot create the test user $TEST_USER"
. "$TEST_DIR/lib-gpg.sh"

# The build tree may be out of the test user's reach (a checkout in /root).
mkdir -p "$TRASH/bin" && cp "$CONFIDANT" "$TRASH/bin/confidant" && chmod 755 "$TRASH" "$TRASH/bin"
as_user() {
	setpriv --reuid="$TEST_USER" --regid="$TEST_USER" --clear-groups \
		env HOME="$TRASH/uhome" "$TRASH/bin/confidant" "$@"
}
entries() { db_query "$PRACTICE" "SELECT count(*) FROM entries"; }

test_expect_success 'setup: a practice home owned by the practice user' '
	setup_practice thera alice &&
	gpg_kill_agents &&
	mkdir -p uhome && chown -R "$TEST_USER:" "$PRACTICE" uhome &&
	chmod -R a+rX "$KEYS" "$GPG_ROOT" &&
	compose_entry alice alice@client.example "Hello" "first words" "e1@client.example" >e1.eml &&
	chmod 644 e1.eml
'

test_expect_success 'deliver as root is refused with exit 75 and stores nothing' '
	test_expect_code 75 confidant deliver <e1.eml 2>err &&
	grep -q "refusing to run .deliver. as root" err &&
	test "$(entries)" = 0 && test -z "$(ls "$PRACTICE/spool/new")"
'

test_expect_success 'deliver as root is refused even for a home root owns' '
	CONFIDANT_HOME=$TRASH/rootp confidant init --address r@clinic.example --generate-key >/dev/null &&
	test_expect_code 75 env CONFIDANT_HOME=$TRASH/rootp "$CONFIDANT" deliver <e1.eml 2>err &&
	grep -q "as root" err &&
	GNUPGHOME=$TRASH/rootp/gnupg gpgconf --kill all
'

test_expect_success 'the same message delivered as the practice user is stored' '
	as_user deliver <e1.eml && test "$(entries)" = 1
'

test_expect_success 'root reading the journal acts as the owner: no root-owned file appears' '
	as_user deliver --retry &&
	confidant journal alice >j.out &&
	grep -q "first words" j.out &&
	test -z "$(find "$PRACTICE" ! -user "$TEST_USER" -print)"
'

test_expect_success 'a home open to others is refused, naming the fix' '
	chmod 755 "$PRACTICE" &&
	test_expect_code 78 as_user queue 2>err &&
	grep -q "open to other users (mode 0755)" err && grep -q "chmod 700 $PRACTICE." err &&
	compose_entry alice alice@client.example "Two" "second" "e2@client.example" >e2.eml &&
	chmod 644 e2.eml &&
	test_expect_code 75 as_user deliver <e2.eml &&
	chmod 700 "$PRACTICE" && test "$(entries)" = 1
'

test_expect_success 'a group-readable database or config is refused, naming the file' '
	chmod 640 "$PRACTICE/confidant.db" &&
	test_expect_code 78 as_user journal alice 2>err &&
	grep -q "confidant.db. is open to other users" err && grep -q "chmod 600" err &&
	chmod 600 "$PRACTICE/confidant.db" &&
	chmod 604 "$PRACTICE/confidant.conf" &&
	test_expect_code 78 as_user queue 2>err &&
	grep -q "confidant.conf" err &&
	chmod 600 "$PRACTICE/confidant.conf" &&
	chmod 755 "$PRACTICE/gnupg" &&
	test_expect_code 78 as_user queue 2>err &&
	grep -q "gnupg" err &&
	chmod 700 "$PRACTICE/gnupg" &&
	as_user queue >/dev/null
'

test_expect_success 'another unprivileged user is told whose home it is' '
	id nobody >/dev/null &&
	test_expect_code 78 setpriv --reuid=nobody --regid=nogroup --clear-groups \
		"$TRASH/bin/confidant" -H "$PRACTICE" queue 2>err &&
	grep -q "belongs to $TEST_USER" err
'

test_expect_success 'an attachment written out is private to the user, whatever the umask' '
	as_user deliver <e2.eml && test "$(entries)" = 2 &&
	printf "scan of a letter" >letter.bin &&
	compose_entry alice alice@client.example "Att" "see attached" "e3@client.example" letter.bin >e3.eml &&
	chmod 644 e3.eml && as_user deliver <e3.eml &&
	id=$(db_query "$PRACTICE" "SELECT id FROM attachments LIMIT 1") && test -n "$id" &&
	mkdir -m 777 out &&
	(umask 022 && as_user attachment "$id" -o "$TRASH/out/letter") &&
	test "$(stat -c %a out/letter)" = 600 && cmp letter.bin out/letter
'

test_expect_success 'root initialises an empty home made for the practice user, as that user' '
	mkdir -m 755 "$TRASH/p2" && chown "$TEST_USER:" "$TRASH/p2" &&
	confidant -H "$TRASH/p2" init --address r@clinic.example --generate-key >/dev/null &&
	test -z "$(find "$TRASH/p2" ! -user "$TEST_USER" -print)" &&
	test "$(stat -c %a "$TRASH/p2")" = 700 &&
	as_user -H "$TRASH/p2" queue >/dev/null &&
	test "$(db_query "$TRASH/p2" "SELECT user FROM audit WHERE action = '\''init'\''")" = root &&
	setpriv --reuid="$TEST_USER" --regid="$TEST_USER" --clear-groups \
		env GNUPGHOME="$TRASH/p2/gnupg" gpgconf --kill all
'

test_expect_success 'root writes key -o into a directory only root can write, as root' '
	mkdir -m 700 rootonly &&
	confidant key -o "$TRASH/rootonly/k.asc" &&
	grep -q "BEGIN PGP PUBLIC KEY" rootonly/k.asc &&
	test "$(stat -c %U:%a rootonly/k.asc)" = root:600
'

as_user_gpgkill() {
	setpriv --reuid="$TEST_USER" --regid="$TEST_USER" --clear-groups \
		env GNUPGHOME="$PRACTICE/gnupg" gpgconf --kill all
}
test_at_end as_user_gpgkill

test_done
