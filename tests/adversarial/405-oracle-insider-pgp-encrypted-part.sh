# Decryption oracle: erin's signed entry holds bob's armored ciphertext in
# a lone application/pgp-encrypted part (the type of the PGP/MIME control
# part), as if it were a control part of its own.
#
# Expected: quarantined as partial; bob's words show nowhere.
case_class=oracle
case_title="insider entry with another client's ciphertext as application/pgp-encrypted"
case_expect=quarantine:partial
case_msgid=oracle.6@client.example
case_build() {
	adv_bob_captured &&
	adv_text_part "erin" >p1 &&
	{ printf 'Content-Type: application/pgp-encrypted\r\n\r\n'; crlf <bob.asc; } >p2 &&
	adv_mixed mix-b p1 p2 >inner &&
	adv_se erin inner c.asc &&
	adv_wrap "erin@$D" "Control part" "$case_msgid" c.asc
}
