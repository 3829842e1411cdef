"""E-mail each saved search's new articles (the daily digest); a scheduler runs it once a day."""

from django.core.management.base import BaseCommand, CommandError

from articles.alerts.services import digests_send


class Command(BaseCommand):
    help = (
        "Send the daily e-mail digest of every saved search that asks for one. Idempotent: an article "
        "is never sent twice for one saved search, so running it again sends only what is new."
    )

    def add_arguments(self, parser):
        parser.add_argument("--base-url", default="", help="site address for links (default: settings.SITE_URL)")

    def handle(self, *args, base_url: str, **options):
        report = digests_send(base_url=base_url)
        self.stdout.write(f"{report.sent} digests sent ({report.articles} articles), {report.failed} failed")
        if report.failed:
            raise CommandError(f"{report.failed} digests could not be sent (see the log); they are retried next run")
