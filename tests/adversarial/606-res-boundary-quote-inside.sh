# Resources: a multipart whose boundary parameter is one quote character
# (boundary="\""), which has crashed MIME parsers, inside alice's signed
# encryption (t0300 sends it in the clear).
#
# Expected: quarantined as malformed; no crash.
case_class=resources
case_title='boundary of one quote character, inside the encryption'
case_expect=quarantine:malformed
case_msgid=res.quote@client.example
case_build() {
	{ printf 'Content-Type: multipart/mixed; boundary="\\""\r\n\r\n--"\r\n'
	  printf 'Content-Type: text/plain\r\n\r\n%s quote\r\n--"--\r\n' "$CANARY"; } >inner &&
	grep -q 'boundary="\\""' inner &&
	adv_se alice inner c.asc &&
	adv_wrap "alice@$D" "Quote" "$case_msgid" c.asc
}
