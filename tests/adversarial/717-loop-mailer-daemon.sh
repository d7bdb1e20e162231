# Loops: a bounce from MAILER-DAEMON that is not a multipart/report and
# has no null return path (old-style), quoting an entry.
#
# Expected: quarantined as bounce; nothing sent.
case_class=loops
case_title='old-style bounce From MAILER-DAEMON'
case_expect=quarantine:bounce
case_msgid=loop.daemon@mx.elsewhere.example
case_build() {
	craft_plain "MAILER-DAEMON@mx.elsewhere.example" "Returned mail: see transcript" "$case_msgid" \
		"$CANARY ----- The following addresses had permanent fatal errors -----"
}
