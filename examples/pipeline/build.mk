# examples/pipeline: capture -> transcribe -> annotate -> overlay under a
# supervisor, bounded queues between the stages, a UI fanning in their
# events; annotate runs in a child process and segfaults there once, and
# the run checks that no frame was lost (README.md).
PIPE_DIR := $(BUILD)/examples/pipeline
PIPE_GEN := $(PIPE_DIR)/gen

$(PIPE_GEN)/pipeline.c $(PIPE_GEN)/pipeline.h &: examples/pipeline/pipeline.actor $(ACTORC)
	@mkdir -p $(@D)
	$(ACTORC) -o $(PIPE_GEN) $<
$(PIPE_GEN)/pipeline.o: $(PIPE_GEN)/pipeline.c
	$(CC) $(ALL_CFLAGS) -Iruntime/include $(MSGPACK_CFLAGS) $(DEPFLAGS) -c $< -o $@

CPPFLAGS_examples += -Iruntime/include -I$(PIPE_GEN) $(MSGPACK_CFLAGS)
PIPE_SRCS := $(wildcard examples/pipeline/*.c)
PIPE_OBJS := $(PIPE_SRCS:%.c=$(BUILD)/%.o)
$(PIPE_OBJS): $(PIPE_GEN)/pipeline.h

$(PIPE_DIR)/pipeline: $(PIPE_OBJS) $(PIPE_GEN)/pipeline.o $(LIBACTOR_A)
	$(CC) $(ALL_LDFLAGS) $(filter %.o,$^) $(LIBACTOR_A) $(MSGPACK_LIBS) $(ZMQ_LIBS) -lpthread -o $@

ALL_TARGETS += $(PIPE_DIR)/pipeline
DEMO_COMMANDS += $(PIPE_DIR)/pipeline
# Annotate's process is forked: under UBSan alone (CHECK_FORK_TESTS).
CHECK_FORK_TESTS += $(FORK_BUILD)/examples/pipeline/pipeline
CHECK_FORK_DEPS += $(PIPE_DIR)/pipeline
