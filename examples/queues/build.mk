# examples/queues: a fast producer process and a slow consumer process
# joined by a named, bounded channel; the producer slows to the consumer's
# pace and the queue's memory stays within its bounds (README.md).
QUEUES_DIR := $(BUILD)/examples/queues
QUEUES_GEN := $(QUEUES_DIR)/gen

$(QUEUES_GEN)/frames.c $(QUEUES_GEN)/frames.h &: examples/queues/frames.actor $(ACTORC)
	@mkdir -p $(@D)
	$(ACTORC) -o $(QUEUES_GEN) $<
$(QUEUES_GEN)/frames.o: $(QUEUES_GEN)/frames.c
	$(CC) $(ALL_CFLAGS) -Iruntime/include -Igen $(MSGPACK_CFLAGS) $(DEPFLAGS) -c $< -o $@

CPPFLAGS_examples += -I$(QUEUES_GEN) -Igen
QUEUES_OBJS := $(patsubst %.c,$(BUILD)/%.o,$(wildcard examples/queues/*.c))
$(QUEUES_OBJS): $(QUEUES_GEN)/frames.h
$(QUEUES_DIR)/queues: $(QUEUES_OBJS) $(QUEUES_GEN)/frames.o $(LIBACTOR_A)
	$(CC) $(ALL_LDFLAGS) $(filter %.o,$^) $(LIBACTOR_A) $(MSGPACK_LIBS) $(ZMQ_LIBS) -lpthread -o $@

ALL_TARGETS += $(QUEUES_DIR)/queues
DEMO_COMMANDS += $(QUEUES_DIR)/queues
# It runs its consumer as a second process (fork and exec of itself).
CHECK_TESTS += $(QUEUES_DIR)/queues
CHECK_DEPS += $(QUEUES_DIR)/queues
