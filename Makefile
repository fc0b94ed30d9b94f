# actorc — one non-recursive GNU Makefile; each folder adds a fragment (build.mk).
#
#   make               build actorc, libactor and the examples
#   make demo          install missing build dependencies, build, run an example
#   make check         all tests, under AddressSanitizer + UndefinedBehaviorSanitizer
#   make regen         rewrite gen/ and the codegen goldens with the current actorc
#   make bench         benchmarks, as ratios against anchors run beside them
#   make fuzz          the libFuzzer targets, longer (FUZZ_SECONDS=300)
#   make install PREFIX=/usr/local
#   make format        clang-format the hand-written sources
#
# SANITIZER=address,undefined (or thread) builds everything instrumented into
# build/san-<name>/ so sanitized and plain objects never mix.

.SUFFIXES:
.DELETE_ON_ERROR:
SHELL := /bin/bash

PREFIX ?= /usr/local
DESTDIR ?=
CC ?= cc
ifeq ($(origin CC),default)
CC := cc
endif
CXX ?= c++
FLEX ?= flex
BISON ?= bison
PYTHON ?= /usr/bin/python3
PKG_CONFIG ?= pkg-config

SANITIZER ?=
ifeq ($(SANITIZER),)
BUILD ?= build
SANFLAGS :=
OPT ?= -O2
else
BUILD ?= build/san-$(subst $(comma),-,$(SANITIZER))
SANFLAGS := -fsanitize=$(SANITIZER) -fno-omit-frame-pointer -fno-sanitize-recover=all
OPT ?= -O1 -g
endif
comma := ,

WARNINGS := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
            -Wpointer-arith -Wcast-qual -Wwrite-strings -Wvla -Wformat=2
CSTD := -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE
DEPFLAGS = -MMD -MP
MSGPACK_CFLAGS := $(shell $(PKG_CONFIG) --cflags msgpack 2>/dev/null)
MSGPACK_LIBS := $(shell $(PKG_CONFIG) --libs msgpack 2>/dev/null || echo -lmsgpackc)
ZMQ_CFLAGS := $(shell $(PKG_CONFIG) --cflags libzmq 2>/dev/null)
ZMQ_LIBS := $(shell $(PKG_CONFIG) --libs libzmq 2>/dev/null || echo -lzmq)

CFLAGS ?= $(OPT) -g
ALL_CFLAGS = $(CSTD) $(WARNINGS) $(CFLAGS) $(SANFLAGS) -fPIC
ALL_LDFLAGS = $(LDFLAGS) $(SANFLAGS)

ACTORC := $(BUILD)/bin/actorc
LIBACTOR_A := $(BUILD)/lib/libactor.a
LIBACTOR_SO := $(BUILD)/lib/libactor.so
# ACTORC_VERSION (compiler/build.mk, from compiler/actorc.h) versions the
# shared library too: libactor.so.MAJOR is its soname.
LIBACTOR_SONAME = libactor.so.$(firstword $(subst ., ,$(ACTORC_VERSION)))
LIBACTOR_SO_FILE = $(BUILD)/lib/libactor.so.$(ACTORC_VERSION)

# Filled in by the fragments.
ALL_TARGETS :=
CHECK_TESTS :=        # commands (programs or scripts) run by tools/run-tests
CHECK_DEPS :=         # what those commands need built
# Concurrency tests also run under ThreadSanitizer: fragments add commands
# naming programs under $(TSAN_BUILD) to CHECK_TSAN_TESTS, and the targets
# (as $(BUILD)/...) to CHECK_TSAN_DEPS; `make check` builds those with
# SANITIZER=thread first, then runs them with everything else.
TSAN_BUILD := build/san-thread
CHECK_TSAN_TESTS :=
CHECK_TSAN_DEPS :=
# Tests whose programs fork instances (process isolation) run under
# UndefinedBehaviorSanitizer alone: GCC 12's AddressSanitizer does not keep
# its allocator consistent across fork, so a child forked while another
# thread allocates can deadlock before it serves (plain glibc malloc is
# fork-safe). Fragments add commands naming programs under $(FORK_BUILD)
# to CHECK_FORK_TESTS and the targets (as $(BUILD)/...) to CHECK_FORK_DEPS.
FORK_BUILD := build/san-undefined
CHECK_FORK_TESTS :=
CHECK_FORK_DEPS :=
BENCH_TARGETS :=
CLEAN_EXTRA :=

.PHONY: all
all: build-all

include tools/build.mk
include compiler/build.mk
include runtime/build.mk
include actorctl/build.mk
include gen/build.mk
include tests/build.mk
include bench/build.mk
include examples/build.mk

.PHONY: build-all
build-all: $(ALL_TARGETS)

# Runs CHECK_TESTS (built first) and prints "N passed, N failed" last.
.PHONY: test
test: build-all $(CHECK_DEPS)
	@ACTORC=$(ACTORC) BUILD=$(BUILD) PYTHON=$(PYTHON) CC="$(CC)" SANITIZER="$(SANITIZER)" SANFLAGS="$(SANFLAGS)" \
	    tools/run-tests $(CHECK_TESTS) \
	    $(if $(WITH_TSAN_TESTS),$(CHECK_TSAN_TESTS)) \
	    $(if $(WITH_FORK_TESTS),$(CHECK_FORK_TESTS))

build-tsan-tests: $(CHECK_TSAN_DEPS)
build-fork-tests: $(CHECK_FORK_DEPS)

# Generic compile rule for hand-written C under the tree.
$(BUILD)/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(CPPFLAGS_$(firstword $(subst /, ,$<))) $(DEPFLAGS) -c $< -o $@

.PHONY: clean
clean:
	rm -rf build $(CLEAN_EXTRA)

-include $(shell find build -name '*.d' 2>/dev/null)
