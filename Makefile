# Developer entry points. `make setup` is idempotent and cheap when nothing changed.
VENV := .venv
BIN  := $(VENV)/bin

.PHONY: setup site test fuzz serve export clean chromium

setup: $(VENV)/.installed node_modules/.installed chromium

# Python venv with the kb package (editable) and the test extras.
# Reinstalled only when pyproject.toml changes.
$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || python3 -m venv $(VENV)
	$(BIN)/pip install -q -e '.[test]'
	touch $@

# Front-end assets (mermaid, KaTeX, axe-core), exactly as locked.
node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

# Browser tests drive Debian's Chromium (Playwright's own browser download is not available),
# which needs at least one font to lay text out: with none, search, axe and diagram tests
# fail. Chinese fonts are not needed (they pass with only DejaVu and Liberation installed).
chromium:
	@if [ ! -x /usr/bin/chromium ] || [ -z "$$(fc-list 2>/dev/null | head -n 1)" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get update -q && apt-get install -y -q chromium fonts-dejavu-core; \
	  else \
	    echo "!! browser tests need Chromium and a font. Install them as root: apt-get install -y chromium fonts-dejavu-core"; \
	  fi; \
	fi

site: setup
	$(BIN)/kb build
	@echo "站点已生成: $(CURDIR)/site/index.html"
	@echo "本地预览: $(BIN)/kb serve  (http://127.0.0.1:8000)"

test: setup
	$(BIN)/python -m pytest -q

# The property tests (tests/fuzz/) with a larger budget than `make test` gives them: new
# random articles on every run, FUZZ_EXAMPLES per property. A failure is kept in
# .hypothesis/ and tried first next time; the seed to reproduce it is printed.
FUZZ_EXAMPLES ?= 1000
fuzz: setup
	KB_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(BIN)/python -m pytest -q tests/fuzz -p no:cacheprovider --hypothesis-show-statistics

serve: setup
	$(BIN)/kb serve

# Offline editions in dist/: the site as a zip (opens from file://) and one self-contained HTML file.
export: setup
	$(BIN)/kb export

clean:
	rm -rf site/ dist/
