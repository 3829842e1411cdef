"""Stories: near-duplicate articles (wire copies, lightly edited reprints) grouped at ingest.

Write side: :mod:`articles.stories.service` (:func:`~articles.stories.service.stories_group` inside the
ingest's batch store, :func:`~articles.stories.service.story_assign` for stored articles).
Pure signatures: :mod:`articles.stories.signature`. Read side: :mod:`articles.stories.selectors`.
"""
