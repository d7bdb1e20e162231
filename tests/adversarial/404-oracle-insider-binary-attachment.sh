# Decryption oracle: erin's signed entry carries bob's captured
# ciphertext, binary, as an application/octet-stream attachment
# "bob.pgp".
#
# Expected: accepted into erin's journal with the attachment as opaque
# bytes, or quarantined as partial; bob's words show nowhere.
case_class=oracle
case_title="insider entry with another client's binary ciphertext attached"
case_expect='journal:erin|quarantine:partial'
case_msgid=oracle.5@client.example
case_build() {
	adv_bob_captured &&
	adv_dearmor bob.asc bob.gpg &&
	make_mime_entry "Attached" "erin attaches a file" bob.gpg >inner &&
	adv_se erin inner c.asc &&
	adv_wrap "erin@$D" "Attached file" "$case_msgid" c.asc
}
