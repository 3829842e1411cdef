"""python manage.py entities_consolidate [--dry-run] [--kind PERS ...] — one entity per name across spellings."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandParser

from articles.enrich.consolidate import entities_consolidate
from articles.management.progress import progress_bar
from articles.models import Entity


class Command(BaseCommand):
    help = (
        "Join the entities that are one name: other spellings (hamza, long vowels, compound spacing), "
        "near-identical spellings, and a surname alone into the one full name that dominates it. "
        "Each join is recorded (admin: Automatic joins; an editor can split it) and survives re-extraction. "
        "Targets are merged one transaction each, with a progress bar; --dry-run lists the joins only."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="list the joins, change nothing")
        parser.add_argument("--kind", action="append", choices=Entity.Kind.values, help="only these kinds")
        parser.add_argument("--show", type=int, default=0, help="print this many planned joins")

    def handle(self, *args, **options) -> None:
        def progress(items):
            with progress_bar("joining", total=len(items)) as advance:
                for item in items:
                    yield item
                    advance(1)

        report, listing = entities_consolidate(
            kinds=options["kind"], dry_run=options["dry_run"], progress=progress
        )
        for name, target, rule, score in listing[: options["show"]]:
            self.stdout.write(f"{rule}\t{score:.0f}\t{name}\t→ {target}")
        verb = "would join" if options["dry_run"] else "joined"
        rules = ", ".join(f"{rule} {n}" for rule, n in sorted(report.joins.items())) or "nothing"
        self.stdout.write(f"{report.entities} entities: {verb} {report.joined} ({rules})")
