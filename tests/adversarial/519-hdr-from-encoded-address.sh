# Headers: the whole From address written as an encoded word
# (=?utf-8?B?...?= of "alice@client.example"), which is no address at
# all in RFC 5322 but decodes to alice's, on an entry alice signed.
#
# Expected: quarantined, as address-mismatch or malformed (never a
# journal through a decoded address).
case_class=headers
case_title='From address hidden in an encoded word'
case_expect='quarantine:address-mismatch|quarantine:malformed'
case_msgid=hdr.encaddr@client.example
case_build() {
	adv_entry alice "=?utf-8?B?$(printf 'alice@%s' "$D" | base64 -w0)?=" "Encoded" "$CANARY encoded address" "$case_msgid"
}
