# tests/sema/: negative tests (one .actor + .err per checking rule) and
# positive ones for the semantic stage. `make regen-sema` rewrites the .err
# files from the current actorc.

CHECK_TESTS += tests/sema/run
CHECK_DEPS += $(ACTORC)

.PHONY: regen-sema
regen-sema: $(ACTORC)
	ACTORC=$(ACTORC) tests/sema/run --regen
regen: regen-sema
