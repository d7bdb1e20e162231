# Encryption spoofing (the "Johnny, You Are Fired" encryption case): an
# empty encrypted message to the practice followed by a literal data
# packet in the clear holding eve's text, concatenated packet by packet
# and armored as one message.  A naive reader sees "decrypted" and gets
# the cleartext.  GnuPG 2.2.40 reports "multiple plaintexts" and fails.
#
# Expected: quarantined as decrypt-failed.
case_class=encspoof
case_title='empty encrypted packet, then a cleartext literal packet'
case_expect=quarantine:decrypt-failed
case_msgid=encspoof.1@client.example
case_build() {
	: >empty &&
	gpg_as eve --yes --trust-model always --recipient "$(pfpr)" --encrypt --output enc.gpg empty &&
	make_mime_entry "Spoof" "$CANARY cleartext beside the encryption" >lit.in &&
	gpg --batch --yes --store -z 0 --output lit.gpg lit.in &&
	cat enc.gpg lit.gpg >c.gpg &&
	test "$(adv_packets c.gpg | tr '\n' ,)" = "pubkey enc,encrypted data,literal data," &&
	adv_armor c.gpg c.asc &&
	adv_wrap "alice@$D" "Spoof" "$case_msgid" c.asc
}
