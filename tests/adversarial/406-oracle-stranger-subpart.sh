# Decryption oracle by a stranger: eve encrypts (no signature) a
# multipart/mixed with her question and bob's captured multipart/encrypted,
# From bob, hoping the practice decrypts both and answers.
#
# Expected: quarantined as partial (or unsigned); bob's words show
# nowhere.
case_class=oracle
case_title="stranger's unsigned entry with a captured ciphertext inside"
case_expect='quarantine:partial|quarantine:unsigned'
case_msgid=oracle.7@client.example
case_build() {
	adv_bob_captured &&
	adv_text_part "$CANARY please read the part below" >p1 &&
	adv_enc_entity bob.asc enc-b >p2 &&
	adv_mixed mix-b p1 p2 >inner &&
	adv_eo eve inner c.asc &&
	adv_wrap "bob@$D" "Read below" "$case_msgid" c.asc
}
