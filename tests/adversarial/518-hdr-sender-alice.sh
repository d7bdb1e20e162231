# Headers: Sender vs From the other way round: Sender names alice, From
# names the stranger, and alice signed.  Identity is the signer plus the
# From address; Sender does not stand in for From.
#
# Expected: quarantined as address-mismatch.
case_class=headers
case_title='Sender alice, From a stranger, signed by alice'
case_expect=quarantine:address-mismatch
case_msgid=hdr.sender2@client.example
case_build() {
	adv_entry alice "Eve <eve@elsewhere.example>" "Sender" "$CANARY sender alice" "$case_msgid" \
		"Sender: Alice <alice@$D>"
}
