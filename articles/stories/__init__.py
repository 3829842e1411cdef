"""Stories: near-duplicate articles (wire copies, lightly edited reprints) grouped at ingest.

Write side: :func:`articles.stories.service.story_assign` (called by the ingest store stage).
Pure signatures: :mod:`articles.stories.signature`. Read side: :mod:`articles.stories.selectors`.
"""
