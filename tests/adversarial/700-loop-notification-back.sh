# Loops: one of our own notifications comes back to the practice address
# (a therapist's forward rule, a misdirected copy): From the practice,
# Auto-Submitted: auto-generated, encrypted to the therapist.
#
# Expected: quarantined as bounce; nothing sent (no notice, no loop).
case_class=loops
case_title='our own notification fed back'
case_expect=quarantine:bounce
case_build() {
	adv_own_mail notification && cat own.eml
}
