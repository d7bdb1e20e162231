# Loops: Auto-Submitted: auto-generated on an otherwise genuine entry of
# alice (RFC 3834).
#
# Expected: quarantined as bounce; nothing sent.
case_class=loops
case_title='genuine entry marked Auto-Submitted: auto-generated'
case_expect=quarantine:bounce
case_msgid=loop.autogen@client.example
case_build() {
	adv_entry alice "alice@$D" "Automatic" "$CANARY automatic" "$case_msgid" \
		"Auto-Submitted: auto-generated"
}
