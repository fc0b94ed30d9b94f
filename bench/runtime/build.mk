# bench/runtime/: the runtime benchmark's anchors (issue 3 point 9).
# `make bench-runtime` builds the programs below and runs bench/runtime/run.py,
# which runs each of them --runs times (default 5) and prints one table of
# medians: anchor | figure | ours | ratio | goal. `make bench` includes it.
#
#   bench-rt-zmq   raw libzmq (DEALER/ROUTER echo inproc/ipc/tcp, pipelined,
#                  PUSH/PULL) and the mutex+condvar ping-pong       (C)
#   bench-rt-caf   CAF 0.17 (libcaf-dev): request/then, blocking request,
#                  remote actors, one-way sends                      (C++)
#                  built only when CAF is installed (else run.py says
#                  why it skipped it); BENCH_RT_NO_CAF=1 skips it too.
#                  It runs clean under ASan+UBSan, so `make check` builds
#                  and smoke-runs it sanitized as well.
#   bench-rt-ours  libactor's side of each comparison (ours.c)       (C)
#                  through the stubs $(ACTORC) generates from
#                  bench/runtime/bench.actor into $(BUILD)/bench/runtime/
#   bench-rt-pool  pools and restarts (pool.c), through the stubs of
#                  bench/runtime/poolbench.actor                     (C)
#   bench-rt-queue the queue service, one item per call against
#                  batches (queue.c)                                 (C)
#   bench-rt-scale a million actors spawned, messaged once and ended
#                  (tests/runtime/scale_test.c, SCALE_BENCH)         (C)
#   bench-rt-blob  1 MiB and 64 MiB blobs across processes: raw libzmq
#                  against an actor call, out of band (blob.c)       (C)
#
# `run.py --smoke` (in `make check`) proves each program runs and returns
# sane figures; no timing is asserted.

BENCH_RT_OUT := $(BUILD)/bench/runtime
BENCH_RT_ZMQ := $(BENCH_RT_OUT)/bench-rt-zmq
BENCH_RT_CAF := $(BENCH_RT_OUT)/bench-rt-caf
BENCH_RT_OURS := $(BENCH_RT_OUT)/bench-rt-ours
BENCH_RT_COMMON_OBJ := $(BENCH_RT_OUT)/common.o
BENCH_RT_ZMQ_OBJS := $(BENCH_RT_OUT)/zmq.o $(BENCH_RT_OUT)/condvar.o $(BENCH_RT_COMMON_OBJ)
BENCH_RT_OURS_GEN_OBJ := $(BENCH_RT_OUT)/bench.o
BENCH_RT_OURS_OBJS := $(BENCH_RT_OUT)/ours.o $(BENCH_RT_OURS_GEN_OBJ) $(BENCH_RT_COMMON_OBJ)
BENCH_RT_CPPFLAGS := -Ibench/runtime -I$(BENCH_RT_OUT) -Iruntime/include $(ZMQ_CFLAGS) \
                     $(MSGPACK_CFLAGS)

# Our own rule (more specific than the tree's generic one): -pthread.
$(BENCH_RT_OUT)/%.o: bench/runtime/%.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -pthread $(BENCH_RT_CPPFLAGS) $(DEPFLAGS) -c $< -o $@

$(BENCH_RT_ZMQ): $(BENCH_RT_ZMQ_OBJS)
	$(CC) $(ALL_LDFLAGS) -pthread $^ $(ZMQ_LIBS) -o $@

# ours.c's messages: the typed stubs generated from bench.actor, as a user
# builds them (actorc's output meets the full warning set).
$(BENCH_RT_OUT)/bench.c $(BENCH_RT_OUT)/bench.h &: bench/runtime/bench.actor $(ACTORC)
	@mkdir -p $(@D)
	$(ACTORC) -o $(BENCH_RT_OUT) $<

$(BENCH_RT_OURS_GEN_OBJ): $(BENCH_RT_OUT)/bench.c
	$(CC) $(ALL_CFLAGS) -pthread $(BENCH_RT_CPPFLAGS) $(DEPFLAGS) -c $< -o $@

$(BENCH_RT_OUT)/ours.o: $(BENCH_RT_OUT)/bench.h

$(BENCH_RT_OURS): $(BENCH_RT_OURS_OBJS) $(LIBACTOR_A)
	$(CC) $(ALL_LDFLAGS) -pthread $^ $(MSGPACK_LIBS) $(ZMQ_LIBS) -o $@

$(BENCH_RT_OUT)/poolbench.c $(BENCH_RT_OUT)/poolbench.h &: bench/runtime/poolbench.actor $(ACTORC)
	@mkdir -p $(@D)
	$(ACTORC) -o $(BENCH_RT_OUT) $<

$(BENCH_RT_OUT)/poolbench.o: $(BENCH_RT_OUT)/poolbench.c
	$(CC) $(ALL_CFLAGS) -pthread $(BENCH_RT_CPPFLAGS) $(DEPFLAGS) -c $< -o $@

$(BENCH_RT_OUT)/pool.o: $(BENCH_RT_OUT)/poolbench.h

BENCH_RT_POOL := $(BENCH_RT_OUT)/bench-rt-pool
$(BENCH_RT_POOL): $(BENCH_RT_OUT)/pool.o $(BENCH_RT_OUT)/poolbench.o $(BENCH_RT_COMMON_OBJ) $(LIBACTOR_A)
	$(CC) $(ALL_LDFLAGS) -pthread $^ $(MSGPACK_LIBS) $(ZMQ_LIBS) -o $@

BENCH_RT_QUEUE := $(BENCH_RT_OUT)/bench-rt-queue
$(BENCH_RT_OUT)/queue.o: bench/runtime/queue.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -pthread $(BENCH_RT_CPPFLAGS) -Igen $(DEPFLAGS) -c $< -o $@
$(BENCH_RT_QUEUE): $(BENCH_RT_OUT)/queue.o $(BENCH_RT_COMMON_OBJ) $(LIBACTOR_A)
	$(CC) $(ALL_LDFLAGS) -pthread $^ $(MSGPACK_LIBS) $(ZMQ_LIBS) -o $@

# Many actors at once: tests/runtime/scale_test.c at the full count.
BENCH_RT_SCALE := $(BENCH_RT_OUT)/bench-rt-scale
$(BENCH_RT_OUT)/scale.o: tests/runtime/scale_test.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -pthread -DSCALE_BENCH -Itests/runtime -Iruntime $(CPPFLAGS_tests) \
	    $(DEPFLAGS) -c $< -o $@
$(BENCH_RT_SCALE): $(BENCH_RT_OUT)/scale.o $(LIBACTOR_A)
	$(CC) $(ALL_LDFLAGS) -pthread $^ $(MSGPACK_LIBS) $(ZMQ_LIBS) -o $@

# Large payloads across processes: raw libzmq against an actor call whose
# blob travels out of band (blob.c), with the stubs of blob.actor.
BENCH_RT_BLOB := $(BENCH_RT_OUT)/bench-rt-blob
$(BENCH_RT_OUT)/blob.c $(BENCH_RT_OUT)/blob.h &: bench/runtime/blob.actor $(ACTORC)
	@mkdir -p $(@D)
	$(ACTORC) -o $(BENCH_RT_OUT) $<
$(BENCH_RT_OUT)/blob_stubs.o: $(BENCH_RT_OUT)/blob.c
	$(CC) $(ALL_CFLAGS) -pthread $(BENCH_RT_CPPFLAGS) $(DEPFLAGS) -c $< -o $@
$(BENCH_RT_OUT)/blob.o: $(BENCH_RT_OUT)/blob.h
$(BENCH_RT_BLOB): $(BENCH_RT_OUT)/blob.o $(BENCH_RT_OUT)/blob_stubs.o $(BENCH_RT_COMMON_OBJ) \
                  $(LIBACTOR_A)
	$(CC) $(ALL_LDFLAGS) -pthread $^ $(MSGPACK_LIBS) $(ZMQ_LIBS) -o $@

BENCH_RT_BINS := $(BENCH_RT_ZMQ) $(BENCH_RT_OURS) $(BENCH_RT_POOL) $(BENCH_RT_QUEUE) \
                 $(BENCH_RT_SCALE) $(BENCH_RT_BLOB)

# CAF: a header and a library the compiler finds (-print-file-name echoes
# the bare name when it finds nothing); no compile test, so make stays fast.
BENCH_RT_CAF_INCLUDE ?= /usr/include
BENCH_RT_CAF_LIBFILE := $(shell $(CXX) -print-file-name=libcaf_core.so 2>/dev/null)
ifneq ($(BENCH_RT_NO_CAF),)
BENCH_RT_CAF_SKIP := BENCH_RT_NO_CAF is set
else ifeq ($(wildcard $(BENCH_RT_CAF_INCLUDE)/caf/all.hpp),)
BENCH_RT_CAF_SKIP := CAF headers not found ($(BENCH_RT_CAF_INCLUDE)/caf/all.hpp): apt-get install libcaf-dev
else ifeq ($(filter /%,$(BENCH_RT_CAF_LIBFILE)),)
BENCH_RT_CAF_SKIP := libcaf_core.so not found by $(CXX): apt-get install libcaf-dev
endif

ifeq ($(BENCH_RT_CAF_SKIP),)
BENCH_RT_BINS += $(BENCH_RT_CAF)
BENCH_RT_RUN_ARGS :=
BENCH_RT_CXXFLAGS = -std=c++17 -Wall -Wextra -Werror -Wshadow $(CFLAGS) $(SANFLAGS) -pthread

$(BENCH_RT_OUT)/caf.o: bench/runtime/caf.cpp
	@mkdir -p $(@D)
	$(CXX) $(BENCH_RT_CXXFLAGS) -Ibench/runtime $(DEPFLAGS) -c $< -o $@

$(BENCH_RT_CAF): $(BENCH_RT_OUT)/caf.o $(BENCH_RT_COMMON_OBJ)
	$(CXX) $(ALL_LDFLAGS) -pthread $^ -lcaf_io -lcaf_core -o $@
else
BENCH_RT_RUN_ARGS := --skip-caf '$(BENCH_RT_CAF_SKIP)'
endif

.PHONY: bench-runtime
bench-runtime: $(BENCH_RT_BINS)
	$(if $(SANITIZER),@echo "bench-runtime: built with SANITIZER=$(SANITIZER); timings are not meaningful")
	$(if $(BENCH_RT_CAF_SKIP),@echo "bench-runtime: CAF anchors skipped: $(BENCH_RT_CAF_SKIP)")
	$(PYTHON) bench/runtime/run.py --bin $(BENCH_RT_OUT) $(BENCH_RT_RUN_ARGS) $(BENCH_RUNTIME_ARGS)

BENCH_TARGETS += bench-runtime

# make check: every anchor (and each of our figures once it exists) runs and
# returns sane numbers; timings are never asserted.
CHECK_DEPS += $(BENCH_RT_BINS)
CHECK_TESTS += "$(PYTHON) bench/runtime/run.py --smoke --bin $(BENCH_RT_OUT) $(BENCH_RT_RUN_ARGS)"
