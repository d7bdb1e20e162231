# Headers: a second From hidden in a folded continuation line of the
# first ("From: alice@...\r\n From: eve@..."), which unfolds to one field
# whose value is no address list at all.
#
# Expected: quarantined, as address-mismatch or malformed.
case_class=headers
case_title='a second From hidden in a continuation line'
case_expect='quarantine:address-mismatch|quarantine:malformed'
case_msgid=hdr.foldfrom@client.example
case_build() {
	adv_entry alice "alice@$D" "Folded From" "$CANARY folded from" "$case_msgid" >m &&
	python3 - m <<-'PY'
	import sys
	d = open(sys.argv[1], 'rb').read()
	d = d.replace(b'From: alice@client.example\r\n', b'From: alice@client.example\r\n From: eve@elsewhere.example\r\n', 1)
	sys.stdout.buffer.write(d)
	PY
}
