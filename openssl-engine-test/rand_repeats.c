/*
 * rand-repeats: does OpenSSL's random generator repeat itself under the configuration in
 * OPENSSL_CONF?
 *
 * Calls RAND_bytes COUNT times for 16 bytes, then COUNT times for 32 bytes, in one process as
 * a program would, and counts findings: an output equal to an earlier one of its size, or two
 * consecutive outputs that agree in 8 or more of their first 16 byte positions (for random
 * bytes about 1 chance in 10^15 per pair; the engine bug this looks for makes them agree in 15).
 *
 * Prints the first findings, then "RAND_bytes calls N, findings F". Exit status: 0 with no
 * findings, 1 with some, 2 if RAND_bytes failed.
 */
#define _GNU_SOURCE /* qsort_r */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/rand.h>

#define MAX_PRINTED 5

static unsigned long findings;

static void hex(const unsigned char *bytes, size_t len, char *out)
{
	for (size_t i = 0; i < len; i++)
		sprintf(out + 2 * i, "%02x", bytes[i]);
}

static void finding(const char *what, size_t call, const unsigned char *a,
		    const unsigned char *b, size_t len)
{
	char ha[2 * 32 + 1], hb[2 * 32 + 1];

	if (++findings > MAX_PRINTED)
		return;
	hex(a, len, ha);
	hex(b, len, hb);
	printf("REPEAT %s at call %zu: %s then %s\n", what, call, ha, hb);
}

static int compare_outputs(const void *a, const void *b, void *len)
{
	return memcmp(a, b, *(size_t *)len);
}

/* Sorts a copy of the outputs and counts equal neighbours. */
static void count_duplicates(const unsigned char *outputs, size_t count, size_t len)
{
	unsigned char *sorted = malloc(count * len);

	if (sorted == NULL) {
		perror("malloc");
		exit(2);
	}
	memcpy(sorted, outputs, count * len);
	qsort_r(sorted, count, len, compare_outputs, &len);
	for (size_t i = 1; i < count; i++)
		if (memcmp(sorted + (i - 1) * len, sorted + i * len, len) == 0)
			finding("duplicate output", i, sorted + (i - 1) * len, sorted + i * len,
				len);
	free(sorted);
}

static size_t run(size_t count, size_t len)
{
	unsigned char *outputs = malloc(count * len);

	if (outputs == NULL) {
		perror("malloc");
		exit(2);
	}
	for (size_t call = 0; call < count; call++) {
		unsigned char *out = outputs + call * len;

		if (RAND_bytes(out, (int)len) != 1) {
			fprintf(stderr, "RAND_bytes(%zu) failed at call %zu\n", len, call);
			ERR_print_errors_fp(stderr);
			exit(2);
		}
		if (call > 0) {
			const unsigned char *previous = out - len;
			int agreeing = 0;

			for (size_t i = 0; i < 16; i++)
				agreeing += previous[i] == out[i];
			if (agreeing >= 8)
				finding("consecutive outputs agree", call, previous, out, len);
		}
	}
	count_duplicates(outputs, count, len);
	free(outputs);
	return count;
}

int main(int argc, char **argv)
{
	size_t count = argc > 1 ? strtoul(argv[1], NULL, 10) : 2000;
	size_t calls;

	if (count < 2) {
		fprintf(stderr, "usage: rand-repeats [COUNT >= 2]\n");
		return 2;
	}
	calls = run(count, 16);
	calls += run(count, 32);
	printf("RAND_bytes calls %zu, findings %lu\n", calls, findings);
	return findings == 0 ? 0 : 1;
}
