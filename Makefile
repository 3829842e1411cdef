# The archive's two everyday commands:  make demo  (serve the seed dump)  and  make test.
SHELL := /bin/bash
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1:8000
# Django 6 needs Python >= 3.12: take the first interpreter on this machine that is new enough.
PYTHON ?= $(shell for p in python3.13 python3.12 python3 $$HOME/.pyenv/versions/3.1[2-9]*/bin/python3 /usr/local/bin/python3.1[2-9] /usr/bin/python3.1[2-9]; do \
	$$p -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null && { echo $$p; break; }; done)

.PHONY: demo test install lint bench clean-demo serve fuzz system-packages

# OCR of scans and photos needs Debian's Tesseract with its Arabic model; the clipping tests render with
# these fonts. Installed here where it can be (root with apt), otherwise the one line to run is printed;
# every other format works without them.
SYSTEM_PACKAGES := tesseract-ocr tesseract-ocr-ara tesseract-ocr-eng fonts-noto-core fonts-hosny-amiri fonts-kacst
system-packages:
	@if command -v tesseract >/dev/null 2>&1 && tesseract --list-langs 2>/dev/null | grep -qx ara && fc-list 2>/dev/null | grep -q NotoNaskhArabic; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	  echo "installing $(SYSTEM_PACKAGES)"; \
	  (apt-get install -y -qq $(SYSTEM_PACKAGES) >/dev/null 2>&1 || (apt-get update -qq && apt-get install -y -qq $(SYSTEM_PACKAGES) >/dev/null)) \
	    || echo "warning: could not install $(SYSTEM_PACKAGES): OCR of scans is unavailable until they are"; \
	else \
	  echo "OCR of scans and photos needs Tesseract with Arabic; run:  sudo apt-get install $(SYSTEM_PACKAGES)"; \
	fi

$(BIN)/.installed: pyproject.toml requirements-camel.txt
	@test -n "$(PYTHON)" || { echo "Python 3.12 or newer is needed (Django 6)"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	$(BIN)/pip install --quiet --no-deps -r requirements-camel.txt
	$(BIN)/python -c "import camel_tools.utils.normalize, camel_tools.tokenizers.word"
	touch $@

install: $(BIN)/.installed system-packages

# Creates the venv, migrates a SQLite database, ingests fixtures/ (the seed dump and ~1,000 ANT Corpus
# articles, with entities, topics and stories: a few minutes on 2 cores the first time; a second run
# finds them all already there) and serves on $(HOST).
demo: install
	DEBUG=1 $(BIN)/python manage.py migrate --noinput
	DEBUG=1 $(BIN)/python manage.py ingest fixtures/seed_dump.txt fixtures/ant_demo_sample.jsonl.gz
	@# One clipping in each file form (scan, photo, TIFF, PDFs, web page, Word): each with its source and date.
	@while IFS=$$'\t' read -r file source date; do \
	  DEBUG=1 $(BIN)/python manage.py ingest "fixtures/clippings/$$file" --source "$$source" --date "$$date" \
	    || echo "warning: fixtures/clippings/$$file was not ingested (see above)"; \
	done < fixtures/clippings/manifest.tsv
	@echo
	@echo "The archive:  http://$(HOST)/   (admin: http://$(HOST)/admin/)"
	@echo "Create an admin account with:  DEBUG=1 $(BIN)/python manage.py createsuperuser"
	@echo
	DEBUG=1 $(BIN)/python manage.py runserver $(HOST)

# The whole suite; DATABASE_URL=postgres://... runs it on PostgreSQL.
test: install
	DEBUG=1 $(BIN)/ruff check .
	DEBUG=1 $(BIN)/python -m pytest $(PYTEST_ARGS)

# The long fuzz runs (docs/RELIABILITY.md): hypothesis at 50x the suite's examples, then atheris for 10 minutes.
fuzz: install
	HYPOTHESIS_PROFILE=long DEBUG=1 $(BIN)/python -m pytest -q tests/test_fuzz.py
	$(BIN)/pip install --quiet -e '.[fuzz]'
	mkdir -p fuzz/corpus && cp -n fixtures/seed_dump.txt fuzz/corpus/
	DEBUG=1 $(BIN)/python fuzz/fuzz_parsers.py -max_total_time=600 -rss_limit_mb=2048 fuzz/corpus

lint: install
	$(BIN)/ruff check .

bench: install
	DEBUG=1 $(BIN)/python bench/run_all.py

# Production server: gunicorn with gunicorn.conf.py (WEB_BIND, WEB_WORKERS, ...). Needs the production environment
# (SECRET_KEY, ALLOWED_HOSTS, DATABASE_URL, optionally DATABASE_REPLICA_URLS); migrate first.
serve: install
	$(BIN)/python manage.py collectstatic --noinput -v0
	$(BIN)/gunicorn --config gunicorn.conf.py newsarchive.wsgi
