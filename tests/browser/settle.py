"""Waiting for a page to come to rest, instead of sleeping for a while.

A fixed sleep is too short on a slow machine and wasted on a fast one; these wait for the
state itself, however long it takes (up to the timeout, which only ends a wait that would
never end).
"""
from __future__ import annotations

# Every image loaded or failed (so its onload/onerror ran), and every animation or CSS
# transition that ends has ended (endless ones, such as a spinner, are left out).
_AT_REST = """() => document.readyState === 'complete'
    && [...document.images].every(img => img.complete)
    && document.getAnimations().every(a => a.playState !== 'running'
        || a.effect?.getComputedTiming().endTime === Infinity)"""


def settle(page, timeout: float = 30_000) -> None:
    """Wait until the page has loaded, its images are done, its animations have ended and
    the network has been quiet for half a second."""
    page.wait_for_function(_AT_REST, timeout=timeout)
    page.wait_for_load_state("networkidle", timeout=timeout)


# KaTeX typesets each formula into .katex, or into .katex-error when it cannot: once every
# formula holds one of them, what the reader sees of the maths is final.
ALL_TYPESET = """() => [...document.querySelectorAll('.arithmatex')]
    .every(el => el.querySelector('.katex, .katex-error'))"""


def typeset(page, timeout: float = 30_000) -> None:
    """Wait until KaTeX has typeset (or given up on) every formula of the page."""
    page.wait_for_function(ALL_TYPESET, timeout=timeout)


# Every image of the article loaded or failed, lazy ones included (made eager first).
_IMAGES_LOADED = """async () => {
    const imgs = [...document.querySelectorAll('article img')];
    imgs.forEach(i => { i.loading = 'eager'; });
    await Promise.all(imgs.map(i => i.complete ? null : new Promise(r => { i.onload = i.onerror = r; })));
    return imgs.map(i => [i.src, i.alt, i.naturalWidth]);
}"""


def loaded_images(page) -> list[tuple[str, str, int]]:
    """(src, alt, naturalWidth) of each image of the page's article, once each has loaded
    or failed (naturalWidth 0: not drawn)."""
    return [tuple(image) for image in page.evaluate(_IMAGES_LOADED)]
