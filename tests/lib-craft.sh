# lib-craft.sh: builders for odd and hostile messages, for the quarantine
# tests.  Source it after test-lib.sh and lib-gpg.sh.  Every builder writes
# one RFC 5322 message on stdout with CRLF line ends, as an MTA would hand it
# to the gateway, and takes the pieces that matter to a test as arguments so
# that each test can say what makes its message wrong.

command -v python3 >/dev/null 2>&1 || skip_all "python3 is not installed"

CRAFT_TO=practice@clinic.example
CRAFT_DATE='Mon, 02 Mar 2026 09:00:00 +0000'

# crlf: LF line ends on stdin to CRLF on stdout.
crlf() {
	sed 's/$/\r/'
}

# craft_headers FROM SUBJECT MSGID [EXTRA]: the header block of a message
# without its Content-Type and without the blank line that ends it.  EXTRA
# holds further header lines, one per line.
craft_headers() {
	printf 'From: %s\r\nTo: %s\r\nSubject: %s\r\nDate: %s\r\n' "$1" "$CRAFT_TO" "$2" "$CRAFT_DATE"
	printf 'Message-ID: <%s>\r\nMIME-Version: 1.0\r\n' "$3"
	if [ -n "${4:-}" ]; then
		printf '%s\n' "$4" | crlf
	fi
	return 0
}

# craft_plain FROM SUBJECT MSGID BODY [EXTRA]: a plaintext message.
craft_plain() {
	craft_headers "$1" "$2" "$3" "${5:-}"
	printf 'Content-Type: text/plain; charset=utf-8\r\n\r\n'
	printf '%s\n' "$4" | crlf
}

# craft_inline FROM SUBJECT MSGID ARMORFILE [PREFIX] [SUFFIX]: a text/plain
# message whose body is an armored block, with optional text around it.
craft_inline() {
	craft_headers "$1" "$2" "$3"
	printf 'Content-Type: text/plain; charset=us-ascii\r\n\r\n'
	if [ -n "${5:-}" ]; then
		printf '%s\n\n' "$5" | crlf
	fi
	crlf <"$4"
	if [ -n "${6:-}" ]; then
		printf '\n%s\n' "$6" | crlf
	fi
	return 0
}

# craft_signed_only SIGNER FROM SUBJECT MSGID BODY: an RFC 3156 section 5
# multipart/signed message, signed by SIGNER but not encrypted.
craft_signed_only() {
	signer=$1 from=$2 subject=$3 msgid=$4 body=$5
	tmp=$TRASH/.craft.$$
	make_mime_entry "$subject" "$body" >"$tmp.part"
	gpg_as "$signer" --armor --detach-sign --digest-algo SHA256 \
		--local-user "$(fpr_of "$signer")" --output - "$tmp.part" >"$tmp.sig" || return 1
	craft_headers "$from" "$subject" "$msgid"
	printf 'Content-Type: multipart/signed; micalg=pgp-sha256; protocol="application/pgp-signature"; boundary="sig-b"\r\n\r\n'
	printf -- '--sig-b\r\n'
	cat "$tmp.part"
	printf -- '\r\n--sig-b\r\nContent-Type: application/pgp-signature; name="signature.asc"\r\n\r\n'
	crlf <"$tmp.sig"
	printf -- '--sig-b--\r\n'
	rm -f "$tmp.part" "$tmp.sig"
}

# craft_mixed_encrypted FROM SUBJECT MSGID TEXT CIPHERFILE: multipart/mixed
# with a plaintext part and, below it, an RFC 3156 multipart/encrypted part.
craft_mixed_encrypted() {
	craft_headers "$1" "$2" "$3"
	printf 'Content-Type: multipart/mixed; boundary="mix-b"\r\n\r\n'
	printf -- '--mix-b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n'
	printf '%s\n' "$4" | crlf
	printf -- '--mix-b\r\n'
	printf 'Content-Type: multipart/encrypted; protocol="application/pgp-encrypted"; boundary="enc-b"\r\n\r\n'
	printf -- '--enc-b\r\nContent-Type: application/pgp-encrypted\r\n\r\nVersion: 1\r\n\r\n'
	printf -- '--enc-b\r\nContent-Type: application/octet-stream; name="encrypted.asc"\r\n\r\n'
	crlf <"$5"
	printf -- '--enc-b--\r\n--mix-b--\r\n'
}

# craft_boundary_quote FROM SUBJECT MSGID BODY: a multipart whose boundary
# parameter is a lone escaped quote, which has crashed MIME parsers.
craft_boundary_quote() {
	craft_headers "$1" "$2" "$3"
	printf 'Content-Type: multipart/mixed; boundary="\\""\r\n\r\n'
	printf -- '--"\r\nContent-Type: text/plain\r\n\r\n'
	printf '%s\n' "$4" | crlf
	printf -- '--"--\r\n'
}

# craft_deep FROM SUBJECT MSGID LEVELS BODY: LEVELS multiparts nested in
# each other, each with its own boundary, all properly closed.
craft_deep() {
	craft_headers "$1" "$2" "$3"
	python3 - "$4" "$5" <<-'EOF'
	import sys
	n, body = int(sys.argv[1]), sys.argv[2]
	out = sys.stdout.buffer
	for i in range(n):
	    out.write(b'Content-Type: multipart/mixed; boundary="b%d"\r\n\r\n--b%d\r\n' % (i, i))
	out.write(b'Content-Type: text/plain\r\n\r\n' + body.encode() + b'\r\n')
	for i in reversed(range(n)):
	    out.write(b'--b%d--\r\n' % i)
	EOF
}

# craft_many_parts SUBJECT BODY COUNT: an inner MIME entity (for
# encryption) made of COUNT small text parts.
craft_many_parts() {
	printf 'Content-Type: multipart/mixed; boundary="many-b"\r\n\r\n'
	i=0
	while [ "$i" -lt "$3" ]; do
		printf -- '--many-b\r\nContent-Type: text/plain\r\n\r\n%s %d\r\n' "$2" "$i"
		i=$((i + 1))
	done
	printf -- '--many-b--\r\n'
}

# craft_protected_entry INNER-FROM SUBJECT BODY: an inner MIME entity with
# protected headers (draft-autocrypt-lamps-protected-headers).
craft_protected_entry() {
	printf 'Content-Type: text/plain; charset=utf-8; protected-headers="v1"\r\n'
	printf 'From: %s\r\nTo: %s\r\nSubject: %s\r\n\r\n' "$1" "$CRAFT_TO" "$2"
	printf '%s\n' "$3" | crlf
}

# craft_dsn SUBJECT MSGID BODY: a delivery status notification
# (RFC 3464) from the mailer daemon, with a null return path.  It carries
# no Auto-Submitted header, so only the report itself says it is a bounce.
craft_dsn() {
	printf 'Return-Path: <>\r\n'
	craft_headers "Mail Delivery System <MAILER-DAEMON@mx.clinic.example>" "$1" "$2"
	printf 'Content-Type: multipart/report; report-type=delivery-status; boundary="dsn-b"\r\n\r\n'
	printf -- '--dsn-b\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n'
	printf '%s\n' "$3" | crlf
	printf -- '--dsn-b\r\nContent-Type: message/delivery-status\r\n\r\n'
	printf 'Reporting-MTA: dns; mx.clinic.example\r\n\r\n'
	printf 'Final-Recipient: rfc822; nobody@elsewhere.example\r\nAction: failed\r\n'
	printf 'Status: 5.1.1\r\nDiagnostic-Code: smtp; 550 5.1.1 user unknown\r\n\r\n'
	printf -- '--dsn-b\r\nContent-Type: text/rfc822-headers\r\n\r\n'
	printf 'From: practice@clinic.example\r\nTo: nobody@elsewhere.example\r\n'
	printf 'Subject: Appointment\r\nMessage-ID: <orig.%s>\r\n\r\n' "$2"
	printf -- '--dsn-b--\r\n'
}

# craft_autoreply FROM SUBJECT MSGID BODY: an RFC 3834 vacation reply with a
# return path that is not null, so only Auto-Submitted marks it.
craft_autoreply() {
	printf 'Return-Path: <%s>\r\n' "$(printf '%s' "$1" | sed 's/.*<//; s/>.*//')"
	craft_plain "$1" "$2" "$3" "$4" "Auto-Submitted: auto-replied
Precedence: bulk"
}

# armor_message BINFILE: ASCII armor (RFC 4880 section 6) an OpenPGP
# message, checksum included; gpg --enarmor would say ARMORED FILE instead.
armor_message() {
	python3 - "$1" <<-'EOF'
	import base64, sys
	data = open(sys.argv[1], 'rb').read()
	crc = 0xB704CE
	for b in data:
	    crc ^= b << 16
	    for _ in range(8):
	        crc <<= 1
	        if crc & 0x1000000:
	            crc ^= 0x1864CFB
	crc &= 0xFFFFFF
	b64 = base64.b64encode(data).decode()
	print('-----BEGIN PGP MESSAGE-----\n')
	for i in range(0, len(b64), 64):
	    print(b64[i:i + 64])
	print('=' + base64.b64encode(crc.to_bytes(3, 'big')).decode())
	print('-----END PGP MESSAGE-----')
	EOF
}

# flip_byte FILE OFFSET: invert one byte of FILE in place; a negative
# OFFSET counts from the end.
flip_byte() {
	python3 - "$1" "$2" <<-'EOF'
	import sys
	path, off = sys.argv[1], int(sys.argv[2])
	data = bytearray(open(path, 'rb').read())
	data[off] ^= 0xFF
	open(path, 'wb').write(data)
	EOF
}
