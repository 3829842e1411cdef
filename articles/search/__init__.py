"""Search: the backends (PostgreSQL full text, SQLite FTS5) behind one small interface
(:mod:`articles.search.backend`), query parsing and Arabic matching rules, and everything the search
pages ask (selectors, facets, filters, sampled estimates, capped pagination, search links).

The package itself imports nothing, so a lower layer (``articles.models`` needs the sample hash of
:mod:`articles.search.sampling`) can import one pure module of it without pulling in the backends.
"""
