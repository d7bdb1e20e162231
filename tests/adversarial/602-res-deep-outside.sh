# Resources: 100000 nested multiparts in the clear (3 MB): the bounded
# scanner must stop at the depth limit without recursing through all of
# them.
#
# Expected: quarantined as too-large, quickly.
case_class=resources
case_title='100000 nested multiparts outside any encryption'
case_expect='quarantine:too-large'
case_msgid=res.deepout@client.example
case_maxms=10000
case_build() {
	craft_headers "alice@$D" "Deep" "$case_msgid" &&
	adv_nested 100000 "$CANARY"
}
