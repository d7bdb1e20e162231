# Headers: a genuine entry whose Message-ID is 990 bytes long (legal on a
# folded line of its own), from mallory, whose first accepted entry this
# is, so that it is acknowledged.  The acknowledgement answers it with
# In-Reply-To and References; those lines must stay within 998 bytes
# (RFC 5322 2.1.1), folded or the ID left out.
#
# Expected: ACCEPTED into mallory's journal, her therapist notified and
# she acknowledged; every outgoing header line at most 998 bytes.
case_class=headers
case_title='990-byte Message-ID answered by the acknowledgement'
case_expect=journal:mallory
case_mail='notification:thera:1 ack:mallory:1'
case_build() {
	long=$(head -c 975 /dev/zero | tr '\0' m) &&
	make_mime_entry "Long id" "$(secret_of mallory) long message id" >in &&
	adv_se mallory in c.asc &&
	adv_wrap "mallory@$D" "Long id" "x" c.asc | python3 -c "
import sys
d = sys.stdin.buffer.read()
sys.stdout.buffer.write(d.replace(b'Message-ID: <x>\r\n', b'Message-ID:\r\n <$long@client.example>\r\n', 1))"
}
