#!/bin/bash
# SMTP submission with libetpan: AUTH with a password file only the
# practice user can read, STARTTLS verified against the CA we name, and
# failures that leave the message in the outbox for the next flush.
. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIR/lib-gpg.sh"
. "$TEST_DIR/lib-relay.sh"

command -v openssl >/dev/null 2>&1 || skip_all "openssl is not installed (needed to make test certificates)"
command -v python3 >/dev/null 2>&1 || skip_all "python3 is not installed (the test SMTP server)"

jq_py() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }
SERVERS=""
stop_servers() { for p in $SERVERS; do kill "$p" 2>/dev/null; done; }
test_at_end stop_servers

# start_server NAME ARGS...: an SMTP server writing into $TRASH/NAME.
start_server() {
	name=$1; shift
	rm -f "$TRASH/$name.port"
	python3 "$TEST_DIR/smtp-server.py" --dir "$TRASH/$name" --port-file "$TRASH/$name.port" "$@" \
		>"$TRASH/$name.log" 2>&1 &
	SERVERS="$SERVERS $!"
	echo "$!" >"$TRASH/$name.pid"
	for i in $(seq 1 100); do [ -f "$TRASH/$name.port" ] && break; sleep 0.05; done
	test -f "$TRASH/$name.port"
}
port_of() { cat "$TRASH/$1.port"; }
received() { ls "$TRASH/$1" 2>/dev/null | grep -c '\.eml$'; }

# A test CA and a server certificate for 127.0.0.1, and a second CA.
make_certs() {
	for ca in ca other-ca; do
		openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=Confidant test $ca" \
			-keyout "$TRASH/$ca.key" -out "$TRASH/$ca.pem" 2>/dev/null || return 1
	done
	openssl req -newkey rsa:2048 -nodes -subj "/CN=127.0.0.1" -keyout "$TRASH/server.key" \
		-out "$TRASH/server.csr" 2>/dev/null &&
	printf "subjectAltName=IP:127.0.0.1,DNS:localhost\n" >"$TRASH/san.ext" &&
	openssl x509 -req -in "$TRASH/server.csr" -CA "$TRASH/ca.pem" -CAkey "$TRASH/ca.key" \
		-CAcreateserial -days 2 -extfile "$TRASH/san.ext" -out "$TRASH/server.pem" 2>/dev/null
}

# The SMTP servers need to be started in the main shell to outlive tests.
setup_practice thera alice >/dev/null 2>&1 || { echo "Bail out! setup failed"; exit 1; }
gpg_import thera "$KEYS/practice.pub"
confidant config acknowledge no >/dev/null
make_certs || { echo "Bail out! cannot make certificates"; exit 1; }
start_server plain --user confidant --password 's3cret pass' || { echo "Bail out! no server"; exit 1; }
start_server tls --cert "$TRASH/server.pem" --key "$TRASH/server.key" --user confidant --password 's3cret pass' ||
	{ echo "Bail out! no server"; exit 1; }
start_server busy --fail-rcpt || { echo "Bail out! no server"; exit 1; }

test_expect_success 'smtp settings are validated' '
	test_expect_code 64 confidant config transport pigeon 2>err && grep -q "sendmail or smtp" err &&
	test_expect_code 64 confidant config smtp "http://x.example" 2>err && grep -q "smtp://USER@HOST:PORT" err &&
	test_expect_code 64 confidant config smtp "smtp://u@host:99999" 2>err &&
	confidant config smtp "smtp://confidant@127.0.0.1:$(port_of plain)" &&
	confidant config transport smtp
'

test_expect_success 'a password file others can read is refused; the message waits' '
	printf "s3cret pass\n" >pw && chmod 644 pw &&
	confidant config smtp_password_file "$TRASH/pw" &&
	compose_entry alice alice@client.example "One" "first entry" e1@client.example >e1.eml &&
	confidant deliver <e1.eml &&
	test "$(received plain)" = 0 &&
	confidant outbox --json | jq_py "d[0][\"last_error\"]" | grep -q "must be mode 0600"
'

test_expect_success 'with the password file 0600: AUTH, and the message is submitted once' '
	chmod 600 pw &&
	CONFIDANT_NOW=2026-03-02T10:05:00Z confidant flush >f && grep -q "sent 1" f &&
	test "$(received plain)" = 1 &&
	grep -q "^from <practice@clinic.example>" "$TRASH/plain/1.env" &&
	grep -q "^to <thera@clinic.example>" "$TRASH/plain/1.env" &&
	grep -q "^auth confidant" "$TRASH/plain/1.env" &&
	test "$(header "$TRASH/plain/1.eml" To)" = thera@clinic.example &&
	decrypt_as thera "$TRASH/plain/1.eml" | grep -q "first entry" &&
	CONFIDANT_NOW=2026-03-02T12:00:00Z confidant flush && test "$(received plain)" = 1
'

test_expect_success 'a wrong password fails the hand-off and keeps the message' '
	printf "wrong\n" >pw &&
	compose_entry alice alice@client.example "Two" "second entry" e2@client.example >e2.eml &&
	confidant deliver <e2.eml &&
	test "$(received plain)" = 1 &&
	confidant outbox --json | jq_py "d[0][\"state\"], d[0][\"last_error\"]" | grep -q "queued SMTP authentication" &&
	printf "s3cret pass\n" >pw &&
	CONFIDANT_NOW=2026-03-02T10:05:00Z confidant flush && test "$(received plain)" = 2
'

test_expect_success 'the password is nowhere in the home: database, audit trail, configuration' '
	! grep -r -a -l "s3cret" "$PRACTICE" &&
	db_query "$PRACTICE" "SELECT detail FROM audit WHERE action = '\''config'\''" | grep -q "smtp_password_file = $TRASH/pw"
'

test_expect_success 'a server that defers the recipient keeps the message queued' '
	confidant config smtp "smtp://127.0.0.1:$(port_of busy)" &&
	compose_entry alice alice@client.example "Three" "third entry" e3@client.example >e3.eml &&
	confidant deliver <e3.eml &&
	confidant outbox --json | jq_py "d[0][\"last_error\"]" | grep -q "RCPT TO" &&
	test "$(received busy)" = 0
'

test_expect_success 'STARTTLS, verified against smtp_ca_file' '
	confidant config smtp "smtp://confidant@127.0.0.1:$(port_of tls)" &&
	confidant config smtp_ca_file "$TRASH/ca.pem" &&
	CONFIDANT_NOW=2026-03-02T10:05:00Z confidant flush >f && grep -q "sent 1" f &&
	test "$(received tls)" = 1 && grep -q "^tls yes" "$TRASH/tls/1.env" &&
	grep -q "^auth confidant" "$TRASH/tls/1.env"
'

test_expect_success 'a certificate from another CA fails the hand-off' '
	confidant config smtp_ca_file "$TRASH/other-ca.pem" &&
	compose_entry alice alice@client.example "Four" "fourth entry" e4@client.example >e4.eml &&
	confidant deliver <e4.eml &&
	test "$(received tls)" = 1 &&
	confidant outbox --json | jq_py "d[0][\"last_error\"]" | grep -q "TLS with 127.0.0.1 failed" &&
	confidant config smtp_ca_file "$TRASH/ca.pem" &&
	CONFIDANT_NOW=2026-03-02T10:05:00Z confidant flush && test "$(received tls)" = 2
'

test_expect_success 'a password file behind a symbolic link is refused: the secret key never goes as a password' '
	ln -s "$(ls "$PRACTICE"/gnupg/private-keys-v1.d/*.key | head -n 1)" pwlink &&
	confidant config smtp_password_file "$TRASH/pwlink" &&
	compose_entry alice alice@client.example "Five" "fifth entry" e5@client.example >e5.eml &&
	confidant deliver <e5.eml &&
	test "$(received tls)" = 2 &&
	confidant outbox --json | jq_py "d[0][\"last_error\"]" | grep -q "pwlink.*symbolic link" &&
	! grep -r -a -l "PRIVATE\|private-key" "$TRASH/tls" &&
	confidant config smtp_password_file "$TRASH/pw" &&
	CONFIDANT_NOW=2026-03-02T10:05:00Z confidant flush && test "$(received tls)" = 3
'

test_done
