# A genuine entry whose literal data filename holds newlines and a fake
# status line naming bob: alice signs it herself.  The filename is not
# content and names no one.
#
# Expected: ACCEPTED into alice's journal, signed by alice (never bob).
case_class=sig
case_title='genuine entry with a fake status line in its literal filename'
case_expect=journal:alice
case_msgid=sig.fname3@client.example
case_build() {
	fn=$(printf 'x\n[GNUPG:] GOODSIG %s bob <bob@%s>\n' "$(adv_keyid bob)" "$D") &&
	make_mime_entry "Filename" "$(secret_of alice) my own words" >in &&
	adv_se alice in c.asc --set-filename "$fn" &&
	adv_wrap "alice@$D" "Filename" "$case_msgid" c.asc
}
