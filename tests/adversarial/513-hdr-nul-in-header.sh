# Headers: a NUL byte inside an outer header field of an entry alice
# signed.
#
# Expected: quarantined as malformed.
case_class=headers
case_title='NUL byte in an outer header field'
case_expect=quarantine:malformed
case_msgid=hdr.nul@client.example
case_build() {
	adv_entry alice "alice@$D" "Nul" "$CANARY nul header" "$case_msgid" "X-Note: before after" |
		python3 -c "
import sys
sys.stdout.buffer.write(sys.stdin.buffer.read().replace(b'before after', b'before\0after', 1))"
}
