# Resources: a compression bomb.  alice's genuine signed entry whose
# plaintext is 1.1 GB (a text part, then zeros), compressed by gpg
# (zlib, level 9) to about 1.4 MB and encrypted to the practice: a small
# message that decrypts to over 1 GB.  max_decrypted_size (200M by
# default) must stop the decryption there, in bounded time and memory,
# whatever the signature says.  Made once a run, in the background (see
# the runner); the delivery is measured with /usr/bin/time -v.
#
# Expected: quarantined as too-large ("decrypted content exceeds"), in
# under a minute, the largest process of the delivery under 1 GB of RSS.
case_class=resources
case_title='compression bomb: 2 MB of mail that decrypts to 1.1 GB'
case_expect=quarantine:too-large
case_msgid=res.bomb@client.example
case_maxms=60000
case_timeout=170
case_build() {
	adv_bomb_wait &&
	adv_wrap "alice@$D" "Bomb" "$case_msgid" "$TRASH/bomb/bomb.asc"
}
case_deliver() {
	if [ -x /usr/bin/time ]; then
		CONFIDANT_NOW=$CONFIDANT_NOW /usr/bin/time -v -o time.txt \
			timeout -k 5 "$case_timeout" "$CONFIDANT" deliver <"$1" >deliver.out 2>&1
	else
		timeout -k 5 "$case_timeout" "$CONFIDANT" deliver <"$1" >deliver.out 2>&1
	fi
	echo $? >rc
}
case_check() {
	grep -q "decrypted content exceeds" qrec.json &&
	if [ -f time.txt ]; then
		rss=$(sed -n 's/.*Maximum resident set size (kbytes): //p' time.txt) &&
		echo "# largest RSS of the delivery: ${rss} KB; $(grep 'Elapsed' time.txt | sed 's/^[[:space:]]*//')" &&
		test "$rss" -lt 1000000
	fi
}
