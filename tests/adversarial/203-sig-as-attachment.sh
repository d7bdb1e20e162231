# Signature spoofing: alice's captured signed part marked as an
# attachment, next to eve's unsigned text, inside an unsigned encryption.
#
# Expected: quarantined as partial.
case_class=sig
case_title='signed part marked as an attachment'
case_expect=quarantine:partial
case_msgid=sig.attach@client.example
case_build() {
	adv_text_part "alice signed these words" >signed.part &&
	adv_text_part "$CANARY eve as alice" >p1 &&
	adv_signed_entity alice signed.part sig-b 'Content-Disposition: attachment; filename="signed.eml"' >p2 &&
	adv_mixed mix-b p1 p2 >inner &&
	adv_eo eve inner c.asc &&
	adv_wrap "alice@$D" "Attached" "$case_msgid" c.asc
}
