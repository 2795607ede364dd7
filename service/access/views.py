"""Authentication over HTTP: a token for username and password."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import authenticate
from drf_spectacular.utils import extend_schema
from rest_framework.authtoken.models import Token
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.openapi import error_responses
from core.throttling import PostRateThrottle

from .serializers import TokenRequestSerializer, TokenSerializer


class ObtainTokenView(APIView):
    """A token for username + password (throttled per client address)."""

    authentication_classes: list[Any] = []
    throttle_classes = [PostRateThrottle]
    throttle_scope = "token"

    def get_authenticate_header(self, request: Request) -> str:
        return 'Token realm="api"'  # wrong credentials answer 401, not 403

    @extend_schema(
        description="A token for a username and password (throttled per client address).",
        request=TokenRequestSerializer,
        responses={200: TokenSerializer, **error_responses(400, 401, 429)},
    )
    def post(self, request: Request) -> Response:
        body = TokenRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        user = authenticate(request, username=body.validated_data["username"], password=body.validated_data["password"])
        if user is None or not user.is_active:
            raise AuthenticationFailed("Unable to log in with the credentials provided.")
        token, _ = Token.objects.get_or_create(user=user)
        return Response({"token": token.key})
