# SPDX-License-Identifier: GPL-2.0
#
# physwin: top-level developer entry points.
#
#   make              build physwin.ko for KERNELRELEASE (default: running kernel)
#                     and the physwin command (make tools: the command alone,
#                     with CC, CPPFLAGS, CFLAGS and LDFLAGS from the environment)
#   make demo         boot the demo VM (Debian's 6.1 kernel) and show physwin at work
#   make check        everything CI runs: static checks, then kselftests in QEMU
#                     on the newest installed 6.1 and 6.12 kernels
#   make style        checkpatch --strict on the sources
#   make sparse       sparse (C=2) and a W=1 build for KERNELRELEASE
#   make bench        physwin against /dev/mem in QEMU (amd64 6.1, 6.12, newest):
#                     table, build/bench/results.json and plots
#   make install      physwin.ko into /lib/modules/KVER/updates (then depmod),
#                     <linux/physwin.h>, the documentation, and the physwin
#                     command with its man page; make uninstall
#                     removes exactly that. KVER (or KERNELRELEASE) picks the
#                     kernel, DESTDIR stages everything elsewhere,
#                     INSTALL_MOD_PATH the module tree alone
#   make dkms-install the sources and dkms.conf into /usr/src/physwin-VERSION,
#                     for "dkms add/build/install physwin/VERSION"
#   make check-packaging  make install and uninstall, DKMS, on the host
#                     and confined under build/
#   make deb          physwin-dkms and physwin-tools .debs, from a clean copy
#                     of the tree, into build/deb (then lintian on them)
#   make check-deb    the .debs installed with dpkg in Debian roots booted
#                     in QEMU (6.1, 6.12, newest): DKMS, modprobe, physwin
#                     list, then remove and purge leave nothing behind
#   make kselftest-trees  the kselftests built and installed in a kernel
#                     tree, as kernel CI does, and run in QEMU
#   make coccicheck   the kernel's Coccinelle scripts over the driver
#   make check-debug  the kselftests on a KASAN/lockdep/DEBUG_VM/kmemleak
#                     kernel built from Debian's linux-source-6.12 (cached)
#   make kernels      every kernel Debian ships from 6.1 up, generic and rt,
#                     amd64 and arm64 (scripts/kernels list; scripts/kernels
#                     fetch and build get and build for them)
#
# The plain kbuild command works too, and is all that make wraps:
#   make -C /lib/modules/$(uname -r)/build M=$PWD modules

KVER ?= $(shell uname -r)
KERNELRELEASE ?= $(KVER)
KERNELDIR ?= /lib/modules/$(KERNELRELEASE)/build
PREFIX ?= /usr
DESTDIR ?=
INSTALL_MOD_PATH ?= $(DESTDIR)
INSTALL_MOD_DIR ?= updates
INCLUDEDIR ?= $(PREFIX)/include
DOCDIR ?= $(PREFIX)/share/doc/physwin
BINDIR ?= $(PREFIX)/bin
MANDIR ?= $(PREFIX)/share/man
DEPMOD ?= depmod

# driver/version.h is the one place the version lives.
PHYSWIN_VERSION := $(shell sed -n 's/.*define PHYSWIN_VERSION "\(.*\)".*/\1/p' driver/version.h)
DKMSDIR ?= $(PREFIX)/src/physwin-$(PHYSWIN_VERSION)

all: module tools

module:
	@test -d '$(KERNELDIR)' || { echo 'No kernel headers in $(KERNELDIR): install linux-headers-$(KERNELRELEASE), or pass KERNELRELEASE=<a release with headers>' >&2; exit 1; }
	$(MAKE) -C '$(KERNELDIR)' M='$(CURDIR)' modules

sparse:
	@test -d '$(KERNELDIR)' || { echo 'No kernel headers in $(KERNELDIR)' >&2; exit 1; }
	$(MAKE) -C '$(KERNELDIR)' M='$(CURDIR)' W=1 C=2 modules

# The physwin command: userspace C, built with the host's compiler. The
# warnings are always on; CFLAGS (default -O2 -g), CPPFLAGS and LDFLAGS come
# from the environment, so that dpkg-buildflags' hardening reaches it.
CFLAGS ?= -O2 -g
PHYSWIN_TOOL_CFLAGS := -Wall -Wextra -DPHYSWIN_VERSION='"$(PHYSWIN_VERSION)"'

tools: tools/physwin

tools/physwin: tools/physwin.c driver/version.h
	$(CC) $(CPPFLAGS) $(PHYSWIN_TOOL_CFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $< $(LDLIBS)

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
	rm -f tools/physwin

MODDIR = $(INSTALL_MOD_PATH)/lib/modules/$(KERNELRELEASE)
DOCS := README.md Documentation/physwin.rst \
	Documentation/ABI/testing/sysfs-class-misc-physwin
EXAMPLES := examples/physwin-demo.c examples/modprobe.d/physwin.conf \
	examples/modules-load.d/physwin.conf examples/udev/99-physwin.rules

# Debian's headers have no System.map, so kbuild's modules_install skips
# depmod; run it here, as WireGuard does. A staging root is only depmod'ed
# when it holds a module tree of its own: otherwise the package's
# postinst, or dkms, runs depmod where the module really lands.
define physwin_depmod
	@if [ -z '$(INSTALL_MOD_PATH)' ]; then \
		echo '$(DEPMOD) -a $(KERNELRELEASE)'; \
		$(DEPMOD) -a '$(KERNELRELEASE)'; \
	elif [ -e '$(MODDIR)/modules.order' ]; then \
		echo '$(DEPMOD) -b $(INSTALL_MOD_PATH) -a $(KERNELRELEASE)'; \
		$(DEPMOD) -b '$(INSTALL_MOD_PATH)' -a '$(KERNELRELEASE)'; \
	else \
		echo 'Skipping depmod: $(MODDIR) is not a module tree; run depmod -a $(KERNELRELEASE) where the module is installed.'; \
	fi
endef

# kbuild signs with the kernel's own key (certs/signing_key.x509 and its
# private key); distribution headers ship neither, and the attempt only
# prints SSL errors. Under Secure Boot use DKMS: it signs with the MOK key.
physwin_nosign = $(if $(wildcard $(KERNELDIR)/certs/signing_key.x509),,CONFIG_MODULE_SIG_ALL=)

install: modules_install headers_install docs_install tools_install

# kbuild runs in KERNELDIR: a relative staging path must be made absolute.
modules_install: module
	$(MAKE) -C '$(KERNELDIR)' M='$(CURDIR)' \
		INSTALL_MOD_PATH='$(abspath $(INSTALL_MOD_PATH))' \
		INSTALL_MOD_DIR='$(INSTALL_MOD_DIR)' $(physwin_nosign) modules_install
	$(physwin_depmod)

# Like the kernel's headers_install: userspace sees _LINUX_PHYSWIN_H.
headers_install:
	install -d '$(DESTDIR)$(INCLUDEDIR)/linux'
	sed -E 's@#(ifndef|define|endif[[:space:]]*/[*])[[:space:]]*_UAPI@#\1 @' \
		include/uapi/linux/physwin.h >'$(DESTDIR)$(INCLUDEDIR)/linux/physwin.h'
	chmod 0644 '$(DESTDIR)$(INCLUDEDIR)/linux/physwin.h'

docs_install:
	install -d '$(DESTDIR)$(DOCDIR)/examples/modprobe.d' \
		'$(DESTDIR)$(DOCDIR)/examples/modules-load.d' \
		'$(DESTDIR)$(DOCDIR)/examples/udev'
	install -m 0644 $(DOCS) '$(DESTDIR)$(DOCDIR)/'
	$(foreach f,$(EXAMPLES),install -m 0644 $(f) '$(DESTDIR)$(DOCDIR)/$(f)' &&) true

# Not stripped: packaging strips, and keeps the debug symbols apart.
tools_install: tools/physwin
	install -d '$(DESTDIR)$(BINDIR)' '$(DESTDIR)$(MANDIR)/man1'
	install -m 0755 tools/physwin '$(DESTDIR)$(BINDIR)/physwin'
	install -m 0644 tools/physwin.1 '$(DESTDIR)$(MANDIR)/man1/physwin.1'

# Whatever modules_install wrote: kbuild compresses when the kernel's
# modules are compressed (6.12: .ko.xz).
uninstall:
	rm -f '$(MODDIR)/$(INSTALL_MOD_DIR)/physwin.ko' \
		'$(MODDIR)/$(INSTALL_MOD_DIR)/physwin.ko.xz' \
		'$(MODDIR)/$(INSTALL_MOD_DIR)/physwin.ko.gz' \
		'$(MODDIR)/$(INSTALL_MOD_DIR)/physwin.ko.zst'
	rmdir --ignore-fail-on-non-empty '$(MODDIR)/$(INSTALL_MOD_DIR)' 2>/dev/null || true
	$(physwin_depmod)
	rm -f '$(DESTDIR)$(INCLUDEDIR)/linux/physwin.h'
	rm -rf '$(DESTDIR)$(DOCDIR)'
	rm -f '$(DESTDIR)$(BINDIR)/physwin' '$(DESTDIR)$(MANDIR)/man1/physwin.1'

# What DKMS builds from: its default "make -C <kdir> M=<dir>" reads Kbuild,
# so no Makefile is needed there.
DKMS_SOURCES := Kbuild $(wildcard driver/*.[ch] include/uapi/linux/*.h)

dkms-install: dkms.conf $(DKMS_SOURCES)
	@test -n '$(PHYSWIN_VERSION)' || { echo 'No PHYSWIN_VERSION in driver/version.h' >&2; exit 1; }
	$(foreach f,$(DKMS_SOURCES),install -m 0644 -D $(f) '$(DESTDIR)$(DKMSDIR)/$(f)' &&) true
	sed 's/#MODULE_VERSION#/$(PHYSWIN_VERSION)/' dkms.conf >'$(DESTDIR)$(DKMSDIR)/dkms.conf'
	chmod 0644 '$(DESTDIR)$(DKMSDIR)/dkms.conf'

# Run "dkms remove physwin/$(PHYSWIN_VERSION) --all" first.
dkms-uninstall:
	rm -rf '$(DESTDIR)$(DKMSDIR)'

version:
	@echo '$(PHYSWIN_VERSION)'

check-packaging:
	scripts/check-packaging

deb:
	scripts/deb

check-deb:
	scripts/check-deb

kselftest-trees:
	scripts/check --trees

coccicheck:
	scripts/coccicheck

check-debug:
	scripts/check --debug

kernels:
	scripts/kernels list

.PHONY: all module tools tools_install sparse style check demo clean install modules_install \
	headers_install docs_install uninstall dkms-install dkms-uninstall \
	version check-packaging deb check-deb kselftest-trees coccicheck bench check-debug \
	kernels
