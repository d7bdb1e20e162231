# Several signatures by one person: sub signs with her primary key and
# with her signing subkey in one run.  Both are good signatures by sub's
# pinned key; still two.
#
# Expected: quarantined as bad-signature.
case_class=sig
case_title='two signatures by the primary key and a subkey of one client'
case_expect=quarantine:bad-signature
case_msgid=sig.twosame@client.example
case_build() {
	make_mime_entry "Twice" "$CANARY signed twice" >in &&
	gpg_as sub --armor --yes --local-user "$(fpr_of sub)!" --local-user "$(adv_sub_fpr sub)!" \
		--recipient "$(pfpr)" --sign --encrypt --output c.asc in &&
	practice_gpg --status-fd 3 --decrypt c.asc >/dev/null 2>&1 3>status &&
	test "$(grep -c "GOODSIG" status)" = 2 &&
	adv_wrap "sub@$D" "Twice" "$case_msgid" c.asc
}
