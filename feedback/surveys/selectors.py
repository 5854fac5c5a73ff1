"""Read queries of surveys, for the staff pages and the client portal."""

from collections.abc import Iterable

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from accounts.models import PortalMembership, User

from ..models import Invitation, Survey, SurveyRound, YouSaidWeDid


def surveys_with_counts() -> QuerySet[Survey]:
    return Survey.objects.select_related("created_by").annotate(
        question_count=Count("questions", distinct=True),
        round_count=Count("rounds", distinct=True),
    )


def rounds_with_counts() -> QuerySet[SurveyRound]:
    return SurveyRound.objects.select_related("survey").annotate(
        invitation_count=Count("invitations", distinct=True),
        response_count=Count("responses", distinct=True),
    )


def you_said_we_did_for(client_ids: Iterable[int]) -> QuerySet[YouSaidWeDid]:
    """Published items for any of ``client_ids``, and those for every client.

    Newest first. Meant for the client portal, which passes the ids of the
    organisations the portal user belongs to.
    """
    mine = Q(client_id__in=list(client_ids)) | Q(client__isnull=True)
    return (
        YouSaidWeDid.objects.published()
        .filter(mine)
        .select_related("client")
        .order_by("-published_at", "-pk")
    )


def surveys_waiting_for(user: User) -> QuerySet[Invitation]:
    """Open invitations of the portal user, soonest closing first.

    An invitation counts when its contact is at one of the user's portal
    organisations and has the user's email address, the round accepts
    answers now, and nobody has answered it yet. Link each one to
    ``surveys:answer_from_portal``, because the emailed tokens are not stored.
    """
    now = timezone.now()
    client_ids = PortalMembership.objects.filter(user=user).values("client_id")
    return (
        Invitation.objects.filter(
            contact__client_id__in=client_ids,
            contact__email__iexact=user.email,
            contact__is_active=True,
            responded_at__isnull=True,
            round__status=SurveyRound.Status.OPEN,
            round__opens_at__lte=now,
            round__closes_at__gt=now,
        )
        .select_related("round__survey", "contact__client")
        .order_by("round__closes_at", "pk")
    )
