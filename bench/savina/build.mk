# bench/savina/: a Savina subset (Imam and Sarkar, 2014), each benchmark
# written against actorc-generated stubs (ours.c) and, beside it, in CAF 0.17
# (caf.cpp), with the same parameters and the same two worker threads.
# `make bench-savina` builds both and runs bench/savina/run.py, which runs
# them interleaved for --rounds rounds (default 5) and prints one table of
# medians: benchmark | CAF | ours | ratio (ours / CAF) | goal. `make bench`
# includes it.
#
#   bench-savina-ours  libactor, through the stubs $(ACTORC) generates from
#                      bench/savina/savina.actor into $(BUILD)/bench/savina/ (C)
#   bench-savina-caf   CAF 0.17 (libcaf-dev); built only when CAF is
#                      installed (as bench/runtime/build.mk decides: the
#                      same BENCH_RT_CAF_SKIP), else run.py says why    (C++)
#
# `run.py --smoke` (in `make check`) runs every benchmark once with tiny
# parameters on both sides; each program checks its results (counting's
# count, the dictionary's final contents, the bank's total balance, ...)
# and fails when one is wrong. No timing is asserted. The libactor side
# runs under ThreadSanitizer too (below).

BENCH_SAV_OUT := $(BUILD)/bench/savina
BENCH_SAV_OURS := $(BENCH_SAV_OUT)/bench-savina-ours
BENCH_SAV_CAF := $(BENCH_SAV_OUT)/bench-savina-caf
BENCH_SAV_COMMON_OBJ := $(BENCH_SAV_OUT)/common.o
BENCH_SAV_GEN_OBJ := $(BENCH_SAV_OUT)/savina.o
BENCH_SAV_CPPFLAGS := -Ibench/savina -I$(BENCH_SAV_OUT) -Iruntime/include $(ZMQ_CFLAGS) \
                      $(MSGPACK_CFLAGS)

$(BENCH_SAV_OUT)/%.o: bench/savina/%.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -pthread $(BENCH_SAV_CPPFLAGS) $(DEPFLAGS) -c $< -o $@

# The actors' messages and stubs, generated as a user builds them.
$(BENCH_SAV_OUT)/savina.c $(BENCH_SAV_OUT)/savina.h &: bench/savina/savina.actor $(ACTORC)
	@mkdir -p $(@D)
	$(ACTORC) -o $(BENCH_SAV_OUT) $<

$(BENCH_SAV_GEN_OBJ): $(BENCH_SAV_OUT)/savina.c
	$(CC) $(ALL_CFLAGS) -pthread $(BENCH_SAV_CPPFLAGS) $(DEPFLAGS) -c $< -o $@

$(BENCH_SAV_OUT)/ours.o: $(BENCH_SAV_OUT)/savina.h

$(BENCH_SAV_OURS): $(BENCH_SAV_OUT)/ours.o $(BENCH_SAV_GEN_OBJ) $(BENCH_SAV_COMMON_OBJ) \
                   $(LIBACTOR_A)
	$(CC) $(ALL_LDFLAGS) -pthread $^ $(MSGPACK_LIBS) $(ZMQ_LIBS) -lm -o $@

BENCH_SAV_BINS := $(BENCH_SAV_OURS)

ifeq ($(BENCH_RT_CAF_SKIP),)
BENCH_SAV_BINS += $(BENCH_SAV_CAF)
BENCH_SAV_RUN_ARGS :=

$(BENCH_SAV_OUT)/caf.o: bench/savina/caf.cpp
	@mkdir -p $(@D)
	$(CXX) $(BENCH_RT_CXXFLAGS) -Ibench/savina $(DEPFLAGS) -c $< -o $@

$(BENCH_SAV_CAF): $(BENCH_SAV_OUT)/caf.o $(BENCH_SAV_COMMON_OBJ)
	$(CXX) $(ALL_LDFLAGS) -pthread $^ -lcaf_core -lm -o $@
else
BENCH_SAV_RUN_ARGS := --skip-caf '$(BENCH_RT_CAF_SKIP)'
endif

.PHONY: bench-savina
bench-savina: $(BENCH_SAV_BINS)
	$(if $(SANITIZER),@echo "bench-savina: built with SANITIZER=$(SANITIZER); timings are not meaningful")
	$(if $(BENCH_RT_CAF_SKIP),@echo "bench-savina: CAF side skipped: $(BENCH_RT_CAF_SKIP)")
	$(PYTHON) bench/savina/run.py --bin $(BENCH_SAV_OUT) $(BENCH_SAV_RUN_ARGS) $(BENCH_SAVINA_ARGS)

BENCH_TARGETS += bench-savina

# make check: both sides build, run every benchmark once with tiny
# parameters, and get the right results; timings are never asserted.
CHECK_DEPS += $(BENCH_SAV_BINS)
CHECK_TESTS += "$(PYTHON) bench/savina/run.py --smoke --bin $(BENCH_SAV_OUT) $(BENCH_SAV_RUN_ARGS)"
# libactor's side also under ThreadSanitizer (the benchmarks share their
# states with main() through messages and the run's semaphore only). The
# CAF side is not: libcaf_core is not built with TSan.
CHECK_TSAN_DEPS += $(BUILD)/bench/savina/bench-savina-ours
CHECK_TSAN_TESTS += "$(TSAN_BUILD)/bench/savina/bench-savina-ours --smoke"
