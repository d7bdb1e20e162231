# Loops: an auto-reply marked only by X-Autoreply (no Auto-Submitted), on
# an otherwise genuine signed and encrypted entry of alice (a client
# program that answers our acknowledgement automatically).
#
# Expected: quarantined as bounce; nothing sent.
case_class=loops
case_title='genuine entry marked X-Autoreply: yes'
case_expect=quarantine:bounce
case_msgid=loop.xauto@client.example
case_build() {
	adv_entry alice "alice@$D" "Re: Your journal entry was received" "$CANARY I am away" "$case_msgid" \
		"X-Autoreply: yes"
}
