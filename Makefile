# trace-map-iter build.  `make -j"$(nproc)"` builds build/trace-map-iter;
# `make test` runs every test (root, real kernel); `make bench` runs the
# benchmarks; `make test-asan`, `make test-kernels` and `make check`: see
# README "Testing".  V=1 shows full commands.  CPPFLAGS, CXXFLAGS and LDFLAGS from
# the environment are honoured (Debian's hardening flags reach the binary).
#
# Dependencies: the compiler writes them (-MMD -MP), so touching a header
# rebuilds only its includers and touching bpf/X.bpf.c rebuilds X.bpf.o,
# X.skel.h and the one source that includes X.skel.h.  Generated headers
# (vmlinux.h, skeletons) are order-only prerequisites of the C++ objects:
# they must exist before the first compile; afterwards the .d files say who
# really includes them.

BUILD      ?= build
CLANG      ?= clang
LLVM_STRIP ?= llvm-strip
BPFTOOL    ?= bpftool
CXX        ?= g++
ARCH       := $(shell uname -m | sed 's/x86_64/x86/;s/aarch64/arm64/;s/ppc64le/powerpc/;s/riscv64/riscv/;s/s390x/s390/')
VMLINUX_BTF ?= /sys/kernel/btf/vmlinux

# The version has one source, the VERSION file; `git describe` is added when
# this very directory is a git checkout (not when an unpacked source tree
# sits inside some other repository).  Packagers may set TMI_GIT.
TMI_VERSION := $(shell cat VERSION)
TMI_GIT    ?= $(shell [ "$$(git rev-parse --show-toplevel 2>/dev/null)" = "$(CURDIR)" ] && \
                git describe --tags --always --dirty --match 'v[0-9]*' 2>/dev/null)

CXXFLAGS   ?= -O2 -g1
TMI_CXXFLAGS := -std=c++20 -Wall -Wextra -Wno-missing-field-initializers -MMD -MP
TMI_CPPFLAGS := -I$(BUILD) -Ibpf -Iuser
LDLIBS     := -lbpf -lelf -lz -lfmt -lcrypto -lprometheus-cpp-pull -lprometheus-cpp-core -lncurses -pthread
TEST_LDLIBS := $(LDLIBS) -lexpat # tests parse the SVG the tool writes
BPF_CFLAGS := -g -O2 -Wall -target bpf -D__TARGET_ARCH_$(ARCH) -I$(BUILD) -Ibpf

COMPILE    = $(CXX) $(TMI_CPPFLAGS) $(CPPFLAGS) $(TMI_CXXFLAGS) $(CXXFLAGS)
LINK       = $(CXX) $(CXXFLAGS) $(LDFLAGS)

BPF_SRCS   := $(wildcard bpf/*.bpf.c)
BPF_OBJS   := $(patsubst bpf/%.bpf.c,$(BUILD)/%.bpf.o,$(BPF_SRCS))
SKELS      := $(patsubst bpf/%.bpf.c,$(BUILD)/%.skel.h,$(BPF_SRCS))
GENERATED  := $(BUILD)/vmlinux.h $(SKELS) $(BUILD)/tmi_version.h
USER_SRCS  := $(wildcard user/*/*.cpp)
LIB_SRCS   := $(filter-out user/cli/main.cpp,$(USER_SRCS))
LIB_OBJS   := $(patsubst %.cpp,$(BUILD)/%.o,$(LIB_SRCS))
UNIT_OBJS  := $(patsubst %.cpp,$(BUILD)/%.o,$(wildcard tests/unit/*.cpp))
INTEG_OBJS := $(patsubst %.cpp,$(BUILD)/%.o,$(wildcard tests/integration/*.cpp))
COMMON_OBJS:= $(patsubst %.cpp,$(BUILD)/%.o,$(wildcard tests/common/*.cpp))
ALL_OBJS   := $(LIB_OBJS) $(BUILD)/user/cli/main.o $(UNIT_OBJS) $(INTEG_OBJS) \
              $(COMMON_OBJS) $(BUILD)/tests/bench/bench.o

# Precompiled headers (user/pch/): the standard library and fmt for every
# unit of the tool, nlohmann-json and GoogleTest on top of them for tests/.
# The tool's own units have no JSON header to precompile: nlohmann-json is
# parsed by two units only (base/json.cpp, canon/btf_json.cpp; the rest use
# base/json.hpp's non-template Json), where a PCH would cost more to build
# than it saves.  Each unit gets exactly one with -include; gcc falls back
# to parsing the header when a .gch does not match the flags (-Winvalid-pch
# says so), so a stale or foreign .gch can cost time but never change code.
#
# Cold units are optimised at -Og when the build asks for -O2 or -O3: the
# commands' wiring and argument parsing (user/cli/: CLI11's whole App
# machinery is instantiated in cli.cpp), run once per process, and what
# draws a screen or a picture once a second or once per run (top's table
# and screen, the heat strips, the version line), and what serve and top do
# once per interval or scrape (user/live/: the engine's per-map sums, the
# Prometheus families, the drain loop's ticks, the refresher's scheduling;
# the digests it takes run canon/ at -O2). Nothing per call, per
# record or per map entry is among them. -Og, not -O0: it keeps
# __OPTIMIZE__, so the -O2 precompiled headers stay valid; measured per unit
# it costs 25-45% less than -O2 (cli.o: ~17 CPU-s at -O2, ~11 at -O1); the
# 16 cold units together: 52.9 -> 38.6 CPU-s (-O1 for cli.o alone before).
#
# Clean `make -j2 all` on the 2-core VM: 96-100 CPU-seconds in quiet hours,
# 108-122 in a slow one (interleaved with the build before the Json funnel,
# the shared BPF handler and the user/live -Og set: 149-175); README "Not
# done yet" has what was tried.
# `make` alone builds `all`: the PCH prerequisite lines below name object
# files first, and without this the first of them was the default goal.
.DEFAULT_GOAL := all

PCHS       := std json test
TEST_OBJS  := $(UNIT_OBJS) $(INTEG_OBJS) $(COMMON_OBJS) $(BUILD)/tests/bench/bench.o
STD_OBJS   := $(LIB_OBJS) $(BUILD)/user/cli/main.o
COLD_SRCS  := $(wildcard user/cli/*.cpp) user/live/top_table.cpp user/live/top_screen.cpp \
	user/analysis/heat_strip.cpp user/analysis/heat_text.cpp user/base/version.cpp \
	user/live/engine.cpp user/live/exporter.cpp user/live/live_tracing.cpp \
	user/live/refresher.cpp
COLD_OBJS  := $(patsubst %.cpp,$(BUILD)/%.o,$(COLD_SRCS))
$(STD_OBJS): PCH := std
$(TEST_OBJS): PCH := test
$(STD_OBJS): $(BUILD)/pch/std.hpp.gch
$(TEST_OBJS): $(BUILD)/pch/test.hpp.gch
$(COLD_OBJS): COLD_CXXFLAGS := $(if $(filter -O2 -O3,$(CXXFLAGS)),-Og)

ifeq ($(V),1)
Q =
msg =
else
Q = @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

.DELETE_ON_ERROR:
.PHONY: all test unit integration bench demo fuzz clean install uninstall FORCE \
	test-kernels test-asan check
# Skeletons and BPF objects are kept after a build (not intermediates).
.SECONDARY: $(BPF_OBJS) $(SKELS) $(BUILD)/vmlinux.h $(PCHS:%=$(BUILD)/pch/%.hpp)

all: $(BUILD)/trace-map-iter

$(BUILD):
	$(Q)mkdir -p $@

$(BUILD)/vmlinux.h: | $(BUILD)
	$(call msg,VMLINUX,$@)
	$(Q)$(BPFTOOL) btf dump file $(VMLINUX_BTF) format c > $@

# Rewritten only when its text changes: only version.cpp then recompiles.
$(BUILD)/tmi_version.h: FORCE | $(BUILD)
	$(Q)printf '#define TMI_VERSION "%s"\n#define TMI_VERSION_GIT "%s"\n' \
		'$(TMI_VERSION)' '$(TMI_GIT)' > $@.tmp
	$(Q)if cmp -s $@.tmp $@; then rm -f $@.tmp; else mv -f $@.tmp $@; fi

# BPF objects: -MMD for their headers; stripped of DWARF (-g keeps the BTF
# CO-RE needs; llvm-strip -g drops only the debug sections): the skeleton
# embeds the object, so this keeps the binary small.
$(BUILD)/%.bpf.o: bpf/%.bpf.c | $(BUILD)/vmlinux.h
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -MMD -MP -c $< -o $@
	$(Q)$(LLVM_STRIP) -g $@

$(BUILD)/%.skel.h: $(BUILD)/%.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< > $@

$(BUILD)/pch/%.hpp: user/pch/%.hpp | $(BUILD)
	$(Q)mkdir -p $(@D) && cp $< $@

$(BUILD)/pch/std.hpp.gch: $(BUILD)/pch/std.hpp
$(BUILD)/pch/test.hpp.gch: $(BUILD)/pch/test.hpp $(BUILD)/pch/json.hpp $(BUILD)/pch/std.hpp
$(BUILD)/pch/%.hpp.gch:
	$(call msg,PCH,$@)
	$(Q)$(COMPILE) -Itests -x c++-header $< -o $@

$(BUILD)/%.o: %.cpp | $(GENERATED)
	$(call msg,CXX,$@)
	$(Q)mkdir -p $(@D) && $(COMPILE) $(COLD_CXXFLAGS) -Itests -Winvalid-pch -include $(BUILD)/pch/$(PCH).hpp -c $< -o $@

$(BUILD)/libtmi.a: $(LIB_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(BUILD)/trace-map-iter: $(BUILD)/user/cli/main.o $(BUILD)/libtmi.a
	$(call msg,LINK,$@)
	$(Q)$(LINK) $^ $(LDLIBS) -o $@

$(BUILD)/tests/unit_tests: $(UNIT_OBJS) $(COMMON_OBJS) $(BUILD)/libtmi.a
	$(call msg,LINK,$@)
	$(Q)$(LINK) $^ $(TEST_LDLIBS) -lgtest -lgtest_main -pthread -o $@

$(BUILD)/tests/integration_tests: $(INTEG_OBJS) $(COMMON_OBJS) $(BUILD)/libtmi.a
	$(call msg,LINK,$@)
	$(Q)$(LINK) $^ $(TEST_LDLIBS) -lgtest -lgtest_main -pthread -o $@

$(BUILD)/bench: $(BUILD)/tests/bench/bench.o $(COMMON_OBJS) $(BUILD)/libtmi.a
	$(call msg,LINK,$@)
	$(Q)$(LINK) $^ $(TEST_LDLIBS) -pthread -o $@

test: all $(BUILD)/tests/unit_tests $(BUILD)/tests/integration_tests
	$(Q)scripts/run-tests.sh $(BUILD)

bench: all $(BUILD)/bench
	$(Q)scripts/prepare-host.sh
	$(Q)$(BUILD)/bench $(BUILD)/trace-map-iter

demo: all
	$(Q)scripts/prepare-host.sh
	$(Q)$(BUILD)/trace-map-iter demo

# Fuzzing: clang's libFuzzer with ASan. `make fuzz` builds one binary per
# fuzz/fuzz_NAME.cpp (with the few library sources it needs, compiled
# again with the sanitizers) and runs each for FUZZ_TIME seconds, starting
# from the committed seeds in fuzz/corpus/NAME; inputs it finds go to
# fuzz-out/NAME, crashers to fuzz-out/NAME-crash-* (and make fails).
FUZZ_CXX   ?= clang++
FUZZ_TIME  ?= 60
FUZZ_FLAGS := -std=c++20 -g -O1 -fsanitize=fuzzer,address -Ibpf -Iuser
FUZZ_LIB   := base/hex base/sha256 base/input_file base/json canon/canon canon/canon_io \
              canon/btf_render canon/btf_json maps/maps maps/map_reader maps/key_iterator trace/events
FUZZ_OBJS  := $(patsubst %,$(BUILD)/fuzz/obj/%.o,$(FUZZ_LIB))
FUZZ_NAMES := $(patsubst fuzz/fuzz_%.cpp,%,$(wildcard fuzz/fuzz_*.cpp))
FUZZ_BINS  := $(patsubst %,$(BUILD)/fuzz/bin/fuzz_%,$(FUZZ_NAMES))

$(BUILD)/fuzz/obj/%.o: user/%.cpp
	$(call msg,FUZZ-CXX,$@)
	$(Q)mkdir -p $(@D) && $(FUZZ_CXX) $(FUZZ_FLAGS) -MMD -MP -c $< -o $@

$(BUILD)/fuzz/bin/fuzz_%: fuzz/fuzz_%.cpp $(FUZZ_OBJS)
	$(call msg,FUZZ-LD,$@)
	$(Q)mkdir -p $(@D) && $(FUZZ_CXX) $(FUZZ_FLAGS) $^ -lbpf -lelf -lz -lfmt -lcrypto -o $@

fuzz: $(FUZZ_BINS)
	$(Q)for t in $(FUZZ_NAMES); do \
	  mkdir -p fuzz-out/$$t && \
	  $(BUILD)/fuzz/bin/fuzz_$$t -max_total_time=$(FUZZ_TIME) -print_final_stats=1 \
	    -artifact_prefix=fuzz-out/$$t- fuzz-out/$$t fuzz/corpus/$$t || exit 1; \
	done

# The kernel matrix: the integration suite in qemu guests booting Debian's
# 6.1 and 6.12 kernels (scripts/kernels/matrix.sh; its header lists the
# TMI_KERNELS, TMI_KERNEL_HOOKS, ... knobs).  Kernels are cached in .kernels/.
test-kernels: all $(BUILD)/tests/integration_tests
	$(Q)scripts/kernels/matrix.sh $(BUILD)

# The whole suite built with ASan + UBSan in its own tree; any report, in
# the tests or in the tool they run, fails the run (scripts/run-tests.sh).
# -Wno-maybe-uninitialized: with the sanitizers at -O1, GCC 12 warns inside
# libstdc++'s own std::regex (std::function moves in regex_automaton.h;
# seen building test_prometheus and test_top), a known false positive.
ASAN_BUILD ?= build-asan
SAN_FLAGS  := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer \
	-Wno-maybe-uninitialized
test-asan:
	+$(Q)$(MAKE) BUILD=$(ASAN_BUILD) CXXFLAGS="-O1 -g1 $(SAN_FLAGS)" \
		all $(ASAN_BUILD)/tests/unit_tests $(ASAN_BUILD)/tests/integration_tests
	$(Q)TMI_SANITIZE=1 scripts/run-tests.sh $(ASAN_BUILD)

# test, test-asan, test-kernels; each stage timed; one totals line at the end.
check:
	+$(Q)scripts/check.sh "$(MAKE)"

clean:
	rm -rf $(BUILD)

# make install [PREFIX=/usr/local] [DESTDIR=]: the binary, man page, bash
# completion, systemd unit (for serve), docs and contrib (Prometheus rules,
# scrape config, DaemonSet).  make uninstall removes exactly those files.
PREFIX     ?= /usr/local
SBINDIR    ?= $(PREFIX)/sbin
MANDIR     ?= $(PREFIX)/share/man
BASHCOMPDIR?= $(PREFIX)/share/bash-completion/completions
UNITDIR    ?= $(PREFIX)/lib/systemd/system
DATADIR    ?= $(PREFIX)/share/trace-map-iter
DOCDIR     ?= $(PREFIX)/share/doc/trace-map-iter
DOCS       := README.md docs/canonical-dump.md docs/metrics.md
CONTRIB    := $(patsubst contrib/%,%,$(wildcard contrib/prometheus/*.yml \
                contrib/kubernetes/*.yaml contrib/systemd/*.default))
INSTALLED  := $(SBINDIR)/trace-map-iter $(MANDIR)/man8/trace-map-iter.8 \
              $(BASHCOMPDIR)/trace-map-iter $(UNITDIR)/trace-map-iter.service \
              $(addprefix $(DATADIR)/,$(CONTRIB)) $(addprefix $(DOCDIR)/,$(notdir $(DOCS)))

install: all
	$(call msg,INSTALL,$(DESTDIR)$(PREFIX))
	$(Q)install -D -m 0755 $(BUILD)/trace-map-iter $(DESTDIR)$(SBINDIR)/trace-map-iter
	$(Q)install -D -m 0644 docs/trace-map-iter.8 $(DESTDIR)$(MANDIR)/man8/trace-map-iter.8
	$(Q)install -D -m 0644 completion/trace-map-iter.bash $(DESTDIR)$(BASHCOMPDIR)/trace-map-iter
	$(Q)install -d $(DESTDIR)$(UNITDIR)
	$(Q)sed 's|@SBINDIR@|$(SBINDIR)|g' contrib/systemd/trace-map-iter.service.in \
		> $(DESTDIR)$(UNITDIR)/trace-map-iter.service
	$(Q)chmod 0644 $(DESTDIR)$(UNITDIR)/trace-map-iter.service
	$(Q)for f in $(CONTRIB); do install -D -m 0644 contrib/$$f $(DESTDIR)$(DATADIR)/$$f || exit 1; done
	$(Q)install -d $(DESTDIR)$(DOCDIR) && install -m 0644 $(DOCS) $(DESTDIR)$(DOCDIR)

uninstall:
	$(call msg,UNINSTALL,$(DESTDIR)$(PREFIX))
	$(Q)rm -f $(addprefix $(DESTDIR),$(INSTALLED))
	$(Q)for d in $(sort $(dir $(addprefix $(DESTDIR)$(DATADIR)/,$(CONTRIB)))) $(DESTDIR)$(DATADIR) $(DESTDIR)$(DOCDIR); do \
		[ ! -d $$d ] || rmdir --ignore-fail-on-non-empty $$d; done

-include $(ALL_OBJS:.o=.d) $(BPF_OBJS:.o=.d) $(FUZZ_OBJS:.o=.d)
