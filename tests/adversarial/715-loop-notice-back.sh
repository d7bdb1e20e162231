# Loops: one of our own notices (from 711 or 424) comes back to the
# practice address: Auto-Submitted: auto-replied.
#
# Expected: quarantined as bounce; nothing sent.
case_class=loops
case_title='our own notice fed back'
case_expect=quarantine:bounce
case_now=2026-03-07T10:00:00Z
case_build() {
	adv_own_mail notice && cat own.eml
}
