# Headers: obsolete folding (a blank continuation line) and mixed CRLF and
# LF line ends in the outer Subject of a genuine entry; the subject goes
# into the notification.
#
# Expected: ACCEPTED into alice's journal; the notification's Subject one
# clean line (no blank continuation, CRLF only).
case_class=headers
case_title='obsolete folding and CRLF/LF mix in the Subject'
case_expect=journal:alice
case_msgid=hdr.obsfold@client.example
case_build() {
	adv_entry alice "alice@$D" "SUBJ" "$(secret_of alice) obs fold" "$case_msgid" |
		python3 -c "
import sys
d = sys.stdin.buffer.read()
sys.stdout.buffer.write(d.replace(b'Subject: SUBJ\r\n', b'Subject: Folded\r\n \r\n\t\n \tsubject\n end\r\n', 1))"
}
