# compiler/: actorc, the .actor -> C compiler (flex + bison front end).

ACTORC_VERSION := $(shell sed -n 's/^\#define ACTORC_VERSION "\(.*\)"/\1/p' compiler/actorc.h)

COMPILER_SRCS := $(filter-out compiler/fuzz_%.c,$(wildcard compiler/*.c))
COMPILER_OBJS := $(COMPILER_SRCS:%.c=$(BUILD)/%.o) $(BUILD)/compiler/lex.o $(BUILD)/compiler/parse.o \
                 $(BUILD)/compiler/python_runtime.o

# The scanner and parser are generated into build/ and compiled with the
# warnings flex/bison output cannot meet relaxed.
$(BUILD)/compiler/parse.c $(BUILD)/compiler/parse.h &: compiler/parse.y
	@mkdir -p $(@D)
	$(BISON) -Wall -Werror --defines=$(BUILD)/compiler/parse.h -o $(BUILD)/compiler/parse.c $<
$(BUILD)/compiler/lex.c $(BUILD)/compiler/lex.h &: compiler/lex.l
	@mkdir -p $(@D)
	$(FLEX) --header-file=$(BUILD)/compiler/lex.h -o $(BUILD)/compiler/lex.c $<

GENERATED_CFLAGS := -Wno-unused-function -Wno-sign-compare -Wno-missing-prototypes -Wno-unused-parameter
$(BUILD)/compiler/lex.o: $(BUILD)/compiler/lex.c $(BUILD)/compiler/parse.h
	$(CC) $(ALL_CFLAGS) $(GENERATED_CFLAGS) -Icompiler -I$(BUILD)/compiler $(DEPFLAGS) -c $< -o $@
$(BUILD)/compiler/parse.o: $(BUILD)/compiler/parse.c $(BUILD)/compiler/lex.h
	$(CC) $(ALL_CFLAGS) $(GENERATED_CFLAGS) -Icompiler -I$(BUILD)/compiler $(DEPFLAGS) -c $< -o $@

# actor_runtime.py, the support module actorc --python writes, is kept as
# Python and built into actorc as an array of lines (emit_python_runtime).
$(BUILD)/compiler/python_runtime.c: compiler/python/actor_runtime.py
	@mkdir -p $(@D)
	{ echo '/* Generated from $<; do not edit. */'; \
	  echo '#include "emit.h"'; \
	  echo 'const char *const emit_python_runtime[] = {'; \
	  sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/^/    "/' -e 's/$$/\\n",/' $<; \
	  echo '    NULL,'; echo '};'; } >$@.tmp && mv $@.tmp $@
$(BUILD)/compiler/python_runtime.o: $(BUILD)/compiler/python_runtime.c
	$(CC) $(ALL_CFLAGS) -Icompiler -I$(BUILD)/compiler $(DEPFLAGS) -c $< -o $@

# Hand-written compiler sources may include the generated headers.
CPPFLAGS_compiler = -Icompiler -I$(BUILD)/compiler
$(COMPILER_SRCS:%.c=$(BUILD)/%.o): $(BUILD)/compiler/parse.h $(BUILD)/compiler/lex.h

$(ACTORC): $(COMPILER_OBJS)
	@mkdir -p $(@D)
	$(CC) $(ALL_LDFLAGS) $^ -o $@

ALL_TARGETS += $(ACTORC)
