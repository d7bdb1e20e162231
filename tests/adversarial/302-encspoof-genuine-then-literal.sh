# Encryption spoofing with a genuine signature: alice's real signed and
# encrypted entry, captured, with eve's cleartext literal packet appended.
# gpg decrypts alice's part and verifies her good signature before it
# meets the second plaintext; a reader that keeps what it got would file
# eve's words under alice's signature.
#
# Expected: quarantined as decrypt-failed; neither eve's nor alice's words
# reach a journal.
case_class=encspoof
case_title="captured genuine entry with a cleartext literal packet appended"
case_expect=quarantine:decrypt-failed
case_msgid=encspoof.3@client.example
case_build() {
	make_mime_entry "Genuine" "$(secret_of alice) genuine words" >in &&
	adv_se alice in genuine.asc &&
	adv_dearmor genuine.asc genuine.gpg &&
	make_mime_entry "Spoof" "$CANARY appended cleartext" >lit.in &&
	gpg --batch --yes --store -z 0 --output lit.gpg lit.in &&
	cat genuine.gpg lit.gpg >c.gpg &&
	{ practice_gpg --status-fd 3 --decrypt c.gpg >/dev/null 2>&1 3>status; test $? != 0; } &&
	grep -q GOODSIG status &&
	adv_armor c.gpg c.asc &&
	adv_wrap "alice@$D" "Spoof" "$case_msgid" c.asc
}
