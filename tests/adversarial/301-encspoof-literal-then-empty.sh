# Encryption spoofing, the other order: eve's cleartext literal packet
# first, then an empty message encrypted to the practice.
#
# Expected: quarantined as decrypt-failed.
case_class=encspoof
case_title='cleartext literal packet, then an empty encrypted packet'
case_expect=quarantine:decrypt-failed
case_msgid=encspoof.2@client.example
case_build() {
	: >empty &&
	gpg_as eve --yes --trust-model always --recipient "$(pfpr)" --encrypt --output enc.gpg empty &&
	make_mime_entry "Spoof" "$CANARY cleartext before the encryption" >lit.in &&
	gpg --batch --yes --store -z 0 --output lit.gpg lit.in &&
	cat lit.gpg enc.gpg >c.gpg &&
	adv_armor c.gpg c.asc &&
	adv_wrap "alice@$D" "Spoof" "$case_msgid" c.asc
}
