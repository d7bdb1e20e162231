# Headers: Sender and Reply-To name the stranger on an entry From alice
# that alice signed.  The entry is alice's; automatic mail goes to her
# registered address only, never to Sender or Reply-To.
#
# Expected: ACCEPTED into alice's journal; no mail to the stranger.
case_class=headers
case_title='Sender and Reply-To name a stranger on a genuine entry'
case_expect=journal:alice
case_msgid=hdr.sender@client.example
case_build() {
	adv_entry alice "alice@$D" "Sender" "$(secret_of alice) sender" "$case_msgid" \
		"Sender: Eve <eve@elsewhere.example>
Reply-To: Eve <eve@elsewhere.example>"
}
