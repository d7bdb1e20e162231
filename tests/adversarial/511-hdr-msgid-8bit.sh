# Headers: a genuine entry whose Message-ID holds 8-bit bytes (UTF-8 and
# a stray 0xFF), from subx (signing with her primary key), whose first
# accepted entry this is, so that it is acknowledged.  The
# acknowledgement's In-Reply-To and References must still be 7-bit
# header lines.
#
# Expected: ACCEPTED into subx's journal, her therapist notified and she
# acknowledged; every outgoing header 7-bit.
case_class=headers
case_title='Message-ID with 8-bit bytes answered by the acknowledgement'
case_expect=journal:subx
case_mail='notification:thera:1 ack:subx:1'
case_build() {
	make_mime_entry "8bit id" "$(secret_of subx) eight bit id" >in &&
	adv_se subx in c.asc &&
	adv_wrap "subx@$D" "8bit id" "x" c.asc | python3 -c "
import sys
d = sys.stdin.buffer.read()
sys.stdout.buffer.write(d.replace(b'Message-ID: <x>', b'Message-ID: <caf\xc3\xa9-\xff@client.example>', 1))"
}
