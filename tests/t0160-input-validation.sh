#!/bin/bash
# What the operator types is checked before anything is done with it, and
# shown back safely (issue 13, item 4): errors escape control characters;
# --email takes a bare addr-spec and no look-alike of a registered address;
# dates that do not exist and numbers in other bases are refused; a
# confidant.conf with a NUL byte or over the limit is a configuration error.
# After every refusal nothing was registered and nothing changed.
. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIR/lib-gpg.sh"

json() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }
ESC=$(printf '\033')

# no_esc FILE: FILE holds no raw ESC byte.
no_esc() {
	if grep -q "$ESC" "$1"; then
		echo "a raw ESC reached $1:" >&2
		od -c "$1" | head -n 20 >&2
		return 1
	fi
}

# registered: the client handles, one line.
registered() {
	confidant client list --json | json "' '.join(sorted(c['handle'] for c in d))"
}

test_expect_success 'setup: a practice, a therapist, a client robin and a key for newcomers' '
	setup_practice thera robin &&
	gpg_user mallory mallory@client.example &&
	registered >before && echo robin >expect && test_cmp expect before
'

test_expect_success 'a handle with ESC in an error is shown escaped' '
	test_expect_code 66 confidant client show "$(printf "x\033[31m")" 2>err &&
	no_esc err &&
	grep -qF "no client '\''x\\x1b[31m'\''" err
'

test_expect_success 'an address with ESC in client add is shown escaped, nothing registered' '
	test_expect_code 64 confidant client add mallory --email "$(printf "m\033]0;pwned\007@client.example")" \
		--key "$KEYS/mallory.pub" --therapist thera 2>err &&
	no_esc err &&
	grep -qF "bad address '\''m\\x1b]0;pwned\\x07@client.example'\''" err &&
	registered >now && test_cmp before now
'

test_expect_success 'usage errors escape the operator'\''s arguments too' '
	test_expect_code 64 confidant client frob "$(printf "\033[2J")" 2>err &&
	no_esc err &&
	test_expect_code 64 confidant client "$(printf "\033[2J")" 2>err &&
	no_esc err && grep -qF "unknown subcommand '\''\\x1b[2J'\''" err &&
	test_expect_code 64 confidant attachment "$(printf "1\0337")" 2>err &&
	no_esc err && grep -qF "bad attachment ID '\''1\\x1b7'\''" err &&
	test_expect_code 64 confidant "$(printf "x\033[1m")" 2>err &&
	no_esc err && grep -qF "no such command '\''x\\x1b[1m'\''" err &&
	test_expect_code 64 confidant help "$(printf "x\033[1m")" 2>err &&
	no_esc err && grep -qF "no such command '\''x\\x1b[1m'\''" err
'

test_expect_success 'syslog lines escape control characters too' '
	shim=$TEST_BUILDDIR/tests/shim-syslog.so &&
	if [ -f "$shim" ]; then
		test_expect_code 75 env SHIM_SYSLOG_FILE=$TRASH/syslog.txt LD_PRELOAD=$shim \
			ASAN_OPTIONS=verify_asan_link_order=0 \
			"$CONFIDANT" -H "$TRASH/no$(printf "\033")where" deliver </dev/null 2>err &&
		no_esc err && test -s syslog.txt && no_esc syslog.txt &&
		grep -qF "no\\x1bwhere" syslog.txt
	fi
'

test_expect_success 'client add --email takes only a bare addr-spec' '
	for a in "Mallory <mallory@client.example>" "<mallory@client.example>" \
		"group: mallory@client.example;" "@route:mallory@client.example" \
		"mallory@client..example" "mallory@.client.example" "mallory@client.example." \
		"mallory@@client.example" "\"mallory\"@client.example" ".mallory@client.example" \
		"mal..lory@client.example" "mallory@client" "mallory@[192.0.2.1]" \
		"mallory@client.example, robin@client.example" "mallory@-client.example" \
		"$(printf "mal\342\200\213lory@client.example")" "$(printf "mallory\n@client.example")"; do
		test_expect_code 64 confidant client add mallory --email "$a" --key "$KEYS/mallory.pub" \
			--therapist thera 2>err || { echo "accepted: $a" >&2; exit 1; }
		grep -q "bad address" err || { cat err >&2; exit 1; }
	done &&
	registered >now && test_cmp before now &&
	test_must_fail env GNUPGHOME=$PRACTICE/gnupg gpg --batch --list-keys "$(fpr_of mallory)" 2>/dev/null
'

test_expect_success 'an address mixing Latin and Cyrillic is refused' '
	test_expect_code 64 confidant client add mallory --email "$(printf "r\320\276bin@client.example")" \
		--key "$KEYS/mallory.pub" --therapist thera 2>err &&
	grep -q "mixes Latin, Greek, Cyrillic or Armenian letters" err &&
	test_expect_code 64 confidant therapist add mallory --email "$(printf "thera@clinic.\320\265xample")" \
		--key "$KEYS/mallory.pub" 2>err &&
	grep -q "mixes" err &&
	registered >now && test_cmp before now
'

test_expect_success 'a look-alike of a registered address is refused, naming whose it looks like' '
	test_expect_code 64 confidant client add mallory --email "$(printf "rob\303\255n@client.example")" \
		--key "$KEYS/mallory.pub" --therapist thera 2>err &&
	grep -q "looks like .robin@client.example., the registered address of client robin" err &&
	test_expect_code 64 confidant client add mallory --email "$(printf "robi\314\201n@client.example")" \
		--key "$KEYS/mallory.pub" --therapist thera 2>err &&
	grep -q "the registered address of client robin" err &&
	test_expect_code 64 confidant client add mallory --email "$(printf "th\303\251ra@clinic.example")" \
		--key "$KEYS/mallory.pub" --therapist thera 2>err &&
	grep -q "the registered address of therapist thera" err &&
	test_expect_code 64 confidant client add mallory --email "$(printf "pr\303\242ctice@clinic.example")" \
		--key "$KEYS/mallory.pub" --therapist thera 2>err &&
	grep -q "looks like the practice.s address .practice@clinic.example." err &&
	registered >now && test_cmp before now
'

test_expect_success 'an all-Cyrillic look-alike of an all-Latin address is refused' '
	gpg_user poe poe@client.example &&
	confidant client add poe --email poe@client.example --key "$KEYS/poe.pub" --therapist thera &&
	registered >before &&
	test_expect_code 64 confidant client add mallory --email "$(printf "\321\200\320\276\320\265@client.example")" \
		--key "$KEYS/mallory.pub" --therapist thera 2>err &&
	grep -q "the registered address of client poe" err &&
	registered >now && test_cmp before now
'

test_expect_success 'international addresses in one script are registered' '
	confidant client add mallory --email "$(printf "j\303\266rg@m\303\274ller.example")" \
		--key "$KEYS/mallory.pub" --therapist thera &&
	confidant client show mallory --json >m.json &&
	test "$(json "d[\"email\"]" <m.json)" = "$(printf "j\303\266rg@m\303\274ller.example")" &&
	registered >before
'

test_expect_success 'attachment and quarantine IDs are plain decimal numbers' '
	for id in " 1" "1 " "+1" "0x1" "0" "1e0" "1.0" "" "99999999999999999999"; do
		test_expect_code 64 confidant attachment "$id" 2>err || { echo "attachment took [$id]" >&2; exit 1; }
		grep -q "bad attachment ID" err || exit 1
		test_expect_code 64 confidant quarantine show "$id" 2>err || { echo "quarantine took [$id]" >&2; exit 1; }
		grep -q "takes one message ID" err || exit 1
	done &&
	test_expect_code 64 confidant attachment -- -0 2>err && grep -q "bad attachment ID" err &&
	test_expect_code 64 confidant quarantine show -0 &&
	test_expect_code 66 confidant attachment 0001 2>err && grep -q "no attachment 1" err
'

test_expect_success '--day-length takes plain decimal hours' '
	for h in 0x8 inf nan 1e1 " 8" "+8" "8 " "7." ".5" "7,5" 0 25; do
		test_expect_code 64 confidant therapist set thera --day-length "$h" 2>err ||
			{ echo "day length [$h] accepted" >&2; exit 1; }
		grep -q "bad --day-length" err || exit 1
	done &&
	confidant therapist set thera --day-length 7.5 &&
	confidant therapist set thera --day-length 8
'

test_expect_success 'numeric settings take decimal digits only; the file is unchanged on refusal' '
	cp "$PRACTICE/confidant.conf" conf.before &&
	for v in 0x10 +10 " 10" "10 " 1e3 -1 0b1; do
		test_expect_code 64 confidant config retry_base "$v" 2>err || { echo "retry_base [$v]" >&2; exit 1; }
		test_expect_code 64 confidant config max_message_size "$v" 2>err || { echo "size [$v]" >&2; exit 1; }
	done &&
	for v in 0x8 1e1 inf " 8"; do
		test_expect_code 64 confidant config day_length "$v" 2>err || { echo "day_length [$v]" >&2; exit 1; }
	done &&
	for v in smtp://mail.example:+25 "smtp://mail.example: 25" smtp://mail.example:0x19; do
		test_expect_code 64 confidant config smtp "$v" 2>err || { echo "smtp [$v]" >&2; exit 1; }
	done &&
	test_cmp conf.before "$PRACTICE/confidant.conf" &&
	confidant config retry_base 010 && test "$(confidant config retry_base)" = 010 &&
	cp conf.before "$PRACTICE/confidant.conf"
'

test_expect_success 'dates that do not exist are refused' '
	for t in 2026-02-29T10:00:00Z 2026-02-30T10:00:00Z 0000-01-01T00:00:00Z 2026-04-31T10:00:00Z \
		2026-03-02T10:00+01:; do
		CONFIDANT_NOW=$t test_expect_code 64 confidant client list 2>err ||
			{ echo "CONFIDANT_NOW=$t accepted" >&2; exit 1; }
		test_expect_code 64 confidant due --client robin --received "$t" 2>err ||
			{ echo "--received $t accepted" >&2; exit 1; }
		grep -q "bad --received" err || exit 1
	done &&
	CONFIDANT_NOW=2028-02-29T10:00:00Z confidant client list >/dev/null &&
	confidant due --client robin --received 2028-02-29T10:00:00Z >/dev/null
'

test_expect_success 'config NAME VALUE refuses a line break or other control in the value' '
	cp "$PRACTICE/confidant.conf" conf.before &&
	test_expect_code 64 confidant config name "$(printf "A\nretry_base = 1")" 2>err &&
	grep -qF "control characters (here \\x0a)" err &&
	test_expect_code 64 confidant config name "$(printf "A\rB")" 2>err &&
	test_expect_code 64 confidant config name "$(printf "A\177B")" 2>err &&
	test_cmp conf.before "$PRACTICE/confidant.conf"
'

test_expect_success 'a NUL byte in confidant.conf is a configuration error naming file and line' '
	cp -a "$PRACTICE" pnul &&
	printf "[outbox]\nretry_base = 6\0000\n" >>pnul/confidant.conf &&
	line=$(wc -l <pnul/confidant.conf) &&
	cp pnul/confidant.conf conf.nul &&
	test_expect_code 78 confidant -H "$TRASH/pnul" client list 2>err &&
	grep -qF "$TRASH/pnul/confidant.conf:$line: contains a NUL byte" err &&
	test_expect_code 78 confidant -H "$TRASH/pnul" config retry_base 7 2>err &&
	grep -q "contains a NUL byte" err &&
	cmp conf.nul pnul/confidant.conf &&
	compose_entry robin robin@client.example "S" "B" nul1@client.example >m.eml &&
	test_expect_code 75 confidant -H "$TRASH/pnul" deliver <m.eml 2>err &&
	grep -q "contains a NUL byte" err
'

test_expect_success 'a confidant.conf over 1 MiB is a configuration error; deliver keeps the mail' '
	cp -a "$PRACTICE" pbig &&
	head -c 1100000 /dev/zero | tr "\0" "#" >>pbig/confidant.conf &&
	test_expect_code 78 confidant -H "$TRASH/pbig" client list 2>err &&
	grep -qF "$TRASH/pbig/confidant.conf: larger than 1 MiB" err &&
	test_expect_code 78 confidant -H "$TRASH/pbig" config retry_base 7 2>err &&
	grep -q "larger than 1 MiB" err &&
	compose_entry robin robin@client.example "S" "B" big1@client.example >m.eml &&
	test_expect_code 75 confidant -H "$TRASH/pbig" deliver <m.eml 2>err &&
	grep -q "larger than 1 MiB" err &&
	test "$(db_query "$TRASH/pbig" "SELECT count(*) FROM entries")" = 0
'

test_done
