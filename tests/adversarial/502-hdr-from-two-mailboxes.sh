# Headers: one From field with two mailboxes, the stranger first and
# alice second, on an entry alice signed.
#
# Expected: quarantined, as address-mismatch or malformed.
case_class=headers
case_title='From with two mailboxes (stranger, alice)'
case_expect='quarantine:address-mismatch|quarantine:malformed'
case_msgid=hdr.twomb@client.example
case_build() {
	adv_entry alice "Eve <eve@elsewhere.example>, Alice <alice@$D>" "Two mailboxes" \
		"$CANARY two mailboxes" "$case_msgid"
}
