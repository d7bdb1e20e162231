/* test-seal.c: sealed blobs open with the right key only, and any change
 * to any byte of one makes it refuse to open rather than yield garbage. */
#include <stdlib.h>

#include "seal.h"
#include "unit.h"

int main(void)
{
	unsigned char sk[SEAL_KEY_BYTES], pk[SEAL_KEY_BYTES], sk2[SEAL_KEY_BYTES], pk2[SEAL_KEY_BYTES];
	static const char msg[] = "a journal entry, with a NUL \0 inside";
	struct buf blob = BUF_INIT, blob2 = BUF_INIT, plain = BUF_INIT;
	int all = 1;

	seal_keypair(sk, pk);
	seal_keypair(sk2, pk2);
	ok(seal_raw(7, pk, msg, sizeof msg, &blob) == 0, "seal");
	ok(seal_blob_key(blob.data, blob.len) == 7, "the blob names its seal key");
	ok(blob.len == sizeof msg + 4 + 4 + 32 + 12 + 16, "the blob costs 68 bytes over the plaintext");
	ok(memmem(blob.data, blob.len, "journal", 7) == NULL, "no plaintext in the blob");
	ok(seal_raw_open(sk, blob.data, blob.len, &plain) == 0 && plain.len == sizeof msg &&
	   memcmp(plain.data, msg, sizeof msg) == 0, "opens to the same bytes");
	buf_reset(&plain);
	ok(seal_raw_open(sk2, blob.data, blob.len, &plain) < 0 && plain.len == 0,
	   "another key cannot open it");
	for (size_t i = 0; i < blob.len; i++) {
		blob.data[i] ^= 0x01;
		buf_reset(&plain);
		if (seal_raw_open(sk, blob.data, blob.len, &plain) == 0 || plain.len != 0)
			all = 0;
		blob.data[i] ^= 0x01;
	}
	ok(all, "a flipped bit anywhere (header, ephemeral key, nonce, text, tag) is refused");
	ok(seal_raw_open(sk, blob.data, blob.len - 1, &plain) < 0, "a truncated blob is refused");
	ok(seal_raw_open(sk, blob.data, 20, &plain) < 0, "a blob shorter than its header is refused");
	ok(seal_raw(7, pk, msg, sizeof msg, &blob2) == 0 && blob2.len == blob.len &&
	   memcmp(blob.data, blob2.data, blob.len) != 0, "sealing twice gives different blobs");
	ok(seal_blob_key("-----BEGIN PGP MESSAGE-----", 27) < 0, "an OpenPGP message is not ours");
	{
		/* The ephemeral key replaced by the point of order one (u = 1)
		 * would give an all-zero shared secret. */
		unsigned char lowpk[SEAL_KEY_BYTES] = { 1 };
		struct buf b = BUF_INIT;
		ok(seal_raw(1, lowpk, msg, sizeof msg, &b) < 0, "sealing to a low-order point is refused");
		buf_release(&b);
		memcpy(blob.data + 8, lowpk, sizeof lowpk);
		buf_reset(&plain);
		ok(seal_raw_open(sk, blob.data, blob.len, &plain) < 0, "a low-order ephemeral key is refused");
	}
	{
		/* In place: a large record sealed where it lies opens to the same bytes. */
		struct buf big = BUF_INIT, copy = BUF_INIT;
		srand(3);
		for (int i = 0; i < 3 << 20; i++)
			buf_putc(&big, (char)rand());
		buf_append(&copy, big.data, big.len);
		buf_reset(&plain);
		ok(seal_raw_in_place(9, pk, &big) == 0 && big.len == copy.len + 68 &&
		   seal_blob_key(big.data, big.len) == 9, "sealing in place makes a blob of the same form");
		ok(seal_raw_open(sk, big.data, big.len, &plain) == 0 && plain.len == copy.len &&
		   memcmp(plain.data, copy.data, copy.len) == 0, "and it opens to the bytes it held");
		buf_reset(&big);
		ok(seal_raw_in_place(9, pk, &big) == 0 && big.len == 68 &&
		   seal_raw_open(sk, big.data, big.len, &plain) == 0, "an empty record seals in place too");
		buf_release(&big);
		buf_release(&copy);
	}
	buf_release(&blob);
	buf_release(&blob2);
	buf_release(&plain);
	return unit_done();
}
