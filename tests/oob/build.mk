# tests/oob/: large `bytes` values out of band (docs/PROTOCOL.md, "Large
# payloads") between two systems over ipc, with the messages of
# tests/oob/blobs.actor, which the current actorc compiles into $(BUILD) at
# build time. The test reaches the internal headers runtime/base/oob.h and
# wire.h to send hostile frames by hand. libzmq is not instrumented for
# TSan, so it runs under ASan and UBSan only.

OOB_GEN := $(BUILD)/tests/oob/gen
OOB_TEST := $(BUILD)/tests/oob/oob_test
OOB_GEN_CFLAGS = $(CSTD) $(WARNINGS) -Wpedantic -Wconversion $(CFLAGS) $(SANFLAGS) \
                 -I$(OOB_GEN) -Iruntime/include $(MSGPACK_CFLAGS)

$(OOB_GEN)/blobs.c $(OOB_GEN)/blobs.h &: tests/oob/blobs.actor $(ACTORC)
	@mkdir -p $(@D)
	$(ACTORC) -o $(OOB_GEN) tests/oob/blobs.actor

$(OOB_GEN)/blobs.o: $(OOB_GEN)/blobs.c
	$(CC) $(OOB_GEN_CFLAGS) $(DEPFLAGS) -c $< -o $@

$(BUILD)/tests/oob/%.o: tests/oob/%.c $(OOB_GEN)/blobs.h
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -I$(OOB_GEN) -Iruntime $(CPPFLAGS_tests) $(DEPFLAGS) -c $< -o $@

$(OOB_TEST): $(BUILD)/tests/oob/oob_test.o $(OOB_GEN)/blobs.o $(LIBACTOR_A)
	$(CC) $(ALL_LDFLAGS) $^ $(MSGPACK_LIBS) $(ZMQ_LIBS) -lpthread -o $@

CHECK_DEPS += $(OOB_TEST)
CHECK_TESTS += $(OOB_TEST)
