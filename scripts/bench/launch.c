/*
 * launch: time COUNT sequential launches of one command, for `make bench`.
 *
 * Each launch is what a shell does for a command line: fork, exec, wait.
 * The clock runs from just before fork to just after wait returns, so a
 * launch costs the fork of this small process, the exec of the command,
 * everything the command does, and its exit.  Launching /bin/true this way
 * is the floor that every other command pays too.
 *
 * The command's stdin, stdout and stderr are /dev/null: no terminal or pipe
 * slows it down, and nothing it prints mixes with the timings.
 *
 * Build:  cc -O2 -Wall -Wextra -o launch launch.c
 * Run:    ./launch 20 /bin/true
 * Prints: one line per launch, its wall time in microseconds.  Exit status 1
 *         (and a line on stderr) as soon as a launch does not exit with 0.
 */
#define _GNU_SOURCE
#include <err.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* Microseconds on a clock that only moves forward. */
static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

/* Run ARGV once and wait for it.  Its wait status. */
static int launch_once(char **argv, int devnull)
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		err(1, "fork");
	if (pid == 0) {
		dup2(devnull, STDIN_FILENO);
		dup2(devnull, STDOUT_FILENO);
		dup2(devnull, STDERR_FILENO);
		execv(argv[0], argv);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) != pid)
		err(1, "waitpid");
	return status;
}

int main(int argc, char **argv)
{
	char *end;
	long count, i;
	int devnull;

	if (argc < 3) {
		fprintf(stderr, "usage: launch COUNT /path/to/cmd [arg...]\n");
		return 2;
	}
	count = strtol(argv[1], &end, 10);
	if (*end != '\0' || count < 1)
		errx(2, "COUNT must be a positive number, not %s", argv[1]);
	devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (devnull < 0)
		err(1, "/dev/null");
	for (i = 0; i < count; i++) {
		double start = now_us();
		int status = launch_once(&argv[2], devnull);

		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
			fflush(stdout);
			if (WIFSIGNALED(status))
				errx(1, "%s was killed by signal %d", argv[2],
				     WTERMSIG(status));
			errx(1, "%s exited with status %d", argv[2],
			     WEXITSTATUS(status));
		}
		printf("%.0f\n", now_us() - start);
	}
	return 0;
}
