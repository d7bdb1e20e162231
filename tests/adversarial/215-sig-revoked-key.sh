# A revoked key: dave signs and encrypts; then his key is revoked (his
# own revocation certificate) and the practice learns it.
#
# Expected: quarantined as bad-signature.
case_class=sig
case_title='key revoked after it signed'
case_expect=quarantine:bad-signature
case_msgid=sig.revoked@client.example
case_build() {
	make_mime_entry "Revoked" "$CANARY revoked key" >in &&
	adv_se dave in c.asc &&
	sed 's/^:-----/-----/' "$(gpg_home dave)/openpgp-revocs.d/$(fpr_of dave).rev" >dave.rev &&
	practice_gpg --quiet --import dave.rev 2>/dev/null &&
	{ practice_gpg --status-fd 3 --decrypt c.asc >/dev/null 2>&1 3>status || :; } &&
	grep -q "REVKEYSIG" status &&
	adv_wrap "dave@$D" "Revoked" "$case_msgid" c.asc
}
