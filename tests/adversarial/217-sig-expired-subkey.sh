# An expired signing subkey: subx signs with her signing subkey; then the
# subkey expires (its binding made "three days ago" with a one-day life)
# and the practice learns it.  GnuPG 2.2.40 decrypts and exits 0: only
# the signature status tells.
#
# Expected: quarantined as bad-signature.
case_class=sig
case_title='signing subkey expired after it signed'
case_expect=quarantine:bad-signature
case_msgid=sig.subexp@client.example
case_build() {
	make_mime_entry "Subkey expired" "$CANARY expired subkey" >in &&
	gpg_as subx --armor --yes --trust-model always --local-user "$(adv_sub_fpr subx)!" \
		--recipient "$(pfpr)" --sign --encrypt --output c.asc in &&
	gpg_as subx --faked-system-time "$(($(date +%s) - 3 * 86400))" \
		--quick-set-expire "$(fpr_of subx)" 1d "$(adv_sub_fpr subx)" 2>/dev/null &&
	adv_practice_learns subx &&
	practice_gpg --status-fd 3 --decrypt c.asc >/dev/null 2>&1 3>status &&
	grep -q "EXPKEYSIG" status &&
	adv_wrap "subx@$D" "Subkey expired" "$case_msgid" c.asc
}
