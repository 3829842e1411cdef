"""The search page's FilterSet: text query, topic, source, entity, kind of entity, dates.

Topic, source and kind are multi-select with OR inside a facet; selected entities must all be
mentioned (drill-down: "articles about X and Y"). ``queryset_excluding`` re-applies the validated
filters without some of them, so facet counts reuse one validation (no extra queries).
"""

from __future__ import annotations

import calendar
import datetime as dt

import django_filters
from django import forms
from django.db import connection
from django.db.models import BooleanField, Exists, OuterRef, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.utils.translation import gettext_lazy as _

from articles.models import Article, Entity, Mention, Source, Topic
from articles.search.backend import search_filter
from articles.search.query import ParsedQuery, query_parse
from articles.search.sampling import sample_filter, sample_sql
from articles.search.sql import TableSQL

SORT_RELEVANCE, SORT_NEWEST, SORT_OLDEST = "relevance", "newest", "oldest"
SORT_CHOICES = [(SORT_RELEVANCE, _("Relevance")), (SORT_NEWEST, _("Newest first")), (SORT_OLDEST, _("Oldest first"))]
# Parameters of the date facet: the histogram ignores them so its bars can widen the range again.
DATE_PARAMS = ("date_from", "date_to", "year", "month")
# The topic filter's value for "no topic" (a slug no Topic can have: slugs of topics are words).
UNCLASSIFIED = "none"
# group=story (the default) lists each story once, as its first copy; group=none lists every copy.
GROUP_STORY, GROUP_NONE = "story", "none"
GROUP_CHOICES = [(GROUP_STORY, _("One result per story")), (GROUP_NONE, _("Every copy"))]


class ArticleFilterForm(forms.Form):
    def clean(self):
        data = super().clean()
        if data.get("month") and not data.get("year"):
            self.add_error("month", _("A month needs a year."))
        date_from, date_to = data.get("date_from"), data.get("date_to")
        if date_from and date_to and date_from > date_to:
            self.add_error("date_to", _("The end date is before the start date."))
        return data


class ArticleFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="filter_q", label=_("Search"))
    # topic=none selects the unclassified articles, so the topic facet's counts add up to the total.
    topic = django_filters.ModelMultipleChoiceFilter(
        field_name="topic__slug",
        to_field_name="slug",
        queryset=Topic.objects.all(),
        distinct=False,
        label=_("Topic"),
        null_label=_("Unclassified"),
        null_value=UNCLASSIFIED,
    )
    source = django_filters.ModelMultipleChoiceFilter(
        field_name="source__slug",
        to_field_name="slug",
        queryset=Source.objects.all(),
        distinct=False,
        label=_("Source"),
    )
    entity = django_filters.ModelMultipleChoiceFilter(
        to_field_name="slug", queryset=Entity.objects.all(), method="filter_entity", label=_("Entity")
    )
    kind = django_filters.MultipleChoiceFilter(choices=Entity.Kind.choices, method="filter_kind", label=_("Kind"))
    date_from = django_filters.DateFilter(field_name="published_on", lookup_expr="gte", label=_("From"))
    date_to = django_filters.DateFilter(field_name="published_on", lookup_expr="lte", label=_("To"))
    year = django_filters.NumberFilter(method="filter_year", min_value=1, max_value=9999, label=_("Year"))
    month = django_filters.NumberFilter(method="filter_month", min_value=1, max_value=12, label=_("Month"))
    sort = django_filters.ChoiceFilter(choices=SORT_CHOICES, method="filter_sort", label=_("Sort"))
    group = django_filters.ChoiceFilter(choices=GROUP_CHOICES, method="filter_group", label=_("Stories"))

    class Meta:
        model = Article
        fields: list[str] = []
        form = ArticleFilterForm

    def __init__(self, data=None, *args, **kwargs):
        if data is not None:
            data = data.copy()
            # NUL and other control characters are never part of a search; Django's CharField
            # would reject NUL, and a hostile query must still give a page.
            if "q" in data:
                data["q"] = "".join(ch if ch >= " " or ch in "\t\n" else " " for ch in data.get("q", ""))
        super().__init__(data, *args, **kwargs)
        self.parsed: ParsedQuery = query_parse(self.data.get("q") if self.data else None)
        # Grouped by default: a story is shown once, by its first copy (an indexed flag, so no GROUP BY).
        self.grouped = (self.data.get("group") if self.data else None) != GROUP_NONE
        # The id sample the text search may narrow to while ``sampled`` builds a queryset.
        self._sample = 1

    def filter_q(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return search_filter(queryset, self.parsed, sample=self._sample) if not self.parsed.is_empty else queryset

    def filter_entity(self, queryset: QuerySet, name: str, value) -> QuerySet:
        if not value:
            return queryset
        if len(value) == 1:
            # While ``sampled`` builds, the mention list is narrowed to the sample too (one in step of a
            # common entity's mentions, not all of them, reach the article table).
            mentions = sample_filter(Mention.objects.filter(entity=value[0]), self._sample, article="article_id")
            return queryset.filter(pk__in=mentions.values("article_id"))
        # Articles naming all of them: the mention index joined with itself, article ids in order (a
        # merge join), before any article row is read. One IN per entity looked up all 120,000
        # articles of one of two common entities at 1,000,000 (1.6 s), a GROUP BY sorted 360,000 rows.
        table = Mention._meta.db_table
        joins = " ".join(
            f"JOIN {table} m{i} ON m{i}.article_id = m0.article_id AND m{i}.entity_id = %s"
            for i in range(1, len(value))
        )
        sample = f" AND {sample_sql('m0.article_id', self._sample)}" if self._sample > 1 else ""
        sql = f"SELECT m0.article_id FROM {table} m0 {joins} WHERE m0.entity_id = %s{sample}"  # noqa: S608
        params = [entity.pk for entity in value[1:]] + [value[0].pk]
        if connection.vendor == "postgresql":
            # As an array computed once: PostgreSQL misjudges the joined list (138,856 rows expected,
            # 5,742 found) and would scan every article to match it; against an array of unknown
            # length it looks the articles up by id.
            return queryset.filter(TableSQL(f"{{t}}.id = ANY(ARRAY({sql}))", params, BooleanField()))
        return queryset.filter(pk__in=RawSQL(sql, params))  # noqa: S611 - compiled names, ids as parameters

    def filter_kind(self, queryset: QuerySet, name: str, value: list[str]) -> QuerySet:
        if not value:
            return queryset
        return queryset.filter(pk__in=Mention.objects.filter(entity__kind__in=value).values("article_id"))

    def filter_year(self, queryset: QuerySet, name: str, value) -> QuerySet:
        month = self.form.cleaned_data.get("month")
        if month:
            return queryset  # filter_month applies year and month together
        year = int(value)
        return queryset.filter(published_on__gte=dt.date(year, 1, 1), published_on__lte=dt.date(year, 12, 31))

    def filter_month(self, queryset: QuerySet, name: str, value) -> QuerySet:
        year = self.form.cleaned_data.get("year")
        if not year:
            return queryset
        year, month = int(year), int(value)
        last = calendar.monthrange(year, month)[1]
        return queryset.filter(published_on__gte=dt.date(year, month, 1), published_on__lte=dt.date(year, month, last))

    def filter_group(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset  # applied to the base queryset in __init__, so facets and counts share it

    def filter_sort(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset  # ordering is the selector's job; the filter only validates the value

    @property
    def sort_order(self) -> str:
        self.errors  # noqa: B018 - validates
        chosen = self.form.cleaned_data.get("sort")
        if chosen == SORT_RELEVANCE and not self.parsed.has_positive:
            return SORT_NEWEST
        return chosen or (SORT_RELEVANCE if self.parsed.has_positive else SORT_NEWEST)

    def selected(self, name: str) -> list:
        self.errors  # noqa: B018 - validates
        return list(self.form.cleaned_data.get(name) or [])

    def queryset_excluding(self, *names: str) -> QuerySet:
        """The filtered queryset without the named filters (for facets that exclude their own)."""
        return self._stories_once(self._matching(*names))

    def sampled(self, step: int, *excluding: str) -> QuerySet:
        """:meth:`queryset_excluding` restricted to the id sample of ``step`` (:mod:`articles.search.sampling`;
        1: not restricted). The text search narrows to the sample inside its index scan; whether a
        story's first copy matches is still judged on all matches."""
        if step == 1:
            return self.queryset_excluding(*excluding)
        self._sample = step
        try:
            matches = sample_filter(self._matching(*excluding), step)
        finally:
            self._sample = 1
        return self._stories_once(matches, leads_of=self._matching(*excluding))

    def _matching(self, *names: str) -> QuerySet:
        self.errors  # noqa: B018 - validates
        queryset = self.queryset.all()
        for name, value in self.form.cleaned_data.items():
            if name not in names:
                queryset = self.filters[name].filter(queryset, value)
        return queryset

    def filter_queryset(self, queryset: QuerySet) -> QuerySet:
        return self._stories_once(super().filter_queryset(queryset))

    def _stories_once(self, matches: QuerySet, *, leads_of: QuerySet | None = None) -> QuerySet:
        """Grouped: each matching story once, by its first copy; a story whose first copy does not match
        (a word only a later copy has, a filter only a later copy meets) is shown by the copies that do,
        so grouping never hides a match. ``leads_of``: the matches among which first copies are looked
        for, when ``matches`` is only a sample of them."""
        if not self.grouped:
            return matches
        # A copy is listed when its story's first copy is not among the matches. Asked per copy
        # (EXISTS on the first copy's id): the first copies of all matching stories as a list would
        # mean reading every match first (seconds for a common word at 1,000,000 articles).
        lead_matches = (matches if leads_of is None else leads_of).filter(pk=OuterRef("story__lead_id"))
        return matches.filter(Q(story_lead=True) | ~Exists(lead_matches))
