# Headers: a display name that is alice's address, on a stranger's
# mailbox and key: From "alice@client.example" <eve@elsewhere.example>,
# signed by eve.
#
# Expected: quarantined as unknown-signer.
case_class=headers
case_title='display name "alice@client.example" on a stranger'
case_expect=quarantine:unknown-signer
case_msgid=hdr.dn1@client.example
case_build() {
	adv_entry eve "\"alice@$D\" <eve@elsewhere.example>" "Display name" "$CANARY display name" "$case_msgid"
}
