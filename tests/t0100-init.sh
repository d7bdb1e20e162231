#!/bin/bash
# init creates a practice home; config reads and changes its settings.
. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIR/lib-gpg.sh"

test_expect_success 'init --generate-key creates a home and prints the fingerprint' '
	CONFIDANT_HOME=$TRASH/p1 confidant init --address practice@clinic.example --generate-key --name "Clinic" >fpr &&
	grep -Eq "^[0-9A-F]{40}$" fpr &&
	test -f p1/confidant.conf && test -f p1/confidant.db && test -d p1/gnupg &&
	test -d p1/spool/new && test -d p1/spool/tmp &&
	grep -q "^address = practice@clinic.example$" p1/confidant.conf &&
	grep -q "^practice_key = $(cat fpr)$" p1/confidant.conf &&
	GNUPGHOME=$TRASH/p1/gnupg gpg --batch --list-secret-keys --with-colons | grep -q "^fpr:::::::::$(cat fpr):"
'

test_expect_success 'the home is private: directories 0700, files 0600' '
	test "$(stat -c %a p1)" = 700 && test "$(stat -c %a p1/gnupg)" = 700 &&
	test "$(stat -c %a p1/spool)" = 700 &&
	test "$(stat -c %a p1/confidant.conf)" = 600 && test "$(stat -c %a p1/confidant.db)" = 600
'

test_expect_success 'the practice key can both sign and encrypt' '
	GNUPGHOME=$TRASH/p1/gnupg gpg --batch --list-keys --with-colons "$(cat fpr)" >keylist &&
	grep "^pub:" keylist | cut -d: -f12 | grep -q S &&
	grep "^pub:" keylist | cut -d: -f12 | grep -q E
'

test_expect_success 'init refuses an existing home and leaves it alone' '
	cp p1/confidant.conf conf.before &&
	test_expect_code 73 confidant -H "$TRASH/p1" init --address x@clinic.example --generate-key 2>err &&
	grep -q "exists already" err &&
	test_cmp conf.before p1/confidant.conf
'

test_expect_success 'init takes over an empty directory made for it, and makes it private' '
	mkdir -m 755 pe1 &&
	confidant -H "$TRASH/pe1" init --address e@clinic.example --generate-key >/dev/null &&
	test "$(stat -c %a pe1)" = 700 && test -f pe1/confidant.db &&
	confidant -H "$TRASH/pe1" queue >/dev/null &&
	GNUPGHOME=$TRASH/pe1/gnupg gpgconf --kill all
'

test_expect_success 'a failed init into an empty directory leaves it there, empty' '
	mkdir -m 700 pe2 && echo "not a key" >bad.key &&
	test_must_fail confidant -H "$TRASH/pe2" init --address e@clinic.example --import-key bad.key 2>err &&
	test -d pe2 && test -z "$(ls -A pe2)"
'

test_expect_success 'key prints the practice public key to hand out; -o writes a new file 0600' '
	confidant -H "$TRASH/p1" key >k.asc &&
	head -n 1 k.asc | grep -q "BEGIN PGP PUBLIC KEY BLOCK" &&
	gpg --batch --with-colons --show-keys k.asc | grep -q "^fpr:::::::::$(cat fpr):" &&
	! grep -q "PRIVATE" k.asc &&
	(umask 022 && confidant -H "$TRASH/p1" key -o k2.asc) &&
	test "$(stat -c %a k2.asc)" = 600 && cmp k.asc k2.asc &&
	test_expect_code 64 confidant -H "$TRASH/p1" key extra
'

test_expect_success 'init --import-key takes an unprotected secret key' '
	gpg_user prac prac@clinic.example &&
	confidant -H "$TRASH/p2" init --address prac@clinic.example --import-key "$KEYS/prac.sec" >fpr2 &&
	test "$(cat fpr2)" = "$(fpr_of prac)"
'

test_expect_success 'init refuses a public key, a missing file, and bad usage, creating nothing' '
	test_expect_code 65 confidant -H "$TRASH/p3" init --address a@clinic.example --import-key "$KEYS/prac.pub" 2>err &&
	grep -q "no secret key" err && test ! -e p3 &&
	test_expect_code 66 confidant -H "$TRASH/p3" init --address a@clinic.example --import-key "$TRASH/nope.asc" 2>err &&
	grep -q "nope.asc.*no such file" err && test ! -e p3 &&
	test_expect_code 64 confidant -H "$TRASH/p3" init --generate-key 2>err &&
	grep -q "address is required" err &&
	test_expect_code 64 confidant -H "$TRASH/p3" init --address not-an-address --generate-key 2>err &&
	grep -q "bad address" err &&
	test_expect_code 64 confidant -H "$TRASH/p3" init --address a@clinic.example 2>err &&
	grep -q "exactly one of" err && test ! -e p3
'

test_expect_success 'init refuses a passphrase-protected key: the MDA cannot type it' '
	mkdir -m 700 gpp && echo "trust-model always" >gpp/gpg.conf &&
	GNUPGHOME=$TRASH/gpp gpg --batch --passphrase secret --pinentry-mode loopback \
		--quick-generate-key "pp <pp@clinic.example>" future-default default never &&
	GNUPGHOME=$TRASH/gpp gpg --batch --passphrase secret --pinentry-mode loopback --armor \
		--export-secret-keys pp@clinic.example >pp.sec &&
	GNUPGHOME=$TRASH/gpp gpgconf --kill all &&
	test_expect_code 65 confidant -H "$TRASH/p4" init --address pp@clinic.example --import-key pp.sec 2>err &&
	grep -q "passphrase" err && test ! -e p4
'

test_expect_success 'the home comes from -H, else CONFIDANT_HOME' '
	CONFIDANT_HOME=$TRASH/p1 confidant config address >a1 &&
	echo practice@clinic.example >expect && test_cmp expect a1 &&
	CONFIDANT_HOME=$TRASH/nowhere confidant -H "$TRASH/p2" config address >a2 &&
	echo prac@clinic.example >expect && test_cmp expect a2 &&
	test_expect_code 78 confidant -H "$TRASH/nowhere" config address 2>err &&
	grep -q "confidant init" err
'

test_expect_success 'config prints defaults and changes settings in place' '
	confidant -H "$TRASH/p1" config max_mime_depth >v && echo 32 >expect && test_cmp expect v &&
	confidant -H "$TRASH/p1" config max_mime_depth 16 &&
	confidant -H "$TRASH/p1" config max_mime_depth >v && echo 16 >expect && test_cmp expect v &&
	grep -q "^max_mime_depth = 16$" p1/confidant.conf &&
	grep -q "^# confidant.conf" p1/confidant.conf &&
	confidant -H "$TRASH/p1" config max_message_size 10M &&
	confidant -H "$TRASH/p1" config max_message_size >v && echo 10M >expect && test_cmp expect v &&
	test "$(stat -c %a p1/confidant.conf)" = 600
'

test_expect_success 'config refuses unknown names with the list, and bad values with the form' '
	test_expect_code 64 confidant -H "$TRASH/p1" config no_such_thing 1 2>err &&
	grep -q "unknown setting .no_such_thing.; valid settings are: address" err &&
	test_expect_code 64 confidant -H "$TRASH/p1" config no_such_thing 2>err &&
	grep -q "valid settings are" err &&
	test_expect_code 64 confidant -H "$TRASH/p1" config max_mime_depth lots 2>err &&
	grep -q "expected a whole number" err &&
	test_expect_code 64 confidant -H "$TRASH/p1" config max_message_size 5X 2>err &&
	grep -q "expected a size" err &&
	test_expect_code 64 confidant -H "$TRASH/p1" config address "not an address" 2>err &&
	grep -q "expected a mail address" err &&
	test_expect_code 64 confidant -H "$TRASH/p1" config records_key 1234 2>err &&
	grep -q "fingerprint" err &&
	confidant -H "$TRASH/p1" config max_mime_depth >v && echo 16 >expect && test_cmp expect v
'

test_expect_success 'config refuses NaN day lengths and an empty practice_key (found by fuzzing)' '
	test_expect_code 64 confidant -H "$TRASH/p1" config day_length nan &&
	test_expect_code 64 confidant -H "$TRASH/p1" config practice_key "" &&
	confidant -H "$TRASH/p1" config practice_key >k && test -s k
'

test_expect_success 'sizes past 1024G are refused, set or written in the file (found by fuzzing)' '
	test_expect_code 64 confidant -H "$TRASH/p1" config max_decrypted_size 18446744073709551615 2>err &&
	grep -q "from 1 to 1024G" err &&
	test_expect_code 64 confidant -H "$TRASH/p1" config max_message_size 1025G &&
	confidant -H "$TRASH/p1" config max_message_size 1024G &&
	confidant -H "$TRASH/p1" config max_message_size 50M &&
	cp -a p1 pbig && chmod 700 pbig &&
	printf "[limits]\nmax_decrypted_size = 16777216G\n" >>pbig/confidant.conf &&
	test_expect_code 78 confidant -H "$TRASH/pbig" config address 2>err &&
	grep -q "max_decrypted_size" err
'

test_expect_success 'config NAME VALUE with the key twice in the file: the value read back is the new one' '
	cp -a p1 pdup && chmod 700 pdup &&
	printf "[outbox]\nretry_base = 60\nretry_base = 90\n" >>pdup/confidant.conf &&
	confidant -H "$TRASH/pdup" config retry_base 120 &&
	test "$(confidant -H "$TRASH/pdup" config retry_base)" = 120 &&
	test "$(grep -c "^retry_base" pdup/confidant.conf)" = 1
'

test_expect_success 'a broken config file is a configuration error naming the line' '
	cp -a p1 p5 && echo "frobnicate = yes" >>p5/confidant.conf &&
	test_expect_code 78 confidant -H "$TRASH/p5" config address 2>err &&
	grep -q "confidant.conf:[0-9]*: unknown setting .frobnicate." err
'

test_expect_success 'CONFIDANT_NOW must be an ISO 8601 instant' '
	CONFIDANT_NOW=tomorrow test_expect_code 64 confidant -H "$TRASH/p1" config address 2>err &&
	grep -q "CONFIDANT_NOW" err
'

test_expect_success 'help is generated from the command table; every command has --help' '
	confidant help >out &&
	for c in init config therapist client deliver journal attachment quarantine help; do
		grep -q "^  $c " out || { echo "help lacks $c"; exit 1; }
		confidant $c --help >h || { echo "$c --help failed"; exit 1; }
		grep -q "usage: confidant \[-H DIR\] $c" h || { echo "$c --help"; exit 1; }
	done &&
	test_expect_code 64 confidant frobnicate 2>err && grep -q "no such command" err &&
	test_expect_code 64 confidant 2>err
'

test_done
