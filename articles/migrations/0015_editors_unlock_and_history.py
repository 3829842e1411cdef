"""Editors see sign-in attempts (django-axes) and unlock an account or a client by deleting its attempt row.

The history of their changes (django-reversion) needs no permission of its own: reverting an object in the admin
asks for the change permission the editors already have on it.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUP = "editors"
PERMISSIONS = [
    # Attempts per account and client, the lock-outs among them; deleting one lifts its lock.
    ("axes", "view_accessattempt"),
    ("axes", "delete_accessattempt"),
    # Every sign-in and sign-out, with address and browser.
    ("axes", "view_accesslog"),
]


def editors_unlock_add(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=GROUP)
    for app_label, codename in PERMISSIONS:
        group.permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))


def editors_unlock_remove(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group = Group.objects.filter(name=GROUP).first()
    if group is None:
        return
    for app_label, codename in PERMISSIONS:
        group.permissions.remove(*Permission.objects.filter(content_type__app_label=app_label, codename=codename))


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0014_text_round3"),
        ("axes", "0010_accessattemptexpiration"),
        ("reversion", "0002_add_index_on_version_for_content_type_and_db"),
    ]
    operations = [migrations.RunPython(editors_unlock_add, editors_unlock_remove)]
