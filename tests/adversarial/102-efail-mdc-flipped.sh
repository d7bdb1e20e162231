# EFAIL: tampered ciphertext, the last byte (inside the MDC) flipped.
# The content still decrypts and the signature is still good; only the
# integrity check can tell.  GnuPG 2.2.40 writes the whole plaintext and a
# good signature first and fails at the end: pinned down below.
#
# Expected: quarantined as decrypt-failed; nothing sent.
case_class=efail
case_title='MDC byte flipped: plaintext and good signature, then failure'
case_expect=quarantine:decrypt-failed
case_msgid=efail.mdcflip@client.example
case_build() {
	make_mime_entry "MDC flip" "$CANARY mdc flipped" >in &&
	adv_se alice in c.asc -z 0 &&
	adv_dearmor c.asc c.gpg && flip_byte c.gpg -1 && adv_armor c.gpg bad.asc &&
	{ practice_gpg --status-fd 3 --decrypt bad.asc >plain 2>/dev/null 3>status; test $? != 0; } &&
	grep -q "$CANARY" plain && grep -q "GOODSIG" status && ! grep -q "DECRYPTION_OKAY" status &&
	adv_wrap "alice@$D" "MDC flip" "$case_msgid" bad.asc
}
