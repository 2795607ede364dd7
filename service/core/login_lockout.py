"""The brute-force limit on admin logins (django-axes): what a locked-out login sees (``AXES_LOCKOUT_CALLABLE``: a 429
in the error shape that says why and for how long, with ``Retry-After``), and the handler that counts admin logins
only (``AXES_HANDLER``)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from axes.handlers.database import AxesDatabaseHandler
from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse

from .error_shape import error_response


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: dict[str, Any] | None = None
) -> JsonResponse:
    cool_off: timedelta = settings.AXES_COOLOFF_TIME
    seconds = int(cool_off.total_seconds())
    return error_response(
        "login_locked_out",
        f"Too many failed logins from this address or for this account (the limit is {settings.AXES_FAILURE_LIMIT}): "
        f"logins are refused for {seconds // 60} minutes after the last failure.",
        429,
        {"cool_off_seconds": seconds},
        headers={"Retry-After": str(seconds)},
    )


class AdminLoginHandler(AxesDatabaseHandler):  # type: ignore[misc]  # django-axes ships no type information
    """django-axes' database handler for the admin's logins only.

    ``AXES_ONLY_ADMIN_SITE`` stops axes from refusing logins elsewhere, but its handler would still record every
    failed ``authenticate()``, the token endpoint's included (which has its own throttle): such a record would count
    towards the admin's per-account limit, and a username longer than axes' column would fail the request.
    """

    def user_login_failed(self, sender: Any, credentials: dict[str, Any], request: Any = None, **kwargs: Any) -> None:
        if request is not None and self.is_admin_request(request):
            super().user_login_failed(sender, credentials, request, **kwargs)

    def user_logged_in(self, sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
        if request is not None and self.is_admin_request(request):
            super().user_logged_in(sender, request, user, **kwargs)

    def user_logged_out(self, sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
        if request is not None and self.is_admin_request(request):
            super().user_logged_out(sender, request, user, **kwargs)
