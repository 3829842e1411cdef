"""Long coverage-guided fuzzing (atheris/libFuzzer) of the code that reads untrusted input without a database:
the dump and JSON Lines parsers with record validation, and the search query parser. (Feeds and exports,
which need the database, are fuzzed by tests/test_fuzz.py: `HYPOTHESIS_PROFILE=long make test`.)

    .venv/bin/pip install -e '.[fuzz]'
    DEBUG=1 .venv/bin/python fuzz/fuzz_parsers.py -max_total_time=600 -rss_limit_mb=2048 fuzz/corpus
    DEBUG=1 .venv/bin/python fuzz/fuzz_parsers.py -runs=200000            # a fixed number of inputs

Any unhandled exception is a finding: libFuzzer stops and writes the input to crash-<sha1>; replay it with
`fuzz/fuzz_parsers.py crash-<sha1>`. An empty corpus folder is fine (it grows as coverage grows); the seed
dump is a good start: `mkdir -p fuzz/corpus && cp fixtures/seed_dump.txt fuzz/corpus/`. Results and the
figures of past runs: docs/RELIABILITY.md.
"""

from __future__ import annotations

import io
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsarchive.settings")
os.environ.setdefault("DEBUG", "1")

import atheris

# No django.setup(): it would import the archive's modules (admin autodiscovery) before they can be
# instrumented. The parsers need settings only (ARTICLE_MAX_CHARS), which load lazily.
with atheris.instrument_imports(include=["articles"]):
    from articles.ingest.readers.base import Clipping, NotUtf8Error, RecordError
    from articles.ingest.readers.formats import parse_stream
    from articles.ingest.validation import records_validate
    from articles.search.query import query_parse


def test_one_input(data: bytes) -> None:
    fdp = atheris.FuzzedDataProvider(data)
    choice = fdp.ConsumeIntInRange(0, 3)
    if choice == 3:
        query_parse(fdp.ConsumeUnicode(200))
        return
    name = ("x.txt", "x.jsonl", "x.jsonl")[choice]
    body = fdp.ConsumeBytes(fdp.remaining_bytes())
    try:
        items = list(records_validate(parse_stream(io.BufferedReader(io.BytesIO(body)), name)))
    except NotUtf8Error:
        return
    for item in items:
        assert isinstance(item, Clipping | RecordError)
        if isinstance(item, Clipping):
            for text in (item.title, item.source, item.body, item.url):
                text.encode("utf-8")  # storable: no lone surrogate
                assert "\x00" not in text


def main() -> None:
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
