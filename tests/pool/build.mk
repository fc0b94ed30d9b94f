# tests/pool/: pools and supervision (runtime/pool/, runtime/supervise/),
# on the hand-written farm actor (farm.h). pool_test and supervise_test
# also run under ThreadSanitizer; process_test forks (process isolation),
# so it runs under UBSan alone (see CHECK_FORK_TESTS in the Makefile).

POOL_TESTS := pool_test supervise_test degrade_test
POOL_TSAN_TESTS := pool_test supervise_test degrade_test
POOL_FORK_TESTS := process_test

$(BUILD)/tests/pool/%: $(BUILD)/tests/pool/%.o $(LIBACTOR_A)
	@mkdir -p $(@D)
	$(CC) $(ALL_LDFLAGS) $^ $(MSGPACK_LIBS) $(ZMQ_LIBS) -lpthread -o $@

CHECK_DEPS += $(POOL_TESTS:%=$(BUILD)/tests/pool/%)
CHECK_TESTS += $(POOL_TESTS:%=$(BUILD)/tests/pool/%)
CHECK_TSAN_DEPS += $(POOL_TSAN_TESTS:%=$(BUILD)/tests/pool/%)
CHECK_TSAN_TESTS += $(POOL_TSAN_TESTS:%=$(TSAN_BUILD)/tests/pool/%)
CHECK_FORK_DEPS += $(POOL_FORK_TESTS:%=$(BUILD)/tests/pool/%)
CHECK_FORK_TESTS += $(POOL_FORK_TESTS:%=$(FORK_BUILD)/tests/pool/%)
