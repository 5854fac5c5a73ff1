"""factory_boy factories for the whole suite.

Use ``Factory.create_batch`` or ``bulk_create`` with ``Factory.build_batch``
for many rows; building rows one at a time keeps a large suite slow.
"""

import datetime as dt

import factory
from django.utils import timezone

from accounts.models import PortalMembership, StaffProfile, Team, User
from accounts.roles import Role
from clients.models import Client, Contact, Interaction

# A password that passes every validator, shared by all test users.
PASSWORD = "correct-horse-battery-staple"


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Team {n}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.org")
    full_name = factory.Sequence(lambda n: f"Test User {n}")
    password = factory.django.Password(PASSWORD)

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        if create and extracted:
            self.groups.add(*(role.group() for role in extracted))


class StaffFactory(UserFactory):
    """A member of the legal service with a staff profile (a lawyer by default)."""

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        if create:
            roles = extracted if extracted is not None else (Role.LAWYER,)
            self.groups.add(*(role.group() for role in roles))

    profile = factory.RelatedFactory(
        "tests.factories.StaffProfileFactory", factory_related_name="user"
    )


class StaffProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StaffProfile

    user = factory.SubFactory(UserFactory)
    job_title = "Solicitor"
    team = factory.SubFactory(TeamFactory, name="Governance")
    hourly_rate = "85.00"
    start_date = dt.date(2020, 4, 1)


class ClientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Client

    name = factory.Sequence(lambda n: f"Client Organisation {n}")
    kind = Client.Kind.SCHOOL
    status = Client.Status.ACTIVE


class ContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contact

    client = factory.SubFactory(ClientFactory)
    full_name = factory.Sequence(lambda n: f"Contact Person {n}")
    job_title = "Head teacher"
    email = factory.Sequence(lambda n: f"contact{n}@example.org")


class InteractionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Interaction

    client = factory.SubFactory(ClientFactory)
    staff = factory.SubFactory(StaffFactory)
    occurred_at = factory.LazyFunction(lambda: timezone.now() - dt.timedelta(days=1))
    channel = Interaction.Channel.PHONE
    kind = Interaction.Kind.GENERAL
    summary = factory.Sequence(lambda n: f"Discussed instruction {n}")


class PortalMembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PortalMembership

    user = factory.SubFactory(UserFactory, roles=(Role.CLIENT,))
    client = factory.SubFactory(ClientFactory)
