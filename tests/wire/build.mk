# tests/wire/: the wire layer (runtime/base/wire.c, docs/PROTOCOL.md) and CURVE
# security (runtime/transport/security.c). The tests reach the internal header
# runtime/base/wire.h, so they see runtime/ too.

WIRE_TEST := $(BUILD)/tests/wire/wire_test
SECURITY_TEST := $(BUILD)/tests/wire/security_test

$(BUILD)/tests/wire/%.o: CPPFLAGS_tests += -Iruntime

$(WIRE_TEST): $(BUILD)/tests/wire/wire_test.o $(LIBACTOR_A)
	@mkdir -p $(@D)
	$(CC) $(ALL_LDFLAGS) $^ $(MSGPACK_LIBS) $(ZMQ_LIBS) -lpthread -o $@

$(SECURITY_TEST): $(BUILD)/tests/wire/security_test.o $(LIBACTOR_A)
	@mkdir -p $(@D)
	$(CC) $(ALL_LDFLAGS) $^ $(MSGPACK_LIBS) $(ZMQ_LIBS) -lpthread -o $@

CHECK_DEPS += $(WIRE_TEST) $(SECURITY_TEST)
CHECK_TESTS += $(WIRE_TEST) $(SECURITY_TEST)
