"""Images in articles: find each `![alt](src)`, `![alt][ref]` (with its `[ref]: src`
line) and `<img src=…>`, on any line outside code, headings too, resolve it relative to
the article's own file inside sources/, and say what happens to it.

An image whose file is inside sources/ is drawn: the kb plugin copies the file into the
site under `assets/sources/<path relative to sources/>` and the page points at it. Any
other image (a missing file, a path out of sources/, another host) is shown as a
placeholder with its alt text (and, for another host, a plain link), and the editor is
told with file:line. No image disappears without a trace.
"""
from __future__ import annotations

import html
import posixpath
import re
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

from kb.core.model import Article, Image, KnowledgeBase

ASSETS_DIR = "assets/sources"        # where image files go in the site
# A reference-style image (`![alt][ref]`, `![alt][]`, `![ref]`) and the definition it
# uses (`[ref]: src "title"`, up to three spaces in, as CommonMark reads it).
_REF_IMAGE = re.compile(r"!\[([^\]\n]{0,500})\](?:\[([^\]\n]{0,500})\])?(?!\()")
_DEFINITION = re.compile(r"^ {0,3}\[([^\]\n]{1,500})\]:\s*<?([^\s<>]{1,2000})>?(?:\s+(?:\"[^\"]*\"|'[^']*'|\([^)]*\)))?\s*$")
_MD_IMAGE = re.compile(r"!\[([^\]\n]{0,500})\]\(\s*<?([^()\s<>]{1,2000})>?(?:\s+(?:\"[^\"]*\"|'[^']*'))?\s*\)")
_IMG_TAG = re.compile(r"<img\b(?:[^>\"']|\"[^\"]*\"|'[^']*'){0,2000}?/?>", re.I)
_ATTR = re.compile(r"""([a-zA-Z_:][-a-zA-Z0-9_:.]*)\s*(?:=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+)))?""")
_FENCE = re.compile(r"^\s*(`{3,}|~{3,})")
_CODE_SPAN = re.compile(r"(`+)(?:(?!\1).)+?\1")
_LIST_ITEM = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+")
_SIZE = re.compile(r"^\d{1,5}(?:px|%)?$")
_WEB = re.compile(r"^(?:https?:)?//", re.I)


def _attrs(tag: str) -> dict[str, str]:
    body = tag[4:].rstrip("/>")
    return {m.group(1).lower(): html.unescape(m.group(2) or m.group(3) or m.group(4) or "")
            for m in _ATTR.finditer(body)}


def _label(text: str) -> str:
    # CommonMark matches reference labels case-insensitively, whitespace collapsed.
    return " ".join(text.split()).casefold()


def find(lines: list[str]) -> list[tuple[int, str, str, str, str, str, str, int]]:
    """(line, markup, src, alt, kind, width, height, definition line) of every image
    outside code, in order."""
    prose = list(_prose(lines))
    definitions: dict[str, tuple[str, int]] = {}
    for number in prose:
        if (d := _DEFINITION.match(lines[number - 1])) and _label(d.group(1)) not in definitions:
            definitions[_label(d.group(1))] = (d.group(2), number)
    out = []
    for number in prose:
        line = lines[number - 1]
        if "![" not in line and "<img" not in line.lower():
            continue
        code = [(c.start(), c.end()) for c in _CODE_SPAN.finditer(line)]
        found = []
        for m in _MD_IMAGE.finditer(line):
            found.append((m.start(), m.group(0), m.group(2), m.group(1).strip(), "markdown", "", "", 0))
        for m in _REF_IMAGE.finditer(line):
            if (ref := definitions.get(_label(m.group(2) or m.group(1)))) is not None:
                found.append((m.start(), m.group(0), ref[0], m.group(1).strip(), "markdown", "", "", ref[1]))
        for m in _IMG_TAG.finditer(line):
            a = _attrs(m.group(0))
            if "src" not in a:
                continue
            width, height = (v if _SIZE.match(v := a.get(k, "").strip()) else "" for k in ("width", "height"))
            found.append((m.start(), m.group(0), a["src"].strip(), a.get("alt", "").strip(), "html", width, height, 0))
        for start, *image in sorted(found):
            if any(a <= start < b for a, b in code):
                continue
            out.append((number, *image))
    return out


def _prose(lines: list[str]):
    """The 1-based numbers of the non-blank lines outside fenced and indented code."""
    fence: str | None = None
    in_list = in_code = False
    for number, line in enumerate(lines, 1):
        if fence is not None:
            if line.strip().startswith(fence) and set(line.strip()) == {fence[0]}:
                fence = None
            continue
        if m := _FENCE.match(line):
            fence = m.group(1)
            continue
        if not line.strip():
            continue
        # Indented code, as kb.core.sanitize.escape_body reads it (a list item's text is indented too).
        indent = len(line) - len(line.lstrip(" "))
        if _LIST_ITEM.match(line):
            in_list = True
        elif indent == 0:
            in_list = False
        in_code = indent >= (8 if in_list else 4) and (number == 1 or not lines[number - 2].strip() or in_code)
        if not in_code:
            yield number


def resolve(src_dir: Path, article: str, src: str) -> tuple[str | None, str | None]:
    """(file relative to sources/, problem) for an image address in the article at
    `article` (relative to sources/). Root-absolute addresses (`/media/x.svg`) are looked
    for under the article's top folder in sources/."""
    if _WEB.match(src):
        return None, "remote"
    parts = urlsplit(src)
    if parts.scheme:                          # data:, javascript:, file: … : nothing to copy
        return None, "remote" if parts.scheme.lower() in ("http", "https") else "scheme"
    path = unquote(parts.path)
    if not path:
        return None, "missing"
    if path.startswith("/"):
        top = article.split("/", 1)[0] if "/" in article else ""
        rel = posixpath.normpath(posixpath.join(top, path.lstrip("/")))
    else:
        rel = posixpath.normpath(posixpath.join(posixpath.dirname(article), path))
    if rel.startswith("../") or rel == ".." or rel.startswith("/"):
        return None, "outside"
    root = src_dir.resolve()
    target = src_dir / rel
    try:
        real = target.resolve(strict=True)
    except (OSError, RuntimeError):
        return None, "missing"
    if root not in real.parents or not real.is_file():
        return None, "outside" if root not in real.parents else "missing"
    return rel, None


_WHY = {
    "remote": "image on another host: shown as a placeholder with a link (the site requests nothing from other hosts); "
              "copy the file next to the article and point at it to show it",
    "missing": "image file not found relative to the article: shown as a placeholder with its alt text; "
               "copy the file into sources/ at that path",
    "outside": "image path leaves sources/: shown as a placeholder with its alt text; copy the file into sources/",
    "scheme": "image address that is not a file or web address: shown as a placeholder with its alt text",
}


def images(kb: KnowledgeBase, src_dir: Path) -> KnowledgeBase:
    """Each article's images, resolved; every image decision told to the editor."""
    for article in kb.articles:
        article.images = scan(article, src_dir)
        for image in article.images:
            shown = f"{image.src}" + (f" ({image.alt})" if image.alt else "")
            if image.problem is None:
                kb.tell(article.shown, image.line, "image", f"image {shown} copied from sources/{image.file}",
                        severity="info")
            else:
                root_note = (" (a root-absolute path is looked for under the article's top folder in sources/)"
                             if image.src.startswith("/") and not image.src.startswith("//") else "")
                kb.tell(article.shown, image.line, "image", f"image {shown}: {_WHY[image.problem]}{root_note}")
    return kb


def scan(article: Article, src_dir: Path) -> list[Image]:
    out = []
    for line, markup, src, alt, kind, width, height, definition in find(article.lines):
        file, problem = resolve(src_dir, article.path, src)
        out.append(Image(line, markup, src, alt, kind, width, height, file, problem, definition))
    return out


def asset_path(image: Image) -> str:
    """Where the image file is in the site (relative to the site root, unquoted)."""
    return f"{ASSETS_DIR}/{image.file}"


def markup(image: Image, page: str, block: bool, missing_label: str) -> str:
    """The HTML that shows `image` on `page` (relative to docs/): a figure (`block`: the
    image stands alone on its line) or an inline image, or a placeholder."""
    alt = html.escape(image.alt, quote=True)
    if image.problem is None:
        url = quote(posixpath.relpath(asset_path(image), posixpath.dirname(page) or "."), safe="/")
        size = "".join(f' {k}="{v}"' for k, v in (("width", image.width), ("height", image.height)) if v)
        img = f'<img src="{url}" alt="{alt}"{size} loading="lazy">'
        if not block:
            return img
        caption = f"<figcaption>{alt}</figcaption>" if alt else ""
        return f'<figure class="kb-figure">{img}{caption}</figure>'
    words = f"{missing_label}{alt or html.escape(posixpath.basename(urlsplit(image.src).path) or image.src)}"
    link = ""
    if image.problem == "remote":
        href = html.escape(image.src if not image.src.startswith("//") else "https:" + image.src, quote=True)
        link = f' <a class="kb-remote-image" href="{href}">{html.escape(image.src)}</a>'
    return f'<span class="kb-image-missing" role="img" aria-label="{alt or words}">{words}{link}</span>'
