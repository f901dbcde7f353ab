from django.core.management.base import BaseCommand, CommandError

from encours.accounts.models import User
from encours.api.auth import api_token_create


class Command(BaseCommand):
    help = "Create an API token for a user; the token is printed on the last line (it is stored hashed)."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--name", default="api", help="a label to recognise the token")

    def handle(self, *args, **options):
        user = User.objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(f"no user named {options['username']!r}")
        if not user.is_active:
            raise CommandError(f"user {user.username} is inactive")
        token = api_token_create(user=user, name=options["name"])
        self.stdout.write(f"token for {user.username} (shown once; send it as 'Authorization: Bearer <token>'):")
        self.stdout.write(token)
