"""Entity look-up and editors' lists: the word tails of aliases (an indexed look-up by any word of a
name) and the lists of entities a newsroom follows (Aleph's "lists").

Registered with the app by :mod:`articles.models` (imported at its end), like the saved searches.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import models
from django.utils.translation import gettext_lazy as _

from articles.text import key_tails


class EntityAliasTail(models.Model):
    """One word-boundary tail of an alias key (``articles.text.key_tails``): «ترامب» of «دونالد ترامب».
    The look-up (``entity_search``) finds entities by an indexed prefix match on ``tail``, so a surname
    finds the full name without scanning aliases. Kept in step by ``EntityAlias.save`` and the entity
    service's bulk insert; rebuilt from scratch by :meth:`rebuild`. Internal: never shown."""

    alias = models.ForeignKey("articles.EntityAlias", on_delete=models.CASCADE, related_name="tails")
    tail = models.CharField(max_length=300, db_index=True)
    # The word before the tail is بن/أبو/نجل/...: «سلمان» of «محمد بن سلمان» names the father, not him.
    after_kin = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("alias word")
        verbose_name_plural = _("alias words")

    def __str__(self) -> str:
        return self.tail

    @classmethod
    def sync(cls, aliases: Iterable) -> None:
        """Replace the tails of these aliases (EntityAlias rows with ``pk``, ``key`` and ``origin``).
        Latin transliterations get none (generated keys: a look-up goes through the phonetic key)."""
        aliases = [a for a in aliases if a.pk]
        if not aliases:
            return
        cls.objects.filter(alias_id__in=[a.pk for a in aliases]).delete()
        cls.objects.bulk_create(
            [
                cls(alias_id=a.pk, tail=tail, after_kin=kin)
                for a in aliases
                if a.origin != "translit"
                for tail, kin in key_tails(a.key)
            ],
            batch_size=2000,
        )

    @classmethod
    def rebuild(cls, *, batch: int = 5000) -> int:
        """Rebuild every tail from the aliases (the migration, a repair); returns the rows written."""
        alias_model = cls.alias.field.related_model
        cls.objects.all().delete()
        written, last = 0, 0
        while True:
            rows = list(alias_model.objects.filter(pk__gt=last).order_by("pk").only("pk", "key", "origin")[:batch])
            if not rows:
                return written
            cls.sync(rows)
            written += sum(len(key_tails(a.key)) for a in rows if a.origin != "translit")
            last = rows[-1].pk


class EntityList(models.Model):
    """An editors' list of entities the newsroom follows (officials, companies, parties). Every article
    naming one of a listed entity's aliases gets a mention (``articles.enrich.list_service``), found or
    not by the tagger; imported from and exported to CSV (``name,kind,aliases``)."""

    class Scan(models.TextChoices):
        IDLE = "idle", _("not scanned")
        QUEUED = "queued", _("queued")
        RUNNING = "running", _("scanning the archive")
        DONE = "done", _("done")
        FAILED = "failed", _("failed")

    name = models.CharField(_("name"), max_length=200, unique=True)
    description = models.TextField(_("description"), blank=True)
    entities = models.ManyToManyField("articles.Entity", related_name="lists", blank=True, verbose_name=_("entities"))
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Progress of the archive scan that gives existing articles their list mentions.
    scan_status = models.CharField(_("archive scan"), max_length=8, choices=Scan.choices, default=Scan.IDLE)
    scan_done = models.PositiveIntegerField(_("articles scanned"), default=0)
    scan_total = models.PositiveIntegerField(_("articles to scan"), default=0)
    scan_added = models.PositiveIntegerField(_("mentions added"), default=0)
    scan_error = models.CharField(_("scan error"), max_length=500, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("entity list")
        verbose_name_plural = _("entity lists")

    def __str__(self) -> str:
        return self.name
