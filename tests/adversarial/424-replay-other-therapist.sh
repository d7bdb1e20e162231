# Replay from the address of a therapist who is not bob's: bob's
# ciphertext sent From other@clinic.example.  A message quarantined from a
# therapist's address earns them a notice; that notice must not tell them
# whose signature was inside (bob is not their client).
#
# Expected: quarantined as address-mismatch; at most one notice, to
# other, which names neither bob nor his words.
case_class=oracle
case_title="bob's ciphertext replayed From another therapist's address"
case_expect=quarantine:address-mismatch
case_msgid=oracle.replay4@client.example
case_mail='notice:other:?'
case_build() {
	adv_bob_captured &&
	adv_wrap "other@clinic.example" "Bob private" "$case_msgid" bob.asc
}
case_check() {
	for m in mail-*.txt; do
		[ -f "$m" ] || continue
		if grep -n -w -i -e bob -e "$(fpr_of bob)" -e "$(adv_keyid bob)" "$m" >&2; then
			echo "$m: the notice to another therapist names bob or his key" >&2
			return 1
		fi
	done
}
