# tests/cli/: the actorc command line, the scanner, the parser and the import
# loader (golden .err files beside their inputs). `make regen-cli` rewrites
# the .err files from the current actorc.

CHECK_TESTS += tests/cli/run
CHECK_DEPS += $(ACTORC)

.PHONY: regen-cli
regen-cli: $(ACTORC)
	ACTORC=$(ACTORC) tests/cli/run --regen
