# A forwarded signed message as an attachment: erin forwards a mail alice
# signed (signed only, sent elsewhere) as a message/rfc822 attachment of
# her own signed and encrypted entry.  That is a legitimate entry of
# erin's: the attachment is data, and its signature counts for nothing.
#
# Expected: accepted into erin's journal, signed by erin's key, From erin;
# the forwarded message is an attachment of type message/rfc822.
case_class=sig
case_title='signed message forwarded as a message/rfc822 attachment'
case_expect=journal:erin
case_msgid=sig.fwd@client.example
case_build() {
	craft_signed_only alice "alice@$D" "Alice public note" fwd.inner@client.example \
		"alice signed this note" >fwd.eml &&
	adv_text_part "erin forwards a note" >p1 &&
	{ printf 'Content-Type: message/rfc822\r\nContent-Disposition: attachment; filename="note.eml"\r\n\r\n'
	  cat fwd.eml; } >p2 &&
	adv_mixed mix-b p1 p2 >inner &&
	adv_se erin inner c.asc &&
	adv_wrap "erin@$D" "Fwd: note" "$case_msgid" c.asc
}
case_check() {
	python3 - <<-'PY'
	import json, os
	e = json.load(open('entry.json'))
	assert e['from'] == 'erin@client.example', e['from']
	assert e['body'] == 'erin forwards a note', e['body']
	assert [a['content_type'] for a in e['attachments']] == ['message/rfc822'], e['attachments']
	PY
}
