# Decryption oracle at the packet level: erin builds (forge.py) an
# integrity-protected packet to the practice whose content is bob's
# captured message itself, packet for packet (his session key packet and
# his encrypted packet).  gpg decrypts the outer layer, then bob's: out
# comes bob's text with bob's good signature, sent by erin.
#
# Expected: quarantined as partial (an encrypted message inside the
# encryption); bob's words show nowhere.
case_class=oracle
case_title="another client's ciphertext nested packet-wise in an encryption"
case_expect=quarantine:partial
case_msgid=oracle.8@client.example
case_prereq=FORGE
case_build() {
	adv_bob_captured &&
	adv_dearmor bob.asc bob.gpg &&
	adv_session_forge erin bob.gpg c.gpg &&
	adv_armor c.gpg c.asc &&
	practice_gpg --status-fd 3 --decrypt c.asc >plain 2>/dev/null 3>status &&
	test "$(grep -c BEGIN_DECRYPTION status)" = 2 && grep -q "$(secret_of bob)" plain &&
	adv_wrap "erin@$D" "Nested" "$case_msgid" c.asc
}
