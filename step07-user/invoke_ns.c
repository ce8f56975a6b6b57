/*
 * invoke_ns, step 7: a new user namespace (-U).
 *
 * Step 6 plus -U: the child gets a user namespace of its own, in which it
 * holds every capability.  Before releasing it, the parent maps root in
 * there to the caller's own uid and gid outside.  That is all the kernel
 * asks of an unprivileged user, and the child's new capabilities cover the
 * other namespaces it creates: every flag now works without sudo.
 *
 * Build:  cc -Wall -Wextra -o invoke_ns invoke_ns.c -lrt
 * Run:    ./invoke_ns -vUpmu calculus sh (no sudo), then id inside
 * Look:   cat /proc/CHILD/uid_map, and ps -o user,pid,cmd -p CHILD outside.
 * Read:   user_namespaces(7), capabilities(7)
 *
 * Comments that start with [step N] mark the code that step N adds, up to
 * [end of step N]: `make handout` turns each into a TODO for students.
 */
#define _GNU_SOURCE
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <mqueue.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* Exit statuses of invoke_ns itself, as chroot(1), env(1) and docker run use them. */
enum { EXIT_SETUP = 125, EXIT_CANNOT_RUN = 126, EXIT_NOT_FOUND = 127 };

#define STACK_SIZE (1024 * 1024)	/* the child's stack, until it execs */
#define GRACE_MS 2000			/* how long a signalled child may take to stop */

/* [step 5] the longest message (80 bytes) and the parent's wait (60 s) */
#define MESSAGE_MAX 80			/* the longest line the child sends */
#define MESSAGE_WAIT_MS 60000		/* how long the parent waits for it */
/* [end of step 5] */

/* [step 6] the PATH a jailed command gets */
/* The command's environment in the jail: the host's PATH, HOME and the rest
 * name places that need not exist there. */
#define JAIL_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
/* [end of step 6] */

#define PARENT "Parent"
#define CHILD  " Child"

struct options {
	int clone_flags;	/* the CLONE_NEW* flags for the namespaces asked for */
	/* [step 3] a field for the hostname that -u gives */
	const char *hostname;	/* -u: the child's hostname */
	/* [end of step 3] */
	/* [step 5] a field that says -i was given */
	int queue;		/* -i: the child sends a message on a queue */
	/* [end of step 5] */
	/* [step 6] a field for the jail's directory */
	const char *jail;	/* -c: the child's root directory */
	/* [end of step 6] */
	char **cmd;		/* the command and its arguments; NULL when none */
};

/* What the child gets from the parent; clone copies it with the rest of memory. */
struct child {
	const struct options *opts;
	int go[2];		/* the parent writes one byte on go[1] when setup is done */
	sigset_t old_mask;	/* the signal mask to restore before exec */
	/* [step 5] the queue's name, for the child, and the parent's descriptor */
	char queue_name[32];	/* -i: the parent's queue, "/invoke_ns-PID" */
	mqd_t queue;		/* -i: the parent's descriptor for it */
	/* [end of step 5] */
};

static int verbose;		/* -v */

static int child_main(void *arg);

static void usage(FILE *out)
{
	fprintf(out,
		"usage: invoke_ns [options] [cmd [arg...]]\n"
		"Run cmd in a child process in new namespaces (no cmd: set up, then exit).\n"
		"  -h          show this help and exit\n"
		"  -v          verbose: say what the parent and the child do\n"
		"  -p          new PID namespace\n"
		"  -m          new mount namespace (with -p, a fresh /proc)\n"
		"  -u NAME     new UTS namespace with hostname NAME\n"
		"  -n          new network namespace (only lo, down)\n"
		"  -i no|yes   the child sends a line to the parent on a message queue;\n"
		"              yes: from a new IPC namespace, where it cannot find it\n"
		"  -c DIR      jail the child in DIR (chroot); with -p -m, /proc in it\n"
		"  -U          new user namespace, whose root is you outside it\n");
}

/* -v: print one line for SIDE and flush it at once.  A line still in the
 * buffer would be copied into the child by clone and printed twice, or lost
 * when the child execs. */
static void say(const char *side, const char *fmt, ...)
{
	va_list ap;

	if (!verbose)
		return;
	printf("%s: ", side);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

/* A usage error: one line that says what is wrong, the usage, exit 125. */
static void bad_usage(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vwarnx(fmt, ap);
	va_end(ap);
	usage(stderr);
	exit(EXIT_SETUP);
}

/* Fill OPTS from the command line, or exit: 0 for -h, 125 for bad usage. */
static void parse_options(int argc, char **argv, struct options *opts)
{
	int c;

	/* '+' stops at the first non-option, so the command keeps its own
	 * options; ':' lets us word the errors ourselves. */
	while ((c = getopt(argc, argv, "+:hvpmu:ni:c:U")) != -1) {
		switch (c) {
		case 'h':
			usage(stdout);
			exit(EXIT_SUCCESS);
		case 'v':
			verbose = 1;
			break;
		case 'p':
			opts->clone_flags |= CLONE_NEWPID;
			break;
		case 'm':
			/* [step 2: -m] ask clone(2) for a new mount namespace */
			opts->clone_flags |= CLONE_NEWNS;
			/* [end of step 2] */
			break;
		case 'u':
			/* [step 3: -u] check NAME (1 to 64 bytes, else a usage
			 * error), keep it, ask clone(2) for a new UTS namespace */
			/* Checked here, so that a bad name creates nothing. */
			if (optarg[0] == '\0' || strlen(optarg) > HOST_NAME_MAX)
				bad_usage("-u: a hostname has 1 to %d bytes",
					  HOST_NAME_MAX);
			opts->clone_flags |= CLONE_NEWUTS;
			opts->hostname = optarg;
			/* [end of step 3] */
			break;
		case 'n':
			/* [step 4: -n] ask clone(2) for a new network namespace */
			opts->clone_flags |= CLONE_NEWNET;
			/* [end of step 4] */
			break;
		case 'i':
			/* [step 5: -i] no or yes (else a usage error); yes asks
			 * clone(2) for a new IPC namespace; both: a queue */
			if (strcmp(optarg, "yes") == 0)
				opts->clone_flags |= CLONE_NEWIPC;
			else if (strcmp(optarg, "no") != 0)
				bad_usage("-i takes no or yes, not %s", optarg);
			opts->queue = 1;
			/* [end of step 5] */
			break;
		case 'c':
			/* [step 6: -c] keep DIR */
			opts->jail = optarg;
			/* [end of step 6] */
			break;
		case 'U':
			/* [step 7: -U] ask clone(2) for a new user namespace */
			opts->clone_flags |= CLONE_NEWUSER;
			/* [end of step 7] */
			break;
		case ':':
			bad_usage("option -%c needs an argument", optopt);
			break;
		default:
			bad_usage("unknown option -%c", optopt);
		}
	}
	if (optind < argc)
		opts->cmd = &argv[optind];
}

/* parent: the setting that keeps unprivileged users out of user namespaces
 * on this machine, or NULL when none does. */
static const char *userns_restriction(void)
{
	static const struct {
		const char *path;	/* a sysctl, under /proc/sys */
		const char *value;	/* its value when it restricts */
	} knobs[] = {
		{ "/proc/sys/kernel/apparmor_restrict_unprivileged_userns", "1\n" },
		{ "/proc/sys/kernel/unprivileged_userns_clone", "0\n" },
		{ "/proc/sys/user/max_user_namespaces", "0\n" },
	};
	char value[16];
	size_t i;

	for (i = 0; i < sizeof(knobs) / sizeof(knobs[0]); i++) {
		FILE *f = fopen(knobs[i].path, "re");
		if (f == NULL)
			continue;
		if (fgets(value, sizeof(value), f) == NULL)
			value[0] = '\0';
		fclose(f);
		if (strcmp(value, knobs[i].value) == 0)
			return knobs[i].path;
	}
	return NULL;
}

/* parent: after a failure with EPERM (or ENOSPC, which a user namespace
 * limit of 0 gives), hint at the likely cause. */
static void hint_permission(int e, int flags)
{
	const char *knob;

	if (!(flags & CLONE_NEWUSER)) {
		if (e == EPERM)
			warnx("hint: creating namespaces needs root: run with sudo, or add -U");
		return;
	}
	if (e != EPERM && e != ENOSPC)
		return;
	knob = userns_restriction();
	if (knob != NULL)
		warnx("hint: %s restricts unprivileged user namespaces here", knob);
}

/* parent: say why clone failed, with a hint for the cause students hit. */
static void explain_clone_error(int flags)
{
	int e = errno;

	warn("clone");
	hint_permission(e, flags);
}

/* parent: block the signals it handles, and read them from the returned
 * descriptor instead of running handlers.  Then the main loop takes them one
 * at a time, and one that comes before the child exists is not lost.  The
 * child restores OLD before exec.  SIGPIPE is only blocked, so that writing
 * to a child that was killed early fails with EPIPE instead of killing us. */
static int take_signals(sigset_t *old)
{
	sigset_t set;
	int fd;

	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGQUIT);
	fd = signalfd(-1, &set, SFD_CLOEXEC);
	if (fd < 0)
		err(EXIT_SETUP, "signalfd");
	sigaddset(&set, SIGPIPE);
	sigprocmask(SIG_BLOCK, &set, old);
	return fd;
}

/* parent: clone the child into the namespaces in OPTS.  Its PID, or -1. */
static pid_t start_child(const struct options *opts, struct child *c)
{
	char *stack;
	pid_t pid;

	c->opts = opts;
	if (pipe2(c->go, O_CLOEXEC) < 0) {
		warn("pipe");
		return -1;
	}
	/* A mapping of its own, not the heap: the child gets a copy of it
	 * and lets it go with everything else when it execs or exits. */
	stack = mmap(NULL, STACK_SIZE, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
	if (stack == MAP_FAILED) {
		warn("mmap");
		pid = -1;
	} else {
		/* The stack grows down: pass its top.  SIGCHLD: tell us when it ends. */
		pid = clone(child_main, stack + STACK_SIZE,
			    opts->clone_flags | SIGCHLD, c);
		if (pid < 0)
			explain_clone_error(opts->clone_flags);
		/* The child runs on its own copy, which clone made. */
		munmap(stack, STACK_SIZE);
	}
	close(c->go[0]);
	if (pid < 0)
		close(c->go[1]);
	return pid;
}

/* parent: let the child go on past its setup. */
static void release_child(struct child *c)
{
	if (write(c->go[1], "x", 1) != 1)
		warn("release child");
}

/* parent: milliseconds on a clock that only moves forward. */
static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/* parent: poll's timeout for DEADLINE: -1 (none) when there is none. */
static int ms_until(long long deadline)
{
	long long left = deadline - now_ms();

	if (deadline < 0)
		return -1;
	return left > 0 ? (int)left : 0;
}

/* parent: pass SIG on to the child.  A PID 1 ignores every signal it has no
 * handler for, so the first one starts a grace period (returned as a
 * deadline) and a second one kills at once. */
static long long forward(pid_t pid, int sig, int *count)
{
	kill(pid, sig);
	if (++*count > 1) {
		kill(pid, SIGKILL);
		return -1;
	}
	return now_ms() + GRACE_MS;
}

/* parent: wait for the child to end, forwarding the signals meant to stop
 * it, and SIGKILL it if the grace period runs out.  Its wait status. */
static int supervise(pid_t pid, int sigfd)
{
	struct signalfd_siginfo si;
	struct pollfd pfd = { .fd = sigfd, .events = POLLIN };
	long long deadline = -1;
	int count = 0, status;

	for (;;) {
		int n = poll(&pfd, 1, ms_until(deadline));
		if (n == 0 || (n < 0 && errno != EINTR)) {
			kill(pid, SIGKILL);	/* grace over, or poll broke */
			deadline = -1;
			continue;
		}
		if (n < 0 || read(sigfd, &si, sizeof(si)) != sizeof(si))
			continue;
		if (si.ssi_signo != SIGCHLD)
			deadline = forward(pid, (int)si.ssi_signo, &count);
		else if (waitpid(pid, &status, WNOHANG) == pid)
			return status;
	}
}

/* parent: the child's wait status as our exit status (128+N for signal N). */
static int exit_status(int status)
{
	if (WIFSIGNALED(status)) {
		say(PARENT, "child was killed by signal %d", WTERMSIG(status));
		return 128 + WTERMSIG(status);
	}
	say(PARENT, "child exited with status %d", WEXITSTATUS(status));
	return WEXITSTATUS(status);
}

/* [step 6] check_jail(): before anything is created, check that DIR exists,
 * is a directory and can be searched: one line and -1 if not (stat(2),
 * access(2)) */
/* parent: check the jail before anything is created.  0, or -1. */
static int check_jail(const char *dir)
{
	struct stat st;

	if (stat(dir, &st) < 0) {
		warn("-c %s", dir);
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		warnx("-c %s: Not a directory", dir);
		return -1;
	}
	if (access(dir, X_OK) < 0) {
		warn("-c %s", dir);
		return -1;
	}
	return 0;
}
/* [end of step 6] */

/* [step 7] write_id_maps(): map root in the child's user namespace to the
 * caller: "0 UID 1" into /proc/PID/uid_map, "deny" into /proc/PID/setgroups,
 * then "0 GID 1" into /proc/PID/gid_map (user_namespaces(7)); and
 * abandon_child(): when that fails, close the go pipe and reap the child */
/* parent: write TEXT to /proc/PID/FILE.  0, or -1 after saying why. */
static int write_proc_file(pid_t pid, const char *file, const char *text)
{
	char path[64];
	size_t len = strlen(text);
	int fd, e;

	snprintf(path, sizeof(path), "/proc/%ld/%s", (long)pid, file);
	say(PARENT, "writing %s: %s", file, text);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd >= 0) {
		ssize_t n = write(fd, text, len);
		if (n == (ssize_t)len) {
			close(fd);
			return 0;
		}
		if (n >= 0)
			errno = EIO;	/* the kernel took part of a map */
	}
	e = errno;
	warn("write %s", path);
	if (fd >= 0)
		close(fd);
	hint_permission(e, CLONE_NEWUSER);
	return -1;
}

/* parent: map root in the child's user namespace to our uid and gid.  The
 * child has to wait for this: until then its ids are unmapped, it is no
 * one (the overflow id, 65534) in there.  0, or -1. */
static int write_id_maps(pid_t pid)
{
	char map[64];

	/* One line: inside id 0, outside id ours, a range of 1 id. */
	snprintf(map, sizeof(map), "0 %ld 1", (long)getuid());
	if (write_proc_file(pid, "uid_map", map) < 0)
		return -1;
	/* Without privilege, gid_map may be written only once setgroups(2) is
	 * denied in the namespace: otherwise its root could drop a group
	 * that a file's permissions use to keep the caller out. */
	if (write_proc_file(pid, "setgroups", "deny") < 0)
		return -1;
	snprintf(map, sizeof(map), "0 %ld 1", (long)getgid());
	return write_proc_file(pid, "gid_map", map);
}

/* parent: give up on a child that was never released.  It reads end-of-file
 * on the go pipe and exits 125; reap it, so that nothing is left.  125. */
static int abandon_child(pid_t pid, struct child *c)
{
	close(c->go[1]);
	waitpid(pid, NULL, 0);
	return EXIT_SETUP;
}
/* [end of step 7] */

/* [step 5] the parent's side of the queue: create_queue() with mq_open(3)
 * (O_CREAT | O_EXCL, a name of the run's own), remove_queue() with mq_close
 * and mq_unlink, receive_message() that waits at most 60 s with poll(2) on
 * the queue and on the go pipe, and prints what came (mq_overview(7)) */
/* parent: create the queue the child will send its message on.  0, or -1. */
static int create_queue(struct child *c)
{
	struct mq_attr attr = { .mq_maxmsg = 1, .mq_msgsize = MESSAGE_MAX };
	int flags = O_RDONLY | O_CREAT | O_EXCL | O_NONBLOCK | O_CLOEXEC;

	/* A name of our own.  One left under it is from an earlier run with
	 * our PID that was killed before it could clean up: it can go. */
	snprintf(c->queue_name, sizeof(c->queue_name), "/invoke_ns-%ld",
		 (long)getpid());
	c->queue = mq_open(c->queue_name, flags, 0600, &attr);
	if (c->queue == (mqd_t)-1 && errno == EEXIST) {
		mq_unlink(c->queue_name);
		c->queue = mq_open(c->queue_name, flags, 0600, &attr);
	}
	if (c->queue == (mqd_t)-1) {
		warn("mq_open %s", c->queue_name);
		return -1;
	}
	say(PARENT, "created message queue %s", c->queue_name);
	return 0;
}

/* parent: close the queue and remove its name, so that nothing is left. */
static void remove_queue(struct child *c)
{
	mq_close(c->queue);
	mq_unlink(c->queue_name);
}

/* parent: print what receive_message() found, now (stdout may be a pipe). */
static void report_message(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	fflush(stdout);
}

/* parent: wait for the child's message and print it.  The wait ends early
 * when the child closes its end of the go pipe (exec and exit do: by then it
 * has sent all it will), or when a signal comes (supervise() reads it). */
static void receive_message(struct child *c, int sigfd)
{
	struct pollfd pfd[3] = {
		{ .fd = c->queue, .events = POLLIN },
		{ .fd = c->go[1], .events = 0 },	/* POLLERR: no reader left */
		{ .fd = sigfd, .events = POLLIN },
	};
	long long deadline = now_ms() + MESSAGE_WAIT_MS;
	char msg[MESSAGE_MAX];

	for (;;) {
		/* The queue first: a message sent just before exec is there. */
		ssize_t len = mq_receive(c->queue, msg, sizeof(msg), NULL);
		if (len >= 0) {
			report_message("Parent: received message: %.*s\n", (int)len, msg);
			return;
		}
		if (pfd[1].revents || pfd[2].revents) {
			report_message("Parent: no message from the child\n");
			return;
		}
		if (poll(pfd, 3, ms_until(deadline)) == 0) {
			report_message("Parent: no message from the child within %d seconds\n",
				       MESSAGE_WAIT_MS / 1000);
			return;
		}
	}
}
/* [end of step 5] */

/* child: wait for the parent's go byte.  False if the parent died first (or
 * gave up): then its end of the pipe is closed and read sees end-of-file.
 * getppid() cannot tell us, it is 0 in a new PID namespace. */
static int wait_for_parent(struct child *c)
{
	char go;

	close(c->go[1]);
	return read(c->go[0], &go, 1) == 1;
}

/* [step 2] make_mounts_private(): make / and every mount below it private,
 * so that no mount made in the container reaches the host (mount(2) with
 * MS_REC | MS_PRIVATE; mount_namespaces(7), "shared subtrees") */
/* child: stop mount events from crossing between us and the host. */
static void make_mounts_private(void)
{
	/* The new namespace starts as a copy of the host's mounts, with the
	 * same propagation: on systemd hosts / is shared, and a proc mounted
	 * on /proc would land on the host's /proc too.  MS_PRIVATE cuts that
	 * link, MS_REC for every mount below / as well. */
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		err(EXIT_SETUP, "make / private");
}
/* [end of step 2] */

/* [step 6] enter_jail(): chroot(2) to DIR, chdir(2) to its /, then
 * set_jail_environment(): PATH=JAIL_PATH, HOME=/ and the caller's TERM,
 * nothing else (clearenv(3), setenv(3)); and mount_proc() creates /proc
 * first when the jail has none (mkdir(2)) */
/* child: give the command a small environment that means something in the
 * jail: PATH of the usual places, HOME=/, and TERM if the caller had one. */
static void set_jail_environment(void)
{
	const char *term = getenv("TERM");
	char term_copy[64] = "";

	if (term != NULL)
		snprintf(term_copy, sizeof(term_copy), "%s", term);
	clearenv();
	setenv("PATH", JAIL_PATH, 1);
	setenv("HOME", "/", 1);
	if (term_copy[0] != '\0')
		setenv("TERM", term_copy, 1);
}

/* child: make DIR our root directory, stand in it, and give the command
 * the jail's environment. */
static void enter_jail(const char *dir)
{
	say(CHILD, "entering jail %s", dir);
	if (chroot(dir) < 0)
		err(EXIT_SETUP, "chroot %s", dir);
	/* chroot moves / but not the working directory, which would stay
	 * outside the jail and let the command walk back to the host. */
	if (chdir("/") < 0)
		err(EXIT_SETUP, "chdir / in %s", dir);
	set_jail_environment();
}

/* [end of step 6] */

/* [step 2] mount_proc(): mount a new proc on /proc (mount(2), proc(5)) */
/* child: mount a proc of our own PID namespace on /proc. */
static void mount_proc(void)
{
	/* [step 6] create /proc if it is missing (mkdir(2)) */
	/* A jail may have no /proc to mount on yet. */
	if (mkdir("/proc", 0555) < 0 && errno != EEXIST)
		err(EXIT_SETUP, "mkdir /proc");
	/* [end of step 6] */
	/* A proc shows the PID namespace of whoever mounted it: the one we
	 * inherited still shows the host's processes, by the host's PIDs. */
	say(CHILD, "mounting proc at /proc");
	if (mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
		err(EXIT_SETUP, "mount proc at /proc");
}
/* [end of step 2] */

/* [step 3] set_hostname(): set the hostname in the new UTS namespace
 * (sethostname(2), uts_namespaces(7)) */
/* child: name our UTS namespace; the host keeps its own name. */
static void set_hostname(const char *name)
{
	say(CHILD, "setting hostname to %s", name);
	if (sethostname(name, strlen(name)) < 0)
		err(EXIT_SETUP, "sethostname %s", name);
}
/* [end of step 3] */

/* [step 5] the child's side: read_line() reads one line of stdin with
 * read(2), send_message() opens the queue by name and sends it (mq_send(3)) */
/* child: read one line from stdin, and keep at most MESSAGE_MAX bytes of it.
 * One byte at a time with read(2): stdio would read ahead and swallow input
 * that belongs to the command.  The length kept; 0 at end of input. */
static size_t read_line(char *line)
{
	size_t len = 0;
	char ch;

	while (read(STDIN_FILENO, &ch, 1) == 1 && ch != '\n')
		if (len < MESSAGE_MAX)
			line[len++] = ch;
	return len;
}

/* child: open the parent's queue by name and send it one line from stdin.
 * By name: the copy of the parent's descriptor that clone gave us would
 * reach the queue from any IPC namespace, and hide the lesson. */
static void send_message(struct child *c)
{
	char line[MESSAGE_MAX];
	size_t len;
	mqd_t q;

	mq_close(c->queue);
	q = mq_open(c->queue_name, O_WRONLY | O_CLOEXEC);
	if (q == (mqd_t)-1) {
		warn("child: mq_open %s", c->queue_name);
		return;
	}
	printf(" Child: type a line for the parent:\n");
	fflush(stdout);
	len = read_line(line);
	if (len == 0)
		say(CHILD, "nothing to send");
	else if (mq_send(q, line, len, 0) < 0)
		warn("child: mq_send");
	mq_close(q);
}
/* [end of step 5] */

/* child: inside the new namespaces.  Set up, then become the command. */
static int child_main(void *arg)
{
	struct child *c = arg;
	const struct options *opts = c->opts;
	char **cmd = opts->cmd;
	int e;

	/* The kernel kills us when the parent dies: a container nobody waits
	 * for is of no use.  Set before waiting, so the pipe covers the gap. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (!wait_for_parent(c))
		_exit(EXIT_SETUP);
	sigprocmask(SIG_SETMASK, &c->old_mask, NULL);
	say(CHILD, "PID of child is %ld", (long)getpid());
	/* [step 2] with -m, make the mounts private */
	if (opts->clone_flags & CLONE_NEWNS)
		make_mounts_private();
	/* [end of step 2] */
	/* [step 6] with -c, enter the jail (before proc is mounted in it) */
	if (opts->jail != NULL)
		enter_jail(opts->jail);
	/* [end of step 6] */
	/* [step 2] with -m and -p, mount a proc that shows the new PID namespace */
	if ((opts->clone_flags & CLONE_NEWNS) && (opts->clone_flags & CLONE_NEWPID))
		mount_proc();
	/* [end of step 2] */
	/* [step 3] with -u, set the hostname */
	if (opts->hostname != NULL)
		set_hostname(opts->hostname);
	/* [end of step 3] */
	/* [step 5] with -i, send the parent a message */
	if (opts->queue)
		send_message(c);
	/* [end of step 5] */
	if (cmd == NULL) {
		say(CHILD, "no command, exiting");
		return EXIT_SUCCESS;
	}
	say(CHILD, "executing %s", cmd[0]);
	/* go[0] and the parent's descriptors are O_CLOEXEC: exec closes them. */
	execvp(cmd[0], cmd);
	e = errno;	/* before warn, which may change it */
	warn("exec %s", cmd[0]);
	_exit(e == ENOENT ? EXIT_NOT_FOUND : EXIT_CANNOT_RUN);
}

int main(int argc, char **argv)
{
	struct options opts = { 0 };
	struct child c = { 0 };
	int sigfd, status;
	pid_t pid;

	parse_options(argc, argv, &opts);
	/* [step 6] with -c, check the jail first */
	if (opts.jail != NULL && check_jail(opts.jail) < 0)
		return EXIT_SETUP;
	/* [end of step 6] */
	say(PARENT, "PID of parent is %ld", (long)getpid());
	sigfd = take_signals(&c.old_mask);
	/* [step 5] with -i, create the queue before the child */
	if (opts.queue && create_queue(&c) < 0) {
		close(sigfd);
		return EXIT_SETUP;
	}
	/* [end of step 5] */
	pid = start_child(&opts, &c);
	/* [step 5] no child: remove the queue */
	if (pid < 0 && opts.queue)
		remove_queue(&c);
	/* [end of step 5] */
	if (pid < 0) {
		close(sigfd);
		return EXIT_SETUP;
	}
	say(PARENT, "PID of child is %ld", (long)pid);
	/* [step 7] with -U, map the child's ids before it may go on */
	if ((opts.clone_flags & CLONE_NEWUSER) && write_id_maps(pid) < 0) {
		if (opts.queue)
			remove_queue(&c);
		close(sigfd);
		return abandon_child(pid, &c);
	}
	/* [end of step 7] */
	release_child(&c);
	/* [step 5] with -i, wait for the message, then remove the queue */
	if (opts.queue) {
		receive_message(&c, sigfd);
		remove_queue(&c);
	}
	/* [end of step 5] */
	status = supervise(pid, sigfd);
	/* Where a security module restricts user namespaces (Ubuntu's
	 * AppArmor), clone works but the child may do nothing: it fails its
	 * setup with EPERM and exits 125.  Say which setting it is. */
	if ((opts.clone_flags & CLONE_NEWUSER) && WIFEXITED(status) &&
	    WEXITSTATUS(status) == EXIT_SETUP)
		hint_permission(EPERM, CLONE_NEWUSER);
	close(c.go[1]);
	close(sigfd);
	return exit_status(status);
}
