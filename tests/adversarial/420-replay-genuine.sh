# The control for the replays: bob's captured entry, delivered as he sent
# it, after all the cases above tried to use it.
#
# Expected: ACCEPTED into bob's journal; his therapist notified, bob
# acknowledged; his words only there.
case_class=oracle
case_title="the captured entry of bob, delivered as sent"
case_expect=journal:bob
case_msgid=bob.genuine@client.example
case_build() {
	adv_bob_captured && cat bob.eml
}
case_check() {
	python3 -c "import json; e = json.load(open('entry.json')); assert e['body'].startswith('$(secret_of bob)'), e"
}
