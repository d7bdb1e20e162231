# Signature spoofing at the packet level, inside a good encryption: eve
# takes alice's signed-only message (one-pass signature, literal data,
# signature; uncompressed), swaps the literal packet for her own, and puts
# the three inside an integrity-protected packet to the practice.
#
# Expected: quarantined as bad-signature (the signature does not cover
# eve's text).
case_class=encspoof
case_title="alice's one-pass signature around eve's literal packet"
case_expect=quarantine:bad-signature
case_msgid=encspoof.6@client.example
case_prereq=FORGE
case_build() {
	adv_text_part "alice signed these words" >a.in &&
	gpg_as alice --yes -z 0 --local-user "$(fpr_of alice)" --sign --output signed.gpg a.in &&
	make_mime_entry "Swapped" "$CANARY eve swapped the literal" >lit.in &&
	gpg --batch --yes --store -z 0 --set-filename a.in --output lit.gpg lit.in &&
	python3 - signed.gpg lit.gpg inner.gpg <<-'PY' &&
	import sys
	def packets(d):
	    i = 0
	    while i < len(d):
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
	        yield tag, d[i:i + hl + ln]
	        i += hl + ln
	signed = list(packets(open(sys.argv[1], 'rb').read()))
	lit = [p for t, p in packets(open(sys.argv[2], 'rb').read()) if t == 11]
	assert [t for t, _ in signed] == [4, 11, 2], [t for t, _ in signed]
	open(sys.argv[3], 'wb').write(signed[0][1] + lit[0] + signed[2][1])
	PY
	adv_session_forge eve inner.gpg c.gpg &&
	adv_armor c.gpg c.asc &&
	{ practice_gpg --status-fd 3 --decrypt c.asc >/dev/null 2>&1 3>status || :; } &&
	grep -q BADSIG status &&
	adv_wrap "alice@$D" "Swapped" "$case_msgid" c.asc
}
