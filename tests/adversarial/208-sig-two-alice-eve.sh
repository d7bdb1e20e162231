# Several signatures: one gpg run signs with alice's key and with eve's
# (whoever holds both), encrypting to the practice.  GnuPG 2.2.40 exits 0
# on a message with two good signatures: pinned down with alice and bob
# below; the practice does not know eve's key.
#
# Expected: quarantined as bad-signature (exactly one signature is
# accepted).
case_class=sig
case_title='two signatures, alice and a stranger'
case_expect=quarantine:bad-signature
case_msgid=sig.two@client.example
case_build() {
	adv_home pairae "$KEYS/alice.sec" "$KEYS/eve.sec" "$KEYS/practice.pub" &&
	adv_home pairab "$KEYS/alice.sec" "$KEYS/bob.sec" "$KEYS/practice.pub" &&
	make_mime_entry "Two" "$CANARY two signatures" >in &&
	gpg_as pairab --armor --yes --local-user "$(fpr_of alice)" --local-user "$(fpr_of bob)" \
		--recipient "$(pfpr)" --sign --encrypt --output ab.asc in &&
	practice_gpg --status-fd 3 --decrypt ab.asc >/dev/null 2>&1 3>status &&
	test "$(grep -c "GOODSIG" status)" = 2 &&
	gpg_as pairae --armor --yes --local-user "$(fpr_of alice)" --local-user "$(fpr_of eve)" \
		--recipient "$(pfpr)" --sign --encrypt --output c.asc in &&
	adv_wrap "alice@$D" "Two" "$case_msgid" c.asc
}
