# tests/compat/: forward and backward compatibility between the codecs of
# idl/compat_v1.actor and idl/compat_v2.actor (both generated into gen/).

COMPAT_TEST := $(BUILD)/tests/compat/compat_test
COMPAT_GEN_OBJS := $(BUILD)/gen/compat_v1.o $(BUILD)/gen/compat_v2.o $(BUILD)/gen/common.o

$(BUILD)/tests/compat/compat_test.o: gen/compat_v1.h gen/compat_v2.h
$(COMPAT_TEST): $(BUILD)/tests/compat/compat_test.o $(COMPAT_GEN_OBJS) $(LIBACTOR_A)
	@mkdir -p $(@D)
	$(CC) $(ALL_LDFLAGS) $^ $(MSGPACK_LIBS) -lm -o $@

CHECK_DEPS += $(COMPAT_TEST)
CHECK_TESTS += $(COMPAT_TEST)
