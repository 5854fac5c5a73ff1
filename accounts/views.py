from django.contrib import messages
from django.contrib.auth import views as auth_views


class SignOutView(auth_views.LogoutView):
    """Sign the user out on POST only, as Django's view does, with a message."""

    def post(self, request, *args, **kwargs):
        response = super().post(request, *args, **kwargs)
        # The message outlives the flushed session: the message framework
        # stores it in the new session when the response goes out.
        messages.success(request, "You have signed out.")
        return response
