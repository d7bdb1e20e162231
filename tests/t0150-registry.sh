#!/bin/bash
# therapist and client registration: keys checked, imported and pinned.
. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIR/lib-gpg.sh"

json() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }

test_expect_success 'setup: a practice and keys' '
	practice_init &&
	gpg_user thera thera@clinic.example &&
	gpg_user alice alice@client.example &&
	gpg_user bob bob@client.example
'

test_expect_success 'therapist add pins the key by its primary fingerprint' '
	confidant therapist add thera --email Thera@Clinic.Example --key "$KEYS/thera.pub" \
		--timezone Europe/Berlin >out &&
	grep -q "$(fpr_of thera)" out &&
	confidant therapist list --json >l.json &&
	test "$(json "d[0][\"handle\"], d[0][\"email\"], d[0][\"fingerprint\"], d[0][\"timezone\"]" <l.json)" = \
		"thera thera@clinic.example $(fpr_of thera) Europe/Berlin" &&
	db_query "$PRACTICE" "SELECT count(*) FROM subkeys WHERE primary_fpr = \"$(fpr_of thera)\"" >n &&
	test "$(cat n)" = 2
'

test_expect_success 'the key is in the practice keyring' '
	GNUPGHOME=$PRACTICE/gnupg gpg --batch --list-keys "$(fpr_of thera)" >/dev/null
'

test_expect_success 'client add needs a registered therapist' '
	test_expect_code 66 confidant client add alice --email alice@client.example \
		--key "$KEYS/alice.pub" --therapist nobody 2>err &&
	grep -q "no therapist .nobody." err &&
	confidant client add alice --email alice@client.example --key "$KEYS/alice.pub" --therapist thera &&
	confidant client show alice --json >c.json &&
	test "$(json "d[\"handle\"], d[\"therapist\"], d[\"fingerprint\"]" <c.json)" = "alice thera $(fpr_of alice)"
'

test_expect_success 'handles are unique, and a key is pinned to one person only' '
	test_expect_code 73 confidant client add alice --email x@client.example --key "$KEYS/bob.pub" \
		--therapist thera 2>err && grep -q "registered already" err &&
	test_expect_code 73 confidant client add alice2 --email a2@client.example --key "$KEYS/alice.pub" \
		--therapist thera 2>err && grep -q "pinned to someone" err &&
	confidant client list --json >l.json &&
	test "$(json "len(d)" <l.json)" = 1
'

test_expect_success 'bad handles, addresses and timezones are refused' '
	test_expect_code 64 confidant client add "Bad Handle" --email b@client.example --key "$KEYS/bob.pub" --therapist thera 2>err &&
	grep -q "bad handle" err &&
	test_expect_code 64 confidant client add bob --email nope --key "$KEYS/bob.pub" --therapist thera 2>err &&
	grep -q "bad address" err &&
	test_expect_code 64 confidant therapist add t2 --email t2@clinic.example --key "$KEYS/bob.pub" --timezone Mars/Olympus 2>err &&
	grep -q "unknown timezone" err &&
	test_expect_code 64 confidant client add bob --email b@client.example --therapist thera 2>err &&
	grep -q "needs --email, --key and --therapist" err &&
	test_expect_code 66 confidant client add bob --email b@client.example --key "$TRASH/none.asc" --therapist thera 2>err &&
	grep -q "none.asc.*no such file" err
'

test_expect_success 'an expired key is refused, and not imported' '
	mkdir -m 700 gx && echo "trust-model always" >gx/gpg.conf &&
	GNUPGHOME=$TRASH/gx gpg --batch --passphrase "" --pinentry-mode loopback \
		--faked-system-time 20200101T000000! \
		--quick-generate-key "old <old@client.example>" future-default default 1y &&
	GNUPGHOME=$TRASH/gx gpg --batch --armor --export old@client.example >old.pub &&
	test_expect_code 65 confidant client add old --email old@client.example --key old.pub --therapist thera 2>err &&
	grep -q "has expired" err &&
	test_must_fail env GNUPGHOME=$PRACTICE/gnupg gpg --batch --list-keys old@client.example
'

test_expect_success 'a revoked key is refused' '
	gpg_user rev rev@client.example &&
	sed "s/^:-----/-----/" "$(gpg_home rev)/openpgp-revocs.d/$(fpr_of rev).rev" >rev.cert &&
	gpg_as rev --import rev.cert &&
	gpg_as rev --armor --export rev@client.example >rev.pub &&
	test_expect_code 65 confidant client add rev --email rev@client.example --key rev.pub --therapist thera 2>err &&
	grep -q "is revoked" err
'

test_expect_success 'a key that cannot encrypt, or cannot sign, is refused' '
	mkdir -m 700 gs && echo "trust-model always" >gs/gpg.conf &&
	GNUPGHOME=$TRASH/gs gpg --batch --passphrase "" --pinentry-mode loopback \
		--quick-generate-key "signonly <so@client.example>" ed25519 sign never &&
	GNUPGHOME=$TRASH/gs gpg --batch --armor --export so@client.example >so.pub &&
	test_expect_code 65 confidant client add so --email so@client.example --key so.pub --therapist thera 2>err &&
	grep -q "cannot encrypt" err &&
	GNUPGHOME=$TRASH/gs gpg --batch --passphrase "" --pinentry-mode loopback \
		--quick-generate-key "certonly <eo@client.example>" rsa2048 cert never &&
	eo=$(GNUPGHOME=$TRASH/gs gpg --batch --with-colons --list-keys eo@client.example | awk -F: "/^fpr:/ {print \$10; exit}") &&
	GNUPGHOME=$TRASH/gs gpg --batch --passphrase "" --pinentry-mode loopback --quick-add-key "$eo" rsa2048 encr never &&
	GNUPGHOME=$TRASH/gs gpg --batch --armor --export eo@client.example >eo.pub &&
	test_expect_code 65 confidant client add eo --email eo@client.example --key eo.pub --therapist thera 2>err &&
	grep -q "cannot sign" err &&
	GNUPGHOME=$TRASH/gs gpgconf --kill all
'

test_expect_success 'a file with two keys, or none, is refused' '
	cat "$KEYS/bob.pub" "$KEYS/alice.pub" >two.pub &&
	test_expect_code 65 confidant client add bob --email bob@client.example --key two.pub --therapist thera 2>err &&
	grep -q "holds 2 keys" err &&
	echo "not a key" >junk.pub &&
	test_expect_code 65 confidant client add bob --email bob@client.example --key junk.pub --therapist thera 2>err &&
	grep -q "no OpenPGP public key" err
'

test_expect_success 'show of an unknown handle fails; list without registrations is empty' '
	test_expect_code 66 confidant client show nobody 2>err && grep -q "no client .nobody." err &&
	confidant client add bob --email bob@client.example --key "$KEYS/bob.pub" --therapist thera &&
	confidant client list >l && grep -q "^alice " l && grep -q "^bob " l
'

test_expect_success 'registrations run in parallel all land in the practice keyring' '
	for i in 1 2 3 4 5 6 7 8 9 10 11 12; do
		gpg_user "par$i" "par$i@client.example" >/dev/null 2>&1 || exit 1
	done &&
	for i in 1 2 3 4 5 6 7 8 9 10 11 12; do
		confidant client add "par$i" --email "par$i@client.example" --key "$KEYS/par$i.pub" \
			--therapist thera >/dev/null 2>&1 &
	done &&
	wait &&
	for i in 1 2 3 4 5 6 7 8 9 10 11 12; do
		confidant client show "par$i" >/dev/null &&
		GNUPGHOME=$PRACTICE/gnupg gpg --batch --list-keys "$(fpr_of "par$i")" >/dev/null 2>&1 ||
			{ echo "par$i is registered but not in the keyring"; exit 1; }
	done
'

test_done
