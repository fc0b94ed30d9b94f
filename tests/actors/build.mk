# tests/actors/: the stubs and skeletons actorc generates, run against
# libactor. tests/actors/calc.actor is compiled by the current actorc into
# $(BUILD) at build time (not gen/), so the tests always check the current
# compiler; the generated C is held to the strictest warnings.

ACTORS_GEN := $(BUILD)/tests/actors/gen
ACTORS_TESTS := stubs_test concurrent_test
ACTORS_TSAN_TESTS := stubs_test concurrent_test
ACTORS_GEN_CFLAGS = $(CSTD) $(WARNINGS) -Wpedantic -Wconversion $(CFLAGS) $(SANFLAGS) \
                    -I$(ACTORS_GEN) -Iruntime/include $(MSGPACK_CFLAGS)

$(ACTORS_GEN)/stamp: tests/actors/calc.actor $(ACTORC)
	@mkdir -p $(@D)
	$(ACTORC) -o $(ACTORS_GEN) tests/actors/calc.actor
	touch $@
$(ACTORS_GEN)/calc.c $(ACTORS_GEN)/calc.h: $(ACTORS_GEN)/stamp

$(ACTORS_GEN)/calc.o: $(ACTORS_GEN)/stamp
	$(CC) $(ACTORS_GEN_CFLAGS) $(DEPFLAGS) -c $(ACTORS_GEN)/calc.c -o $@

$(BUILD)/tests/actors/%.o: tests/actors/%.c $(ACTORS_GEN)/stamp
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -I$(ACTORS_GEN) $(CPPFLAGS_tests) $(DEPFLAGS) -c $< -o $@

$(BUILD)/tests/actors/%_test: $(BUILD)/tests/actors/%_test.o $(BUILD)/tests/actors/calc_impl.o \
                              $(ACTORS_GEN)/calc.o $(LIBACTOR_A)
	$(CC) $(ALL_LDFLAGS) $^ $(MSGPACK_LIBS) $(ZMQ_LIBS) -lpthread -o $@

CHECK_DEPS += $(ACTORS_TESTS:%=$(BUILD)/tests/actors/%)
CHECK_TESTS += $(ACTORS_TESTS:%=$(BUILD)/tests/actors/%)
CHECK_TSAN_DEPS += $(ACTORS_TSAN_TESTS:%=$(BUILD)/tests/actors/%)
CHECK_TSAN_TESTS += $(ACTORS_TSAN_TESTS:%=$(TSAN_BUILD)/tests/actors/%)
