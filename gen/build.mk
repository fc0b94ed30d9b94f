# gen/: the C that actorc generates from idl/*.actor, committed so that every
# codegen change shows up as a diff. `make regen` rewrites it; the test
# tests/gen-up-to-date.sh fails when it is stale.

IDL_FILES := $(wildcard idl/*.actor)
GEN_SRCS := $(IDL_FILES:idl/%.actor=gen/%.c)
GEN_OBJS := $(GEN_SRCS:%.c=$(BUILD)/%.o)
# Generated code must meet the strictest warning set users may build it with.
CPPFLAGS_gen = -Igen -Iruntime/include $(MSGPACK_CFLAGS) -Wpedantic -Wconversion

.PHONY: regen regen-gen
regen: regen-gen
# idl/ is libactor's own IDL: its wire envelope is package actor_wire, in the
# runtime's namespace that actorc keeps user packages out of.
ACTORC_IDL_FLAGS := --allow-runtime-namespace
regen-gen: $(ACTORC)
	$(ACTORC) $(ACTORC_IDL_FLAGS) -I idl -o gen $(IDL_FILES)

# Every generated file also compiles with clang under the same strict flags
# (issue: clean under gcc and clang); objects only, nothing links them.
GEN_CLANG ?= clang
GEN_CLANG_OBJS := $(GEN_SRCS:%.c=$(BUILD)/gen-clang/%.o)
$(BUILD)/gen-clang/gen/%.o: gen/%.c
	@mkdir -p $(@D)
	$(GEN_CLANG) $(CSTD) $(WARNINGS) -O2 $(CPPFLAGS_gen) $(DEPFLAGS) -c $< -o $@

CHECK_DEPS += $(GEN_OBJS) $(GEN_CLANG_OBJS)
CHECK_TESTS += tests/gen-up-to-date.sh
