# An expired signature: carol signed ten days ago (her key was made
# then) with a signature that expired a day later; the signed message is
# put inside an encryption to the practice (adversarial/forge.py: the
# packets as they are, in an integrity-protected packet).  gpg 2.2.40
# --decrypt stops on an expired signature (EXPSIG, then FAILURE) before
# it reports the decryption complete: pinned down below.
#
# Expected: quarantined as bad-signature (or decrypt-failed, when gpg's
# failure is all that shows); nothing reaches carol's journal.
case_class=sig
case_title='signature that has expired (made ten days ago, valid one day)'
case_expect='quarantine:bad-signature|quarantine:decrypt-failed'
case_msgid=sig.sigexp@client.example
case_prereq=FORGE
case_build() {
	make_mime_entry "Old" "$CANARY expired signature" >in &&
	gpg_as carol --yes --faked-system-time "$(($(date +%s) - 9 * 86400))" --default-sig-expire 1d \
		--local-user "$(fpr_of carol)" --sign --output signed.gpg in 2>/dev/null &&
	adv_session_forge erin signed.gpg c.gpg &&
	adv_armor c.gpg c.asc &&
	{ practice_gpg --status-fd 3 --decrypt c.asc >/dev/null 2>&1 3>status || :; } &&
	grep -q "EXPSIG" status && ! grep -q "DECRYPTION_OKAY" status &&
	adv_wrap "carol@$D" "Old" "$case_msgid" c.asc
}
