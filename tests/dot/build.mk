# tests/dot/: actorc --dot against golden graphs, rendered by Graphviz.
# `make regen-dot` (part of `make regen`) rewrites the graphs and
# docs/calculator.svg.

CHECK_TESTS += tests/dot/run
CHECK_DEPS += $(ACTORC)

.PHONY: regen-dot
regen-dot: $(ACTORC)
	ACTORC=$(ACTORC) tests/dot/run --regen
	$(ACTORC) --dot examples/calculator/calculator.actor | dot -Tsvg > docs/calculator.svg
regen: regen-dot
