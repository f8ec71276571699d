"""Routes of the access review pages (governance/review_views.py)."""

from django.urls import path

from governance import review_views

urlpatterns = [
    path("governance/reviews/", review_views.review_list, name="governance-reviews"),
    path("governance/reviews/<int:pk>/", review_views.review_detail, name="governance-review"),
    path("reviews/", review_views.my_reviews, name="my-reviews"),
    path(
        "reviews/<int:pk>/channels/<int:channel_pk>/keep/",
        review_views.keep_channel,
        name="review-keep-channel",
    ),
]
