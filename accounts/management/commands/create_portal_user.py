from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from accounts.services import create_portal_user
from clients.models import Client


class Command(BaseCommand):
    help = (
        "Create a client portal user who may see the named client "
        "organisations. The account has no password until an administrator "
        "sets one in the admin."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--email", required=True, help="Email address the user signs in with."
        )
        parser.add_argument("--name", required=True, help="The user's full name.")
        parser.add_argument(
            "--client",
            action="append",
            required=True,
            dest="client_names",
            metavar="NAME",
            help="Name of a client organisation, exactly as recorded. Repeat "
            "the option for each organisation the user may see.",
        )

    def handle(self, *args, email, name, client_names, **options):
        clients = self._find_clients(client_names)
        try:
            user = create_portal_user(email=email, full_name=name, clients=clients)
        except ValidationError as error:
            raise CommandError(_describe(error)) from error

        names = ", ".join(client.name for client in clients)
        self.stdout.write(
            self.style.SUCCESS(f"Created portal user {user.email} for {names}.")
        )

    def _find_clients(self, names):
        found = {
            client.name: client for client in Client.objects.filter(name__in=names)
        }
        missing = [name for name in names if name not in found]
        if missing:
            listed = ", ".join(f'"{name}"' for name in missing)
            raise CommandError(
                f"No client organisation is named {listed}. Check the spelling "
                "against the client list; names must match exactly."
            )
        return [found[name] for name in dict.fromkeys(names)]


def _describe(error):
    if not hasattr(error, "error_dict"):
        return " ".join(error.messages)
    return " ".join(
        f"{field}: {message}"
        for field, messages in error.message_dict.items()
        for message in messages
    )
