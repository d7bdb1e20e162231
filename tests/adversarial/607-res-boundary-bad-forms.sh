# Resources: boundaries RFC 2046 forbids, inside alice's signed
# encryption: a multipart/alternative with an empty boundary inside a
# multipart/mixed whose boundary is 71 characters long.
#
# Expected: quarantined as malformed.
case_class=resources
case_title='empty and 71-character boundaries'
case_expect=quarantine:malformed
case_msgid=res.bounds@client.example
case_build() {
	b=$(head -c 71 /dev/zero | tr '\0' b) &&
	{ printf 'Content-Type: multipart/mixed; boundary="%s"\r\n\r\n--%s\r\n' "$b" "$b"
	  printf 'Content-Type: multipart/alternative; boundary=""\r\n\r\n--\r\nContent-Type: text/plain\r\n\r\n%s\r\n----\r\n' "$CANARY"
	  printf -- '--%s--\r\n' "$b"; } >inner &&
	adv_se alice inner c.asc &&
	adv_wrap "alice@$D" "Bounds" "$case_msgid" c.asc
}
