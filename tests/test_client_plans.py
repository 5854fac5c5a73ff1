"""Client plans: periods, locking, versions and their differences, needs, print."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from clients import services_key_accounts as services
from clients.models import ClientPlan, Interaction, PlanNeed
from clients.models.key_accounts import financial_year_label, financial_year_start

from .factories import (
    AuthorityAimFactory,
    ClientPlanFactory,
    InteractionFactory,
    KeyAccountFactory,
    PlanActionFactory,
)


@pytest.mark.parametrize(
    ("day", "start"),
    [
        (dt.date(2026, 3, 31), dt.date(2025, 4, 1)),
        (dt.date(2026, 4, 1), dt.date(2026, 4, 1)),
        (dt.date(2026, 12, 31), dt.date(2026, 4, 1)),
        (dt.date(2027, 1, 1), dt.date(2026, 4, 1)),
    ],
)
def test_financial_year_starts_1_april(day, start):
    assert financial_year_start(day) == start


def test_financial_year_label_two_years():
    assert financial_year_label(dt.date(2026, 4, 1)) == "2026/27"


@pytest.fixture
def account(client_org, lawyer, senior_legal_manager):
    return KeyAccountFactory(
        client=client_org, owner=lawyer, sponsor=senior_legal_manager
    )


@pytest.fixture
def draft(account, lawyer):
    plan = ClientPlanFactory(key_account=account, preferred_channel="email")
    plan.objectives.create(description="Fewer exclusions", aim=AuthorityAimFactory())
    plan.needs.create(description="Advice on academy conversion")
    PlanActionFactory(
        plan=plan,
        owner=lawyer,
        description="Termly governance call",
        shared_with_client=True,
    )
    PlanActionFactory(plan=plan, owner=lawyer, description="Internal file review")
    return plan


def test_start_plan_rejects_second_plan(account, practice_manager):
    services.start_plan(
        key_account=account, period_start=dt.date(2026, 4, 1), actor=practice_manager
    )

    with pytest.raises(ValidationError):
        services.start_plan(
            key_account=account,
            period_start=dt.date(2026, 4, 1),
            actor=practice_manager,
        )


def test_plan_period_must_start_april(account):
    plan = ClientPlan(key_account=account, period_start=dt.date(2026, 5, 1))

    with pytest.raises(ValidationError):
        plan.full_clean()


def test_start_plan_page_creates_draft(client, practice_manager, account):
    client.force_login(practice_manager)

    client.post(
        reverse("clients:plan_start", args=[account.pk]),
        {"period_start": "2026-04-01"},
    )

    assert account.plans.get().status == "draft"


def test_agreeing_locks_plan(draft, senior_legal_manager):
    services.agree_plan(plan=draft, actor=senior_legal_manager)

    draft.refresh_from_db()
    assert draft.status == "agreed"
    assert draft.is_locked
    assert draft.agreed_by == senior_legal_manager


def test_agreed_plan_cannot_be_agreed_again(draft, senior_legal_manager):
    services.agree_plan(plan=draft, actor=senior_legal_manager)

    with pytest.raises(services.PlanLocked):
        services.agree_plan(plan=draft, actor=senior_legal_manager)


def test_locked_plan_edit_page_forbidden(client, draft, practice_manager):
    draft.status = "agreed"
    draft.save()
    client.force_login(practice_manager)

    response = client.get(reverse("clients:plan_edit", args=[draft.pk]))

    assert response.status_code == 403


def test_locked_plan_rejects_new_items(client, draft, practice_manager):
    draft.status = "agreed"
    draft.save()
    client.force_login(practice_manager)

    client.post(
        reverse("clients:plan_item_add", args=[draft.pk, "need"]),
        {"need-description": "Late need"},
    )

    assert not draft.needs.filter(description="Late need").exists()


def test_locked_plan_rejects_item_removal(client, draft, practice_manager):
    draft.status = "agreed"
    draft.save()
    client.force_login(practice_manager)
    need = draft.needs.get()

    response = client.post(reverse("clients:plan_item_delete", args=["need", need.pk]))

    assert response.status_code == 403
    assert draft.needs.exists()


def test_lawyer_agree_forbidden(client, draft, lawyer):
    client.force_login(lawyer)

    response = client.post(reverse("clients:plan_agree", args=[draft.pk]))

    assert response.status_code == 403


def test_revise_copies_into_new_version(draft, senior_legal_manager):
    services.agree_plan(plan=draft, actor=senior_legal_manager)

    revision = services.revise_plan(plan=draft, actor=senior_legal_manager)

    assert revision.version == 2
    assert revision.status == "draft"
    assert revision.previous_version == draft
    assert revision.objectives.count() == 1
    assert revision.needs.count() == 1
    assert revision.actions.count() == 2
    assert revision.preferred_channel == "email"


def test_draft_cannot_be_revised(draft, senior_legal_manager):
    with pytest.raises(services.PlanLocked):
        services.revise_plan(plan=draft, actor=senior_legal_manager)


def test_second_revision_rejected(draft, senior_legal_manager):
    services.agree_plan(plan=draft, actor=senior_legal_manager)
    services.revise_plan(plan=draft, actor=senior_legal_manager)

    with pytest.raises(services.PlanLocked):
        services.revise_plan(plan=draft, actor=senior_legal_manager)


def test_agreeing_revision_archives_previous(draft, senior_legal_manager):
    services.agree_plan(plan=draft, actor=senior_legal_manager)
    revision = services.revise_plan(plan=draft, actor=senior_legal_manager)

    services.agree_plan(plan=revision, actor=senior_legal_manager)

    draft.refresh_from_db()
    assert draft.status == "archived"
    assert revision.status == "agreed"


def test_revision_keeps_original_unchanged(draft, senior_legal_manager):
    services.agree_plan(plan=draft, actor=senior_legal_manager)
    revision = services.revise_plan(plan=draft, actor=senior_legal_manager)

    revision.needs.create(description="Training for governors")

    assert draft.needs.count() == 1


def test_diff_shows_added_need(client, draft, senior_legal_manager, lawyer):
    services.agree_plan(plan=draft, actor=senior_legal_manager)
    revision = services.revise_plan(plan=draft, actor=senior_legal_manager)
    revision.needs.create(description="Training for governors")
    revision.vision = "A new vision"
    revision.save()
    client.force_login(lawyer)

    response = client.get(reverse("clients:plan_diff", args=[revision.pk]))

    rows = response.context["diff"]
    assert ("added", "Need: Training for governors") in rows
    assert ("added", "Vision: A new vision") in rows
    assert ("removed", "Vision: The council's trusted adviser on governance.") in rows


def test_diff_of_first_version_redirects(client, draft, lawyer):
    client.force_login(lawyer)

    response = client.get(reverse("clients:plan_diff", args=[draft.pk]))

    assert response.url == draft.get_absolute_url()


# Needs from a needs assessment


@pytest.fixture
def assessment(account, lawyer):
    return InteractionFactory(
        client=account.client,
        staff=lawyer,
        kind=Interaction.Kind.NEEDS_ASSESSMENT,
        outcome="Help with admissions appeals\nA named contact for HR",
    )


def test_needs_form_prefills_outcome(client, lawyer, draft, assessment):
    client.force_login(lawyer)

    response = client.get(
        reverse("clients:needs_from_interaction", args=[assessment.pk])
    )

    assert response.context["form"]["needs"].value() == assessment.outcome


def test_lawyer_adds_needs_in_one_step(client, lawyer, draft, assessment):
    client.force_login(lawyer)

    client.post(
        reverse("clients:needs_from_interaction", args=[assessment.pk]),
        {"plan": draft.pk, "needs": "Help with admissions appeals\n\nA named contact"},
    )

    added = PlanNeed.objects.filter(source_interaction=assessment)
    assert sorted(added.values_list("description", flat=True)) == [
        "A named contact",
        "Help with admissions appeals",
    ]
    assert set(added.values_list("created_by", flat=True)) == {lawyer.pk}


def test_needs_need_at_least_one_line(client, lawyer, draft, assessment):
    client.force_login(lawyer)

    response = client.post(
        reverse("clients:needs_from_interaction", args=[assessment.pk]),
        {"plan": draft.pk, "needs": "  \n "},
    )

    assert response.status_code == 400
    assert "needs" in response.context["form"].errors


def test_needs_cannot_go_to_agreed_plan(client, lawyer, draft, assessment):
    draft.status = "agreed"
    draft.save()
    client.force_login(lawyer)

    response = client.post(
        reverse("clients:needs_from_interaction", args=[assessment.pk]),
        {"plan": draft.pk, "needs": "Late need"},
    )

    assert response.status_code == 400
    assert not PlanNeed.objects.filter(description="Late need").exists()


def test_needs_cannot_go_to_other_clients_plan(client, lawyer, draft, other_client_org):
    other_plan = ClientPlanFactory(
        key_account=KeyAccountFactory(client=other_client_org)
    )
    interaction = InteractionFactory(
        client=draft.key_account.client,
        staff=lawyer,
        kind=Interaction.Kind.NEEDS_ASSESSMENT,
    )
    client.force_login(lawyer)

    client.post(
        reverse("clients:needs_from_interaction", args=[interaction.pk]),
        {"plan": other_plan.pk, "needs": "Wrong plan"},
    )

    assert not other_plan.needs.exists()


def test_general_interaction_has_no_needs_page(client, lawyer, account):
    interaction = InteractionFactory(client=account.client, staff=lawyer)
    client.force_login(lawyer)

    response = client.get(
        reverse("clients:needs_from_interaction", args=[interaction.pk])
    )

    assert response.status_code == 404


def test_needs_page_without_draft_explains(client, lawyer, account, assessment):
    client.force_login(lawyer)

    response = client.get(
        reverse("clients:needs_from_interaction", args=[assessment.pk])
    )

    assert "has no draft plan" in response.content.decode()


# Items, actions and the print view


def test_manager_adds_objective(client, practice_manager, draft):
    aim = AuthorityAimFactory(code="AIM9")
    client.force_login(practice_manager)

    client.post(
        reverse("clients:plan_item_add", args=[draft.pk, "objective"]),
        {"objective-description": "Balanced budget", "objective-aim": aim.pk},
    )

    assert draft.objectives.filter(aim=aim).exists()


def test_bad_action_shows_errors(client, practice_manager, draft):
    client.force_login(practice_manager)

    response = client.post(
        reverse("clients:plan_item_add", args=[draft.pk, "action"]),
        {"action-description": "Send a newsletter"},
    )

    form = response.context["item_forms"]["action"]
    assert response.status_code == 400
    assert "due_on" in form.errors
    assert form["description"].value() == "Send a newsletter"


def test_lawyer_cannot_add_action(client, lawyer, draft):
    client.force_login(lawyer)

    response = client.post(
        reverse("clients:plan_item_add", args=[draft.pk, "action"]), {}
    )

    assert response.status_code == 403


def test_unknown_item_kind_not_found(client, practice_manager, draft):
    client.force_login(practice_manager)

    response = client.post(reverse("clients:plan_item_add", args=[draft.pk, "vision"]))

    assert response.status_code == 404


def test_owner_updates_action_on_agreed_plan(client, lawyer, draft):
    draft.status = "agreed"
    draft.save()
    action = draft.actions.first()
    client.force_login(lawyer)

    client.post(
        reverse("clients:plan_action_status", args=[action.pk]), {"status": "done"}
    )

    action.refresh_from_db()
    assert action.status == "done"


def test_print_view_leaves_out_internal_actions(client, lawyer, draft):
    client.force_login(lawyer)

    response = client.get(reverse("clients:plan_print", args=[draft.pk]))

    page = response.content.decode()
    assert "Termly governance call" in page
    assert "Internal file review" not in page
    assert "css/plan-print.css" in page


def test_plan_text_is_escaped(client, lawyer, draft):
    draft.vision = "<script>alert(1)</script>"
    draft.save()
    client.force_login(lawyer)

    response = client.get(draft.get_absolute_url())

    assert "&lt;script&gt;" in response.content.decode()
