#!/bin/sh
#
# t0400-interop: real mail from Mozilla Thunderbird's OpenPGP test data
# (the corpus in $INTEROP_DIR, described in its MANIFEST.md) through
# `confidant deliver`, in the two role set-ups of that manifest:
#
#   A: the practice key is bob's secret key (practice bob@openpgp.example),
#      one client `alice` with alice's public key;
#   B: the practice key is alice's secret key (practice alice@openpgp.example),
#      one client `bob` with bob's public key.
#
# Both set-ups also register one therapist `thera` whose key is generated
# here.  Carol's and Benny's keys are never given to the practice: the
# gateway must not import keys from mail, so their signatures are simply
# unknown.
#
# Every message is delivered into a practice of its own, so that no case
# depends on another (#2 and #4 share a Message-ID, five messages have
# none, and the LF-only files are byte-identical after LF conversion).
# Every message is delivered twice: once as stored, and once with LF line
# endings, as Postfix's pipe(8) hands mail over.  The outcome must be the
# same.
#
# The corpus is read where it lies and never copied into the source tree.

. "$(dirname "$0")/test-lib.sh"

test_have_prereq INTEROP ||
	skip_all "the Thunderbird interop corpus is absent (no $INTEROP_DIR/eml)"

. "$TEST_DIR/lib-gpg.sh"

EML=$INTEROP_DIR/eml
IKEYS=$INTEROP_DIR/keys
BOB_SEC=$IKEYS/bob@openpgp.example-0xfbfcc82a015e7330-secret.asc
BOB_PUB=$IKEYS/bob@openpgp.example-0xfbfcc82a015e7330-pub.asc
BOB_FPR=D1A66E1A23B182C9980F788CFBFCC82A015E7330
ALICE_SEC=$IKEYS/alice@openpgp.example-0xf231550c4f47e38e-secret.asc
ALICE_PUB=$IKEYS/alice@openpgp.example-0xf231550c4f47e38e-pub.asc
ALICE_FPR=EB85BB5FA33A75E15E944E63F231550C4F47E38E

# The expected outcome of every message, from MANIFEST.md ("Per message").
# Columns: number | file in eml/ | outcome A | also OK in A | outcome B |
# also OK in B.  An outcome is either "journal HANDLE" (exactly one new
# entry in that client's journal, nothing new in quarantine) or a
# quarantine reason (exactly one new quarantine row with that reason or
# one of the alternatives, nothing new in any journal).  Alternatives are
# comma-separated, "-" for none.
#
# Deliberately not accepted: #15 B "unsigned" and #18 B "unknown-signer".
# The manifest mentions them only for a gateway that repairs Exchange's
# damage or unwraps an outer signature, which a strict gateway does not.
interop_table='
01 | encrypted-and-signed-alice-to-bob-nonascii.eml                          | journal alice  | -                                | unknown-signer | -
02 | signed-by-0xfbfcc82a015e7330-encrypted-to-0xf231550c4f47e38e.eml       | unknown-signer | -                                | journal bob    | -
03 | signed-by-0xfbfcc82a015e7330-encrypted-to-0xf231550c4f47e38e-with-key.eml | unknown-signer | -                             | journal bob    | -
04 | signed-by-0xfbfcc82a015e7330-encrypted-to-0xf231550c4f47e38e-multi-from.eml | malformed    | address-mismatch,unknown-signer  | malformed      | address-mismatch
05 | unsigned-encrypted-to-0xf231550c4f47e38e-from-0xfbfcc82a015e7330.eml   | unsigned       | -                                | unsigned       | -
06 | signed-encrypted-autocrypt-gossip.eml                                   | unknown-signer | -                                | journal bob    | -
07 | signed-by-0xfbfcc82a015e7330-to-0xf231550c4f47e38e-unencrypted.eml     | not-encrypted  | -                                | not-encrypted  | -
08 | signed-mismatch-email-date.eml                                          | not-encrypted  | -                                | not-encrypted  | -
09 | bob-to-alice-signed-damaged-signature.eml                               | not-encrypted  | -                                | not-encrypted  | -
10 | alice-signed.eml                                                        | not-encrypted  | -                                | not-encrypted  | -
11 | partial-signed-from-bob-plaintext.eml                                   | not-encrypted  | partial                          | not-encrypted  | partial
12 | partial-encrypt-for-alice-plaintext.eml                                 | partial        | -                                | partial        | -
13 | bob-enc-inline-nbsp-qp.eml                                              | decrypt-failed | malformed                        | unsigned       | -
14 | encrypted-to-alice-as-hidden-recipient.eml                              | decrypt-failed | -                                | unsigned       | -
15 | alice-broken-exchange.eml                                               | partial        | -                                | partial        | -
16 | unrelated-and-fake-keys-attached.eml                                    | not-encrypted  | -                                | not-encrypted  | -
17 | multiple-signatures.eml                                                 | not-encrypted  | -                                | not-encrypted  | -
18 | outer-pgp-sig-inner-pgp-enc-sig.eml                                     | partial        | -                                | partial        | -
19 | sigspoof-git-commit.eml                                                 | not-encrypted  | decrypt-failed                   | not-encrypted  | decrypt-failed
20 | rc-openpgp-mdc.eml                                                      | unsigned       | -                                | decrypt-failed | -
21 | rc-openpgp-aead.eml                                                     | unsigned       | -                                | decrypt-failed | -
22 | rc-openpgp-nomdc.eml                                                    | decrypt-failed | -                                | decrypt-failed | -
23 | rc-openpgp-mdc-tampered.eml                                             | decrypt-failed | -                                | decrypt-failed | -
24 | rc-openpgp-mixed-subpart.eml                                            | partial        | -                                | partial        | -
25 | rc-openpgp-sigwrap-mdc.eml                                              | partial        | -                                | partial        | -
26 | rc-openpgp-sigwrap-nomdc.eml                                            | partial        | -                                | partial        | -
'

# What a journal entry must look like: set-up | number | subject (the
# inner, protected Subject) | number of attachments.  The manifest states
# the attachment only for #3 B; the other counts come from decrypting the
# messages: #1 carries alice's key as its one attachment, #2 and #6 have
# a text body and nothing else.  The PGP signature part is not an
# attachment.
journal_table='
A | 01 | Re: kod blå                        | 1
B | 02 | Signed Encrypted                   | 0
B | 03 | Signed Encrypted With Key          | 1
B | 06 | Compose Signed Encrypted Message   | 0
'

# Splits on "|" and trims the blanks around every field.
table_fields() {
	printf '%s\n' "$1" | awk -F'|' -v OFS='|' '
		NF > 1 {
			for (i = 1; i <= NF; i++) {
				gsub(/^[ \t]+|[ \t]+$/, "", $i)
			}
			print
		}'
}

# json_new_rows KIND OLD NEW: one line for every element of the JSON
# array NEW whose id is not in the array OLD, its fields separated by
# tabs.  KIND q (quarantine list): reason, detail.  KIND j (journal):
# subject, number of attachments, their file names.  Fails when either
# file is not a JSON array.  One process per call keeps 104 cases quick.
if command -v jq >/dev/null 2>&1; then
	json_new_rows() {
		jq -r --arg kind "$1" --slurpfile old "$2" '
			def clean: tostring | gsub("[\t\r\n]"; " ");
			if type != "array" or ($old | length) != 1
			   or ($old[0] | type) != "array"
			then error("not a JSON array") else . end
			| ($old[0] | map(.id)) as $ids
			| .[]
			| select(.id as $i | $ids | any(.[]; . == $i) | not)
			| if $kind == "q" then
				[(.reason // "" | clean), (.detail // "" | clean)]
			  else
				[(.subject // "" | clean),
				 ((.attachments // []) | length | tostring),
				 ((.attachments // []) | map(.filename // "" | clean) | join(", "))]
			  end
			| join("\t")' "$3"
	}
elif command -v python3 >/dev/null 2>&1; then
	json_new_rows() {
		python3 -c 'import json, sys
def clean(v):
    v = "" if v is None else str(v)
    return v.replace("\t", " ").replace("\r", " ").replace("\n", " ")
kind, old, new = sys.argv[1], json.load(open(sys.argv[2])), json.load(open(sys.argv[3]))
if not isinstance(old, list) or not isinstance(new, list):
    sys.exit("not a JSON array")
ids = [e.get("id") for e in old]
for e in new:
    if e.get("id") in ids:
        continue
    if kind == "q":
        row = [clean(e.get("reason")), clean(e.get("detail"))]
    else:
        att = e.get("attachments") or []
        row = [clean(e.get("subject")), str(len(att)),
               ", ".join(clean(a.get("filename")) for a in att)]
    print("\t".join(row))' "$@"
	}
else
	skip_all "neither jq nor python3 is installed (needed to read --json output)"
fi

# The fingerprints in a GnuPG home, sorted, without touching its trustdb.
keyring_fprs() {
	GNUPGHOME=$1 gpg --batch --no-tty --quiet --trust-model always \
		--with-colons --list-keys 2>/dev/null |
		awk -F: '$1 == "fpr" { print $10 }' | sort
}

# The practice homes made here; their gpg-agents are stopped at the end
# even when a case dies half-way.
kill_practice_agents() {
	for h in "$TRASH"/p*/gnupg; do
		[ -d "$h" ] && GNUPGHOME=$h gpgconf --kill all
	done
	return 0
}
test_at_end kill_practice_agents

# practice_setup DIR A|B: a fresh practice home in DIR for that role set-up.
practice_setup() {
	dir=$1 setup=$2
	CONFIDANT_HOME=$dir
	export CONFIDANT_HOME
	case $setup in
	A) addr=bob@openpgp.example sec=$BOB_SEC fpr=$BOB_FPR
	   client=alice caddr=alice@openpgp.example cpub=$ALICE_PUB ;;
	B) addr=alice@openpgp.example sec=$ALICE_SEC fpr=$ALICE_FPR
	   client=bob caddr=bob@openpgp.example cpub=$BOB_PUB ;;
	esac
	"$CONFIDANT" init --address "$addr" --import-key "$sec" \
		--name "Interop $setup" >"$dir.init" 2>&1 || {
		echo "setup: confidant init --address $addr --import-key $(basename "$sec") failed:"
		cat "$dir.init"
		return 1
	}
	if ! grep -qi "$fpr" "$dir.init"; then
		echo "setup: confidant init did not print the practice fingerprint $fpr:"
		cat "$dir.init"
		return 1
	fi
	"$CONFIDANT" therapist add thera --email thera@clinic.example \
		--key "$KEYS/thera.pub" || {
		echo "setup: confidant therapist add thera failed"
		return 1
	}
	"$CONFIDANT" client add "$client" --email "$caddr" --key "$cpub" \
		--therapist thera || {
		echo "setup: confidant client add $client failed"
		return 1
	}
}

# snapshot DIR CLIENT TAG: the quarantine, the client's journal and the
# practice keyring, saved as DIR.TAG.{q,j,k}.
snapshot() {
	dir=$1 client=$2 tag=$3
	"$CONFIDANT" quarantine list --json >"$dir.$tag.q" || {
		echo "confidant quarantine list --json failed ($tag)"
		return 1
	}
	"$CONFIDANT" journal "$client" --json >"$dir.$tag.j" || {
		echo "confidant journal $client --json failed ($tag)"
		return 1
	}
	if [ -d "$dir/gnupg" ]; then
		keyring_fprs "$dir/gnupg" >"$dir.$tag.k"
	else
		: >"$dir.$tag.k"
	fi
}

# new_rows KIND DIR: the rows that appeared between the two snapshots,
# into DIR.new.KIND; shows the raw output when it was not JSON.
new_rows() {
	kind=$1 dir=$2
	json_new_rows "$kind" "$dir.before.$kind" "$dir.after.$kind" >"$dir.new.$kind" && return 0
	case $kind in q) what="quarantine list --json" ;; j) what="journal $client --json" ;; esac
	echo "FAIL: confidant $what did not print a JSON array; before:"
	head -c 2000 "$dir.before.$kind"; echo
	echo "after:"
	head -c 2000 "$dir.after.$kind"; echo
	return 1
}

# check_case: delivers $case_file (as stored, or with LF endings when
# $case_variant is lf) into a fresh practice for $case_setup and compares
# the outcome with $case_expect / $case_alts.  It is called as
# `check_case || false` so that the harness's set -e does not cut it
# short: every check runs and reports.
check_case() {
	dir=$case_dir
	case $case_setup in A) client=alice ;; B) client=bob ;; esac
	msg=$EML/$case_file
	if [ "$case_variant" = lf ]; then
		sed 's/\r$//' "$msg" >"$dir.eml"
		msg=$dir.eml
	fi
	practice_setup "$dir" "$case_setup" || return 1
	snapshot "$dir" "$client" before || return 1

	"$CONFIDANT" deliver <"$msg" >"$dir.deliver.out" 2>&1
	rc=$?
	snapshot "$dir" "$client" after || return 1
	new_rows q "$dir" || return 1
	new_rows j "$dir" || return 1
	nq=$(wc -l <"$dir.new.q") nj=$(wc -l <"$dir.new.j")

	seen=$( {
		cut -f1 "$dir.new.q" | sed 's/^/quarantine /'
		awk -F'\t' -v c="$client" \
			'{ printf "journal %s \"%s\" (%s attachments)\n", c, $1, $2 }' "$dir.new.j"
	} | paste -sd '+' - | sed 's/+/ + /g')
	echo "message:  $case_file ($case_variant, set-up $case_setup)"
	echo "expected: $case_expect${case_alts:+ (also OK: $case_alts)}"
	echo "seen:     ${seen:-nothing new in quarantine or journal}; deliver exited $rc"
	if [ "$rc" != 0 ] || [ -n "${TEST_VERBOSE:-}" ]; then
		echo "deliver said:"
		sed 's/^/  /' "$dir.deliver.out"
	fi
	if [ "$nq" != 0 ]; then
		echo "new quarantine rows (reason, detail):"
		sed 's/^/  /' "$dir.new.q"
	fi

	fail=0
	if [ "$rc" != 0 ]; then
		echo "FAIL: deliver exited $rc, wanted 0"
		fail=1
	fi
	if ! cmp -s "$dir.before.k" "$dir.after.k"; then
		echo "FAIL: the practice keyring changed (keys imported from mail?):"
		diff "$dir.before.k" "$dir.after.k"
		fail=1
	fi

	case $case_expect in
	"journal "*)
		if [ "${case_expect#journal }" != "$client" ]; then
			echo "FAIL: table error: $case_expect in set-up $case_setup"
			return 1
		fi
		jline=$(table_fields "$journal_table" |
			awk -F'|' -v s="$case_setup" -v n="$case_num" '$1 == s && $2 == n')
		want_subject=$(printf '%s\n' "$jline" | cut -d'|' -f3)
		want_att=$(printf '%s\n' "$jline" | cut -d'|' -f4)
		if [ -z "$jline" ]; then
			echo "FAIL: table error: no journal_table row for $case_setup $case_num"
			return 1
		fi
		if [ "$nq" != 0 ]; then
			echo "FAIL: $nq new quarantine rows, wanted none"
			fail=1
		fi
		if [ "$nj" != 1 ]; then
			echo "FAIL: $nj new entries in $client's journal, wanted 1"
			fail=1
		else
			got_subject=$(cut -f1 "$dir.new.j")
			got_att=$(cut -f2 "$dir.new.j")
			if [ "$got_subject" != "$want_subject" ]; then
				echo "FAIL: journal subject '$got_subject', wanted '$want_subject'"
				fail=1
			fi
			if [ "$got_att" != "$want_att" ]; then
				echo "FAIL: $got_att attachments ($(cut -f3 "$dir.new.j")), wanted $want_att"
				fail=1
			fi
		fi
		;;
	*)
		if [ "$nj" != 0 ]; then
			echo "FAIL: $nj new entries in $client's journal, wanted none"
			fail=1
		fi
		if [ "$nq" != 1 ]; then
			echo "FAIL: $nq new quarantine rows, wanted 1"
			fail=1
		else
			got=$(cut -f1 "$dir.new.q")
			ok=0
			for r in $case_expect $(echo "$case_alts" | tr ',' ' '); do
				[ "$got" = "$r" ] && ok=1
			done
			if [ "$ok" = 0 ]; then
				echo "FAIL: quarantine reason '$got', wanted '$case_expect'${case_alts:+ or one of '$case_alts'}"
				fail=1
			fi
		fi
		;;
	esac
	return $fail
}

test_expect_success 'the interop corpus is intact (SHA256SUMS)' '
	(cd "$INTEROP_DIR" && sha256sum --quiet -c SHA256SUMS)
'

test_expect_success 'the table lists all 26 messages of the corpus' '
	table_fields "$interop_table" | cut -d"|" -f2 | sort >expect-files &&
	(cd "$EML" && ls *.eml) | sort >actual-files &&
	test_cmp expect-files actual-files &&
	test "$(wc -l <expect-files)" = 26
'

test_expect_success 'a therapist key' '
	gpg_user thera thera@clinic.example
'

for case_variant in stored lf; do
	for case_setup in A B; do
		table_fields "$interop_table" >"$TRASH/.table"
		while IFS='|' read -r case_num case_file oa aa ob ab <&3; do
			if [ "$case_setup" = A ]; then
				case_expect=$oa case_alts=$aa
			else
				case_expect=$ob case_alts=$ab
			fi
			[ "$case_alts" = - ] && case_alts=
			suffix=
			[ "$case_variant" = lf ] && suffix=l
			case_dir=$TRASH/p$(echo "$case_setup" | tr AB ab)$case_num$suffix
			label=$case_file
			[ "$case_variant" = lf ] && label="$case_file with LF endings"
			test_expect_success "$case_setup #$case_num $label: $case_expect" \
				'check_case || false'
			[ -d "$case_dir/gnupg" ] &&
				GNUPGHOME=$case_dir/gnupg gpgconf --kill all >/dev/null 2>&1
		done 3<"$TRASH/.table"
	done
done

test_done
