# Loops: a message with a null return path (Return-Path: <>) from a
# therapist's address, three days on.
#
# Expected: quarantined as bounce; nothing sent.
case_class=loops
case_title='null return path from a therapist address'
case_expect=quarantine:bounce
case_msgid=loop.tnull@clinic.example
case_now=2026-03-05T10:00:00Z
case_build() {
	printf 'Return-Path: <>\r\n' &&
	craft_plain "thera@clinic.example" "Delivery report" "$case_msgid" "$CANARY null sender"
}
