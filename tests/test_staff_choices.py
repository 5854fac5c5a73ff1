"""Staff filters list active legal staff by name and still validate the choice."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from clients.forms import StaffChoiceField, legal_staff

from .factories import StaffFactory

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
