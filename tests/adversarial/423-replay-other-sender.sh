# Replay from another sender: bob's ciphertext sent by erin, From erin and
# with her return path: the signature inside is bob's.
#
# Expected: quarantined as address-mismatch; nothing sent; bob's words
# reach no journal of erin's and no mail.
case_class=oracle
case_title="bob's ciphertext replayed From erin"
case_expect=quarantine:address-mismatch
case_msgid=oracle.replay3@client.example
case_build() {
	adv_bob_captured &&
	printf 'Return-Path: <erin@%s>\r\n' "$D" &&
	adv_wrap "Erin <erin@$D>" "Bob private" "$case_msgid" bob.asc
}
