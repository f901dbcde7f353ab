from django.core.management.base import BaseCommand, CommandError

from encours.accounts.models import ApiToken, User
from encours.api.auth import DEFAULT_DAYS, MAX_DAYS, api_token_create


class Command(BaseCommand):
    help = (
        "Create an API token for a user; the token is printed on the last line (it is stored hashed). "
        "The user's previous live token of the same --name is revoked, unless --keep."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--name", default="api", help="a label to recognise the token")
        parser.add_argument(
            "--scope",
            choices=["read", "read_write"],
            default=ApiToken.Scope.READ_WRITE,
            help="read: GET only (writes answer 403); read_write (default): as the user's role allows",
        )
        parser.add_argument(
            "--days",
            type=int,
            default=DEFAULT_DAYS,
            help=f"valid this many days (1 to {MAX_DAYS}, default {DEFAULT_DAYS})",
        )
        parser.add_argument(
            "--keep",
            action="store_true",
            help="keep the user's previous tokens of this name valid (default: revoke them)",
        )

    def handle(self, *args, **options):
        user = User.objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(f"no user named {options['username']!r}")
        if not user.is_active:
            raise CommandError(f"user {user.username} is inactive")
        try:
            token = api_token_create(
                user=user,
                name=options["name"],
                scope=options["scope"],
                days=options["days"],
                replace=not options["keep"],
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        created = ApiToken.objects.filter(user=user, prefix=token[:12]).latest("pk")
        scope = "read-only" if created.scope == ApiToken.Scope.READ else "read-write"
        self.stdout.write(
            f"token for {user.username}, {scope}, valid until {created.expires_at:%Y-%m-%d} "
            "(shown once; send it as 'Authorization: Bearer <token>'):"
        )
        self.stdout.write(token)
