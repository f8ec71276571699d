"""DRF's single, never-expiring tokens (rest_framework.authtoken) become teams.ApiToken rows:
hashed, expiring TOKEN_TTL from now, so scripts keep working until then. The old rows are
deleted; the authtoken app stays installed (unused) so its table remains managed."""

import hashlib

from django.conf import settings
from django.db import migrations
from django.utils import timezone


def forwards(apps, schema_editor):
    Token = apps.get_model("authtoken", "Token")
    ApiToken = apps.get_model("teams", "ApiToken")
    now = timezone.now()
    ApiToken.objects.bulk_create(
        ApiToken(
            user_id=t.user_id,
            key_hash=hashlib.sha256(t.key.encode()).hexdigest(),
            prefix=t.key[:8],
            name="legacy token",
            created_at=now,
            expires_at=now + settings.TOKEN_TTL,
        )  # fmt: skip
        for t in Token.objects.all()
    )
    Token.objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("teams", "0006_apitoken"),
        ("authtoken", "0004_alter_tokenproxy_options"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
