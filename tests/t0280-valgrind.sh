#!/bin/bash
# Memory hygiene under valgrind: a normal entry delivered (notification and
# acknowledgement included), a forged one quarantined, a journal read: no
# leak, no invalid read or write, no use of uninitialised memory.
. "$(dirname "$0")/test-lib.sh"
command -v valgrind >/dev/null 2>&1 || skip_all "valgrind is not installed"
# A sanitized build carries its own allocator; valgrind cannot run it.
ldd "$CONFIDANT" | grep -q -e libasan -e libubsan && skip_all "the build uses sanitizers"
. "$TEST_DIR/lib-gpg.sh"
. "$TEST_DIR/lib-relay.sh"

# vg NAME ARGS...: confidant under memcheck; the log is NAME.vg.  No
# --error-exitcode: it would also change the exit code of the forked
# children that exit without exec (gpgme's spawner, the parser sandbox),
# which the parent then reads as a failure; the log is judged instead.
vg() {
	vg_name=$1; shift
	valgrind --tool=memcheck --leak-check=full --show-leak-kinds=definite,indirect,possible \
		--errors-for-leak-kinds=definite,indirect,possible --track-origins=yes \
		--child-silent-after-fork=yes --log-file="$TRASH/$vg_name.vg" \
		"$CONFIDANT" "$@"
}
vg_clean() {
	test "$(grep -c "ERROR SUMMARY:" "$1.vg")" = 1 &&
	grep -q "ERROR SUMMARY: 0 errors" "$1.vg" &&
	! grep -q -e "definitely lost: [1-9]" -e "indirectly lost: [1-9]" -e "possibly lost: [1-9]" "$1.vg"
}

test_expect_success 'setup' '
	setup_practice thera alice &&
	gpg_user eve eve@evil.example &&
	gpg_import alice "$KEYS/practice.pub" && gpg_import eve "$KEYS/practice.pub" &&
	use_capture_sendmail &&
	printf "a scanned letter" >scan.bin &&
	compose_entry alice alice@client.example "Week" "Alice writes." a1@client.example scan.bin >a1.eml &&
	compose_entry eve alice@client.example "Forged" "eve writes." f1@evil.example >f1.eml
'

test_expect_success 'deliver of a normal entry: stored, notified, no leak or error' '
	vg deliver deliver <a1.eml || { cat deliver.vg; false; } &&
	vg_clean deliver || { cat deliver.vg; false; } &&
	test "$(db_query "$PRACTICE" "SELECT count(*) FROM entries")" = 1 &&
	test "$(sent_count)" -ge 1
'

test_expect_success 'deliver of a forged entry: quarantined, no leak or error' '
	vg forged deliver <f1.eml && vg_clean forged || { cat forged.vg; false; } &&
	test "$(db_query "$PRACTICE" "SELECT count(*) FROM quarantine")" = 1
'

test_expect_success 'journal and attachment: no leak or error' '
	vg journal journal alice >j.out && vg_clean journal || { cat journal.vg; false; } &&
	grep -q "Alice writes." j.out &&
	vg att attachment 1 >att.out && vg_clean att || { cat att.vg; false; } &&
	cmp scan.bin att.out
'

test_done
