"""The starting topic taxonomy (editors may add more)."""

from django.db import migrations

TOPICS = [
    ("international", "شؤون دولية", "International"),
    ("middle-east", "الشرق الأوسط", "Middle East"),
    ("economy", "اقتصاد", "Economy"),
    ("sport", "رياضة", "Sport"),
    ("technology", "تكنولوجيا وعلوم", "Technology and science"),
    ("culture", "ثقافة وفن", "Culture and arts"),
]


def create_topics(apps, schema_editor):
    Topic = apps.get_model("articles", "Topic")
    for slug, name_ar, name_en in TOPICS:
        Topic.objects.update_or_create(slug=slug, defaults={"name_ar": name_ar, "name_en": name_en})


def remove_topics(apps, schema_editor):
    apps.get_model("articles", "Topic").objects.filter(slug__in=[t[0] for t in TOPICS]).delete()


class Migration(migrations.Migration):
    dependencies = [("articles", "0001_initial")]
    operations = [migrations.RunPython(create_topics, remove_topics)]
