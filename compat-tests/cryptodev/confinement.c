/*
 * confinement: the serving daemon runs with the privileges its sandbox promises
 * (docs/ARCHITECTURE.md, "Sandbox"), read from /proc/PID/status:
 * - "confinement-uid", "confinement-gid": every uid and gid (real, effective, saved, fs) is
 *   not 0, and no supplementary group is 0;
 * - "confinement-capeff", "confinement-capprm": exactly CAP_SYS_PTRACE in MODE direct,
 *   nothing in MODE retry; "confinement-capinh", "confinement-capamb": nothing;
 *   "confinement-capbnd": nothing beyond CAP_SYS_PTRACE;
 * - "confinement-nonewprivs": NoNewPrivs 1; "confinement-seccomp": Seccomp 2 (filter);
 * - "confinement-not-dumpable": /proc/PID/mem belongs to root although the daemon does not
 *   run as root, which the kernel does only for a process that is not dumpable.
 * Then the device still serves: an AES-128-CBC session encrypts one block.
 *
 * usage: confinement [DEVICE [MODE [DAEMON_PID]]]     ("-" keeps a default)
 * defaults: MODE direct; DAEMON_PID as daemon_pid() in common.h finds it
 */
#include "common.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CAP_SYS_PTRACE_BIT (1ULL << 19)

static char status[8192];

/* The text after "<key>:" in the status file, or NULL. */
static const char *field(const char *key)
{
	size_t klen = strlen(key);

	for (const char *line = status; line != NULL && *line != '\0';) {
		if (strncmp(line, key, klen) == 0 && line[klen] == ':')
			return line + klen + 1;
		line = strchr(line, '\n');
		if (line != NULL)
			line++;
	}
	return NULL;
}

static void check_ids(const char *name, const char *key)
{
	const char *text = field(key);
	char *end;
	unsigned count = 0;

	if (text == NULL) {
		fail(name, "no %s line", key);
		return;
	}
	for (;;) {
		unsigned long id = strtoul(text, &end, 10);

		if (end == text)
			break;
		if (id == 0) {
			fail(name, "%s includes 0:%.60s", key, text);
			return;
		}
		count++;
		text = end;
	}
	check(count > 0 || strcmp(key, "Groups") == 0, name, "%s: no ids", key);
}

static void check_caps(const char *name, const char *key, uint64_t want, uint64_t allowed)
{
	const char *text = field(key);
	uint64_t caps;

	if (text == NULL) {
		fail(name, "no %s line", key);
		return;
	}
	caps = strtoull(text, NULL, 16);
	if (want != UINT64_MAX)
		check(caps == want, name, "%s %016" PRIx64 ", want %016" PRIx64, key, caps, want);
	else
		check((caps & ~allowed) == 0, name, "%s %016" PRIx64 " goes beyond %016" PRIx64,
		      key, caps, allowed);
}

static void check_number(const char *name, const char *key, long want)
{
	const char *text = field(key);

	if (text == NULL) {
		fail(name, "no %s line", key);
		return;
	}
	check(strtol(text, NULL, 10) == want, name, "%s%.20s, want %ld", key, text, want);
}

static void still_serves(const char *dev)
{
	static const uint8_t key[16] = { 1, 2, 3 };
	uint8_t iv[16] = { 0 }, block[16] = { 0 }, out[16];
	uint32_t ses;
	int fd = open_device(dev);

	if (need_session("confinement-serves", fd, CRYPTO_AES_CBC, key, sizeof(key), 0, NULL, 0,
			 &ses) != 0) {
		xclose("close", fd);
		return;
	}
	expect_errno("confinement-serves", cd_crypt(fd, ses, COP_ENCRYPT, 0, block, out,
						    sizeof(block), iv, NULL),
		     0);
	drop_session("free", fd, ses);
	xclose("close", fd);
}

int main(int argc, char **argv)
{
	const char *dev = device_path(argc, argv);
	const char *mode = opt_arg(argc, argv, 2);
	uint64_t ptrace;
	char path[64];
	struct stat st;
	FILE *f;
	size_t n;
	pid_t pid;

	test_init("confinement");
	if (mode == NULL)
		mode = "direct";
	if (strcmp(mode, "direct") != 0 && strcmp(mode, "retry") != 0)
		die("args", "MODE must be direct or retry, not %s", mode);
	ptrace = strcmp(mode, "direct") == 0 ? CAP_SYS_PTRACE_BIT : 0;
	pid = daemon_pid(argc, argv, 3);
	note("daemon pid %d, mode %s", (int)pid, mode);

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = fopen(path, "re");
	if (f == NULL)
		die("status", "%s: %s", path, errno_name(errno));
	n = fread(status, 1, sizeof(status) - 1, f);
	fclose(f);
	status[n] = '\0';

	check_ids("confinement-uid", "Uid");
	check_ids("confinement-gid", "Gid");
	check_ids("confinement-groups", "Groups");
	check_caps("confinement-capeff", "CapEff", ptrace, 0);
	check_caps("confinement-capprm", "CapPrm", ptrace, 0);
	check_caps("confinement-capinh", "CapInh", 0, 0);
	check_caps("confinement-capamb", "CapAmb", 0, 0);
	check_caps("confinement-capbnd", "CapBnd", UINT64_MAX, CAP_SYS_PTRACE_BIT);
	check_number("confinement-nonewprivs", "NoNewPrivs", 1);
	check_number("confinement-seccomp", "Seccomp", 2);

	snprintf(path, sizeof(path), "/proc/%d/mem", (int)pid);
	if (stat(path, &st) != 0)
		fail("confinement-not-dumpable", "stat %s: %s", path, errno_name(errno));
	else
		check(st.st_uid == 0, "confinement-not-dumpable", "%s belongs to uid %u", path,
		      (unsigned)st.st_uid);

	still_serves(dev);
	return test_finish();
}
