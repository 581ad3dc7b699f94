# Makefile: build capd, aggd, aggd-rollup, the common library, tools (tools/, tests/tools/, bench/) and tests.
#   make            build everything (-Wall -Wextra -Werror -O2 -g)
#   make SAN=1      the same under ASan+UBSan, in build-san/
#   make test       install missing Debian packages, build, run every test with prove
#   make demo       the end-to-end demo (see README.md)
#   make bench      the performance suite (see BENCHMARKS.md)
#   make soak       SOAK_MINUTES=30 of steady load, memory and accounting checked (tests/soak)
#   make install    PREFIX=/usr/local DESTDIR=

PREFIX  ?= /usr/local
SYSCONFDIR ?= /etc
CC      ?= cc
OPT     ?= -O2 -g
SAN     ?= 0
FUZZ    ?= 0
B       := build$(if $(filter 1,$(SAN)),-san)$(if $(filter 1,$(FUZZ)),-fuzz)
ifeq ($(FUZZ),1)
CC      := clang
endif

# pkg-config packages per program library; a program links those of the libraries it
# links, a test or tool also those whose headers it includes itself (src_pkgs below)
PKGS_common := libcbor libsodium
PKGS_capd   := $(PKGS_common) libpcap libfstrm libmaxminddb jansson libbpf
PKGS_aggd   := $(PKGS_common) sqlite3
PKGS_rollup := $(PKGS_common) sqlite3 libmariadb
PKGS_api    := $(PKGS_common) libmariadb libmicrohttpd jansson
# a header a test or tool may include directly -> its package
PKG_OF_pcap/pcap.h := libpcap
PKG_OF_ldns/ldns.h := ldns
PKG_OF_cbor.h      := libcbor
PKG_OF_sodium.h    := libsodium
PKG_OF_sqlite3.h   := sqlite3
PKG_OF_maxminddb.h := libmaxminddb
PKG_OF_mysql.h     := libmariadb
PKG_OF_fstrm.h     := libfstrm
PKG_OF_jansson.h   := jansson
PKG_OF_microhttpd.h := libmicrohttpd

# pkg FLAG,PACKAGES: pkg-config FLAG for PACKAGES; stops make naming any package that is
# missing (an empty flag would only show as an unrelated compile or link error). Expanded
# in recipes only, so `make deps` / `make test` can install the packages first.
pkg = $(if $(filter y,$(shell pkg-config --exists $(2) && echo y)),$(shell pkg-config $(1) $(2)),$(error \
	pkg-config: missing$(foreach p,$(2),$(if $(filter y,$(shell pkg-config --exists $(p) && echo y)),, $(p))): \
	run make deps (tools/install-deps)))

CFLAGS_ALL := -std=gnu11 -D_GNU_SOURCE -Wall -Wextra -Werror -Wshadow -Wno-unused-parameter \
	-Wmissing-prototypes $(OPT) -I. -MMD -MP
LDFLAGS_ALL := -Wl,--as-needed
ifeq ($(SAN),1)
CFLAGS_ALL  += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
LDFLAGS_ALL += -fsanitize=address,undefined
endif
ifeq ($(FUZZ),1)
CFLAGS_ALL  += -fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer -Wno-unknown-warning-option
LDFLAGS_ALL += -fsanitize=address,undefined
endif
SYS_LIBS := -lm -lpthread

# one static library per program folder (everything but main.c)
COMMON_SRC := $(wildcard common/*.c)
CAPD_SRC   := $(filter-out capd/main.c capd/%.bpf.c,$(wildcard capd/*.c))
AGGD_SRC   := $(filter-out aggd/main.c,$(wildcard aggd/*.c))
ROLLUP_SRC := $(filter-out rollup/main.c,$(wildcard rollup/*.c))
API_SRC    := $(filter-out api/main.c,$(wildcard api/*.c))
# tools/: what an operator runs (installed); tests/tools/: test helpers, bench/: benchmark
# tools (built into $(B)/bin beside the others, never installed)
TOOL_SRC   := $(wildcard tools/*.c)
TEST_TOOL_SRC := $(wildcard tests/tools/*.c)
BENCH_SRC  := $(wildcard bench/*.c)
UNIT_SRC   := $(wildcard tests/unit/test_*.c)
FUZZ_SRC   := $(wildcard tests/fuzz/fuzz_*.c)

obj = $(patsubst %.c,$(B)/%.o,$(1))

LIB_COMMON := $(B)/libcommon.a
LIB_CAPD   := $(B)/libcapd.a
LIB_AGGD   := $(B)/libaggd.a
LIB_ROLLUP := $(B)/librollup.a
LIB_API    := $(B)/libapi.a
ALL_LIBS   := $(LIB_CAPD) $(LIB_AGGD) $(LIB_ROLLUP) $(LIB_API) $(LIB_COMMON)

PROGS := $(if $(wildcard capd/main.c),$(B)/bin/capd) $(if $(wildcard aggd/main.c),$(B)/bin/aggd) \
	$(if $(wildcard rollup/main.c),$(B)/bin/aggd-rollup) $(if $(wildcard api/main.c),$(B)/bin/dnsa-api)
OPS_TOOLS   := $(patsubst tools/%.c,$(B)/bin/%,$(TOOL_SRC))
TEST_TOOLS  := $(patsubst tests/tools/%.c,$(B)/bin/%,$(TEST_TOOL_SRC))
BENCH_TOOLS := $(patsubst bench/%.c,$(B)/bin/%,$(BENCH_SRC))
TOOLS := $(OPS_TOOLS) $(TEST_TOOLS) $(BENCH_TOOLS)
UNITS := $(patsubst tests/unit/%.c,$(B)/tests/%,$(UNIT_SRC))

# what a test's, tool's or fuzzer's source includes: program headers ("capd/...") and
# library headers (<sqlite3.h>, ...); one grep per file
src_incs = $(shell grep -ohE '^\#include ("(capd|aggd|rollup|api)/|<[a-z0-9/]+\.h>)' $(1) | sed 's/^\#include [<"]//; s/[>"/]*$$//' | sort -u)
# a test or tool links only the program libraries whose headers it includes
test_libs = $(foreach m,capd aggd rollup api,$(if $(filter $(m),$(call src_incs,$(1))),$(B)/lib$(m).a)) $(LIB_COMMON)
# ... and the packages of those libraries plus those of the library headers it includes
src_pkgs = $(sort $(PKGS_common) $(foreach i,$(call src_incs,$(1)),$(PKGS_$(i)) $(PKG_OF_$(i))))
# compile flags by folder: a program folder's packages; a test or tool its src_pkgs
dir_pkgs = $(if $(filter common capd aggd rollup api,$(1)),$(PKGS_$(1)))
obj_pkgs = $(or $(call dir_pkgs,$(firstword $(subst /, ,$(1)))),$(call src_pkgs,$(1)))
.SECONDEXPANSION:

.PHONY: all deps test unit integration demo bench fuzz fuzzers soak clean install
all: $(LIB_COMMON) $(PROGS) $(TOOLS) $(UNITS)

$(B)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) $(call pkg,--cflags,$(call obj_pkgs,$<)) -c $< -o $@

# the kernel socket filter of live capture: BPF bytecode, embedded in capd by ksample.c (.incbin)
BPF_CLANG ?= clang
# the multiarch include dir holds asm/types.h (clang -dumpmachine does not name it)
MULTIARCH := $(shell dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null || gcc -dumpmachine)
$(B)/capd/ksample.bpf.o: capd/ksample.bpf.c capd/ksample_abi.h
	@mkdir -p $(dir $@)
	$(BPF_CLANG) -target bpf -O2 -g -Wall -Werror -I. -I/usr/include/$(MULTIARCH) -c $< -o $@
$(B)/capd/ksample.o: $(B)/capd/ksample.bpf.o
$(B)/capd/ksample.o: CFLAGS_ALL += -DKSAMPLE_OBJ='"$(B)/capd/ksample.bpf.o"'

$(LIB_COMMON): $(call obj,$(COMMON_SRC))
$(LIB_CAPD):   $(call obj,$(CAPD_SRC))
$(LIB_AGGD):   $(call obj,$(AGGD_SRC))
$(LIB_ROLLUP): $(call obj,$(ROLLUP_SRC))
$(LIB_API):    $(call obj,$(API_SRC))
$(ALL_LIBS):
	@mkdir -p $(dir $@)
	rm -f $@; ar rcs $@ $^ $(if $^,,$(B)/empty.o)

$(B)/empty.o:
	@mkdir -p $(B); echo 'int dnsa_empty_archive_member;' | $(CC) -x c -c - -o $@
$(ALL_LIBS): | $(B)/empty.o

# each program links its own library, then common, each archive once (common depends on
# nothing of the programs), and only the packages those libraries use
$(B)/bin/capd: $(B)/capd/main.o $(LIB_CAPD) $(LIB_COMMON)
$(B)/bin/aggd: $(B)/aggd/main.o $(LIB_AGGD) $(LIB_COMMON)
$(B)/bin/aggd-rollup: $(B)/rollup/main.o $(LIB_ROLLUP) $(LIB_COMMON)
$(B)/bin/capd: PROG_PKGS := $(PKGS_capd)
$(B)/bin/aggd: PROG_PKGS := $(PKGS_aggd)
$(B)/bin/aggd-rollup: PROG_PKGS := $(PKGS_rollup)
$(B)/bin/dnsa-api: PROG_PKGS := $(PKGS_api)
$(B)/bin/dnsa-api: $(B)/api/main.o $(LIB_API) $(LIB_COMMON)
$(PROGS):
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS_ALL) -o $@ $(filter %.o %.a,$^) $(call pkg,--libs,$(PROG_PKGS)) $(SYS_LIBS)

# a test, tool or fuzzer: its object, the archives of test_libs, the packages of src_pkgs
link_one = $(CC) $(LDFLAGS_ALL) $(2) -o $@ $< $(filter %.a,$^) $(call pkg,--libs,$(call src_pkgs,$(1))) $(SYS_LIBS)
$(OPS_TOOLS): $(B)/bin/%: $(B)/tools/%.o $$(call test_libs,tools/$$*.c)
	@mkdir -p $(dir $@)
	$(call link_one,tools/$*.c)
$(TEST_TOOLS): $(B)/bin/%: $(B)/tests/tools/%.o $$(call test_libs,tests/tools/$$*.c)
	@mkdir -p $(dir $@)
	$(call link_one,tests/tools/$*.c)
$(BENCH_TOOLS): $(B)/bin/%: $(B)/bench/%.o $$(call test_libs,bench/$$*.c)
	@mkdir -p $(dir $@)
	$(call link_one,bench/$*.c)
$(B)/tests/%: $(B)/tests/unit/%.o $$(call test_libs,tests/unit/$$*.c)
	@mkdir -p $(dir $@)
	$(call link_one,tests/unit/$*.c)

# libFuzzer targets (make fuzz; FUZZ=1 selects clang and build-fuzz/)
FUZZERS := $(patsubst tests/fuzz/%.c,$(B)/fuzz/%,$(FUZZ_SRC))
fuzzers: $(FUZZERS)
$(B)/fuzz/%: $(B)/tests/fuzz/%.o $$(call test_libs,tests/fuzz/$$*.c)
	@mkdir -p $(dir $@)
	$(call link_one,tests/fuzz/$*.c,-fsanitize=fuzzer)

# objects reached only through the pattern rules above are intermediate: without this
# make deletes them after the first build and recompiles them on the next
.SECONDARY: $(call obj,$(TOOL_SRC) $(TEST_TOOL_SRC) $(BENCH_SRC) $(UNIT_SRC) $(FUZZ_SRC))

# make fuzz FUZZ_SECONDS=60: each target for that long, then its corpus as a regression
FUZZ_SECONDS ?= 60
fuzz: deps
	$(MAKE) FUZZ=1 fuzzers
	./tests/fuzz/run $(CURDIR)/build-fuzz/fuzz $(FUZZ_SECONDS)

deps:
	@./tools/install-deps

# the README's test command: every unit and integration test, by prove
# Under SAN=1 every sanitizer report (ASan, LeakSanitizer, UBSan), also from daemons whose
# exit status a test does not look at, goes to a file; any such file fails the run.
SAN_REPORTS := $(CURDIR)/$(B)/sanitizer-reports
SAN_ENV := $(if $(filter 1,$(SAN)),ASAN_OPTIONS=detect_leaks=1:log_path=$(SAN_REPORTS)/asan \
	UBSAN_OPTIONS=print_stacktrace=1:log_path=$(SAN_REPORTS)/ubsan)
test: deps
	$(MAKE) all
	@rm -rf $(SAN_REPORTS); mkdir -p $(SAN_REPORTS)
	$(SAN_ENV) DNSA_BUILD=$(CURDIR)/$(B) prove -f --timer --exec '' $(UNITS) $(sort $(wildcard tests/integration/*.t))
	@if [ -n "$$(ls -A $(SAN_REPORTS))" ]; then echo "sanitizer reports:"; head -50 $(SAN_REPORTS)/*; exit 1; fi

unit: all
	DNSA_BUILD=$(CURDIR)/$(B) prove -f --exec '' $(UNITS)

integration: all
	DNSA_BUILD=$(CURDIR)/$(B) prove -f --timer --exec '' $(sort $(wildcard tests/integration/*.t))

demo: deps
	$(MAKE) all
	DNSA_BUILD=$(CURDIR)/$(B) ./demo/run

bench: deps
	$(MAKE) all
	DNSA_BUILD=$(CURDIR)/$(B) ./bench/run

# make soak SOAK_MINUTES=30: the whole chain under steady load, memory flat, every message
# accounted for (tests/soak lists its other settings); not part of make test (soak_short.t is)
SOAK_MINUTES ?= 30
soak: deps
	$(MAKE) all
	DNSA_BUILD=$(CURDIR)/$(B) SOAK_MINUTES=$(SOAK_MINUTES) ./tests/soak

# install: daemons to sbin, dnsa-* tools to bin, man pages, SQL and examples
# under share, units and sysusers for systemd; example configs go to
# $(SYSCONFDIR)/dnsa only where no file of that name exists yet.
BINDIR      ?= $(PREFIX)/bin
SBINDIR     ?= $(PREFIX)/sbin
MANDIR      ?= $(PREFIX)/share/man
DATADIR     ?= $(PREFIX)/share/dnsa
UNITDIR     ?= /lib/systemd/system
SYSUSERSDIR ?= /usr/lib/sysusers.d
# the operator tools of tools/ (built ones and scripts); nothing of tests/ or bench/
INSTALL_TOOLS := $(OPS_TOOLS) $(filter-out %.c,$(wildcard tools/dnsa-*))
install: $(PROGS) $(OPS_TOOLS)
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(SBINDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man5 \
		$(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(DATADIR)/sql $(DESTDIR)$(DATADIR)/examples \
		$(DESTDIR)$(DATADIR)/systemd $(DESTDIR)$(UNITDIR) $(DESTDIR)$(SYSUSERSDIR) $(DESTDIR)$(SYSCONFDIR)/dnsa
	$(if $(PROGS),install -m 0755 $(PROGS) $(DESTDIR)$(SBINDIR)/)
	$(if $(strip $(INSTALL_TOOLS)),install -m 0755 $(INSTALL_TOOLS) $(DESTDIR)$(BINDIR)/)
	$(foreach s,1 5 8,$(foreach m,$(wildcard docs/man/*.$(s)),install -m 0644 $(m) $(DESTDIR)$(MANDIR)/man$(s)/ &&)) :
	$(foreach f,$(shell find sql -type f -name '*.sql'),install -D -m 0644 $(f) $(DESTDIR)$(DATADIR)/$(f) &&) :
	$(foreach f,$(wildcard conf/*),install -m 0644 $(f) $(DESTDIR)$(DATADIR)/examples/ &&) :
	install -m 0644 systemd/capd-pcap.conf $(DESTDIR)$(DATADIR)/systemd/
	install -d $(DESTDIR)$(DATADIR)/web
	install -m 0644 web/index.html web/app.js web/style.css web/openapi.json $(DESTDIR)$(DATADIR)/web/
	install -m 0644 systemd/dnsa.sysusers $(DESTDIR)$(SYSUSERSDIR)/dnsa.conf
	$(foreach u,$(wildcard systemd/*.service systemd/*.timer),sed -e 's|/usr/local/sbin/|$(SBINDIR)/|g' \
		-e 's|/etc/dnsa/|$(SYSCONFDIR)/dnsa/|g' $(u) > $(DESTDIR)$(UNITDIR)/$(notdir $(u)) && \
		chmod 0644 $(DESTDIR)$(UNITDIR)/$(notdir $(u)) &&) :
	$(foreach f,$(wildcard conf/*.conf),{ [ -e $(DESTDIR)$(SYSCONFDIR)/dnsa/$(notdir $(f)) ] || \
		install -m 0644 $(f) $(DESTDIR)$(SYSCONFDIR)/dnsa/; } &&) :

clean:
	rm -rf build build-san build-fuzz

-include $(shell find $(B) -name '*.d' 2>/dev/null)
