# Headers: a 12 KB protected Subject in UTF-8 (multibyte characters, no
# spaces).  It travels into the notification's protected Subject, which
# must be folded into lines of at most 998 bytes.
#
# Expected: ACCEPTED into alice's journal; every outgoing header line
# short enough.
case_class=headers
case_title='12 KB multibyte protected Subject'
case_expect=journal:alice
case_msgid=hdr.longsubj@client.example
case_build() {
	subj=$(python3 -c "print('\u00e9\u6f22\U0001f600' * 1400)") &&
	printf 'Content-Type: text/plain; charset=utf-8; protected-headers="v1"\r\nFrom: alice@%s\r\nSubject: %s\r\n\r\n%s long subject\r\n' \
		"$D" "$subj" "$(secret_of alice)" >in &&
	adv_se alice in c.asc &&
	adv_wrap "alice@$D" "..." "$case_msgid" c.asc
}
