"""Writes of key accounts: plans, needs, health, ranking, handover, digest."""

import calendar
import enum
import logging
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q
from django.template.loader import render_to_string
from django.utils import timezone

from accounts import audit
from accounts.models import AuditEvent, User

from . import selectors_key_accounts as selectors
from .models import (
    Client,
    ClientPlan,
    DigestDelivery,
    Interaction,
    KeyAccount,
    PlanAction,
    PlanNeed,
    RankingFigures,
)

logger = logging.getLogger(__name__)


class PlanLocked(Exception):
    """Raised on a change to an agreed or archived plan."""


# Plans and versions
# ---------------------------------------------------------------------------


def start_plan(*, key_account: KeyAccount, period_start: date, actor: User):
    """Create the first draft plan of a period, or raise ``ValidationError``."""
    if key_account.plans.filter(period_start=period_start).exists():
        raise ValidationError(
            {
                "period_start": "This account already has a plan for this year. "
                "Open it, or revise its agreed version."
            }
        )
    plan = ClientPlan(
        key_account=key_account, period_start=period_start, created_by=actor
    )
    plan.full_clean()
    with transaction.atomic():
        plan.save()
        _record(AuditEvent.Action.CREATE, actor, plan, audit.snapshot(plan))
    return plan


def agree_plan(*, plan: ClientPlan, actor: User) -> ClientPlan:
    """Agree a draft plan, which locks it and archives the version it replaces."""
    if plan.status != ClientPlan.Status.DRAFT:
        raise PlanLocked("Only a draft plan can be agreed.")

    with transaction.atomic():
        replaced = ClientPlan.objects.select_for_update().filter(
            key_account=plan.key_account_id,
            period_start=plan.period_start,
            status=ClientPlan.Status.AGREED,
        )
        for old in replaced:
            old.status = ClientPlan.Status.ARCHIVED
            old.save(update_fields=["status", "updated_at"])
            _record(
                AuditEvent.Action.UPDATE, actor, old, {"status": ["agreed", "archived"]}
            )
        plan.status = ClientPlan.Status.AGREED
        plan.agreed_by = actor
        plan.agreed_at = timezone.now()
        plan.save(update_fields=["status", "agreed_by", "agreed_at", "updated_at"])
        _record(AuditEvent.Action.UPDATE, actor, plan, {"status": ["draft", "agreed"]})
    return plan


def revise_plan(*, plan: ClientPlan, actor: User) -> ClientPlan:
    """Copy an agreed plan into a new draft version, with its items.

    The agreed version stays in force until the new one is agreed.
    """
    if plan.status != ClientPlan.Status.AGREED:
        raise PlanLocked("Only the agreed plan can be revised.")
    if ClientPlan.objects.filter(
        key_account=plan.key_account_id,
        period_start=plan.period_start,
        status=ClientPlan.Status.DRAFT,
    ).exists():
        raise PlanLocked("A draft revision of this plan already exists.")

    with transaction.atomic():
        draft = _copy_plan(plan, actor)
        _record(
            AuditEvent.Action.CREATE,
            actor,
            draft,
            {"revises": str(plan.pk), "version": str(draft.version)},
        )
    return draft


COPIED_PLAN_FIELDS = [
    "key_account_id",
    "period_start",
    "vision",
    "preferred_channel",
    "contact_frequency",
    "advice_format",
    "reporting",
    "problems_and_risks",
    "service_promises",
    "review_on",
]


def _copy_plan(plan: ClientPlan, actor: User) -> ClientPlan:
    from .models import PlanObjective

    latest_version = (
        ClientPlan.objects.filter(
            key_account=plan.key_account_id, period_start=plan.period_start
        )
        .order_by("-version")
        .values_list("version", flat=True)
        .first()
    )
    draft = ClientPlan.objects.create(
        **{name: getattr(plan, name) for name in COPIED_PLAN_FIELDS},
        version=latest_version + 1,
        previous_version=plan,
        created_by=actor,
    )
    PlanObjective.objects.bulk_create(
        PlanObjective(plan=draft, description=item.description, aim_id=item.aim_id)
        for item in plan.objectives.all()
    )
    PlanNeed.objects.bulk_create(
        PlanNeed(
            plan=draft,
            description=item.description,
            source_interaction_id=item.source_interaction_id,
            created_by=item.created_by,
        )
        for item in plan.needs.all()
    )
    PlanAction.objects.bulk_create(
        PlanAction(
            plan=draft,
            description=item.description,
            owner_id=item.owner_id,
            due_on=item.due_on,
            status=item.status,
            shared_with_client=item.shared_with_client,
        )
        for item in plan.actions.all()
    )
    return draft


def ensure_draft(plan: ClientPlan):
    """Raise ``PlanLocked`` unless the plan's content may still change."""
    if plan.is_locked:
        raise PlanLocked(
            "This plan is agreed and locked. Revise it to make a new version."
        )


def add_needs_from_interaction(
    *, plan: ClientPlan, interaction: Interaction, descriptions: list[str], actor: User
) -> list[PlanNeed]:
    """Add one need per description to a draft plan, linked to the interaction."""
    ensure_draft(plan)
    if interaction.client_id != plan.key_account.client_id:
        raise ValidationError("The logged contact is with another client.")

    needs = [
        PlanNeed(
            plan=plan,
            description=text.strip()[:300],
            source_interaction=interaction,
            created_by=actor,
        )
        for text in descriptions
        if text.strip()
    ]
    with transaction.atomic():
        for need in needs:
            need.save()
            _record(AuditEvent.Action.CREATE, actor, need, audit.snapshot(need))
    return needs


# Health
# ---------------------------------------------------------------------------


def refresh_health(*, today: date, account_ids: list[int] | None = None) -> int:
    """Store each key account's health rating and reasons as of ``today``.

    ``previous_health`` keeps the rating before the latest change, so the
    weekly digest can list accounts whose health fell. Running it again on
    the same data changes nothing. ``account_ids`` limits it to those
    accounts. Returns the number of accounts changed.
    """
    accounts = selectors.key_accounts_with_facts(today=today)
    if account_ids is not None:
        accounts = accounts.filter(pk__in=account_ids)

    changed = 0
    for account in accounts:
        rating = selectors.health_of(account, today=today)
        if account.health == rating.rating and account.health_reasons == rating.reasons:
            continue

        if account.health != rating.rating:
            account.previous_health = account.health
            account.health_changed_on = today
        account.health = rating.rating
        account.health_reasons = rating.reasons
        account.save(
            update_fields=[
                "health",
                "health_reasons",
                "previous_health",
                "health_changed_on",
                "updated_at",
            ]
        )
        changed += 1
    return changed


def add_months(day: date, months: int) -> date:
    """Return the same day ``months`` later, or the month's last day if shorter."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def record_review(*, account: KeyAccount, actor: User, today: date) -> KeyAccount:
    """Record that the account was reviewed today and set the next review date."""
    before = audit.snapshot(account, ["next_review_on"])
    account.next_review_on = add_months(today, account.review_frequency_months)
    with transaction.atomic():
        account.save(update_fields=["next_review_on", "updated_at"])
        after = audit.snapshot(account, ["next_review_on"])
        _record(
            AuditEvent.Action.UPDATE,
            actor,
            account,
            audit.changed_fields(before, after),
        )
        refresh_health(today=today, account_ids=[account.pk])
    return account


# Ranking figures
# ---------------------------------------------------------------------------

RANKING_WRITTEN_FIELDS = [
    *selectors.RANKING_FIGURES,
    "service_count",
    "window_start",
    "window_end",
    "computed_at",
]


def refresh_ranking_figures(*, today: date) -> int:
    """Work out every client's ranking figures as of ``today`` and store them.

    Every row is upserted in one transaction, so running it twice, or in two
    workers at once, leaves one row per client with the same figures. The
    rows go in client order, so that a second run at the same time waits for
    the first rather than deadlocking with it. Returns the number of clients.
    """
    started = time.monotonic()
    figures = selectors.ranking_figures(today=today)
    window_start, window_end = selectors.ranking_window(today)
    computed_at = timezone.now()
    rows = [
        RankingFigures(
            client_id=client_id,
            **figures[client_id],
            window_start=window_start,
            window_end=window_end,
            computed_at=computed_at,
        )
        for client_id in sorted(figures)
    ]
    with transaction.atomic():
        RankingFigures.objects.bulk_create(
            rows,
            update_conflicts=True,
            unique_fields=["client"],
            update_fields=RANKING_WRITTEN_FIELDS,
        )
        # A client deleted while the figures were worked out would leave a
        # row that fails the foreign key check at commit, and with it the
        # whole run, so such rows are deleted before the commit.
        RankingFigures.objects.filter(
            ~Exists(Client.objects.filter(pk=OuterRef("client")))
        ).delete()
    logger.info(
        "Ranking figures of %d clients worked out in %.1f s",
        len(rows),
        time.monotonic() - started,
    )
    return len(rows)


# Handover
# ---------------------------------------------------------------------------


def hand_over(*, leaver: User, successor: User, actor: User) -> dict[str, int]:
    """Move a leaver's key accounts, team places and open plan actions to a successor.

    Returns how many of each were moved.
    """
    if leaver.pk == successor.pk:
        raise ValidationError({"successor": "Choose someone other than the leaver."})

    counts = Counter()
    with transaction.atomic():
        for account in KeyAccount.objects.filter(Q(owner=leaver) | Q(sponsor=leaver)):
            before = audit.snapshot(account, ["owner", "sponsor"])
            if account.owner_id == leaver.pk:
                account.owner = successor
                counts["owned"] += 1
            if account.sponsor_id == leaver.pk:
                account.sponsor = successor
                counts["sponsored"] += 1
            account.save(update_fields=["owner", "sponsor", "updated_at"])
            after = audit.snapshot(account, ["owner", "sponsor"])
            _record(
                AuditEvent.Action.UPDATE,
                actor,
                account,
                audit.changed_fields(before, after),
            )
        for account in KeyAccount.objects.filter(team=leaver):
            account.team.remove(leaver)
            account.team.add(successor)
            counts["team"] += 1
            _record(
                AuditEvent.Action.UPDATE,
                actor,
                account,
                {"team": [str(leaver.pk), str(successor.pk)]},
            )
        actions = PlanAction.objects.open().filter(owner=leaver)
        counts["actions"] = actions.update(owner=successor, updated_at=timezone.now())
    return dict(counts)


# Weekly digest
# ---------------------------------------------------------------------------


@dataclass
class KeyAccountDigest:
    """The reviews, overdue actions and health falls in one person's weekly digest."""

    reviews_due: list[KeyAccount] = field(default_factory=list)
    overdue_actions: list[PlanAction] = field(default_factory=list)
    health_fell: list[KeyAccount] = field(default_factory=list)

    @property
    def item_count(self) -> int:
        return len(self.reviews_due) + len(self.overdue_actions) + len(self.health_fell)


class _Outcome(enum.Enum):
    SENT = "sent"
    ALREADY_CLAIMED = "already claimed"
    FAILED = "failed"


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def send_key_account_digests(*, day: date | None = None) -> int:
    """Refresh health, then email each owner and sponsor their week's digest.

    A person gets at most one digest per week (the week starting on Monday),
    however often this runs, because a ``DigestDelivery`` row for that Monday
    is committed before the email is sent. Call it outside any transaction.
    Returns the number of emails sent.
    """
    day = day or timezone.localdate()
    refresh_health(today=day)
    monday = week_start(day)
    digests = _digests(day)
    recipients = User.objects.filter(pk__in=digests, is_active=True).order_by("pk")

    outcomes = Counter()
    for person in recipients:
        outcomes[_deliver(person, digests[person.pk], monday)] += 1

    logger.info(
        "Key account digests for the week of %s: %d sent, %d already claimed, "
        "%d failed",
        monday.isoformat(),
        outcomes[_Outcome.SENT],
        outcomes[_Outcome.ALREADY_CLAIMED],
        outcomes[_Outcome.FAILED],
    )
    return outcomes[_Outcome.SENT]


def _digests(day: date) -> dict[int, KeyAccountDigest]:
    digests = defaultdict(KeyAccountDigest)
    week_end = day + timedelta(days=7)
    accounts = KeyAccount.objects.select_related("client")
    for account in accounts:
        people = {account.owner_id, account.sponsor_id}
        for person in people:
            if account.next_review_on <= week_end:
                digests[person].reviews_due.append(account)
            if account.health_fell and account.health_changed_on > day - timedelta(
                days=7
            ):
                digests[person].health_fell.append(account)

    overdue = selectors.actions_in_force().overdue(day)
    for action in overdue.select_related("plan__key_account__client", "owner"):
        account = action.plan.key_account
        for person in {account.owner_id, account.sponsor_id}:
            digests[person].overdue_actions.append(action)
    return {pk: digest for pk, digest in digests.items() if digest.item_count}


def _deliver(person: User, digest: KeyAccountDigest, monday: date) -> _Outcome:
    try:
        with transaction.atomic():
            delivery = DigestDelivery.objects.create(
                recipient=person, kind=DigestDelivery.Kind.KEY_ACCOUNTS, day=monday
            )
    except IntegrityError:
        return _Outcome.ALREADY_CLAIMED

    try:
        _digest_email(person, digest, monday).send()
    except Exception:
        # The person has no digest, so the claim is released for a later run.
        DigestDelivery.objects.filter(pk=delivery.pk).delete()
        logger.exception(
            "Key account digest for user %s, week of %s, failed; a later run "
            "will retry",
            person.pk,
            monday.isoformat(),
        )
        return _Outcome.FAILED

    delivery.sent_at = timezone.now()
    delivery.item_count = digest.item_count
    delivery.save(update_fields=["sent_at", "item_count"])
    return _Outcome.SENT


def _digest_email(person: User, digest: KeyAccountDigest, monday: date):
    context = {
        "person": person,
        "digest": digest,
        "monday": monday,
        "site_url": settings.SITE_URL,
    }
    text = render_to_string("clients/email/key_account_digest.txt", context)
    html = render_to_string("clients/email/key_account_digest.html", context)
    message = EmailMultiAlternatives(
        subject=f"Legal CRM: key accounts, week of {monday.day} {monday:%B %Y}",
        body=text,
        to=[person.email],
    )
    message.attach_alternative(html, "text/html")
    return message


def _record(action, actor, target, changes):
    audit.record(action=action, actor=actor, target=target, changes=changes)
