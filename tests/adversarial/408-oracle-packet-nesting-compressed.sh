# Decryption oracle at the packet level, compressed: as 407, but bob's
# packets sit inside a compressed packet inside erin's encryption.
#
# Expected: quarantined as partial; bob's words show nowhere.
case_class=oracle
case_title="another client's ciphertext nested in a compressed packet"
case_expect=quarantine:partial
case_msgid=oracle.9@client.example
case_prereq=FORGE
case_build() {
	adv_bob_captured &&
	adv_dearmor bob.asc bob.gpg &&
	python3 - bob.gpg z.gpg <<-'PY' &&
	import sys, zlib
	z = zlib.compressobj(6, zlib.DEFLATED, -15)
	body = b'\x01' + z.compress(open(sys.argv[1], 'rb').read()) + z.flush()
	open(sys.argv[2], 'wb').write(bytes([0xc0 | 8, 0xff]) + len(body).to_bytes(4, 'big') + body)
	PY
	adv_session_forge erin z.gpg c.gpg &&
	adv_armor c.gpg c.asc &&
	adv_wrap "erin@$D" "Nested" "$case_msgid" c.asc
}
