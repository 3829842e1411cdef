"""The "editors" group: exactly what adding, uploading and curating clippings in the admin needs.

Editors still need "staff status" on their user to log in to the admin. No user, group or
log-entry permissions: editors cannot manage accounts.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUP = "editors"
PERMISSIONS = [
    # Articles: add one, upload dumps (runs), edit, delete; mentions inline on the article.
    "add_article", "change_article", "delete_article", "view_article",
    "add_ingestrun", "view_ingestrun",
    "add_mention", "change_mention", "delete_mention", "view_mention",
    # Sources: rename and merge (a merge deletes the merged ones); pick them in the article form.
    "change_source", "delete_source", "view_source",
    # Topics are chosen, not edited.
    "view_topic",
    # Entities: rename, change kind, merge, delete (= block); aliases inline on the entity.
    "change_entity", "delete_entity", "view_entity",
    "add_entityalias", "change_entityalias", "delete_entityalias", "view_entityalias",
    # The block list: see it, and unblock a name blocked by mistake.
    "delete_blockedentity", "view_blockedentity",
]


def editors_create(apps, schema_editor):
    # Permissions are normally created after all migrations (post_migrate); make them exist now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=GROUP)
    permissions = list(Permission.objects.filter(content_type__app_label="articles", codename__in=PERMISSIONS))
    missing = set(PERMISSIONS) - {p.codename for p in permissions}
    if missing:
        raise RuntimeError(f"permissions not found: {sorted(missing)}")
    group.permissions.set(permissions)


def editors_delete(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name=GROUP).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0003_search"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]
    operations = [migrations.RunPython(editors_create, editors_delete)]
