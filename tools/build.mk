# tools/: dependency installation, the test runner, install, format.

DEB_PACKAGES_BUILD := gcc make pkg-config flex bison libmsgpack-dev libzmq3-dev
DEB_PACKAGES_TEST := clang libclang-rt-14-dev python3 python3-msgpack python3-zmq \
                     protobuf-c-compiler libprotobuf-c-dev libcaf-dev g++ clang-format graphviz \
                     iproute2 nftables

.PHONY: deps deps-build
deps:
	@tools/deps.sh $(DEB_PACKAGES_BUILD) $(DEB_PACKAGES_TEST)
deps-build:
	@tools/deps.sh $(DEB_PACKAGES_BUILD)

# make check: every test under ASan + UBSan (and TSan for concurrency
# tests; UBSan alone for those that fork, see CHECK_FORK_TESTS).
CHECK_SANITIZER ?= address,undefined
.PHONY: check build-tsan-tests build-fork-tests
check: deps
	$(MAKE) --no-print-directory SANITIZER=thread build-tsan-tests
	$(MAKE) --no-print-directory SANITIZER=undefined build-fork-tests
	$(MAKE) --no-print-directory SANITIZER=$(CHECK_SANITIZER) WITH_TSAN_TESTS=1 WITH_FORK_TESTS=1 test

# The manual pages (docs/man/) and the documents go under share/.
MAN_PAGES := $(wildcard docs/man/*.1.in)

.PHONY: install
install: $(ACTORC) $(ACTORCTL) $(LIBACTOR_A) $(LIBACTOR_SO)
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib/pkgconfig $(DESTDIR)$(PREFIX)/include/actor \
	    $(DESTDIR)$(PREFIX)/share/man/man1 $(DESTDIR)$(PREFIX)/share/doc/actorc/docs
	install -m 755 $(ACTORC) $(DESTDIR)$(PREFIX)/bin/actorc
	install -m 755 $(ACTORCTL) $(DESTDIR)$(PREFIX)/bin/actorctl
	install -m 644 $(LIBACTOR_A) $(DESTDIR)$(PREFIX)/lib/libactor.a
	install -m 755 $(LIBACTOR_SO_FILE) $(DESTDIR)$(PREFIX)/lib/
	ln -sf $(notdir $(LIBACTOR_SO_FILE)) $(DESTDIR)$(PREFIX)/lib/$(LIBACTOR_SONAME)
	ln -sf $(LIBACTOR_SONAME) $(DESTDIR)$(PREFIX)/lib/libactor.so
	install -m 644 runtime/include/actor/*.h $(DESTDIR)$(PREFIX)/include/actor/
	install -m 644 gen/actor_system.h $(DESTDIR)$(PREFIX)/include/actor/actor_system.h
	install -m 644 gen/queue.h $(DESTDIR)$(PREFIX)/include/actor/queue.h
	install -m 644 gen/barrier.h $(DESTDIR)$(PREFIX)/include/actor/barrier.h
	install -m 644 gen/store.h $(DESTDIR)$(PREFIX)/include/actor/store.h
	sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@VERSION@|$(ACTORC_VERSION)|g' \
	    runtime/libactor.pc.in > $(DESTDIR)$(PREFIX)/lib/pkgconfig/libactor.pc
	for m in $(MAN_PAGES); do \
	    sed 's|@VERSION@|$(ACTORC_VERSION)|g' $$m > $(DESTDIR)$(PREFIX)/share/man/man1/$$(basename $$m .in); \
	done
	install -m 644 README.md $(DESTDIR)$(PREFIX)/share/doc/actorc/
	install -m 644 $(wildcard docs/*.md) $(DESTDIR)$(PREFIX)/share/doc/actorc/docs/

FORMAT_SOURCES = $(filter-out gen/%,$(shell git ls-files '*.c' '*.h' 2>/dev/null))
.PHONY: format
format:
	clang-format -i $(FORMAT_SOURCES)
