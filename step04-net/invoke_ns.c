/*
 * invoke_ns, step 4: a new network namespace (-n).
 *
 * Step 3 plus -n: the child gets a network stack of its own, with only a
 * loopback interface, and that one down.  The program does no more: the
 * host side (a veth pair) is set up by hand, or by scripts/veth.sh.
 *
 * Build:  cc -Wall -Wextra -o invoke_ns invoke_ns.c -lrt
 * Run:    sudo ./invoke_ns -vpmn sh, then ip link inside and outside
 * Read:   network_namespaces(7), veth(4), ip-netns(8)
 * Marks:  a comment that starts "[step N]" begins code that step N added,
 *         up to the next blank line; a line that ends in one is step N's.
 */
#define _GNU_SOURCE
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>		/* [step 3] */
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>		/* [step 2] */
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

/* Exit statuses of invoke_ns itself, as chroot(1), env(1), docker run have. */
enum { EXIT_SETUP = 125, EXIT_CANNOT_RUN = 126, EXIT_NOT_FOUND = 127 };

/* The options, and the go pipe; clone(2) copies them into the child. */
static int clone_flags;		/* the CLONE_NEW* flags for clone(2) */
static const char *hostname;	/* [step 3] -u NAME */
static char **command;		/* the command and its arguments, or NULL */
static int verbose;		/* -v */
static int go[2];		/* one byte from the parent lets the child go on */

static void supervise(pid_t child);	/* at the end: not the lesson */

/* -v: print, and flush at once, or clone would copy the buffer into the
 * child.  Quiet after a failed write (a signal broke a stalled one). */
static void say(const char *fmt, ...)
{
	va_list ap;

	if (!verbose || ferror(stdout))
		return;
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	fflush(stdout);
}

/* Read the options, or exit: 0 for -h, 125 for bad usage.  '+': the first
 * word that is not an option starts the command; ':': we word the errors. */
static void parse_options(int argc, char **argv)
{
	const char *letters = "+:hvp"
		"m"	/* [step 2] */
		"u:"	/* [step 3] */
		"n"	/* [step 4] */
		;
	int c;

	while ((c = getopt(argc, argv, letters)) != -1) {
		switch (c) {
		case 'h':
			printf("usage: invoke_ns [options] [cmd [arg...]]\n"
			       "Run cmd in a child process in new namespaces (no cmd: set up, then exit).\n"
			       "  -h          show this help and exit\n"
			       "  -v          verbose: say what the parent and the child do\n"
			       "  -p          new PID namespace\n"
			       "  -m          new mount namespace (with -p, a fresh /proc)\n"	/* [step 2] */
			       "  -u NAME     new UTS namespace with hostname NAME\n"	/* [step 3] */
			       "  -n          new network namespace (only lo, down)\n"	/* [step 4] */
			       );
			exit(EXIT_SUCCESS);
		case 'v':
			verbose = 1;
			break;
		case 'p':
			clone_flags |= CLONE_NEWPID;
			break;

		/* [step 2: -m] ask clone(2) for a new mount namespace */
		case 'm':
			clone_flags |= CLONE_NEWNS;
			break;

		/* [step 3: -u] check NAME now, so that a bad one creates nothing
		 * (1 to HOST_NAME_MAX bytes, else one line on stderr naming -u,
		 * and exit 125), keep it, and ask clone(2) for a UTS namespace */
		case 'u':
			if (optarg[0] == '\0' || strlen(optarg) > HOST_NAME_MAX)
				errx(EXIT_SETUP, "-u: a hostname has 1 to %d bytes", HOST_NAME_MAX);
			hostname = optarg;
			clone_flags |= CLONE_NEWUTS;
			break;

		/* [step 4: -n] ask clone(2) for a new network namespace */
		case 'n':
			clone_flags |= CLONE_NEWNET;
			break;

		default:
			errx(EXIT_SETUP, "-%c: %s (-h for help)", optopt,
			     c == ':' ? "needs an argument" : "unknown option");
		}
	}
	if (optind < argc)
		command = &argv[optind];
}

/* [step 2] child: make / and every mount below it private (mount(2),
 * mount_namespaces(7)).  The new namespace starts as a copy of the host's
 * mounts, propagation too: where / is shared (systemd), a proc mounted on
 * /proc would land on the host's /proc as well. */
static void make_mounts_private(void)
{
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		err(EXIT_SETUP, "make / private");
}

/* [step 2] child: say " Child: mounting proc at /proc" and mount a new proc
 * there (proc(5)): a proc shows the PID namespace of whoever mounted it,
 * and the one we inherited shows the host's. */
static void mount_proc(void)
{
	say(" Child: mounting proc at /proc\n");
	if (mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
		err(EXIT_SETUP, "mount proc at /proc");
}

/* [step 3] child: say " Child: setting hostname to NAME" and set it in our
 * new UTS namespace (sethostname(2)); the host keeps its own. */
static void set_hostname(void)
{
	say(" Child: setting hostname to %s\n", hostname);
	if (sethostname(hostname, strlen(hostname)) < 0)
		err(EXIT_SETUP, "sethostname %s", hostname);
}

/* The child, in the new namespaces: it sets them up, then execs. */
static int child_main(void *unused)
{
	char byte;

	(void)unused;
	/* Die with the parent: nobody would wait for us.  Then end-of-file on
	 * the pipe means it died or gave up (getppid() is 0 in a PID namespace). */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	close(go[1]);
	if (read(go[0], &byte, 1) != 1)
		return EXIT_SETUP;
	say(" Child: PID of child is %d\n", getpid());

	/* [step 2] with -m, first make the mounts private */
	if (clone_flags & CLONE_NEWNS)
		make_mounts_private();

	/* [step 2] with -m and -p, mount a proc that shows the new PID namespace */
	if ((clone_flags & CLONE_NEWNS) && (clone_flags & CLONE_NEWPID))
		mount_proc();

	/* [step 3] with -u, set the hostname */
	if (hostname != NULL)
		set_hostname();

	if (command == NULL) {
		say(" Child: no command, exiting\n");
		return EXIT_SUCCESS;
	}
	say(" Child: executing %s\n", command[0]);
	execvp(command[0], command);	/* closes go[0]: it is O_CLOEXEC */
	err(errno == ENOENT ? EXIT_NOT_FOUND : EXIT_CANNOT_RUN, "exec %s", command[0]);
}

/* parent: clone the child, held on the go pipe.  Its PID, or -1. */
static pid_t start_child(void)
{
	static _Alignas(16) char stack[1024 * 1024];	/* the child's, until exec */
	/* A stack grows down: pass its top.  SIGCHLD: tell us when it ends. */
	pid_t pid = clone(child_main, stack + sizeof(stack), clone_flags | SIGCHLD, NULL);
	int e = errno;

	close(go[0]);
	if (pid >= 0)
		return pid;
	close(go[1]);
	warnx("clone: %s", strerror(e));
	if (e == EPERM)
		warnx("hint: creating namespaces needs root: use sudo, or -U from step 7 on");

	return -1;
}

/* parent: start the child, set it up, release it, and wait: its exit
 * status is ours (128+N if signal N killed it). */
static int run_child(void)
{
	pid_t pid = start_child();
	int status;

	if (pid < 0)
		return EXIT_SETUP;
	supervise(pid);
	say("Parent: PID of child is %d\n", pid);

	if (write(go[1], "x", 1) != 1)	/* the go byte: the child goes on */
		warn("release child");

	close(go[1]);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			err(EXIT_SETUP, "waitpid");
	if (WIFSIGNALED(status))
		say("Parent: child was killed by signal %d\n", WTERMSIG(status));
	else
		say("Parent: child exited with status %d\n", WEXITSTATUS(status));
	return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
}

/* Supervision: not the lesson, but what lets invoke_ns stand in for it. */
static pid_t child_pid;
static char init_status[32];	/* /proc/CHILD/status, if the child is a PID 1 */

/* 0-2 open (on /dev/null), so nothing we open lands there; SIGCHLD default. */
static void sane_start(void)
{
	int fd;

	for (fd = 0; fd >= 0 && fd <= STDERR_FILENO; )
		fd = open("/dev/null", O_RDWR);
	close(fd);	/* the first past 2 (or -1, which close refuses) */
	signal(SIGCHLD, SIG_DFL);
}

/* The handler.  Ctrl-C signals our process group, the child too: pass on
 * only what a process sent.  A PID 1 drops the signals it does not catch
 * or ignore (pid_namespaces(7); SigCgt, SigIgn in proc(5)): end it, as the
 * signal would have.  No stdio and no malloc in a handler. */
static void pass_on(int sig, siginfo_t *si, void *unused)
{
	char buf[4096] = "", *p = buf;
	int fd = init_status[0] ? open(init_status, O_RDONLY | O_CLOEXEC) : -1;

	(void)unused;
	if (fd >= 0 && read(fd, buf, sizeof(buf) - 1) > 0)
		while ((p = strstr(p, "\nSig")) != NULL)
			if ((strncmp(p += 4, "Ign:", 4) == 0 || strncmp(p, "Cgt:", 4) == 0) &&
			    (strtoull(p + 4, NULL, 16) >> (sig - 1) & 1))
				break;
	if (fd >= 0)
		close(fd);
	if (fd >= 0 && p == NULL)
		kill(child_pid, SIGKILL);
	else if (si->si_code != SI_KERNEL)
		kill(child_pid, sig);
}

/* Pass SIGINT, SIGTERM, SIGHUP, SIGQUIT on to the child, except those our
 * caller ignores.  No SA_RESTART: a signal breaks a write to a stalled stdout. */
static void supervise(pid_t child)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT };
	struct sigaction sa = { .sa_sigaction = pass_on, .sa_flags = SA_SIGINFO }, old;

	child_pid = child;
	signal(SIGPIPE, SIG_IGN);	/* writes to a dead child fail, not kill us */
	if (clone_flags & CLONE_NEWPID)
		snprintf(init_status, sizeof(init_status), "/proc/%d/status", child);
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		if (sigaction(sigs[i], NULL, &old) == 0 && old.sa_handler != SIG_IGN)
			sigaction(sigs[i], &sa, NULL);
}

int main(int argc, char **argv)
{
	int status;

	sane_start();
	parse_options(argc, argv);

	if (pipe2(go, O_CLOEXEC) < 0)
		err(EXIT_SETUP, "pipe");
	say("Parent: PID of parent is %d\n", getpid());

	status = run_child();

	return status;
}
