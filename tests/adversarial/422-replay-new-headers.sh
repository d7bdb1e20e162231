# Replay with new outer headers: bob's ciphertext under a new Message-ID,
# Date, Subject and In-Reply-To (none of them signed), From still bob.
#
# Expected: a duplicate: nothing stored, nothing sent.
case_class=oracle
case_title="bob's ciphertext replayed under a new Message-ID and Subject"
case_expect=none
case_now=2026-03-03T10:00:00Z
case_build() {
	adv_bob_captured &&
	adv_wrap "bob@$D" "Something new" oracle.replay2@elsewhere.example bob.asc \
		"In-Reply-To: <ctl.1@client.example>"
}
