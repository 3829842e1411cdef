"""Saved searches and alerts: a signed-in reader's named searches, what is new since the last
visit, an Atom feed per saved search (token URL) and an optional daily e-mail digest."""
