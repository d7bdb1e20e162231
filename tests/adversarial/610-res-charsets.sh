# Resources: unknown and broken charsets inside alice's signed encryption:
# an unknown name, an empty one, one of 600 characters, a path, UTF-7
# with "+ADw-script+AD4-", UTF-16 with an odd number of bytes, "utf-8"
# holding overlong sequences, surrogates and 0xFF, and an iconv suffix
# (//TRANSLIT).  Each text part is converted or cleaned, never trusted.
#
# Expected: ACCEPTED into alice's journal with a body that is valid
# UTF-8 without NUL or surrogates, and that `confidant journal` shows
# without control characters (an ESC sequence in a part is made
# harmless there; JSON escapes it).
case_class=resources
case_title='unknown, empty, huge, UTF-7, odd UTF-16 and broken UTF-8 charsets'
case_expect=journal:alice
case_msgid=res.charsets@client.example
case_build() {
	python3 - "$(secret_of alice)" >inner <<-'PY'
	import sys
	secret = sys.argv[1].encode()
	parts = [
	    (b'x-no-such-charset', b'unknown caf\xe9'),
	    (b'', b'empty name caf\xe9'),
	    (b'x' * 600, b'huge name'),
	    (b'../../../../etc/passwd', b'path name'),
	    (b'utf-7', b'+ADw-script+AD4-alert(1)+ADw-/script+AD4-'),
	    (b'utf-16', b'\xff\xfeh\x00i\x00!'),
	    (b'utf-8', b'overlong \xc0\xaf \xe0\x80\xaf surrogate \xed\xa0\x80 ff \xff nul \x00 esc \x1b[2J end'),
	    (b'latin1//TRANSLIT', b'translit caf\xe9'),
	]
	out = [b'Content-Type: multipart/mixed; boundary="b1"\r\n\r\n--b1\r\n',
	       b'Content-Type: text/plain; charset=utf-8\r\n\r\n' + secret + b' charsets\r\n']
	for cs, body in parts:
	    out.append(b'--b1\r\nContent-Type: text/plain; charset="' + cs + b'"\r\n\r\n' + body + b'\r\n')
	out.append(b'--b1--\r\n')
	sys.stdout.buffer.write(b''.join(out))
	PY
	adv_se alice inner c.asc &&
	adv_wrap "alice@$D" "Charsets" "$case_msgid" c.asc
}
case_check() {
	"$CONFIDANT" journal alice >journal.txt &&
	python3 - <<-'PY'
	import json
	raw = open('entry.json', 'rb').read()
	raw.decode('utf-8')
	e = json.loads(raw)
	bad = [c for c in e['body'] if c == '\0' or 0xd800 <= ord(c) <= 0xdfff]
	assert not bad, bad
	assert 'charsets' in e['body'] and 'huge name' in e['body'], e['body']
	txt = open('journal.txt', 'rb').read()
	txt.decode('utf-8')
	bad = [b for b in txt if (b < 32 and b not in b'\t\n') or b == 127]
	assert not bad, bad
	PY
}
