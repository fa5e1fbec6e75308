# Set-up and everyday commands. `make run` starts the server on the embedded SQLite default;
# `make test` runs the whole suite (tox: tests on SQLite and PostgreSQL, the real-kernel tests
# in QEMU guests, the web console in headless Chromium, then ruff).
# Both install what they need first: Debian packages (as root, or through sudo), then a
# virtual environment in .venv with the project and tox; `make test` also builds the guests'
# kernel and userland from Debian's packages into GUEST_CACHE (outside git, ~150 MB).

PYTHON ?= python3
VENV := .venv
SYSTEM_PACKAGES := python3 python3-venv python3-dev gcc make pkg-config \
	libaugeas-dev augeas-lenses augeas-tools libxml2-dev util-linux openssl \
	python3-gi gir1.2-nm-1.0 systemd kmod qemu-system-x86
# Only for `make test`: the browser the web console's tests drive, and XML-RPC clients written
# by others (Ruby's, Perl's Frontier) that tests/rpc/test_foreign_clients.py runs; HAProxy for
# tests/scripts/test_load_balancer.py (its service is not configured: it listens nowhere).
TEST_PACKAGES := chromium chromium-driver ruby ruby-xmlrpc libfrontier-rpc-perl haproxy
GUEST_CACHE ?= $(or $(XDG_CACHE_HOME),$(HOME)/.cache)/ovirt-node-config/guest
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

# `make install`: the commands in their own virtual environment under PREFIX, linked into
# BINDIR, the systemd units (ExecStart in BINDIR) in UNITDIR, the example settings in CONFDIR
# (an existing server.ini is kept). Every directory can be moved, e.g. for a package build.
PREFIX ?= /opt/ovirt-node-config
BINDIR ?= /usr/local/bin
UNITDIR ?= /etc/systemd/system
CONFDIR ?= /etc/ovirt-node-config
COMMANDS := ovirt-node-config-server ovirt-node-admin ovirt-node-boot
UNITS := ovirt-node-config-server.service ovirt-node-boot.service ovirt-node-check.service \
	ovirt-node-check.timer

.PHONY: run test check lint system-packages test-packages guest-cache clean install install-files

run: $(VENV)/.installed
	$(VENV)/bin/ovirt-node-config-server serve $(ARGS)

test: $(VENV)/.installed guest-cache test-packages
	OVIRT_NODE_CONFIG_GUEST_CACHE=$(GUEST_CACHE) $(VENV)/bin/tox run -e py,lint -- $(ARGS)

# The edit-test loop: the whole suite on SQLite and PostgreSQL but the QEMU guests and the
# browser (no guest cache, no Chromium needed); CI still runs `make test`.
check: $(VENV)/.installed
	$(VENV)/bin/tox run -e py -- --ignore=tests/guest \
		--ignore=tests/ovirt_node_config/console/test_browser.py $(ARGS)

# Debian's kernel, NetworkManager and busybox for the test guests (tests/helpers/guest_vm.py);
# quiet and quick when up to date.
guest-cache: system-packages
	tests/helpers/guest/build-cache "$(GUEST_CACHE)"

lint: $(VENV)/.installed
	$(VENV)/bin/tox run -e lint

test-packages:
	@$(MAKE) --no-print-directory system-packages SYSTEM_PACKAGES="$(TEST_PACKAGES)"

system-packages:
	@missing=$$(for p in $(SYSTEM_PACKAGES); do \
		dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed$$' || echo $$p; \
	done); \
	if [ -n "$$missing" ]; then \
		echo "installing system packages:" $$missing; \
		$(SUDO) apt-get update -q && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -q --no-install-recommends $$missing; \
	fi

$(VENV)/.installed: setup.cfg pyproject.toml | system-packages
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q --upgrade pip
	$(VENV)/bin/pip install -q -e '.[server]' 'tox>=4'
	touch $@

install: system-packages
	$(PYTHON) -m venv $(PREFIX)
	$(PREFIX)/bin/pip install -q --upgrade pip
	$(PREFIX)/bin/pip install -q '.[server]'
	$(MAKE) install-files

# The links, units and settings alone, over an environment that already holds the commands.
install-files:
	install -d $(BINDIR) $(UNITDIR) $(CONFDIR)
	for command in $(COMMANDS); do ln -sfn $(PREFIX)/bin/$$command $(BINDIR)/$$command; done
	for unit in $(UNITS); do \
		sed -e 's|/usr/local/bin/|$(BINDIR)/|g' -e 's|/etc/ovirt-node-config/|$(CONFDIR)/|g' \
			contrib/$$unit > $(UNITDIR)/$$unit && chmod 0644 $(UNITDIR)/$$unit; \
	done
	[ -e $(CONFDIR)/server.ini ] || install -m 0644 contrib/server.ini $(CONFDIR)/server.ini
	@echo "installed: $(COMMANDS) in $(BINDIR); units in $(UNITDIR); settings in $(CONFDIR)/server.ini"

clean:
	rm -rf $(VENV) .tox build dist *.egg-info .pytest_cache .ruff_cache .hypothesis
