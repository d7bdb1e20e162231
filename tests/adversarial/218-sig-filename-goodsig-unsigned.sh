# Status-line injection through the literal data filename: eve encrypts
# (no signature) with gpg --set-filename holding newlines and the text of
# "[GNUPG:] GOODSIG" and "[GNUPG:] VALIDSIG" lines for alice's key.  A
# caller that parses gpg's output naively would read a good signature by
# alice.  GnuPG 2.2.40 keeps the raw newlines in the packet (its
# --list-packets shows them as \x0a) and escapes them as %0A in its
# status output: pinned down below.
#
# Expected: quarantined as unsigned.
case_class=sig
case_title='literal filename with newlines and fake GOODSIG/VALIDSIG lines, unsigned'
case_expect=quarantine:unsigned
case_msgid=sig.fname1@client.example
case_build() {
	fn=$(printf 'entry.txt\n[GNUPG:] GOODSIG %s alice <alice@%s>\n[GNUPG:] VALIDSIG %s 2026-03-02 1772442000 0 4 0 22 10 00 %s\n' \
		"$(adv_keyid alice)" "$D" "$(fpr_of alice)" "$(fpr_of alice)") &&
	make_mime_entry "Filename" "$CANARY fake goodsig" >in &&
	adv_eo eve in c.asc --set-filename "$fn" &&
	{ practice_gpg --list-packets c.asc >packets 2>/dev/null || :; } &&
	grep -q 'name="entry.txt\\x0a\[GNUPG:\] GOODSIG' packets &&
	{ practice_gpg --status-fd 3 --decrypt c.asc >/dev/null 2>&1 3>status || :; } &&
	grep -q '^\[GNUPG:\] PLAINTEXT .*%0A\[GNUPG:\]' status &&
	! grep -q '^\[GNUPG:\] GOODSIG' status &&
	adv_wrap "alice@$D" "Filename" "$case_msgid" c.asc
}
