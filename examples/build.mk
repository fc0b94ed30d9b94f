# examples/: built by `make`, run by `make demo`.
DEMO_COMMANDS :=
-include $(wildcard examples/*/build.mk)
.PHONY: demo
demo: deps
	$(MAKE) --no-print-directory build-all
	@set -e; $(foreach c,$(DEMO_COMMANDS),echo "+ $(c)"; $(c);)
