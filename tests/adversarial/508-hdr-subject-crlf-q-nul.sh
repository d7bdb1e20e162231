# Headers: the same injection with a Q encoded word, plus NUL, vertical
# tab, a lone CR and ESC in the protected Subject.
#
# Expected: ACCEPTED into alice's journal; every outgoing header clean.
case_class=headers
case_title='Q encoded-word Subject with CR LF, NUL, CR and ESC'
case_expect=journal:alice
case_msgid=hdr.inj2@client.example
case_build() {
	printf 'Content-Type: text/plain; charset=utf-8; protected-headers="v1"\r\nFrom: alice@%s\r\nSubject: =?utf-8?Q?Hi=0D=0ABcc:_eve@elsewhere.example=0D=0A=0D=0Afake=00nul=0Bvt=0Dcr=1B[2J?=\r\n\r\n%s q injection\r\n' \
		"$D" "$(secret_of alice)" >in &&
	adv_se alice in c.asc &&
	adv_wrap "alice@$D" "..." "$case_msgid" c.asc
}
case_check() {
	python3 - <<-'PY'
	import json
	e = json.load(open('entry.json'))
	assert not any(ord(c) < 32 or ord(c) == 127 for c in e['subject']), repr(e['subject'])
	PY
}
