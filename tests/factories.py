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


# Client portal: guidance articles and feedback


class ArticleCategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "feedback.ArticleCategory"
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Category {n}")
    slug = factory.Sequence(lambda n: f"category-{n}")


class ArticleFactory(factory.django.DjangoModelFactory):
    """A published article for all clients, owned by a lawyer."""

    class Meta:
        model = "feedback.Article"

    title = factory.Sequence(lambda n: f"Guidance article {n}")
    slug = factory.Sequence(lambda n: f"guidance-article-{n}")
    summary = "What to expect from the legal service."
    body = "## Before you start\n\nTell us what you need."
    category = factory.SubFactory(ArticleCategoryFactory)
    status = "published"
    published_at = factory.LazyFunction(timezone.now)
    owner = factory.SubFactory(StaffFactory)
    review_date = factory.LazyFunction(
        lambda: timezone.localdate() + dt.timedelta(days=180)
    )


class FeedbackFactory(factory.django.DjangoModelFactory):
    """A suggestion sent through the portal."""

    class Meta:
        model = "feedback.Feedback"

    client = factory.SubFactory(ClientFactory)
    kind = "suggestion"
    subject = factory.Sequence(lambda n: f"Feedback subject {n}")
    message = "It would help to have a named contact."
    channel = "portal"


# Matters, time and recharges


class ServicePromiseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "clients.ServicePromise"
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Advice within 10 working days ({n})")
    working_days = 10


class MatterTypeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "clients.MatterType"
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Matter type {n}")
    default_promise = factory.SubFactory(ServicePromiseFactory)


class MatterFactory(factory.django.DjangoModelFactory):
    """An open matter opened on 2 March 2026, with no service promise."""

    class Meta:
        model = "clients.Matter"

    client = factory.SubFactory(ClientFactory)
    reference = factory.Sequence(lambda n: f"LEG/{n:05d}")
    title = factory.Sequence(lambda n: f"Advice on lease {n}")
    matter_type = factory.SubFactory(MatterTypeFactory)
    responsible_lawyer = factory.SubFactory(StaffFactory)
    opened_on = dt.date(2026, 3, 2)


class HourlyRateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "clients.HourlyRate"

    staff = factory.SubFactory(StaffFactory)
    rate = "85.00"
    effective_from = dt.date(2020, 4, 1)


class TimeEntryFactory(factory.django.DjangoModelFactory):
    """Chargeable time; ``hourly_rate`` is given, not looked up."""

    class Meta:
        model = "clients.TimeEntry"

    matter = factory.SubFactory(MatterFactory)
    staff = factory.SubFactory(StaffFactory)
    worked_on = dt.date(2026, 3, 3)
    minutes = 30
    hourly_rate = "85.00"


# Surveys


class SurveyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "feedback.Survey"

    title = factory.Sequence(lambda n: f"Client satisfaction survey {n}")
    introduction = "Tell us how we did."


class QuestionFactory(factory.django.DjangoModelFactory):
    """A required rating question; pass ``choices=[...]`` for choice kinds."""

    class Meta:
        model = "feedback.Question"
        skip_postgeneration_save = True

    survey = factory.SubFactory(SurveyFactory)
    position = factory.Sequence(lambda n: n)
    kind = "rating"
    text = factory.Sequence(lambda n: f"How satisfied were you, question {n}?")

    @factory.post_generation
    def choices(self, create, extracted, **kwargs):
        if create and extracted:
            for position, label in enumerate(extracted):
                self.choices.create(position=position, label=label)


class SurveyRoundFactory(factory.django.DjangoModelFactory):
    """An open round of named contacts, open from yesterday for four weeks."""

    class Meta:
        model = "feedback.SurveyRound"

    survey = factory.SubFactory(SurveyFactory)
    name = factory.Sequence(lambda n: f"Survey round {n}")
    audience = "contacts"
    status = "open"
    opens_at = factory.LazyFunction(lambda: timezone.now() - dt.timedelta(days=1))
    closes_at = factory.LazyFunction(lambda: timezone.now() + dt.timedelta(days=27))
    launched_at = factory.LazyFunction(timezone.now)


class InvitationFactory(factory.django.DjangoModelFactory):
    """An invitation whose first email has not gone out yet."""

    class Meta:
        model = "feedback.Invitation"

    round = factory.SubFactory(SurveyRoundFactory)
    contact = factory.SubFactory(ContactFactory)


class ResponseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "feedback.Response"

    round = factory.SubFactory(SurveyRoundFactory)
    client = factory.SubFactory(ClientFactory)
    client_kind = factory.SelfAttribute("client.kind")
    submitted_on = factory.LazyFunction(timezone.localdate)


def seed_survey_records(*, staff, client, contact):
    """Add one row to every survey table: a round answered once, and the rest."""
    from feedback.models import Answer, InvitationToken, SurveyOptOut, YouSaidWeDid

    survey_round = SurveyRoundFactory(created_by=staff)
    question = QuestionFactory(
        survey=survey_round.survey, kind="single_choice", choices=["Yes", "No"]
    )
    invitation = InvitationFactory(round=survey_round, contact=contact, lawyer=staff)
    InvitationToken.objects.create(
        invitation=invitation, token_hash=f"{invitation.pk:064d}"
    )
    response = ResponseFactory(round=survey_round, client=client, lawyer=staff)
    Answer.objects.create(
        response=response, question=question, choice=question.choices.first()
    )
    SurveyOptOut.objects.create(contact=ContactFactory(client=client))
    YouSaidWeDid.objects.create(
        client=client,
        round=survey_round,
        you_said="Replies were slow.",
        we_did="We answer within two working days.",
    )


def seed_portal_records(*, staff, client, contact, portal_user):
    """Add one row to every guidance, feedback and portal invitation table."""
    from accounts.models import PortalInvitation
    from feedback.models import ArticleAudience, ArticleReviewReminder, ArticleVote

    article = ArticleFactory(owner=staff, audience="kinds")
    ArticleAudience.objects.create(article=article, kind=client.kind)
    ArticleVote.objects.create(
        article=article, user=portal_user, client=client, helpful=True, comment="Clear."
    )
    ArticleReviewReminder.objects.create(
        article=article, review_date=article.review_date, recipient=staff
    )
    FeedbackFactory(
        client=client, submitted_by=portal_user, assigned_to=staff, kind="complaint"
    )
    FeedbackFactory(client=client, contact=contact, logged_by=staff, channel="phone")
    PortalInvitation.objects.create(
        contact=contact,
        client=client,
        email=contact.email,
        token_hash=f"{contact.pk:064d}",
        created_by=staff,
        expires_at=timezone.now() + dt.timedelta(days=7),
    )


# Key accounts and client plans


class AuthorityAimFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "kpis.AuthorityAim"
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"AIM{n}")
    name = factory.Sequence(lambda n: f"Authority aim {n}")


class KeyAccountFactory(factory.django.DjangoModelFactory):
    """A tier 1 account reviewed every 6 months, next on 1 June 2026."""

    class Meta:
        model = "clients.KeyAccount"

    client = factory.SubFactory(ClientFactory)
    tier = "strategic"
    owner = factory.SubFactory(StaffFactory)
    sponsor = factory.SubFactory(StaffFactory, roles=(Role.SENIOR_LEGAL_MANAGER,))
    contact_frequency_days = 30
    review_frequency_months = 6
    next_review_on = dt.date(2026, 6, 1)
    reason = "One of the largest users of the legal service."


class ClientPlanFactory(factory.django.DjangoModelFactory):
    """A draft plan for the financial year 2026/27."""

    class Meta:
        model = "clients.ClientPlan"

    key_account = factory.SubFactory(KeyAccountFactory)
    period_start = dt.date(2026, 4, 1)
    vision = "The council's trusted adviser on governance."


class PlanActionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "clients.PlanAction"

    plan = factory.SubFactory(ClientPlanFactory)
    description = factory.Sequence(lambda n: f"Run a training session {n}")
    owner = factory.SubFactory(StaffFactory)
    due_on = dt.date(2026, 9, 30)


def seed_key_account_records(*, staff, client, interaction):
    """Add one row to every key account table: an account with a full plan."""
    account = KeyAccountFactory(client=client, owner=staff)
    account.team.add(staff)
    plan = ClientPlanFactory(key_account=account)
    plan.objectives.create(description="Fewer exclusions", aim=AuthorityAimFactory())
    plan.needs.create(description="Training", source_interaction=interaction)
    PlanActionFactory(plan=plan, owner=staff)


# KPIs


class KpiDefinitionFactory(factory.django.DjangoModelFactory):
    """A monthly percentage KPI entered by hand, target 90 and amber from 80."""

    class Meta:
        model = "kpis.KpiDefinition"
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"kpi-{n}")
    name = factory.Sequence(lambda n: f"Key indicator {n}")
    unit = "percent"
    direction = "higher"
    target = "90"
    amber_threshold = "80"
    frequency = "month"
    source = "manual"


class KpiRecordFactory(factory.django.DjangoModelFactory):
    """A whole-service value for October 2026."""

    class Meta:
        model = "kpis.KpiRecord"

    definition = factory.SubFactory(KpiDefinitionFactory)
    period_kind = "month"
    period_start = dt.date(2026, 10, 1)
    scope_kind = "service"
    scope_id = 0
    value = "85.0"
    numerator = "17"
    denominator = "20"
