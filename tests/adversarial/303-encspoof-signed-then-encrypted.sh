# Encryption spoofing with a signed-only message: a message alice signed
# but did not encrypt (say, to a public list), followed by an empty
# message eve encrypted to the practice.  A compressed signed-only packet
# can swallow a trailing encrypted one, and gpg then exits 0 with a good
# signature and no decryption at all.
#
# Expected: quarantined as not-encrypted (what gpg did decides, not the
# MIME wrapper) or decrypt-failed; nothing reaches alice's journal.
case_class=encspoof
case_title="alice's signed-only message followed by an encrypted empty packet"
case_expect='quarantine:not-encrypted|quarantine:decrypt-failed'
case_msgid=encspoof.4@client.example
case_build() {
	make_mime_entry "Signed only" "$CANARY signed but never encrypted" >in &&
	gpg_as alice --yes --local-user "$(fpr_of alice)" --sign --output signed.gpg in &&
	: >empty &&
	gpg_as eve --yes --trust-model always --recipient "$(pfpr)" --encrypt --output enc.gpg empty &&
	cat signed.gpg enc.gpg >c.gpg &&
	adv_armor c.gpg c.asc &&
	adv_wrap "alice@$D" "Signed only" "$case_msgid" c.asc
}
