"""WSGI entry point."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsarchive.settings")
application = get_wsgi_application()

# Load the search lexicon now: with gunicorn's preload_app the workers fork with it in memory (shared
# copy-on-write) instead of each paying the load on its first search (~150 ms at 100k articles).
from articles.search.lexicon import folded_counts, word_counts  # noqa: E402

word_counts()
folded_counts()
