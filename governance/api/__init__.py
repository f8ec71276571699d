"""The governance JSON API: grants, offboarding and its follow-up, reviews, health, audit."""
