# SPDX-License-Identifier: GPL-2.0
#
# physwin: top-level developer entry points.
#
#   make              build physwin.ko for KERNELRELEASE (default: running kernel)
#   make demo         boot the demo VM (Debian's 6.1 kernel) and show physwin at work
#   make check        everything CI runs: static checks, then kselftests in QEMU
#                     on the newest installed 6.1 and 6.12 kernels
#   make style        checkpatch --strict on the sources
#   make sparse       sparse (C=2) and a W=1 build for KERNELRELEASE
#   make bench        physwin against /dev/mem in QEMU on both kernels:
#                     table, build/bench/results.json and plots
#
# The plain kbuild command works too, and is all that make wraps:
#   make -C /lib/modules/$(uname -r)/build M=$PWD modules

KERNELRELEASE ?= $(shell uname -r)
KERNELDIR ?= /lib/modules/$(KERNELRELEASE)/build

all: module

module:
	@test -d '$(KERNELDIR)' || { echo 'No kernel headers in $(KERNELDIR): install linux-headers-$(KERNELRELEASE), or pass KERNELRELEASE=<a release with headers>' >&2; exit 1; }
	$(MAKE) -C '$(KERNELDIR)' M='$(CURDIR)' modules

sparse:
	@test -d '$(KERNELDIR)' || { echo 'No kernel headers in $(KERNELDIR)' >&2; exit 1; }
	$(MAKE) -C '$(KERNELDIR)' M='$(CURDIR)' W=1 C=2 modules

style:
	scripts/style

check:
	scripts/check

demo:
	scripts/demo

bench:
	scripts/bench

clean:
	-test -d '$(KERNELDIR)' && $(MAKE) -C '$(KERNELDIR)' M='$(CURDIR)' clean
	rm -rf build

.PHONY: all module sparse style check demo bench clean
