# Resources: 30 MB of base64 on one line in a text/plain part in the
# clear (under max_message_size): the gateway decodes text parts looking
# for armored blocks, and must do so in bounded time and memory.
#
# Expected: quarantined as not-encrypted, quickly.
case_class=resources
case_title='30 MB one-line base64 text part in the clear'
case_expect=quarantine:not-encrypted
case_msgid=res.b64out@client.example
case_maxms=15000
case_build() {
	craft_headers "alice@$D" "Flood" "$case_msgid" &&
	printf 'Content-Type: multipart/mixed; boundary="b1"\r\n\r\n--b1\r\nContent-Type: text/plain\r\nContent-Transfer-Encoding: base64\r\n\r\n' &&
	head -c 22500000 /dev/zero | base64 -w0 &&
	printf '\r\n--b1--\r\n'
}
