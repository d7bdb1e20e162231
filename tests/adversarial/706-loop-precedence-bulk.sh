# Loops: a genuine signed and encrypted entry of alice with
# "Precedence: bulk" (an unsigned outer field anyone on the way can add).
# Nothing automatic may answer it: no acknowledgement to alice.  It is
# still alice's entry, and the practice's duty to her is unchanged: the
# therapist is notified (mail to the practice's own therapist answers no
# one and cannot loop).
#
# Expected: ACCEPTED into alice's journal; a notification to thera; no
# acknowledgement.
case_class=loops
case_title='genuine entry with Precedence: bulk'
case_expect=journal:alice
case_msgid=loop.bulk@client.example
case_mail='notification:thera:1 ack:alice:0'
case_build() {
	adv_entry alice "alice@$D" "Bulk" "$(secret_of alice) precedence bulk" "$case_msgid" \
		"Precedence: bulk"
}
