# Loops: the same urgent entry, genuine, signed and encrypted by alice,
# but with List-Id and Precedence: list added on the way (outer fields,
# unsigned).  Not answering list mail automatically must not silence the
# alerts about a client at risk: they go to the practice's own people.
#
# Expected: ACCEPTED into alice's journal; a notification to thera and
# urgent alerts to thera and the escalation address; no acknowledgement
# to the list (nothing goes anywhere but to registered addresses).
case_class=loops
case_title='genuine urgent entry that came through a list'
case_expect=journal:alice
case_msgid=loop.urgent2@client.example
case_mail='notification:thera:1 urgent:thera:1 urgent:practice:1 ack:alice:0 crisis:alice:*'
case_build() {
	adv_entry alice "alice@$D" "Tonight" "$(secret_of alice) I want to end my life, again" "$case_msgid" \
		"List-Id: Support group <support.lists.example>
Precedence: list"
}
