#!/bin/bash
# The documentation keeps up with the program: every command of the
# command table has --help and a place in confidant(1) with each of its
# options; every setting has its entry in confidant.conf(5) with a default.
. "$(dirname "$0")/test-lib.sh"

MAN1=$TEST_SRCDIR/man/confidant.1
MAN5=$TEST_SRCDIR/man/confidant.conf.5
[ -f "$MAN1" ] && [ -f "$MAN5" ] || skip_all "the man pages are not in this tree"

test_expect_success 'help lists every command, each with --help from the same table' '
	confidant help >help.out &&
	sed -n "s/^  \([a-z]*\) .*/\1/p" help.out >commands &&
	test "$(wc -l <commands)" -ge 17 &&
	while read -r c; do
		confidant "$c" --help >h || { echo "$c --help failed"; exit 1; }
		grep -q "^usage: confidant \[-H DIR\] $c" h || { echo "$c --help: no usage"; exit 1; }
		summary=$(sed -n "s/^  $c  *//p" help.out) &&
		grep -qF "$summary" h || { echo "$c --help: summary differs from help"; exit 1; }
	done <commands
'

test_expect_success 'confidant(1) describes every command and every option of its usage' '
	while read -r c; do
		grep -q "^\\\\fB$c" "$MAN1" || { echo "confidant.1 lacks command $c"; exit 1; }
		confidant "$c" --help | sed -n 1p | grep -o -- "--[a-z-]*" | sort -u >opts
		while read -r o; do
			man_o=$(printf "%s" "$o" | sed "s/-/\\\\\\\\-/g")
			grep -q -- "$man_o" "$MAN1" || { echo "confidant.1 lacks $c $o"; exit 1; }
		done <opts
	done <commands
'

test_expect_success 'confidant(1) names its exit statuses and environment variables' '
	for code in 0 64 65 66 73 74 75 78; do
		grep -q "^\.B $code$" "$MAN1" || { echo "exit status $code"; exit 1; }
	done &&
	for v in CONFIDANT_HOME CONFIDANT_NOW CONFIDANT_CRASH_AT; do
		grep -q "^\.B $v$" "$MAN1" || { echo "environment $v"; exit 1; }
	done
'

test_expect_success 'confidant.conf(5) has every setting, each with its default or as required' '
	CONFIDANT_HOME=$TRASH/p confidant init --address p@clinic.example --generate-key >/dev/null &&
	CONFIDANT_HOME=$TRASH/p confidant config --list | sed "s/ = .*//" >settings &&
	test "$(wc -l <settings)" -ge 30 &&
	while read -r k; do
		grep -q "^\.B $k$" "$MAN5" || { echo "confidant.conf.5 lacks $k"; exit 1; }
		awk -v k="$k" "
			/^\.B / { on = (\$2 == k); next }
			/^\.(TP|SS|SH)/ { if (on) exit; next }
			on && (/Default/ || /required/ || /set by/) { found = 1 }
			END { exit !found }" "$MAN5" || { echo "confidant.conf.5: $k has no default"; exit 1; }
	done <settings &&
	GNUPGHOME=$TRASH/p/gnupg gpgconf --kill all
'

test_done
