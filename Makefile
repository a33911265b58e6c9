# The two commands of the README: `make run` and `make test`. Both set up what they need.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test bench bench-desk check-deploy cluster cluster-down cluster-bench clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet --editable '.[test]'
	touch $@

# The task queue's worker (mail) runs beside the web server and stops with it.
run: $(VENV)/.installed
	DEBUG=$${DEBUG:-1} $(PY) manage.py migrate --noinput
	DEBUG=$${DEBUG:-1} $(PY) manage.py load_demo
	export DEBUG=$${DEBUG:-1} SITE_URL=$${SITE_URL:-http://$(HOST):$(PORT)}; \
	$(PY) manage.py worker & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker' EXIT INT TERM; \
	$(PY) manage.py runserver $(HOST):$(PORT)

test: $(VENV)/.installed
	$(PY) -m pytest $(PYTEST_ARGS)

bench: $(VENV)/.installed
	$(PY) manage.py bench

# The moderators' admin at 120,000 comments (a few minutes; meant for PostgreSQL).
bench-desk: $(VENV)/.installed
	$(PY) manage.py bench_desk

# The settings production would set: HTTPS, a real key, a host name, and mail sent by SMTP
# (the console backend would write reset links to the log, which `check --deploy` refuses).
check-deploy: $(VENV)/.installed
	DEBUG=0 HTTPS=1 SECRET_KEY=$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(50))') \
		ALLOWED_HOSTS=news.example.com EMAIL_BACKEND=django.core.mail.backends.smtp.EmailBackend \
		$(PY) manage.py check --deploy --fail-level WARNING

# The site laid out as on several machines, on this one (README, "Several machines"): installs
# what is missing from Debian's packages, starts it all, prints the addresses and returns.
cluster: $(VENV)/.installed
	@missing="$$($(PY) manage.py cluster missing)"; \
	if [ -n "$$missing" ]; then \
		sudo=$$([ "$$(id -u)" = 0 ] || echo sudo); \
		$$sudo apt-get update -qq && $$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	fi
	$(PY) manage.py cluster up

cluster-down: $(VENV)/.installed
	$(PY) manage.py cluster down

# Throughput through the balancer with one and two app servers, and replica lag after a post,
# on a cluster of its own (free ports; about two minutes).
cluster-bench: $(VENV)/.installed
	$(PY) manage.py cluster bench

clean:
	rm -rf $(VENV) staticfiles .pytest_cache
