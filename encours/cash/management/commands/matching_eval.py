from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Count, Q

from encours.cash.selectors import matching_config, matching_index
from encours.core.matching.engine import MatchingIndex, match_lines
from encours.ledger.models import LegalEntity
from encours.synthetic.banksim.simulator import Portfolio, evaluate, generate_bank_lines, generate_portfolio

TARGETS = (("precision", 0.995), ("auto_match_rate", 0.90), ("top3_recall", 0.98))


class Command(BaseCommand):
    help = (
        "Measure the matcher on generated bank lines with ground truth: precision of auto-applied matches, "
        "auto-match rate, top-3 recall. Lines are drawn from the database's portfolio (the legal entity with "
        "the most open items), or from a synthetic portfolio built on the fly when the database has none."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--lines",
            type=int,
            default=None,
            help="lines to generate (default: 5000 on a synthetic portfolio, half the open items on the database's)",
        )
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument("--entity", help="SIREN of the legal entity whose portfolio to use")
        parser.add_argument("--synthetic", action="store_true", help="use a generated portfolio even if the DB has one")

    def handle(self, *args, **options):
        if options["lines"] is not None and options["lines"] < 1:
            raise CommandError("--lines must be at least 1")
        entities = LegalEntity.objects.annotate(open_items=Count("items", filter=~Q(items__open_amount=0)))
        if options["entity"]:
            entities = entities.filter(siren=options["entity"])
            if not entities:
                raise CommandError(f"no legal entity with SIREN {options['entity']}")
        entity = entities.filter(open_items__gt=0).order_by("-open_items").first()
        config = None
        if entity is None or options["synthetic"]:
            as_of = date(2026, 10, 31)
            portfolio = generate_portfolio(seed=options["seed"], customers=1500, items=15_000, as_of=as_of)
            self.stdout.write(
                f"portfolio: synthetic, generated on the fly (seed {options['seed']}, "
                f"{len(portfolio.customers)} customers, {len(portfolio.items)} open items)"
            )
        else:
            index = matching_index(entity.pk)
            portfolio = Portfolio(customers=tuple(index.customers.values()), items=tuple(index.items.values()))
            as_of = max((i.document_date for i in portfolio.items), default=date(2026, 10, 31))
            config = matching_config(entity)
            self.stdout.write(
                f"portfolio: database, {entity.name} ({entity.siren}): "
                f"{len(portfolio.customers)} customers, {len(portfolio.items)} open items"
            )
        count = options["lines"] or (5000 if config is None else min(5000, max(50, len(portfolio.items) // 2)))
        simulated = generate_bank_lines(
            customers=portfolio.customers,
            items=portfolio.items,
            count=count,
            seed=options["seed"],
            as_of=as_of,
        )
        index = MatchingIndex(customers=portfolio.customers, items=portfolio.items)
        kwargs = {"config": config} if config is not None else {}
        results = match_lines([s.line for s in simulated], index=index, **kwargs)
        evaluation = evaluate(simulated=simulated, results=results)
        for line in evaluation.report():
            self.stdout.write(line)
        for name, target in TARGETS:
            value = getattr(evaluation, name)
            verdict = "ok" if value >= target else "BELOW TARGET"
            self.stdout.write(f"target {name.replace('_', ' ')} >= {target:.1%}: {value:.2%} {verdict}")
