# Resources: invalid transfer encodings inside alice's signed encryption:
# a text part declared base64 full of characters outside the alphabet,
# padding in the middle and a truncated quantum; a text part declared
# quoted-printable with "=ZZ", "=" before the end of the line, a lone "="
# at the very end and 20000 "=" in a row.
#
# Expected: ACCEPTED into alice's journal (decoders are lenient) or
# quarantined as malformed; no crash, and a journal body that is valid
# UTF-8.
case_class=resources
case_title='invalid base64 and quoted-printable'
case_expect='journal:alice|quarantine:malformed'
case_msgid=res.badenc@client.example
case_build() {
	{ printf 'Content-Type: multipart/mixed; boundary="b1"\r\n\r\n--b1\r\n'
	  printf 'Content-Type: text/plain; charset=utf-8\r\n\r\n%s bad encodings\r\n--b1\r\n' "$(secret_of alice)"
	  printf 'Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n'
	  printf 'SGVsbG8=!!!@@@###$$$%%%%%%^^^&&&***\r\nV29y=bGQ\r\n====\r\nQUJD\r\nQQ\r\n--b1\r\n'
	  printf 'Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n'
	  printf 'bad =ZZ escape =\r\nsoft =4 half =\r\n'; head -c 20000 /dev/zero | tr '\0' =; printf '\r\n=\r\n--b1--\r\n'; } >inner &&
	adv_se alice inner c.asc &&
	adv_wrap "alice@$D" "Bad encodings" "$case_msgid" c.asc
}
