"""A small archive with one wire story reprinted by three outlets, and an unrelated report."""

from __future__ import annotations

import datetime as dt
import io
import json

from articles.ingest.service import ingest_stream

WIRE_TITLE = "مجلس الأمن يعقد جلسة طارئة لبحث الأوضاع في درعا"
WIRE_BODY = (
    "ذكرت مصادر دبلوماسية أن مجلس الأمن الدولي سوف يعقد جلسة طارئة يوم الخميس لبحث تطورات الأوضاع في محافظة "
    "درعا جنوب غربي سوريا والتي تسببت في نزوح ثلاثمئة ألف شخص حتى الآن. ودعت الكويت والسويد إلى الاجتماع بعد "
    "تصاعد القتال بين القوات الحكومية وفصائل المعارضة. وقال دبلوماسيون إن الجلسة ستكون مغلقة وإن المجلس سيستمع "
    "إلى إحاطة من مسؤولي الأمم المتحدة حول الوضع الإنساني للنازحين على الحدود الأردنية وفي منطقة الجولان."
)
OTHER_TITLE = "ارتفاع أسعار النفط في الأسواق العالمية"
OTHER_BODY = (
    "ارتفعت أسعار النفط اليوم في الأسواق العالمية بعد أن أعلنت منظمة البلدان المصدرة للبترول خفض إنتاجها "
    "اليومي، وسجل خام برنت أعلى مستوى له منذ ثلاثة أشهر وسط توقعات بزيادة الطلب في فصل الشتاء المقبل."
)


def story_world() -> dict:
    """Ingest (through the real service) the first copy, a decorated reprint the next day, a one-word edit two
    days later, an unrelated report, and an exact duplicate. Returns the ingest run."""
    records = [
        {"title": WIRE_TITLE, "text": WIRE_BODY, "source": "bbc", "date": "2018-07-04"},
        {"title": f"عاجل | {WIRE_TITLE}", "text": WIRE_BODY, "source": "skynews", "date": "2018-07-05"},
        {
            "title": f"{WIRE_TITLE} (فيديو)",
            "text": WIRE_BODY.replace("ثلاثمئة ألف", "ثلاثمئة وعشرين ألف"),
            "source": "france24",
            "date": "2018-07-06",
        },
        {"title": OTHER_TITLE, "text": OTHER_BODY, "source": "bbc", "date": "2018-07-05"},
        {"title": WIRE_TITLE, "text": WIRE_BODY, "source": "cnn", "date": "2018-07-07"},  # exact duplicate
    ]
    data = "\n".join(json.dumps(r, ensure_ascii=False) for r in records).encode()
    run = ingest_stream(io.BytesIO(data), name="stories.jsonl", workers=0)
    return {"run": run, "first_date": dt.date(2018, 7, 4)}
