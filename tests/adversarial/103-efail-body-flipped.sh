# EFAIL: tampered ciphertext, one byte flipped in the middle of the
# encrypted data (here: inside the compressed stream).  A tampered packet
# can end in a zlib error with no decryption-failure status at all (gpg
# 2.2.40: "zlib inflate problem", exit 2, the status stops after
# DECRYPTION_INFO): the gateway must not read "no DECRYPTION_FAILED" as
# success.  Pinned down below whenever the flip lands in the zlib stream
# (it did in every trial).
#
# Expected: quarantined as decrypt-failed; nothing sent.
case_class=efail
case_title='byte flipped inside the compressed, encrypted data'
case_expect=quarantine:decrypt-failed
case_msgid=efail.bodyflip@client.example
case_build() {
	make_mime_entry "Body flip" "$CANARY $(head -c 3000 /dev/zero | tr '\0' a)" >in &&
	adv_se alice in c.asc &&
	adv_dearmor c.asc c.gpg &&
	flip_byte c.gpg $(($(wc -c <c.gpg) / 2)) && adv_armor c.gpg bad.asc &&
	{ practice_gpg --status-fd 3 --decrypt bad.asc >/dev/null 2>gpg.err 3>status; test $? != 0; } &&
	! grep -q DECRYPTION_OKAY status &&
	if grep -q "zlib inflate problem" gpg.err; then
		! grep -q DECRYPTION_FAILED status && echo "# gpg: a zlib error and no DECRYPTION_FAILED" >&2
	fi &&
	adv_wrap "alice@$D" "Body flip" "$case_msgid" bad.asc
}
