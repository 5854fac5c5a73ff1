"""Staff filters list legal staff by name, with those who have left where needed."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from clients.forms import StaffChoiceField, legal_staff
from feedback.surveys.forms import ResultsFilterForm

from .factories import ClientFactory, InvitationFactory, MatterFactory, StaffFactory

pytestmark = pytest.mark.django_db


def test_staff_choices_show_names_in_order(lawyer, practice_manager):
    unnamed = StaffFactory(email="no-name@example.org", full_name="")
    field = StaffChoiceField(queryset=legal_staff(), empty_label="Anyone")

    choices = list(field.choices)

    assert choices[0] == ("", "Anyone")
    assert (lawyer.pk, "Lena Lawyer") in choices
    assert (practice_manager.pk, "Priya Manager") in choices
    assert (unnamed.pk, "no-name@example.org") in choices


def test_staff_choice_rejects_former_staff(lawyer):
    former = StaffFactory(is_active=False)
    field = StaffChoiceField(queryset=legal_staff())

    assert field.clean(str(lawyer.pk)) == lawyer
    with pytest.raises(ValidationError, match="valid choice"):
        field.clean(str(former.pk))


def test_client_filter_keeps_chosen_owner(client, lawyer):
    client.force_login(lawyer)

    page = client.get(reverse("clients:list"), {"owner": lawyer.pk}).content.decode()

    assert f'<option value="{lawyer.pk}" selected>Lena Lawyer</option>' in page


def _former_lawyer():
    return StaffFactory(full_name="Fred Former", is_active=False)


def test_client_filter_lists_former_owner(client, lawyer):
    former = _former_lawyer()
    StaffFactory(full_name="Nora Nothing", is_active=False)
    their_client = ClientFactory(name="Former's School", relationship_owner=former)
    ClientFactory(name="Other School", relationship_owner=lawyer)
    client.force_login(lawyer)
    url = reverse("clients:list")

    page = client.get(url).content.decode()
    filtered = client.get(url, {"owner": former.pk})

    assert f'<option value="{former.pk}">Fred Former (left)</option>' in page
    assert "Nora Nothing" not in page
    assert list(filtered.context["object_list"]) == [their_client]


def test_matter_filter_lists_former_lawyer(client, lawyer):
    former = _former_lawyer()
    their_matter = MatterFactory(responsible_lawyer=former)
    MatterFactory(responsible_lawyer=lawyer)
    client.force_login(lawyer)
    url = reverse("clients:matter_list")

    filtered = client.get(url, {"lawyer": former.pk})

    assert f'<option value="{former.pk}" selected>Fred Former (left)</option>' in (
        filtered.content.decode()
    )
    listed = [matter.pk for matter in filtered.context["object_list"]]
    assert listed == [their_matter.pk]


def test_results_filter_lists_former_lawyer():
    former = _former_lawyer()
    InvitationFactory(lawyer=former)

    form = ResultsFilterForm(data={"lawyer": former.pk})

    assert form.filters() == {"lawyer": former}
    assert (former.pk, "Fred Former (left)") in list(form.fields["lawyer"].choices)
