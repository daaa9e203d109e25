"""Per-market PDF reports: execute the chapter notebooks with papermill, assemble one HTML document per
market and language (cover, executive summary, contents, chapters), and print it to PDF with Chromium.

``build.render`` is the entry point used by ``crossborder report``.
"""
