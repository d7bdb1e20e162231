# Resources: the compression bomb of 620 again (under a new Message-ID, so
# that it is no duplicate), delivered with its address space capped at
# 1.2 GB (ulimit -v), less than the 1.1 GB plaintext plus any program:
# only a bounded decryption can still finish and say too-large.
#
# Expected: quarantined as too-large because the decrypted content
# exceeds max_decrypted_size (not because memory ran out); exit 0.
case_class=resources
case_title='the compression bomb under ulimit -v 1.2 GB'
case_expect=quarantine:too-large
case_msgid=res.bomb2@client.example
case_maxms=60000
case_timeout=170
case_prereq=ULIMIT_V
case_build() {
	adv_bomb_wait &&
	adv_wrap "alice@$D" "Bomb 2" "$case_msgid" "$TRASH/bomb/bomb.asc"
}
case_deliver() {
	(
		ulimit -v 1200000 &&
		CONFIDANT_NOW=$CONFIDANT_NOW timeout -k 5 "$case_timeout" "$CONFIDANT" deliver <"$1" >deliver.out 2>&1
		echo $? >rc
	)
}
case_check() {
	grep -q "decrypted content exceeds" qrec.json
}
