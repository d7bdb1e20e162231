# Loops: plaintext From the practice's own address, with no automatic
# markers at all (a misconfigured script, or a spoof).
#
# Expected: quarantined as not-encrypted; nothing sent.
case_class=loops
case_title="plaintext From the practice's own address"
case_expect=quarantine:not-encrypted
case_msgid=loop.own@clinic.example
case_build() {
	craft_plain "Test Practice <practice@clinic.example>" "Hello" "$case_msgid" "$CANARY own address"
}
