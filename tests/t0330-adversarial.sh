#!/bin/sh
#
# Adversarial messages (issue 6, section 1): EFAIL, signature spoofing,
# encryption spoofing, decryption oracles, header tricks, resource
# exhaustion and mail loops, built from public descriptions of those
# attacks.  Each case is a file tests/adversarial/NNN-name.sh that builds
# one message with real gpg and real keys and states beside it what must
# happen (see tests/adversarial/README).  This script sets up one practice,
# delivers every case with `confidant deliver` and checks:
#
#   - the exit code (0 unless the case says otherwise; never a signal)
#     and the time the delivery took;
#   - the outcome: exactly one new entry in the journal of the client
#     named, or exactly one new quarantine record with the reason named,
#     or nothing at all (a duplicate), and the Message-ID it carries; a
#     quarantine detail that says the parser crashed or ran out of CPU is
#     a failure whatever the reason;
#   - every message handed to the (capturing) sendmail: who it went to and
#     what kind it is, every header line outside and inside the encryption
#     (no injected or unknown fields, no obsolete folding, no line over 998
#     bytes, 7-bit, CRLF only, no NUL), and its decrypted text;
#   - that the canary (text that must reach no one) and the secret words of
#     each client show in no journal, notification, acknowledgement or
#     notice where they should not.
#
# At the end every journal, quarantine record and sent message is swept
# once more.  Run with TEST_TRACE=1 and TEST_KEEP_TRASH=1 to see a case's
# work directory (w/NNN-name in the trash: msg.eml, entry.json, qrec.json,
# mail-N.txt).

test_description='adversarial messages'
. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIR/lib-gpg.sh"
. "$TEST_DIR/lib-craft.sh"
. "$TEST_DIR/lib-relay.sh"
ADV_DIR=$TEST_DIR/adversarial
. "$ADV_DIR/lib.sh"
export ADV_DIR CANARY ADV_RUN ADV_CLIENTS ADV_THERAPISTS GPG_ROOT KEYS

if ! [ -x "$CONFIDANT" ]; then
	echo "Bail out! no confidant binary at $CONFIDANT"
	exit 1
fi

# A build with AddressSanitizer reserves terabytes of address space: no
# test under ulimit -v there.
if ! { ldd "$CONFIDANT" 2>/dev/null | grep -q 'libasan'; }; then
	test_set_prereq ULIMIT_V
fi
[ -x /usr/bin/time ] && test_set_prereq GNU_TIME
# adversarial/forge.py needs AES: python3-cryptography or the openssl tool.
if python3 -c 'import cryptography' 2>/dev/null || command -v openssl >/dev/null 2>&1; then
	test_set_prereq FORGE
fi
mkdir -p "$TRASH/empty-gpg" && chmod 700 "$TRASH/empty-gpg"

# python3 -S: adv.py needs nothing outside the standard library, and
# skipping site-packages saves a good part of a second per case.
adv_py() { python3 -S "$ADV_DIR/adv.py" "$@"; }

adv_snap() {
	rm -rf "$1" && mkdir "$1" &&
	"$CONFIDANT" quarantine list --all --json >"$1/q.json" &&
	{ [ "${2:-}" = nodb ] || adv_py snap "$1"; }
}

# adv_deliver MSGFILE: deliver as the MTA would, under a time limit; the
# exit code is left in ./rc.  A case may define case_deliver instead.
adv_deliver() {
	CONFIDANT_NOW=${case_now:-$CONFIDANT_NOW} timeout -k 5 "${case_timeout:-120}" \
		"$CONFIDANT" deliver <"$1" >deliver.out 2>&1
	echo $? >rc
}

# The body of every case: build, deliver, check.
adv_case() {
	mkdir -p "$TRASH/w/$adv_name" && cd "$TRASH/w/$adv_name" || return 1
	if ! case_build >msg.eml; then
		echo "building the message failed" >&2
		return 1
	fi
	test -s msg.eml || { echo "the case built an empty message" >&2; return 1; }
	adv_snap before || return 1
	t0=$(date +%s%N)
	if type case_deliver >/dev/null 2>&1; then
		case_deliver msg.eml || return 1
	else
		adv_deliver msg.eml
	fi
	ms=$((($(date +%s%N) - t0) / 1000000))
	rc=$(cat rc)
	echo "# deliver: exit $rc in ${ms}ms ($(wc -c <msg.eml) bytes)"
	sed 's/^/# deliver: /' deliver.out 2>/dev/null | head -n 5
	if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
		echo "deliver did not finish within ${case_timeout:-120}s" >&2
		return 1
	fi
	if [ "$rc" -gt 128 ]; then
		echo "deliver died of signal $((rc - 128))" >&2
		return 1
	fi
	if [ "$rc" != "${case_exit:-0}" ]; then
		echo "deliver exited $rc, wanted ${case_exit:-0}" >&2
		return 1
	fi
	adv_snap after nodb || return 1
	adv_py check before after "$case_expect" "${case_msgid-*}" "${case_mail:-auto}" || return 1
	if [ "$ms" -gt "${case_maxms:-20000}" ]; then
		echo "the delivery took ${ms}ms, more than ${case_maxms:-20000}ms" >&2
		return 1
	fi
	if type case_check >/dev/null 2>&1; then
		case_check || return 1
	fi
	return 0
}

ADV_COUNTS=""

adv_run_case() {
	unset case_title case_class case_expect case_msgid case_mail case_exit case_now \
		case_maxms case_timeout case_prereq
	unset -f case_build case_check case_deliver
	adv_name=$(basename "$1" .sh)
	. "$1"
	if [ -z "${case_class:-}" ] || [ -z "${case_expect:-}" ] || ! type case_build >/dev/null 2>&1; then
		echo "Bail out! $1 lacks case_class, case_expect or case_build"
		exit 1
	fi
	ADV_COUNTS="$ADV_COUNTS $case_class"
	if [ -n "${case_prereq:-}" ]; then
		test_expect_success "$case_prereq" "$adv_name [$case_class] $case_title: $case_expect" 'adv_case'
	else
		test_expect_success "$adv_name [$case_class] $case_title: $case_expect" 'adv_case'
	fi
}

# ---------------------------------------------------------------------------

test_expect_success 'setup: practice, two therapists, eight clients, a stranger' '
	practice_init &&
	for t in $ADV_THERAPISTS
	do
		gpg_user $t $t@clinic.example &&
		confidant therapist add $t --email $t@clinic.example --key "$KEYS/$t.pub" >/dev/null || return 1
	done &&
	for c in alice bob erin dave
	do
		gpg_user $c $c@$D || return 1
	done &&
	gpg_user mallory mallory@$D &&
	gpg_as mallory --quick-add-uid "$(fpr_of mallory)" "Alice <alice@$D>" &&
	gpg_as mallory --armor --export "$(fpr_of mallory)" >"$KEYS/mallory.pub" &&
	gpg_user sub sub@$D &&
	gpg_as sub --passphrase "" --pinentry-mode loopback --quick-add-key "$(fpr_of sub)" ed25519 sign never &&
	gpg_as sub --armor --export "$(fpr_of sub)" >"$KEYS/sub.pub" &&
	test -n "$(adv_sub_fpr sub)" &&
	gpg_user_aged subx subx@$D 10 &&
	gpg_as subx --faked-system-time "$(($(date +%s) - 10 * 86400))" --passphrase "" --pinentry-mode loopback \
		--quick-add-key "$(fpr_of subx)" ed25519 sign never 2>/dev/null &&
	gpg_as subx --armor --export "$(fpr_of subx)" >"$KEYS/subx.pub" &&
	test -n "$(adv_sub_fpr subx)" &&
	gpg_user_aged carol carol@$D 10 &&
	for c in $ADV_CLIENTS
	do
		confidant client add $c --email $c@$D --key "$KEYS/$c.pub" --therapist thera >/dev/null || return 1
	done &&
	gpg_user eve eve@elsewhere.example &&
	for p in $ADV_THERAPISTS $ADV_CLIENTS eve
	do
		gpg_import $p "$KEYS/practice.pub" || return 1
	done &&
	db_query "$PRACTICE" "SELECT count(*) FROM subkeys WHERE fpr = \"$(adv_sub_fpr sub)\"" >n &&
	test "$(cat n)" = 1 &&
	use_capture_sendmail &&
	test -n "$(pfpr)"
'

# The compression bomb takes a while to make (gpg compresses and signs
# 1.1 GB): it is made in the background while the other cases run, and the
# resource cases near the end wait for it.  See 6xx-res-bomb*.sh.
adv_bomb_start() {
	mkdir -p "$TRASH/bomb" "$(gpg_home bomber)" && chmod 700 "$(gpg_home bomber)" &&
	echo "trust-model always" >"$(gpg_home bomber)/gpg.conf" &&
	gpg_import bomber "$KEYS/practice.pub" &&
	gpg_as alice --armor --pinentry-mode loopback --passphrase "" --export-secret-keys "$(fpr_of alice)" |
		gpg_as bomber --import 2>/dev/null || return 1
	(
		cd "$TRASH/bomb" || exit 1
		t0=$(date +%s)
		{ printf 'Content-Type: text/plain; charset=utf-8\r\n\r\n%s\r\n' "$CANARY"; head -c 1100M /dev/zero; } |
			GNUPGHOME=$(gpg_home bomber) gpg --batch --no-tty --quiet --armor --yes \
				--trust-model always --local-user "$(fpr_of alice)" --recipient "$(pfpr)" \
				--compress-algo zlib --compress-level 9 --sign --encrypt --output bomb.tmp &
		echo $! >gpg.pid
		wait $! && mv bomb.tmp bomb.asc &&
		echo "the bomb took $(($(date +%s) - t0))s to make, $(wc -c <bomb.asc) bytes armored"
	) >"$TRASH/bomb/log" 2>&1 &
	echo $! >"$TRASH/bomb/pid"
}
case ${ADV_ONLY:-all} in
all | *bomb* | 6*) adv_want_bomb=yes ;;
*) adv_want_bomb=no ;;
esac
if [ -s "$TRASH/practice.fpr" ] && [ "$adv_want_bomb" = yes ]; then
	adv_bomb_start
	test_at_end 'kill $(cat "$TRASH/bomb/gpg.pid") $(cat "$TRASH/bomb/pid")'
fi

# ADV_ONLY=PATTERN (a shell pattern such as "1*" or "*bomb*") runs only the
# cases whose name matches, after the setup: for debugging.
for adv_f in "$ADV_DIR"/[0-9][0-9][0-9]-*.sh
do
	case $(basename "$adv_f" .sh) in
	${ADV_ONLY:-*}) adv_run_case "$adv_f" ;;
	esac
done

test_expect_success 'sweep: every journal, quarantine record and sent message' '
	adv_py sweep
'

test_expect_success 'the canary and the secrets are nowhere in the practice home outside gnupg/' '
	! grep -r -a -l --exclude-dir=gnupg -e "$CANARY" -e "Secret-of-.*-$ADV_RUN" "$PRACTICE" &&
	test "$(find "$PRACTICE/spool" -type f | wc -l)" = 0
'

[ -z "$ADV_COUNTS" ] ||
	say "cases per class:$(printf '%s\n' $ADV_COUNTS | sort | uniq -c | awk '{ printf " %s=%s", $2, $1 }')"

test_done
