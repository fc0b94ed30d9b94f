# tests/golden/: golden codegen tests. Each x.actor sits beside the expected
# x.h and x.c; tests/golden/run regenerates them into a temporary directory,
# diffs, and compiles the generated C with gcc and clang under strict flags.
# `make regen-golden` (part of `make regen`) rewrites the expected files.

CHECK_TESTS += tests/golden/run
CHECK_DEPS += $(ACTORC)

.PHONY: regen-golden
regen-golden: $(ACTORC)
	ACTORC=$(ACTORC) tests/golden/run --regen
regen: regen-golden
