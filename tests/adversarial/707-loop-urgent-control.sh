# Loops, control for 708: a genuine urgent entry of alice ("I want to end
# my life" is on the built-in urgent list), no list headers.
#
# Expected: ACCEPTED into alice's journal; a notification to thera and
# urgent alerts to thera and to the escalation address (by default the
# practice address).
case_class=loops
case_title='genuine urgent entry (control)'
case_expect=journal:alice
case_msgid=loop.urgent1@client.example
case_mail='notification:thera:1 urgent:thera:1 urgent:practice:1 ack:alice:* crisis:alice:*'
case_build() {
	adv_entry alice "alice@$D" "Tonight" "$(secret_of alice) I want to end my life" "$case_msgid"
}
