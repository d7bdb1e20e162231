# Headers: a From with two angle addresses, alice's then the stranger's
# (not valid RFC 5322; parsers differ on which one they keep).
#
# Expected: quarantined, as address-mismatch or malformed.
case_class=headers
case_title='From "Alice" <alice@...> <eve@...>'
case_expect='quarantine:address-mismatch|quarantine:malformed'
case_msgid=hdr.angles@client.example
case_build() {
	adv_entry alice "\"Alice\" <alice@$D> <eve@elsewhere.example>" "Angles" "$CANARY two angles" "$case_msgid"
}
