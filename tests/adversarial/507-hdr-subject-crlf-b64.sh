# Headers: CR LF injection through an encoded word in the protected
# Subject (inner header): base64 of "Hello\r\nBcc: eve@...\r\n\r\nfake
# body".  The subject goes into the notification's protected headers and
# must not start a header line of its own there, nor outside.
#
# Expected: ACCEPTED into alice's journal (the subject with no control
# characters); every outgoing header line clean (checked for all mail).
case_class=headers
case_title='CR LF Bcc injection in a base64 encoded-word protected Subject'
case_expect=journal:alice
case_msgid=hdr.inj1@client.example
case_build() {
	enc=$(printf 'Hello\r\nBcc: eve@elsewhere.example\r\nX-Injected: 1\r\n\r\nfake body' | base64 -w0) &&
	printf 'Content-Type: text/plain; charset=utf-8; protected-headers="v1"\r\nFrom: alice@%s\r\nSubject: =?utf-8?B?%s?=\r\n\r\n%s injection body\r\n' \
		"$D" "$enc" "$(secret_of alice)" >in &&
	adv_se alice in c.asc &&
	adv_wrap "alice@$D" "..." "$case_msgid" c.asc
}
case_check() {
	python3 - <<-'PY'
	import json
	e = json.load(open('entry.json'))
	assert e['subject'].startswith('Hello'), e['subject']
	assert not any(ord(c) < 32 or ord(c) == 127 for c in e['subject']), repr(e['subject'])
	PY
}
