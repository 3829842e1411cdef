"""The archive's data model: sources, topics, articles, named entities and ingest audit rows."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from articles.search.sampling import SampleHash

# A mention below this confidence is "uncertain": its entity is shown to readers only once a second article
# names it (Entity.visible_q), and the entity facet leaves it out.
LOW_CONFIDENCE = 0.5


class Source(models.Model):
    """A news outlet. ``key`` is the normalised name, so "لبنان 24" and "لبنان ٢٤" are one source."""

    name = models.CharField(_("name"), max_length=200)
    key = models.CharField(_("normalised key"), max_length=200, unique=True)
    slug = models.SlugField(_("slug"), max_length=220, unique=True, allow_unicode=True)
    url = models.URLField(_("website"), blank=True)
    country = models.CharField(_("country"), max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("source")
        verbose_name_plural = _("sources")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("source_detail", args=[self.slug])


class Topic(models.Model):
    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    name_ar = models.CharField(_("Arabic name"), max_length=120)
    name_en = models.CharField(_("English name"), max_length=120)

    class Meta:
        ordering = ["slug"]
        verbose_name = _("topic")
        verbose_name_plural = _("topics")

    def __str__(self) -> str:
        return self.name_ar

    def get_absolute_url(self) -> str:
        return reverse("topic_detail", args=[self.slug])

    @property
    def name(self) -> str:
        """The name in the reader's language."""
        return self.name_en if (get_language() or "ar").startswith("en") else self.name_ar




class Story(models.Model):
    """Near-duplicate copies of one report (wire copies, lightly edited reprints) across outlets.

    ``lead`` is the earliest copy (publication date, then arrival): listings show a story once, as its
    lead. ``size`` and ``source_count`` are kept by articles.stories.service so listings need no count.
    """

    lead = models.ForeignKey(
        "Article", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("first copy")
    )
    size = models.PositiveIntegerField(_("copies"), default=1)
    source_count = models.PositiveIntegerField(_("outlets"), default=1)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("story")
        verbose_name_plural = _("stories")

    def __str__(self) -> str:
        return f"story {self.pk} ({self.size})"

    def get_absolute_url(self) -> str:
        return reverse("story_detail", args=[self.pk])

    @property
    def other_outlets(self) -> int:
        """Outlets besides the first copy's ("also in N outlets")."""
        return max(0, self.source_count - 1)

    @property
    def other_copies(self) -> int:
        return max(0, self.size - 1)


class Article(models.Model):
    class TopicOrigin(models.TextChoices):
        NONE = "", _("unclassified")
        MODEL = "model", _("the topic classifier")
        SOURCE = "source", _("the source's category")
        EDITOR = "editor", _("an editor")

    class TextOrigin(models.TextChoices):
        # The values are the readers' (articles.ingest.readers.document.ORIGIN_*).
        TYPED = "typed", _("typed text")
        TEXT_LAYER = "text_layer", _("the PDF's text layer")
        OCR = "ocr", _("OCR")

    class Enrichment(models.TextChoices):
        # Stored and searchable; entities and topic not yet computed (stage 2 of the ingest).
        PENDING = "pending", _("entities pending")
        DONE = "done", _("enriched")
        # The tagger or classifier failed on this article: kept unenriched, reason in enrichment_error.
        FAILED = "failed", _("enrichment failed")

    title = models.CharField(_("title"), max_length=1000)
    body = models.TextField(_("body"))
    source = models.ForeignKey(Source, on_delete=models.PROTECT, related_name="articles", verbose_name=_("source"))
    published_on = models.DateField(_("publication date"), null=True, blank=True)
    url = models.URLField(_("URL"), max_length=1000, blank=True)
    topic = models.ForeignKey(
        Topic, null=True, blank=True, on_delete=models.SET_NULL, related_name="articles", verbose_name=_("topic")
    )
    topic_confidence = models.FloatField(_("topic confidence"), null=True, blank=True)
    # Who chose the topic: an editor (locked) wins over the source's category, which wins over the model.
    topic_origin = models.CharField(
        _("topic given by"), max_length=10, choices=TopicOrigin.choices, default=TopicOrigin.NONE, blank=True
    )
    # The category the source gave the article (JSON Lines ``category``), as published.
    source_category = models.CharField(_("source's category"), max_length=100, blank=True)
    # An editor's choice: re-classification never overwrites a locked topic.
    topic_locked = models.BooleanField(_("topic locked by an editor"), default=False)
    # Editor-confirmed topics are the archive's own training data (train_topics --from-archive).
    topic_confirmed = models.BooleanField(_("topic confirmed by an editor"), default=False)
    # sha256 of the normalised title and body: the database constraint decides what is a duplicate.
    fingerprint = models.CharField(_("fingerprint"), max_length=64, unique=True, editable=False)
    ingest_run = models.ForeignKey(
        "articles.IngestRun",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="articles",
        verbose_name=_("ingest run"),
    )
    entities_extracted_at = models.DateTimeField(null=True, blank=True, editable=False)
    # Near-duplicate grouping (articles.stories): listings keep only story leads, an indexed flag, so
    # showing a story once needs no GROUP BY over the matches. A new article is its own lead until assigned.
    story = models.ForeignKey(
        Story, null=True, blank=True, on_delete=models.SET_NULL, related_name="articles", verbose_name=_("story")
    )
    story_lead = models.BooleanField(_("first copy of its story"), default=True, editable=False)
    # MinHash signature (articles.stories.signature: NUM_PERM little-endian uint32 values).
    story_signature = models.BinaryField(null=True, blank=True, editable=False)
    # Only the ingest's store stage (articles.ingest.store) writes "pending"; an article made any other way
    # (the admin, fixtures) is enriched in its own transaction, or has nothing to wait for.
    enrichment = models.CharField(
        _("enrichment"), max_length=8, choices=Enrichment.choices, default=Enrichment.DONE, editable=False
    )
    enrichment_error = models.TextField(_("enrichment error"), blank=True, editable=False)
    # How the text came: typed (dumps, JSON Lines, web pages, Word), a PDF's text layer, or OCR; the
    # database default lets the ingest's bulk INSERT leave it out for typed records.
    text_origin = models.CharField(
        _("text from"),
        max_length=10,
        choices=TextOrigin.choices,
        default=TextOrigin.TYPED,
        db_default=TextOrigin.TYPED,
        editable=False,
    )
    ocr_confidence = models.FloatField(_("mean OCR word confidence"), null=True, blank=True, editable=False)
    original = models.ForeignKey(
        "articles.OriginalFile",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="articles",
        verbose_name=_("original file"),
        editable=False,
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("article")
        verbose_name_plural = _("articles")
        indexes = [
            # Home page and "newest first" listings.
            models.Index(fields=["-published_on", "-id"], name="article_published_idx"),
            # Source and topic pages list newest first within one source/topic.
            models.Index(fields=["source", "-published_on"], name="article_source_date_idx"),
            models.Index(fields=["topic", "-published_on"], name="article_topic_date_idx"),
            models.Index(fields=["-created_at"], name="article_created_idx"),
            # Grouped listings: newest story leads first.
            models.Index(fields=["story_lead", "-published_on", "-id"], name="article_lead_published_idx"),
            # Counts above the cap: the id sample of any step is a range of this (articles.search.sampling).
            models.Index(SampleHash("id"), name="article_sample_idx"),
            # Enrichment workers and the "N pending" notes find the few pending articles by this.
            models.Index(
                fields=["ingest_run", "id"],
                condition=models.Q(enrichment="pending"),
                name="article_pending_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("article_detail", args=[self.pk])

    @property
    def link_url(self) -> str:
        """The original's URL when it is safe to render as a link (http/https), else "".

        Ingest and the admin accept only such URLs (articles.ingest.validation); this guards rows stored before.
        """
        return self.url if self.url.lower().startswith(("http://", "https://")) else ""

    @property
    def paragraphs(self) -> list[str]:
        return [p for p in self.body.split("\n") if p.strip()]


class Entity(models.Model):
    class Kind(models.TextChoices):
        PERS = "PERS", _("person")
        LOC = "LOC", _("place")
        ORG = "ORG", _("organisation")
        MISC = "MISC", _("other")

    name = models.CharField(_("canonical name"), max_length=300)
    kind = models.CharField(_("kind"), max_length=4, choices=Kind.choices)
    key = models.CharField(_("normalised key"), max_length=300)
    slug = models.SlugField(_("slug"), max_length=320, unique=True, allow_unicode=True)
    # Importance: the number of articles mentioning it, kept by the entity service (ranking without a
    # COUNT over the mentions table on every index page).
    article_count = models.PositiveIntegerField(_("articles"), default=0)
    # The NER confidence of its first mention after span cleaning (articles.enrich.spans): an entity
    # seen in one article with a low confidence is hidden from listings (see ``visible``).
    confidence = models.FloatField(_("confidence"), default=1.0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("entity")
        verbose_name_plural = _("entities")
        constraints = [models.UniqueConstraint(fields=["kind", "key"], name="entity_unique_kind_key")]
        indexes = [
            # The entity index and the API list entities by importance.
            models.Index(fields=["-article_count", "id"], name="entity_importance_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.kind})"

    def get_absolute_url(self) -> str:
        return reverse("entity_detail", args=[self.slug])

    @staticmethod
    def visible_q(prefix: str = "") -> models.Q:
        """Entities shown to readers: in two articles or more, or in one with a confident mention."""
        return models.Q(**{f"{prefix}article_count__gte": 2}) | models.Q(
            **{f"{prefix}article_count__gte": 1, f"{prefix}confidence__gte": LOW_CONFIDENCE}
        )


class EntityAlias(models.Model):
    class Origin(models.TextChoices):
        EXTRACTED = "extracted", _("found in text")
        EDITOR = "editor", _("added by an editor")
        TRANSLITERATION = "translit", _("Latin transliteration")
        MERGED = "merged", _("from a merged entity")

    entity = models.ForeignKey(Entity, on_delete=models.CASCADE, related_name="aliases", verbose_name=_("entity"))
    name = models.CharField(_("alias"), max_length=300)
    # Normalised (or lower-cased Latin) form: resolution and the entity index look aliases up by it.
    key = models.CharField(_("normalised key"), max_length=300, db_index=True)
    origin = models.CharField(_("origin"), max_length=10, choices=Origin.choices, default=Origin.EXTRACTED)
    # Consonant-class key shared by Arabic and Latin spellings (articles.enrich.names.phonetic_key),
    # whole name and last word: Latin look-up ("Putin", "Erdogan") finds aliases by their prefix.
    # Internal: never shown to readers.
    phonetic = models.CharField(max_length=300, blank=True, db_index=True, editable=False)
    phonetic_last = models.CharField(max_length=300, blank=True, db_index=True, editable=False)

    class Meta:
        ordering = ["name"]
        verbose_name = _("alias")
        verbose_name_plural = _("aliases")
        constraints = [models.UniqueConstraint(fields=["entity", "key"], name="alias_unique_entity_key")]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        super().save(*args, **kwargs)
        EntityAliasTail.sync([self])  # the look-up by any word of the name follows the key


class Mention(models.Model):
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="mentions", verbose_name=_("article"))
    entity = models.ForeignKey(Entity, on_delete=models.CASCADE, related_name="mentions", verbose_name=_("entity"))
    surface = models.CharField(_("surface form"), max_length=300)
    in_title = models.BooleanField(_("in the title"), default=False)
    # Character offsets into the title (in_title) or the body.
    start = models.PositiveIntegerField(_("start"))
    end = models.PositiveIntegerField(_("end"))
    # A locked mention was added or confirmed by an editor: re-extraction keeps it.
    locked = models.BooleanField(_("locked by an editor"), default=False)
    # Added because the entity is on an editors' list (articles.enrich.list_service); locked as well,
    # so re-extraction keeps it. The entity page tells these apart.
    from_list = models.BooleanField(_("from an entity list"), default=False)

    class Meta:
        ordering = ["in_title", "start"]
        verbose_name = _("mention")
        verbose_name_plural = _("mentions")
        indexes = [
            # Entity pages and the entity facet: articles of an entity.
            models.Index(fields=["entity", "article"], name="mention_entity_article_idx"),
        ]

    def __str__(self) -> str:
        return self.surface


class BlockedEntity(models.Model):
    """An entity an editor deleted as false: re-extraction never creates it again."""

    kind = models.CharField(_("kind"), max_length=4, choices=Entity.Kind.choices)
    key = models.CharField(_("normalised key"), max_length=300)
    name = models.CharField(_("name"), max_length=300)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)

    class Meta:
        verbose_name = _("blocked entity")
        verbose_name_plural = _("blocked entities")
        constraints = [models.UniqueConstraint(fields=["kind", "key"], name="blocked_unique_kind_key")]

    def __str__(self) -> str:
        return f"{self.name} ({self.kind})"


class StoryBand(models.Model):
    """One LSH band hash of an article's MinHash signature (articles.stories.signature.band_hashes).

    Candidates for a new article are the articles sharing a band with it: an indexed equality lookup,
    so grouping costs the same at a million articles as at a thousand.
    """

    band = models.BigIntegerField(_("band hash"))
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="story_bands")

    class Meta:
        verbose_name = _("story band")
        verbose_name_plural = _("story bands")
        indexes = [models.Index(fields=["band"], name="storyband_band_idx")]

    def __str__(self) -> str:
        return f"{self.band} → {self.article_id}"


class EntityJoin(models.Model):
    """Audit row of one automatic join (``entities_consolidate``): the spelling ``name`` (key ``key``)
    was joined to ``entity`` by ``rule`` with ``score``. An editor splits it again in the admin; a
    split row keeps consolidation from joining that spelling to that entity again."""

    class Rule(models.TextChoices):
        SPELLING = "spelling", _("same name, other spelling (hamza, long vowels, compound spacing)")
        FUZZY = "fuzzy", _("near-identical spelling (fuzzy match)")
        PARTIAL = "partial", _("part of the one full name that dominates")

    entity = models.ForeignKey(Entity, on_delete=models.CASCADE, related_name="joins", verbose_name=_("entity"))
    kind = models.CharField(_("kind"), max_length=4, choices=Entity.Kind.choices)
    key = models.CharField(_("joined key"), max_length=300)
    name = models.CharField(_("joined spelling"), max_length=300)
    target_key = models.CharField(_("key joined to"), max_length=300)
    rule = models.CharField(_("rule"), max_length=10, choices=Rule.choices)
    score = models.FloatField(_("score"))
    article_count = models.PositiveIntegerField(_("articles it had"), default=0)
    created_at = models.DateTimeField(_("joined"), auto_now_add=True)
    split_at = models.DateTimeField(_("split"), null=True, blank=True)
    split_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, verbose_name=_("split by")
    )

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("automatic join")
        verbose_name_plural = _("automatic joins")
        indexes = [models.Index(fields=["kind", "key"], name="entityjoin_kind_key_idx")]

    def __str__(self) -> str:
        return f"{self.name} → {self.target_key} ({self.rule} {self.score:.0f})"


# Saved searches live in their own sub-package (articles/alerts/); importing them here registers them with the app.
from articles.alerts.models import DigestItem, SavedSearch  # noqa: E402, F401

# So do the entity look-up words and the editors' entity lists (articles/enrich/models.py).
from articles.enrich.models import EntityAliasTail, EntityList  # noqa: E402, F401

# So do the ingest runs and the clipping files (articles/ingest/models.py).
from articles.ingest.models import ArticlePages, IngestRun, OriginalFile  # noqa: E402, F401
