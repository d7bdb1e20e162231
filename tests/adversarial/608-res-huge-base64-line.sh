# Resources: huge base64: a 6 MB attachment whose base64 is one line of
# 8 MB, no line breaks, in alice's signed encryption.  A decoder that
# works line by line with a fixed buffer would choke; the bytes must come
# out exact.
#
# Expected: ACCEPTED into alice's journal with the attachment whole.
case_class=resources
case_title='a 6 MB attachment as one 8 MB line of base64'
case_expect=journal:alice
case_msgid=res.b64@client.example
case_build() {
	head -c 6000000 /dev/urandom >blob &&
	{ printf 'Content-Type: multipart/mixed; boundary="b1"\r\n\r\n--b1\r\n'
	  printf 'Content-Type: text/plain; charset=utf-8\r\n\r\n%s one line of base64\r\n--b1\r\n' "$(secret_of alice)"
	  printf 'Content-Type: application/octet-stream\r\nContent-Disposition: attachment; filename="blob.bin"\r\n'
	  printf 'Content-Transfer-Encoding: base64\r\n\r\n'; base64 -w0 blob; printf '\r\n--b1--\r\n'; } >inner &&
	adv_se alice inner c.asc -z 0 &&
	adv_wrap "alice@$D" "Base64" "$case_msgid" c.asc
}
case_check() {
	python3 - "$(sha256sum blob | cut -d' ' -f1)" <<-'PY'
	import json, sys
	e = json.load(open('entry.json'))
	a = e['attachments']
	assert len(a) == 1 and a[0]['size'] == 6000000 and a[0]['sha256'] == sys.argv[1], a
	PY
}
