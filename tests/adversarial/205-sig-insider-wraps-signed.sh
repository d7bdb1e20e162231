# Signature spoofing by a registered client: erin signs and encrypts her
# own entry, From alice, whose content is her text plus alice's captured
# multipart/signed.  Two signers, and a From that is not the outer
# signer's.
#
# Expected: quarantined as partial (the mix is found before the signer is
# looked at); nothing reaches erin's or alice's journal.
case_class=sig
case_title='insider entry carrying a part signed by another client'
case_expect=quarantine:partial
case_msgid=sig.insider@client.example
case_build() {
	adv_text_part "alice signed these words" >signed.part &&
	adv_text_part "$CANARY erin as alice" >p1 &&
	adv_signed_entity alice signed.part sig-b >p2 &&
	adv_mixed mix-b p1 p2 >inner &&
	adv_se erin inner c.asc &&
	adv_wrap "alice@$D" "Insider" "$case_msgid" c.asc
}
