# Resources: 33 nested multiparts inside alice's signed encryption, one
# more than max_mime_depth (32): the scanner stops at the limit.
#
# Expected: quarantined as too-large, quickly.
case_class=resources
case_title='33 nested multiparts inside the encryption (limit 32)'
case_expect=quarantine:too-large
case_msgid=res.deep@client.example
case_maxms=10000
case_build() {
	adv_nested 33 "$CANARY deep" >inner &&
	adv_se alice inner c.asc &&
	adv_wrap "alice@$D" "Deep" "$case_msgid" c.asc
}
