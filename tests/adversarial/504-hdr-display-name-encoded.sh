# Headers: an encoded-word display name that decodes to alice's address,
# on erin's own mailbox, signed by erin: From
# =?utf-8?Q?alice=40client=2Eexample?= <erin@client.example>.  It is
# erin's entry; the display name must not move it.
#
# Expected: ACCEPTED into erin's journal, From erin@client.example.
case_class=headers
case_title='encoded display name decoding to alice, on erin'
case_expect=journal:erin
case_msgid=hdr.dn2@client.example
case_build() {
	adv_entry erin "=?utf-8?Q?alice=40client=2Eexample?= <erin@$D>" "Display name" \
		"$(secret_of erin) encoded display name" "$case_msgid"
}
case_check() {
	python3 -c "import json; e = json.load(open('entry.json')); assert e['from'] == 'erin@client.example', e['from']"
}
