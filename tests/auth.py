"""Signing a Django test client in as a given user."""

from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import audit, two_factor
from accounts.models import AuditEvent


def sign_in(client, user):
    """Sign ``client`` in as ``user``, as the sign-in pages would.

    A user with two-factor sign-in on gets a session that has passed the code
    step, as ``django_otp.login`` leaves it, and the sign-in audit entry that
    step writes. An administrator, who must use two-factor sign-in, is given
    a confirmed device first if they have none.
    """
    device = two_factor.app_device(user)
    if device is None and user.is_administrator:
        device = TOTPDevice.objects.create(
            user=user, name=two_factor.APP_DEVICE_NAME, confirmed=True
        )
    client.force_login(user)
    if device is None:
        return client

    session = client.session
    session.pop(two_factor.PENDING_SESSION_KEY, None)
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    audit.record(
        action=AuditEvent.Action.SIGN_IN,
        actor=user,
        changes={"second_factor": two_factor.method_of(device)},
    )
    return client
