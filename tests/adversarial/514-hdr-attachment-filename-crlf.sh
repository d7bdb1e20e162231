# Headers: an attachment whose RFC 2231 filename decodes to CR LF, a Bcc
# field and an empty line.  The attachment is relayed to the therapist:
# its Content-Disposition inside the notification must stay one field.
#
# Expected: ACCEPTED into alice's journal; every outgoing header clean.
case_class=headers
case_title='attachment filename with encoded CR LF and a Bcc line'
case_expect=journal:alice
case_msgid=hdr.fname@client.example
case_build() {
	{ printf 'Content-Type: multipart/mixed; boundary="b1"\r\n\r\n--b1\r\n'
	  printf 'Content-Type: text/plain; charset=utf-8\r\n\r\n%s with a file\r\n--b1\r\n' "$(secret_of alice)"
	  printf 'Content-Type: application/octet-stream\r\n'
	  printf "Content-Disposition: attachment; filename*=utf-8''a%%0D%%0ABcc%%3A%%20eve%%40elsewhere.example%%0D%%0A%%0D%%0Ainjected%%22.txt\r\n"
	  printf 'Content-Transfer-Encoding: base64\r\n\r\naGVsbG8=\r\n--b1--\r\n'; } >in &&
	adv_se alice in c.asc &&
	adv_wrap "alice@$D" "File" "$case_msgid" c.asc
}
