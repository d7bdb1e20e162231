# Headers: CR LF injection in the outer (unprotected) Subject of a
# genuine entry without protected headers; that subject is the one the
# notification carries.
#
# Expected: ACCEPTED into alice's journal; every outgoing header clean.
case_class=headers
case_title='CR LF injection in an outer encoded-word Subject'
case_expect=journal:alice
case_msgid=hdr.outersubj@client.example
case_build() {
	enc=$(printf 'Week\r\nBcc: eve@elsewhere.example\r\nContent-Type: text/html' | base64 -w0) &&
	adv_entry alice "alice@$D" "=?utf-8?B?$enc?=" "$(secret_of alice) outer subject" "$case_msgid"
}
