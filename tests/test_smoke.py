def test_roles_exist_after_migrations(db):
    from django.contrib.auth.models import Group

    assert Group.objects.filter(name="Lawyer").exists()


def test_lawyer_fixture_has_lawyer_role(lawyer):
    assert lawyer.is_legal_staff
    assert not lawyer.is_portal_user


def test_portal_user_is_not_staff(portal_user):
    assert portal_user.is_portal_user
    assert not portal_user.is_legal_staff
