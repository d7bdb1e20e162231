# test-lib.sh: a small hermetic harness with TAP output, in the manner of
# git's t/test-lib.sh.  A test script sources this file, calls
# test_expect_success and friends, and ends with test_done.
#
# Every script gets its own trash directory under a short path (GnuPG's
# sockets must fit in sun_path) and a clean environment: fixed locale and
# timezone, HOME inside the trash, no inherited CONFIDANT_* variables.

set -u

# Resolve where we are before anything changes the directory.
TEST_SRCDIR=${srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
case $TEST_SRCDIR in /*) ;; *) TEST_SRCDIR=$(cd "$TEST_SRCDIR" && pwd) ;; esac
case $TEST_SRCDIR in */tests) TEST_SRCDIR=${TEST_SRCDIR%/tests} ;; esac
TEST_BUILDDIR=${abs_top_builddir:-$(pwd)}
TEST_DIR=$TEST_SRCDIR/tests
CONFIDANT=${CONFIDANT:-$TEST_BUILDDIR/src/confidant}
INTEROP_DIR=${INTEROP_DIR:-$TEST_SRCDIR/../shared/interop/thunderbird}
export CONFIDANT TEST_DIR TEST_SRCDIR INTEROP_DIR

# Confidant refuses to deliver as root, and root would pass every
# permission check a test makes; so a script started as root runs itself
# again as an unprivileged user unless it sets TEST_NEEDS_ROOT (the
# end-to-end and fault tests, which then drop privileges where the MTA
# would).  When that user cannot reach this tree (a checkout under /root),
# what the tests use is copied somewhere it can.
TEST_USER=${TEST_USER:-cftest}
test_user_ensure() {
	id "$TEST_USER" >/dev/null 2>&1 ||
	useradd -r -M -d /nonexistent -s /usr/sbin/nologin "$TEST_USER" >/dev/null 2>&1 ||
	id "$TEST_USER" >/dev/null 2>&1
}
test_user_can_reach_() {
	setpriv --reuid="$TEST_USER" --regid="$TEST_USER" --clear-groups \
		sh -c 'test -r "$1" && test -x "$2" && test -r "$3" && { test -z "$4" || test -r "$4"; }' \
		_ "$1" "$CONFIDANT" "$TEST_DIR/test-lib.sh" \
		"$( [ -d "$INTEROP_DIR" ] && echo "$INTEROP_DIR/." )"
}
# Copies the scripts, the contrib files and man pages they read, the built
# programs and the interop mail into a directory the test user can read.
test_stage_tree_() {
	stage=$(mktemp -d /tmp/cf-stage.XXXXXX) || return 1
	{ mkdir -p "$stage/tests" "$stage/src" "$stage/contrib" "$stage/interop" "$stage/man" &&
	cp -R "$TEST_SRCDIR/man/." "$stage/man/" &&
	cp -R "$TEST_DIR/." "$stage/tests/" &&
	cp -R "$TEST_SRCDIR/contrib/." "$stage/contrib/" &&
	cp "$CONFIDANT" "$stage/src/confidant" &&
	{ [ ! -f "$TEST_BUILDDIR/tests/shim-syslog.so" ] ||
	  cp "$TEST_BUILDDIR/tests/shim-syslog.so" "$stage/tests/"; } &&
	{ [ ! -d "$INTEROP_DIR" ] || cp -R "$INTEROP_DIR/." "$stage/interop/"; }; } &&
	chown -R "$TEST_USER:" "$stage" || { rm -rf "$stage"; return 1; }
	echo "$stage"
}
if [ "$(id -u)" = 0 ] && [ -z "${TEST_NEEDS_ROOT:-}" ] && command -v setpriv >/dev/null 2>&1 &&
   test_user_ensure; then
	test_script=$(cd "$(dirname "$0")" && pwd)/$(basename "$0")
	test_shell=sh
	[ -z "${BASH_VERSION:-}" ] || test_shell=bash
	if ! test_user_can_reach_ "$test_script"; then
		stage=$(test_stage_tree_) || { echo "Bail out! cannot stage the tests for $TEST_USER"; exit 1; }
		test_script=$stage/tests/$(basename "$0")
		TEST_SRCDIR=$stage TEST_DIR=$stage/tests TEST_BUILDDIR=$stage
		CONFIDANT=$stage/src/confidant INTEROP_DIR=$stage/interop
		export TEST_STAGE=$stage
	fi
	export TEST_SRCDIR TEST_DIR TEST_BUILDDIR CONFIDANT INTEROP_DIR
	srcdir=$TEST_SRCDIR abs_top_builddir=$TEST_BUILDDIR
	export srcdir abs_top_builddir
	cd /tmp && exec setpriv --reuid="$TEST_USER" --regid="$TEST_USER" --clear-groups \
		"$test_shell" "$test_script" "$@"
fi

LANG=C.UTF-8
LC_ALL=C.UTF-8
TZ=UTC
SHELL=/bin/sh
export LANG LC_ALL TZ SHELL
unset CONFIDANT_HOME CONFIDANT_NOW CONFIDANT_CRASH_AT GNUPGHOME VISUAL EDITOR MAIL
unset MAILCHECK MUTT NEOMUTT

test_name=$(basename "$0" .sh)
TRASH=$(mktemp -d "/tmp/cf.XXXXXX") || { echo "Bail out! cannot make a trash directory"; exit 1; }
HOME=$TRASH/home
mkdir -p "$HOME"
export HOME TRASH
cd "$TRASH" || exit 1

test_count=0
test_failed=0
test_skipped=0
test_cleanups=""

# Registers a command to run when the script ends, whatever happens.
test_at_end() {
	test_cleanups="$1
$test_cleanups"
}

test_cleanup_all() {
	status=$?
	cd /
	printf '%s\n' "$test_cleanups" | while IFS= read -r c; do
		[ -n "$c" ] && eval "$c" >/dev/null 2>&1
	done
	if [ "${TEST_KEEP_TRASH:-}" = "" ] && [ "$test_failed" = 0 ]; then
		rm -rf "$TRASH"
		[ -z "${TEST_STAGE:-}" ] || rm -rf "$TEST_STAGE"
	else
		echo "# trash kept in $TRASH"
	fi
	exit $status
}
trap test_cleanup_all EXIT

say() { echo "# $*"; }

# Runs the body in a subshell so that a failing command does not end the
# script, and shows its output only when it failed (or when verbose).
test_run_() {
	out=$TRASH/.out.$test_count
	( set -e; [ -n "${TEST_TRACE:-}" ] && set -x; cd "$TRASH"; eval "$1" ) >"$out" 2>&1
	rc=$?
	return $rc
}

test_expect_success() {
	if [ $# = 3 ]; then
		prereq=$1; shift
		if ! test_have_prereq "$prereq"; then
			test_skip_ "$1" "missing $prereq"
			return 0
		fi
	fi
	test_count=$((test_count + 1))
	if test_run_ "$2"; then
		echo "ok $test_count - $1"
		[ -n "${TEST_VERBOSE:-}" ] && sed 's/^/#   /' "$TRASH/.out.$test_count"
	else
		test_failed=$((test_failed + 1))
		echo "not ok $test_count - $1"
		sed 's/^/#   /' "$TRASH/.out.$test_count" | tail -n 40
	fi
	rm -f "$TRASH/.out.$test_count"
}

test_skip_() {
	test_count=$((test_count + 1))
	test_skipped=$((test_skipped + 1))
	echo "ok $test_count # skip $1 ($2)"
}

# Prerequisites are set with test_set_prereq NAME.
test_prereqs=" "
test_set_prereq() { test_prereqs="$test_prereqs$1 "; }
test_have_prereq() {
	case $test_prereqs in *" $1 "*) return 0 ;; esac
	return 1
}

# Skip the whole script (for example when a real tool is absent).
skip_all() {
	echo "1..0 # SKIP $*"
	test_failed=0
	exit 0
}

test_done() {
	echo "1..$test_count"
	if [ "$test_failed" -gt 0 ]; then
		exit 1
	fi
	exit 0
}

# test_expect_code CODE CMD...: runs CMD and fails unless it exits with CODE.
test_expect_code() {
	tec_want=$1; shift
	"$@"
	tec_got=$?
	if [ "$tec_got" != "$tec_want" ]; then
		echo "test_expect_code: '$*' exited $tec_got, wanted $tec_want" >&2
		return 1
	fi
	return 0
}

# test_must_fail CMD...: CMD must exit non-zero, and not by a signal.
test_must_fail() {
	"$@"
	tmf_got=$?
	if [ "$tmf_got" = 0 ]; then
		echo "test_must_fail: '$*' succeeded" >&2
		return 1
	fi
	if [ "$tmf_got" -gt 128 ]; then
		echo "test_must_fail: '$*' died of signal $((tmf_got - 128))" >&2
		return 1
	fi
	return 0
}

test_cmp() {
	diff -u "$1" "$2"
}

# Fails with a message naming the file when PATTERN is absent.
test_grep() {
	if ! grep -q -- "$1" "$2"; then
		echo "test_grep: '$1' not found in $2:" >&2
		head -n 40 "$2" >&2
		return 1
	fi
}

# A fixed clock for everything that reads it.
CONFIDANT_NOW=2026-03-02T10:00:00Z
export CONFIDANT_NOW

confidant() { "$CONFIDANT" "$@"; }

# SQL against a practice database, read-only.
db_query() {
	sqlite3 -batch -noheader "file:$1/confidant.db?mode=ro" "$2"
}

command -v sqlite3 >/dev/null 2>&1 && test_set_prereq SQLITE3
[ -d "$INTEROP_DIR/eml" ] && test_set_prereq INTEROP
command -v neomutt >/dev/null 2>&1 && command -v tmux >/dev/null 2>&1 && test_set_prereq NEOMUTT
[ "$(id -u)" = 0 ] && test_set_prereq ROOT
true
