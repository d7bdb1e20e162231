# Decryption oracle ("Re: What's up Johnny"): erin, a registered client,
# captured bob's encrypted entry on the way to the practice.  She sends
# her own signed and encrypted entry: her text, then bob's
# multipart/encrypted as a sub-part.  A gateway that decrypted it would
# show bob's words in erin's journal, and in the notification her
# therapist answers (quoting) to erin.
#
# Expected: quarantined as partial; bob's words show nowhere: no journal,
# no notification, no acknowledgement.
case_class=oracle
case_title="insider entry with another client's multipart/encrypted as a sub-part"
case_expect=quarantine:partial
case_msgid=oracle.1@client.example
case_build() {
	adv_bob_captured &&
	adv_text_part "erin asks: what do you make of this?" >p1 &&
	adv_enc_entity bob.asc enc-b >p2 &&
	adv_mixed mix-b p1 p2 >inner &&
	adv_se erin inner c.asc &&
	adv_wrap "erin@$D" "What's up" "$case_msgid" c.asc
}
