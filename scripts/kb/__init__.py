"""kb: the AI大模型创业知识库 tooling, in layers; a layer imports only the layers listed
after it here (kb.cli the top, kb.core the bottom):

- kb.cli       the `kb` command
- kb.bench     measurements (kb bench)
- kb.export    site/ -> dist/: the single HTML file and the site zip
- kb.site      docs/ -> site/: the `kb` MkDocs plugin, search, assets, build, serve, link check
- kb.importer  sources/ -> docs/: read, parse, clean, classify, link, pages
- kb.core      the model, site plan, project and run context, editorial file and labels,
               caches, segmenter, text scanner, sanitiser
"""

import logging as _logging
import sys as _sys


class _Stderr(_logging.StreamHandler):
    """Writes to the sys.stderr of the moment (the terminal, a redirect, a test's capture)."""

    @property
    def stream(self):
        return _sys.stderr

    @stream.setter
    def stream(self, value):
        pass


# The stages log to `kb.*` (kb.serve, kb.build, ...); what they say is for the person at the
# terminal, as the `kb` command shows it: the message alone, on stderr, from INFO up.
_log = _logging.getLogger("kb")
if not _log.handlers:
    _handler = _Stderr()
    _handler.setFormatter(_logging.Formatter("%(message)s"))
    _log.addHandler(_handler)
    _log.setLevel(_logging.INFO)
    _log.propagate = False
