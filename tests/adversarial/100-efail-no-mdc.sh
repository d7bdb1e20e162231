# EFAIL: no integrity protection.  alice's entry, signed by her, encrypted
# the RFC 2440 way with CAST5: a symmetrically encrypted data packet
# (tag 9) without a modification detection code, the precondition of the
# CFB malleability gadgets.  (gpg --disable-mdc is silently ignored by
# GnuPG 2.2.40; --rfc2440 with a 64-bit block cipher still makes tag 9.)
# GnuPG 2.2.40 writes the whole plaintext and a good signature first and
# fails only at the end: pinned down below.
#
# Expected: quarantined as decrypt-failed; nothing sent.
case_class=efail
case_title='no MDC: CAST5 tag 9 packet with a good signature inside'
case_expect=quarantine:decrypt-failed
case_msgid=efail.nomdc@client.example
case_build() {
	make_mime_entry "No MDC" "$CANARY no mdc" >in &&
	adv_se alice in c.asc --rfc2440 --cipher-algo CAST5 2>/dev/null &&
	{ practice_gpg --list-packets c.asc >packets 2>&1 || :; } &&
	grep -q "^:encrypted data packet:" packets && ! grep -q "mdc_method" packets &&
	{ practice_gpg --status-fd 3 --decrypt c.asc >plain 2>/dev/null 3>status; test $? != 0; } &&
	grep -q "$CANARY" plain && grep -q "GOODSIG" status &&
	adv_wrap "alice@$D" "No MDC" "$case_msgid" c.asc
}
