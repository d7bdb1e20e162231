# Loops: one of our own acknowledgements comes back (a client's forward
# rule): From the practice, Auto-Submitted: auto-replied, encrypted to the
# client and the practice.
#
# Expected: quarantined as bounce; nothing sent.
case_class=loops
case_title='our own acknowledgement fed back'
case_expect=quarantine:bounce
case_build() {
	adv_own_mail ack && cat own.eml
}
