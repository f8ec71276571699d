from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "socialops.audit"
    label = "audit"
    verbose_name = "Audit log"
