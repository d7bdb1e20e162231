# EFAIL: tampered ciphertext, cut short: the modification detection code
# packet (the last 22 bytes of the encrypted data) is gone, and the packet
# length patched so that the packet still parses.
#
# Expected: quarantined as decrypt-failed; nothing sent.
case_class=efail
case_title='ciphertext without its MDC packet (truncated)'
case_expect=quarantine:decrypt-failed
case_msgid=efail.trunc@client.example
case_build() {
	make_mime_entry "Truncated" "$CANARY truncated" >in &&
	adv_se alice in c.asc -z 0 &&
	adv_dearmor c.asc c.gpg &&
	python3 - c.gpg t.gpg <<-'PY' &&
	import sys
	d = bytearray(open(sys.argv[1], 'rb').read())
	# Walk to the last packet (the SEIPD); rewrite it 22 bytes shorter.
	i = 0
	while True:
	    ctb = d[i]
	    if ctb & 0x40:
	        l0 = d[i + 1]
	        if l0 < 192: hl, ln = 2, l0
	        elif l0 < 224: hl, ln = 3, ((l0 - 192) << 8) + d[i + 2] + 192
	        elif l0 == 255: hl, ln = 6, int.from_bytes(d[i + 2:i + 6], 'big')
	        else: raise SystemExit('partial length')
	    else:
	        n = (1, 2, 4)[ctb & 3]
	        hl, ln = 1 + n, int.from_bytes(d[i + 1:i + 1 + n], 'big')
	    if i + hl + ln >= len(d):
	        break
	    i += hl + ln
	body = d[i + hl:i + hl + ln - 22]
	out = d[:i] + bytes([0xc0 | 18, 0xff]) + len(body).to_bytes(4, 'big') + body
	open(sys.argv[2], 'wb').write(out)
	PY
	adv_armor t.gpg bad.asc &&
	adv_wrap "alice@$D" "Truncated" "$case_msgid" bad.asc
}
