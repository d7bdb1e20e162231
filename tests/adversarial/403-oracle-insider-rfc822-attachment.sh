# Decryption oracle: erin's signed entry carries bob's captured mail as a
# message/rfc822 attachment.  An attachment is data: kept as it is, bob's
# words still encrypted; or the whole entry refused as partial.  Either
# way nothing below the root is decrypted.
#
# Expected: accepted into erin's journal with the attachment as opaque
# bytes, or quarantined as partial; bob's words show nowhere.
case_class=oracle
case_title="insider entry with another client's mail as a message/rfc822 attachment"
case_expect='journal:erin|quarantine:partial'
case_msgid=oracle.4@client.example
case_build() {
	adv_bob_captured &&
	adv_text_part "erin attaches a mail" >p1 &&
	{ printf 'Content-Type: message/rfc822\r\nContent-Disposition: attachment; filename="bob.eml"\r\n\r\n'
	  cat bob.eml; } >p2 &&
	adv_mixed mix-b p1 p2 >inner &&
	adv_se erin inner c.asc &&
	adv_wrap "erin@$D" "Attached mail" "$case_msgid" c.asc
}
