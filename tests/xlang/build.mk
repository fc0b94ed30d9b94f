# tests/xlang/: cross-implementation tests of the codecs generated into gen/
# from idl/types.actor against python-msgpack, in both directions.

XLANG_TEST := $(BUILD)/tests/xlang/xlang_test
XLANG_GEN_OBJS := $(BUILD)/gen/types.o $(BUILD)/gen/common.o

$(BUILD)/tests/xlang/xlang_test.o: gen/types.h gen/common.h
$(XLANG_TEST): $(BUILD)/tests/xlang/xlang_test.o $(XLANG_GEN_OBJS) $(LIBACTOR_A)
	@mkdir -p $(@D)
	$(CC) $(ALL_LDFLAGS) $^ $(MSGPACK_LIBS) $(ZMQ_LIBS) -lpthread -lm -o $@

CHECK_DEPS += $(XLANG_TEST)
CHECK_TESTS += "tests/xlang/run py2c" "tests/xlang/run c2py"
