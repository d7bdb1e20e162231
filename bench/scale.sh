#!/bin/sh
# bench/scale.sh [--fresh] [DIR]: Confidant at the scale of issue 7 §6.
#
# Builds (or reuses) a generated practice of 200 therapists, 20,000 clients
# and 1,000,000 stored messages in DIR (default $SCALE_DIR, else
# /tmp/confidant-scale), then times queue, remind, journal, stats and
# audit --verify and prints one line per target with a verdict.
#
# The practice is a real one: `confidant init --generate-key`, then the
# therapist t000 and the client c00000, whose commands are timed,
# registered with `therapist add` and `client add` and real keys.  c00000's
# journal is real: 321 entries signed and encrypted by gpg and handed to
# `confidant deliver`, 179 replies made with `confidant reply`, each at its
# own moment of the two years (CONFIDANT_NOW).  The other 199 therapists
# have real keys too (imported into the practice keyring in one gpg run, so
# that reminders can be encrypted to them); their rows, the other 19,999
# clients (fake, unique fingerprints) and their ~1M entries, commitments,
# reminders, outbox, issued, spool_done and audit rows (the hash chain
# computed as src/audit.c does) are written directly by bench/scale-gen.py.
# Their sealed bodies are random bytes of realistic size in the CFS1 frame,
# never read.  The timed moment is CONFIDANT_NOW=2026-11-24T10:05:00Z, a
# Tuesday morning; every client has one open commitment then (20,000).
# A reused practice is timed again as it was built: the timings first
# forget what earlier timing runs of remind sent (reminders, outbox and
# issued rows from the timed moment on).  A newer confidant upgrades the
# schema in an untimed `deliver --retry` first.
#
# Run it as root or as any user: as root it makes DIR belong to $SCALE_USER
# (default: the owner of DIR, else confidant-bench, else cftest) and runs as
# that user, since deliver refuses root.
#
# Environment: CONFIDANT (the binary; default ../src/confidant next to this
# script), SCALE_DIR, SCALE_USER, and for a smaller trial SCALE_THERAPISTS,
# SCALE_CLIENTS, SCALE_MESSAGES, SCALE_JOURNAL (defaults 200, 20000,
# 1000000, 500; fixed in DIR/params.json when the practice is built).
# SCALE_SKIP_TIMING=1 builds only; SCALE_STOP=practice stops after the
# registrations (to work on the generator).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
fresh=0
dir=${SCALE_DIR:-/tmp/confidant-scale}
for a; do
	case $a in
	--fresh) fresh=1 ;;
	-h|--help) sed -n '2,/^set -eu/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
	-*) echo "scale.sh: unknown option '$a' (try --help)" >&2; exit 64 ;;
	*) dir=$a ;;
	esac
done
case $dir in /*) ;; *) dir=$(pwd)/$dir ;; esac
CONFIDANT=${CONFIDANT:-$here/../src/confidant}
case $CONFIDANT in /*) ;; *) CONFIDANT=$(pwd)/$CONFIDANT ;; esac
[ -x "$CONFIDANT" ] || { echo "scale.sh: no confidant binary at $CONFIDANT (build first, or set CONFIDANT)" >&2; exit 66; }

if [ "$(id -u)" = 0 ]; then
	# The user: SCALE_USER, else the owner of a practice built before, else
	# the user bench/run.sh makes, else the test suite's.
	user=${SCALE_USER:-}
	if [ -z "$user" ] && [ -d "$dir" ] && [ "$(stat -c %u "$dir")" != 0 ]; then
		user=$(stat -c %U "$dir")
	fi
	for u in confidant-bench cftest; do
		[ -z "$user" ] && id "$u" >/dev/null 2>&1 && user=$u
	done
	if [ -z "$user" ] || ! id "$user" >/dev/null 2>&1; then
		echo "scale.sh: run as root, it needs an unprivileged user (useradd --system cftest, or set SCALE_USER)" >&2
		exit 67
	fi
	group=$(id -gn "$user")
	[ -d "$dir" ] || install -d -o "$user" -g "$group" -m 0700 "$dir"
	owner=$(stat -c %U "$dir")
	[ "$owner" = "$user" ] || { echo "scale.sh: $dir belongs to $owner, not $user" >&2; exit 67; }
	set --
	[ $fresh = 1 ] && set -- --fresh
	exec setpriv --reuid="$user" --regid="$group" --clear-groups \
		env HOME="$dir" CONFIDANT="$CONFIDANT" sh "$here/scale.sh" "$@" "$dir"
fi

say() { printf '%s %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
stop_agents() {
	for h in "$dir/keyring" "$dir/practice/gnupg"; do
		[ -d "$h" ] && gpgconf --homedir "$h" --kill all 2>/dev/null
	done
	return 0
}

if [ $fresh = 1 ] && [ -d "$dir" ]; then
	stop_agents
	find "$dir" -mindepth 1 -maxdepth 1 -exec rm -rf {} +
fi
mkdir -p "$dir"
chmod 700 "$dir"
cd "$dir"
trap stop_agents EXIT

gen() { python3 "$here/scale-gen.py" "$dir" "$@"; }
export CONFIDANT
export CONFIDANT_HOME="$dir/practice"
unset CONFIDANT_NOW

t_start=$(date +%s)
gen params >/dev/null      # fixes the sizes and times in params.json on first use
param() { python3 -c "import json,sys; print(json.load(open('$dir/params.json'))['$1'])"; }
NT=$(param therapists)
START=$(param start_iso)

# 1. Keys: one GnuPG home holds the 200 therapists' keys and the client's.
if [ ! -e .done-keys ]; then
	say "keys: generating $NT therapist keys and the client's (ed25519/cv25519)"
	rm -rf keyring keys
	mkdir -m 700 keyring keys
	echo "trust-model always" >keyring/gpg.conf
	{
		i=0
		while [ $i -lt "$NT" ]; do
			printf '%%no-protection\nKey-Type: eddsa\nKey-Curve: ed25519\nKey-Usage: sign\nSubkey-Type: ecdh\nSubkey-Curve: cv25519\nSubkey-Usage: encrypt\nName-Real: t%03d\nName-Email: t%03d@clinic.example\nExpire-Date: 0\n%%commit\n' $i $i
			i=$((i + 1))
		done
		printf '%%no-protection\nKey-Type: eddsa\nKey-Curve: ed25519\nKey-Usage: sign\nSubkey-Type: ecdh\nSubkey-Curve: cv25519\nSubkey-Usage: encrypt\nName-Real: c00000\nName-Email: c00000@client.example\nExpire-Date: 0\n%%commit\n'
	} >keyring/params
	GNUPGHOME=$dir/keyring gpg --batch --quiet --gen-key keyring/params 2>/dev/null
	GNUPGHOME=$dir/keyring gpg --batch --with-colons --list-keys |
		awk -F: '/^pub/ { want = 1; next } /^fpr/ && want { fpr = $10; want = 0 } /^uid/ { match($10, /<[^>]*>/); print substr($10, RSTART + 1, RLENGTH - 2), fpr }' >keys/fingerprints
	while read -r email fpr; do
		GNUPGHOME=$dir/keyring gpg --batch --armor --export "$fpr" >"keys/${email%@*}.pub"
	done <keys/fingerprints
	touch .done-keys
fi

# 2. The practice, registered two years before the timed moment.  A build
# that did not finish is started again from here (the fill writes without a
# journal, so a killed one leaves nothing to resume).
if [ ! -e .done-data ]; then
	rm -f .done-practice
fi
if [ ! -e .done-practice ]; then
	say "practice: confidant init --generate-key, therapist add, client add; $((NT - 1)) more therapists"
	stop_agents
	rm -rf practice msgs plan.json replay.progress deliver-times.json fill.json .replay-head-done .build-seconds
	export CONFIDANT_NOW="$START"
	mkdir -m 700 practice
	"$CONFIDANT" init --address practice@clinic.example --generate-key --name "Scale Practice" >practice.fpr
	"$CONFIDANT" key -o keys/practice.pub
	printf '#!/bin/sh\n# sendmail sink: one line per message handed off\ncat >/dev/null\necho "$*" >>%s/sink.log\n' "$dir" >sink.sh
	chmod 700 sink.sh
	: >sink.log
	"$CONFIDANT" config sendmail "$dir/sink.sh" >/dev/null
	"$CONFIDANT" config timezone Europe/Berlin >/dev/null
	"$CONFIDANT" config holidays "$(param holidays)" >/dev/null
	# t000 and c00000, whose commands are timed, are registered by the commands;
	# t001.. have real keys too, written directly (scale-gen.py therapists).
	gen calendars >keys/calendars
	read -r h tz hours <keys/calendars
	set -- --timezone "$tz"
	[ "$tz" = - ] && set --
	[ "$hours" = - ] || set -- "$@" --hours "$(echo "$hours" | tr _ ' ')"
	"$CONFIDANT" therapist add "$h" --email "$h@clinic.example" --key "keys/$h.pub" "$@" >/dev/null
	"$CONFIDANT" client add c00000 --email c00000@client.example --key keys/c00000.pub --therapist t000 >/dev/null
	gen therapists
	unset CONFIDANT_NOW
	touch .done-practice
fi
[ "${SCALE_STOP:-}" = practice ] && exit 0

# 3. The data.  While scale-gen.py generates the filler in memory, gpg
# composes the real client's entries and most of its journal goes through
# deliver and reply; then the filler is written in one transaction, and the
# last entries are delivered into the full database.
if [ ! -e .done-data ]; then
	say "data: generating the filler; meanwhile the real client's journal through deliver and reply"
	gen plan
	SCALE_WAIT_FOR=$dir/.replay-head-done gen fill &
	fpid=$!
	if ! { gen compose && gen replay head; }; then
		kill $fpid 2>/dev/null
		exit 1
	fi
	touch .replay-head-done
	wait $fpid
	say "data: the last entries of the real client, into the full database"
	gen replay tail
	gen checkpoint
	touch .done-data
	t_end=$(date +%s)
	echo $((t_end - t_start)) >.build-seconds
fi
say "practice ready in $dir (built in $(cat .build-seconds) s)"

[ "${SCALE_SKIP_TIMING:-0}" = 1 ] || gen time
