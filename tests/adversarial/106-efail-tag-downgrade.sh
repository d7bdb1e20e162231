# EFAIL: a downgrade.  alice's genuine ciphertext with its integrity
# protected packet (tag 18) relabelled as a plain symmetrically encrypted
# data packet (tag 9), the packet an attacker can modify undetected.
#
# Expected: quarantined as decrypt-failed; alice's words reach no one.
case_class=efail
case_title='tag 18 packet relabelled tag 9 (MDC downgrade)'
case_expect=quarantine:decrypt-failed
case_msgid=efail.downgrade@client.example
case_build() {
	make_mime_entry "Downgrade" "$(secret_of alice) downgrade" >in &&
	adv_se alice in c.asc -z 0 &&
	adv_dearmor c.asc c.gpg &&
	python3 - c.gpg t.gpg <<-'PY' &&
	import sys
	d = bytearray(open(sys.argv[1], 'rb').read())
	i = 0
	while True:
	    ctb = d[i]
	    if ctb & 0x40:
	        tag, l0 = ctb & 0x3f, d[i + 1]
	        if l0 < 192: hl, ln = 2, l0
	        elif l0 < 224: hl, ln = 3, ((l0 - 192) << 8) + d[i + 2] + 192
	        elif l0 == 255: hl, ln = 6, int.from_bytes(d[i + 2:i + 6], 'big')
	        else: raise SystemExit('partial length')
	    else:
	        tag, n = (ctb >> 2) & 0xf, (1, 2, 4)[ctb & 3]
	        hl, ln = 1 + n, int.from_bytes(d[i + 1:i + 1 + n], 'big')
	    if tag == 18:
	        # Drop the version byte: what follows is read as tag 9 data.
	        body = d[i + hl + 1:i + hl + ln]
	        d = d[:i] + bytes([0xc0 | 9, 0xff]) + len(body).to_bytes(4, 'big') + body + d[i + hl + ln:]
	        break
	    i += hl + ln
	open(sys.argv[2], 'wb').write(d)
	PY
	adv_armor t.gpg bad.asc &&
	adv_wrap "alice@$D" "Downgrade" "$case_msgid" bad.asc
}
