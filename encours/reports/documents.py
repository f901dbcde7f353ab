"""The weekly report as files: a standalone HTML document, its PDF (WeasyPrint, charts drawn as
SVG beforehand) and an XLSX workbook."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from openpyxl import Workbook

from encours.core.aging import aging_buckets
from encours.core.kpi import round_kpi
from encours.reports.charts import aging_svg, bucket_labels, dso_svg, svg_data_uri
from encours.reports.exports import (
    AMOUNT_FORMAT,
    BOLD,
    DATE_FORMAT,
    DAYS_FORMAT,
    PERCENT_FORMAT,
    cell,
    header_row,
    parameters_sheet,
    set_widths,
    workbook_bytes,
)
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
    workbook = Workbook(write_only=True)
    _summary_sheet(workbook, report)
    _overdue_sheet(workbook, _("Overdue by entity"), report.by_entity)
    _overdue_sheet(workbook, _("Overdue by region"), report.by_region)
    _late_sheet(workbook, report)
    _disputes_sheet(workbook, report)
    _dso_sheet(workbook, report)
    parameters_sheet(
        workbook, [(_("As of"), report.as_of), (_("Compared with"), report.week_ago), (_("Scope"), report.title)]
    )
    return workbook_bytes(workbook)


def _summary_sheet(workbook: Workbook, report: WeeklyReport) -> None:
    sheet = workbook.create_sheet(_("Summary"))
    sheet.freeze_panes = "C2"
    set_widths(sheet, (34, 9, 18, 18, 18))
    sheet.append(header_row(sheet, [_("Figure"), _("Currency"), _("This week"), _("Previous week"), _("Change")]))
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
            sheet.append(
                [
                    label,
                    currency.currency,
                    cell(sheet, now, number_format),
                    cell(sheet, before, number_format),
                    cell(sheet, change, number_format),
                ]
            )
        for label, amount in (
            (_("Invoiced this week"), week.moved.invoiced),
            (_("Collected this week"), week.moved.collected),
        ):
            sheet.append([label, currency.currency, cell(sheet, amount, AMOUNT_FORMAT)])


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


def _overdue_sheet(workbook: Workbook, title: str, lines: Any) -> None:
    sheet = workbook.create_sheet(title[:31])
    sheet.freeze_panes = "C2"
    set_widths(sheet, (14, 40, 9, 16, 16, 16, 16, 16))
    sheet.append(
        header_row(
            sheet,
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
    )
    for line in lines:
        amounts = (line.now.total, line.now.overdue, line.severe, line.before.overdue, line.change)
        sheet.append([line.key, line.name, line.currency, *(cell(sheet, a, AMOUNT_FORMAT) for a in amounts)])


def _late_sheet(workbook: Workbook, report: WeeklyReport) -> None:
    sheet = workbook.create_sheet(_("Top late customers")[:31])
    sheet.freeze_panes = "C2"
    set_widths(sheet, (14, 40, 9, 16, 16, 12, 12, 14, 14, 14, 40))
    sheet.append(
        header_row(
            sheet,
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
    )
    for line in report.late_customers:
        overdue = line.overdue
        action = line.last_action
        sheet.append(
            [
                overdue.account,
                overdue.name,
                overdue.currency,
                cell(sheet, overdue.overdue, AMOUNT_FORMAT),
                cell(sheet, line.change, AMOUNT_FORMAT),
                overdue.days_late(report.as_of),
                cell(sheet, overdue.weighted_days_late, DAYS_FORMAT),
                cell(sheet, round_kpi(line.year.weighted_days_late) if line.year else None, DAYS_FORMAT),
                cell(sheet, round_kpi(line.trend.change) if line.trend.change is not None else None, DAYS_FORMAT),
                cell(sheet, action.on if action else None, DATE_FORMAT),
                action.label if action else (_("no data") if not report.last_actions_known else ""),
            ]
        )


def _disputes_sheet(workbook: Workbook, report: WeeklyReport) -> None:
    sheet = workbook.create_sheet(_("Disputes"))
    set_widths(sheet, (30, 12, 16, 14, 18))
    if report.disputes is None:
        sheet.append([_("No dispute data: disputes are not recorded in encours yet.")])
        return
    sheet.freeze_panes = "B2"
    sheet.append(
        header_row(sheet, [_("Reason"), _("Open"), _("Open amount"), _("Resolved"), _("Average resolution (days)")])
    )
    for line in report.disputes.by_reason:
        sheet.append(
            [
                line.label,
                line.open_count,
                cell(sheet, line.open_amount, AMOUNT_FORMAT),
                line.resolved_count,
                cell(sheet, line.average_resolution_days, DAYS_FORMAT),
            ]
        )
    summary = report.disputes
    sheet.append(
        [
            cell(sheet, _("Total"), font=BOLD),
            cell(sheet, summary.open_count, font=BOLD),
            cell(sheet, summary.open_amount, AMOUNT_FORMAT, BOLD),
            cell(sheet, summary.resolved_since, font=BOLD),
            cell(sheet, summary.average_resolution_days, DAYS_FORMAT, BOLD),
        ]
    )


def _dso_sheet(workbook: Workbook, report: WeeklyReport) -> None:
    sheet = workbook.create_sheet(_("DSO trend"))
    sheet.freeze_panes = "A2"
    set_widths(sheet, (12, 9, 18, 16, 16))
    sheet.append(
        header_row(sheet, [_("Date"), _("Currency"), _("Receivables"), _("DSO (countback)"), _("DSO (3 months)")])
    )
    for currency in report.overview.currencies:
        if currency.series is None:
            continue
        for point in currency.series.points:
            sheet.append(
                [
                    cell(sheet, point.on, DATE_FORMAT),
                    currency.currency,
                    cell(sheet, point.receivables, AMOUNT_FORMAT),
                    cell(sheet, round_kpi(point.countback.days), DAYS_FORMAT),
                    cell(sheet, round_kpi(point.simple_dso) if point.simple_dso is not None else None, DAYS_FORMAT),
                ]
            )
