# A signature by a key whose user ID names another client: eve makes a
# key with the user ID "Alice <alice@client.example>" and signs From
# alice.  Identity comes from the pinned fingerprint, never a user ID.
#
# Expected: quarantined as unknown-signer.
case_class=sig
case_title='stranger key whose user ID is alice@client.example'
case_expect=quarantine:unknown-signer
case_msgid=sig.uid1@client.example
case_build() {
	{ [ -s "$KEYS/evealice.fpr" ] || gpg_user evealice "alice@$D" >/dev/null 2>&1; } &&
	gpg_import evealice "$KEYS/practice.pub" &&
	make_mime_entry "UID" "$CANARY eve with alice uid" >in &&
	adv_se evealice in c.asc &&
	adv_wrap "Alice <alice@$D>" "UID" "$case_msgid" c.asc
}
