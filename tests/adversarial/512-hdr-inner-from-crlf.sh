# Headers: CR LF injection in the display name of the protected From (an
# encoded word), the address being alice's own.
#
# Expected: ACCEPTED into alice's journal; every outgoing header clean.
case_class=headers
case_title='CR LF in the encoded display name of the protected From'
case_expect=journal:alice
case_msgid=hdr.innerfrom@client.example
case_build() {
	enc=$(printf 'Alice\r\nBcc: eve@elsewhere.example\r\n' | base64 -w0) &&
	printf 'Content-Type: text/plain; charset=utf-8; protected-headers="v1"\r\nFrom: =?utf-8?B?%s?= <alice@%s>\r\nSubject: Inner from\r\n\r\n%s inner from\r\n' \
		"$enc" "$D" "$(secret_of alice)" >in &&
	adv_se alice in c.asc &&
	adv_wrap "alice@$D" "..." "$case_msgid" c.asc
}
