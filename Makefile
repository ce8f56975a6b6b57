# invoke_ns lab: build, test, tour and grade the seven steps.
#   make            build every step present (each stepNN-*/invoke_ns)
#   make check      build, then run the bats suites (STEP=N for one step)
#   make check-all  lint, check, then the long suites: grading a course,
#                   the workflow, the quick start on a fresh Debian (CI)
#   make demo       build, then tour the steps: which namespaces each makes
#   make jail       build ./jail, a chroot jail for step 6 and 7
#   make diff STEP=N   what step N adds to step N-1
#   make steps      rewrite steps 1-6 from step 7, the one source of the code
#   make sync-check check that steps 1-6 are what make steps would write
#   make lint       gcc and clang warnings, cppcheck, shellcheck, a UBSan run
#   make bench      launch cost of each step against unshare(1) (hyperfine)
#   make deps       install the build and test dependencies
#   make doctor     can every step run here? what to fix, one command each
#   make apparmor   (Ubuntu 23.10+, sudo) let step 7 make user namespaces;
#                   make apparmor-remove undoes it
#   make handout DEST=DIR   the students' copy: steps 2-7 as TODOs
#   make next STEP=N [FORCE=1]   (in a handout) your step N-1 into step N's
#                   file; FORCE=1 replaces a step N you have begun
#   make grade SUBMISSIONS=DIR [OUT=DIR] [STUDENTS="a b"]
#                   grade each student's copy in DIR (or only those named)
#   make clean      remove what the targets above made

CC ?= cc
CFLAGS ?= -Wall -Wextra -Werror -O2 -g
LDLIBS = -lrt

STEPS := $(sort $(wildcard step0[1-7]-*))
BINS := $(addsuffix /invoke_ns,$(STEPS))

.PHONY: all check check-all clean demo jail diff lint bench deps doctor apparmor apparmor-remove \
	handout next grade steps sync-check

all: $(BINS)

# Each step is one standalone file, built on its own (its header gives the
# command to build it by hand; here warnings are errors).
%/invoke_ns: %/invoke_ns.c
	$(CC) $(CFLAGS) -o $@ $< $(LDLIBS)

check: all sync-check
	@scripts/check.sh $${STEP:+"$$STEP"}

# The suites that take minutes each, with root: run one after the other.
check-all: lint check
	@bats tests/grade.bats tests/workflow.bats tests/quickstart.bats

demo: all
	@scripts/demo.sh

jail:
	@scripts/mkjail.sh jail

# git diff pages and colours on a terminal; its status 1 only means "they differ".
diff:
	@case "$$STEP" in [2-7]) ;; *) echo 'make diff STEP=N, with N from 2 to 7' >&2; exit 2 ;; esac; \
	set -- step0$$((STEP - 1))-*/invoke_ns.c step0$$STEP-*/invoke_ns.c; \
	[ -f "$$1" ] && [ -f "$$2" ] || { echo "make diff: no step $$((STEP - 1)) or $$STEP here" >&2; exit 2; }; \
	git diff --no-index -- "$$@" || [ $$? -eq 1 ]

steps:
	@scripts/steps.sh write

sync-check:
	@scripts/steps.sh check

lint:
	@scripts/lint.sh

bench: all
	@scripts/bench.sh

deps:
	@scripts/deps.sh

doctor:
	@scripts/doctor.sh

apparmor:
	@scripts/apparmor.sh

apparmor-remove:
	@scripts/apparmor.sh --remove

# The recipes read what the command line gives from the environment, where
# make puts it: a value with spaces, quotes or a ; is a word, never code.
handout:
	@scripts/handout.sh "$$DEST"

next:
	@FORCE="$${FORCE-}" scripts/next.sh $${STEP:+"$$STEP"}

grade:
	@STUDENTS="$$STUDENTS" scripts/grade.sh "$$SUBMISSIONS" $${OUT:+"$$OUT"}

clean:
	rm -f $(BINS)
	rm -rf tests/reports jail
