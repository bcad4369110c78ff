"""The libraries a written page gets (kb.site.assets): KaTeX where there is maths, Mermaid
where there is a diagram, from the site's own copies, and nothing elsewhere."""
from __future__ import annotations

import json

from kb.site import assets

_PAGE = "<html><head><title>t</title></head><body>{}</body></html>"


def test_a_page_with_a_diagram_gets_mermaid_from_the_site_and_its_settings():
    html = assets.add_page_tags(_PAGE.format('<div class="mermaid">graph TD\nA --&gt; B</div>'), "../")
    body = html.split("<body>", 1)[1]
    assert body.endswith(f'<script src="../{assets.MERMAID_JS}"></script>'
                         f"<script>mermaid.initialize({json.dumps(assets.MERMAID_SETTINGS)})</script></body></html>")
    assert assets.MERMAID_SETTINGS["securityLevel"] == "antiscript"
    assert "katex" not in html and "http" not in html


def test_a_page_without_a_diagram_or_maths_is_left_as_it_is():
    for content in ("<p>正文</p>",
                    # a code block that shows the markup is text, not a diagram
                    '<pre><code>&lt;div class="mermaid"&gt;graph TD&lt;/div&gt;</code></pre>'):
        page = _PAGE.format(content)
        assert assets.add_page_tags(page, "") == page


def test_a_page_with_maths_and_a_diagram_gets_both_once():
    page = _PAGE.format('<div class="mermaid">graph TD</div><span class="arithmatex">\\(x\\)</span>')
    html = assets.add_page_tags(page, "")
    assert html.count(assets.KATEX_CSS) == 1 and html.index(assets.KATEX_CSS) < html.index("</head>")
    assert html.count(assets.KATEX_JS) == 1 and html.count(assets.MERMAID_JS) == 1
    assert html.endswith("</script></body></html>")
