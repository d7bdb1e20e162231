# Resources: a part flood inside alice's signed encryption: 5000 parts of
# one byte each (compressed, the ciphertext is small).
#
# Expected: quarantined as too-large.
case_class=resources
case_title='5000 parts inside the encryption'
case_expect=quarantine:too-large
case_msgid=res.floodin@client.example
case_build() {
	craft_many_parts "Flood" "$CANARY" 5000 >inner &&
	adv_se alice inner c.asc &&
	adv_wrap "alice@$D" "Flood" "$case_msgid" c.asc
}
