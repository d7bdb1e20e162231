# Loops: the therapist's vacation reply to one of our notifications
# (Auto-Submitted: auto-replied, In-Reply-To the notification), four days
# on.  A notice in return would earn another vacation reply: a loop.
#
# Expected: quarantined as bounce; nothing sent.
case_class=loops
case_title="a therapist's vacation reply to our notification"
case_expect=quarantine:bounce
case_msgid=loop.tvac@clinic.example
case_now=2026-03-06T10:00:00Z
case_build() {
	adv_own_mail notification &&
	nid=$(msgid_of own.eml) &&
	craft_plain "thera@clinic.example" "Out of office" "$case_msgid" "$CANARY I am away" \
		"Auto-Submitted: auto-replied
In-Reply-To: <$nid>
References: <$nid>"
}
