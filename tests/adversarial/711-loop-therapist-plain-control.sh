# Loops, control for 712 to 714: a plaintext message from a therapist's
# address earns the therapist one encrypted notice (at most one an hour;
# a day later than the other cases).
#
# Expected: quarantined as not-encrypted; one notice to thera.
case_class=loops
case_title='plaintext from a therapist address earns a notice (control)'
case_expect=quarantine:not-encrypted
case_msgid=loop.tctl@clinic.example
case_now=2026-03-03T10:00:00Z
case_mail='notice:thera:1'
case_build() {
	craft_plain "thera@clinic.example" "Re: ..." "$case_msgid" "$CANARY plain reply"
}
