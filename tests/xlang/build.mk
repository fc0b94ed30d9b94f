# tests/xlang/: cross-implementation tests of the codecs generated into gen/
# from idl/types.actor against python-msgpack, in both directions, and
# against the Python module actorc --python generates from the same schema
# (pygen.py, on the package $(XLANG_PY)/generated).

XLANG_TEST := $(BUILD)/tests/xlang/xlang_test
XLANG_GEN_OBJS := $(BUILD)/gen/types.o $(BUILD)/gen/common.o

$(BUILD)/tests/xlang/xlang_test.o: gen/types.h gen/common.h
$(XLANG_TEST): $(BUILD)/tests/xlang/xlang_test.o $(XLANG_GEN_OBJS) $(LIBACTOR_A)
	@mkdir -p $(@D)
	$(CC) $(ALL_LDFLAGS) $^ $(MSGPACK_LIBS) $(ZMQ_LIBS) -lpthread -lm -o $@

XLANG_PY := $(BUILD)/tests/xlang/py
$(XLANG_PY)/generated/types.py: idl/types.actor idl/common.actor $(ACTORC)
	$(ACTORC) --python -o $(@D) idl/types.actor idl/common.actor

CHECK_DEPS += $(XLANG_TEST) $(XLANG_PY)/generated/types.py
CHECK_TESTS += "tests/xlang/run py2c" "tests/xlang/run c2py"
CHECK_TESTS += "tests/xlang/run gen2c" "tests/xlang/run c2gen"
