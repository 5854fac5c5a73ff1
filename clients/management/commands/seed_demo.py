"""Load a fictional county council legal service for demonstrations."""

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import ProtectedError, Q
from django.utils import timezone

from accounts.models import PortalMembership, Team, User
from clients import services_key_accounts
from clients.management import demo_content as content
from clients.management.demo_key_accounts import delete_demo_costs
from clients.management.demo_loader import DemoLoader
from clients.models import (
    Client,
    Interaction,
    Matter,
    RechargeLine,
    RechargeStatement,
    TimeEntry,
)
from feedback.models import Article
from kpis.models import KpiRecord


class Command(BaseCommand):
    help = (
        f"Load {content.COUNCIL_NAME}'s legal service as demo data: teams, 20 "
        "staff, 60 clients, 150 contacts, 1,000 logged interactions, matters "
        "with a year of time entries and two recharge statements, key accounts "
        "with their plans, a year of service costs, guidance votes and "
        f"complaints, with sign-ins such as {content.LAWYER_EMAIL} and the password "
        f"'{content.DEMO_PASSWORD}'. The content is the same on every run. Dates "
        "are offsets from the day the command runs, so the interactions always "
        "cover the last two years and some follow-ups are due today. Runs only "
        "with DEBUG on, because the accounts have a published password."
    )

    def add_arguments(self, parser):
        group = parser.add_mutually_exclusive_group()
        group.add_argument(
            "--reset",
            action="store_true",
            help="Delete the demo records from an earlier run, then load them again.",
        )
        group.add_argument(
            "--if-empty",
            action="store_true",
            help="Do nothing, and exit successfully, if the database already "
            "contains any users or clients.",
        )

    def handle(self, *args, reset, if_empty, **options):
        if not settings.DEBUG:
            raise CommandError(
                "seed_demo creates accounts with a published password, so it runs "
                "only with DEBUG=true. Never load demo data into a live database."
            )

        if if_empty and (User.objects.exists() or Client.objects.exists()):
            self.stdout.write(
                "The database already contains users or clients, so no demo data "
                "was loaded."
            )
            return

        # Computed KPI records of an earlier load point at its teams and
        # clients, which the reset deletes, so they are computed again.
        recompute_kpis = (
            reset and KpiRecord.objects.filter(entered_by__isnull=True).exists()
        )
        with transaction.atomic():
            if reset:
                delete_demo_data()
                KpiRecord.objects.filter(entered_by__isnull=True).delete()
            elif demo_data_exists():
                raise CommandError(
                    "Demo data is already loaded, so nothing was changed. Run "
                    "`manage.py seed_demo --reset` to delete it and load it again."
                )
            counts = DemoLoader(today=timezone.localdate(), now=timezone.now()).load()
        # The client ranking shows figures worked out each night, so they are
        # worked out now for the demo to show at once.
        services_key_accounts.refresh_ranking_figures(today=timezone.localdate())

        summary = ", ".join(f"{number} {name}" for name, number in counts.items())
        self.stdout.write(self.style.SUCCESS(f"Loaded demo data: {summary}."))
        if recompute_kpis:
            call_command("rollup_kpis", stdout=self.stdout)
        self.stdout.write(
            f"Sign in as {content.LAWYER_EMAIL} (or manager@, senior@, admin@, "
            f"client@example.org) with the password '{content.DEMO_PASSWORD}'."
        )


def demo_data_exists():
    return (
        User.objects.filter(email__in=demo_emails()).exists()
        or Client.objects.filter(name__in=demo_client_names()).exists()
    )


def delete_demo_data():
    """Delete what an earlier run loaded, recognised by the demo emails and names.

    The portal users of the demo's clients go too: deleting the clients
    removes their memberships, so they are looked up first.
    """
    clients = Client.objects.filter(name__in=demo_client_names())
    portal_users = PortalMembership.objects.filter(client__in=clients)
    user_ids = list(
        User.objects.filter(
            Q(email__in=demo_emails()) | Q(pk__in=portal_users.values("user"))
        ).values_list("pk", flat=True)
    )
    users = User.objects.filter(pk__in=user_ids)
    try:
        delete_demo_costs(users)
        delete_demo_matters(clients, users)
        Interaction.objects.filter(Q(client__in=clients) | Q(staff__in=users)).delete()
        # Services first, because a client's parent is protected from deletion.
        clients.filter(parent__isnull=False).delete()
        clients.delete()
        # Guidance articles protect their owners from deletion.
        Article.objects.filter(owner__in=users).delete()
        users.delete()
        Team.objects.filter(name__in=content.TEAMS, members__isnull=True).delete()
    except ProtectedError as error:
        blocking = ", ".join(sorted({str(obj) for obj in error.protected_objects})[:5])
        raise CommandError(
            f"The demo data cannot be deleted because other records refer to it: "
            f"{blocking}. Delete those first, or load the demo into a new database."
        ) from error


def delete_demo_matters(clients, users):
    """Delete the demo's statements, time and matters.

    They protect the demo's clients and staff from deletion, so they go first.
    """
    statements = RechargeStatement.objects.filter(client__in=clients)
    RechargeLine.objects.filter(
        Q(statement__in=statements) | Q(staff__in=users) | Q(matter__client__in=clients)
    ).delete()
    statements.delete()
    TimeEntry.objects.filter(
        Q(matter__client__in=clients) | Q(staff__in=users)
    ).delete()
    Matter.objects.filter(
        Q(client__in=clients) | Q(responsible_lawyer__in=users)
    ).delete()


def demo_emails():
    return [member.email for member in content.STAFF] + [content.PORTAL_EMAIL]


def demo_client_names():
    names = []
    for directorate, _code, _team, services in content.DIRECTORATES:
        names.append(directorate)
        names.extend(name for name, _code in services)
    return names + content.SCHOOLS + content.PARISH_COUNCILS + content.OTHER_AUTHORITIES
