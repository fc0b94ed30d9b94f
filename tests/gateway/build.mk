# tests/gateway/: actor systems' endpoints and remote references end to end
# (runtime/transport/gateway.c, runtime/transport/remote.c). gateway_test forks its own server
# process; client.py is a Python client written from docs/PROTOCOL.md
# alone, against `gateway_test serve`. The tests reach the internal header
# runtime/base/wire.h, so they see runtime/ too.

GATEWAY_TEST := $(BUILD)/tests/gateway/gateway_test

$(BUILD)/tests/gateway/%.o: CPPFLAGS_tests += -Iruntime

$(GATEWAY_TEST): $(BUILD)/tests/gateway/gateway_test.o $(LIBACTOR_A)
	@mkdir -p $(@D)
	$(CC) $(ALL_LDFLAGS) $^ $(MSGPACK_LIBS) $(ZMQ_LIBS) -lpthread -o $@

# burst_test: the requests and replies of a BATCH queued in bursts
# (actor__burst): a full mailbox, two targets, pipelined replies.
BURST_TEST := $(BUILD)/tests/gateway/burst_test

$(BURST_TEST): $(BUILD)/tests/gateway/burst_test.o $(LIBACTOR_A)
	@mkdir -p $(@D)
	$(CC) $(ALL_LDFLAGS) $^ $(MSGPACK_LIBS) $(ZMQ_LIBS) -lpthread -o $@

CHECK_DEPS += $(GATEWAY_TEST) $(BURST_TEST)
CHECK_TESTS += $(BURST_TEST)
CHECK_TSAN_DEPS += $(BURST_TEST)
CHECK_TSAN_TESTS += "TSAN_OPTIONS=suppressions=tests/gateway/tsan.supp $(TSAN_BUILD)/tests/gateway/burst_test"
CHECK_TESTS += $(GATEWAY_TEST) "$(PYTHON) tests/gateway/client.py $(GATEWAY_TEST)"
CHECK_TSAN_DEPS += $(GATEWAY_TEST)
# libzmq and libsodium are not instrumented: see tsan.supp.
CHECK_TSAN_TESTS += "TSAN_OPTIONS=suppressions=tests/gateway/tsan.supp $(TSAN_BUILD)/tests/gateway/gateway_test"
# The same Python client code against the example actors (calc_client.py:
# examples/calculator's calculator-server over tcp).
CALC_SERVER_FOR_PY := $(BUILD)/examples/calculator/calculator-server
CHECK_DEPS += $(CALC_SERVER_FOR_PY)
CHECK_TESTS += "$(PYTHON) tests/gateway/calc_client.py $(CALC_SERVER_FOR_PY)"
