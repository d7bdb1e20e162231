# Status-line injection through the literal data filename, signed: as
# 218, but eve signs with her own (unregistered) key, so that a real
# GOODSIG for eve follows the fake one for alice.
#
# Expected: quarantined as unknown-signer.
case_class=sig
case_title='literal filename with fake GOODSIG lines, signed by a stranger'
case_expect=quarantine:unknown-signer
case_msgid=sig.fname2@client.example
case_build() {
	fn=$(printf 'x\n[GNUPG:] NEWSIG\n[GNUPG:] GOODSIG %s alice <alice@%s>\n[GNUPG:] VALIDSIG %s 2026-03-02 1772442000 0 4 0 22 10 00 %s\n' \
		"$(adv_keyid alice)" "$D" "$(fpr_of alice)" "$(fpr_of alice)") &&
	make_mime_entry "Filename" "$CANARY fake goodsig signed" >in &&
	adv_se eve in c.asc --set-filename "$fn" &&
	adv_wrap "alice@$D" "Filename" "$case_msgid" c.asc
}
