# Loops: plaintext list mail from a therapist's address (List-Id,
# Precedence: list), two days on: a notice would go to a list member's
# address and could be answered by the list.
#
# Expected: quarantined as not-encrypted; nothing sent.
case_class=loops
case_title='plaintext list mail from a therapist address'
case_expect=quarantine:not-encrypted
case_msgid=loop.tlist@lists.example
case_now=2026-03-04T10:00:00Z
case_build() {
	craft_plain "thera@clinic.example" "[colleagues] digest" "$case_msgid" "$CANARY list digest" \
		"List-Id: Colleagues <colleagues.lists.example>
Precedence: list"
}
