# EFAIL: no integrity protection with a modern cipher.  --rfc2440 with
# AES-256 makes a tag 9 packet too (gpg warns that encrypting without
# integrity protection is dangerous).  GnuPG 2.2.40 prints the plaintext
# and a good signature, then "decryption forced to fail" and
# DECRYPTION_FAILED, and exits 2: pinned down below.
#
# Expected: quarantined as decrypt-failed; nothing sent.
case_class=efail
case_title='no MDC: AES-256 under --rfc2440'
case_expect='quarantine:decrypt-failed'
case_msgid=efail.nomdc-aes@client.example
case_build() {
	make_mime_entry "No MDC AES" "$CANARY no mdc aes" >in &&
	adv_se alice in c.asc --rfc2440 --cipher-algo AES256 2>/dev/null &&
	{ practice_gpg --list-packets c.asc >packets 2>&1 || :; } &&
	grep -q "^:encrypted data packet:" packets && ! grep -q "mdc_method" packets &&
	{ practice_gpg --status-fd 3 --decrypt c.asc >plain 2>/dev/null 3>status; test $? != 0; } &&
	grep -q "$CANARY" plain && grep -q "GOODSIG" status && grep -q "DECRYPTION_FAILED" status &&
	adv_wrap "alice@$D" "No MDC AES" "$case_msgid" c.asc
}
