"""Who reaches which staff page.

Every staff URL sends anonymous visitors to the sign-in page, refuses portal
users, and admits each staff role that its permission allows.
"""

import pytest
from django.urls import reverse

from .auth import sign_in
from .factories import ContactFactory, InteractionFactory

ALL_STAFF = {"lawyer", "practice_manager", "senior_legal_manager", "administrator"}
MANAGERS = ALL_STAFF - {"lawyer"}

# (URL name, the objects its arguments come from, method, roles admitted)
STAFF_PAGES = [
    ("home", (), "get", ALL_STAFF),
    ("clients:list", (), "get", ALL_STAFF),
    ("clients:create", (), "get", ALL_STAFF),
    ("clients:detail", ("client",), "get", ALL_STAFF),
    ("clients:edit", ("client",), "get", ALL_STAFF),
    ("clients:delete", ("client",), "get", MANAGERS),
    ("clients:quick_log", ("client",), "post", ALL_STAFF),
    ("clients:contact_create", ("client",), "get", ALL_STAFF),
    ("clients:contact_edit", ("client", "contact"), "get", ALL_STAFF),
    ("clients:contact_delete", ("client", "contact"), "get", MANAGERS),
    ("clients:interaction_create", ("client",), "get", ALL_STAFF),
    ("clients:interaction_edit", ("client", "interaction"), "get", ALL_STAFF),
    ("clients:interaction_delete", ("client", "interaction"), "get", MANAGERS),
    ("clients:follow_up_done", ("interaction",), "post", ALL_STAFF),
]


@pytest.fixture
def records(client_org, lawyer):
    contact = ContactFactory(client=client_org)
    interaction = InteractionFactory(
        client=client_org,
        staff=lawyer,
        follow_up_action="Send the lease",
        follow_up_due="2026-01-05",
    )
    return {"client": client_org, "contact": contact, "interaction": interaction}


def page_url(name, argument_names, records):
    return reverse(name, args=[records[argument].pk for argument in argument_names])


def request_page(http, method, url):
    # A POST with no data is enough to show who is admitted: an admitted
    # user gets a form error or a redirect, never 403.
    return http.post(url) if method == "post" else http.get(url)


@pytest.mark.parametrize(("name", "arguments", "method", "admitted"), STAFF_PAGES)
def test_anonymous_sent_to_sign_in(client, records, name, arguments, method, admitted):
    url = page_url(name, arguments, records)

    response = request_page(client, method, url)

    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))


@pytest.mark.parametrize(("name", "arguments", "method", "admitted"), STAFF_PAGES)
@pytest.mark.parametrize("visitor", ["portal_user", "other_portal_user"])
def test_portal_user_refused_staff_page(
    client, records, request, visitor, name, arguments, method, admitted
):
    # The records belong to portal_user's organisation; other_portal_user
    # belongs to another one. Neither reaches a staff page.
    client.force_login(request.getfixturevalue(visitor))
    url = page_url(name, arguments, records)

    response = request_page(client, method, url)

    if name == "home":
        assert response.status_code == 302
        assert response.url == reverse("portal:home")
    else:
        assert response.status_code in (403, 404)


@pytest.mark.parametrize(("name", "arguments", "method", "admitted"), STAFF_PAGES)
def test_staff_roles_reach_what_they_should(
    client, records, staff_users, name, arguments, method, admitted
):
    url = page_url(name, arguments, records)

    for role, user in staff_users.items():
        sign_in(client, user)
        response = request_page(client, method, url)
        if role in admitted:
            assert response.status_code in (200, 302, 400), (role, response.status_code)
        else:
            assert response.status_code == 403, role


def test_user_without_role_refused(client, db):
    from .factories import UserFactory

    client.force_login(UserFactory())

    response = client.get(reverse("clients:list"))

    assert response.status_code == 403


def test_child_record_of_other_client_not_found(client, records, lawyer):
    other = ContactFactory()
    client.force_login(lawyer)
    url = reverse("clients:contact_edit", args=[records["client"].pk, other.pk])

    response = client.get(url)

    assert response.status_code == 404


def test_missing_client_not_found(client, lawyer):
    client.force_login(lawyer)

    response = client.get(reverse("clients:detail", args=[999999]))

    assert response.status_code == 404
