"""config: the options of the `kb` MkDocs plugin, as mkdocs.yml sets them.

```yaml
plugins:
  - kb:
      sources: sources                 # the articles and the editorial file
      cache_dir: build/cache           # work kept between builds (deleting it is safe)
      search_engine: auto              # index | pagefind | auto (kb.site.pagefind)
      search_fold: true                # identical sections listed once (kb.site.search.fold)
```

Paths are relative to the folder of mkdocs.yml. MkDocs validates them once, when it loads
the configuration, and names the plugin and the key in its error.
"""
from __future__ import annotations

from mkdocs.config import base
from mkdocs.config import config_options as c

from kb.core.project import CACHE_DIR, NODE_MODULES, SEARCH_DICTIONARY, SOURCES
from kb.site.pagefind import ENGINES


class KbConfig(base.Config):
    # The folder of the articles and of the editorial file, editorial.yml (its glossary
    # and entities feed the search dictionary; the site plan lists the articles).
    sources = c.Type(str, default=SOURCES)
    # Where rendered pages, search entries, jieba's cuts and compiled templates are kept
    # between builds.
    cache_dir = c.Type(str, default=CACHE_DIR)
    # The npm packages the site serves (Mermaid, KaTeX, the iframe-worker shim, opencc-js).
    node_modules = c.Type(str, default=NODE_MODULES)
    # Where the jieba user dictionary made from the editorial file is written (for
    # Material's own cut when kb cannot cut for it, and for whoever wants to look).
    search_dictionary = c.Type(str, default=SEARCH_DICTIONARY)
    # The served site's search: `index` (Material's one-file index, which every page
    # downloads), `pagefind` (Pagefind's index, split by word: a query downloads what it
    # needs), or `auto`: pagefind past kb.site.pagefind.PAGEFIND_MIN_ARTICLES articles. The
    # file:// editions always search the one-file index.
    search_engine = c.Choice(ENGINES, default="auto")
    # Sections with the same heading (number aside) and text listed once in search, with
    # how many other places hold them (kb.site.search.fold). Off only to measure search
    # over every copy (kb bench engines --unfolded).
    search_fold = c.Type(bool, default=True)
