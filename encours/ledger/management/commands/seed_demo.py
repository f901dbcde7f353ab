import time

from django.core.management.base import BaseCommand, CommandError, OutputWrapper
from django.utils import timezone

from encours.ledger.models import LegalEntity
from encours.ledger.services.demo import DEMO_PASSWORD, demo_apps, demo_load, demo_logins
from encours.synthetic.demo import generate_portfolio
from encours.web.params import date_argument


class StageDisplay:
    """What the load is doing, on stderr: each stage as it starts (its number out of all, its
    name) and as it ends (how long it took), with the time since the command started."""

    def __init__(self, out: OutputWrapper, started: float) -> None:
        self.out, self.started = out, started
        self.current: tuple[str, float] | None = None

    def __call__(self, done: int, total: int | None = None, message: str = "") -> None:
        now = time.monotonic()
        if self.current is not None:
            name, since = self.current
            self._line(now, f"{name}: {now - since:.1f} s")
        if total is not None and done < total:
            self._line(now, f"{done + 1}/{total} {message}…")
        self.current = (message, now)

    def _line(self, now: float, text: str) -> None:
        self.out.write(f"[{now - self.started:6.1f} s] {text}")
        self.out.flush()


class Command(BaseCommand):
    help = "Generate and load a deterministic French demo portfolio (3 entities, customers, 2 years of ledger)."

    def add_arguments(self, parser):
        parser.add_argument("--customers", type=int, default=1000)
        parser.add_argument("--invoices", type=int, default=24000)
        parser.add_argument("--seed", type=int, default=42)
        parser.add_argument("--as-of", type=date_argument, default=None, help="cut-off date (default: today)")
        parser.add_argument("--if-empty", action="store_true", help="do nothing when the database already has data")
        parser.add_argument("--no-extras", action="store_true", help="ledger only, without the other apps' demo data")
        parser.add_argument(
            "--skip",
            action="append",
            default=[],
            metavar="APP",
            help="leave out this app's demo data (repeatable), e.g. --skip forecast (see seed_demo_forecast)",
        )

    def handle(self, *args, **options):
        if LegalEntity.objects.exists():
            if options["if_empty"]:
                self.stdout.write("database not empty: demo portfolio not loaded")
                self._print_logins()
                return
            raise CommandError("the database already has legal entities; use a fresh database (or --if-empty)")
        unknown = sorted(set(options["skip"]) - set(demo_apps()))
        if unknown:
            raise CommandError(f"--skip {', '.join(unknown)}: no such app (choose among {', '.join(demo_apps())})")
        as_of = options["as_of"] or timezone.localdate()
        started = time.monotonic()
        portfolio = generate_portfolio(
            customers=options["customers"], invoices=options["invoices"], seed=options["seed"], as_of=as_of
        )
        generated = time.monotonic() - started
        context = demo_load(
            portfolio=portfolio,
            hooks=not options["no_extras"],
            skip=options["skip"],
            progress=StageDisplay(self.stderr, started),
        )
        total = time.monotonic() - started
        invoices = sum(1 for i in portfolio.items if i.type == "invoice")
        self.stdout.write(
            f"demo portfolio as of {as_of}: {len(portfolio.customers)} customers, {invoices} invoices, "
            f"{len(portfolio.items)} items, {len(portfolio.allocations)} allocations "
            f"(generated in {generated:.1f} s, loaded in {total - generated:.1f} s)"
        )
        for note in context.notes:
            self.stdout.write(note)
        self._print_logins()

    def _print_logins(self):
        self.stdout.write(f"\nDemo logins (password: {DEMO_PASSWORD})")
        for username, role, scope in demo_logins():
            self.stdout.write(f"  {username:<14} {role:<28} {scope}")
