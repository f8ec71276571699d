from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkloadConfig(AppConfig):
    name = "workload"
    verbose_name = _("Workload")

    def ready(self) -> None:
        # Imported here, not at module level: models and selectors need the app registry,
        # which is ready only now. Hands governance the recent-work read its dormant-grant
        # check needs (governance sits below workload and cannot import it).
        from governance.selectors import recent_work_source_register
        from workload.selectors.channel_work import recent_channel_work

        recent_work_source_register(recent_channel_work)
