#!/usr/bin/env python3
# adv.py: snapshots and outcome checks for tests/t0330-adversarial.sh.
#
#   adv.py snap DIR
#       DIR/db.json: every entry (id, client handle, Message-ID, direction,
#       signer), the outbox (Message-ID, kind, recipient) and the names of
#       the captured outgoing messages.  The caller has put the quarantine
#       listing (confidant quarantine list --all --json) in DIR/q.json.
#
#   adv.py check BEFORE AFTER EXPECT MSGID MAILSPEC
#       Takes the snapshot AFTER itself (AFTER/q.json made by the caller),
#       then compares.  EXPECT lists acceptable outcomes separated by '|':
#       "journal:HANDLE", "quarantine:REASON", "none" (a duplicate).
#       MSGID is the Message-ID the new entry or record must carry ("*":
#       any, "": none).  MAILSPEC says what may leave (see mail_spec).
#       Every new outgoing message is checked header by header, decrypted
#       by its recipient and searched for text that must not be in it.
#       The new entry is left in entry.json, the new record in qrec.json,
#       the decrypted new mail in mail-N.txt.
#
#   adv.py sweep
#       At the end: every journal, every quarantine record and every
#       captured message, searched for the canary and for secrets of
#       other clients.
#
# Environment: PRACTICE, SENT_DIR, GPG_ROOT, CONFIDANT, CANARY, ADV_RUN,
# ADV_CLIENTS, ADV_THERAPISTS.
import email
import email.header
import email.policy
import json
import os
import re
import sqlite3
import subprocess
import sys

ENV = os.environ
PRACTICE = ENV['PRACTICE']
SENT = ENV['SENT_DIR']
GPG_ROOT = ENV['GPG_ROOT']
CANARY = ENV['CANARY']
CLIENTS = ENV['ADV_CLIENTS'].split()
THERAPISTS = ENV['ADV_THERAPISTS'].split()
PRACTICE_ADDR = 'practice@clinic.example'

errors = []
# The final sweep looks for content only: the header rules were checked
# for each message when it was sent.
HEADER_RULES = True


def fail(msg):
    errors.append(msg)


def rule(msg):
    if HEADER_RULES:
        fail(msg)


def secret_of(handle):
    return 'Secret-of-%s-%s' % (handle, ENV['ADV_RUN'])


SECRETS = {c: secret_of(c) for c in CLIENTS}


def db():
    con = sqlite3.connect('file:%s/confidant.db?mode=ro' % PRACTICE, uri=True)
    # Columns may hold bytes that are not UTF-8 (a Message-ID from mail).
    con.text_factory = lambda b: b.decode('utf-8', errors='replace')
    return con


def snap(d):
    con = db()
    entries = [dict(zip(('id', 'handle', 'message_id', 'direction', 'signer'), r)) for r in con.execute(
        'SELECT e.id, c.handle, e.message_id, e.direction, e.signer FROM entries e '
        'JOIN clients c ON c.id = e.client_id ORDER BY e.id')]
    outbox = [dict(zip(('message_id', 'kind', 'recipient', 'state'), r)) for r in con.execute(
        'SELECT message_id, kind, recipient, state FROM outbox ORDER BY id')]
    con.close()
    sent = sorted((f for f in os.listdir(SENT) if f.endswith('.eml')), key=lambda f: int(f.split('.')[0]))
    json.dump({'entries': entries, 'outbox': outbox, 'sent': sent}, open(os.path.join(d, 'db.json'), 'w'))


def fprs():
    out = {}
    for n in CLIENTS + THERAPISTS:
        p = os.path.join(ENV['TRASH'], 'keys', n + '.fpr')
        if os.path.exists(p):
            out[n] = open(p).read().strip()
    return out


def who_is(addr):
    """The person an address belongs to, and their GnuPG home."""
    addr = addr.strip().lower()
    if addr == PRACTICE_ADDR:
        return 'practice', os.path.join(PRACTICE, 'gnupg')
    local, _, dom = addr.partition('@')
    if dom in ('client.example', 'clinic.example') and local in CLIENTS + THERAPISTS:
        return local, os.path.join(GPG_ROOT, local)
    return None, None


# ----------------------------------------------------------------------
# Header checks

OUTER_NAMES = {'from', 'to', 'subject', 'date', 'message-id', 'in-reply-to', 'references',
               'auto-submitted', 'mime-version', 'content-type'}
INNER_ROOT_NAMES = {'content-type', 'subject', 'from', 'to', 'date', 'message-id', 'in-reply-to',
                    'references'}
PART_NAMES = {'content-type', 'content-transfer-encoding', 'content-disposition', 'content-description'}
ONCE = ('from', 'to', 'subject', 'date', 'message-id')
FIELD = re.compile(rb'^([\x21-\x39\x3b-\x7e]+):')


def check_lines(what, raw):
    """Line ends and bytes of a whole message or entity."""
    if b'\0' in raw:
        rule('%s: a NUL byte at offset %d' % (what, raw.index(b'\0')))
    bare_lf = re.search(rb'(?<!\r)\n', raw)
    if bare_lf:
        rule('%s: a bare LF at offset %d (CRLF/LF mix)' % (what, bare_lf.start()))
    bare_cr = re.search(rb'\r(?!\n)', raw)
    if bare_cr:
        rule('%s: a bare CR at offset %d' % (what, bare_cr.start()))


def header_block(raw):
    end = raw.find(b'\r\n\r\n')
    if end < 0:
        return raw, b''
    return raw[:end], raw[end + 4:]


def check_headers(what, block, allowed, once=()):
    """One header block: field syntax, names, folding, lengths, 7 bits."""
    if len(block) > 65536:
        rule('%s: a header block of %d bytes' % (what, len(block)))
    names = []
    for i, line in enumerate(block.split(b'\r\n')):
        if len(line) > 998:
            rule('%s: header line %d is %d bytes long (RFC 5322 allows 998): %r...'
                 % (what, i + 1, len(line), line[:80]))
        if any(b > 0x7e or (b < 0x20 and b != 9) for b in line):
            rule('%s: header line %d has 8-bit or control bytes: %r' % (what, i + 1, line[:200]))
        if line[:1] in (b' ', b'\t'):
            if i == 0:
                rule('%s: the header block starts with a continuation line' % what)
            if not line.strip():
                rule('%s: obsolete folding (a blank continuation line) at line %d' % (what, i + 1))
            continue
        m = FIELD.match(line)
        if not m:
            rule('%s: header line %d is no field: %r' % (what, i + 1, line[:200]))
            continue
        name = m.group(1).decode().lower()
        names.append(name)
        if name not in allowed:
            rule('%s: unexpected header field %r (injected?): %r' % (what, name, line[:200]))
    for n in once:
        c = names.count(n)
        if c != 1:
            rule('%s: %d %s header fields, wanted exactly one' % (what, c, n))
    return names


def boundary_of(block):
    hdrs = email.message_from_bytes(block + b'\r\n\r\n', policy=email.policy.compat32)
    return hdrs.get_param('boundary')


def split_parts(body, boundary):
    """The entities of a multipart body (CRLF), by delimiter lines."""
    d = b'--' + boundary.encode()
    parts, cur = [], None
    for line in body.split(b'\r\n'):
        if line.rstrip(b' \t') in (d, d + b'--'):
            if cur is not None:
                parts.append(b'\r\n'.join(cur))
            if line.rstrip(b' \t') == d + b'--':
                return parts
            cur = []
            continue
        if cur is not None:
            cur.append(line)
    if cur is not None:
        parts.append(b'\r\n'.join(cur))
    return parts


def gpg_decrypt(home, armored):
    r = subprocess.run(['gpg', '--homedir', home, '--batch', '--no-tty', '--quiet', '--decrypt'],
                       input=armored, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    return r.returncode, r.stdout, r.stderr.decode(errors='replace')


def text_of_entity(raw):
    """All text of a MIME entity, transfer encodings undone."""
    msg = email.message_from_bytes(raw, policy=email.policy.compat32)
    out = []
    for k, v in msg.items():
        out.append('%s: %s' % (k, v))
        try:
            out.append(str(email.header.make_header(email.header.decode_header(v))))
        except Exception:
            pass
    for part in msg.walk():
        for k, v in part.items():
            out.append('%s: %s' % (k, v))
        if part.is_multipart():
            continue
        payload = part.get_payload(decode=True) or b''
        out.append(payload.decode('utf-8', errors='replace'))
    out.append(raw.decode('utf-8', errors='replace'))
    return '\n'.join(out)


def check_mail(path, outbox):
    """One outgoing message: returns (kind, recipient person, about) and the plaintext."""
    raw = open(path, 'rb').read()
    name = os.path.basename(path)
    check_lines(name, raw)
    block, body = header_block(raw)
    check_headers(name + ' (outer)', block, OUTER_NAMES, ONCE + ('content-type', 'mime-version'))
    hdrs = email.message_from_bytes(block + b'\r\n\r\n', policy=email.policy.compat32)
    to = hdrs.get('To', '')
    mid = (hdrs.get('Message-ID', '') or '').strip().strip('<>')
    kind = next((o['kind'] for o in outbox if o['message_id'] == mid), None)
    if kind is None:
        fail('%s: Message-ID <%s> is not in the outbox' % (name, mid))
    if kind in ('notification', 'ack', 'notice', 'alert', 'urgent', 'crisis') and not hdrs.get('Auto-Submitted'):
        fail('%s: an automatic %s without Auto-Submitted' % (name, kind))
    person, home = who_is(to)
    if person is None:
        fail('%s: sent to %r, who is nobody of this practice' % (name, to))
        return kind, to, None, ''
    # The outer header block names no client and no content.
    outer_txt = block.decode('ascii', errors='replace')
    if CANARY in outer_txt or any(s in outer_txt for s in SECRETS.values()):
        fail('%s: content in the outer headers' % name)
    m = re.search(rb'-----BEGIN PGP MESSAGE-----.*?-----END PGP MESSAGE-----', body, re.S)
    if not m:
        fail('%s: no OpenPGP message in it' % name)
        return kind, person, None, ''
    rc, plain, err = gpg_decrypt(home, m.group(0))
    if rc != 0:
        fail('%s: %s cannot decrypt it: %s' % (name, person, err.strip()[-300:]))
        return kind, person, None, ''
    check_lines(name + ' (inner)', plain)
    iblock, ibody = header_block(plain)
    inames = check_headers(name + ' (inner root)', iblock, INNER_ROOT_NAMES, ('content-type',))
    b = boundary_of(iblock)
    if b:
        for i, part in enumerate(split_parts(ibody, b)):
            pblock, _ = header_block(part)
            check_headers('%s (inner part %d)' % (name, i + 1), pblock, PART_NAMES, ('content-type',))
    inner = email.message_from_bytes(plain, policy=email.policy.compat32)
    subject = str(email.header.make_header(email.header.decode_header(inner.get('Subject', ''))))
    about = None
    mt = re.match(r'\[([a-z0-9._-]+)\] ', subject)
    if kind == 'notification' and mt:
        about = mt.group(1)
    return kind, person, about, text_of_entity(plain)


def allowed_secrets(kind, person, about):
    ok = set()
    if person in CLIENTS:
        ok.add(person)
    if kind == 'notification' and about:
        ok.add(about)
    return ok


def scan_text(what, text, ok):
    if CANARY in text:
        fail('%s: the canary %s is in it' % (what, CANARY))
    for c, s in SECRETS.items():
        if c not in ok and s in text:
            fail('%s: text of %s is in it' % (what, c))


def mail_spec(spec, got_outcome):
    """MAILSPEC: "auto", or items KIND:WHO:N (N a count, '?' for 0 or 1,
    '*' for any); every KIND:WHO not named must be 0.  "auto" is, for a new
    entry of X, a notification to X's therapist (thera) and at most one
    acknowledgement to X; otherwise nothing."""
    if spec == 'auto':
        if got_outcome.startswith('journal:'):
            h = got_outcome.split(':', 1)[1]
            spec = 'notification:thera:1 ack:%s:?' % h
        else:
            spec = ''
    want = {}
    for item in spec.split():
        kind, who, n = item.split(':')
        want[(kind, who)] = n
    return want


def check(before, after, expect, msgid, spec):
    snap(after)
    b = json.load(open(os.path.join(before, 'db.json')))
    a = json.load(open(os.path.join(after, 'db.json')))
    qb = json.load(open(os.path.join(before, 'q.json')))
    qa = json.load(open(os.path.join(after, 'q.json')))
    old_q = {e['id']: e for e in qb}
    new_q = [e for e in qa if e['id'] not in old_q]
    for e in qa:
        if e['id'] in old_q and e != old_q[e['id']]:
            fail('an earlier quarantine record changed: %r -> %r' % (old_q[e['id']], e))
    if len(qa) - len(new_q) != len(qb):
        fail('quarantine records disappeared')
    old_e = {e['id'] for e in b['entries']}
    new_e = [e for e in a['entries'] if e['id'] not in old_e]
    if len(a['entries']) - len(new_e) != len(b['entries']):
        fail('journal entries disappeared')
    if not new_q and not new_e:
        got, obj = 'none', None
    elif len(new_q) == 1 and not new_e:
        got, obj = 'quarantine:' + new_q[0]['reason'], new_q[0]
    elif not new_q and len(new_e) == 1:
        got, obj = 'journal:' + new_e[0]['handle'], new_e[0]
    else:
        fail('more than one thing happened: new quarantine %r, new entries %r' % (new_q, new_e))
        return
    short = json.dumps(obj)
    print('# outcome: %s %s' % (got, short if len(short) < 300 else short[:300] + '...'))
    if got not in expect.split('|'):
        fail('outcome %s, wanted %s' % (got, ' or '.join(expect.split('|'))))
    if obj is not None and msgid != '*' and (obj.get('message_id') or '') != msgid:
        fail('message_id %r, wanted %r' % (obj.get('message_id'), msgid or None))
    if got.startswith('quarantine:'):
        json.dump(obj, open('qrec.json', 'w'))
        missing = {'id', 'reason', 'date', 'from', 'message_id', 'detail'} - set(obj)
        if missing:
            fail('quarantine record lacks %s' % sorted(missing))
        detail = str(obj.get('detail') or '')
        scan_text('the quarantine detail', detail, set())
        if re.search(r'crashed|CPU time|gave no result|unreadable', detail):
            fail('the parser did not survive the message: %r' % detail)
    if got.startswith('journal:'):
        h = obj['handle']
        j = subprocess.run([ENV['CONFIDANT'], 'journal', h, '--json'], stdout=subprocess.PIPE, check=True).stdout
        hits = [e for e in json.loads(j) if e['id'] == obj['id']]
        if len(hits) != 1:
            fail('the new entry %d is not in the journal of %s' % (obj['id'], h))
        else:
            e = hits[0]
            json.dump(e, open('entry.json', 'w'))
            scan_text('the new entry of %s' % h, json.dumps(e, ensure_ascii=False), {h})
            if e.get('signer') != fprs().get(h):
                fail('the new entry of %s names signer %s, not the pinned key %s' % (h, e.get('signer'), fprs().get(h)))
    # Outgoing mail.
    new_sent = [f for f in a['sent'] if f not in set(b['sent'])]
    want = mail_spec(spec, got)
    seen = {}
    for f in new_sent:
        kind, person, about, text = check_mail(os.path.join(SENT, f), a['outbox'])
        print('# sent %s: %s to %s%s' % (f, kind, person, ' about ' + about if about else ''))
        open('mail-%s.txt' % f.split('.')[0], 'w').write(text)
        scan_text('%s (%s to %s)' % (f, kind, person), text, allowed_secrets(kind, person, about))
        if kind == 'notification' and got.startswith('journal:') and about != got.split(':', 1)[1]:
            fail('%s: a notification about %r for an entry of %s' % (f, about, got.split(':', 1)[1]))
        seen[(kind, person)] = seen.get((kind, person), 0) + 1
    for k in set(seen) | set(want):
        n, w = seen.get(k, 0), want.get(k, '0')
        if w == '*' or (w == '?' and n <= 1) or (w not in '*?' and n == int(w)):
            continue
        fail('%d %s message(s) to %s, wanted %s' % (n, k[0], k[1], w))


def sweep():
    global HEADER_RULES
    HEADER_RULES = False
    conf = ENV['CONFIDANT']
    for c in CLIENTS:
        for args in (['--json'], []):
            r = subprocess.run([conf, 'journal', c] + args, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            if r.returncode != 0:
                fail('journal %s %s: exit %d' % (c, ' '.join(args), r.returncode))
            scan_text('the journal of %s%s' % (c, ' (json)' if args else ''),
                      r.stdout.decode('utf-8', errors='replace'), {c})
    q = json.loads(subprocess.run([conf, 'quarantine', 'list', '--all', '--json'], stdout=subprocess.PIPE,
                                  check=True).stdout)
    for e in q:
        r = subprocess.run([conf, 'quarantine', 'show', str(e['id'])], stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE)
        # A kept message is the raw mail; clients' words only ever came
        # encrypted, so no secret may show in clear.
        for c, s in SECRETS.items():
            if s in r.stdout.decode('utf-8', errors='replace'):
                fail('quarantine record %d shows text of %s in clear' % (e['id'], c))
    a = {'outbox': []}
    con = db()
    a['outbox'] = [dict(zip(('message_id', 'kind'), r)) for r in con.execute('SELECT message_id, kind FROM outbox')]
    con.close()
    for f in sorted((f for f in os.listdir(SENT) if f.endswith('.eml')), key=lambda f: int(f.split('.')[0])):
        kind, person, about, text = check_mail(os.path.join(SENT, f), a['outbox'])
        scan_text('%s (%s to %s)' % (f, kind, person), text, allowed_secrets(kind, person, about))
    print('# swept %d journals, %d quarantine records, %d sent messages' % (len(CLIENTS), len(q), len(os.listdir(SENT))))


if __name__ == '__main__':
    cmd = sys.argv[1]
    if cmd == 'snap':
        snap(sys.argv[2])
    elif cmd == 'check':
        check(*sys.argv[2:7])
    elif cmd == 'sweep':
        sweep()
    for e in errors:
        print('FAIL: ' + e, file=sys.stderr)
    sys.exit(1 if errors else 0)
