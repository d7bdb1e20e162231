# Signature spoofing: a multipart/alternative offering eve's text/plain
# and alice's captured multipart/signed as "the same content": a client
# shows the plain text and the signature state of the other alternative.
#
# Expected: quarantined as partial.
case_class=sig
case_title='signed part as one of two alternatives'
case_expect=quarantine:partial
case_msgid=sig.alt@client.example
case_build() {
	adv_text_part "alice signed these words" >signed.part &&
	adv_text_part "$CANARY eve as alice" >p1 &&
	adv_signed_entity alice signed.part sig-b >p2 &&
	ADV_MP_TYPE=multipart/alternative adv_mixed alt-b p1 p2 >inner &&
	adv_eo eve inner c.asc &&
	adv_wrap "alice@$D" "Alternative" "$case_msgid" c.asc
}
