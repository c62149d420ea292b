# trace-map-iter build.  `make` builds build/trace-map-iter; `make test` runs
# every test (root, real kernel); `make bench` runs the benchmarks.
# V=1 shows full commands.

# Parallel by default: the C++ (CLI11 is header-heavy) takes minutes serially.
MAKEFLAGS  += -j$(shell nproc)

BUILD      ?= build
CLANG      ?= clang
BPFTOOL    ?= bpftool
CXX        ?= g++
ARCH       := $(shell uname -m | sed 's/x86_64/x86/;s/aarch64/arm64/;s/ppc64le/powerpc/;s/riscv64/riscv/;s/s390x/s390/')
VMLINUX_BTF ?= /sys/kernel/btf/vmlinux

CXXFLAGS   ?= -O2 -g
CXXFLAGS   += -std=c++20 -Wall -Wextra -Wno-missing-field-initializers -I$(BUILD) -Ibpf -Iuser
LDLIBS     := -lbpf -lelf -lz -lfmt -lcrypto -pthread
BPF_CFLAGS := -g -O2 -Wall -target bpf -D__TARGET_ARCH_$(ARCH) -I$(BUILD) -Ibpf

BPF_SRCS   := $(wildcard bpf/*.bpf.c)
SKELS      := $(patsubst bpf/%.bpf.c,$(BUILD)/%.skel.h,$(BPF_SRCS))
LIB_SRCS   := $(filter-out user/main.cpp,$(wildcard user/*.cpp))
LIB_OBJS   := $(patsubst user/%.cpp,$(BUILD)/user/%.o,$(LIB_SRCS))
UNIT_OBJS  := $(patsubst tests/%.cpp,$(BUILD)/tests/%.o,$(wildcard tests/unit/*.cpp))
INTEG_OBJS := $(patsubst tests/%.cpp,$(BUILD)/tests/%.o,$(wildcard tests/integration/*.cpp))
COMMON_OBJS:= $(patsubst tests/%.cpp,$(BUILD)/tests/%.o,$(wildcard tests/common/*.cpp))

ifeq ($(V),1)
Q =
msg =
else
Q = @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

.DELETE_ON_ERROR:
.PHONY: all test unit integration bench demo clean
.SECONDARY:

all: $(BUILD)/trace-map-iter

$(BUILD) $(BUILD)/user $(BUILD)/tests:
	$(Q)mkdir -p $@

$(BUILD)/vmlinux.h: | $(BUILD)
	$(call msg,VMLINUX,$@)
	$(Q)$(BPFTOOL) btf dump file $(VMLINUX_BTF) format c > $@

$(BUILD)/%.bpf.o: bpf/%.bpf.c $(BUILD)/vmlinux.h $(wildcard bpf/*.h) | $(BUILD)
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(BUILD)/%.skel.h: $(BUILD)/%.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< > $@

$(BUILD)/user/%.o: user/%.cpp $(wildcard user/*.hpp) bpf/trace_map_iter.h $(SKELS) | $(BUILD)/user
	$(call msg,CXX,$@)
	$(Q)$(CXX) $(CXXFLAGS) -c $< -o $@

$(BUILD)/libtmi.a: $(LIB_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(BUILD)/trace-map-iter: $(BUILD)/user/main.o $(BUILD)/libtmi.a
	$(call msg,LINK,$@)
	$(Q)$(CXX) $(CXXFLAGS) $^ $(LDLIBS) -o $@

# One object per test file, so test sources compile in parallel.
$(BUILD)/tests/%.o: tests/%.cpp $(wildcard tests/common/*.hpp) $(wildcard user/*.hpp) $(SKELS)
	$(call msg,CXX,$@)
	$(Q)mkdir -p $(@D) && $(CXX) $(CXXFLAGS) -Itests -c $< -o $@

$(BUILD)/tests/unit_tests: $(UNIT_OBJS) $(COMMON_OBJS) $(BUILD)/libtmi.a
	$(call msg,LINK,$@)
	$(Q)$(CXX) $(CXXFLAGS) $^ $(LDLIBS) -lgtest -lgtest_main -pthread -o $@

$(BUILD)/tests/integration_tests: $(INTEG_OBJS) $(COMMON_OBJS) $(BUILD)/libtmi.a
	$(call msg,LINK,$@)
	$(Q)$(CXX) $(CXXFLAGS) $^ $(LDLIBS) -lgtest -lgtest_main -pthread -o $@

$(BUILD)/bench: $(BUILD)/tests/bench/bench.o $(COMMON_OBJS) $(BUILD)/libtmi.a
	$(call msg,LINK,$@)
	$(Q)$(CXX) $(CXXFLAGS) $^ $(LDLIBS) -pthread -o $@

test: all $(BUILD)/tests/unit_tests $(BUILD)/tests/integration_tests
	$(Q)scripts/run-tests.sh $(BUILD)

bench: all $(BUILD)/bench
	$(Q)scripts/prepare-host.sh
	$(Q)$(BUILD)/bench $(BUILD)/trace-map-iter

demo: all
	$(Q)scripts/prepare-host.sh
	$(Q)$(BUILD)/trace-map-iter demo

clean:
	rm -rf $(BUILD)
