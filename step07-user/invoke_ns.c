/*
 * invoke_ns, step 7: a new user namespace (-U).
 *
 * Step 6 plus -U: the child gets a user namespace, in which it holds every
 * capability.  Before releasing it, the parent maps root in there to the
 * caller's own uid and gid.  That is all the kernel asks of a user without
 * privilege, and the new capabilities cover the child's other namespaces:
 * every flag now works without sudo.
 *
 * Build:  cc -Wall -Wextra -o invoke_ns invoke_ns.c -lrt
 * Run:    ./invoke_ns -vUpmu calculus sh (no sudo), then id inside
 * Look:   cat /proc/CHILD/uid_map; ps -o user,pid,cmd -p CHILD outside
 * Read:   user_namespaces(7), capabilities(7)
 * Marks:  a comment that starts "[step N]" begins code that step N added,
 *         up to the next blank line; a line that ends in one is step N's.
 */
#define _GNU_SOURCE
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>		/* [step 3] */
#include <mqueue.h>		/* [step 5] */
#include <poll.h>		/* [step 5] */
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>		/* [step 2] */
#include <sys/prctl.h>
#include <sys/random.h>		/* [step 5] */
#include <sys/stat.h>		/* [step 6] */
#include <sys/wait.h>
#include <unistd.h>

/* Exit statuses of invoke_ns itself, as chroot(1), env(1), docker run have. */
enum { EXIT_SETUP = 125, EXIT_CANNOT_RUN = 126, EXIT_NOT_FOUND = 127 };
#define MESSAGE_MAX 80		/* [step 5] the longest line the child sends */
#define MESSAGE_WAIT_MS 60000	/* [step 5] how long the parent waits for it */

/* The options, and the go pipe; clone(2) copies them into the child. */
static int clone_flags;		/* the CLONE_NEW* flags for clone(2) */
static const char *hostname;	/* [step 3] -u NAME */
static int use_queue;		/* [step 5] -i: the child sends a line on a queue */
static const char *jail;	/* [step 6] -c DIR */
static char **command;		/* the command and its arguments, or NULL */
static int verbose;		/* -v */
static int go[2];		/* one byte from the parent lets the child go on */
static char queue_name[32];	/* [step 5] the child opens the queue by this name */
static mqd_t queue;		/* [step 5] the parent's end of the queue */
static int sent[2];		/* [step 5] the child closes its end once it has sent */

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
		"i:"	/* [step 5] */
		"c:"	/* [step 6] */
		"U"	/* [step 7] */
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
			       "  -i no|yes   send the parent a line on a message queue;\n"	/* [step 5] */
			       "              yes: from a new IPC namespace, which lacks it\n"	/* [step 5] */
			       "  -c DIR      jail the child in DIR (chroot); with -p -m, /proc in it\n"	/* [step 6] */
			       "  -U          new user namespace, whose root is you outside it\n"	/* [step 7] */
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

		/* [step 5: -i] take no or yes (else exit 125), the last -i
		 * counting: both mean a queue, yes also a new IPC namespace
		 * from clone(2) */
		case 'i':
			if (strcmp(optarg, "yes") == 0)
				clone_flags |= CLONE_NEWIPC;
			else if (strcmp(optarg, "no") == 0)
				clone_flags &= ~CLONE_NEWIPC;
			else
				errx(EXIT_SETUP, "-i takes no or yes, not %s", optarg);
			use_queue = 1;
			break;

		/* [step 6: -c] keep DIR, the jail */
		case 'c':
			jail = optarg;
			break;

		/* [step 7: -U] ask clone(2) for a new user namespace */
		case 'U':
			clone_flags |= CLONE_NEWUSER;
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

/* [step 5] child: open the parent's queue by name, prompt " Child: type a
 * line for the parent:", read a line of stdin and send it (mq_send(3)),
 * cut at MESSAGE_MAX bytes.  By name: a descriptor inherited through clone
 * would reach the queue from any IPC namespace and hide the lesson.  Once
 * the queue is open, its name can go: a killed parent then leaves nothing. */
static void send_message(void)
{
	char line[MESSAGE_MAX + 1], ch;
	size_t len = 0;
	mqd_t q = mq_open(queue_name, O_WRONLY | O_CLOEXEC);

	if (q == (mqd_t)-1) {
		warn("child: mq_open %s", queue_name);
		return;
	}
	mq_unlink(queue_name);
	printf(" Child: type a line for the parent:\n");
	fflush(stdout);
	/* A byte at a time: stdio would read ahead, into the command's input. */
	while (read(STDIN_FILENO, &ch, 1) == 1 && ch != '\n')
		if (len < sizeof(line))
			line[len++] = ch;
	if (len > MESSAGE_MAX) {
		len = MESSAGE_MAX;
		warnx("child: the line is cut at %d bytes", MESSAGE_MAX);
	}
	if (len > 0 && mq_send(q, line, len, 0) < 0)	/* nothing at end of input */
		warn("child: mq_send");
	mq_close(q);
}

/* [step 6] child: say " Child: entering jail DIR", chroot(2) into it and
 * chdir(2) to its /: chroot moves / but not the working directory, which
 * would stay outside.  With -p -m, make a /proc to mount proc on (mkdir(2)).
 * Give the command an environment that means something in there: PATH of
 * the usual places, HOME=/ and the caller's TERM (clearenv(3), setenv(3)). */
static void enter_jail(void)
{
	char term[256] = "";

	say(" Child: entering jail %s\n", jail);
	if (chroot(jail) < 0 || chdir("/") < 0)
		err(EXIT_SETUP, "chroot %s", jail);
	if ((clone_flags & CLONE_NEWNS) && (clone_flags & CLONE_NEWPID) &&
	    mkdir("/proc", 0555) < 0 && errno != EEXIST)
		err(EXIT_SETUP, "mkdir /proc in %s", jail);
	if (getenv("TERM") != NULL)
		snprintf(term, sizeof(term), "%s", getenv("TERM"));
	clearenv();
	setenv("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", 1);
	setenv("HOME", "/", 1);
	if (term[0] != '\0')
		setenv("TERM", term, 1);
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

	/* [step 6] with -c, enter the jail, before proc is mounted in it */
	if (jail != NULL)
		enter_jail();

	/* [step 2] with -m and -p, mount a proc that shows the new PID namespace */
	if ((clone_flags & CLONE_NEWNS) && (clone_flags & CLONE_NEWPID))
		mount_proc();

	/* [step 3] with -u, set the hostname */
	if (hostname != NULL)
		set_hostname();

	/* [step 5] with -i, send the parent a line and close our end of the
	 * sent pipe (the parent stops waiting), then wait for the end of the go
	 * pipe: the parent closes it once it has printed what it got, so that
	 * its line comes before anything the command prints */
	if (use_queue) {
		send_message();
		close(sent[1]);
		while (read(go[0], &byte, 1) > 0)
			;
	}

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

	/* [step 7] with -U, EPERM or ENOSPC: user namespaces are restricted here */
	if ((clone_flags & CLONE_NEWUSER) && (e == EPERM || e == ENOSPC))
		warnx("hint: this machine restricts user namespaces: LAB.md, Troubleshooting");

	return -1;
}

/* [step 6] parent: check the jail before anything is created: DIR must be
 * a directory we may enter (stat(2), access(2)).  0, or -1 after saying why. */
static int check_jail(void)
{
	struct stat st;

	if (stat(jail, &st) < 0)
		warn("-c %s", jail);
	else if (!S_ISDIR(st.st_mode))
		warnx("-c %s: %s", jail, strerror(ENOTDIR));
	else if (access(jail, X_OK) < 0)
		warn("-c %s", jail);
	else
		return 0;
	return -1;
}

/* [step 5] parent: say "Parent: creating message queue NAME" and create the
 * queue the child sends its line on (mq_open(3), mq_overview(7)), under a
 * random name, with O_EXCL: no other run holds it, not even one with our
 * PID in another PID namespace.  First the sent pipe (pipe2(2), O_CLOEXEC
 * like the go pipe), whose write end the child closes once it has sent its
 * line or given up.  0, or -1 after saying why. */
static int create_queue(void)
{
	struct mq_attr attr = { .mq_maxmsg = 1, .mq_msgsize = MESSAGE_MAX };
	unsigned long long r = 0;	/* should getrandom fail, O_EXCL still guards */

	if (pipe2(sent, O_CLOEXEC) < 0) {
		warn("pipe");
		return -1;
	}
	getrandom(&r, sizeof(r), 0);
	snprintf(queue_name, sizeof(queue_name), "/invoke_ns-%016llx", r);
	say("Parent: creating message queue %s\n", queue_name);
	queue = mq_open(queue_name, O_RDONLY | O_CREAT | O_EXCL | O_NONBLOCK | O_CLOEXEC,
			0600, &attr);
	if (queue != (mqd_t)-1)
		return 0;
	warn("mq_open %s", queue_name);
	return -1;
}

/* [step 5] parent: wait at most MESSAGE_WAIT_MS for the child's line, and
 * print "Parent: received message: LINE", each byte that is not printable
 * ASCII as \xHH so that none can garble the terminal, or "Parent: no
 * message from the child".  The wait ends early when the child closes its
 * end of the sent pipe (it does once it has sent, and exit does too): with
 * our copy of that end closed first, poll(2) sees POLLHUP on the read end.
 * Then the queue's name goes, if the child has not removed it, before the
 * print: a stdout that nobody reads cannot keep it alive. */
static void receive_message(void)
{
	struct pollfd pfd[2] = { { .fd = queue, .events = POLLIN }, { .fd = sent[0] } };
	char msg[MESSAGE_MAX];
	ssize_t len = -1;
	int n;

	close(sent[1]);	/* our copy of the write end: while open, no POLLHUP */
	do
		n = poll(pfd, 2, MESSAGE_WAIT_MS);
	while (n < 0 && errno == EINTR);
	if (n > 0)
		len = mq_receive(queue, msg, sizeof(msg), NULL);
	mq_unlink(queue_name);
	if (len >= 0) {
		printf("Parent: received message: ");
		for (ssize_t i = 0; i < len; i++)
			printf(msg[i] >= ' ' && msg[i] <= '~' ? "%c" : "\\x%02x",
			       (unsigned char)msg[i]);
		printf("\n");
	} else {
		printf("Parent: no message from the child%s\n", n == 0 ? " in 60 s" : "");
	}
	fflush(stdout);
	close(sent[0]);
}

/* [step 7] parent: say "Parent: writing FILE: TEXT" and write TEXT to
 * /proc/PID/FILE.  0, or -1 after saying why. */
static int write_proc_file(pid_t pid, const char *file, const char *text)
{
	char path[64];
	ssize_t len = (ssize_t)strlen(text), n = -1;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/%s", pid, file);
	say("Parent: writing %s: %s\n", file, text);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd >= 0) {
		n = write(fd, text, (size_t)len);
		if (n >= 0 && n != len)
			errno = EIO;	/* the kernel took part of a map */
		close(fd);
	}
	if (n == len)
		return 0;
	warn("write %s", path);
	return -1;
}

/* [step 7] parent: map root in the child's user namespace to the caller:
 * "0 UID 1" to uid_map, "deny" to setgroups, then "0 GID 1" to gid_map
 * (user_namespaces(7)).  Until then the child's ids are unmapped.  Without
 * privilege, gid_map may be written only once setgroups(2) is denied: root
 * in there could otherwise drop a group that keeps the caller out of a
 * file.  0, or -1. */
static int write_id_maps(pid_t pid)
{
	char map[64];

	snprintf(map, sizeof(map), "0 %d 1", getuid());
	if (write_proc_file(pid, "uid_map", map) < 0 ||
	    write_proc_file(pid, "setgroups", "deny") < 0)
		return -1;
	snprintf(map, sizeof(map), "0 %d 1", getgid());
	return write_proc_file(pid, "gid_map", map);
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

	/* [step 7] with -U, map the child's ids before it may go on.  If that
	 * fails it is never released: it reads end-of-file and exits 125 */
	if ((clone_flags & CLONE_NEWUSER) && write_id_maps(pid) < 0) {
		close(go[1]);
		waitpid(pid, NULL, 0);
		return EXIT_SETUP;
	}

	if (write(go[1], "x", 1) != 1)	/* the go byte: the child goes on */
		warn("release child");

	/* [step 5] with -i, wait for the child's line */
	if (use_queue)
		receive_message();

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

	/* [step 6] with -c, check the jail before anything is created */
	if (jail != NULL && check_jail() < 0)
		return EXIT_SETUP;

	if (pipe2(go, O_CLOEXEC) < 0)
		err(EXIT_SETUP, "pipe");
	say("Parent: PID of parent is %d\n", getpid());

	/* [step 5] with -i, create the sent pipe and the queue before the child,
	 * which opens it */
	if (use_queue && create_queue() < 0)
		return EXIT_SETUP;

	status = run_child();

	/* [step 5] whatever happened, remove the queue */
	if (use_queue) {
		mq_unlink(queue_name);
		mq_close(queue);
	}

	return status;
}
