"""kb: the AI大模型创业知识库 tooling, in layers (a layer imports only the ones above it here):

- kb.core      the model, errors, editorial file, caches, segmenter, text scanner
- kb.importer  sources/ -> docs/: read, parse, clean, classify, link, pages
- kb.site      docs/ -> site/: the MkDocs plugin, search, assets, build, serve, link check
- kb.export    site/ -> dist/: the single HTML file and the site zip
- kb.bench     measurements (kb bench)
- kb.cli       the `kb` command
"""
