from django.apps import AppConfig


class FsmbillingConfig(AppConfig):
    name = "fsmbilling"
    verbose_name = "Field service"

    def ready(self) -> None:
        from fsmbilling import checks  # noqa: F401 - registers system checks
