#!/bin/sh
#
# Quarantine: every message that fails one of the journal rules is kept
# aside with exactly one reason, reaches no journal, and leaves no trace of
# its content in the practice home outside the GnuPG home.  Each message is
# crafted with real gpg by real keys: alice, bob, carol and dave are
# registered clients, eve is a stranger.

test_description='messages that must be quarantined'
. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIR/lib-gpg.sh"
. "$TEST_DIR/lib-craft.sh"

# Written into the body of every message that must be quarantined; it must
# never show in a quarantine detail nor in a file of the practice home.
CANARY=Qcanary-7b1e09d4c2
CLIENTS="alice bob carol dave"
DOMAIN=clients.example

# The practice home is made by the setup test, in a subshell; name it here
# so that the later tests find it.
PRACTICE=$TRASH/p
CONFIDANT_HOME=$PRACTICE
export PRACTICE CONFIDANT_HOME

addr() { echo "$1 <$1@$DOMAIN>"; }

practice_fpr() {
	grep -o -E '[0-9A-Fa-f]{40}' "$TRASH/practice.fpr" | head -n 1
}

# gpg_user_past NAME EMAIL SECONDS-AGO: like gpg_user, but the key was made
# SECONDS-AGO seconds ago, so that a later self-signature can give it an
# expiry date that is already past.
gpg_user_past() {
	name=$1 email=$2 ago=$3
	home=$(gpg_home "$name")
	mkdir -p "$home" && chmod 700 "$home" || return 1
	echo "trust-model always" >"$home/gpg.conf"
	gpg_as "$name" --faked-system-time "$(($(date +%s) - ago))" \
		--passphrase '' --pinentry-mode loopback \
		--quick-generate-key "$name <$email>" future-default default never \
		2>/dev/null || return 1
	gpg_as "$name" --with-colons --list-secret-keys "$email" |
		awk -F: '/^fpr:/ { print $10; exit }' >"$KEYS/$name.fpr"
	gpg_as "$name" --armor --export "$email" >"$KEYS/$name.pub"
	gpg_as "$name" --armor --pinentry-mode loopback --passphrase '' \
		--export-secret-keys "$email" >"$KEYS/$name.sec"
}

# seal NAME OUT GPG-ARGS...: armored gpg output of NAME into OUT.
seal() {
	s_who=$1 s_out=$2
	shift 2
	gpg_as "$s_who" --armor --yes --trust-model always --output "$s_out" "$@"
}

# sign_encrypt NAME IN OUT: the usual combined sign+encrypt to the practice.
sign_encrypt() {
	seal "$1" "$3" --local-user "$(fpr_of "$1")" \
		--recipient "$(practice_fpr)" --sign --encrypt "$2"
}

# practice_validity FPR: the validity letter the practice keyring gives a
# key (e expired, r revoked, ...), to check the setup of a test.
practice_validity() {
	gpg --homedir "$PRACTICE/gnupg" --batch --with-colons --list-keys "$1" 2>/dev/null |
		awk -F: '/^pub:/ { print $2; exit }'
}

practice_import() {
	gpg --homedir "$PRACTICE/gnupg" --batch --quiet --import "$@"
}

json_len() {
	python3 -c 'import json, sys; print(len(json.load(sys.stdin)))'
}

# entries_total: journal entries of all clients, by the journal command.
entries_total() {
	total=0
	for c in $CLIENTS; do
		n=$(confidant journal "$c" --json | json_len) || return 1
		total=$((total + n))
	done
	echo "$total"
}

# db_entries: rows in the entries table, straight from the database.
db_entries() {
	db_query "$PRACTICE" 'SELECT count(*) FROM entries'
}

# entry_count: the database count when sqlite3 is at hand (it is quick),
# else the sum over the journals.  The last tests read every journal.
entry_count() {
	if test_have_prereq SQLITE3; then
		db_entries
	else
		entries_total
	fi
}

# expect_quarantine MSGFILE MSGID SUBJECT REASON[|REASON...]: deliver
# MSGFILE, which must exit 0 and add exactly one quarantine record with
# that Message-ID and one of the reasons, whose detail names neither the
# canary nor the subject, while no journal gains an entry.  Leaves the
# time the delivery took, in milliseconds, in deliver.ms.
expect_quarantine() {
	q_msg=$1 q_msgid=$2 q_subject=$3 q_want=$4
	q_before=$(entry_count) || return 1
	confidant quarantine list --json >q.before || return 1
	q_start=$(date +%s%N)
	test_expect_code 0 timeout 60 "$CONFIDANT" deliver <"$q_msg" || return 1
	echo $((($(date +%s%N) - q_start) / 1000000)) >deliver.ms
	confidant quarantine list --json >q.after || return 1
	python3 - q.before q.after "$q_msgid" "$q_subject" "$q_want" "$CANARY" <<-'EOF' || return 1
	import json, sys
	before, after = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
	msgid, subject, want, canary = sys.argv[3:7]
	wanted = want.split('|')
	seen = {str(e.get('id')) for e in before}
	new = [e for e in after if str(e.get('id')) not in seen]
	if len(new) != 1:
	    sys.exit('expected one new quarantine record, got %d: %r' % (len(new), new))
	e = new[0]
	print('# quarantined: %s' % json.dumps(e))
	missing = {'id', 'reason', 'date', 'from', 'message_id', 'detail'} - set(e)
	if missing:
	    sys.exit('record lacks %s' % sorted(missing))
	if e['reason'] not in wanted:
	    sys.exit('reason %r, wanted %s' % (e['reason'], ' or '.join(wanted)))
	got_id = e['message_id'] or ''
	lenient = False  # From and Message-ID are read even from malformed mail
	if got_id != msgid and not lenient:
	    sys.exit('message_id %r, wanted %r' % (got_id, msgid))
	detail = str(e['detail'] or '')
	for secret in (canary, subject):
	    if secret and secret in detail:
	        sys.exit('detail names message content %r: %r' % (secret, detail))
	EOF
	q_after=$(entry_count) || return 1
	if [ "$q_before" != "$q_after" ]; then
		echo "journal entries went from $q_before to $q_after" >&2
		return 1
	fi
}

# journal_has HANDLE MSGID TEXT: HANDLE's journal holds the message MSGID
# and its body contains TEXT.
journal_has() {
	confidant journal "$1" --json >journal.json || return 1
	python3 - journal.json "$2" "$3" <<-'EOF'
	import json, sys
	entries = json.load(open(sys.argv[1]))
	hits = [e for e in entries if e.get('message_id') == sys.argv[2]]
	if len(hits) != 1:
	    sys.exit('%d entries with message_id %s in %r' % (len(hits), sys.argv[2], entries))
	if sys.argv[3] not in (hits[0].get('body') or ''):
	    sys.exit('body lacks %r: %r' % (sys.argv[3], hits[0]))
	print('# journal entry: %s' % json.dumps(hits[0])[:300])
	EOF
}

if ! [ -x "$CONFIDANT" ]; then
	echo "Bail out! no confidant binary at $CONFIDANT"
	exit 1
fi

test_expect_success 'setup: practice, therapist, four clients, a stranger' '
	gpg_user ruth ruth@clinic.example &&
	gpg_user alice alice@$DOMAIN &&
	gpg_user bob bob@$DOMAIN &&
	gpg_user_past carol carol@$DOMAIN $((10 * 86400)) &&
	gpg_user dave dave@$DOMAIN &&
	gpg_user eve eve@elsewhere.example &&
	practice_init &&
	confidant therapist add ruth --email ruth@clinic.example --key "$KEYS/ruth.pub" &&
	for c in $CLIENTS
	do
		confidant client add $c --email $c@$DOMAIN --key "$KEYS/$c.pub" \
			--therapist ruth || return 1
	done &&
	for p in ruth alice bob carol dave eve
	do
		gpg_import $p "$KEYS/practice.pub" || return 1
	done &&
	test -n "$(practice_fpr)" &&
	confidant quarantine list --json | json_len >count &&
	echo 0 >expect &&
	test_cmp expect count
'

# The controls prove that the harness can get a message into a journal, so
# that a quarantine below is the gateway saying no, not a broken setup.

test_expect_success 'control: a PGP/MIME entry from a client is journaled' '
	compose_entry alice "$(addr alice)" "Control mime" "control mime body" \
		control.1@$DOMAIN >control.eml &&
	confidant quarantine list --json | json_len >q.before &&
	test_expect_code 0 confidant deliver <control.eml &&
	journal_has alice control.1@$DOMAIN "control mime body" &&
	confidant quarantine list --json | json_len >q.after &&
	test_cmp q.before q.after
'

test_expect_success 'control: an inline PGP entry from a client is journaled' '
	printf "control inline body\n" >inline-ok.txt &&
	sign_encrypt alice inline-ok.txt inline-ok.asc &&
	craft_inline "$(addr alice)" "Control inline" control.2@$DOMAIN \
		inline-ok.asc >inline-ok.eml &&
	test_expect_code 0 confidant deliver <inline-ok.eml &&
	journal_has alice control.2@$DOMAIN "control inline body"
'

test_expect_success 'plaintext from a client: not-encrypted' '
	craft_plain "$(addr alice)" Subj-plain plain.1@$DOMAIN \
		"Dear doctor, $CANARY" >plain.eml &&
	expect_quarantine plain.eml plain.1@$DOMAIN Subj-plain not-encrypted
'

test_expect_success 'signed but not encrypted (multipart/signed): not-encrypted' '
	craft_signed_only alice "$(addr alice)" Subj-signed signed.1@$DOMAIN \
		"Signed only, $CANARY" >signed.eml &&
	expect_quarantine signed.eml signed.1@$DOMAIN Subj-signed not-encrypted
'

test_expect_success 'encrypted to another key than the practice: decrypt-failed' '
	make_mime_entry Subj-otherkey "$CANARY" >otherkey.in &&
	seal alice otherkey.asc --local-user "$(fpr_of alice)" \
		--recipient-file "$KEYS/ruth.pub" --sign --encrypt otherkey.in &&
	pgpmime_wrap "$(addr alice)" practice@clinic.example Subj-otherkey \
		otherkey.1@$DOMAIN otherkey.asc >otherkey.eml &&
	expect_quarantine otherkey.eml otherkey.1@$DOMAIN Subj-otherkey decrypt-failed
'

test_expect_success 'encrypted without integrity protection (no MDC): decrypt-failed' '
	make_mime_entry Subj-nomdc "$CANARY" >nomdc.in &&
	seal alice nomdc.asc --rfc2440 --cipher-algo CAST5 \
		--local-user "$(fpr_of alice)" --recipient "$(practice_fpr)" \
		--sign --encrypt nomdc.in 2>/dev/null &&
	{ gpg --homedir "$PRACTICE/gnupg" --batch --list-packets nomdc.asc \
		2>/dev/null >nomdc.packets || :; } &&
	grep -q "^:encrypted data packet:" nomdc.packets &&
	pgpmime_wrap "$(addr alice)" practice@clinic.example Subj-nomdc \
		nomdc.1@$DOMAIN nomdc.asc >nomdc.eml &&
	expect_quarantine nomdc.eml nomdc.1@$DOMAIN Subj-nomdc decrypt-failed
'

# Flipping the last byte spoils only the MDC: the content still decrypts
# and the signature is still good, so only the integrity check can tell.
test_expect_success 'ciphertext with its MDC spoiled: decrypt-failed' '
	make_mime_entry Subj-mdc "$CANARY" >mdc.in &&
	sign_encrypt alice mdc.in mdc.asc &&
	gpg --dearmor <mdc.asc >mdc.gpg &&
	flip_byte mdc.gpg -1 &&
	armor_message mdc.gpg >mdc-bad.asc &&
	pgpmime_wrap "$(addr alice)" practice@clinic.example Subj-mdc \
		mdc.1@$DOMAIN mdc-bad.asc >mdc.eml &&
	expect_quarantine mdc.eml mdc.1@$DOMAIN Subj-mdc decrypt-failed
'

test_expect_success 'ciphertext with a byte flipped in the middle: decrypt-failed' '
	make_mime_entry Subj-tamper "$CANARY" >tamper.in &&
	sign_encrypt alice tamper.in tamper.asc &&
	gpg --dearmor <tamper.asc >tamper.gpg &&
	flip_byte tamper.gpg $(($(wc -c <tamper.gpg) * 2 / 3)) &&
	armor_message tamper.gpg >tamper-bad.asc &&
	pgpmime_wrap "$(addr alice)" practice@clinic.example Subj-tamper \
		tamper.1@$DOMAIN tamper-bad.asc >tamper.eml &&
	expect_quarantine tamper.eml tamper.1@$DOMAIN Subj-tamper decrypt-failed
'

test_expect_success 'encrypted but not signed: unsigned' '
	make_mime_entry Subj-unsigned "$CANARY" >unsigned.in &&
	seal alice unsigned.asc --recipient "$(practice_fpr)" --encrypt unsigned.in &&
	pgpmime_wrap "$(addr alice)" practice@clinic.example Subj-unsigned \
		unsigned.1@$DOMAIN unsigned.asc >unsigned.eml &&
	expect_quarantine unsigned.eml unsigned.1@$DOMAIN Subj-unsigned unsigned
'

test_expect_success 'signed by two registered clients at once: bad-signature' '
	mkdir -p "$(gpg_home pair)" &&
	chmod 700 "$(gpg_home pair)" &&
	gpg_import pair "$KEYS/alice.sec" "$KEYS/bob.sec" "$KEYS/practice.pub" &&
	make_mime_entry Subj-twosigs "$CANARY" >twosigs.in &&
	seal pair twosigs.asc --local-user "$(fpr_of alice)" \
		--local-user "$(fpr_of bob)" --recipient "$(practice_fpr)" \
		--sign --encrypt twosigs.in &&
	gpg --homedir "$PRACTICE/gnupg" --batch --list-packets twosigs.asc \
		2>/dev/null >twosigs.packets &&
	test $(grep -c "^:signature packet:" twosigs.packets) = 2 &&
	pgpmime_wrap "$(addr alice)" practice@clinic.example Subj-twosigs \
		twosigs.1@$DOMAIN twosigs.asc >twosigs.eml &&
	expect_quarantine twosigs.eml twosigs.1@$DOMAIN Subj-twosigs bad-signature
'

test_expect_success 'signed by a stranger: unknown-signer' '
	compose_entry eve "eve <eve@elsewhere.example>" Subj-stranger "$CANARY" \
		stranger.1@elsewhere.example >stranger.eml &&
	expect_quarantine stranger.eml stranger.1@elsewhere.example Subj-stranger unknown-signer
'

# carol registered a key with no expiry; she signs, then gives her key an
# expiry date that is already past (by a self-signature made "yesterday"
# with a faked clock) and the practice learns of it.
test_expect_success 'signed by a client key that has since expired: bad-signature' '
	make_mime_entry Subj-expired "$CANARY" >expired.in &&
	sign_encrypt carol expired.in expired.asc &&
	past=$(($(date +%s) - 9 * 86400)) &&
	gpg_as carol --faked-system-time $past --passphrase "" --pinentry-mode loopback \
		--quick-set-expire "$(fpr_of carol)" 1d 2>/dev/null &&
	gpg_as carol --faked-system-time $past --passphrase "" --pinentry-mode loopback \
		--quick-set-expire "$(fpr_of carol)" 1d "*" 2>/dev/null &&
	gpg_as carol --armor --export "$(fpr_of carol)" >carol-expired.pub &&
	practice_import carol-expired.pub &&
	test "$(practice_validity "$(fpr_of carol)")" = e &&
	pgpmime_wrap "$(addr carol)" practice@clinic.example Subj-expired \
		expired.1@$DOMAIN expired.asc >expired.eml &&
	expect_quarantine expired.eml expired.1@$DOMAIN Subj-expired bad-signature
'

test_expect_success 'signed by a client key that has since been revoked: bad-signature' '
	make_mime_entry Subj-revoked "$CANARY" >revoked.in &&
	sign_encrypt dave revoked.in revoked.asc &&
	sed "s/^:-----/-----/" \
		"$(gpg_home dave)/openpgp-revocs.d/$(fpr_of dave).rev" >dave.rev &&
	practice_import dave.rev &&
	test "$(practice_validity "$(fpr_of dave)")" = r &&
	pgpmime_wrap "$(addr dave)" practice@clinic.example Subj-revoked \
		revoked.1@$DOMAIN revoked.asc >revoked.eml &&
	expect_quarantine revoked.eml revoked.1@$DOMAIN Subj-revoked bad-signature
'

test_expect_success 'signed by alice but From names bob: address-mismatch' '
	compose_entry alice "$(addr bob)" Subj-forged "$CANARY" \
		forged.1@$DOMAIN >forged.eml &&
	expect_quarantine forged.eml forged.1@$DOMAIN Subj-forged address-mismatch
'

test_expect_success 'protected inner From names bob, outer From alice: address-mismatch' '
	craft_protected_entry "$(addr bob)" Subj-inner "$CANARY" >inner.in &&
	sign_encrypt alice inner.in inner.asc &&
	pgpmime_wrap "$(addr alice)" practice@clinic.example Subj-inner \
		inner.1@$DOMAIN inner.asc >inner.eml &&
	expect_quarantine inner.eml inner.1@$DOMAIN Subj-inner address-mismatch
'

test_expect_success 'two From headers (both alice): malformed' '
	compose_entry alice "$(addr alice)" Subj-twofrom "$CANARY" \
		twofrom.1@$DOMAIN "" "From: $(addr alice)" >twofrom.eml &&
	test $(grep -c "^From: " twofrom.eml) = 2 &&
	expect_quarantine twofrom.eml twofrom.1@$DOMAIN Subj-twofrom malformed
'

test_expect_success 'inline PGP block after a line of plain text: partial' '
	printf "%s\n" "$CANARY" >prefix.txt &&
	sign_encrypt alice prefix.txt prefix.asc &&
	craft_inline "$(addr alice)" Subj-prefix prefix.1@$DOMAIN prefix.asc \
		"Please read below. $CANARY" >prefix.eml &&
	expect_quarantine prefix.eml prefix.1@$DOMAIN Subj-prefix partial
'

test_expect_success 'multipart/mixed: plain text next to a multipart/encrypted part: partial' '
	make_mime_entry Subj-mixed "$CANARY" >mixed.in &&
	sign_encrypt alice mixed.in mixed.asc &&
	craft_mixed_encrypted "$(addr alice)" Subj-mixed mixed.1@$DOMAIN \
		"Added outside: $CANARY" mixed.asc >mixed.eml &&
	expect_quarantine mixed.eml mixed.1@$DOMAIN Subj-mixed partial
'

test_expect_success 'multipart with boundary="\"": malformed' '
	craft_boundary_quote "$(addr alice)" Subj-quote quote.1@$DOMAIN \
		"$CANARY" >quote.eml &&
	grep -qF "boundary=\"\\\"\"" quote.eml &&
	expect_quarantine quote.eml quote.1@$DOMAIN Subj-quote malformed
'

test_expect_success 'delivery status notification from MAILER-DAEMON: bounce' '
	craft_dsn Subj-dsn dsn.1@mx.clinic.example \
		"Your message could not be delivered. $CANARY" >dsn.eml &&
	expect_quarantine dsn.eml dsn.1@mx.clinic.example Subj-dsn bounce
'

test_expect_success 'vacation reply from a client (Auto-Submitted): bounce' '
	craft_autoreply "$(addr alice)" Subj-vacation vacation.1@$DOMAIN \
		"I am away until Monday. $CANARY" >vacation.eml &&
	expect_quarantine vacation.eml vacation.1@$DOMAIN Subj-vacation bounce
'

test_expect_success '20000 nested multiparts: too-large or malformed, quickly' '
	craft_deep "$(addr alice)" Subj-deep deep.1@$DOMAIN 20000 "$CANARY" >deep.eml &&
	expect_quarantine deep.eml deep.1@$DOMAIN Subj-deep "too-large|malformed" &&
	echo "# delivery took $(cat deliver.ms)ms" &&
	test $(cat deliver.ms) -lt 5000
'

test_expect_success 'entry with 1001 MIME parts inside the encryption: too-large' '
	craft_many_parts Subj-parts "$CANARY" 1001 >parts.in &&
	sign_encrypt alice parts.in parts.asc &&
	pgpmime_wrap "$(addr alice)" practice@clinic.example Subj-parts \
		parts.1@$DOMAIN parts.asc >parts.eml &&
	expect_quarantine parts.eml parts.1@$DOMAIN Subj-parts too-large
'

test_expect_success 'message over max_message_size: too-large' '
	head -c 1500000 /dev/urandom >noise.bin &&
	compose_entry alice "$(addr alice)" Subj-huge "$CANARY" huge.1@$DOMAIN \
		noise.bin >huge.eml &&
	test $(wc -c <huge.eml) -gt 2000000 &&
	confidant config max_message_size 1M &&
	expect_quarantine huge.eml huge.1@$DOMAIN Subj-huge too-large
'

test_expect_success 'entry that decrypts to over max_decrypted_size: too-large' '
	head -c 20000000 /dev/zero >zeros.bin &&
	compose_entry alice "$(addr alice)" Subj-bomb "$CANARY" bomb.1@$DOMAIN \
		zeros.bin >bomb.eml &&
	rm -f zeros.bin &&
	test $(wc -c <bomb.eml) -lt 1000000 &&
	confidant config max_decrypted_size 1M &&
	expect_quarantine bomb.eml bomb.1@$DOMAIN Subj-bomb too-large
'

test_expect_success SQLITE3 'the database holds only the two controls' '
	db_entries >count &&
	echo 2 >expect &&
	test_cmp expect count
'

test_expect_success 'only the controls reached a journal' '
	confidant journal alice --json | json_len >count &&
	echo 2 >expect &&
	test_cmp expect count &&
	echo 2 >expect.total &&
	for c in bob carol dave
	do
		confidant journal $c --json | json_len >count &&
		echo 0 >expect &&
		test_cmp expect count || return 1
	done &&
	entries_total >count &&
	test_cmp expect.total count
'

test_expect_success 'the canary is nowhere in the practice home outside gnupg/' '
	test -d "$PRACTICE" &&
	grep -q "$CANARY" plain.eml &&
	! grep -r -a -l --exclude-dir=gnupg "$CANARY" "$PRACTICE"
'

test_done
