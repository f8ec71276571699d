"""Signing in to the API and managing one's own tokens (docs/api.md "Authentication")."""

from __future__ import annotations

from django.contrib.auth import authenticate
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from socialops.common.exceptions import DomainError
from teams.authentication import lockout_message, retry_after_seconds
from teams.models import ApiToken
from teams.tokens import issue_token, revoke_token


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=4096, trim_whitespace=False)


class TokenIssuedSerializer(serializers.Serializer):
    token = serializers.CharField(help_text="Shown once; send it as `Authorization: Token <key>`.")
    expires_at = serializers.DateTimeField(read_only=True)


class ApiTokenSerializer(serializers.ModelSerializer):
    active = serializers.SerializerMethodField()

    class Meta:
        model = ApiToken
        fields = [
            "id", "prefix", "name", "created_at", "expires_at", "last_used_at", "revoked_at",
            "active",
        ]  # fmt: skip
        read_only_fields = fields

    def get_active(self, token: ApiToken) -> bool:
        return token.is_active_at(self.context["now"])


_DETAIL = inline_serializer("Detail", fields={"detail": serializers.CharField()})


class ObtainTokenView(APIView):
    """POST {username, password} → a new token {token, expires_at}, every time."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "auth"

    @extend_schema(
        request=TokenRequestSerializer,
        responses={
            200: TokenIssuedSerializer,
            400: OpenApiResponse(description="Bad credentials (audited as a failed sign-in)."),
            429: OpenApiResponse(_DETAIL, description="Locked out or throttled."),
        },
        auth=[],
    )
    def post(self, request):
        serializer = TokenRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        django_request = request._request  # axes marks the lockout on Django's request
        user = authenticate(
            django_request,
            username=serializer.validated_data["username"],
            password=serializer.validated_data["password"],
        )
        if getattr(django_request, "axes_locked_out", False):
            response = Response(
                {"detail": lockout_message(django_request)},
                status=status.HTTP_429_TOO_MANY_REQUESTS,
            )
            retry = retry_after_seconds(django_request)
            if retry:
                response["Retry-After"] = str(retry)
            return response
        if user is None:
            raise DomainError(_("Unable to sign in with those credentials."))
        token, key = issue_token(user, name=request.META.get("HTTP_USER_AGENT", ""))
        return Response(TokenIssuedSerializer({"token": key, "expires_at": token.expires_at}).data)


class ApiTokenViewSet(mixins.ListModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet):
    """The caller's own tokens (never the key); DELETE revokes one. Others' tokens are 404."""

    serializer_class = ApiTokenSerializer
    queryset = ApiToken.objects.none()
    lookup_value_regex = r"[0-9]{1,18}"  # anything else is 404 before the database

    def get_queryset(self):
        return ApiToken.objects.filter(user=self.request.user).order_by("-created_at", "-pk")

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "now": timezone.now()}

    def destroy(self, request, *args, **kwargs):
        if revoke_token(request.user, int(kwargs["pk"])) is None:
            raise Http404
        return Response(status=status.HTTP_204_NO_CONTENT)
