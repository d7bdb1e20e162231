# Resources: exactly max_mime_parts (1000) parts inside the encryption:
# the multipart and 999 small text parts.  Within the limit: a genuine
# (if long) entry.
#
# Expected: ACCEPTED into alice's journal, all 999 texts in its body.
case_class=resources
case_title='1000 parts inside the encryption (at the limit)'
case_expect=journal:alice
case_msgid=res.parts1000@client.example
case_build() {
	craft_many_parts "Parts" "$(secret_of alice) part" 999 >inner &&
	adv_se alice inner c.asc &&
	adv_wrap "alice@$D" "Parts" "$case_msgid" c.asc
}
case_check() {
	python3 -c "import json; e = json.load(open('entry.json')); assert e['body'].count('$(secret_of alice) part') == 999, len(e['body'])"
}
