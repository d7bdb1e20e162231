#!/bin/sh
# seeds.sh: writes the seed corpora to fuzz/out/seeds/NAME/ (run.sh reads
# them next to the growing corpus in fuzz/corpus/NAME/).
#
#   fuzz/seeds.sh [OUTDIR]
#
# The shell tests craft their messages at run time (tests/lib-craft.sh,
# tests/lib-gpg.sh); the same shapes are written here without gpg: plain,
# multipart/mixed with quoted-printable and base64 parts, PGP/MIME
# multipart/encrypted whose "ciphertext" is an inner MIME entity (the
# harness's crypto stub decrypts a ciphertext to itself), multipart/signed,
# inline PGP, protected headers, nesting, message/rfc822, reports, HTML,
# and the hostile shapes of t0320 (boundary of one quote, deep nesting,
# part and header floods, NUL bytes).  Any tests/*.eml are added as they
# are.  The config seeds are confidant.conf files built from the settings
# and defaults in man/confidant.conf.5 and config_create(); the calendar
# seeds are the example values of the man page and the tests.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")
out=${1:-$here/out/seeds}
command -v python3 >/dev/null 2>&1 || { echo "seeds.sh: python3 is needed" >&2; exit 1; }
mkdir -p "$out/mime" "$out/config" "$out/calendar" "$out/record"
for f in "$top"/tests/*.eml "$top"/tests/*/*.eml; do
	[ -f "$f" ] && cp "$f" "$out/mime/"
done
python3 - "$out" "$top/man/confidant.conf.5" <<'PYEOF'
import base64, os, re, sys, quopri

out, manpage = sys.argv[1], sys.argv[2]

def write(kind, name, data):
    if isinstance(data, str):
        data = data.encode()
    with open(os.path.join(out, kind, name), 'wb') as f:
        f.write(data)

def crlf(s):
    return s.replace('\r\n', '\n').replace('\n', '\r\n')

def headers(frm='Alice <alice@client.example>', subject='Appointment', msgid='m1@client.example',
            extra=''):
    h = ('From: %s\nTo: practice@clinic.example\nSubject: %s\n'
         'Date: Mon, 02 Mar 2026 09:00:00 +0000\nMessage-ID: <%s>\nMIME-Version: 1.0\n'
         % (frm, subject, msgid))
    return h + extra

# ---- mime ------------------------------------------------------------
inner_plain = ('Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n'
               'I would like to move Thursday\'s session.\n')
inner_att = ('Content-Type: multipart/mixed; boundary="inner-b"\n\n'
             '--inner-b\nContent-Type: text/plain; charset=utf-8\n\nSee the attached form.\n'
             '--inner-b\nContent-Type: application/octet-stream\n'
             'Content-Disposition: attachment; filename="form.pdf"\n'
             'Content-Transfer-Encoding: base64\n\n'
             + base64.encodebytes(b'%PDF-1.4\n\x00\x01\x02\xff binary').decode()
             + '--inner-b--\n')
inner_protected = ('Content-Type: text/plain; charset=utf-8; protected-headers="v1"\n'
                   'From: alice@client.example\nTo: practice@clinic.example\n'
                   'Subject: The real subject\nIn-Reply-To: <r1@clinic.example>\n'
                   'References: <r0@clinic.example> <r1@clinic.example>\n\nHidden subject.\n')
inner_signed = ('Content-Type: multipart/signed; micalg=pgp-sha256; '
                'protocol="application/pgp-signature"; boundary="sig-b"\n'
                'X-Fuzz-Sig: good-inner\n\n'
                '--sig-b\n' + inner_plain +
                '--sig-b\nContent-Type: application/pgp-signature; name="signature.asc"\n\n'
                '-----BEGIN PGP SIGNATURE-----\n\niQEzBAEBCAAdFiEE\n=abcd\n'
                '-----END PGP SIGNATURE-----\n--sig-b--\n')
inner_html = ('Content-Type: multipart/alternative; boundary="alt"\n\n--alt\n'
              'Content-Type: text/html; charset=iso-8859-1\nContent-Transfer-Encoding: quoted-printable\n\n'
              + quopri.encodestring('<p>Gr\xfc\xdfe &amp; <b>bye</b></p><script>x()</script>&#233;&hellip;'
                                    .encode('latin-1')).decode()
              + '\n--alt--\n')

def pgpmime(inner, extra='', armor=True):
    body = inner
    if armor:
        body = '-----BEGIN PGP MESSAGE-----\n\n' + inner + '-----END PGP MESSAGE-----\n'
    return crlf(headers(extra=extra) +
                'Content-Type: multipart/encrypted; protocol="application/pgp-encrypted"; '
                'boundary="outer-b"\n\nThis is an OpenPGP/MIME encrypted message (RFC 4880 and 3156)\n'
                '--outer-b\nContent-Type: application/pgp-encrypted\n\nVersion: 1\n\n'
                '--outer-b\nContent-Type: application/octet-stream; name="encrypted.asc"\n\n'
                + body + '\n--outer-b--\n')

write('mime', 'plain.eml', crlf(headers() + 'Content-Type: text/plain; charset=utf-8\n\nHello.\n'))
write('mime', 'plain-lf-mbox.eml', 'From alice@client.example Mon Mar  2 09:00:00 2026\n'
      + headers() + '\nNo Content-Type, LF line ends.\n')
write('mime', 'mixed-qp-b64.eml', crlf(headers() +
      'Content-Type: multipart/mixed; boundary="x y"\n\npreamble\n'
      '--x y\nContent-Type: text/plain; charset=iso-8859-1\nContent-Transfer-Encoding: quoted-printable\n\n'
      'Gr=FC=DFe, soft=\nbreak\n'
      '--x y\nContent-Type: application/octet-stream\n'
      'Content-Disposition: attachment; filename="a.bin"\nContent-Transfer-Encoding: base64\n\n'
      'AAEC/w==\n--x y--\nepilogue\n'))
write('mime', 'encrypted.eml', pgpmime(inner_plain))
write('mime', 'encrypted-attachment.eml', pgpmime(inner_att))
write('mime', 'encrypted-protected.eml', pgpmime(inner_protected))
write('mime', 'encrypted-signed-inside.eml', pgpmime(inner_signed))
write('mime', 'encrypted-html.eml', pgpmime(inner_html))
write('mime', 'encrypted-unsigned.eml', pgpmime('X-Fuzz-Sig: none\n' + inner_plain))
write('mime', 'encrypted-badsig.eml', pgpmime('X-Fuzz-Sig: bad\n' + inner_plain))
write('mime', 'encrypted-failed.eml', pgpmime('X-Fuzz-Dec: failed\n' + inner_plain))
write('mime', 'encrypted-not-rfc3156.eml', crlf(headers() +
      'Content-Type: multipart/encrypted; protocol="application/pgp-signature"; boundary=b\n\n'
      '--b\nContent-Type: text/plain\n\nVersion: 1\n--b--\n'))
write('mime', 'inline-pgp.eml', crlf(headers() + 'Content-Type: text/plain; charset=us-ascii\n\n'
      '-----BEGIN PGP MESSAGE-----\n\nhQEMA1234\n=abcd\n-----END PGP MESSAGE-----\n'))
write('mime', 'inline-pgp-text-around.eml', crlf(headers() + 'Content-Type: text/plain\n\nHi\n\n'
      '-----BEGIN PGP MESSAGE-----\n\nhQEMA\n-----END PGP MESSAGE-----\n\nBye\n'))
write('mime', 'signed-only.eml', crlf(headers() + inner_signed))
write('mime', 'mixed-encrypted-below.eml', crlf(headers() +
      'Content-Type: multipart/mixed; boundary="mix-b"\n\n'
      '--mix-b\nContent-Type: text/plain; charset=utf-8\n\nRead this.\n'
      '--mix-b\nContent-Type: multipart/encrypted; protocol="application/pgp-encrypted"; boundary="enc-b"\n\n'
      '--enc-b\nContent-Type: application/pgp-encrypted\n\nVersion: 1\n\n'
      '--enc-b\nContent-Type: application/octet-stream\n\n-----BEGIN PGP MESSAGE-----\n\nhQ\n'
      '-----END PGP MESSAGE-----\n--enc-b--\n--mix-b--\n'))
write('mime', 'boundary-quote.eml', crlf(headers() +
      'Content-Type: multipart/mixed; boundary="\\""\n\n--"\nContent-Type: text/plain\n\nx\n--"--\n'))
deep = headers()
for i in range(33):
    deep += 'Content-Type: multipart/mixed; boundary="b%d"\n\n--b%d\n' % (i, i)
deep += 'Content-Type: text/plain\n\ndeep\n' + ''.join('--b%d--\n' % i for i in reversed(range(33)))
write('mime', 'deep-33.eml', crlf(deep))
nested = headers() + 'Content-Type: multipart/mixed; boundary=o\n\n--o\n'
nested += 'Content-Type: message/rfc822\n\n' + headers(msgid='inner@x') + \
    'Content-Type: multipart/alternative; boundary=a\n\n--a\nContent-Type: text/plain\n\nt\n' \
    '--a\nContent-Type: text/html\n\n<p>h</p>\n--a--\n--o--\n'
write('mime', 'nested-rfc822.eml', crlf(nested))
many = headers() + 'Content-Type: multipart/mixed; boundary=f\n\n' + '--f\n\nx\n' * 40 + '--f--\n'
write('mime', 'many-parts.eml', crlf(many))
write('mime', 'header-flood.eml', crlf(headers() + 'a: b\n' * 60 + 'X-Long: x\n' + ' y\n' * 60 + '\nbody\n'))
write('mime', 'nul-header.eml', b'From: a@b\r\nX: a\x00b\r\n\r\nx')
write('mime', 'report.eml', crlf('Return-Path: <>\n' +
      headers(frm='Mail Delivery System <MAILER-DAEMON@mx.clinic.example>') +
      'Content-Type: multipart/report; report-type=delivery-status; boundary="dsn-b"\n\n'
      '--dsn-b\nContent-Type: text/plain; charset=us-ascii\n\nUndeliverable.\n'
      '--dsn-b\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mx\n\n'
      'Final-Recipient: rfc822; nobody@elsewhere.example\nAction: failed\n'
      '--dsn-b\nContent-Type: text/rfc822-headers\n\nFrom: practice@clinic.example\n\n'
      '--dsn-b--\n'))
write('mime', 'autoreply.eml', crlf('Return-Path: <alice@client.example>\n' +
      headers(extra='Auto-Submitted: auto-replied\nPrecedence: bulk\n') +
      'Content-Type: text/plain\n\nI am away.\n'))
write('mime', 'encoded-words.eml', crlf(headers(
      frm='=?utf-8?q?Al=C3=AFce?= <alice@client.example> (Alice (at home))',
      subject='=?utf-8?b?w5xiZXI=?= =?iso-8859-1?q?Gr=FC=DFe?= =?utf-8?q?Hello=0D=0ABcc:_x?=',
      extra='In-Reply-To: <a@x> junk <b@y>\nReferences: <c@z>\n') +
      'Content-Type: text/plain; charset="windows-1252"; format=flowed\n'
      'Content-Disposition: inline; filename*=utf-8\'\'%C3%BC.txt\n\n\x93quoted\x94\n'))
write('mime', 'two-from.eml', crlf('From: eve@evil.example\n' + headers() + '\nbody\n'))
write('mime', 'html-only.eml', crlf(headers() + 'Content-Type: text/html; charset=utf-8\n\n'
      '<html><style>p{}</style><body><p>I feel <3 today</p>&#x1F600;&#0;&#xD800;<br>'
      'if x < 5<div>&nbsp;&mdash;</div></body></html>\n'))

# ---- config ----------------------------------------------------------
man = open(manpage).read()
keys = re.findall(r'^\.B ([a-z_]+)$', man, re.M)
defaults = {}
for k, text in re.findall(r'^\.B ([a-z_]+)\n(.*?)(?=^\.(?:TP|SS|SH))', man, re.M | re.S):
    m = re.search(r'Default: ([^\n]*?)\.?$', text.replace('\\-', '-'), re.M)
    if m:
        d = re.sub(r'\\f[BIR]', '', m.group(1))
        if d.startswith('empty'):
            d = ''
        if d.startswith('the ') or d.startswith('alert_address'):
            continue
        defaults[k] = d
sections = re.findall(r'^\.SS \[([a-z]+)\]', man, re.M)
fpr = '0123456789ABCDEF0123456789ABCDEF01234567'
minimal = ('[practice]\naddress = practice@clinic.example\nname = Clinic\npractice_key = %s\n' % fpr)
write('config', 'minimal.conf', minimal)
created = ('# confidant.conf: settings of this practice; see confidant.conf(5).\n'
           '# Change them with \'confidant config NAME VALUE\'.\n\n'
           '[practice]\naddress = practice@clinic.example\nname = Clinic\npractice_key = %s\n'
           '# records_key = (empty: records at rest are encrypted to practice_key)\n\n'
           '[limits]\n# max_message_size = 50M\n# max_decrypted_size = 200M\n'
           '# max_mime_depth = 32\n# max_mime_parts = 1000\n'
           '# parse_cpu_seconds = 60\n# parse_memory = 2G\n\n[database]\n# busy_timeout = 30000\n' % fpr)
write('config', 'created.conf', created)
full = minimal
values = {
    'records_key': fpr, 'max_message_size': '50M', 'max_decrypted_size': '200M',
    'max_mime_depth': '32', 'max_mime_parts': '1000', 'parse_cpu_seconds': '60',
    'parse_memory': '2G', 'busy_timeout': '30000', 'transport': 'smtp',
    'sendmail': '/usr/sbin/sendmail -oi -t', 'smtp': 'smtp://practice@mail.clinic.example:587',
    'smtp_password_file': '/home/practice/.smtp-password', 'smtp_ca_file': '',
    'send_timeout': '120', 'retry_base': '60', 'retry_max': '14400', 'notice_interval': '3600',
    'alert_address': 'admin@clinic.example', 'timezone': 'Europe/Berlin',
    'hours': 'Mon-Fri 09:00-17:00; Sat 10:00-12:00', 'day_length': '7.5',
    'commitment': '2 business days', 'holidays': '2026-12-24, 2026-12-25 2027-01-01',
    'remind_before': '2 business hours', 'escalate_after': '1 business day',
    'escalation_address': 'lead@clinic.example', 'escalation_key': '',
    'urgent_commitment': '1 hours', 'urgent_phrases_file': '/usr/share/confidant/urgent-phrases.txt',
    'acknowledge': 'yes', 'boundaries_file': '', 'crisis_file': '',
}
sec_of = {}
cur = None
for line in man.splitlines():
    m = re.match(r'^\.SS \[([a-z]+)\]', line)
    if m:
        cur = m.group(1)
    m = re.match(r'^\.B ([a-z_]+)$', line)
    if m and cur:
        sec_of[m.group(1)] = cur
for s in sections:
    if s == 'practice':
        continue
    full += '\n[%s]\n' % s
    for k in keys:
        if sec_of.get(k) == s and k in values:
            full += '%s = %s\n' % (k, values[k])
write('config', 'full.conf', full)
write('config', 'crlf-comments.conf', crlf('; comment\n' + minimal + '  # indented comment\n'
      '[commitments]\n  hours=Mon,Wed,Fri 08:00-12:00,13:00-17:30\ncommitment = 4 hours\n'))
for i, (k, d) in enumerate(sorted(defaults.items())):
    # One seed per documented default, with a config_set of it (NAME VALUE after NUL).
    write('config', 'set-%02d-%s' % (i, k), minimal + '\x00%s\x00%s' % (k, d))
write('config', 'set-new-section', minimal + '\x00hours\x00Mon-Sun 00:00-24:00')
write('config', 'set-existing', created + '\x00max_mime_depth\x0064')
write('config', 'bad-key.conf', minimal + 'colour = blue\n')
write('config', 'bad-line.conf', minimal + 'just words\n')

# ---- calendar --------------------------------------------------------
cal = [
    ('default', ['UTC', 'Mon-Fri 09:00-17:00', '8', '1 business day', '', '2026-03-02T09:00:00Z']),
    ('berlin-dst', ['Europe/Berlin', 'Mon-Fri 09:00-17:00; Sat 10:00-12:00', '7.5', '2 business days',
                    '2026-03-30, 2026-04-03', '2026-03-27 16:30']),
    ('newyork-hours', ['America/New_York', 'Mon,Wed,Fri 08:00-12:00,13:00-17:00', '8',
                       '3 business hours', '2026-11-26', '2026-11-06T15:00:00-05:00']),
    ('wallclock', ['Asia/Kolkata', 'Sun-Thu 00:00-24:00', '24', '36 hours', '', '2026-01-01 00:00:00']),
    ('minutes', ['Australia/Lord_Howe', 'Sat-Mon 22:30-23:45', '1.25', '90 minutes', '2026-04-05',
                 '2026-04-04T22:00:00+11:00']),
    ('away', ['Europe/London', 'Mon-Fri 09:00-17:00', '8', '1 business day', '',
              '2026-03-02T09:00:00Z', '2026-03-02T12:00:00Z 2026-03-05T12:00:00Z',
              '2026-03-09 09:00 2026-03-09 10:00']),
    ('urgent', ['Pacific/Chatham', 'Tue 09:15-09:45', '0.5', '1 hours', '2026-03-03 2026-03-10',
                '2026-03-02T23:59:59.123+13:45']),
]
for name, lines in cal:
    write('calendar', name, '\n'.join(lines) + '\n')

# ---- record ----------------------------------------------------------
def put(tag, v):
    if isinstance(v, str):
        v = v.encode()
    return b'%c %d\n' % (ord(tag), len(v)) + v + b'\n'
rec = (put('V', '1') + put('R', '') + put('D', '') + put('S', 'ABCDEF') + put('F', 'alice@client.example')
       + put('M', 'm1@client.example') + put('P', 'a@x b@y') + put('J', 'Subject') + put('B', 'Body\ntext')
       + put('T', 'Mon, 02 Mar 2026') + put('H', '00' * 32) + put('N', '1 1 0')
       + put('A', 'form.pdf') + put('C', 'application/pdf') + put('Z', 'ab' * 32) + put('Y', b'\x00\x01\xff'))
write('record', 'facts', rec)
write('record', 'quarantine', put('V', '1') + put('R', 'malformed') + put('D', 'a multipart without a valid boundary')
      + put('N', '0 0 1'))
PYEOF
for d in mime config calendar record; do
	printf '%s: %s seeds\n' "$d" "$(ls "$out/$d" | wc -l)"
done
