# Loops: our own acknowledgement fed back with its Auto-Submitted field
# removed (a forwarder that drops it).  It is encrypted to the practice
# key too, so it decrypts, and it is signed by the practice key: a key
# that is no client's and no therapist's.
#
# Expected: quarantined as unknown-signer; nothing sent (From is the
# practice's own address: nothing automatic answers it).
case_class=loops
case_title='our own acknowledgement fed back without Auto-Submitted'
case_expect=quarantine:unknown-signer
case_build() {
	adv_own_mail ack && grep -v -i '^Auto-Submitted:' own.eml
}
