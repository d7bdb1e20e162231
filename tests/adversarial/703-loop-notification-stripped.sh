# Loops: our own notification fed back without Auto-Submitted: encrypted
# to the therapist only, so the practice cannot decrypt it.
#
# Expected: quarantined as decrypt-failed; nothing sent.
case_class=loops
case_title='our own notification fed back without Auto-Submitted'
case_expect=quarantine:decrypt-failed
case_build() {
	adv_own_mail notification && grep -v -i '^Auto-Submitted:' own.eml
}
