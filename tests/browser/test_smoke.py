"""Smoke tests: the built site loads in a real browser, fully offline."""

import re

CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


def test_home_page(page, site_server, outside_requests):
    response = page.goto(f"{site_server}/", wait_until="networkidle")
    assert response is not None and response.ok, f"home page: {response and response.status}"

    title = page.title()
    assert title.strip(), "home page has an empty <title>"
    assert CJK.search(title), f"home page title has no Chinese text: {title!r}"
    assert page.locator(".md-header").count() > 0, "Material header (.md-header) missing"

    assert outside_requests(page, site_server) == []
    assert page.failed_requests == []
    assert page.console_errors == []


def test_chapter_index_pages(page, new_page, site_server, outside_requests):
    home = f"{site_server}/"
    page.goto(home, wait_until="networkidle")
    hrefs = page.eval_on_selector_all(
        "a.md-nav__link[href], a.md-tabs__link[href]", "els => els.map(e => e.href)"
    )
    # Chapter index pages are one level below the root: <base>/<chapter>/index.html
    # (directory URLs are off so that the site also works from file://)
    chapters = sorted(
        {h for h in hrefs if h.startswith(home) and re.fullmatch(r"[^/?#]+/index\.html", h[len(home):])}
    )
    assert chapters, "no chapter index pages linked from the home page navigation"

    problems = {}
    for url in chapters:
        page = new_page()
        response = page.goto(url, wait_until="networkidle")
        issues = []
        if response is None or not response.ok:
            issues.append(f"status {response and response.status}")
        issues += [f"failed {u}: {why}" for u, why in page.failed_requests]
        issues += [f"outside request {u}" for u in outside_requests(page, site_server)]
        issues += [f"console error: {m}" for m in page.console_errors]
        if issues:
            problems[url] = issues
    report = "\n".join(f"{url}\n  " + "\n  ".join(issues) for url, issues in problems.items())
    assert not problems, f"{len(problems)} of {len(chapters)} chapter pages have problems:\n{report}"
