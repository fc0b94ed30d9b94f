# tests/codec/: C unit tests of the code actorc generates, built against a
# fresh generation of idl/types.actor + idl/common.actor into $(BUILD) (not
# the committed gen/, so the test always checks the current compiler).

CODEC_GEN := $(BUILD)/tests/codec/gen
CODEC_SCHEMAS := idl/common.actor idl/types.actor
CODEC_TEST := $(BUILD)/tests/codec/codec_test
# Generated code must be clean under the strictest flags users may use.
CODEC_GEN_CFLAGS = $(CSTD) $(WARNINGS) -Wpedantic -Wconversion $(CFLAGS) $(SANFLAGS) \
                   -I$(CODEC_GEN) -Iruntime/include $(MSGPACK_CFLAGS)

$(CODEC_GEN)/stamp: $(CODEC_SCHEMAS) $(ACTORC)
	@mkdir -p $(@D)
	$(ACTORC) -I idl -o $(CODEC_GEN) $(CODEC_SCHEMAS)
	touch $@
$(CODEC_GEN)/types.c $(CODEC_GEN)/common.c $(CODEC_GEN)/types.h $(CODEC_GEN)/common.h: $(CODEC_GEN)/stamp

$(CODEC_GEN)/%.o: $(CODEC_GEN)/%.c $(CODEC_GEN)/stamp
	$(CC) $(CODEC_GEN_CFLAGS) $(DEPFLAGS) -c $< -o $@

$(BUILD)/tests/codec/codec_test.o: tests/codec/codec_test.c $(CODEC_GEN)/stamp
	@mkdir -p $(@D)
	$(CC) $(CODEC_GEN_CFLAGS) -Wno-write-strings -Itests/codec $(DEPFLAGS) -c $< -o $@

$(CODEC_TEST): $(BUILD)/tests/codec/codec_test.o $(CODEC_GEN)/types.o $(CODEC_GEN)/common.o \
               $(LIBACTOR_A)
	@mkdir -p $(@D)
	$(CC) $(ALL_LDFLAGS) $^ $(MSGPACK_LIBS) $(ZMQ_LIBS) -lm -o $@

CHECK_DEPS += $(CODEC_TEST)
CHECK_TESTS += $(CODEC_TEST)
