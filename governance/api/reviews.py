"""Access reviews over the JSON API (docs/api.md): `/api/v1/access-reviews/` and
`/api/v1/access-review-items/`.

- Campaigns: admins see all of them with every item; reviewers see the campaigns where they
  review something, with only their own items; anyone else gets 404. Admins create (403
  for everyone else). A campaign is not changed by PATCH: decisions are made per item.
- Decisions: `POST /api/v1/access-reviews/{id}/decide/` with `{item, decision}`, or
  `PATCH /api/v1/access-review-items/{id}/` with `{decision}`. The item's reviewer or any
  admin decides, never the grant's holder (403), once (409); an item outside the caller's
  scope is 404; a bad decision is 400 naming the field.
"""

from __future__ import annotations

from django.http import Http404
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from governance import reviews
from governance.models import AccessReview, AccessReviewItem
from teams.viewsets import ScopedViewSet, ServiceCreateMixin


class AccessReviewItemSerializer(serializers.ModelSerializer):
    """One reviewed grant. The grant's holder, channel and role are copied from the grant
    (loaded with the item: no query per item)."""

    member = serializers.IntegerField(source="grant.member_id", read_only=True)
    member_name = serializers.CharField(source="grant.member.full_name", read_only=True)
    channel = serializers.IntegerField(source="grant.channel_id", read_only=True)
    channel_label = serializers.CharField(source="grant.channel.label", read_only=True)
    channel_name = serializers.SerializerMethodField()  # the label too, kept for older clients
    role = serializers.CharField(source="grant.role", read_only=True)
    decision = serializers.ChoiceField(choices=AccessReviewItem.Decision.choices)
    overdue = serializers.SerializerMethodField()

    class Meta:
        model = AccessReviewItem
        fields = [
            "id", "review", "grant", "member", "member_name", "channel", "channel_label",
            "channel_name", "role", "reviewer", "decision", "decided_at", "decided_by", "overdue",
        ]  # fmt: skip
        read_only_fields = ["review", "grant", "reviewer", "decided_at", "decided_by"]

    def get_channel_name(self, item) -> str:
        return item.grant.channel.label

    def get_overdue(self, item) -> bool:
        return not item.decision and item.review.deadline < timezone.localdate()


class AccessReviewSerializer(serializers.ModelSerializer):
    name = serializers.CharField(max_length=200)
    deadline = serializers.DateField()
    auto_revoke = serializers.BooleanField(required=False, default=False)
    team_ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1), required=False, write_only=True,
        allow_empty=False,
    )  # fmt: skip
    items = AccessReviewItemSerializer(source="visible_items", many=True, read_only=True)

    class Meta:
        model = AccessReview
        fields = [
            "id", "name", "created_by", "created_at", "deadline", "auto_revoke", "team_ids",
            "items",
        ]  # fmt: skip
        read_only_fields = ["created_by", "created_at"]


class DecisionSerializer(serializers.Serializer):
    item = serializers.IntegerField(min_value=1)
    decision = serializers.ChoiceField(choices=AccessReviewItem.Decision.choices)


class AccessReviewViewSet(
    ServiceCreateMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet
):
    """Review campaigns: admins all; reviewers the campaigns where they have items (only
    their items shown); admins create; decisions through `decide`."""

    model = AccessReview
    serializer_class = AccessReviewSerializer
    http_method_names = ["get", "post", "head", "options"]

    def get_queryset(self):
        return reviews.reviews_for(member=self.roles.member).order_by("-created_at", "-pk")

    def can_create(self, roles):
        return roles.is_admin

    def can_change(self, roles, obj):
        # Whoever sees a campaign (an admin, or a reviewer with items in it) may decide on
        # the items they see; review_decide enforces the rest (holder 403, once 409).
        return roles.member is not None

    def service_create(self, values):
        review = reviews.review_create(actor=self.roles.member, **values)
        return self.get_queryset().get(pk=review.pk)  # with the items the caller may see

    @extend_schema(request=DecisionSerializer, responses=AccessReviewItemSerializer)
    @action(detail=True, methods=["post"])
    def decide(self, request, pk=None):
        review = self.get_object()
        ser = DecisionSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        item = (
            reviews.review_items_for(member=self.roles.member)
            .filter(review_id=review.pk, pk=ser.validated_data["item"])
            .first()
        )
        if item is None:
            raise Http404
        item = reviews.review_decide(
            item=item, actor=self.roles.member, decision=ser.validated_data["decision"]
        )
        return Response(AccessReviewItemSerializer(_reload(item)).data)


def _reload(item: AccessReviewItem) -> AccessReviewItem:
    return AccessReviewItem.objects.select_related(
        "review", "grant__member", "grant__channel"
    ).get(pk=item.pk)  # fmt: skip


class AccessReviewItemViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Reviewed grants: admins all, reviewers their own; PATCH `{decision}` decides."""

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

    def partial_update(self, request, pk=None):
        item = self.get_object()
        ser = self.get_serializer(item, data=request.data, partial=True)
        ser.is_valid(raise_exception=True)
        if "decision" not in ser.validated_data:
            raise serializers.ValidationError({"decision": ["This field is required."]})
        item = reviews.review_decide(
            item=item, actor=self.roles.member, decision=ser.validated_data["decision"]
        )
        return Response(self.get_serializer(_reload(item)).data)
