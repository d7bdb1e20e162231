# Signature spoofing ("Johnny, You Are Fired"): a part alice really signed
# (a multipart/signed she sent elsewhere, captured) wrapped in unsigned
# MIME: eve encrypts, without a signature of her own, a multipart/mixed
# whose first part is her text and whose second part is alice's signed
# part.  A mail client that shows "signed by alice" for any signed part
# credits eve's text to alice.
#
# Expected: quarantined as partial (a signed part mixed with unsigned
# content); the canary reaches no journal.
case_class=sig
case_title='signed part after prepended unsigned text'
case_expect=quarantine:partial
case_msgid=sig.prepend@client.example
case_build() {
	adv_text_part "alice signed these words" >signed.part &&
	adv_text_part "$CANARY eve writes as alice" >p1 &&
	adv_signed_entity alice signed.part sig-b >p2 &&
	adv_mixed mix-b p1 p2 >inner &&
	adv_eo eve inner c.asc &&
	adv_wrap "alice@$D" "Prepended" "$case_msgid" c.asc
}
