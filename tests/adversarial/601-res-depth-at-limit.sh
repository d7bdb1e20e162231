# Resources: exactly max_mime_depth (32) nested multiparts inside the
# encryption: odd but within the limit, and a genuine entry.
#
# Expected: ACCEPTED into alice's journal with the text at the bottom.
case_class=resources
case_title='32 nested multiparts inside the encryption (at the limit)'
case_expect=journal:alice
case_msgid=res.depth32@client.example
case_build() {
	adv_nested 32 "$(secret_of alice) at the bottom" >inner &&
	adv_se alice inner c.asc &&
	adv_wrap "alice@$D" "Depth 32" "$case_msgid" c.asc
}
case_check() {
	python3 -c "import json; e = json.load(open('entry.json')); assert e['body'] == '$(secret_of alice) at the bottom', e['body']"
}
