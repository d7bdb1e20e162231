# Loops: plaintext list mail From alice's address (a list she is on, with
# the practice address subscribed by mistake).
#
# Expected: quarantined as not-encrypted; nothing sent.
case_class=loops
case_title='plaintext list mail from a client address'
case_expect=quarantine:not-encrypted
case_msgid=loop.list@lists.example
case_build() {
	craft_plain "Alice <alice@$D>" "[support] weekly" "$case_msgid" "$CANARY list post" \
		"List-Id: Support group <support.lists.example>
List-Post: <mailto:support@lists.example>
Precedence: list"
}
