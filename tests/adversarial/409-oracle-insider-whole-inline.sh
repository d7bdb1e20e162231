# Decryption oracle: erin signs and encrypts an entry whose whole content
# is one text/plain part holding nothing but bob's captured ciphertext,
# armored.  The content root is itself the encrypted part: an entry so
# made would be journaled as erin's and relayed to the therapist, bob's
# ciphertext and all, for anyone who holds the practice key to open.
#
# Expected: quarantined as partial (an encrypted block in the decrypted
# content, root or not); bob's words show nowhere.
case_class=oracle
case_title="insider entry whose whole text is another client's armored ciphertext"
case_expect=quarantine:partial
case_msgid=oracle.10@client.example
case_build() {
	adv_bob_captured &&
	{ printf 'Content-Type: text/plain; charset=us-ascii\r\n\r\n'; crlf <bob.asc; } >inner &&
	adv_se erin inner c.asc &&
	adv_wrap "erin@$D" "Only this" "$case_msgid" c.asc
}
