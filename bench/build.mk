# bench/: `make bench`. Each benchmark prints its figures beside its anchors.
.PHONY: bench
-include $(wildcard bench/*/build.mk)
bench: $(BENCH_TARGETS)
