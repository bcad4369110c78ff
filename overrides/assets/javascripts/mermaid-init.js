// Draw the diagrams that pymdownx.superfences left as <div class="mermaid"> when the page
// has loaded. The labels are text from the sources: "antiscript" keeps any script out.
mermaid.initialize({ securityLevel: "antiscript" });
