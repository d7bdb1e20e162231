# Resources: a header flood: 100000 tiny header fields (1 MB) on an entry
# alice signed.
#
# Expected: quarantined as too-large, quickly.
case_class=resources
case_title='100000 header fields'
case_expect=quarantine:too-large
case_msgid=res.hdrflood@client.example
case_maxms=10000
case_build() {
	adv_entry alice "alice@$D" "Header flood" "$CANARY header flood" "$case_msgid" >m &&
	python3 - m <<-'PY'
	import sys
	d = open(sys.argv[1], 'rb').read()
	sys.stdout.buffer.write(d.replace(b'MIME-Version: 1.0\r\n', b'MIME-Version: 1.0\r\n' + b'X-A: b\r\n' * 100000, 1))
	PY
}
