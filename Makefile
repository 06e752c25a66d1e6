# vpcsim build. `make help` lists the verbs.
#
# Our own code builds with -Wall -Wextra -Werror. BPF objects are compiled by
# clang for the bpf target and embedded as bpftool skeletons; user objects
# that include a skeleton depend on it.

PREFIX  ?= /usr/local
# SANITIZE=1: ASan + UBSan build in build-san/ (make check SANITIZE=1 runs
# the whole suite on it).
SANITIZE ?= 0
ifeq ($(SANITIZE),1)
BUILD   := build-san
else
BUILD   := build
endif
CC      ?= gcc
CLANG   ?= clang
BPFTOOL ?= bpftool

# Linked: what every command uses. Opened on first use (src/util/dlib.h):
# the libraries a few verbs need, which linked would cost every start.
PKGS     := libnl-route-3.0 libmnl libnftnl libbpf libcjson uuid smartcols zlib
PKGS_DL  := libpq libmariadb libarchive libmicrohttpd libcrypto yaml-0.1
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) $(PKGS_DL) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)

CFLAGS  ?= -O2 -g
# Bounded snprintf that may cut is deliberate here (names are validated to
# fit); gcc 12 flags every such call at -O2, so that one warning is off.
CFLAGS  += -std=gnu11 -Wall -Wextra -Werror -Wshadow -Wno-unused-parameter -Wno-format-truncation \
	   -Isrc -Iinclude -I$(BUILD) $(PKG_CFLAGS) -D_GNU_SOURCE
LDLIBS  += $(PKG_LIBS) -lpthread
ifeq ($(SANITIZE),1)
SAN_FLAGS := -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
CFLAGS  += $(SAN_FLAGS)
LDLIBS  += $(SAN_FLAGS)
endif

BPF_SRCS  := $(wildcard bpf/*.bpf.c)
BPF_OBJS  := $(BPF_SRCS:bpf/%.bpf.c=$(BUILD)/%.bpf.o)
BPF_SKELS := $(BPF_SRCS:bpf/%.bpf.c=$(BUILD)/%.skel.h)
BPF_CFLAGS := -O2 -g -target bpf -Wall -Werror -Iinclude \
	      -I/usr/include/$(shell uname -m)-linux-gnu

# src/ holds one folder per layer (see src/README.md). The command line
# (src/cli) sits on top of the others; unit tests link everything below it.
# The CNI plugin (src/cni) is a program of its own on the same layers.
LAYERS := util model kernel state lambda aws cli cni
SRCS     := $(foreach l,$(LAYERS),$(wildcard src/$(l)/*.c))
HDRS     := $(foreach l,$(LAYERS),$(wildcard src/$(l)/*.h)) $(wildcard include/vpcsim/*.h)
CMD_SRCS := $(wildcard src/cli/*.c)
CNI_SRCS := $(wildcard src/cni/*.c)
LIB_SRCS := $(filter-out $(CMD_SRCS) $(CNI_SRCS),$(SRCS))
LIB_OBJS := $(LIB_SRCS:src/%.c=$(BUILD)/obj/%.o)
CMD_OBJS := $(CMD_SRCS:src/%.c=$(BUILD)/obj/%.o)
CNI_OBJS := $(CNI_SRCS:src/%.c=$(BUILD)/obj/%.o)

# tests/unit: cmocka tests that need no privilege and never touch the
# kernel; tests/kernel: cmocka tests that do (BPF_PROG_TEST_RUN, namespaces,
# nftables, cgroups), each skipped, and counted as skipped, without root.
UNIT_SRCS   := $(wildcard tests/unit/test_*.c)
KERNEL_SRCS := $(wildcard tests/kernel/test_*.c)
UNIT_BINS   := $(UNIT_SRCS:tests/%.c=$(BUILD)/tests/%) $(KERNEL_SRCS:tests/%.c=$(BUILD)/tests/%)

# The java17 runtime client's sources and jar (the rule is below).
JAVA_RT_SRCS := $(shell find runtimes/java/src -name '*.java' 2>/dev/null)
JAVA_RT_JAR  := runtimes/java/lib/vpcsim-lambda-java.jar
JACKSON_CP   := $(subst $(eval) ,:,$(patsubst %,/usr/share/java/jackson-%.jar,databind core annotations))

.PHONY: all layers deps check unit integration demo bench fuzz fuzz-build fuzz-reach clean help install uninstall docs-images FORCE
.DEFAULT_GOAL := all

# The Python runtime client compiled by the interpreter its bootstrap runs
# (/usr/bin/python3) into runtimes/python/__pycache__: each environment
# then loads its code instead of compiling it (runtimes/python/bootstrap.py,
# docs/RUNTIME.md). Checked against a hash of the source, not its mtime, so
# a copy (make install) stays valid and an edited source is never run
# stale. Without that interpreter, nothing: the client compiles itself at
# each start, as before.
PY_RIC_PYC := $(shell /usr/bin/python3 -c 'import importlib.util as u; \
	print(u.cache_from_source("runtimes/python/vpcsim_ric.py"))' 2>/dev/null)
all: layers $(BUILD)/vpcsim $(BUILD)/vpcsim-cni $(BUILD)/vpcsim-rds-proxy $(BUILD)/vpcsim.8 $(UNIT_BINS) \
	$(JAVA_RT_JAR) $(PY_RIC_PYC)

ifneq ($(PY_RIC_PYC),)
$(PY_RIC_PYC): runtimes/python/vpcsim_ric.py
	/usr/bin/python3 -c 'import py_compile as p, sys; p.compile(sys.argv[1], doraise=True, \
		invalidation_mode=p.PycInvalidationMode.CHECKED_HASH)' $<
endif

# vpcsim-rds-proxy: RDS Proxy as a program of its own, linked (it runs long
# and jailed; src/rdsproxy/README.md).
PROXY_SRCS := $(wildcard src/rdsproxy/*.c)
PROXY_OBJS := $(PROXY_SRCS:src/%.c=$(BUILD)/obj/%.o)
PROXY_LIBS := $(shell pkg-config --libs libpq openssl libcjson 2>/dev/null) -lpthread
$(BUILD)/vpcsim-rds-proxy: $(PROXY_OBJS)
	$(CC) $(CFLAGS) $^ -o $@ $(PROXY_LIBS) $(if $(filter 1,$(SANITIZE)),$(SAN_FLAGS))
$(PROXY_OBJS): src/rdsproxy/proxy.h

# The java17 runtime client (runtimes/java, docs/RUNTIME.md "Java"): its
# jar built with the JDK's javac against Debian's Jackson into
# runtimes/java/lib (mounted at /var/runtime/lib). Without a JDK or Jackson
# (sudo make deps installs them) the rest builds and java17 functions fail
# to start, saying so (JAVA_RT_* are set above, before `all`).
$(JAVA_RT_JAR): $(JAVA_RT_SRCS)
	@if command -v javac >/dev/null && command -v jar >/dev/null && \
	    [ -f /usr/share/java/jackson-databind.jar ]; then \
		rm -rf $(BUILD)/java && mkdir -p $(BUILD)/java $(dir $@) && \
		echo "javac runtimes/java -> $@" && \
		javac --release 17 -nowarn -d $(BUILD)/java -cp $(JACKSON_CP) $^ && \
		jar --create --file $@.tmp -C $(BUILD)/java . && mv $@.tmp $@; \
	else echo "make: no javac or Jackson: the java17 runtime is not built (sudo make deps)"; fi

# The one-way include rule, no include circle, no host path literal outside
# src/util/paths.h (src/README.md).
layers:
	@scripts/check-layers.sh

help:
	@echo "make          build build/vpcsim and the unit tests"
	@echo "make deps     install the Debian packages vpcsim needs (root)"
	@echo "make check    deps, build, then every test (root; prints N passed, N failed, N skipped)"
	@echo "make check TEST=NAME   only the tests whose file name contains NAME"
	@echo "make unit     cmocka tests only (tests/unit; tests/kernel skip without root)"
	@echo "               SANITIZE=1: the same on an ASan+UBSan build (build-san/)"
	@echo "make fuzz     run each libFuzzer target for FUZZ_SECONDS (default 60)"
	@echo "make demo     deps, build, then the lessons of Lambda networking on real packets (root;"
	@echo "              STEP=1 pauses before each lesson)"
	@echo "make bench    every benchmark (bench/run.sh): up/down vs the kernel floor, attach/detach, sg, data plane, memory (root)"
	@echo "make fuzz-reach  reach vs probe on thousands of random topologies/queries (root;"
	@echo "              FUZZ_REACH_SEED=N FUZZ_REACH_CASES=N)"
	@echo "make docs-images  draw docs/images/demo.svg from examples/demo.json"
	@echo "make clean    remove build/"
	@echo "make install  install vpcsim, its man page, bash completion, schema and runtimes"
	@echo "               under \$$(DESTDIR)\$$(PREFIX) (PREFIX=$(PREFIX))"
	@echo "make uninstall  remove what make install installed"

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

# The version: VERSION holds the release, git describe adds the commit
# when built from a checkout. build/version.h is rewritten only when it
# changes, so only cmd_help.o follows a new commit.
VERSION := $(shell cat VERSION)
$(BUILD)/version.h: FORCE | $(BUILD)/obj
	@v='$(VERSION)'; g=$$(git describe --always --dirty 2>/dev/null || true); \
	printf '#define VPCSIM_VERSION "%s"\n#define VPCSIM_GIT "%s"\n' "$$v" "$$g" >$@.tmp; \
	if cmp -s $@.tmp $@; then rm -f $@.tmp; else mv $@.tmp $@; fi
$(BUILD)/obj/cli/cmd_help.o: $(BUILD)/version.h
FORCE:

# The man page: docs/vpcsim.8.in with its COMMANDS section printed from the
# verb table by the binary itself, so the two cannot drift, and the schema's
# path under the PREFIX this make was given (datadir changes with it, so
# `make install PREFIX=/usr` installs a page that names /usr/share/vpcsim).
$(BUILD)/datadir: FORCE | $(BUILD)/obj
	@echo '$(DATADIR)' >$@.tmp; if cmp -s $@.tmp $@; then rm -f $@.tmp; else mv $@.tmp $@; fi
$(BUILD)/vpcsim.8: docs/vpcsim.8.in $(BUILD)/vpcsim VERSION $(BUILD)/datadir
	$(BUILD)/vpcsim help --man >$@.cmds
	sed -e 's/@VERSION@/$(VERSION)/' -e "s/@DATE@/$$(date -u -r docs/vpcsim.8.in +%Y-%m-%d)/" \
	    -e 's|@DATADIR@|$(DATADIR)|' \
	    -e '/^@COMMANDS@$$/{r $@.cmds' -e 'd}' $< >$@
	rm -f $@.cmds

$(BUILD)/vpcsim: $(CMD_OBJS) $(LIB_OBJS)
	$(CC) $(CFLAGS) $^ -o $@ $(LDLIBS)

$(BUILD)/vpcsim-cni: $(CNI_OBJS) $(LIB_OBJS)
	$(CC) $(CFLAGS) $^ -o $@ $(LDLIBS)

$(BUILD)/tests/%: tests/%.c $(LIB_OBJS) $(wildcard tests/*/*.h) | $(BUILD)/tests
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -I$(dir $<) -Itests/unit $< $(LIB_OBJS) -o $@ $(LDLIBS) -lcmocka

unit: $(UNIT_BINS)
	@BUILD=$(BUILD) tests/run.sh --unit-only

# make check TEST=NAME: only the tests whose file name contains NAME.
# The build runs one job a CPU (CI calls plain `make check`: a fresh
# clone's build took 166 s alone, 54 s with two jobs).
NPROC := $(shell nproc 2>/dev/null || echo 1)
check: deps
	@$(MAKE) --no-print-directory -j$(NPROC) all
	@BUILD=$(BUILD) tests/run.sh $(TEST)

demo: deps
	@$(MAKE) --no-print-directory -j$(NPROC) all
	@scripts/demo.sh $(if $(STEP),--step)

bench: deps
	@scripts/install-deps.sh --bench
	@$(MAKE) --no-print-directory all
	@bench/run.sh

FUZZ_SECONDS ?= 60
fuzz: $(BPF_SKELS)
	@$(MAKE) --no-print-directory -C tests/fuzz run FUZZ_SECONDS=$(FUZZ_SECONDS) PKGS="$(PKGS)" PKGS_DL="$(PKGS_DL)" BUILD=$(BUILD)

# Built by tests/run.sh for the smoke run `make check` does.
fuzz-build: $(BPF_SKELS)
	@$(MAKE) --no-print-directory -j$(NPROC) -C tests/fuzz all PKGS="$(PKGS)" PKGS_DL="$(PKGS_DL)" BUILD=$(BUILD)

# The differential test of `reach` against real probes, at scale. A copy of
# the binary is used, so rebuilding meanwhile does not disturb the run.
FUZZ_REACH_SEED  ?= $(shell date +%s)
FUZZ_REACH_CASES ?= 2000
fuzz-reach: $(BUILD)/vpcsim
	@cp $(BUILD)/vpcsim $(BUILD)/vpcsim-fuzz-reach
	VPCSIM=$(BUILD)/vpcsim-fuzz-reach tests/reach_fuzz.py --seed $(FUZZ_REACH_SEED) --cases $(FUZZ_REACH_CASES)

# The README's picture, drawn by vpcsim itself (needs Graphviz's dot).
docs-images: $(BUILD)/vpcsim
	@mkdir -p docs/images
	$(BUILD)/vpcsim graph examples/demo.json --format svg -o docs/images/demo.svg


# Installs under $(DESTDIR)$(PREFIX): the binary (sbin: it is an
# administrator's tool), the man page, the bash completion, the JSON Schema
# of the topology format, and the Lambda runtime clients when the tree has
# a runtimes/ folder, and the AWS zone's engines once installed
# (engines/node_modules). uninstall removes exactly these.
BINDIR  := $(PREFIX)/sbin
MANDIR  := $(PREFIX)/share/man/man8
COMPDIR := $(PREFIX)/share/bash-completion/completions
DATADIR := $(PREFIX)/share/vpcsim
RTDIR   := $(PREFIX)/lib/vpcsim/runtimes
RUNTIMES ?= runtimes
ENGDIR  := $(PREFIX)/lib/vpcsim/engines
# Where runtimes look for CNI plugins (podman, containerd, kubelet).
CNIDIR  ?= /opt/cni/bin

install: $(BUILD)/vpcsim $(BUILD)/vpcsim-cni $(BUILD)/vpcsim-rds-proxy $(BUILD)/vpcsim.8 $(JAVA_RT_JAR)
	install -D -m 0755 $(BUILD)/vpcsim $(DESTDIR)$(BINDIR)/vpcsim
	install -D -m 0755 $(BUILD)/vpcsim-cni $(DESTDIR)$(CNIDIR)/vpcsim
	install -D -m 0755 $(BUILD)/vpcsim-rds-proxy $(DESTDIR)$(PREFIX)/lib/vpcsim/vpcsim-rds-proxy
	install -D -m 0644 $(BUILD)/vpcsim.8 $(DESTDIR)$(MANDIR)/vpcsim.8
	install -D -m 0644 completion/vpcsim.bash $(DESTDIR)$(COMPDIR)/vpcsim
	$(if $(wildcard docs/topology.schema.json),install -D -m 0644 docs/topology.schema.json \
		$(DESTDIR)$(DATADIR)/topology.schema.json)
	$(if $(wildcard $(RUNTIMES)),install -d $(DESTDIR)$(RTDIR) && \
		cp -R --no-preserve=ownership $(RUNTIMES)/. $(DESTDIR)$(RTDIR)/)
	$(if $(wildcard engines/node_modules),install -d $(DESTDIR)$(ENGDIR) && \
		cp -R --no-preserve=ownership engines/. $(DESTDIR)$(ENGDIR)/)

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/vpcsim $(DESTDIR)$(MANDIR)/vpcsim.8 $(DESTDIR)$(COMPDIR)/vpcsim
	rm -f $(DESTDIR)$(CNIDIR)/vpcsim
	rm -f $(DESTDIR)$(DATADIR)/topology.schema.json $(DESTDIR)$(PREFIX)/lib/vpcsim/vpcsim-rds-proxy
	rm -rf $(DESTDIR)$(RTDIR) $(DESTDIR)$(ENGDIR)
	-rmdir $(DESTDIR)$(DATADIR) $(DESTDIR)$(PREFIX)/lib/vpcsim 2>/dev/null

clean:
	rm -rf build build-san runtimes/java/lib runtimes/python/__pycache__
