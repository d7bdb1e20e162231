# An expired key: carol signs and encrypts now; then her key expires (a
# self-signature made "three days ago" gives it a one-day life) and the
# practice learns it.  GnuPG 2.2.40 decrypts and exits 0: only the
# signature status (EXPKEYSIG) tells; pinned down below.
#
# Expected: quarantined as bad-signature.
case_class=sig
case_title='key expired after it signed'
case_expect=quarantine:bad-signature
case_msgid=sig.keyexp@client.example
case_build() {
	make_mime_entry "Expired" "$CANARY expired key" >in &&
	adv_se carol in c.asc &&
	gpg_as carol --faked-system-time "$(($(date +%s) - 3 * 86400))" \
		--quick-set-expire "$(fpr_of carol)" 1d 2>/dev/null &&
	adv_practice_learns carol &&
	practice_gpg --status-fd 3 --decrypt c.asc >/dev/null 2>&1 3>status &&
	grep -q "EXPKEYSIG" status &&
	adv_wrap "carol@$D" "Expired" "$case_msgid" c.asc
}
