from django.apps import AppConfig


class SandboxConfig(AppConfig):
    verbose_name = "Books sandbox"
    name = "sandbox"
