# Replay later: bob's genuine entry, byte for byte, delivered again a week
# later (CONFIDANT_NOW) with new trace headers, as an attacker who keeps
# it would.
#
# Expected: a duplicate: nothing stored, nothing sent (no second
# notification, no second acknowledgement).
case_class=oracle
case_title="bob's entry replayed a week later with new trace headers"
case_expect=none
case_now=2026-03-09T10:00:00Z
case_build() {
	adv_bob_captured &&
	printf 'Received: from mx.attacker.example (mx.attacker.example [192.0.2.66]) by mx;\r\n\tMon, 9 Mar 2026 09:00:00 +0000\r\nReturn-Path: <eve@elsewhere.example>\r\n' &&
	cat bob.eml
}
