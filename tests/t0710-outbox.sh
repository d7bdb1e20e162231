#!/bin/bash
# The outbox: failed hand-offs are retried with backoff and handed off once;
# held messages wait for a usable key; confidant reply, flush and outbox.
. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIR/lib-gpg.sh"
. "$TEST_DIR/lib-relay.sh"

jq_py() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }
tries() { cat "$SENT_DIR/tries" 2>/dev/null || echo 0; }

test_expect_success 'setup' '
	practice_init &&
	gpg_user thera thera@clinic.example &&
	confidant therapist add thera --email thera@clinic.example --key "$KEYS/thera.pub" &&
	gpg_user_aged alice alice@client.example 10 &&
	confidant client add alice --email alice@client.example --key "$KEYS/alice.pub" --therapist thera &&
	gpg_user bob bob@client.example &&
	confidant client add bob --email bob@client.example --key "$KEYS/bob.pub" --therapist thera &&
	for p in thera alice bob; do gpg_import $p "$KEYS/practice.pub"; done &&
	use_capture_sendmail
'

test_expect_success 'a sendmail that fails twice then succeeds hands the message off once' '
	echo 2 >"$SENT_DIR/fail_first" && echo thera@clinic.example >"$SENT_DIR/fail_to" &&
	compose_entry bob bob@client.example "Retry" "retry body" r1@client.example >r1.eml &&
	confidant deliver <r1.eml &&
	test "$(cat "$SENT_DIR/tries.fail")" = 1 && test "$(to_count thera@clinic.example)" = 0 &&
	confidant outbox --json >o.json &&
	test "$(jq_py "d[0][\"state\"], d[0][\"attempts\"], d[0][\"kind\"], d[0][\"recipient\"]" <o.json)" = \
		"queued 1 notification thera@clinic.example" &&
	test "$(jq_py "d[0][\"next_attempt\"]" <o.json)" = 2026-03-02T10:01:00Z &&
	jq_py "d[0][\"last_error\"]" <o.json | grep -q "exited with status 75: sendmail: queue file write error" &&
	confidant flush >f && grep -q "sent 0, failed 0" f && test "$(cat "$SENT_DIR/tries.fail")" = 1 &&
	CONFIDANT_NOW=2026-03-02T10:01:00Z confidant flush >f && grep -q "failed 1" f &&
	test "$(cat "$SENT_DIR/tries.fail")" = 2 &&
	confidant outbox --json | jq_py "d[0][\"next_attempt\"]" >next &&
	echo 2026-03-02T10:03:00Z >expect && test_cmp expect next &&
	CONFIDANT_NOW=2026-03-02T10:02:59Z confidant flush && test "$(cat "$SENT_DIR/tries.fail")" = 2 &&
	CONFIDANT_NOW=2026-03-02T10:03:00Z confidant flush --json >f.json &&
	test "$(jq_py "d[\"sent\"]" <f.json)" = 1 && test "$(cat "$SENT_DIR/tries.fail")" = 3 &&
	test "$(to_count thera@clinic.example)" = 1 &&
	for t in 10:10 11:00 23:00; do CONFIDANT_NOW=2026-03-02T$t:00Z confidant flush >/dev/null; done &&
	test "$(cat "$SENT_DIR/tries.fail")" = 3 && test "$(to_count thera@clinic.example)" = 1 &&
	confidant outbox --json >o.json && test "$(cat o.json)" = "[]" &&
	confidant outbox --all --json | jq_py "[(o[\"state\"], o[\"attempts\"]) for o in d if o[\"kind\"] == \"notification\"][0]" >s &&
	echo "(\x27sent\x27, 3)" | sed "s/\\\\x27/\x27/g" >expect && test_cmp expect s &&
	rm "$SENT_DIR/fail_first" "$SENT_DIR/fail_to"
'

test_expect_success 'a sendmail that hangs is stopped and the hand-off retried' '
	confidant config send_timeout 2 &&
	printf "#!/bin/sh\nsleep 30\n" >"$TRASH/hang" && chmod +x "$TRASH/hang" &&
	confidant config sendmail "$TRASH/hang" &&
	compose_entry bob bob@client.example "Hang" "hang body" h1@client.example >h1.eml &&
	start=$(date +%s) && confidant deliver <h1.eml && end=$(date +%s) &&
	test $((end - start)) -lt 30 &&
	confidant outbox --json | jq_py "d[0][\"state\"], d[0][\"last_error\"]" | grep -q "queued sendmail did not finish" &&
	use_capture_sendmail && confidant config send_timeout 120 &&
	CONFIDANT_NOW=2026-03-02T11:00:00Z confidant flush && test "$(to_count thera@clinic.example)" = 2
'

test_expect_success 'a sendmail whose child keeps stderr open still counts by its exit' '
	printf "#!/bin/sh\n\"%s\" \"\$@\"\nrc=\$?\n(sleep 6) &\nexit \$rc\n" "$TRASH/sendmail" >"$TRASH/bg" &&
	chmod +x "$TRASH/bg" && confidant config send_timeout 2 &&
	confidant config sendmail "$TRASH/bg -oi -t" &&
	before=$(to_count thera@clinic.example) &&
	compose_entry bob bob@client.example "Bg" "bg body" bg1@client.example >bg1.eml &&
	confidant deliver <bg1.eml &&
	test "$(to_count thera@clinic.example)" = $((before + 1)) &&
	confidant outbox --json >o.json && test "$(cat o.json)" = "[]" &&
	CONFIDANT_NOW=2026-03-02T12:00:00Z confidant flush &&
	test "$(to_count thera@clinic.example)" = $((before + 1)) &&
	use_capture_sendmail && confidant config send_timeout 120
'

test_expect_success 'killed after the hand-off: sent again later with the same Message-ID, then never again' '
	compose_entry bob bob@client.example "Crash" "crash body" k1@client.example >k1.eml &&
	before=$(to_count thera@clinic.example) &&
	CONFIDANT_CRASH_AT=after-handoff test_expect_code 137 confidant deliver <k1.eml &&
	test "$(to_count thera@clinic.example)" = $((before + 1)) && first=$(last_to thera@clinic.example) &&
	confidant outbox --json | jq_py "d[0][\"state\"]" >s && echo sending >expect && test_cmp expect s &&
	CONFIDANT_NOW=2026-03-02T10:05:00Z confidant flush && test "$(to_count thera@clinic.example)" = $((before + 1)) &&
	CONFIDANT_NOW=2026-03-02T10:30:00Z confidant flush && test "$(to_count thera@clinic.example)" = $((before + 2)) &&
	test "$(msgid_of "$first")" = "$(msgid_of "$(last_to thera@clinic.example)")" &&
	CONFIDANT_NOW=2026-03-02T12:00:00Z confidant flush && test "$(to_count thera@clinic.example)" = $((before + 2))
'

test_expect_success 'confidant reply: from stdin, stored as out and sent to the client' '
	compose_entry alice alice@client.example "Sleep" "I slept badly." s1@client.example >s1.eml &&
	confidant deliver <s1.eml && before=$(to_count alice@client.example) &&
	echo "Try the routine we discussed." | confidant reply alice >out &&
	grep -q "reply to alice stored as entry" out &&
	confidant journal alice --json >j.json &&
	test "$(jq_py "d[-1][\"direction\"], d[-1][\"subject\"]" <j.json)" = "out Re: Sleep" &&
	test "$(jq_py "d[-1][\"body\"]" <j.json)" = "Try the routine we discussed." &&
	test "$(jq_py "d[-1][\"thread\"] == d[0][\"thread\"]" <j.json)" = True &&
	test "$(to_count alice@client.example)" = $((before + 1)) &&
	c=$(last_to alice@client.example) &&
	test "$(header "$c" In-Reply-To)" = "<s1@client.example>" &&
	decrypt_as alice "$c" | grep -q "Try the routine we discussed." &&
	{ enc_keyid alice; practice_enc_keyid; } | sort >want && recipients_of "$c" >got && test_cmp want got
'

test_expect_success 'confidant reply --to, --subject and --attach' '
	compose_entry alice alice@client.example "Other" "A second topic." s2@client.example >s2.eml &&
	confidant deliver <s2.eml && before=$(to_count alice@client.example) &&
	printf "%%PDF-1.4 worksheet\n" >worksheet.pdf &&
	echo "See the worksheet." | confidant reply alice --to s1@client.example --subject "Your worksheet" \
		--attach worksheet.pdf &&
	confidant journal alice --json | python3 -c "import json,sys; print(json.dumps([e for e in json.load(sys.stdin) if e[\"subject\"] == \"Your worksheet\"]))" >j.json &&
	test "$(jq_py "len(d), d[0][\"direction\"]" <j.json)" = "1 out" &&
	test "$(jq_py "d[0][\"attachments\"][0][\"filename\"], d[0][\"attachments\"][0][\"content_type\"]" <j.json)" = \
		"worksheet.pdf application/pdf" &&
	test "$(jq_py "d[0][\"attachments\"][0][\"sha256\"]" <j.json)" = "$(sha256sum worksheet.pdf | cut -d" " -f1)" &&
	confidant journal alice --json | jq_py "[e[\"thread\"] for e in d if e[\"message_id\"] == \"s1@client.example\"] == [e[\"thread\"] for e in d if e[\"subject\"] == \"Your worksheet\"]" >same &&
	echo True >expect && test_cmp expect same &&
	test "$(to_count alice@client.example)" = $((before + 1)) &&
	c=$(last_to alice@client.example) &&
	test "$(header "$c" In-Reply-To)" = "<s1@client.example>" &&
	decrypt_as alice "$c" >plain && grep -q "filename=\"worksheet.pdf\"" plain && grep -q "Subject: Your worksheet" plain
'

test_expect_success NEOMUTT 'confidant reply on a terminal opens VISUAL' '
	printf "#!/bin/sh\nprintf \"Written in the editor.\\\\n\" >>\"\$1\"\n" >"$TRASH/ed" && chmod +x "$TRASH/ed" &&
	before=$(to_count alice@client.example) &&
	tmux -S "$TRASH/tmux.sock" -f /dev/null new-session -d -x 120 -y 30 \
		"env VISUAL=$TRASH/ed CONFIDANT_HOME=$PRACTICE CONFIDANT_NOW=$CONFIDANT_NOW SENT_DIR=$SENT_DIR $CONFIDANT reply alice >$TRASH/tty.out 2>&1; echo done >$TRASH/tty.done" &&
	for i in $(seq 1 200); do [ -f "$TRASH/tty.done" ] && break; sleep 0.05; done &&
	tmux -S "$TRASH/tmux.sock" kill-server 2>/dev/null;
	test -f "$TRASH/tty.done" && grep -q "stored as entry" "$TRASH/tty.out" &&
	test "$(to_count alice@client.example)" = $((before + 1)) &&
	decrypt_as alice "$(last_to alice@client.example)" | grep -q "Written in the editor."
'

test_expect_success 'confidant reply refuses bad input and sends nothing' '
	before=$(sent_count) &&
	echo x | test_expect_code 66 confidant reply nobody 2>err && grep -q "no client .nobody." err &&
	echo x | test_expect_code 66 confidant reply alice --to nope@x 2>err && grep -q "no entry <nope@x>" err &&
	echo x | test_expect_code 66 confidant reply alice --attach missing.pdf 2>err && grep -q "missing.pdf.*no such file" err &&
	printf "  \n" | test_expect_code 65 confidant reply alice 2>err && grep -q "empty" err &&
	test_expect_code 64 confidant reply 2>err &&
	test "$(sent_count)" = "$before"
'

test_expect_success 'a client key that has expired holds the reply and alerts the practice' '
	expire_key alice &&
	before=$(sent_count) && before_a=$(to_count alice@client.example) &&
	echo "Held reply text" | confidant reply alice 2>err &&
	grep -q "held" err && grep -q "expired" err &&
	confidant outbox --json >o.json &&
	test "$(jq_py "\" \".join(o[\"state\"] for o in d if o[\"kind\"] == \"reply\")" <o.json)" = held &&
	jq_py "[o[\"last_error\"] for o in d if o[\"kind\"] == \"reply\"][0]" <o.json | grep -q "has expired" &&
	test "$(sent_count)" = $((before + 1)) && test "$(to_count alice@client.example)" = "$before_a" &&
	a=$(last_to practice@clinic.example) &&
	GNUPGHOME=$PRACTICE/gnupg gpg --batch -d <(armor_of "$a") 2>/dev/null >alert &&
	grep -q "held in the outbox" alert && ! grep -q "Held reply text" alert &&
	! grep -rqa --exclude-dir=gnupg "Held reply text" "$PRACTICE"
'

test_expect_success 'once the key is renewed, flush sends the held reply' '
	renew_key alice && before=$(to_count alice@client.example) &&
	CONFIDANT_NOW=2026-03-02T12:00:00Z confidant flush >f && grep -q "sent 1" f &&
	test "$(to_count alice@client.example)" = $((before + 1)) &&
	decrypt_as alice "$(last_to alice@client.example)" | grep -q "Held reply text"
'

test_done
