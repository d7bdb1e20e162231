#!/usr/bin/env python3
"""scale-gen.py DIR STEP: the generated practice of bench/scale.sh, and its timings.

Steps (bench/scale.sh runs them in this order):
  params      fix the sizes and the timed moment in DIR/params.json
  calendars   the therapists' zones and hours, one line each
  therapists  t001.. with real keys (one gpg --import), their rows written directly
  plan        the real client's journal: entries and replies over two years
  compose     sign and encrypt the real client's entries with gpg (DIR/msgs/)
  fill        write the other 19,999 clients and their ~1M entries, commitments,
              reminders, outbox, issued, spool_done and audit rows directly
  replay      hand the real client's entries to `confidant deliver` and the
              therapist's replies to `confidant reply`, each at its own time
  checkpoint  fold the WAL into the database
  time        time the commands and print one line per target with a verdict

Everything is seeded: the same parameters give the same practice.
"""
import bisect
import datetime as dt
import getpass
import hashlib
import json
import os
import random
import resource
import sqlite3
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from zoneinfo import ZoneInfo

DIR = os.path.abspath(sys.argv[1]) if len(sys.argv) > 1 else None
PRACTICE = os.path.join(DIR, "practice") if DIR else None
DB = os.path.join(PRACTICE, "confidant.db") if DIR else None
CONFIDANT = os.environ.get("CONFIDANT", "confidant")
ADDRESS = "practice@clinic.example"

# The timed moment: a Tuesday, 11:05 in Berlin, 05:05 in New York.
NOW_ISO = "2026-11-24T10:05:00Z"
DAYS = 730
HOLIDAYS = ("2024-12-24 2024-12-25 2024-12-26 2024-12-31 2025-01-01 2025-04-18 2025-04-21 "
            "2025-05-01 2025-05-29 2025-06-09 2025-10-03 2025-12-24 2025-12-25 2025-12-26 "
            "2025-12-31 2026-01-01 2026-04-03 2026-04-06 2026-05-01 2026-05-14 2026-05-25 "
            "2026-10-03 2026-12-24 2026-12-25 2026-12-26")
PRACTICE_TZ = "Europe/Berlin"
PRACTICE_HOURS = "Mon-Fri 09:00-17:00"
DAY_MINUTES = 480          # day_length 8: "1 business day" is 8 business hours
REMIND_BEFORE = 120 * 60   # remind_before "2 business hours"
ESCALATE_AFTER = 480 * 60  # escalate_after "1 business day"
URGENT_SECS = 3600         # urgent_commitment "1 hours"
CRON = 300                 # remind runs every five minutes


_days = {}


def iso(t):
    """time_format_iso(): 2026-11-24T10:05:00Z (memoised by day: called millions of times)."""
    t = int(t)
    d, s = divmod(t, 86400)
    day = _days.get(d)
    if day is None:
        day = _days[d] = time.strftime("%Y-%m-%dT", time.gmtime(d * 86400))
    h, s = divmod(s, 3600)
    m, s = divmod(s, 60)
    return "%s%02d:%02d:%02dZ" % (day, h, m, s)


def parse_iso(s):
    return int(dt.datetime.strptime(s, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.timezone.utc).timestamp())


NOW = parse_iso(NOW_ISO)
START = NOW - DAYS * 86400


def params():
    path = os.path.join(DIR, "params.json")
    if os.path.exists(path):
        with open(path) as f:
            return json.load(f)
    p = {
        "therapists": int(os.environ.get("SCALE_THERAPISTS", 200)),
        "clients": int(os.environ.get("SCALE_CLIENTS", 20000)),
        "messages": int(os.environ.get("SCALE_MESSAGES", 1000000)),
        "journal": int(os.environ.get("SCALE_JOURNAL", 500)),
        "now_iso": NOW_ISO,
        "start_iso": iso(START - 86400),
        "holidays": HOLIDAYS,
        "seed": 7,
    }
    with open(path, "w") as f:
        json.dump(p, f, indent=1)
    return p


# ---------------------------------------------------------------- calendars

ZONES = [("-", 70), ("Europe/Vienna", 12), ("Europe/London", 10), ("America/New_York", 8)]
HOURS = [("-", 60), ("Mon-Thu 08:00-16:00; Fri 08:00-12:00", 20),
         ("Mon-Fri 10:00-13:00,14:00-19:00", 10), ("Tue-Sat 09:00-17:00", 10)]


def weighted(rng, table):
    r = rng.random() * sum(w for _, w in table)
    for v, w in table:
        r -= w
        if r < 0:
            return v
    return table[-1][0]


def therapist_calendar(i, seed):
    """Zone and hours of therapist i ('-': the practice's); t000 keeps the defaults."""
    if i == 0:
        return "-", "-"
    rng = random.Random(seed * 1000003 + i)
    return weighted(rng, ZONES), weighted(rng, HOURS)


DAY_NAMES = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"]


def parse_hours(spec):
    """[(wday, start_min, end_min)], wday 0 = Sunday: the subset of cal_parse_hours() used here."""
    out = []
    for group in spec.split(";"):
        group = group.strip()
        if not group:
            continue
        days_part, ranges = group.split(None, 1)
        days = set()
        for d in days_part.split(","):
            a, _, b = d.partition("-")
            ia = DAY_NAMES.index(a.lower()[:3])
            ib = DAY_NAMES.index(b.lower()[:3]) if b else ia
            i = ia
            while True:
                days.add(i)
                if i == ib:
                    break
                i = (i + 1) % 7
        for r in ranges.replace(" ", "").split(","):
            s, e = r.split("-")
            sm = int(s[:2]) * 60 + int(s[3:])
            em = int(e[:2]) * 60 + int(e[3:])
            for d in days:
                out.append((d, sm, em))
    return sorted(out)


class Calendar:
    """Business time as prefix sums over every span from START to NOW + 90 days."""

    def __init__(self, tz, hours, holidays):
        zi = ZoneInfo(tz)
        self.tz = tz
        spans = parse_hours(hours)
        hol = set(holidays.split())
        first = dt.date.fromtimestamp(START) - dt.timedelta(days=40)
        last = dt.date.fromtimestamp(NOW) + dt.timedelta(days=90)
        self.first = first
        A, B, C, E, mids = [], [], [], [], []
        cum = 0
        d = first
        while d <= last:
            mids.append(int(dt.datetime(d.year, d.month, d.day, tzinfo=zi).timestamp()))
            wd = (d.weekday() + 1) % 7
            if d.isoformat() not in hol:
                for w, s, e in spans:
                    if w != wd:
                        continue
                    a = int(dt.datetime(d.year, d.month, d.day, s // 60, s % 60, tzinfo=zi).timestamp())
                    if e == 1440:
                        n = d + dt.timedelta(days=1)
                        b = int(dt.datetime(n.year, n.month, n.day, tzinfo=zi).timestamp())
                    else:
                        b = int(dt.datetime(d.year, d.month, d.day, e // 60, e % 60, tzinfo=zi).timestamp())
                    A.append(a)
                    B.append(b)
                    C.append(cum)
                    cum += b - a
                    E.append(cum)
            d += dt.timedelta(days=1)
        self.A, self.B, self.C, self.E, self.mids = A, B, C, E, mids

    def pos(self, t):
        i = bisect.bisect_right(self.B, t)
        if i == len(self.B):
            return self.E[-1]
        return self.C[i] + (t - self.A[i] if self.A[i] <= t else 0)

    def add(self, t, secs):
        p = self.pos(t) + secs
        j = bisect.bisect_left(self.E, p)
        return self.A[j] + (p - self.C[j])

    def sub(self, t, secs):
        p = self.pos(t) - secs
        j = bisect.bisect_right(self.C, p) - 1
        return self.A[j] + (p - self.C[j])

    def between(self, a, b):
        return max(0, self.pos(b) - self.pos(a))

    def in_hours(self, t):
        return self.between(t, t + 60) > 0

    def next_open(self, t):
        """t if it is business time, else the start of the next span."""
        i = bisect.bisect_right(self.B, t)
        return t if self.A[i] <= t else self.A[i]

    def local_time(self, t, minute):
        """The instant of minute-of-day `minute`, local, on the local day around t."""
        k = bisect.bisect_right(self.mids, t) - 1
        return self.mids[k] + minute * 60


# Clients write at any hour, more in the evening (local time).
HOUR_WEIGHTS = [1, 0.5, 0.3, 0.2, 0.2, 0.4, 1.5, 3, 4, 4, 3.5, 3, 4, 3.5, 3, 3, 3, 3.5, 5, 6.5, 8, 8, 6, 3]


def writing_minute(rng):
    r = rng.random() * sum(HOUR_WEIGHTS)
    for h, w in enumerate(HOUR_WEIGHTS):
        r -= w
        if r < 0:
            return h * 60 + rng.randrange(60)
    return 23 * 60 + rng.randrange(60)


def ceil_tick(t):
    return -(-t // CRON) * CRON


def reminder_ticks(cal, t0, due, urgent, until):
    """When a five-minute cron of `confidant remind` sent each reminder before `until`."""
    out = []
    soon = cal.sub(due, REMIND_BEFORE) if not urgent else due - REMIND_BEFORE
    tick = ceil_tick(max(soon, t0))
    if not urgent:
        tick = ceil_tick(cal.next_open(tick))
    if tick < due and tick < until:
        out.append(("soon", tick))
    tick = ceil_tick(due)
    if not urgent:
        tick = ceil_tick(cal.next_open(tick))
    if tick < until:
        out.append(("overdue", tick))
    esc = ceil_tick(cal.add(due, ESCALATE_AFTER))
    if esc < until:
        out.append(("escalation", esc))
    return out


# ---------------------------------------------------------------- text

WORDS = ("the a and I my to of it was this that week felt about with when after before again some "
         "more less work sleep talked thought noticed remembered tried walked evening morning "
         "mother father sister friend colleague partner meeting plan exercise journal breathing "
         "anxious calm tired better worse small steps progress pattern trigger boundary "
         "conversation weekend home office train coffee rain garden letter phone call message "
         "dinner kitchen music book practice session homework list reminder habit routine "
         "energy focus worry relief gratitude patience honest difficult easier kind slowly "
         "yesterday today tomorrow usually sometimes often rarely perhaps maybe really quite "
         "noticed wrote read listened decided postponed finished started continued").split()


def text(rng, n_chars):
    out, size, sentence = [], 0, 0
    while size < n_chars:
        w = rng.choice(WORDS)
        if sentence == 0:
            w = w.capitalize()
        sentence += 1
        if sentence > rng.randint(8, 18):
            w += "."
            sentence = 0
        out.append(w)
        size += len(w) + 1
        if sentence == 0 and rng.random() < 0.15:
            out.append("\n\n")
    return " ".join(out).replace(" \n\n ", "\n\n").strip() + "\n"


# ---------------------------------------------------------------- the real client

def cal_for(tz, hours, p):
    tz = tz or PRACTICE_TZ
    return Calendar(tz, hours or PRACTICE_HOURS, p["holidays"])


def plan():
    """The real client's journal: exchanges of 1-4 entries, each answered, the last open."""
    p = params()
    path = os.path.join(DIR, "plan.json")
    if os.path.exists(path):
        return
    rng = random.Random(p["seed"] * 31 + 1)
    cal = cal_for(None, None, p)
    total = p["journal"]
    exchanges = []
    n = 0
    while True:
        k = weighted(rng, [(1, 45), (2, 30), (3, 15), (4, 10)])
        if n + k + 2 > total:
            break
        exchanges.append(k)
        n += k + 1
    exchanges.append(total - n)    # the open exchange: entries not answered yet
    starts = sorted(rng.uniform(START + 86400, NOW - 10 * 86400) for _ in exchanges[:-1])
    events = []
    prev_end = START + 86400
    thread_first = None
    seq = 0
    for x, k in enumerate(exchanges):
        last = x == len(exchanges) - 1
        if last:
            t0 = NOW - rng.randint(3600, 5 * 3600)
        else:
            t0 = cal.local_time(int(starts[x]), writing_minute(rng))
            t0 = max(t0, prev_end + 3600)
        if last:
            met = NOW
        else:
            r = min(max(int(rng.lognormvariate(5.3, 0.9)), 10), 1500) * 60
            met = cal.add(t0, r)
            assert met < NOW - 6 * 3600, "plan: the real client's exchanges overflow the two years"
        new_thread = thread_first is None or rng.random() < 0.35
        times = [t0] + sorted(rng.uniform(t0 + 60, t0 + max(120, (met - t0) * 0.9)) for _ in range(k - 1))
        for j, t in enumerate(times):
            seq += 1
            msgid = "r%04d.%s@client.example" % (seq, "%012x" % rng.getrandbits(48))
            parent = None
            if j == 0 and not new_thread:
                parent = thread_first   # continues the conversation: replies to the thread
            elif j > 0:
                parent = events_first_in
            if j == 0:
                events_first_in = msgid
                if new_thread:
                    thread_first = msgid
            subject = ("Re: " if parent else "") + "Journal, %s" % time.strftime("%d %b", time.gmtime(t))
            events.append({"t": int(t), "dir": "in", "msgid": msgid, "parent": parent,
                           "subject": subject, "body": text(rng, rng.randint(600, 2600))})
        if not last:
            events.append({"t": int(met), "dir": "out", "body": text(rng, rng.randint(300, 1500))})
            prev_end = met
    events.sort(key=lambda e: e["t"])
    with open(path, "w") as f:
        json.dump(events, f)
    print("plan: %d entries (%d in, %d out) for c00000" % (
        len(events), sum(e["dir"] == "in" for e in events), sum(e["dir"] == "out" for e in events)))


def compose():
    """Each entry as a real client sends it: PGP/MIME, signed and encrypted (RFC 3156 6.2)."""
    with open(os.path.join(DIR, "plan.json")) as f:
        events = json.load(f)
    os.makedirs(os.path.join(DIR, "msgs"), mode=0o700, exist_ok=True)
    pfpr = open(os.path.join(DIR, "practice.fpr")).read().split()[-1]
    fprs = dict(l.split() for l in open(os.path.join(DIR, "keys", "fingerprints")))
    cfpr = fprs["c00000@client.example"]
    env = dict(os.environ, GNUPGHOME=os.path.join(DIR, "keyring"))
    # The client's keyring learns the practice key.
    subprocess.run(["gpg", "--batch", "--quiet", "--import", os.path.join(DIR, "keys", "practice.pub")],
                   env=env, check=True, stderr=subprocess.DEVNULL)

    def one(i_e):
        i, e = i_e
        out = os.path.join(DIR, "msgs", "%04d.eml" % i)
        if os.path.exists(out):
            return
        inner = ("Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
                 + e["body"].replace("\n", "\r\n")).encode()
        c = subprocess.run(["gpg", "--batch", "--quiet", "--armor", "--trust-model", "always", "--sign",
                            "--encrypt", "--local-user", cfpr, "--recipient", pfpr, "--output", "-"],
                           input=inner, env=env, capture_output=True, check=True).stdout
        date = time.strftime("%a, %d %b %Y %H:%M:%S +0000", time.gmtime(e["t"]))
        h = ("From: c00000@client.example\r\nTo: %s\r\nSubject: %s\r\nDate: %s\r\nMessage-ID: <%s>\r\n"
             % (ADDRESS, e["subject"], date, e["msgid"]))
        if e["parent"]:
            h += "In-Reply-To: <%s>\r\nReferences: <%s>\r\n" % (e["parent"], e["parent"])
        h += ("MIME-Version: 1.0\r\nContent-Type: multipart/encrypted; "
              "protocol=\"application/pgp-encrypted\"; boundary=\"outer-b\"\r\n\r\n"
              "This is an OpenPGP/MIME encrypted message (RFC 4880 and 3156)\r\n"
              "--outer-b\r\nContent-Type: application/pgp-encrypted\r\n\r\nVersion: 1\r\n\r\n"
              "--outer-b\r\nContent-Type: application/octet-stream; name=\"encrypted.asc\"\r\n\r\n")
        body = c.replace(b"\n", b"\r\n") + b"--outer-b--\r\n"
        with open(out + ".tmp", "wb") as f:
            f.write(h.encode() + body)
        os.rename(out + ".tmp", out)

    todo = [(i, e) for i, e in enumerate(events) if e["dir"] == "in"]
    with ThreadPoolExecutor(max_workers=2) as ex:
        list(ex.map(one, todo))


def confidant(args, now=None, **kw):
    env = dict(os.environ, CONFIDANT_HOME=PRACTICE)
    env.pop("CONFIDANT_NOW", None)
    if now is not None:
        env["CONFIDANT_NOW"] = iso(now)
    return subprocess.run([CONFIDANT] + args, env=env, **kw)


TAIL = 30   # events replayed after the fill: deliver and reply at full scale


def replay(part="all"):
    """The real client's journal through the real commands, each at its own time.

    part "head" stops TAIL events before the end (it runs while the filler is generated),
    "tail" does the rest (after the fill, so those deliveries are timed at full scale)."""
    with open(os.path.join(DIR, "plan.json")) as f:
        events = json.load(f)
    stop = len(events) - TAIL if part == "head" else len(events)
    prog = os.path.join(DIR, "replay.progress")
    done = int(open(prog).read()) if os.path.exists(prog) else 0
    stats_path = os.path.join(DIR, "deliver-times.json")
    times = json.load(open(stats_path)) if os.path.exists(stats_path) else {"deliver": [], "reply": []}
    t_begin = time.time()
    for i, e in enumerate(events):
        if i < done:
            continue
        if i >= stop:
            break
        t0 = time.perf_counter()
        if e["dir"] == "in":
            with open(os.path.join(DIR, "msgs", "%04d.eml" % i), "rb") as f:
                r = confidant(["deliver"], now=e["t"], stdin=f, capture_output=True)
            kind = "deliver"
        else:
            r = confidant(["reply", "c00000"], now=e["t"], input=e["body"].encode(), capture_output=True)
            kind = "reply"
        times.setdefault(kind + ("-scale" if part == "tail" else ""), []).append(time.perf_counter() - t0)
        if r.returncode != 0:
            sys.exit("replay: %s of event %d failed (exit %d): %s" % (kind, i, r.returncode, r.stderr.decode()))
        with open(prog, "w") as f:
            f.write(str(i + 1))
        if (i + 1) % 100 == 0:
            with open(stats_path, "w") as f:
                json.dump(times, f)
            print("replay: %d/%d (%.0f s)" % (i + 1, len(events), time.time() - t_begin), file=sys.stderr)
    with open(stats_path, "w") as f:
        json.dump(times, f)
    db = sqlite3.connect(DB)
    n = db.execute("SELECT count(*) FROM entries e JOIN clients c ON c.id = e.client_id "
                   "WHERE c.handle = 'c00000'").fetchone()[0]
    db.close()
    print("replay: c00000 has %d journal entries" % n, file=sys.stderr)


def checkpoint():
    db = sqlite3.connect(DB)
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()


# ---------------------------------------------------------------- the other therapists

def therapists():
    """t001..: real keys (one gpg --import into the practice keyring), rows written directly,
    as `therapist add` and `therapist set` write them (therapists, subkeys, audit)."""
    p = params()
    listing = subprocess.run(["gpg", "--homedir", os.path.join(DIR, "keyring"), "--batch", "--with-colons",
                              "--list-keys"], capture_output=True, check=True, text=True).stdout
    keys, cur, want = {}, None, None
    for line in listing.splitlines():
        f = line.split(":")
        if f[0] in ("pub", "sub"):
            want = f[0]
        elif f[0] == "fpr" and want:
            if want == "pub":
                cur = {"fpr": f[9], "subs": []}
            else:
                cur["subs"].append(f[9])
            want = None
        elif f[0] == "uid" and cur is not None and "<" in f[9]:
            keys[f[9][f[9].index("<") + 1:f[9].index(">")]] = cur
    handles = ["t%03d" % i for i in range(1, p["therapists"])]
    bundle = os.path.join(DIR, "keys", "therapists.pub")
    with open(bundle, "w") as out:
        for h in handles:
            out.write(open(os.path.join(DIR, "keys", h + ".pub")).read())
    subprocess.run(["gpg", "--homedir", os.path.join(PRACTICE, "gnupg"), "--batch", "--quiet", "--import", bundle],
                   check=True, stderr=subprocess.DEVNULL)
    at = parse_iso(p["start_iso"])
    user = getpass.getuser()
    db = sqlite3.connect(DB, isolation_level=None, timeout=60)
    db.execute("BEGIN IMMEDIATE")
    row = db.execute("SELECT id, hash FROM audit ORDER BY id DESC LIMIT 1").fetchone()
    last_id, prev = row if row else (0, "0" * 64)
    for i, h in enumerate(handles, start=1):
        k = keys["%s@clinic.example" % h]
        tz, hours = therapist_calendar(i, p["seed"])
        tz = None if tz == "-" else tz
        hours = None if hours == "-" else hours
        db.execute("INSERT INTO therapists(handle, email, fpr, timezone, created_at, hours) VALUES (?,?,?,?,?,?)",
                   (h, "%s@clinic.example" % h, k["fpr"], tz, iso(at), hours))
        for sub in [k["fpr"]] + k["subs"]:
            db.execute("INSERT INTO subkeys(fpr, primary_fpr) VALUES (?,?)", (sub.upper(), k["fpr"].upper()))
        details = ["therapist add, key %s" % k["fpr"]]
        if tz:
            details.append("therapist set timezone = %s" % tz)
        if hours:
            details.append("therapist set hours = %s" % hours)
        for d in details:
            last_id += 1
            hsh = audit_hash(last_id, at, user, "register", h, "", d, prev)
            db.execute("INSERT INTO audit(id, at, user, action, handle, message_id, detail, prev, hash) "
                       "VALUES (?,?,?,?,?,?,?,?,?)", (last_id, at, user, "register", h, "", d, prev, hsh))
            prev = hsh
    db.execute("COMMIT")
    db.close()
    print("therapists: %d written, their keys imported into the practice keyring" % len(handles), file=sys.stderr)


# ---------------------------------------------------------------- the filler

def audit_hash(row_id, at, user, action, handle, msgid, detail, prev):
    """row_hash() of src/audit.c: each field length-prefixed, newline-terminated."""
    parts = ["17:confidant-audit-1\n"]
    for f in (str(row_id), str(at), user, action, handle, msgid, detail, prev):
        parts.append("%d:%s\n" % (len(f.encode()), f))
    return hashlib.sha256("".join(parts).encode()).hexdigest()


FILL_T0 = time.time()


def many(cur, sql, rows):
    t_begin = FILL_T0
    t0 = time.time()
    cur.executemany(sql, rows)
    print("fill:   %-24s %5.1f s (at %.0f s)" % (sql.split()[2], time.time() - t0, time.time() - t_begin),
          file=sys.stderr)


def fill():
    p = params()
    rng = random.Random(p["seed"])
    t_begin = time.time()
    db = sqlite3.connect(DB, isolation_level=None)
    user = getpass.getuser()
    therapists = db.execute("SELECT id, handle, email, fpr, timezone, hours FROM therapists ORDER BY handle").fetchall()
    practice_fpr = open(os.path.join(DIR, "practice.fpr")).read().split()[-1]
    cals = {}
    tcal = {}
    for tid, h, email, fpr, tz, hours in therapists:
        key = (tz or PRACTICE_TZ, hours or PRACTICE_HOURS)
        if key not in cals:
            cals[key] = Calendar(key[0], key[1], p["holidays"])
        tcal[tid] = cals[key]
    T = len(therapists)
    N = p["clients"]
    # Messages for the filler: the total less the real client's journal.
    target = p["messages"] - p["journal"]

    # Clients: 70% started over the two years, 30% were there from the start.
    clients = []   # (handle, email, fpr, therapist row, created)
    for i in range(1, N):
        th = therapists[i % T]
        start = START + rng.randint(0, 3 * 86400) if rng.random() < 0.3 else \
            rng.randint(START, NOW - 60 * 86400)
        clients.append(("c%05d" % i, "c%05d@client.example" % i, "%040X" % rng.getrandbits(160), th, start))
    weights = [NOW - c[4] for c in clients]
    wsum = sum(weights)
    budgets = [max(4, round(target * w / wsum)) for w in weights]

    # Events: parallel lists.  dir: 0 in, 1 reply by mail, 2 reply with `confidant reply`.
    ev_t, ev_c, ev_dir, ev_th, ev_msgid, ev_com = [], [], [], [], [], []
    thread_first = []          # thread number -> event index of its first entry
    commits = []               # (t0, client, tid, first_ev, due, urgent, met, met_ev, k)
    rem = []                   # (commit index, kind, tick)
    outbox = []                # (t, kind, recipient, entry_ev, client, tid, msgid)
    getbits = rng.getrandbits

    def new_msgid(domain):
        return "%032x@%s" % (getbits(128), domain)

    def add_event(t, c, d, th, msgid):
        ev_com.append(len(commits))
        ev_t.append(t)
        ev_c.append(c)
        ev_dir.append(d)
        ev_th.append(th)
        ev_msgid.append(msgid)
        return len(ev_t) - 1

    open_stats = {"soon": 0, "overdue": 0, "escalate": 0}
    for ci, (handle, email, fpr, th, start) in enumerate(clients):
        tid, thandle, temail = th[0], th[1], th[2]
        cal = tcal[tid]
        budget = budgets[ci]
        # The open exchange: when the client last wrote.
        r = rng.random()
        if r < 0.93:
            t_open = NOW - rng.randint(600, 26 * 3600)
        elif r < 0.97:
            t_open = NOW - rng.randint(26 * 3600, 72 * 3600)
        else:
            t_open = NOW - rng.randint(3 * 86400, 14 * 86400)
        k_open = 1 if rng.random() < 0.85 else 2
        # Closed exchanges fill the rest of the budget: k entries and one reply.
        ks = []
        left = budget - k_open
        while left >= 2:
            k = weighted(rng, [(1, 65), (2, 22), (3, 9), (4, 4)])
            k = min(k, left - 1)
            ks.append(k)
            left -= k + 1
        if left and ks:
            ks[-1] += left
        elif left:
            k_open += left
        starts = sorted(rng.randint(start, t_open - 3 * 86400) for _ in ks) if t_open - 3 * 86400 > start \
            else [start] * len(ks)
        prev_end = start
        thread = None

        def exchange(t0, k, met, is_open):
            nonlocal thread
            urgent = 1 if rng.random() < 0.003 else 0
            due = cal.add(t0, DAY_MINUTES * 60)
            if urgent:
                due = min(due, t0 + URGENT_SECS)
            if thread is None or rng.random() < 0.35:
                thread = len(thread_first)
                thread_first.append(None)
            end = met if not is_open else NOW
            times = [t0] + sorted(rng.randint(t0 + 60, max(t0 + 120, t0 + int((end - t0) * 0.9)))
                                  for _ in range(k - 1))
            first_ev = None
            for t in times:
                e = add_event(t, ci, 0, thread, new_msgid("client.example"))
                if thread_first[thread] is None:
                    thread_first[thread] = e
                if first_ev is None:
                    first_ev = e
                outbox.append((t + 2, "notification", temail, e, ci, tid, None))
            outbox.append((t0 + 3, "ack", email, first_ev, ci, 0, None))
            if urgent:
                outbox.append((t0 + 4, "urgent", temail, None, None, 0, None))
                outbox.append((t0 + 4, "urgent", ADDRESS, None, None, 0, None))
            met_ev = None
            if not is_open:
                d = 1 if rng.random() < 0.85 else 2
                msgid = new_msgid("clinic.example")
                met_ev = add_event(met, ci, d, thread, msgid)
                outbox.append((met + 1, "reply", email, met_ev, ci, tid, msgid))
            ticks = reminder_ticks(cal, t0, due, urgent, end if not is_open else NOW - CRON)
            idx = len(commits)
            commits.append((t0, ci, tid, first_ev, due, urgent, None if is_open else met, met_ev, k))
            for kind, tick in ticks:
                rem.append((idx, kind, tick))
            if is_open:
                if NOW >= due:
                    open_stats["overdue"] += 1
                    if cal.between(due, NOW) >= ESCALATE_AFTER:
                        open_stats["escalate"] += 1
                elif cal.between(NOW, due) <= REMIND_BEFORE:
                    open_stats["soon"] += 1

        for x, k in enumerate(ks):
            t0 = cal.local_time(starts[x], writing_minute(rng))
            t0 = max(t0, prev_end + 3600)
            resp = min(max(int(rng.lognormvariate(5.3, 0.9)), 5), 5000) * 60
            met = cal.add(t0, resp)
            if met >= t_open - 3600:
                break          # no room left before the open exchange: the budget shrinks a little
            exchange(t0, k, met, False)
            prev_end = met
        t_open = max(t_open, prev_end + 3600)
        exchange(t_open, k_open, None, True)

    n_ev = len(ev_t)
    print("fill: %d clients, %d events generated (%.0f s)" % (len(clients), n_ev, time.time() - t_begin),
          file=sys.stderr)
    # Exactly `target` entries: add or drop follow-up entries of open exchanges (events are
    # only ever appended, so dropping marks them; adding appends to a random open exchange).
    drop = set()
    if n_ev > target:
        # Drop the latest follow-up entries (in, not first of an exchange), newest first.
        firsts = {c[3] for c in commits}
        cand = [e for e in range(n_ev) if ev_dir[e] == 0 and e not in firsts]
        rng.shuffle(cand)
        drop = set(cand[:n_ev - target])
    elif n_ev < target:
        opens = [i for i, c in enumerate(commits) if c[6] is None]
        for _ in range(target - n_ev):
            i = rng.choice(opens)
            t0, ci, tid, first_ev, due, urgent, met, met_ev, k = commits[i]
            t = rng.randint(t0 + 60, NOW - 60)
            e = add_event(t, ci, 0, ev_th[first_ev], new_msgid("client.example"))
            ev_com[e] = i
            outbox.append((t + 2, "notification", clients[ci][3][2], e, ci, tid, None))
            commits[i] = (t0, ci, tid, first_ev, due, urgent, met, met_ev, k + 1)
    if drop:
        # A dropped follow-up no longer counts in its commitment, nor notifies.
        for e in drop:
            c = commits[ev_com[e]]
            commits[ev_com[e]] = c[:8] + (c[8] - 1,)
        outbox = [o for o in outbox if o[3] not in drop]
    order = sorted((e for e in range(len(ev_t)) if e not in drop), key=ev_t.__getitem__)
    rank = [0] * len(ev_t)          # an entry's id is the first free id plus its rank
    for r_, e in enumerate(order):
        rank[e] = r_

    # All that does not depend on the ids the replay takes is prepared now, while it runs.
    # The digests that carried the reminders: one per therapist and cron run.
    digests = {}
    for i, kind, tick in rem:
        digests[(commits[i][2], tick, "escalation" if kind == "escalation" else "reminder")] = 1
    temail = {t[0]: t[2] for t in therapists}
    for tid, tick, kind in digests:
        outbox.append((tick, kind, temail[tid] if kind == "reminder" else ADDRESS, None, None, 0, None))
    digests = None
    # Unique keys are random hex (SHA-256 dedupe keys, random Message-IDs).  Handing them out
    # in sorted order makes each B-tree insert an append, several times faster, at the price
    # of index pages packed fuller than random inserts leave them.  A reply's Message-ID is
    # its journal entry's too.
    outbox.sort(key=lambda o: o[0])
    mids = sorted("%032x@clinic.example" % getbits(128) for _ in outbox)
    remap = {}
    for o, m in zip(outbox, mids):
        if o[1] == "reply":
            remap[o[6]] = m
    for e in range(len(ev_msgid)):
        if ev_dir[e] != 0:
            ev_msgid[e] = remap[ev_msgid[e]]
    remap = None
    outbox = [(mids[i], o[1], o[2], rank[o[3]] if o[3] is not None else None, o[4], o[5] or None, iso(o[0]))
              for i, o in enumerate(outbox)]
    mids = None
    dedupes = sorted("%064x" % getbits(256) for _ in range(len(order)))
    corder = sorted(range(len(commits)), key=lambda i: commits[i][0])
    com_rank = [0] * len(commits)
    for r_, i in enumerate(corder):
        com_rank[i] = r_
    # The audit trail: a registration per client and a row per ingest or reply, in time order
    # (entry ids and the chain are filled in when they are known).
    aud = [(c[4], "register", c[0], "", "client add, key %s" % c[2], -1) for c in clients]
    for e in order:
        c = clients[ev_c[e]]
        d = ev_dir[e]
        aud.append((ev_t[e], "ingest" if d != 2 else "reply", c[0], ev_msgid[e],
                    "entry %d" if d == 0 else ("reply %%d by %s" % c[3][1]) if d == 1 else "reply entry %d",
                    rank[e]))
    aud.sort(key=lambda a: a[0])

    # The generation overlaps the first part of the replay; the database is ours once it is done.
    wait_for = os.environ.get("SCALE_WAIT_FOR")
    if wait_for and not os.path.exists(wait_for):
        print("fill: generated (%.0f s); waiting for the replay to finish with the database"
              % (time.time() - t_begin), file=sys.stderr)
        while not os.path.exists(wait_for):
            time.sleep(0.5)
    t_write = time.time()
    # Generation only: no journal, no fsync, a big cache; WAL comes back at the end.
    db.execute("PRAGMA journal_mode=OFF")
    db.execute("PRAGMA synchronous=OFF")
    db.execute("PRAGMA cache_size=-1000000")
    db.execute("PRAGMA temp_store=MEMORY")
    base = db.execute("SELECT coalesce(max(id), 0) FROM entries").fetchone()[0] + 1
    obase = db.execute("SELECT coalesce(max(id), 0) FROM outbox").fetchone()[0] + 1
    client_base = db.execute("SELECT coalesce(max(id), 0) FROM clients").fetchone()[0] + 1
    cbase = db.execute("SELECT coalesce(max(id), 0) FROM commitments").fetchone()[0] + 1

    # The secondary indexes are rebuilt after the bulk insert (CREATE INDEX sorts: faster
    # than a million random inserts).
    cur = db.cursor()
    cur.execute("BEGIN")
    rebuild = db.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL AND "
                         "tbl_name IN ('entries', 'commitments', 'outbox', 'audit')").fetchall()
    for name, _ in rebuild:
        cur.execute("DROP INDEX %s" % name)

    # Clients and their keys.
    many(cur, "INSERT INTO clients(id, handle, email, fpr, therapist_id, created_at) VALUES (?,?,?,?,?,?)",
         ((client_base + i, c[0], c[1], c[2], c[3][0], iso(c[4])) for i, c in enumerate(clients)))
    sub = []
    for c in clients:
        sub.append((c[2], c[2]))
        sub.append(("%040X" % rng.getrandbits(160), c[2]))
    many(cur, "INSERT INTO subkeys(fpr, primary_fpr) VALUES (?,?)", sub)

    # Entries, in time order; bodies are random bytes in the CFS1 frame (never read).
    pool = os.urandom(1 << 20) + os.urandom(4096)
    hdr = b"CFS1" + (2).to_bytes(4, "big")
    rand = rng.random
    th_id = {}

    def entry_rows():
        for r_, e in enumerate(order):
            th = ev_th[e]
            tid_ = th_id.get(th)
            if tid_ is None:
                tid_ = th_id[th] = base + r_
            n = int(1500 + 1500 * rand() ** 1.6) if ev_dir[e] == 0 else int(1500 + 1000 * rand() ** 1.4)
            off = int(rand() * (1 << 20))
            c = clients[ev_c[e]]
            signer = c[2] if ev_dir[e] == 0 else (c[3][3] if ev_dir[e] == 1 else practice_fpr)
            yield (base + r_, client_base + ev_c[e], tid_, "in" if ev_dir[e] == 0 else "out", ev_msgid[e],
                   iso(ev_t[e]), signer, dedupes[r_], hdr + pool[off:off + n - 8])

    many(cur, "INSERT INTO entries(id, client_id, thread_id, direction, message_id, received_at, signer, "
         "dedupe, content) VALUES (?,?,?,?,?,?,?,?,?)", entry_rows())
    dedupes = None
    print("fill: %d entries written (%.0f s)" % (len(order), time.time() - t_begin), file=sys.stderr)

    # Commitments, in order of receipt, and the reminders sent for them.
    def commitment_rows():
        for i in corder:
            t0, ci, tid, first_ev, due, urgent, met, met_ev, k = commits[i]
            yield (cbase + com_rank[i], client_base + ci, tid, base + rank[first_ev], ev_msgid[first_ev], iso(t0),
                   iso(due), urgent, iso(met) if met else None, base + rank[met_ev] if met_ev is not None else None, k)
    many(cur, "INSERT INTO commitments(id, client_id, therapist_id, entry_id, message_id, received_at, "
         "due_at, urgent, met_at, met_entry_id, entries) VALUES (?,?,?,?,?,?,?,?,?,?,?)", commitment_rows())
    many(cur, "INSERT INTO reminders(commitment_id, kind, sent_at) VALUES (?,?,?)",
         ((cbase + com_rank[i], kind, iso(tick)) for i, kind, tick in rem))

    # Outbox (all sent, the message dropped as flush does) and issued, in time order:
    # deliver and flush share one clock, so queued, next attempt and sent are one second.
    many(cur, "INSERT INTO outbox(id, message_id, kind, recipient, entry_id, state, attempts, "
         "next_attempt_at, created_at, sent_at) VALUES (?,?,?,?,?,'sent',1,?,?,?)",
         ((obase + i, o[0], o[1], o[2], base + o[3] if o[3] is not None else None, o[6], o[6], o[6])
          for i, o in enumerate(outbox)))
    many(cur, "INSERT INTO issued(message_id, kind, entry_id, client_id, therapist_id, created_at) "
         "VALUES (?,?,?,?,?,?)", ((o[0], o[1], base + o[3] if o[3] is not None else None,
                                   client_base + o[4] if o[4] is not None else None, o[5], o[6]) for o in outbox))
    n_outbox = len(outbox)
    outbox = None
    print("fill: commitments, reminders, outbox, issued written (%.0f s)" % (time.time() - t_begin),
          file=sys.stderr)

    # The spool ledger: one row per message that came in by mail.
    pid = [12000]

    def spool_rows():
        for e in order:
            if ev_dir[e] == 2:
                continue
            pid[0] = pid[0] + 1 if pid[0] < 4000000 else 1000
            yield ("%d.%d.%016x" % (ev_t[e], pid[0], getbits(64)), "journal" if ev_dir[e] == 0 else "reply",
                   iso(ev_t[e]))
    many(cur, "INSERT INTO spool_done(name, outcome, done_at) VALUES (?,?,?)", spool_rows())

    # The audit rows, chained to the trail the commands have written so far.
    row = db.execute("SELECT id, hash FROM audit ORDER BY id DESC LIMIT 1").fetchone()
    last_id, prev = row if row else (0, "0" * 64)

    def audit_rows():
        nonlocal last_id, prev
        for at, action, handle, msgid, detail, r_ in aud:
            last_id += 1
            if r_ >= 0:
                detail = detail % (base + r_)
            h = audit_hash(last_id, at, user, action, handle, msgid, detail, prev)
            yield (last_id, at, user, action, handle, msgid, detail, prev, h)
            prev = h
    many(cur, "INSERT INTO audit(id, at, user, action, handle, message_id, detail, prev, hash) "
         "VALUES (?,?,?,?,?,?,?,?,?)", audit_rows())
    t0 = time.time()
    for name, sql in rebuild:
        cur.execute(sql)
    print("fill:   %-24s %5.1f s" % ("CREATE INDEX x%d" % len(rebuild), time.time() - t0), file=sys.stderr)
    cur.execute("COMMIT")
    print("fill: spool_done and %d audit rows written (%.0f s)" % (len(aud), time.time() - t_begin),
          file=sys.stderr)
    db.execute("PRAGMA journal_mode=WAL")
    db.close()
    summary = {
        "clients": len(clients) + 1, "filler_entries": len(order), "commitments": len(commits),
        "open": sum(1 for c in commits if c[6] is None), "reminders": len(rem), "outbox": n_outbox,
        "audit_rows": len(aud), "open_overdue": open_stats["overdue"], "open_due_soon": open_stats["soon"],
        "open_escalation_due": open_stats["escalate"], "seconds": round(time.time() - t_begin, 1),
        "write_seconds": round(time.time() - t_write, 1),
    }
    with open(os.path.join(DIR, "fill.json"), "w") as f:
        json.dump(summary, f, indent=1)
    print("fill: " + ", ".join("%s %s" % kv for kv in summary.items()), file=sys.stderr)


# ---------------------------------------------------------------- timings

def ms(x):
    return x * 1000.0


def timed(args, now=NOW, runs=5, check=True):
    """Median wall time of `runs` runs after one untimed warm-up run; a command whose
    warm-up took over 5 s is timed by that one run."""
    global LAST_CPU
    c0 = child_cpu()
    t0 = time.perf_counter()
    r = confidant(args, now=now, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    first, first_cpu = time.perf_counter() - t0, child_cpu() - c0
    if check and r.returncode != 0:
        sys.exit("time: confidant %s failed (exit %d): %s" % (" ".join(args), r.returncode, r.stderr.decode()))
    out = r.stdout
    if first > 5:
        LAST_CPU = first_cpu
        return first, [first], out
    ts, cpu = [], []
    for _ in range(runs):
        c0 = child_cpu()
        t0 = time.perf_counter()
        r = confidant(args, now=now, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        ts.append(time.perf_counter() - t0)
        cpu.append(child_cpu() - c0)
        if check and r.returncode != 0:
            sys.exit("time: confidant %s failed (exit %d)" % (" ".join(args), r.returncode))
    LAST_CPU = statistics.median(cpu)
    return statistics.median(ts), ts, out


LAST_CPU = 0.0


def child_cpu():
    """CPU seconds (user + system) of reaped children so far, gpg and sendmail included."""
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def runs_note(ts):
    return "; a single run (over 5 s)" if len(ts) == 1 else ""


def verdict(name, secs, target_ms, extra="", cpu=None):
    """One line: the median wall time against the target, and the CPU time beside it."""
    v = ms(secs)
    ok = v <= target_ms
    cpu = LAST_CPU if cpu is None else cpu
    print("%s: %.1f ms (target <= %d ms) %s  [cpu %.1f ms%s]" % (
        name, v, target_ms, "PASS" if ok else "FAIL", ms(cpu), ("; " + extra) if extra else ""), flush=True)
    return ok


def info(name, text):
    print("%s: %s" % (name, text), flush=True)


def sink_count():
    with open(os.path.join(DIR, "sink.log")) as f:
        return sum(1 for _ in f)


def reset_remind(db):
    """Forgets what earlier timing runs sent, so every run of this script times the same work."""
    db.execute("DELETE FROM reminders WHERE sent_at >= ?", (NOW_ISO,))
    db.execute("DELETE FROM outbox WHERE kind IN ('reminder', 'escalation') AND created_at >= ?", (NOW_ISO,))
    db.execute("DELETE FROM issued WHERE kind IN ('reminder', 'escalation') AND created_at >= ?", (NOW_ISO,))
    db.commit()


def remind_run(now):
    before = sink_count()
    c0 = child_cpu()
    t0 = time.perf_counter()
    r = confidant(["remind"], now=now, capture_output=True)
    secs = time.perf_counter() - t0
    global LAST_CPU
    LAST_CPU = child_cpu() - c0
    if r.returncode != 0:
        sys.exit("time: remind failed (exit %d): %s" % (r.returncode, r.stderr.decode()))
    words = r.stdout.decode().split()
    # "sent N digest(s) and M escalation(s)"
    return secs, int(words[1]), int(words[4]), sink_count() - before


def timings():
    p = params()
    ok = True
    info("practice", "%s: %d therapists, %d clients, %d stored messages; CONFIDANT_NOW=%s; %s" % (
        DIR, p["therapists"], p["clients"], p["messages"], NOW_ISO, CONFIDANT))
    # A newer confidant upgrades the schema in the first command that writes; do that
    # now (deliver --retry only completes the spool) so that no timing includes it.
    db = sqlite3.connect(DB, timeout=60)
    v0 = db.execute("PRAGMA user_version").fetchall()[0][0]
    t0 = time.perf_counter()
    r = confidant(["deliver", "--retry"], now=NOW, capture_output=True)
    if r.returncode != 0:
        hint = ("; a newer confidant has upgraded this practice: rebuild it with bench/scale.sh --fresh"
                if b"newer confidant" in r.stderr else "")
        sys.exit("time: deliver --retry failed (exit %d): %s%s" % (r.returncode, r.stderr.decode().strip(), hint))
    v1 = db.execute("PRAGMA user_version").fetchall()[0][0]
    if v1 != v0:
        info("schema upgrade", "version %d to %d by deliver --retry: %.0f ms" % (v0, v1, ms(time.perf_counter() - t0)))
    n_entries = db.execute("SELECT count(*) FROM entries").fetchall()[0][0]
    n_open = db.execute("SELECT count(*) FROM commitments WHERE met_at IS NULL").fetchall()[0][0]
    n_com = db.execute("SELECT count(*) FROM commitments").fetchall()[0][0]
    n_journal = db.execute("SELECT count(*) FROM entries WHERE client_id = "
                           "(SELECT id FROM clients WHERE handle = 'c00000')").fetchall()[0][0]
    n_overdue = db.execute("SELECT count(*) FROM commitments WHERE met_at IS NULL AND due_at <= ?",
                           (NOW_ISO,)).fetchall()[0][0]
    info("data", "%d entries, %d commitments (%d open, %d of them overdue), c00000 journal %d entries" % (
        n_entries, n_com, n_open, n_overdue, n_journal))
    bs = os.path.join(DIR, ".build-seconds")
    if os.path.exists(bs):
        fj = os.path.join(DIR, "fill.json")
        f = json.load(open(fj)) if os.path.exists(fj) else {}
        info("generation", "%s s (of which the filler: %s s generating, overlapped with the replay, "
             "and %s s writing)" % (open(bs).read().strip(), round(f.get("seconds", 0) - f.get("write_seconds", 0)),
                                    f.get("write_seconds", "?")))

    # queue
    for name, args in (("queue", ["queue"]), ("queue --json", ["queue", "--json"]),
                       ("queue --therapist t000", ["queue", "--therapist", "t000"])):
        med, ts, out = timed(args)
        ok &= verdict(name, med, 50, ("%d lines" % out.count(b"\n") if b"[" not in out[:1]
                      else "%d objects" % out.count(b'"client"')) + runs_note(ts))

    # remind: five cron runs five minutes apart, then one that must send nothing.
    reset_remind(db)
    # The worst case first: no reminder sent yet for any open commitment (a new
    # practice, or the first run after an outage).  Put back afterwards.
    saved = db.execute("SELECT r.commitment_id, r.kind, r.sent_at FROM reminders r "
                       "JOIN commitments c ON c.id = r.commitment_id WHERE c.met_at IS NULL").fetchall()
    db.execute("DELETE FROM reminders WHERE commitment_id IN (SELECT id FROM commitments WHERE met_at IS NULL)")
    db.commit()
    secs, dg, es, sent = remind_run(NOW)
    info("remind, first run ever (catch-up)", "%.1f ms (cpu %.1f ms), %d digest(s), %d escalation(s), "
         "%d handed to sendmail" % (ms(secs), ms(LAST_CPU), dg, es, sent))
    reset_remind(db)
    db.executemany("INSERT OR IGNORE INTO reminders(commitment_id, kind, sent_at) VALUES (?,?,?)", saved)
    db.commit()
    runs, cpus = [], []
    for k in range(5):
        runs.append(remind_run(NOW + k * CRON))
        cpus.append(LAST_CPU)
    again = remind_run(NOW + 4 * CRON)
    med = statistics.median(r[0] for r in runs)
    detail = "runs at +0..+20 min: " + ", ".join("%.0f ms/%d+%d" % (ms(r[0]), r[1], r[2]) for r in runs)
    ok &= verdict("remind (%d open commitments)" % n_open, med, 1000, detail + " digests+escalations",
                  cpu=statistics.median(cpus))
    same = again[1] == 0 and again[2] == 0 and again[3] == 0
    ok &= same
    info("remind, second run at the same moment", "%.1f ms (cpu %.1f ms), %d digest(s), %d escalation(s), %d handed off: %s" % (
        ms(again[0]), ms(LAST_CPU), again[1], again[2], again[3], "nothing new, PASS" if same else "FAIL"))

    # journal
    for name, args in (("journal c00000", ["journal", "c00000"]), ("journal c00000 --json",
                                                                   ["journal", "c00000", "--json"])):
        med, ts, out = timed(args)
        ok &= verdict(name, med, 1000, "%d entries" % n_journal + runs_note(ts))
    # Cold: the database dropped from the page cache first (posix_fadvise, no root needed).
    fd = os.open(DB, os.O_RDONLY)
    os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
    os.close(fd)
    t0 = time.perf_counter()
    confidant(["journal", "c00000"], now=NOW, stdout=subprocess.DEVNULL)
    info("journal c00000, cold page cache", "%.1f ms (one run)" % ms(time.perf_counter() - t0))
    confidant(["journal", "c00000"], now=NOW, stdout=subprocess.DEVNULL)   # warm again

    # stats
    for name, args in (("stats", ["stats"]), ("stats --json", ["stats", "--json"]),
                       ("stats --therapist t000", ["stats", "--therapist", "t000"]),
                       ("stats --since 90 days", ["stats", "--since", iso(NOW - 90 * 86400)[:10]])):
        med, ts, out = timed(args)
        ok &= verdict(name, med, 1000, ("%d therapists" % out.count(b'"therapist"') if out[:1] == b"["
                                        else "%d lines" % out.count(b"\n")) + runs_note(ts))

    # audit --verify
    med, ts, out = timed(["audit", "--verify"], runs=3)
    info("audit --verify", "%.0f ms (cpu %.0f ms; median of %d; %s)" % (
        ms(med), ms(LAST_CPU), len(ts), out.decode().strip()[:60]))

    # deliver at scale (from the replay)
    dpath = os.path.join(DIR, "deliver-times.json")
    if os.path.exists(dpath):
        d = json.load(open(dpath))
        for k, name in (("deliver", "while the practice was small"), ("deliver-scale", "at full scale")):
            if d.get(k):
                r = d.get(k.replace("deliver", "reply"), [])
                info("deliver, %s" % name, "median %.0f ms over %d messages; reply median %.0f ms over %d" % (
                    ms(statistics.median(d[k])), len(d[k]), ms(statistics.median(r)) if r else 0, len(r)))

    # size
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    size = os.path.getsize(DB) + (os.path.getsize(DB + "-wal") if os.path.exists(DB + "-wal") else 0)
    info("database", "%.2f GB, %.0f bytes per stored message (file and WAL after a checkpoint / %d entries)" % (
        size / 1e9, size / n_entries, n_entries))
    try:
        ro = sqlite3.connect("file:%s?mode=ro" % DB, uri=True)
        rows = ro.execute("SELECT name, sum(pgsize) FROM dbstat GROUP BY name ORDER BY 2 DESC").fetchall()
        blob = ro.execute("SELECT avg(length(content)) FROM entries").fetchall()[0][0]
        ro.close()
        info("database, by table and index", ", ".join("%s %.0f" % (n, s / n_entries) for n, s in rows[:9])
             + " bytes/message; entries.content averages %.0f bytes" % blob)
    except sqlite3.Error as e:
        info("database, by table and index", "no dbstat (%s)" % e)
    print("verdict: %s" % ("all targets met" if ok else "some targets missed"))
    return ok


def main():
    step = sys.argv[2] if len(sys.argv) > 2 else ""
    if step == "params":
        print(json.dumps(params()))
    elif step == "calendars":
        p = params()
        for i in range(p["therapists"]):
            tz, hours = therapist_calendar(i, p["seed"])
            print("t%03d %s %s" % (i, tz, hours.replace(" ", "_")))
    elif step == "therapists":
        therapists()
    elif step == "plan":
        plan()
    elif step == "compose":
        compose()
    elif step == "fill":
        fill()
    elif step == "replay":
        replay(sys.argv[3] if len(sys.argv) > 3 else "all")
    elif step == "checkpoint":
        checkpoint()
    elif step == "time":
        sys.exit(0 if timings() else 1)
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
