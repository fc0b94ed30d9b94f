# tests/queue/: the queue service (runtime/queue/, idl/queue.actor) with
# items of tests/queue/jobs.actor, which the current actorc compiles into
# $(BUILD) at build time; channels, barriers and the object store too.
# queue_test and barrier_test also run under ThreadSanitizer;
# channel_test runs producer processes (fork and exec of itself), and it
# and store_test talk over ipc (libzmq is not instrumented for TSan).

QUEUE_GEN := $(BUILD)/tests/queue/gen
QUEUE_TESTS := queue_test channel_test barrier_test store_test
QUEUE_TSAN_TESTS := queue_test barrier_test
QUEUE_GEN_CFLAGS = $(CSTD) $(WARNINGS) -Wpedantic -Wconversion $(CFLAGS) $(SANFLAGS) \
                   -I$(QUEUE_GEN) -Iruntime/include -Igen $(MSGPACK_CFLAGS)

$(QUEUE_GEN)/jobs.c $(QUEUE_GEN)/jobs.h &: tests/queue/jobs.actor $(ACTORC)
	@mkdir -p $(@D)
	$(ACTORC) -o $(QUEUE_GEN) tests/queue/jobs.actor

$(QUEUE_GEN)/jobs.o: $(QUEUE_GEN)/jobs.c
	$(CC) $(QUEUE_GEN_CFLAGS) $(DEPFLAGS) -c $< -o $@

$(BUILD)/tests/queue/%.o: tests/queue/%.c $(QUEUE_GEN)/jobs.h
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -I$(QUEUE_GEN) -Igen $(CPPFLAGS_tests) $(DEPFLAGS) -c $< -o $@

$(BUILD)/tests/queue/%_test: $(BUILD)/tests/queue/%_test.o $(QUEUE_GEN)/jobs.o $(LIBACTOR_A)
	$(CC) $(ALL_LDFLAGS) $^ $(MSGPACK_LIBS) $(ZMQ_LIBS) -lpthread -o $@

CHECK_DEPS += $(QUEUE_TESTS:%=$(BUILD)/tests/queue/%)
CHECK_TESTS += $(QUEUE_TESTS:%=$(BUILD)/tests/queue/%)
CHECK_TSAN_DEPS += $(QUEUE_TSAN_TESTS:%=$(BUILD)/tests/queue/%)
CHECK_TSAN_TESTS += $(QUEUE_TSAN_TESTS:%=$(TSAN_BUILD)/tests/queue/%)
