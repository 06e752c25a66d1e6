# vpcsim build. `make help` lists the verbs.
#
# Our own code builds with -Wall -Wextra -Werror. BPF objects are compiled by
# clang for the bpf target and embedded as bpftool skeletons; user objects
# that include a skeleton depend on it.

PREFIX  ?= /usr/local
BUILD   := build
CC      ?= gcc
CLANG   ?= clang
BPFTOOL ?= bpftool

PKGS     := libnl-route-3.0 libmnl libnftnl libbpf libcjson libarchive libmicrohttpd libcrypto
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)

CFLAGS  ?= -O2 -g
# Bounded snprintf that may cut is deliberate here (names are validated to
# fit); gcc 12 flags every such call at -O2, so that one warning is off.
CFLAGS  += -std=gnu11 -Wall -Wextra -Werror -Wshadow -Wno-unused-parameter -Wno-format-truncation \
	   -Isrc -Iinclude -I$(BUILD) $(PKG_CFLAGS) -D_GNU_SOURCE
LDLIBS  += $(PKG_LIBS) -lpthread

BPF_SRCS  := $(wildcard bpf/*.bpf.c)
BPF_OBJS  := $(BPF_SRCS:bpf/%.bpf.c=$(BUILD)/%.bpf.o)
BPF_SKELS := $(BPF_SRCS:bpf/%.bpf.c=$(BUILD)/%.skel.h)
BPF_CFLAGS := -O2 -g -target bpf -Wall -Werror -Iinclude \
	      -I/usr/include/$(shell uname -m)-linux-gnu

# src/ holds one folder per layer (see src/README.md). The command line
# (src/cli) sits on top of the others; unit tests link everything below it.
LAYERS   := util model kernel state lambda cli
SRCS     := $(foreach l,$(LAYERS),$(wildcard src/$(l)/*.c))
HDRS     := $(foreach l,$(LAYERS),$(wildcard src/$(l)/*.h)) $(wildcard include/vpcsim/*.h)
CMD_SRCS := $(wildcard src/cli/*.c)
LIB_SRCS := $(filter-out $(CMD_SRCS),$(SRCS))
LIB_OBJS := $(LIB_SRCS:src/%.c=$(BUILD)/obj/%.o)
CMD_OBJS := $(CMD_SRCS:src/%.c=$(BUILD)/obj/%.o)

UNIT_SRCS  := $(wildcard tests/unit/test_*.c)
UNIT_BINS  := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/%)

.PHONY: all deps check unit integration demo bench fuzz clean help install
.DEFAULT_GOAL := all

all: $(BUILD)/vpcsim $(UNIT_BINS)

help:
	@echo "make          build build/vpcsim and the unit tests"
	@echo "make deps     install the Debian packages vpcsim needs (root)"
	@echo "make check    deps, build, then every test (root; prints N passed, N failed)"
	@echo "make unit     unit tests only (no root needed)"
	@echo "make demo     deps, build, bring up examples/demo.json and probe it (root)"
	@echo "make bench    time 'vpcsim up', attach and detach on generated topologies (root)"
	@echo "make clean    remove build/"
	@echo "make install  install vpcsim to \$$(PREFIX)/sbin"

# Installs only what is missing; a no-op on a machine that has everything.
deps:
	@scripts/install-deps.sh

$(BUILD)/obj $(BUILD)/tests:
	@mkdir -p $@

$(BUILD)/%.bpf.o: bpf/%.bpf.c $(wildcard bpf/*.h) $(wildcard include/vpcsim/*.h) | $(BUILD)/obj
	$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(BUILD)/%.skel.h: $(BUILD)/%.bpf.o
	$(BPFTOOL) gen skeleton $< > $@

# Keep BPF objects and skeletons: as pattern-rule intermediates make would
# delete them after each build and rebuild every user object next time.
.SECONDARY: $(BPF_OBJS) $(BPF_SKELS)

# Every user object may include a skeleton, so skeletons come first.
$(BUILD)/obj/%.o: src/%.c $(HDRS) $(BPF_SKELS) | $(BUILD)/obj
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c $< -o $@

$(BUILD)/vpcsim: $(CMD_OBJS) $(LIB_OBJS)
	$(CC) $(CFLAGS) $^ -o $@ $(LDLIBS)

$(BUILD)/tests/%: tests/unit/%.c $(LIB_OBJS) $(wildcard tests/unit/*.h) | $(BUILD)/tests
	$(CC) $(CFLAGS) -Itests/unit $< $(LIB_OBJS) -o $@ $(LDLIBS) -lcmocka

unit: $(UNIT_BINS)
	@tests/run.sh --unit-only

check: deps
	@$(MAKE) --no-print-directory all
	@tests/run.sh

demo: deps
	@$(MAKE) --no-print-directory all
	@scripts/demo.sh

bench: deps
	@$(MAKE) --no-print-directory all
	@bench/up.sh
	@bench/attach.sh

fuzz:
	@$(MAKE) --no-print-directory -C tests/fuzz

# The bundled Lambda runtime clients go where the binary looks for them:
# ../lib/vpcsim/runtimes from its own folder (src/lambda/codepkg.h).
install: $(BUILD)/vpcsim
	install -D -m 0755 $(BUILD)/vpcsim $(DESTDIR)$(PREFIX)/sbin/vpcsim
	install -D -m 0755 runtimes/python/bootstrap $(DESTDIR)$(PREFIX)/lib/vpcsim/runtimes/python/bootstrap
	install -D -m 0644 runtimes/python/bootstrap.py $(DESTDIR)$(PREFIX)/lib/vpcsim/runtimes/python/bootstrap.py
	install -D -m 0755 runtimes/nodejs/bootstrap $(DESTDIR)$(PREFIX)/lib/vpcsim/runtimes/nodejs/bootstrap
	install -D -m 0644 runtimes/nodejs/index.mjs $(DESTDIR)$(PREFIX)/lib/vpcsim/runtimes/nodejs/index.mjs

clean:
	rm -rf $(BUILD)
