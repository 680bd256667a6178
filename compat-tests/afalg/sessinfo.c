/*
 * sessinfo: opens a session for every algorithm id the daemon implements and prints one line
 * per id, "INFO <id> <cra_name> <cra_driver_name> <flags>" from CIOCGSESSINFO, so a test can
 * see which backend and driver each algorithm went to.
 */
#include <crypto/cryptodev.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

static const unsigned ids[] = { 1, 2, 3, 4, 6, 7, 8, 11, 13, 14, 16, 18, 19, 20, 21, 22, 23,
				24, 25, 50, 51, 101, 102, 103, 104, 105, 106, 107 };

int main(int argc, char **argv)
{
	const char *dev = argc > 1 ? argv[1] : getenv("CRYPTODEV_DEVICE");
	int fd = open(dev ? dev : "/dev/crypto", O_RDWR);
	unsigned char key[64];
	unsigned i;

	if (fd < 0) {
		perror("open");
		return 1;
	}
	memset(key, 0x42, sizeof(key));
	for (i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		struct session_op s;
		struct session_info_op info;
		unsigned id = ids[i];
		int is_mac = (id >= 6 && id <= 8) || (id >= 13 && id <= 14) ||
			     (id >= 18 && id <= 20) || id >= 102;
		memset(&s, 0, sizeof(s));
		if (is_mac) {
			s.mac = id;
			s.mackey = key;
			s.mackeylen = (id >= 13 && id <= 14) || (id >= 102 && id <= 106) ? 0 : 20;
		} else {
			s.cipher = id;
			s.key = key;
			s.keylen = id == 1 ? 8 : id == 2 ? 24 : id == 16 ? 0 : id == 22 ? 32 : 16;
		}
		if (ioctl(fd, CIOCGSESSION, &s) != 0) {
			printf("INFO %u - - refused\n", id);
			continue;
		}
		memset(&info, 0, sizeof(info));
		info.ses = s.ses;
		if (ioctl(fd, CIOCGSESSINFO, &info) != 0) {
			printf("INFO %u - - noinfo\n", id);
		} else {
			struct alg_info *a = is_mac ? &info.hash_info : &info.cipher_info;
			printf("INFO %u %s %s %u\n", id, a->cra_name, a->cra_driver_name, info.flags);
		}
		ioctl(fd, CIOCFSESSION, &s.ses);
	}
	close(fd);
	return 0;
}
