from django.apps import AppConfig


class DevdataConfig(AppConfig):
    """Demo and benchmark data (manage.py load_demo, seed_bench, demo_logins).
    Nothing in the product imports this app; it makes its records through the
    product's services."""

    name = "devdata"
    verbose_name = "Demo and benchmark data"
