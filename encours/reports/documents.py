"""The weekly report as files: a standalone HTML document, its PDF (WeasyPrint, charts drawn as
SVG beforehand) and an XLSX workbook."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from encours.core.aging import aging_buckets
from encours.core.formats.spreadsheet import Cell, XlsxBook
from encours.core.kpi import round_kpi
from encours.reports.charts import aging_svg, bucket_labels, dso_svg, svg_data_uri
from encours.reports.exports import AMOUNT_FORMAT, DATE_FORMAT, DAYS_FORMAT, PERCENT_FORMAT, parameters_sheet
from encours.reports.selectors.kpis import KpiFigures
from encours.reports.selectors.weekly import WeeklyReport


def weekly_context(report: WeeklyReport, *, charts: bool = True) -> dict[str, Any]:
    """What the weekly templates show; ``charts`` draws the SVG charts (documents, not pages)."""
    main = report.overview.main
    context: dict[str, Any] = {"report": report, "overview": report.overview, "main": main}
    if main is not None:
        buckets = aging_buckets(edges=main.figures.balance.edges)
        context["aging_rows"] = list(zip(bucket_labels(buckets), main.figures.balance.buckets, strict=True))
        if charts:
            context["aging_chart"] = svg_data_uri(aging_svg(main.figures.balance, buckets))
            if main.series is not None:
                context["dso_chart"] = svg_data_uri(dso_svg(main.series))
    return context


def weekly_html(report: WeeklyReport) -> str:
    """A standalone HTML document (inline CSS and SVG charts, no script): archive or PDF source."""
    return render_to_string("reports/weekly_document.html", weekly_context(report))


def weekly_pdf(report: WeeklyReport) -> bytes:
    from weasyprint import HTML

    return HTML(string=weekly_html(report)).write_pdf()


def weekly_xlsx(report: WeeklyReport) -> bytes:
    workbook = XlsxBook()
    _summary_sheet(workbook, report)
    _overdue_sheet(workbook, _("Overdue by entity"), report.by_entity)
    _overdue_sheet(workbook, _("Overdue by region"), report.by_region)
    _late_sheet(workbook, report)
    _disputes_sheet(workbook, report)
    _dso_sheet(workbook, report)
    parameters_sheet(
        workbook, [(_("As of"), report.as_of), (_("Compared with"), report.week_ago), (_("Scope"), report.title)]
    )
    return workbook.to_bytes()


def _summary_sheet(workbook: XlsxBook, report: WeeklyReport) -> None:
    sheet = workbook.sheet(_("Summary"))
    sheet.freeze("C2")
    sheet.widths((34, 9, 18, 18, 18))
    sheet.header([_("Figure"), _("Currency"), _("This week"), _("Previous week"), _("Change")])
    for currency in report.overview.currencies:
        week = currency.week
        lines: list[tuple[str, Any, Any, str]] = [
            (_("Open receivables"), week.now.total, week.before.total, AMOUNT_FORMAT),
            (_("Overdue"), week.now.overdue, week.before.overdue, AMOUNT_FORMAT),
            (_("Not yet due"), week.now.not_due, week.before.not_due, AMOUNT_FORMAT),
            (_("Unapplied cash and credits"), week.now.unapplied, week.before.unapplied, AMOUNT_FORMAT),
            (
                _("DSO (countback), days"),
                round_kpi(week.countback_now.days),
                round_kpi(week.countback_before.days) if week.countback_before else None,
                DAYS_FORMAT,
            ),
        ]
        lines.extend(_kpi_lines(currency.figures, week.figures_before))
        for label, now, before, number_format in lines:
            change = now - before if now is not None and before is not None else None
            sheet.row(
                [
                    label,
                    currency.currency,
                    Cell(value=now, number_format=number_format),
                    Cell(value=before, number_format=number_format),
                    Cell(value=change, number_format=number_format),
                ]
            )
        for label, amount in (
            (_("Invoiced this week"), week.moved.invoiced),
            (_("Collected this week"), week.moved.collected),
        ):
            sheet.row([label, currency.currency, Cell(value=amount, number_format=AMOUNT_FORMAT)])


def _kpi_lines(now: KpiFigures, before: KpiFigures | None) -> list[tuple[str, Any, Any, str]]:
    """The summary's period KPIs this week and the previous one (rates as fractions)."""

    def days(figures: KpiFigures | None, name: str) -> Decimal | None:
        value = getattr(figures, name) if figures is not None else None
        return None if value is None else round_kpi(value)

    def cei(figures: KpiFigures | None) -> Decimal | None:
        return None if figures is None or figures.cei is None else round_kpi(figures.cei / 100, 4)

    return [
        (_("Overdue rate"), now.overdue_rate, before.overdue_rate if before else None, PERCENT_FORMAT),
        (_("Best possible DSO (3 months), days"), days(now, "bpdso"), days(before, "bpdso"), DAYS_FORMAT),
        (_("Average days delinquent (3 months), days"), days(now, "add"), days(before, "add"), DAYS_FORMAT),
        (_("CEI (3 months)"), cei(now), cei(before), PERCENT_FORMAT),
    ]


def _overdue_sheet(workbook: XlsxBook, title: str, lines: Any) -> None:
    sheet = workbook.sheet(title)
    sheet.freeze("C2")
    sheet.widths((14, 40, 9, 16, 16, 16, 16, 16))
    sheet.header(
        [
            _("Key"),
            _("Name"),
            _("Currency"),
            _("Open receivables"),
            _("Overdue"),
            _("Overdue > 60 days"),
            _("Overdue last week"),
            _("Change"),
        ],
    )
    for line in lines:
        amounts = (line.now.total, line.now.overdue, line.severe, line.before.overdue, line.change)
        sheet.row([line.key, line.name, line.currency, *(Cell(value=a, number_format=AMOUNT_FORMAT) for a in amounts)])


def _late_sheet(workbook: XlsxBook, report: WeeklyReport) -> None:
    sheet = workbook.sheet(_("Top late customers"))
    sheet.freeze("C2")
    sheet.widths((14, 40, 9, 16, 16, 12, 12, 14, 14, 14, 40))
    sheet.header(
        [
            _("Account"),
            _("Customer"),
            _("Currency"),
            _("Overdue"),
            _("Change over the week"),
            _("Oldest (days)"),
            _("Weighted days overdue"),
            _("Days late (12 months)"),
            _("Trend (days)"),
            _("Last action date"),
            _("Last action"),
        ],
    )
    for line in report.late_customers:
        overdue = line.overdue
        action = line.last_action
        sheet.row(
            [
                overdue.account,
                overdue.name,
                overdue.currency,
                Cell(value=overdue.overdue, number_format=AMOUNT_FORMAT),
                Cell(value=line.change, number_format=AMOUNT_FORMAT),
                overdue.days_late(report.as_of),
                Cell(value=overdue.weighted_days_late, number_format=DAYS_FORMAT),
                Cell(value=round_kpi(line.year.weighted_days_late) if line.year else None, number_format=DAYS_FORMAT),
                Cell(
                    value=round_kpi(line.trend.change) if line.trend.change is not None else None,
                    number_format=DAYS_FORMAT,
                ),
                Cell(value=action.on if action else None, number_format=DATE_FORMAT),
                action.label if action else (_("no data") if not report.last_actions_known else ""),
            ]
        )


def _disputes_sheet(workbook: XlsxBook, report: WeeklyReport) -> None:
    sheet = workbook.sheet(_("Disputes"))
    sheet.widths((30, 12, 16, 14, 18))
    if report.disputes is None:
        sheet.row([_("No dispute data: disputes are not recorded in encours yet.")])
        return
    sheet.freeze("B2")
    sheet.header([_("Reason"), _("Open"), _("Open amount"), _("Resolved"), _("Average resolution (days)")])
    for line in report.disputes.by_reason:
        sheet.row(
            [
                line.label,
                line.open_count,
                Cell(value=line.open_amount, number_format=AMOUNT_FORMAT),
                line.resolved_count,
                Cell(value=line.average_resolution_days, number_format=DAYS_FORMAT),
            ]
        )
    summary = report.disputes
    sheet.row(
        [
            Cell(value=_("Total"), bold=True),
            Cell(value=summary.open_count, bold=True),
            Cell(value=summary.open_amount, number_format=AMOUNT_FORMAT, bold=True),
            Cell(value=summary.resolved_since, bold=True),
            Cell(value=summary.average_resolution_days, number_format=DAYS_FORMAT, bold=True),
        ]
    )


def _dso_sheet(workbook: XlsxBook, report: WeeklyReport) -> None:
    sheet = workbook.sheet(_("DSO trend"))
    sheet.freeze("A2")
    sheet.widths((12, 9, 18, 16, 16))
    sheet.header([_("Date"), _("Currency"), _("Receivables"), _("DSO (countback)"), _("DSO (3 months)")])
    for currency in report.overview.currencies:
        if currency.series is None:
            continue
        for point in currency.series.points:
            sheet.row(
                [
                    Cell(value=point.on, number_format=DATE_FORMAT),
                    currency.currency,
                    Cell(value=point.receivables, number_format=AMOUNT_FORMAT),
                    Cell(value=round_kpi(point.countback.days), number_format=DAYS_FORMAT),
                    Cell(
                        value=round_kpi(point.simple_dso) if point.simple_dso is not None else None,
                        number_format=DAYS_FORMAT,
                    ),
                ]
            )
