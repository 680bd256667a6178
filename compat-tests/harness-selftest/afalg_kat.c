/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * AF_ALG known-answer tests for the guest harness self-test.
 *
 *   afalg_kat                  sha256("abc"), cbc(aes) SP800-38A F.2.1 block 1,
 *                              gcm(aes) test case 2; one PASS/FAIL line each;
 *                              exit 0 only if all pass.
 *   afalg_kat --expect-absent  passes only if socket(AF_ALG) fails with EAFNOSUPPORT.
 *
 * Built static for -m64 and -m32 (the latter exercises the kernel's compat paths).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>
#include <linux/if_alg.h>

#ifndef SOL_ALG
#define SOL_ALG 279
#endif

#define BITS ((int)(sizeof(void *) * 8))

static int failures;

static void report(int ok, const char *what, const char *detail)
{
	printf("%s afalg-%d %s%s%s\n", ok ? "PASS" : "FAIL", BITS, what,
	       detail[0] ? ": " : "", detail);
	fflush(stdout);
	if (!ok)
		failures++;
}

static void hex(const unsigned char *p, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", p[i]);
	out[2 * n] = '\0';
}

/* Binds a transform socket; returns it, or -1 with a message in err. */
static int bind_alg(const char *type, const char *name, char *err, size_t errlen)
{
	struct sockaddr_alg sa;
	int tfm = socket(AF_ALG, SOCK_SEQPACKET, 0);

	if (tfm < 0) {
		snprintf(err, errlen, "socket(AF_ALG): %s", strerror(errno));
		return -1;
	}
	memset(&sa, 0, sizeof(sa));
	sa.salg_family = AF_ALG;
	strncpy((char *)sa.salg_type, type, sizeof(sa.salg_type) - 1);
	strncpy((char *)sa.salg_name, name, sizeof(sa.salg_name) - 1);
	if (bind(tfm, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		snprintf(err, errlen, "bind(%s, %s): %s", type, name, strerror(errno));
		close(tfm);
		return -1;
	}
	return tfm;
}

static int close_checked(int fd, char *err, size_t errlen)
{
	if (close(fd) != 0) {
		snprintf(err, errlen, "close: %s", strerror(errno));
		return -1;
	}
	return 0;
}

static void compare(const char *what, const unsigned char *got, size_t n, const char *want)
{
	char h[2 * 64 + 1];

	hex(got, n, h);
	if (strcmp(h, want) == 0) {
		report(1, what, "");
	} else {
		char detail[300];

		snprintf(detail, sizeof(detail), "got %s want %s", h, want);
		report(0, what, detail);
	}
}

static void kat_sha256(void)
{
	char err[200] = "";
	unsigned char md[32];
	int tfm, op;
	ssize_t n;

	tfm = bind_alg("hash", "sha256", err, sizeof(err));
	if (tfm < 0)
		goto fail;
	op = accept(tfm, NULL, 0);
	if (op < 0) {
		snprintf(err, sizeof(err), "accept: %s", strerror(errno));
		close(tfm);
		goto fail;
	}
	n = send(op, "abc", 3, 0);
	if (n != 3) {
		snprintf(err, sizeof(err), "send: %zd (%s)", n, strerror(errno));
		goto fail_close;
	}
	n = read(op, md, sizeof(md));
	if (n != (ssize_t)sizeof(md)) {
		snprintf(err, sizeof(err), "read: %zd (%s)", n, strerror(errno));
		goto fail_close;
	}
	if (close_checked(op, err, sizeof(err)) || close_checked(tfm, err, sizeof(err)))
		goto fail;
	compare("sha256", md, sizeof(md),
		"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	return;
fail_close:
	close(op);
	close(tfm);
fail:
	report(0, "sha256", err);
}

/*
 * One encryption through an accepted operation socket: control messages for the
 * operation, the IV and (for AEAD) the associated-data length, then the data.
 */
static int encrypt_once(int tfm, const unsigned char *iv, uint32_t ivlen, int aead,
			const unsigned char *in, size_t inlen, unsigned char *out, size_t outlen,
			char *err, size_t errlen)
{
	union {
		char buf[CMSG_SPACE(sizeof(uint32_t)) + CMSG_SPACE(sizeof(struct af_alg_iv) + 16) +
			 CMSG_SPACE(sizeof(uint32_t))];
		struct cmsghdr align;
	} cbuf;
	struct msghdr msg;
	struct cmsghdr *c;
	struct af_alg_iv *alg_iv;
	struct iovec iov;
	uint32_t v;
	ssize_t n;
	int op;

	op = accept(tfm, NULL, 0);
	if (op < 0) {
		snprintf(err, errlen, "accept: %s", strerror(errno));
		return -1;
	}
	memset(&cbuf, 0, sizeof(cbuf));
	memset(&msg, 0, sizeof(msg));
	msg.msg_control = cbuf.buf;
	msg.msg_controllen = CMSG_SPACE(sizeof(uint32_t)) +
			     CMSG_SPACE(sizeof(struct af_alg_iv) + ivlen) +
			     (aead ? CMSG_SPACE(sizeof(uint32_t)) : 0);

	c = CMSG_FIRSTHDR(&msg);
	c->cmsg_level = SOL_ALG;
	c->cmsg_type = ALG_SET_OP;
	c->cmsg_len = CMSG_LEN(sizeof(uint32_t));
	v = ALG_OP_ENCRYPT;
	memcpy(CMSG_DATA(c), &v, sizeof(v));

	c = CMSG_NXTHDR(&msg, c);
	c->cmsg_level = SOL_ALG;
	c->cmsg_type = ALG_SET_IV;
	c->cmsg_len = CMSG_LEN(sizeof(struct af_alg_iv) + ivlen);
	alg_iv = (struct af_alg_iv *)CMSG_DATA(c);
	alg_iv->ivlen = ivlen;
	memcpy(alg_iv->iv, iv, ivlen);

	if (aead) {
		c = CMSG_NXTHDR(&msg, c);
		c->cmsg_level = SOL_ALG;
		c->cmsg_type = ALG_SET_AEAD_ASSOCLEN;
		c->cmsg_len = CMSG_LEN(sizeof(uint32_t));
		v = 0;
		memcpy(CMSG_DATA(c), &v, sizeof(v));
	}

	iov.iov_base = (void *)in;
	iov.iov_len = inlen;
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	n = sendmsg(op, &msg, 0);
	if (n != (ssize_t)inlen) {
		snprintf(err, errlen, "sendmsg: %zd (%s)", n, strerror(errno));
		close(op);
		return -1;
	}
	n = read(op, out, outlen);
	if (n != (ssize_t)outlen) {
		snprintf(err, errlen, "read: %zd of %zu (%s)", n, outlen, strerror(errno));
		close(op);
		return -1;
	}
	return close_checked(op, err, errlen);
}

static void kat_cbc_aes(void)
{
	static const unsigned char key[16] = {
		0x2b, 0x7e, 0x15, 0x16, 0x28, 0xae, 0xd2, 0xa6,
		0xab, 0xf7, 0x15, 0x88, 0x09, 0xcf, 0x4f, 0x3c };
	static const unsigned char iv[16] = {
		0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07,
		0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f };
	static const unsigned char pt[16] = {
		0x6b, 0xc1, 0xbe, 0xe2, 0x2e, 0x40, 0x9f, 0x96,
		0xe9, 0x3d, 0x7e, 0x11, 0x73, 0x93, 0x17, 0x2a };
	unsigned char ct[16];
	char err[200] = "";
	int tfm;

	tfm = bind_alg("skcipher", "cbc(aes)", err, sizeof(err));
	if (tfm < 0)
		goto fail;
	if (setsockopt(tfm, SOL_ALG, ALG_SET_KEY, key, sizeof(key)) != 0) {
		snprintf(err, sizeof(err), "ALG_SET_KEY: %s", strerror(errno));
		close(tfm);
		goto fail;
	}
	if (encrypt_once(tfm, iv, sizeof(iv), 0, pt, sizeof(pt), ct, sizeof(ct), err,
			 sizeof(err)) != 0) {
		close(tfm);
		goto fail;
	}
	if (close_checked(tfm, err, sizeof(err)))
		goto fail;
	compare("cbc(aes)", ct, sizeof(ct), "7649abac8119b246cee98e9b12e9197d");
	return;
fail:
	report(0, "cbc(aes)", err);
}

static void kat_gcm_aes(void)
{
	static const unsigned char key[16];
	static const unsigned char iv[12];
	static const unsigned char pt[16];
	unsigned char out[32]; /* ciphertext || tag (no associated data) */
	char err[200] = "";
	int tfm;

	tfm = bind_alg("aead", "gcm(aes)", err, sizeof(err));
	if (tfm < 0)
		goto fail;
	if (setsockopt(tfm, SOL_ALG, ALG_SET_KEY, key, sizeof(key)) != 0) {
		snprintf(err, sizeof(err), "ALG_SET_KEY: %s", strerror(errno));
		close(tfm);
		goto fail;
	}
	if (setsockopt(tfm, SOL_ALG, ALG_SET_AEAD_AUTHSIZE, NULL, 16) != 0) {
		snprintf(err, sizeof(err), "ALG_SET_AEAD_AUTHSIZE: %s", strerror(errno));
		close(tfm);
		goto fail;
	}
	if (encrypt_once(tfm, iv, sizeof(iv), 1, pt, sizeof(pt), out, sizeof(out), err,
			 sizeof(err)) != 0) {
		close(tfm);
		goto fail;
	}
	if (close_checked(tfm, err, sizeof(err)))
		goto fail;
	compare("gcm(aes)", out, sizeof(out),
		"0388dace60b6a392f328c2b971b2fe78ab6e47d42cec13bdf53a67b21257bddf");
	return;
fail:
	report(0, "gcm(aes)", err);
}

static int expect_absent(void)
{
	int fd = socket(AF_ALG, SOCK_SEQPACKET, 0);

	if (fd >= 0) {
		close(fd);
		printf("FAIL afalg-absent-%d: socket(AF_ALG) succeeded\n", BITS);
		return 1;
	}
	if (errno != EAFNOSUPPORT) {
		printf("FAIL afalg-absent-%d: socket(AF_ALG): %s (want EAFNOSUPPORT)\n", BITS,
		       strerror(errno));
		return 1;
	}
	printf("PASS afalg-absent-%d\n", BITS);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 2 && strcmp(argv[1], "--expect-absent") == 0)
		return expect_absent();
	if (argc != 1) {
		fprintf(stderr, "usage: %s [--expect-absent]\n", argv[0]);
		return 2;
	}
	kat_sha256();
	kat_cbc_aes();
	kat_gcm_aes();
	return failures ? 1 : 0;
}
