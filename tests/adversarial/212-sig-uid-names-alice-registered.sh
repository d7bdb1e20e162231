# A signature by a registered key whose user ID names another client:
# mallory's pinned key carries the user IDs mallory@client.example and
# alice@client.example (the practice keyring lists both).  She signs,
# From alice.  Only the address registered for the key counts.
#
# Expected: quarantined as address-mismatch.
case_class=sig
case_title='registered key with a second user ID naming alice'
case_expect=quarantine:address-mismatch
case_msgid=sig.uid2@client.example
case_build() {
	practice_gpg --with-colons --list-keys "$(fpr_of mallory)" >uids &&
	grep -q "^uid:.*<alice@$D>" uids &&
	make_mime_entry "UID" "$CANARY mallory as alice" >in &&
	adv_se mallory in c.asc &&
	adv_wrap "Alice <alice@$D>" "UID" "$case_msgid" c.asc
}
