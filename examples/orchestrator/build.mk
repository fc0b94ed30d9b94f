# examples/orchestrator: an orchestrator actor drives a pool of worker
# processes through batches of jobs with large payloads; one worker is
# killed mid-run, its jobs are done again, every result is checked.
ORCH_DIR := $(BUILD)/examples/orchestrator
ORCH_GEN := $(ORCH_DIR)/gen

$(ORCH_GEN)/orchestrator.c $(ORCH_GEN)/orchestrator.h &: examples/orchestrator/orchestrator.actor $(ACTORC)
	@mkdir -p $(@D)
	$(ACTORC) -o $(ORCH_GEN) $<
$(ORCH_GEN)/orchestrator.o: $(ORCH_GEN)/orchestrator.c
	$(CC) $(ALL_CFLAGS) -Iruntime/include $(MSGPACK_CFLAGS) $(DEPFLAGS) -c $< -o $@

CPPFLAGS_examples += -I$(ORCH_GEN)
ORCH_OBJS := $(patsubst %.c,$(BUILD)/%.o,$(wildcard examples/orchestrator/*.c))
$(ORCH_OBJS): $(ORCH_GEN)/orchestrator.h
$(ORCH_DIR)/orchestrator: $(ORCH_OBJS) $(ORCH_GEN)/orchestrator.o $(LIBACTOR_A)
	$(CC) $(ALL_LDFLAGS) $(filter %.o,$^) $(LIBACTOR_A) $(MSGPACK_LIBS) $(ZMQ_LIBS) -lpthread -o $@

ALL_TARGETS += $(ORCH_DIR)/orchestrator
DEMO_COMMANDS += $(ORCH_DIR)/orchestrator
# It forks (process isolation): under UBSan alone (CHECK_FORK_TESTS).
CHECK_FORK_TESTS += $(FORK_BUILD)/examples/orchestrator/orchestrator
CHECK_FORK_DEPS += $(ORCH_DIR)/orchestrator
