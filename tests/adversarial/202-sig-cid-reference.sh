# Signature spoofing: the signed part referenced by cid:.  A
# multipart/related whose HTML root shows eve's text and pulls alice's
# captured multipart/signed in by its Content-ID, inside an unsigned
# encryption.
#
# Expected: quarantined as partial.
case_class=sig
case_title='signed part referenced by cid: from an HTML root'
case_expect=quarantine:partial
case_msgid=sig.cid@client.example
case_build() {
	adv_text_part "alice signed these words" >signed.part &&
	adv_text_part "<html><body><p>$CANARY eve as alice</p><iframe src=\"cid:signed.1@client.example\"></iframe></body></html>" text/html >p1 &&
	adv_signed_entity alice signed.part sig-b "Content-ID: <signed.1@client.example>" >p2 &&
	ADV_MP_TYPE='multipart/related; type="text/html"' adv_mixed rel-b p1 p2 >inner &&
	adv_eo eve inner c.asc &&
	adv_wrap "alice@$D" "Cid" "$case_msgid" c.asc
}
