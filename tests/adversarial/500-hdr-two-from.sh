# Headers: two From fields, alice's and eve's, on an entry alice really
# signed.  Which one a reader believes depends on the reader.
#
# Expected: quarantined as malformed.
case_class=headers
case_title='two From header fields, alice and a stranger'
case_expect=quarantine:malformed
case_msgid=hdr.twofrom@client.example
case_build() {
	adv_entry alice "Alice <alice@$D>" "Two From" "$CANARY two from" "$case_msgid" \
		"From: Eve <eve@elsewhere.example>"
}
