/*
 * invoke_ns, step 3: a new UTS namespace (-u NAME).
 *
 * Step 2 plus -u NAME: the child gets its own hostname (and NIS domain
 * name), and sets the hostname to NAME.  The host's name does not change.
 *
 * Build:  cc -Wall -Wextra -o invoke_ns invoke_ns.c -lrt
 * Run:    sudo ./invoke_ns -vpmu calculus sh, then hostname inside and outside
 * Read:   uts_namespaces(7), sethostname(2), uname(2)
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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>		/* [step 3] */
#include <sys/mount.h>		/* [step 2] */
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

/* Exit statuses of invoke_ns itself, as chroot(1), env(1), docker run have. */
enum { EXIT_SETUP = 125, EXIT_CANNOT_RUN = 126, EXIT_NOT_FOUND = 127 };

/* The options, and the go pipe; clone(2) copies them into the child. */
static int clone_flags;		/* the CLONE_NEW* flags for clone(2) */
static const char *hostname;	/* [step 3] -u NAME */
static int verbose;		/* -v */
static int go[2];		/* a byte from the parent lets the child go on */

/* -v: print, and flush at once: clone would copy a buffer into the child. */
#define say(...) (void)(verbose && printf(__VA_ARGS__) >= 0 && fflush(stdout))

/* Read the options and return the command (NULL: none), or exit: 0 for -h,
 * 125 for bad usage.  '+': options end at the command; ':': we word errors. */
static char **parse_options(int argc, char **argv)
{
	const char *letters = "+:hvp"
		"m"	/* [step 2] */
		"u:";	/* [step 3] */

	for (int c; (c = getopt(argc, argv, letters)) != -1;)
		switch (c) {
		case 'h':
			printf("usage: invoke_ns [options] [cmd [arg...]]: cmd in new namespaces\n"
			       "  -h          show this help and exit\n"
			       "  -v          verbose: say what the parent and the child do\n"
			       "  -p          new PID namespace\n"
			       "  -m          new mount namespace (with -p, a fresh /proc)\n"	/* [step 2] */
			       "  -u NAME     new UTS namespace with hostname NAME\n");	/* [step 3] */
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

		default:
			errx(EXIT_SETUP, "-%c: %s (-h for help)", optopt,
			     c == ':' ? "needs an argument" : "unknown option");
		}
	return optind < argc ? &argv[optind] : NULL;
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
static int child_main(void *arg)
{
	char **command = arg;	/* clone(2) passes it on */
	char byte;

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

/* Supervision: does PID catch or ignore SIG (the masks in /proc/PID/status)?
 * As PID 1 (-p) it drops any other we send but SIGKILL (pid_namespaces(7)). */
static int heeds(pid_t pid, int sig)
{
	char path[32], line[128];
	unsigned long long mask, masks = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	if ((f = fopen(path, "re")) == NULL)
		return 0;
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "SigIgn: %llx", &mask) == 1 || sscanf(line, "SigCgt: %llx", &mask) == 1)
			masks |= mask;
	fclose(f);
	return masks >> (sig - 1) & 1;
}

/* Supervision: release the child, pass signals on until it ends, and return
 * its status (128+N: signal N).  They wait, blocked, for sigwaitinfo(2): no
 * handler.  Those the caller ignores stay ignored; the terminal's (SI_KERNEL)
 * reach a child in our process group without us. */
static int supervise(pid_t pid)
{
	static const int sigs[] = { SIGCHLD, SIGINT, SIGTERM, SIGHUP, SIGQUIT };
	struct sigaction sa;
	sigset_t set, old;
	siginfo_t si;
	int status = W_EXITCODE(EXIT_SETUP, 0);

	sigemptyset(&set);
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		if (sigaction(sigs[i], NULL, &sa) == 0 && sa.sa_handler != SIG_IGN)
			sigaddset(&set, sigs[i]);
	sigprocmask(SIG_BLOCK, &set, &old);
	if (write(go[1], "x", 1) != 1 && errno != EPIPE)	/* the go byte */
		warn("release child");	/* (EPIPE: it is dead, its status says why) */
	close(go[1]);
	while (waitpid(pid, &status, WNOHANG) == 0)
		if (sigwaitinfo(&set, &si) < 0 || si.si_signo == SIGCHLD)
			continue;
		else if ((clone_flags & CLONE_NEWPID) && !heeds(pid, si.si_signo))
			kill(pid, SIGKILL);	/* as PID 1 it would drop the signal */
		else if (si.si_code != SI_KERNEL || getpgid(pid) != getpgrp())
			kill(pid, si.si_signo);
	sigprocmask(SIG_SETMASK, &old, NULL);
	if (WIFSIGNALED(status))
		say("Parent: child was killed by signal %d\n", WTERMSIG(status));
	else
		say("Parent: child exited with status %d\n", WEXITSTATUS(status));
	return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
}

/* parent: clone the child, held on the go pipe, set it up, then supervise. */
static int run_child(char **command)
{
	static _Alignas(16) char stack[1024 * 1024];	/* the child's, until exec */
	/* A stack grows down: pass its top.  SIGCHLD: tell us when it ends. */
	pid_t pid = clone(child_main, stack + sizeof(stack), clone_flags | SIGCHLD, command);
	int e = errno;

	close(go[0]);
	if (pid < 0) {
		errno = e;
		warn("clone");
		if (e == EPERM && geteuid() != 0 && !(clone_flags & CLONE_NEWUSER))
			warnx("hint: creating namespaces needs root: use sudo, or -U from step 7 on");
		return EXIT_SETUP;
	}
	signal(SIGPIPE, SIG_IGN);	/* a write to a dead child's pipe fails */
	/* With no terminal at hand the child gets a process group of its own, which
	 * a signal to ours reaches once, through us; else it shares ours, to use it. */
	if (!isatty(STDIN_FILENO) && !isatty(STDOUT_FILENO) && !isatty(STDERR_FILENO))
		setpgid(pid, pid);
	say("Parent: PID of child is %d\n", pid);
	return supervise(pid);
}

int main(int argc, char **argv)
{
	/* Descriptors 0-2 open (on /dev/null), so that nothing we open lands
	 * there; SIGCHLD at its default, or there would be no child to wait for. */
	for (int fd = 0; fd <= STDERR_FILENO; fd++)
		if (fcntl(fd, F_GETFD) < 0)
			open("/dev/null", O_RDWR);	/* the lowest free one: fd */
	signal(SIGCHLD, SIG_DFL);
	char **command = parse_options(argc, argv);

	if (pipe2(go, O_CLOEXEC) < 0)
		err(EXIT_SETUP, "pipe");
	say("Parent: PID of parent is %d\n", getpid());
	return run_child(command);
}
