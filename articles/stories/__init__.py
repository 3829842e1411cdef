"""Stories: near-duplicate articles (wire copies, lightly edited reprints) grouped at ingest.

Write side: :mod:`articles.stories.service` (:func:`~articles.stories.service.stories_group` inside the
ingest's batch store, :func:`~articles.stories.service.story_assign` for stored articles).
Edits: :func:`~articles.stories.service.story_recompute` on every save that changes a grouped
article's text (:mod:`articles.stories.signals`), merging through :func:`~articles.stories.service.story_merge`.
Pure signatures: :mod:`articles.stories.signature`. Read side: :mod:`articles.stories.selectors`.
"""
