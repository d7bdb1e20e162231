# Resources: a part flood in the clear: one multipart/mixed with 200000
# empty parts (2.6 MB), far over max_mime_parts (1000).
#
# Expected: quarantined as too-large, quickly.
case_class=resources
case_title='200000 parts in one multipart, in the clear'
case_expect=quarantine:too-large
case_msgid=res.flood@client.example
case_maxms=10000
case_build() {
	craft_headers "alice@$D" "Flood" "$case_msgid" &&
	python3 -c "
import sys
o = sys.stdout.buffer
o.write(b'Content-Type: multipart/mixed; boundary=\"f\"\r\n\r\n')
o.write(b'--f\r\n\r\n' * 200000)
o.write(b'--f--\r\n')"
}
