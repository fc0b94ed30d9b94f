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
regen-gen: $(ACTORC)
	$(ACTORC) -I idl -o gen $(IDL_FILES)
