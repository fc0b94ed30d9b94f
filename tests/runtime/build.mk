# tests/runtime/: libactor's in-process core. mailbox_test is a unit test of
# runtime/core/mailbox.c; the others run actors on worker threads and also run
# under ThreadSanitizer (see CHECK_TSAN_* in the Makefile).

RT_TESTS := mailbox_test timer_test scale_test calls_test lifecycle_test monitor_test metrics_test naming_test registry_test stress_test sched_test bytes_test blocks_test
RT_TSAN_TESTS := timer_test calls_test lifecycle_test monitor_test metrics_test stress_test sched_test bytes_test blocks_test

$(BUILD)/tests/runtime/%: $(BUILD)/tests/runtime/%.o $(LIBACTOR_A)
	@mkdir -p $(@D)
	$(CC) $(ALL_LDFLAGS) $^ $(MSGPACK_LIBS) $(ZMQ_LIBS) -lpthread -o $@

CHECK_DEPS += $(RT_TESTS:%=$(BUILD)/tests/runtime/%)
CHECK_TESTS += $(RT_TESTS:%=$(BUILD)/tests/runtime/%)
CHECK_TSAN_DEPS += $(RT_TSAN_TESTS:%=$(BUILD)/tests/runtime/%)
CHECK_TSAN_TESTS += $(RT_TSAN_TESTS:%=$(TSAN_BUILD)/tests/runtime/%)

# Some reach the core's internal header (core/actor_internal.h).
$(BUILD)/tests/runtime/%.o: CPPFLAGS_tests += -Iruntime
