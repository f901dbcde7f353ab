from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from encours.core.errors import EncoursError
from encours.reports.documents import weekly_html, weekly_pdf, weekly_xlsx
from encours.reports.management.commands._options import add_scope_arguments, as_of_of, write_output
from encours.reports.services import recipients_parse, weekly_report_build, weekly_report_send

RENDERERS = {"html": weekly_html, "pdf": weekly_pdf, "xlsx": weekly_xlsx}


class Command(BaseCommand):
    help = (
        "The weekly receivables report as of a date (overdue by entity and region, top 20 late customers, "
        "disputes, DSO trend, comparison with the previous week) as HTML, PDF or XLSX; --email sends it "
        "(PDF attached) to a distribution list. From cron: weekly_report --format pdf --output FILE --email."
    )

    def add_arguments(self, parser):
        add_scope_arguments(parser)
        parser.add_argument("--format", choices=tuple(RENDERERS), default="pdf")
        parser.add_argument("--output", help="file to write")
        parser.add_argument(
            "--email",
            nargs="?",
            const="",
            default=None,
            metavar="a@x,b@y",
            help="send it to these addresses (alone: to REPORTS_WEEKLY_RECIPIENTS)",
        )
        parser.add_argument("--language", choices=[code for code, _ in settings.LANGUAGES], default=None)

    def handle(self, *args, **options):
        if not options["output"] and options["email"] is None:
            raise CommandError("give --output FILE, --email, or both")
        as_of = as_of_of(options)
        language = options["language"] or settings.REPORTS_WEEKLY_LANGUAGE
        try:
            if options["output"]:
                with translation.override(language):
                    report = weekly_report_build(as_of=as_of, entity_siren=options["entity"])
                    write_output(options["output"], RENDERERS[options["format"]](report))
                self.stdout.write(f"weekly report as of {as_of} ({options['format']}) → {options['output']}")
            if options["email"] is not None:
                recipients = recipients_parse(options["email"] or settings.REPORTS_WEEKLY_RECIPIENTS)
                sent = weekly_report_send(
                    as_of=as_of,
                    recipients=recipients,
                    entity_siren=options["entity"],
                    language=language,
                    actor="manage.py weekly_report",
                )
                self.stdout.write(f"sent to {', '.join(sent.recipients)} ({sent.attachment})")
        except EncoursError as exc:
            raise CommandError(str(exc)) from None
