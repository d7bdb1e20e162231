# Decryption oracle through inline PGP: erin sends an inline PGP entry (a
# text/plain body that is one armored block, signed and encrypted by her
# to the practice) whose plaintext is bob's captured armored ciphertext.
# The decrypted text would go to erin's journal and to her therapist with
# bob's ciphertext in it, ready for anyone holding the practice key.
#
# Expected: quarantined as partial; bob's words show nowhere.
case_class=oracle
case_title="inline PGP entry whose plaintext is another client's armored ciphertext"
case_expect=quarantine:partial
case_msgid=oracle.12@client.example
case_build() {
	adv_bob_captured &&
	adv_se erin bob.asc c.asc &&
	craft_inline "erin@$D" "Inline" "$case_msgid" c.asc
}
