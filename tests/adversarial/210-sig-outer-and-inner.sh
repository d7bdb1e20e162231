# Several signatures, nested: alice signs the encryption, and the content
# is a multipart/signed by alice as well.  Exactly one signature is
# accepted, and a second layer is where a spoofed one would hide.
#
# Expected: quarantined as bad-signature.
case_class=sig
case_title='signed encryption around a multipart/signed by the same client'
case_expect=quarantine:bad-signature
case_msgid=sig.nested@client.example
case_build() {
	adv_text_part "$CANARY signed inside and out" >part &&
	adv_signed_entity alice part sig-b >inner &&
	adv_se alice inner c.asc &&
	adv_wrap "alice@$D" "Nested" "$case_msgid" c.asc
}
