# A signing subkey of a registered key: sub's key has a separate signing
# subkey, recorded at registration; she signs with it.  This is a genuine
# entry and must pass; the journal records the pinned primary
# fingerprint.
#
# Expected: ACCEPTED into sub's journal (signer: sub's primary
# fingerprint); her therapist notified, she acknowledged.
case_class=sig
case_title='signature by the signing subkey of a registered key'
case_expect=journal:sub
case_msgid=sig.subkey@client.example
case_build() {
	make_mime_entry "Subkey" "$(secret_of sub) signed with my subkey" >in &&
	gpg_as sub --armor --yes --trust-model always --local-user "$(adv_sub_fpr sub)!" \
		--recipient "$(pfpr)" --sign --encrypt --output c.asc in &&
	practice_gpg --status-fd 3 --decrypt c.asc >/dev/null 2>&1 3>status &&
	grep -q "VALIDSIG $(adv_sub_fpr sub) .* $(fpr_of sub)$" status &&
	adv_wrap "sub@$D" "Subkey" "$case_msgid" c.asc
}
case_check() {
	python3 -c "import json; e = json.load(open('entry.json')); assert e['body'].startswith('$(secret_of sub)'), e"
}
