# Makefile: build capd, aggd, aggd-rollup, the common library, tools and tests.
#   make            build everything (-Wall -Wextra -Werror -O2 -g)
#   make SAN=1      the same under ASan+UBSan, in build-san/
#   make test       install missing Debian packages, build, run every test with prove
#   make demo       the end-to-end demo (see README.md)
#   make bench      the performance suite (see BENCHMARKS.md)
#   make soak       SOAK_MINUTES=30 of steady load, memory and accounting checked (tools/soak)
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

PKGS    := libpcap ldns libcbor libsodium sqlite3 libmaxminddb libmariadb libfstrm libmicrohttpd jansson
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)

CFLAGS_ALL := -std=gnu11 -D_GNU_SOURCE -Wall -Wextra -Werror -Wshadow -Wno-unused-parameter \
	$(OPT) -I. $(PKG_CFLAGS) -MMD -MP
LDFLAGS_ALL := -Wl,--as-needed
ifeq ($(SAN),1)
CFLAGS_ALL  += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
LDFLAGS_ALL += -fsanitize=address,undefined
endif
ifeq ($(FUZZ),1)
CFLAGS_ALL  += -fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer -Wno-unknown-warning-option
LDFLAGS_ALL += -fsanitize=address,undefined
endif
LIBS := $(PKG_LIBS) -lm -lpthread

# one static library per program folder (everything but main.c)
COMMON_SRC := $(wildcard common/*.c)
CAPD_SRC   := $(filter-out capd/main.c,$(wildcard capd/*.c))
AGGD_SRC   := $(filter-out aggd/main.c,$(wildcard aggd/*.c))
ROLLUP_SRC := $(filter-out rollup/main.c,$(wildcard rollup/*.c))
API_SRC    := $(filter-out api/main.c,$(wildcard api/*.c))
TOOL_SRC   := $(wildcard tools/*.c)
UNIT_SRC   := $(wildcard tests/unit/test_*.c)

obj = $(patsubst %.c,$(B)/%.o,$(1))

LIB_COMMON := $(B)/libcommon.a
LIB_CAPD   := $(B)/libcapd.a
LIB_AGGD   := $(B)/libaggd.a
LIB_ROLLUP := $(B)/librollup.a
LIB_API    := $(B)/libapi.a
ALL_LIBS   := $(LIB_CAPD) $(LIB_AGGD) $(LIB_ROLLUP) $(LIB_API) $(LIB_COMMON)

PROGS := $(if $(wildcard capd/main.c),$(B)/bin/capd) $(if $(wildcard aggd/main.c),$(B)/bin/aggd) \
	$(if $(wildcard rollup/main.c),$(B)/bin/aggd-rollup) $(if $(wildcard api/main.c),$(B)/bin/dnsa-api)
TOOLS := $(patsubst tools/%.c,$(B)/bin/%,$(TOOL_SRC))
UNITS := $(patsubst tests/unit/%.c,$(B)/tests/%,$(UNIT_SRC))

# a test or tool links only the program libraries whose headers it includes
test_libs = $(if $(shell grep -l '"capd/' $(1)),$(LIB_CAPD)) $(if $(shell grep -l '"aggd/' $(1)),$(LIB_AGGD)) \
	$(if $(shell grep -l '"rollup/' $(1)),$(LIB_ROLLUP)) $(if $(shell grep -l '"api/' $(1)),$(LIB_API)) $(LIB_COMMON)
.SECONDEXPANSION:

.PHONY: all deps test unit integration demo bench fuzz fuzzers soak clean install
all: $(LIB_COMMON) $(PROGS) $(TOOLS) $(UNITS)

$(B)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -c $< -o $@

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

$(B)/bin/capd: $(B)/capd/main.o $(LIB_CAPD) $(LIB_COMMON)
$(B)/bin/aggd: $(B)/aggd/main.o $(LIB_AGGD) $(LIB_COMMON)
$(B)/bin/aggd-rollup: $(B)/rollup/main.o $(LIB_ROLLUP) $(LIB_COMMON)
$(B)/bin/dnsa-api: $(B)/api/main.o $(LIB_API) $(LIB_COMMON)
$(PROGS):
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS_ALL) -o $@ $(filter %.o %.a,$^) $(filter %.a,$^) $(LIBS)

$(TOOLS): $(B)/bin/%: $(B)/tools/%.o $$(call test_libs,tools/$$*.c)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS_ALL) -o $@ $< $(filter %.a,$^) $(filter %.a,$^) $(LIBS)

$(B)/tests/%: $(B)/tests/unit/%.o $$(call test_libs,tests/unit/$$*.c)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS_ALL) -o $@ $< $(filter %.a,$^) $(filter %.a,$^) $(LIBS)

# libFuzzer targets (make fuzz; FUZZ=1 selects clang and build-fuzz/)
FUZZERS := $(patsubst tests/fuzz/%.c,$(B)/fuzz/%,$(wildcard tests/fuzz/fuzz_*.c))
fuzzers: $(FUZZERS)
$(B)/fuzz/%: $(B)/tests/fuzz/%.o $$(call test_libs,tests/fuzz/$$*.c)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS_ALL) -fsanitize=fuzzer -o $@ $< $(filter %.a,$^) $(filter %.a,$^) $(LIBS)

# make fuzz FUZZ_SECONDS=60: each target for that long, then its corpus as a regression
FUZZ_SECONDS ?= 60
fuzz: deps
	$(MAKE) FUZZ=1 fuzzers
	./tools/fuzz $(CURDIR)/build-fuzz/fuzz $(FUZZ_SECONDS)

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
	DNSA_BUILD=$(CURDIR)/$(B) ./tools/demo

bench: deps
	$(MAKE) all
	DNSA_BUILD=$(CURDIR)/$(B) ./tools/bench

# make soak SOAK_MINUTES=30: the whole chain under steady load, memory flat, every message
# accounted for (tools/soak lists its other settings); not part of make test (soak_short.t is)
SOAK_MINUTES ?= 30
soak: deps
	$(MAKE) all
	DNSA_BUILD=$(CURDIR)/$(B) SOAK_MINUTES=$(SOAK_MINUTES) ./tools/soak

# install: daemons to sbin, dnsa-* tools to bin, man pages, SQL and examples
# under share, units and sysusers for systemd; example configs go to
# $(SYSCONFDIR)/dnsa only where no file of that name exists yet.
BINDIR      ?= $(PREFIX)/bin
SBINDIR     ?= $(PREFIX)/sbin
MANDIR      ?= $(PREFIX)/share/man
DATADIR     ?= $(PREFIX)/share/dnsa
UNITDIR     ?= /lib/systemd/system
SYSUSERSDIR ?= /usr/lib/sysusers.d
# every dnsa-* tool is for operators, except the test-input generators listed here
NOINST_TOOLS  := dnsa-mkpcap
INSTALL_TOOLS := $(filter-out $(addprefix %/,$(NOINST_TOOLS)),$(filter $(B)/bin/dnsa-%,$(TOOLS)) \
	$(filter-out %.c,$(wildcard tools/dnsa-*)))
install: $(PROGS) $(TOOLS)
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
