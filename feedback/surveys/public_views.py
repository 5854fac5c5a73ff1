"""The pages a client reaches from a survey email: answer, thanks and opt-out.

They need no sign-in: the token in the address is the credential. Members of
the legal service are turned away even with a valid link, so that nobody can
answer for a client.
"""

from django.db import IntegrityError, transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache

from accounts.access import portal_required

from ..models import InvitationToken, SurveyOptOut
from .answers import (
    AlreadyAnswered,
    AnswerForm,
    find_invitation,
    questions_of,
    submit_response,
)
from .selectors import surveys_waiting_for
from .tokens import new_token

TEMPLATES = "feedback/surveys/public/"


def _page(request, name, ctx, status=200):
    response = render(request, TEMPLATES + name, ctx, status=status)
    # The address contains the token. The site's "same-origin" referrer policy
    # already keeps it from other sites. "no-referrer" would be stricter but
    # makes browsers send "Origin: null", which fails Django's CSRF check.
    response["X-Robots-Tag"] = "noindex"
    return response


def _reject_staff(request):
    """Return a 403 page for a member of the legal service, or None for others."""
    if request.user.is_authenticated and request.user.is_legal_staff:
        return _page(request, "staff_refused.html", {}, status=403)
    return None


def _refusal(request, invitation):
    """Return the page that replaces the form, or None if answering is allowed."""
    rejection = _reject_staff(request)
    if rejection:
        return rejection
    if invitation is None:
        return _page(request, "invalid.html", {}, status=404)
    survey_round = invitation.round
    if invitation.responded_at is not None:
        status = 409 if request.method == "POST" else 200
        return _page(request, "answered.html", {"round": survey_round}, status=status)
    if survey_round.has_closed():
        return _page(request, "closed.html", {"round": survey_round}, status=410)
    if not survey_round.accepts_answers():
        return _page(request, "not_open.html", {"round": survey_round}, status=409)
    return None


@never_cache
def answer(request, round_pk, token):
    invitation = find_invitation(round_id=round_pk, token=token)
    refusal = _refusal(request, invitation)
    if refusal:
        return refusal

    survey_round = invitation.round
    form = AnswerForm(request.POST or None, questions=questions_of(survey_round.survey))
    if request.method == "POST" and form.is_valid():
        try:
            submit_response(invitation=invitation, answers=form.answers())
        except AlreadyAnswered:
            ctx = {"round": survey_round}
            return _page(request, "answered.html", ctx, status=409)
        return redirect("surveys:thanks", round_pk=round_pk, token=token)

    ctx = {
        "round": survey_round,
        "survey": survey_round.survey,
        "form": form,
        "opt_out_url": reverse("surveys:opt_out", args=[round_pk, token]),
    }
    status = 400 if form.errors else 200
    return _page(request, "answer.html", ctx, status=status)


@never_cache
def thanks(request, round_pk, token):
    rejection = _reject_staff(request)
    if rejection:
        return rejection

    invitation = find_invitation(round_id=round_pk, token=token)
    if invitation is None:
        return _page(request, "invalid.html", {}, status=404)
    if invitation.responded_at is None:
        return redirect("surveys:answer", round_pk=round_pk, token=token)

    return _page(request, "thanks.html", {"round": invitation.round})


@never_cache
def opt_out(request, round_pk, token):
    """Confirm, then stop survey email to the invitation's contact.

    It works after the round has closed too, because a contact may read an
    old email. A GET changes nothing, since mail scanners follow links.
    """
    rejection = _reject_staff(request)
    if rejection:
        return rejection

    invitation = find_invitation(round_id=round_pk, token=token)
    if invitation is None:
        return _page(request, "invalid.html", {}, status=404)

    ctx = {"round": invitation.round, "opted_out": False}
    if request.method == "POST":
        try:
            with transaction.atomic():
                SurveyOptOut.objects.get_or_create(contact_id=invitation.contact_id)
        except IntegrityError:
            pass  # A second click at the same moment recorded it already.
        ctx["opted_out"] = True
    return _page(request, "opt_out.html", ctx)


@portal_required
def answer_from_portal(request, pk):
    """Open one of the portal user's waiting surveys with a fresh token."""
    invitation = get_object_or_404(surveys_waiting_for(request.user), pk=pk)
    token, token_hash = new_token()
    InvitationToken.objects.create(
        invitation=invitation, token_hash=token_hash, created_at=timezone.now()
    )
    return redirect("surveys:answer", round_pk=invitation.round_id, token=token)
