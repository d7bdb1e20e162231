# Headers: a header block over 1 MiB (one field of 1.5 MB on an entry
# alice signed): bounded work, refused whole.
#
# Expected: quarantined as too-large, quickly.
case_class=headers
case_title='a 1.5 MB header field'
case_expect='quarantine:too-large'
case_msgid=hdr.huge@client.example
case_maxms=10000
case_build() {
	adv_entry alice "alice@$D" "Huge header" "$CANARY huge header" "$case_msgid" \
		"X-Padding: $(head -c 1500000 /dev/zero | tr '\0' a)"
}
