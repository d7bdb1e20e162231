# Decryption oracle: erin's signed entry forwards bob's whole captured
# mail inline, as a message/rfc822 part that is not an attachment.
#
# Expected: quarantined as partial; bob's words show nowhere.
case_class=oracle
case_title="insider entry forwarding another client's encrypted mail inline"
case_expect=quarantine:partial
case_msgid=oracle.3@client.example
case_build() {
	adv_bob_captured &&
	adv_text_part "erin forwards" >p1 &&
	{ printf 'Content-Type: message/rfc822\r\n\r\n'; cat bob.eml; } >p2 &&
	adv_mixed mix-b p1 p2 >inner &&
	adv_se erin inner c.asc &&
	adv_wrap "erin@$D" "Fwd" "$case_msgid" c.asc
}
