# tests/compat-check/: actorc --check-compat on a case per breaking change
# and one of compatible changes; `make regen-compat-check` (part of `make
# regen`) rewrites the expected diagnostics.

CHECK_TESTS += tests/compat-check/run
CHECK_DEPS += $(ACTORC)

.PHONY: regen-compat-check
regen-compat-check: $(ACTORC)
	ACTORC=$(ACTORC) tests/compat-check/run --regen
regen: regen-compat-check
