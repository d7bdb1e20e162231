# A forwarded signed message inline: erin signs and encrypts, From alice,
# a content whose root is a message/rfc822 (not an attachment) holding a
# message alice signed.  A client that walks into the inner message shows
# alice's From and signature.
#
# Expected: quarantined as partial (a signed part below the content root).
case_class=sig
case_title='signed message forwarded inline as message/rfc822'
case_expect=quarantine:partial
case_msgid=sig.fwdinline@client.example
case_build() {
	craft_signed_only alice "alice@$D" "Alice public note" fwd.inner2@client.example \
		"$CANARY alice signed this note" >fwd.eml &&
	{ printf 'Content-Type: message/rfc822\r\n\r\n'; cat fwd.eml; } >inner &&
	adv_se erin inner c.asc &&
	adv_wrap "alice@$D" "Note" "$case_msgid" c.asc
}
