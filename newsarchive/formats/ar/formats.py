"""Arabic date formats: «29 نوفمبر 2026» as Arabic newsrooms write it.

Django's own ar formats (django/conf/locale/ar/formats.py) put a comma before the year
("j F، Y") and leave DATETIME_FORMAT unset, so the admin fell back to the English "N j, Y, P".
Everything else is inherited from Django's ar locale.
"""

DATE_FORMAT = "j F Y"
DATETIME_FORMAT = "j F Y، H:i"
TIME_FORMAT = "H:i"
SHORT_DATETIME_FORMAT = "d‏/m‏/Y H:i"
