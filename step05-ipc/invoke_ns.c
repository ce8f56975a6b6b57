/*
 * invoke_ns, step 5: a new IPC namespace (-i no|yes).
 *
 * Step 4 plus -i: the parent creates a POSIX message queue, the child opens
 * it by name and sends one line from stdin.  With -i yes the child is in a
 * new IPC namespace, where no queue of that name exists: its open fails.
 *
 * Build:  cc -Wall -Wextra -o invoke_ns invoke_ns.c -lrt
 * Run:    echo hello | sudo ./invoke_ns -vp -i no, then -i yes
 * Read:   ipc_namespaces(7), mq_overview(7), mq_open(3)
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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>		/* [step 2] */
#include <sys/prctl.h>
#include <sys/random.h>		/* [step 5] */
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
static char **command;		/* the command and its arguments, or NULL */
static int verbose;		/* -v */
static int go[2];		/* a byte from the parent lets the child go on */
static char queue_name[32];	/* [step 5] the child opens the queue by this name */
static mqd_t queue;		/* [step 5] the parent's end; in the child, its own */
static int queue_errno;		/* [step 5] why the child could not open it */
static int sent[2];		/* [step 5] the child closes its end once it has sent */

/* -v: print, and flush at once: clone would copy a buffer into the child. */
#define say(...) (void)(verbose && printf(__VA_ARGS__) >= 0 && fflush(stdout))

/* Read the options, or exit: 0 for -h, 125 for bad usage.  '+': the first
 * word that is not an option starts the command; ':': we word the errors. */
static void parse_options(int argc, char **argv)
{
	const char *letters = "+:hvp"
		"m"	/* [step 2] */
		"u:"	/* [step 3] */
		"n"	/* [step 4] */
		"i:";	/* [step 5] */
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
			       "              yes: from a new IPC namespace, which lacks it\n");	/* [step 5] */
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

		/* [step 5: -i] take no or yes (else exit 125 with a message that
		 * names -i): both mean a queue, yes also a new IPC namespace */
		case 'i':
			if (strcmp(optarg, "no") != 0 && strcmp(optarg, "yes") != 0)
				errx(EXIT_SETUP, "-i takes no or yes, not %s", optarg);
			use_queue = 1;
			clone_flags &= ~CLONE_NEWIPC;	/* the last -i counts */
			clone_flags |= optarg[0] == 'y' ? CLONE_NEWIPC : 0;
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

/* [step 5] child: say why the queue did not open, or prompt " Child: type a
 * line for the parent:", read a line of stdin and send it (mq_send(3)), at
 * most MESSAGE_MAX bytes.  A byte at a time (read(2)): stdio reads ahead. */
static void send_message(void)
{
	char line[MESSAGE_MAX], ch;
	size_t len = 0;

	if (queue == (mqd_t)-1) {
		warnx("child: mq_open %s: %s", queue_name, strerror(queue_errno));
		return;
	}
	printf(" Child: type a line for the parent:\n");
	fflush(stdout);
	while (read(STDIN_FILENO, &ch, 1) == 1 && ch != '\n')
		if (len < sizeof(line))
			line[len++] = ch;
	if (len > 0 && mq_send(queue, line, len, 0) < 0)
		warn("child: mq_send");
}

/* The child, in the new namespaces: it sets them up, then execs. */
static int child_main(void *unused)
{
	char byte;

	(void)unused;
	/* [step 5] with -i, open the queue by name (mq_open(3)) in our IPC
	 * namespace, not through a descriptor, which reaches it from any; then
	 * remove the name, which no parent killed from now on can leave behind */
	if (use_queue) {
		queue = mq_open(queue_name, O_WRONLY | O_CLOEXEC);
		queue_errno = errno;
		mq_unlink(queue_name);
	}

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

	/* [step 5] with -i, send a line, close the sent pipe (the parent stops
	 * waiting) and wait for the end of the go pipe (the parent has printed) */
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

/* [step 5] parent: say "Parent: creating message queue NAME" and create it
 * (mq_overview(7)), NAME random (getrandom(2)) and O_EXCL: no other run
 * has it.  0, or -1 after saying why. */
static int create_queue(void)
{
	struct mq_attr attr = { .mq_maxmsg = 1, .mq_msgsize = MESSAGE_MAX };
	unsigned long long r = 0;	/* should getrandom fail, O_EXCL still guards */

	getrandom(&r, sizeof(r), 0);
	snprintf(queue_name, sizeof(queue_name), "/invoke_ns-%016llx", r);
	say("Parent: creating message queue %s\n", queue_name);
	queue = mq_open(queue_name, O_RDONLY | O_CREAT | O_EXCL | O_NONBLOCK | O_CLOEXEC, 0600, &attr);
	if (queue == (mqd_t)-1)
		warn("mq_open %s", queue_name);
	return queue == (mqd_t)-1 ? -1 : 0;
}

/* [step 5] parent: wait for the line, MESSAGE_WAIT_MS at most, or until the
 * child closes the sent pipe (poll(2) sees POLLHUP), and print "Parent:
 * received message: LINE" (? for a byte that is not printable ASCII) or
 * "Parent: no message from the child".  -1 if the wait timed out. */
static int receive_message(void)
{
	struct pollfd pfd[2] = { { .fd = queue, .events = POLLIN }, { .fd = sent[0] } };
	char msg[MESSAGE_MAX];
	int n = poll(pfd, 2, MESSAGE_WAIT_MS);
	ssize_t len = n > 0 ? mq_receive(queue, msg, sizeof(msg), NULL) : -1;

	for (ssize_t i = 0; i < len; i++)
		msg[i] = msg[i] >= ' ' && msg[i] <= '~' ? msg[i] : '?';
	if (len >= 0)
		printf("Parent: received message: %.*s\n", (int)len, msg);
	else
		printf("Parent: no message from the child%s\n", n == 0 ? " in 60 s" : "");
	fflush(stdout);
	return n == 0 ? -1 : 0;
}

/* Supervision: with -p the command is PID 1, and the kernel spares a PID 1
 * every signal it neither catches nor ignores (pid_namespaces(7)).  Does
 * PID catch or ignore SIG?  Its masks are in /proc/PID/status (proc(5)). */
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

/* Supervision: release the child, then stand in for it until it ends.
 * Block the signals we pass on first (those the caller ignores stay so) and
 * take them in turn with sigwaitinfo(2): no handler, so nothing runs in the
 * middle of anything.  Ctrl-C reaches a child in our process group from
 * the terminal itself: pass on only what it did not get.  Its wait status. */
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
	if (write(go[1], "x", 1) != 1)	/* the go byte: the child goes on */
		warn("release child");
	close(go[1]);
	while (waitpid(pid, &status, WNOHANG) == 0)
		if (sigwaitinfo(&set, &si) < 0 || si.si_signo == SIGCHLD)
			continue;
		else if ((clone_flags & CLONE_NEWPID) && !heeds(pid, si.si_signo))
			kill(pid, SIGKILL);	/* as PID 1 it would drop the signal */
		else if (si.si_code != SI_KERNEL || getpgid(pid) != getpgrp())
			kill(pid, si.si_signo);
	sigprocmask(SIG_SETMASK, &old, NULL);
	return status;
}

/* parent: clone the child, held on the go pipe, set it up, release it and
 * wait: its exit status is ours (128+N if signal N killed it). */
static int run_child(void)
{
	static _Alignas(16) char stack[1024 * 1024];	/* the child's, until exec */
	/* A stack grows down: pass its top.  SIGCHLD: tell us when it ends. */
	pid_t pid = clone(child_main, stack + sizeof(stack), clone_flags | SIGCHLD, NULL);
	int e = errno, status;

	close(go[0]);
	/* [step 5] the sent pipe's write end is the child's now.  No child to
	 * open the queue, or one in an IPC namespace of its own: remove its name */
	if (use_queue)
		close(sent[1]);
	if (use_queue && (pid < 0 || (clone_flags & CLONE_NEWIPC)))
		mq_unlink(queue_name);

	if (pid < 0) {
		warnx("clone: %s", strerror(e));
		if (e == EPERM && geteuid() != 0 && !(clone_flags & CLONE_NEWUSER))
			warnx("hint: creating namespaces needs root: use sudo, or -U from step 7 on");
		return EXIT_SETUP;
	}
	signal(SIGPIPE, SIG_IGN);	/* a write to a dead child's pipe fails */
	/* Off a terminal, the child gets a process group of its own: a signal
	 * sent to ours (timeout(1), kill -- -PGID) reaches it once, through us.
	 * On a terminal it shares ours, to read from the terminal. */
	if (!isatty(STDIN_FILENO))
		setpgid(pid, pid);
	say("Parent: PID of child is %d\n", pid);

	/* [step 5] with -i, let the child set up and send its line, and print
	 * it; with no line in 60 s, end the child: setup failed */
	if (use_queue && (write(go[1], "x", 1) != 1 || receive_message() < 0)) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		return EXIT_SETUP;
	}

	status = supervise(pid);
	if (WIFSIGNALED(status))
		say("Parent: child was killed by signal %d\n", WTERMSIG(status));
	else
		say("Parent: child exited with status %d\n", WEXITSTATUS(status));
	return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
}

int main(int argc, char **argv)
{
	int fd;

	/* Descriptors 0-2 open (on /dev/null), so that nothing we open lands
	 * there; SIGCHLD at its default, or there would be no child to wait for. */
	while ((fd = open("/dev/null", O_RDWR)) >= 0 && fd <= STDERR_FILENO)
		;
	close(fd);
	signal(SIGCHLD, SIG_DFL);
	parse_options(argc, argv);

	if (pipe2(go, O_CLOEXEC) < 0)
		err(EXIT_SETUP, "pipe");
	say("Parent: PID of parent is %d\n", getpid());

	/* [step 5] with -i, the sent pipe and the queue, before the child */
	if (use_queue && pipe2(sent, O_CLOEXEC) < 0)
		err(EXIT_SETUP, "pipe");
	if (use_queue && create_queue() < 0)
		return EXIT_SETUP;

	return run_child();
}
