"""The reader-facing web: pages, the JSON API and its schema, feeds, exports, rate limits and the outage
page. Views only call selectors (``articles.search.selectors``, ``articles.enrich.selectors``, ...) and
services; nothing below imports this package.
"""
