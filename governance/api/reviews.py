"""Access reviews over the JSON API (docs/api.md): `/api/v1/access-reviews/` and
`/api/v1/access-review-items/`.

- Campaigns: admins see all of them with every item; reviewers see the campaigns where they
  review something, with only their own items (and progress counted over those); anyone
  else gets 404. Admins create (403 for everyone else), with an optional scope `team_ids`
  and/or `channel_ids`. A campaign is not changed by PATCH: decisions are made per item.
- Decisions: `POST /api/v1/access-reviews/{id}/decide/` with `{item, decision, reason,
  accept_gaps}`, or `PATCH /api/v1/access-review-items/{id}/` with `{decision, reason,
  accept_gaps}`; `POST /api/v1/access-reviews/{id}/keep-channel/` with `{channel}` keeps
  every undecided item of that channel the caller may decide. The item's reviewer or any
  admin decides, never the grant's holder (409), once (409); a revoke needs a reason (400)
  and passes the coverage guard (409 `{channels_without_actor}` unless `accept_gaps`); an
  item or channel outside the caller's scope is 404; bad input is 400 naming the field.
"""

from __future__ import annotations

from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import (
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    inline_serializer,
)
from rest_framework import mixins, serializers
from rest_framework.decorators import action
from rest_framework.fields import empty
from rest_framework.response import Response
from rest_framework.utils import html

from governance import reviews
from governance.coverage import channel_ref
from governance.models import AccessReview, AccessReviewItem
from socialops.common.fields import BoundedDateField, BoundedModelSerializer
from teams.models import Channel, Team
from teams.viewsets import ScopedViewSet, ServiceCreateMixin

GAP_CHANNEL = inline_serializer(
    "CoverageGapChannel", {"id": serializers.IntegerField(), "label": serializers.CharField()}
)
GUARD_CONFLICT = OpenApiResponse(
    response=inline_serializer(
        "CoverageGuardConflict",
        {"channels_without_actor": serializers.ListField(child=GAP_CHANNEL)},
    ),
    description="The grant's holder decides (own grant), the item was already decided, or "
    "the revoke would leave channels with nobody able to act (`channels_without_actor`; "
    "send `accept_gaps: true` to accept).",
)


class AccessReviewItemSerializer(BoundedModelSerializer):
    """One reviewed grant. The grant's holder, channel and role are copied from the grant
    (loaded with the item: no query per item)."""

    member = serializers.IntegerField(source="grant.member_id", read_only=True)
    member_name = serializers.CharField(source="grant.member.full_name", read_only=True)
    channel = serializers.IntegerField(source="grant.channel_id", read_only=True)
    channel_label = serializers.CharField(source="grant.channel.label", read_only=True)
    channel_name = serializers.SerializerMethodField()  # the label too, kept for older clients
    role = serializers.CharField(source="grant.role", read_only=True)
    decision = serializers.ChoiceField(choices=AccessReviewItem.Decision.choices)
    reason = serializers.CharField(max_length=200, required=False, allow_blank=True)
    accept_gaps = serializers.BooleanField(required=False, default=False, write_only=True)
    overdue = serializers.SerializerMethodField()

    class Meta:
        model = AccessReviewItem
        fields = [
            "id", "review", "grant", "member", "member_name", "channel", "channel_label",
            "channel_name", "role", "reviewer", "decision", "reason", "accept_gaps",
            "decided_at", "decided_by", "overdue",
        ]  # fmt: skip
        read_only_fields = ["review", "grant", "reviewer", "decided_at", "decided_by"]

    def get_channel_name(self, item) -> str:
        return item.grant.channel.label

    def get_overdue(self, item) -> bool:
        return not item.decision and item.review.deadline < timezone.localdate()


class ScopeIdsField(serializers.ManyRelatedField):
    """A list of ids of the campaign's scope. In a form (the browsable API) nothing chosen
    means the list is left out, as in JSON: an empty list can only be sent on purpose."""

    def get_value(self, dictionary):
        if html.is_html_input(dictionary):
            values = [v for v in dictionary.getlist(self.field_name) if v not in ("", None)]
            return values or empty
        return super().get_value(dictionary)


def _scope_ids(model, source: str, help_text: str) -> ScopeIdsField:
    return ScopeIdsField(
        child_relation=serializers.PrimaryKeyRelatedField(queryset=model.objects.all()),
        source=source, required=False, allow_empty=False, help_text=help_text,
    )  # fmt: skip


class ReviewProgressSerializer(serializers.Serializer):
    total = serializers.IntegerField(source="items_total")
    decided = serializers.IntegerField(source="items_decided")
    kept = serializers.IntegerField(source="items_kept")
    revoked = serializers.IntegerField(source="items_revoked")
    overdue = serializers.IntegerField(source="items_overdue")


class ReviewScopeSerializer(serializers.Serializer):
    all_channels = serializers.BooleanField()
    teams = inline_serializer(
        "ReviewScopeTeam", {"id": serializers.IntegerField(), "name": serializers.CharField()},
        many=True,
    )  # fmt: skip
    channels = inline_serializer(
        "ReviewScopeChannel",
        {"id": serializers.IntegerField(), "label": serializers.CharField()},
        many=True,
    )


class AccessReviewSerializer(BoundedModelSerializer):
    name = serializers.CharField(max_length=200)
    deadline = BoundedDateField()
    auto_revoke = serializers.BooleanField(required=False, default=False)
    team_ids = _scope_ids(Team, "teams", "Limit the campaign to these teams' channels.")
    channel_ids = _scope_ids(Channel, "channels", "Limit the campaign to these channels.")
    scope = serializers.SerializerMethodField()
    progress = ReviewProgressSerializer(source="*", read_only=True)
    items = AccessReviewItemSerializer(source="visible_items", many=True, read_only=True)

    class Meta:
        model = AccessReview
        fields = [
            "id", "name", "created_by", "created_at", "deadline", "auto_revoke", "team_ids",
            "channel_ids", "scope", "progress", "items",
        ]  # fmt: skip
        read_only_fields = ["created_by", "created_at"]

    @extend_schema_field(ReviewScopeSerializer)
    def get_scope(self, review) -> dict:
        teams = list(review.teams.all())
        channels = list(review.channels.all())
        return {
            "all_channels": not teams and not channels,
            "teams": [{"id": t.pk, "name": t.name} for t in teams],
            "channels": [channel_ref(c) for c in channels],
        }


class DecisionSerializer(serializers.Serializer):
    item = serializers.IntegerField(min_value=1)
    decision = serializers.ChoiceField(choices=AccessReviewItem.Decision.choices)
    reason = serializers.CharField(
        max_length=200, required=False, allow_blank=True, default="",
        help_text="Why: required to revoke.",
    )  # fmt: skip
    accept_gaps = serializers.BooleanField(
        required=False, default=False,
        help_text="Revoke even though channels are left with nobody able to act.",
    )  # fmt: skip


class KeepChannelSerializer(serializers.Serializer):
    channel = serializers.IntegerField(min_value=1)


class KeepChannelResultSerializer(serializers.Serializer):
    kept = serializers.IntegerField()


class AccessReviewViewSet(
    ServiceCreateMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet
):
    """Review campaigns: admins all; reviewers the campaigns where they have items (only
    their items shown); admins create; decisions through `decide` and `keep-channel`."""

    model = AccessReview
    serializer_class = AccessReviewSerializer
    http_method_names = ["get", "post", "head", "options"]

    def get_queryset(self):
        return reviews.reviews_for(member=self.roles.member).order_by("-created_at", "-pk")

    def can_create(self, roles):
        return roles.is_admin

    def can_change(self, roles, obj):
        # Whoever sees a campaign (an admin, or a reviewer with items in it) may decide on
        # the items they see; the services enforce the rest (holder 409, once 409).
        return roles.member is not None

    def service_create(self, values):
        teams = values.pop("teams", None)
        channels = values.pop("channels", None)
        review = reviews.review_create(
            actor=self.roles.member, **values,
            team_ids=None if teams is None else [t.pk for t in teams],
            channel_ids=None if channels is None else [c.pk for c in channels],
        )  # fmt: skip
        return self.get_queryset().get(pk=review.pk)  # with the items the caller may see

    @extend_schema(
        request=DecisionSerializer,
        responses={200: AccessReviewItemSerializer, 409: GUARD_CONFLICT},
    )
    @action(detail=True, methods=["post"])
    def decide(self, request, pk=None, **kwargs):
        review = self.get_object()
        ser = DecisionSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        values = dict(ser.validated_data)
        item = (
            reviews.review_items_for(member=self.roles.member)
            .filter(review_id=review.pk, pk=values.pop("item"))
            .first()
        )
        if item is None:
            raise Http404
        item = reviews.review_decide(item=item, actor=self.roles.member, **values)
        return Response(AccessReviewItemSerializer(_reload(item)).data)

    @extend_schema(
        request=KeepChannelSerializer,
        responses={
            200: KeepChannelResultSerializer,
            409: OpenApiResponse(description="Nothing left for the caller to keep there."),
        },
    )
    @action(detail=True, methods=["post"], url_path="keep-channel")
    def keep_channel(self, request, pk=None, **kwargs):
        review = self.get_object()
        ser = KeepChannelSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        channel_id = ser.validated_data["channel"]
        seen = reviews.review_items_for(member=self.roles.member).filter(
            review_id=review.pk, grant__channel_id=channel_id
        )
        channel = Channel.objects.filter(pk=channel_id).first() if seen.exists() else None
        if channel is None:  # no item of the caller's on that channel: out of scope
            raise Http404
        kept = reviews.review_keep_channel(review=review, channel=channel, actor=self.roles.member)
        return Response({"kept": kept})


def _reload(item: AccessReviewItem) -> AccessReviewItem:
    return AccessReviewItem.objects.select_related(
        "review", "grant__member", "grant__channel"
    ).get(pk=item.pk)  # fmt: skip


class AccessReviewItemViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Reviewed grants: admins all, reviewers their own; PATCH `{decision, reason,
    accept_gaps}` decides."""

    model = AccessReviewItem
    serializer_class = AccessReviewItemSerializer
    http_method_names = ["get", "patch", "head", "options"]
    filterset_fields = ["review", "decision", "reviewer"]

    def get_queryset(self):
        return (
            reviews.review_items_for(member=self.roles.member)
            .select_related("review", "grant__member", "grant__channel")
            .order_by("review_id", "pk")
        )

    def can_change(self, roles, obj):
        return roles.member is not None

    @extend_schema(responses={200: AccessReviewItemSerializer, 409: GUARD_CONFLICT})
    def partial_update(self, request, pk=None, **kwargs):
        item = self.get_object()
        ser = self.get_serializer(item, data=request.data, partial=True)
        ser.is_valid(raise_exception=True)
        values = ser.validated_data
        if "decision" not in values:
            raise serializers.ValidationError({"decision": [_("This field is required.")]})
        item = reviews.review_decide(
            item=item, actor=self.roles.member, decision=values["decision"],
            reason=values.get("reason", ""), accept_gaps=values.get("accept_gaps", False),
        )  # fmt: skip
        return Response(self.get_serializer(_reload(item)).data)
