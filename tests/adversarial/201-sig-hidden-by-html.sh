# Signature spoofing: the signed part hidden by HTML.  Inside an unsigned
# encryption: an HTML part with eve's text that opens a <div
# style="display:none">, alice's captured multipart/signed, and an HTML
# part that closes the div.  A client rendering the parts as one page
# shows eve's text under alice's signature indicator.
#
# Expected: quarantined as partial.
case_class=sig
case_title='signed part hidden by display:none HTML around it'
case_expect=quarantine:partial
case_msgid=sig.hidden@client.example
case_build() {
	adv_text_part "alice signed these words" >signed.part &&
	adv_text_part "<html><body><p>$CANARY eve as alice</p><div style=\"display:none\">" text/html >p1 &&
	adv_signed_entity alice signed.part sig-b >p2 &&
	adv_text_part '</div></body></html>' text/html >p3 &&
	adv_mixed mix-b p1 p2 p3 >inner &&
	adv_eo eve inner c.asc &&
	adv_wrap "alice@$D" "Hidden" "$case_msgid" c.asc
}
