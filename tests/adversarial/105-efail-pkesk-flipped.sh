# EFAIL: tampered ciphertext, a byte flipped in the public-key encrypted
# session key packet: the session key cannot be recovered.
#
# Expected: quarantined as decrypt-failed (the practice key itself works,
# so this is the message's fault, not a temporary failure); nothing sent.
case_class=efail
case_title='byte flipped in the session key packet'
case_expect=quarantine:decrypt-failed
case_msgid=efail.pkesk@client.example
case_build() {
	make_mime_entry "PKESK flip" "$CANARY pkesk" >in &&
	adv_se alice in c.asc &&
	adv_dearmor c.asc c.gpg && flip_byte c.gpg 40 && adv_armor c.gpg bad.asc &&
	adv_wrap "alice@$D" "PKESK flip" "$case_msgid" bad.asc
}
