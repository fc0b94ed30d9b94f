# tests/fuzz/: libFuzzer targets, always built with clang and
# -fsanitize=fuzzer,address,undefined into $(BUILD)/fuzz/ by the explicit
# rules below (the rest of the tree keeps $(CC) and $(SANITIZER)).
#
#   fuzz_decode  every decoder generated from idl/types.actor (gen/)
#   fuzz_parse   parse_file + resolve_program + check_program (+ emit)
#   fuzz_wire    one multipart message as a server or client reads it
#                (runtime/base/wire.c), BATCHes pair by pair
#
# `make check` runs each for FUZZ_CHECK_SECONDS; `make fuzz` for FUZZ_SECONDS.
# Seeds: tests/fuzz/corpus/<target>/ (read only; new inputs go to a temp
# dir). Crashes found and fixed: tests/fuzz/regressions/<target>/, replayed
# first on every run.

FUZZ_CC ?= clang
FUZZ_DIR := $(BUILD)/fuzz
FUZZ_SECONDS ?= 300
FUZZ_CHECK_SECONDS ?= 20
FUZZ_RSS_MB ?= 2048
FUZZ_SAN := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_CFLAGS = $(CSTD) -g -O1 $(FUZZ_SAN) -fsanitize=fuzzer-no-link $(DEPFLAGS)
# Other folders' sources are held to their warnings by their own (gcc)
# build; here clang only instruments them. The fuzz targets and gen/ keep
# the full set with -Werror.
FUZZ_LDFLAGS = $(FUZZ_SAN) -fsanitize=fuzzer

FUZZ_COMPILER_OBJS := $(patsubst $(BUILD)/%,$(FUZZ_DIR)/%,$(filter-out %/main.o,$(COMPILER_OBJS)))
# gen/types.c declares an actor, so its stubs need the whole runtime (and
# libzmq), though the decoders use only the codec part.
FUZZ_RUNTIME_OBJS := $(patsubst runtime/%.c,$(FUZZ_DIR)/runtime/%.o,$(RUNTIME_SRCS)) \
                     $(patsubst $(BUILD)/gen/%,$(FUZZ_DIR)/gen/%,$(filter $(BUILD)/gen/%,$(RUNTIME_OBJS)))
FUZZ_GEN_OBJS := $(FUZZ_DIR)/gen/types.o $(FUZZ_DIR)/gen/common.o
FUZZ_DECODE := $(FUZZ_DIR)/fuzz_decode
FUZZ_PARSE := $(FUZZ_DIR)/fuzz_parse
FUZZ_WIRE := $(FUZZ_DIR)/fuzz_wire

$(FUZZ_DIR)/compiler/lex.o: $(BUILD)/compiler/lex.c $(BUILD)/compiler/parse.h
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -w -Icompiler -I$(BUILD)/compiler -c $< -o $@
$(FUZZ_DIR)/compiler/parse.o: $(BUILD)/compiler/parse.c $(BUILD)/compiler/lex.h
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -w -Icompiler -I$(BUILD)/compiler -c $< -o $@
$(FUZZ_DIR)/compiler/python_runtime.o: $(BUILD)/compiler/python_runtime.c
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -w -Icompiler -c $< -o $@
$(FUZZ_DIR)/compiler/%.o: compiler/%.c $(BUILD)/compiler/parse.h $(BUILD)/compiler/lex.h
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -w $(CPPFLAGS_compiler) -c $< -o $@
$(FUZZ_DIR)/runtime/%.o: runtime/%.c
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -w $(CPPFLAGS_runtime) -c $< -o $@
$(FUZZ_DIR)/gen/%.o: gen/%.c
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(WARNINGS) $(CPPFLAGS_gen) -c $< -o $@
$(FUZZ_DIR)/tests/fuzz/%.o: tests/fuzz/%.c
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(WARNINGS) $(CPPFLAGS_tests) -Icompiler -c $< -o $@

$(FUZZ_DECODE): $(FUZZ_DIR)/tests/fuzz/fuzz_decode.o $(FUZZ_GEN_OBJS) $(FUZZ_RUNTIME_OBJS)
	$(FUZZ_CC) $(FUZZ_LDFLAGS) $^ $(MSGPACK_LIBS) $(ZMQ_LIBS) -lpthread -lm -o $@
$(FUZZ_PARSE): $(FUZZ_DIR)/tests/fuzz/fuzz_parse.o $(FUZZ_COMPILER_OBJS)
	$(FUZZ_CC) $(FUZZ_LDFLAGS) $^ -o $@
$(FUZZ_DIR)/tests/fuzz/fuzz_wire.o: CPPFLAGS_tests += -Iruntime
$(FUZZ_WIRE): $(FUZZ_DIR)/tests/fuzz/fuzz_wire.o $(FUZZ_RUNTIME_OBJS)
	$(FUZZ_CC) $(FUZZ_LDFLAGS) $^ $(MSGPACK_LIBS) $(ZMQ_LIBS) -lpthread -lm -o $@

FUZZ_TARGETS := $(FUZZ_DECODE) $(FUZZ_PARSE) $(FUZZ_WIRE)
CHECK_DEPS += $(FUZZ_TARGETS)
CHECK_TESTS += "tests/fuzz/run $(FUZZ_DECODE) decode $(FUZZ_CHECK_SECONDS) $(FUZZ_RSS_MB)" \
               "tests/fuzz/run $(FUZZ_PARSE) parse $(FUZZ_CHECK_SECONDS) $(FUZZ_RSS_MB)" \
               "tests/fuzz/run $(FUZZ_WIRE) wire $(FUZZ_CHECK_SECONDS) $(FUZZ_RSS_MB)"

.PHONY: fuzz
fuzz: $(FUZZ_TARGETS)
	@tools/run-tests "tests/fuzz/run $(FUZZ_DECODE) decode $(FUZZ_SECONDS) $(FUZZ_RSS_MB)" \
	                 "tests/fuzz/run $(FUZZ_PARSE) parse $(FUZZ_SECONDS) $(FUZZ_RSS_MB)" \
	                 "tests/fuzz/run $(FUZZ_WIRE) wire $(FUZZ_SECONDS) $(FUZZ_RSS_MB)"
