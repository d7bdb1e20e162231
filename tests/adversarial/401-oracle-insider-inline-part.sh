# Decryption oracle: erin's signed entry holds bob's captured ciphertext
# as an inline armored block in a second text/plain part.
#
# Expected: quarantined as partial; bob's words show nowhere.
case_class=oracle
case_title="insider entry with another client's armored block in a text part"
case_expect=quarantine:partial
case_msgid=oracle.2@client.example
case_build() {
	adv_bob_captured &&
	adv_text_part "erin quotes something" >p1 &&
	{ printf 'Content-Type: text/plain; charset=us-ascii\r\n\r\n'; crlf <bob.asc; } >p2 &&
	adv_mixed mix-b p1 p2 >inner &&
	adv_se erin inner c.asc &&
	adv_wrap "erin@$D" "Quote" "$case_msgid" c.asc
}
