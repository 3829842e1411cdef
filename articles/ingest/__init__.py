"""Ingest: every way a clipping enters the archive, and the one service that stores it.

``readers/`` turn a file's bytes into records (one module per format; they know nothing of models);
``validation`` cleans and checks each record (the one place text is cleaned); ``service`` runs the two
stages (store, then enrich on the workers); ``store`` writes a batch (dedupe, keys, index, stories);
``upload`` queues an admin upload as a run for a task worker; ``editing`` holds the editors' writes;
``runs``, ``tasks``, ``dates``, ``mojibake``, ``rekey`` as named. See docs/architecture.md.
"""
