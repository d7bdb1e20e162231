# Encryption spoofing inside the encryption: eve builds (forge.py) an
# integrity-protected packet to the practice holding two plaintexts: her
# own literal packet and, after it, alice's signed-only message (one-pass
# signature, literal, signature).  Both are inside one good encryption.
#
# Expected: quarantined as decrypt-failed (gpg refuses multiple
# plaintexts) or bad-signature; never alice's journal.
case_class=encspoof
case_title='two plaintexts inside one integrity-protected packet'
case_expect='quarantine:decrypt-failed|quarantine:bad-signature'
case_msgid=encspoof.5@client.example
case_prereq=FORGE
case_build() {
	make_mime_entry "Two" "$CANARY eve first" >lit.in &&
	gpg --batch --yes --store -z 0 --output lit.gpg lit.in &&
	adv_text_part "alice signed these words" >a.in &&
	gpg_as alice --yes -z 0 --local-user "$(fpr_of alice)" --sign --output signed.gpg a.in &&
	cat lit.gpg signed.gpg >inner.gpg &&
	adv_session_forge eve inner.gpg c.gpg &&
	adv_armor c.gpg c.asc &&
	adv_wrap "alice@$D" "Two" "$case_msgid" c.asc
}
