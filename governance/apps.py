from django.apps import AppConfig


class GovernanceConfig(AppConfig):
    name = "governance"
    verbose_name = "Governance"

    def ready(self) -> None:
        # Imported here, not at module level: the receivers use models, which need the app
        # registry, ready only now.
        from governance import signals

        signals.connect()
