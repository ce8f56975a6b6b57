/*
 * die_in_child.c: preloaded into invoke_ns (LD_PRELOAD), it ends invoke_ns's
 * child with SIGKILL at the child's first call of the function $DIE_AT names
 * (prctl or mq_unlink), as a kill from outside would at that moment.  The
 * parent, at its setpgid(2) call (made right after clone when no descriptor
 * 0-2 is a terminal), first waits for that death, so that what it does next
 * always meets a dead child.  For children that are not PID 1 (no -p): a PID
 * 1 cannot kill itself.
 *
 * Build:  cc -shared -fPIC -o die_in_child.so die_in_child.c -ldl
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static pid_t parent;	/* invoke_ns itself: the process that loaded us */

__attribute__((constructor)) static void remember_parent(void)
{
	parent = getpid();
}

/* In the child, at the function DIE_AT names: SIGKILL.  Not raise(3): after
 * clone(2), the thread id it would use is the parent's. */
static void die_if_at(const char *name)
{
	const char *at = getenv("DIE_AT");

	if (getpid() != parent && at != NULL && strcmp(at, name) == 0)
		kill(getpid(), SIGKILL);
}

int prctl(int option, ...)
{
	int (*real)(int, ...) = (int (*)(int, ...))dlsym(RTLD_NEXT, "prctl");
	unsigned long arg[4];
	va_list ap;

	die_if_at("prctl");
	va_start(ap, option);
	for (int i = 0; i < 4; i++)
		arg[i] = va_arg(ap, unsigned long);
	va_end(ap);
	return real(option, arg[0], arg[1], arg[2], arg[3]);
}

int mq_unlink(const char *name)
{
	int (*real)(const char *) = (int (*)(const char *))dlsym(RTLD_NEXT, "mq_unlink");

	die_if_at("mq_unlink");
	return real(name);
}

/* In the parent: wait until the child has died (WNOWAIT leaves its status
 * to invoke_ns), then do what was asked. */
int setpgid(pid_t pid, pid_t pgid)
{
	int (*real)(pid_t, pid_t) = (int (*)(pid_t, pid_t))dlsym(RTLD_NEXT, "setpgid");
	siginfo_t si;

	if (getpid() == parent && pid != 0 && getenv("DIE_AT") != NULL)
		waitid(P_PID, pid, &si, WEXITED | WNOWAIT);
	return real(pid, pgid);
}
