from django.apps import AppConfig


class IdempotencyConfig(AppConfig):
    name = "socialops.idempotency"
    label = "idempotency"
    verbose_name = "Idempotency keys"
